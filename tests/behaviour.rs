//! Providers that act: each mechanism moves results in its stated direction.

use ccsim::load::builtin;
use ccsim::model::money::Money;
use ccsim::model::{RunOutput, Scenario, Simulation};
use serde_json::{Value, json};

use ccsim::validate::quality::closed_form;

use crate::common::{provider, run, run_conserving, scenario};

fn duopoly() -> Value {
    serde_json::from_str(&std::fs::read_to_string("configs/duopoly.json").expect("duopoly")).expect("json")
}

/// Mean quality of all providers over the last `weeks` of a run.
fn late_quality(s: &Scenario, seed: u64, weeks: usize) -> f64 {
    let r = ccsim::model::run(s, seed, true);
    let ts = r.timeseries.expect("asked for");
    let values: Vec<f64> = ts.providers.iter().flat_map(|p| p.quality[p.quality.len() - weeks..].to_vec()).collect();
    values.iter().sum::<f64>() / values.len() as f64
}

/// Quality under the tariff settles at the closed form of
/// `docs/EQUILIBRIUM.md`, with and without the quality payment (the
/// withheld share of tariff paid back for quality). The regulator is kept
/// out: the payment is spent on quality, so providers at the duopoly's thin
/// margin run deficits, and a takeover would end the duopoly.
#[test]
fn duopoly_quality_settles_at_the_closed_form_equilibrium() {
    let sets =
        [(0.25, 1620.0, 60.0, 0.0), (0.5, 1620.0, 60.0, 0.0), (0.25, 2100.0, 30.0, 0.0), (0.25, 1620.0, 60.0, 0.025)];
    for (beta_q, tariff, altruism, share) in sets {
        let mut v = duopoly();
        v["time"] = json!({"horizon_weeks": 780, "warmup_weeks": 52});
        v["choice"] = json!({"beta_quality": beta_q});
        v["services"]["elective_surgery"]["tariff"] = json!(tariff);
        v["behaviour"] = json!({"altruism": altruism, "quality_share": share});
        v["workforce"] = json!({"labour": {"wage": {"max_premium": 0.0}}});
        v["failure"] = json!({"window_weeks": 1_000_000});
        let theory = closed_form(&scenario(v.clone()));
        let simulated = late_quality(&scenario(v), 3, 260);
        let case = format!("β_q {beta_q}, tariff {tariff}, α {altruism}, quality share {share}");
        eprintln!("{case}: simulated {simulated:.4}, closed form {theory:.4}");
        assert!(theory > 0.1, "a test that can fail needs a real equilibrium: {theory}");
        assert!(
            (simulated - theory).abs() < 0.02 * theory,
            "{case}: simulated {simulated:.4}, closed form {theory:.4}"
        );
    }
}

/// A provider's cost of quality is `behaviour.quality_cost` × its
/// `quality_cost_factor`: with the duopoly frozen at equal quality, the
/// provider at factor 0.5 pays exactly half the other's upkeep; left to
/// decide, it settles at higher quality and stays there.
#[test]
fn a_provider_that_finds_quality_cheaper_settles_higher() {
    let mut v = duopoly();
    v["time"] = json!({"horizon_weeks": 104, "warmup_weeks": 52});
    v["behaviour"] = json!({"freeze": true});
    for p in v["providers"].as_array_mut().expect("providers") {
        p["quality"] = json!(0.5);
    }
    v["providers"][0]["quality_cost_factor"] = json!(0.5);
    let r = ccsim::model::run(&scenario(v.clone()), 1, false);
    let (a, b) = (r.providers[0].accounts.quality.as_pounds(), r.providers[1].accounts.quality.as_pounds());
    assert!(b > 0.0 && (a / b - 0.5).abs() < 1e-6, "upkeep £{a:.0} against £{b:.0}");

    v["time"] = json!({"horizon_weeks": 520, "warmup_weeks": 52});
    v["behaviour"] = json!({});
    v["failure"] = json!({"window_weeks": 1_000_000});
    let s = scenario(v);
    let ts = ccsim::model::run(&s, 1, true).timeseries.expect("asked for");
    let late = |i: usize| ts.providers[i].quality[ts.providers[i].quality.len() - 104..].iter().sum::<f64>() / 104.0;
    assert!(late(0) > 1.2 * late(1), "quality {:.3} against {:.3}", late(0), late(1));
}

/// The same share of what the commissioner pays is spent on quality under
/// any regime (the planner's grants, the quality payments, or both), and
/// none under any when the share is 0.
#[test]
fn money_for_quality_is_the_same_share_under_every_regime() {
    for pooling in [0.0, 0.5, 1.0] {
        for share in [0.0, 0.025] {
            let mut s = builtin("west-mercia").expect("built-in");
            s.time.horizon_weeks = 260;
            s.behaviour.quality_share = share;
            s.regime = serde_json::from_value(json!({"pooling": pooling})).expect("regime");
            let f = run(&s, 5).summary.finance;
            let got = f.quality_money_share.expect("the commissioner paid");
            assert!((got - share).abs() < 0.01 * share + 1e-12, "pooling {pooling}, share {share}: spent {got}");
            let a = f.accounts;
            let (grants, payments) = (a.grant_income.as_pounds(), a.quality_payment_income.as_pounds());
            assert_eq!(grants > 0.0, share > 0.0 && pooling > 0.0, "pooling {pooling}: grants £{grants}");
            assert_eq!(payments > 0.0, share > 0.0 && pooling < 1.0, "pooling {pooling}: payments £{payments}");
        }
    }
}

#[test]
fn a_higher_margin_raises_quality_under_the_tariff_but_not_under_full_pooling() {
    let quality = |tariff: f64, pooling: f64| {
        let mut v = duopoly();
        v["time"] = json!({"horizon_weeks": 260});
        v["services"]["elective_surgery"]["tariff"] = json!(tariff);
        v["regime"] = json!({"pooling": pooling});
        v["behaviour"] = json!({"quality_share": 0.0});
        late_quality(&scenario(v), 1, 104)
    };
    let (low, high) = (quality(1620.0, 0.0), quality(2000.0, 0.0));
    assert!(high > low * 1.15, "tariff: {low:.3} → {high:.3}");
    let (low, high) = (quality(1620.0, 1.0), quality(2000.0, 1.0));
    assert!((high - low).abs() < 0.01 * low, "pooled: {low:.3} → {high:.3}");
    // At full pooling without grants quality settles at the altruism-only level α/(κ(1+σ)).
    let altruism_only = 60.0 / (300.0 * 1.05);
    assert!((low - altruism_only).abs() < 0.02 * altruism_only, "pooled {low:.4} vs {altruism_only:.4}");
}

/// Training places reach the workforce only after the training's years:
/// with no recruitment from abroad, the staff entering the region each week
/// are the places started three years earlier / 52 × the completion share —
/// the starting places until three years after a change, the new places
/// from then on.
#[test]
fn training_places_reach_the_workforce_after_the_training_years() {
    let mut v = duopoly();
    v["time"] = json!({"horizon_weeks": 260, "warmup_weeks": 0});
    v["workforce"] = json!({"labour": {"markets": {
        "medical": {"training": {"places": 0.0}, "international": {"recruits": 0.0}},
        "nursing": {"training": {"places": 52.0, "years": 3, "completion": 0.75}, "international": {"recruits": 0.0}},
        "midwifery": {"training": {"places": 0.0}, "international": {"recruits": 0.0}},
        "allied": {"training": {"places": 0.0}, "international": {"recruits": 0.0}}
    }}});
    v["timeline"] = json!([{"week": 10, "set": "workforce.nursing.training_places", "value": 104.0}]);
    let mut sim = Simulation::from_scenario(&scenario(v), 3, false);
    let mut entered = sim.ledger().staff_entered;
    for week in 0..260 {
        sim.step();
        let now = sim.ledger().staff_entered;
        let expected = if week < 10 + 156 { 0.75 } else { 1.5 };
        assert!((now - entered - expected).abs() < 1e-9, "week {week}: {} entered, expected {expected}", now - entered);
        entered = now;
    }
    // The pipeline then holds three years of the new places.
    assert!((sim.in_training()[1] - 3.0 * 104.0).abs() < 1e-6, "{:?}", sim.in_training());
}

/// Retirement comes from the 55+ band, so an older workforce loses more
/// staff: a week's leavers are N·t/52 + N·s₅₅·(1 − t/52)·r/52 per provider
/// and group (turnover t, retirement r, share over 55 s₅₅), so moving 40%
/// of the duopoly's nurses (76.6 WTE at each of two providers) over 55 adds
/// exactly 2 · 76.6 · 0.4 · (1 − t/52) · r/52 leavers in the first week.
#[test]
fn an_older_workforce_retires_more() {
    let leavers = |over_55: f64| {
        let mut v = duopoly();
        v["time"] = json!({"horizon_weeks": 52, "warmup_weeks": 0});
        let profile = json!({"under_40": 0.8 - over_55, "from_40_to_54": 0.2, "over_55": over_55});
        v["workforce"] = json!({"labour": {"markets": {"nursing": {"age_profile": profile}}}});
        let mut sim = Simulation::from_scenario(&scenario(v), 1, false);
        sim.step();
        sim.metrics().leavers
    };
    let m = ccsim::model::params::LabourParams::default().markets;
    let (young, old) = (leavers(0.1), leavers(0.5));
    let t = m.nursing.base_turnover / 52.0;
    let extra = 2.0 * 76.6 * 0.4 * (1.0 - t) * m.nursing.retirement / 52.0;
    assert!((old - young - extra).abs() < 1e-9, "{young} → {old}, expected {extra} more");
}

/// Recruitment from abroad fills the vacancies the region's pool leaves,
/// never more than its yearly limit, and each recruit costs the fee.
#[test]
fn recruitment_from_abroad_fills_vacancies_up_to_its_limit_at_its_fee() {
    let figures = |recruits: f64| {
        let mut v = duopoly();
        v["time"] = json!({"horizon_weeks": 156, "warmup_weeks": 52});
        let none = json!({"international": {"recruits": 0.0}});
        v["workforce"] = json!({"labour": {"markets": {"medical": none, "midwifery": none, "allied": none, "nursing": {
            "training": {"places": 0.0},
            "international": {"recruits": recruits, "cost": 8000.0}
        }}}});
        let r = ccsim::model::run(&scenario(v), 4, false);
        let w = r.summary.workforce;
        (
            w.recruited_abroad_per_year,
            w.recruitment_spend.as_pounds(),
            w.by_group["nursing"].vacancy_rate.expect("posts"),
        )
    };
    let (none, none_spend, none_vacancy) = figures(0.0);
    assert_eq!((none, none_spend), (0.0, 0.0));
    let (few, few_spend, few_vacancy) = figures(10.0);
    assert!((few - 10.0).abs() < 1e-6, "short of staff, the limit binds: {few} a year");
    // Paid the week after: the first measured week pays for the warm-up's last, the last week's is unpaid.
    assert!((few_spend - 3.0 * few * 8000.0).abs() <= 2.0 * 10.0 / 52.0 * 8000.0 + 0.01, "£{few_spend}");
    let (many, _, many_vacancy) = figures(1e5);
    assert!(many < 1e5 / 2.0, "only vacancies are filled: {many} a year");
    assert!(
        none_vacancy > few_vacancy && few_vacancy > many_vacancy,
        "{none_vacancy} > {few_vacancy} > {many_vacancy}"
    );
}

#[test]
fn fewer_training_places_raise_vacancies_and_agency_spend() {
    let figures = |places_per_staff: f64| {
        let mut s = builtin("west-mercia").expect("built-in");
        s.time.horizon_weeks = 260;
        let nursing = &mut s.workforce.labour.markets.nursing;
        nursing.training.places_per_staff = places_per_staff;
        nursing.international.per_staff = 0.0;
        let r = ccsim::model::run(&s, 2, false);
        (r.summary.workforce.by_group["nursing"].vacancy_rate.expect("posts"), r.summary.workforce.agency_spend)
    };
    let (vacancy, agency) = figures(0.087);
    let (short_vacancy, short_agency) = figures(0.0435);
    assert!(short_vacancy > vacancy + 0.02, "vacancy {vacancy:.3} → {short_vacancy:.3}");
    assert!(short_agency > agency, "agency £{} → £{}", agency.as_pounds(), short_agency.as_pounds());
}

/// Two providers with the same service; demand falls on `busy`, while
/// `quiet` has staff to spare.
fn lopsided(sharing: f64) -> Value {
    let mut busy = provider("busy", 0.0, "surgery", 150.0);
    let mut quiet = provider("quiet", 25.0, "surgery", 150.0);
    for p in [&mut busy, &mut quiet] {
        p["staff"] = json!({"nursing": {"in_post": 40.0}});
    }
    json!({
        "name": "lopsided",
        "time": {"horizon_weeks": 104, "warmup_weeks": 26},
        "localities": [
            {"id": "town", "position": {"x": 0.0, "y": 0.0}, "population": 52000.0, "age_mix": {"children": 0.0, "adults": 1.0, "older": 0.0}},
            {"id": "village", "position": {"x": 25.0, "y": 0.0}, "population": 15600.0, "age_mix": {"children": 0.0, "adults": 1.0, "older": 0.0}}
        ],
        "services": {"surgery": {"referral_rate": {"adults": 100.0}, "complex_share": 0.0, "tariff": 1500.0, "staff_hours": {"nursing": 10.0}}},
        "providers": [busy, quiet],
        "regime": {"routing": "network", "staff_sharing": sharing},
        "behaviour": {"damping": 0.0, "capacity_growth": 0.0},
        "failure": {"window_weeks": 1000000}
    })
}

#[test]
fn staff_sharing_lowers_the_spread_of_utilisation() {
    let spread = |sharing| run(&scenario(lopsided(sharing)), 4).summary.workforce.utilisation_cv.expect("providers");
    let (alone, shared) = (spread(0.0), spread(0.5));
    assert!(alone > 0.3, "the scenario must be lopsided: {alone}");
    assert!(shared < 0.5 * alone, "utilisation CV {alone:.3} → {shared:.3}");
    // Redeployment costs travel time.
    let r = run(&scenario(lopsided(0.5)), 4);
    assert!(r.summary.finance.accounts.sharing > Money::ZERO);
}

#[test]
fn integration_cuts_acute_emergency_admissions_after_its_ramp_and_costs_more_at_first() {
    let weekly = |integration: bool| {
        let mut s = builtin("west-mercia").expect("built-in");
        s.time = ccsim::model::scenario::TimeSpec { horizon_weeks: 364, warmup_weeks: 52, decision_interval: 13 };
        // Demand held still, so that what integration substitutes is all that moves it.
        s.demography = Default::default();
        s.services.values_mut().for_each(|svc| svc.growth = 0.0);
        if integration {
            let change = ccsim::model::timeline::TimedChange::from_flag("regime.integration=1@104").expect("flag");
            s.timeline.push(change);
        }
        s.validate().expect("valid");
        let mut sim = Simulation::from_scenario(&s, 6, true);
        let em = sim.world().service("emergency_medicine").expect("service");
        let mut admissions = Vec::new();
        while !sim.finished() {
            sim.step();
            admissions.push(sim.treated_this_week(em));
        }
        let ts = sim.timeseries().expect("recorded").clone();
        (admissions, ts.system_cost)
    };
    let (base_em, base_cost) = weekly(false);
    let (int_em, int_cost) = weekly(true);
    let sum = |v: &[u64]| v.iter().sum::<u64>() as f64;
    let money = |v: &[Money]| v.iter().map(|m| m.as_pounds()).sum::<f64>();
    // Before the switch (week 104) the runs are the same.
    assert_eq!(base_em[..104], int_em[..104]);
    // First year of integration: dearer (the transition cost).
    assert!(money(&int_cost[104..156]) > money(&base_cost[104..156]), "first-year cost");
    // After the two-year ramp: fewer acute emergency admissions.
    let (base, int) = (sum(&base_em[208..]), sum(&int_em[208..]));
    assert!(int < 0.98 * base, "admissions after the ramp: {base} → {int}");
}

#[test]
fn a_fixed_price_drives_more_efficiency_than_full_pooling() {
    let result = |pooling: f64| {
        let mut v = duopoly();
        v["time"] = json!({"horizon_weeks": 260});
        v["regime"] = json!({"pooling": pooling});
        run(&scenario(v), 5)
    };
    let (tariff, pooled) = (result(0.0), result(1.0));
    let effort = |r: &RunOutput| r.summary.providers.efficiency_at_end.expect("open");
    let variable =
        |r: &RunOutput| r.summary.finance.accounts.variable.as_pounds() / r.summary.outcomes.overall.episodes as f64;
    // Under full pooling a provider keeps only its weight's share (here one
    // half) of what it saves, so its effort is half the tariff's.
    assert!(effort(&tariff) > 0.1, "effort {}", effort(&tariff));
    assert!(
        (effort(&pooled) - 0.5 * effort(&tariff)).abs() < 0.02 * effort(&tariff),
        "effort {} vs {}",
        effort(&tariff),
        effort(&pooled)
    );
    assert!(
        variable(&tariff) < 0.95 * variable(&pooled),
        "variable cost per episode {} vs {}",
        variable(&tariff),
        variable(&pooled)
    );
}

/// Four providers of different starting quality under network routing,
/// moving slowly towards their own best quality (θ = 0.05), so that the
/// differences last unless standardisation closes them.
fn uneven(standardisation: f64) -> Value {
    let mut providers = Vec::new();
    for (i, q) in [0.0, 0.4, 0.8, 1.2].iter().enumerate() {
        let mut p = provider(&format!("p{i}"), 12.0 * i as f64, "surgery", 120.0);
        p["quality"] = json!(q);
        providers.push(p);
    }
    let localities: Vec<Value> = (0..4)
        .map(|i| json!({"id": format!("l{i}"), "position": {"x": 12.0 * i as f64, "y": 0.0}, "population": 52000.0, "area_km2": 40.0}))
        .collect();
    json!({
        "name": "uneven",
        "time": {"horizon_weeks": 520},
        "localities": localities,
        "services": {"surgery": {"referral_rate": {"children": 40.0, "adults": 100.0, "older": 300.0}, "complex_share": 0.0, "tariff": 1500.0}},
        "providers": providers,
        "regime": {"preset": "collaboration", "pooling": 0.0},
        "behaviour": {"standardisation": standardisation, "quality_share": 0.0, "damping": 0.05},
        "failure": {"window_weeks": 1000000}
    })
}

#[test]
fn standardisation_lowers_the_variation_in_outcomes_between_providers() {
    let cv = |std: f64| {
        let r = run(&scenario(uneven(std)), 7);
        (
            r.summary.outcomes.overall.between_provider_cv.expect("providers"),
            r.summary.providers.quality_cv_at_end.expect("q"),
        )
    };
    let ((without, q_without), (with, q_with)) = (cv(0.0), cv(0.3));
    assert!(with < 0.5 * without, "outcome CV {without:.4} → {with:.4}");
    assert!(q_with < q_without, "quality CV {q_without:.3} → {q_with:.3}");
}

#[test]
fn a_policy_switch_changes_nothing_before_it_and_the_trajectories_after() {
    let series = |switch: bool| {
        let mut s = builtin("cheshire-merseyside").expect("built-in");
        s.time.horizon_weeks = 208;
        if switch {
            s.timeline.push(ccsim::model::timeline::TimedChange::from_flag("regime=collaboration@156").expect("flag"));
        }
        ccsim::model::run(&s, 11, true).timeseries.expect("asked for")
    };
    let (base, switched) = (series(false), series(true));
    let at = 156;
    assert_eq!(base.treated[..at], switched.treated[..at]);
    assert_eq!(base.waiting[..at], switched.waiting[..at]);
    assert_eq!(base.commissioner_paid[..at], switched.commissioner_paid[..at]);
    for (a, b) in base.providers.iter().zip(&switched.providers) {
        assert_eq!(a.quality[..at], b.quality[..at]);
        assert_eq!(a.cash[..at], b.cash[..at]);
    }
    assert_ne!(base.commissioner_paid[at..], switched.commissioner_paid[at..]);
    assert_ne!(base.waiting[at..], switched.waiting[at..]);
}

/// A provider whose fixed costs it cannot carry fails, is taken over and
/// merged; a timed closure moves another service. Nothing is lost.
#[test]
fn closures_and_mergers_conserve_patients_staff_and_money() {
    for action in ["close_service", "merge"] {
        let mut s = builtin("west-mercia").expect("built-in");
        s.time.horizon_weeks = 260;
        s.failure.action = serde_json::from_value(json!(action)).expect("action");
        s.providers.iter_mut().find(|p| p.id == "wye-valley").expect("exists").fixed_cost *= 3.0;
        s.timeline.push(
            ccsim::model::timeline::TimedChange::from_flag("close.shrewsbury-and-telford.gynaecology=true@120")
                .expect("flag"),
        );
        s.validate().expect("valid");
        let sim = run_conserving(&s, 8, action);
        let kinds: Vec<&str> = sim.events().iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"failure"), "{action}: the overloaded provider must fail: {kinds:?}");
        assert!(kinds.contains(&"closure"), "{action}: {kinds:?}");
        if action == "merge" {
            assert!(kinds.contains(&"merger"), "{kinds:?}");
            assert!(!sim.providers()[sim.world().provider("wye-valley").expect("id").index()].open);
        }
        assert!(sim.ledger().regulator_loans > Money::ZERO);
    }
}

#[test]
fn under_full_pooling_no_provider_fails_alone() {
    let mut s = builtin("west-mercia").expect("built-in");
    s.time.horizon_weeks = 260;
    s.regime = ccsim::model::RegimeSpec::Preset("collaboration".into());
    // A system in surplus to start with (the shipped one starts at its region's
    // 2023/24 deficit), so that no recovery plan cuts costs in the affordable run.
    for p in &mut s.providers {
        p.fixed_cost *= 0.8;
    }
    let affordable = ccsim::model::run(&s, 8, false);
    assert_eq!(affordable.summary.finance.recovery_plans, 0);
    let wye = s.providers.iter_mut().find(|p| p.id == "wye-valley").expect("exists");
    let added = 2.0 * wye.fixed_cost * 260.0;
    wye.fixed_cost *= 3.0;
    let collaboration = ccsim::model::run(&s, 8, false);
    s.regime = ccsim::model::RegimeSpec::Preset("competition".into());
    let competition = ccsim::model::run(&s, 8, false);
    assert!(competition.summary.finance.failures > 0);
    assert_eq!(collaboration.summary.finance.failures, 0);
    assert_eq!(collaboration.summary.providers.open_at_end as usize, s.providers.len());
    // The system carries the deficit instead: the shared surplus falls by the added fixed costs
    // and the interest on the overdraft they bring.
    let (before, after) = (&affordable.summary.finance, &collaboration.summary.finance);
    let fall = (before.provider_surplus - after.provider_surplus).as_pounds();
    let interest = (after.accounts.interest - before.accounts.interest).as_pounds();
    assert!(
        (fall - added - interest).abs() < 0.05 * added,
        "surplus fell by £{fall:.0}; fixed costs rose by £{added:.0}, interest by £{interest:.0}"
    );
}

/// One failure regime for both: a provider whose cash stays far below zero
/// is put under a financial recovery plan, then taken over, whatever the
/// pooling; under full pooling the system's deficit puts every provider
/// under recovery together. With an adequate price nobody is.
#[test]
fn deficits_have_consequences_under_any_pooling() {
    let finance = |pooling: f64, tariff: f64| {
        let mut v = duopoly();
        v["time"] = json!({"horizon_weeks": 520, "warmup_weeks": 52});
        v["services"]["elective_surgery"]["tariff"] = json!(tariff);
        v["regime"] = json!({"pooling": pooling});
        run(&scenario(v), 6).summary.finance
    };
    for pooling in [0.0, 0.5, 1.0] {
        let short = finance(pooling, 1300.0);
        assert!(short.provider_surplus < Money::ZERO, "pooling {pooling}: the price must leave a deficit");
        assert!(short.recovery_plans >= 1, "pooling {pooling}: {} recovery plans", short.recovery_plans);
        assert!(short.regulator_loans > Money::ZERO, "pooling {pooling}: no loans");
        let enough = finance(pooling, 1800.0);
        assert_eq!((enough.recovery_plans, enough.failures), (0, 0), "pooling {pooling}, a generous price");
    }
    // Under full pooling both providers carry the system's deficit, so both are put under recovery.
    assert!(finance(1.0, 1300.0).recovery_plans >= 2);
}

/// Patients who leave the region are still patients: emergencies that
/// find both hospitals full, with the other beyond the diversion radius,
/// are treated out of the area, and they count in `access.unmet`, in the
/// adverse-outcome rate (at their own risk), in what the commissioner pays
/// (tariff and transfer, exactly) and in the cost per episode; the money
/// ledger still balances.
#[test]
fn patients_sent_out_of_the_region_count_in_outcomes_cost_and_unmet_need() {
    let summary = |transfer: f64, odds: f64| {
        let mut v = duopoly();
        v["time"] = json!({"horizon_weeks": 260, "warmup_weeks": 52});
        v["services"]["elective_surgery"]["urgency"] = json!("emergency");
        v["geography"] = json!({"diversion_radius_km": 5.0});
        v["behaviour"] = json!({"capacity_growth": 0.0});
        for p in v["providers"].as_array_mut().expect("providers") {
            p["services"]["elective_surgery"]["capacity"] = json!(170.0);
        }
        v["out_of_area"] = json!({"transfer_cost": transfer, "risk_odds": odds, "distance_km": 120.0});
        run(&scenario(v), 8).summary
    };
    let s = summary(200.0, 1.0);
    let away = s.waiting.overall.diverted_out;
    assert!(away > 1000, "full hospitals send patients away: {away}");
    let o = &s.outcomes.overall;
    assert_eq!(o.out_of_area_episodes, away);
    let unmet = s.access.overall.unmet.expect("referrals");
    let arrived = s.bookkeeping.patients.arrived;
    assert!((unmet - away as f64 / arrived as f64).abs() < 1e-12, "unmet {unmet}");
    // Everyone who left travelled 120 km, beyond the in-region journeys.
    assert_eq!(s.access.overall.p95_km.map(|d| d >= 100.0), Some(true), "{:?}", s.access.overall.p95_km);
    let tariff = 1620.0;
    assert_eq!(s.finance.out_of_area_paid, Money::pounds(away as f64 * (tariff + 200.0)));
    assert!(s.bookkeeping.money.balanced);
    let episodes = (o.episodes + o.out_of_area_episodes) as f64;
    let cost = s.finance.cost_per_episode.expect("episodes");
    let expected = (s.finance.system_cost + s.finance.out_of_area_paid).as_pounds() / episodes;
    assert!((cost - expected).abs() < 1e-6, "cost per episode {cost} against {expected}");
    assert_eq!(o.adverse_rate, Some(o.adverse as f64 / episodes));
    // A dearer transfer costs more per episode; a riskier one raises the adverse rate, for the same patients.
    let dear = summary(1000.0, 1.0);
    assert!(dear.finance.cost_per_episode.expect("episodes") > cost);
    let risky = summary(200.0, 3.0);
    assert_eq!(risky.outcomes.overall.out_of_area_episodes, away, "the same patients leave");
    assert!(risky.outcomes.overall.out_of_area_adverse > 2 * o.out_of_area_adverse.max(1));
    assert!(risky.outcomes.overall.adverse_rate > o.adverse_rate);
}

/// `freeze` holds providers still: every unit's physical capacity, quality,
/// effort, establishment and staff in post end as they started, nothing
/// fails and nothing is withheld for quality, while patients still flow —
/// where `damping: 0` alone lets capacity follow demand.
#[test]
fn freezing_providers_holds_capacity_quality_staff_and_structure() {
    let end_state = |freeze: bool, damping: f64| {
        let mut s = builtin("cheshire-merseyside").expect("built-in");
        s.time.horizon_weeks = 260;
        s.behaviour.freeze = freeze;
        s.behaviour.damping = damping;
        let held = |sim: &Simulation| -> Vec<(Vec<f64>, f64, f64, f64)> {
            sim.providers()
                .iter()
                .map(|p| {
                    (
                        p.units.iter().flatten().map(|u| u.capacity).collect(),
                        p.quality,
                        p.establishment(),
                        p.staff_wte(),
                    )
                })
                .collect()
        };
        let mut sim = Simulation::from_scenario(&s, 3, false);
        let start = held(&sim);
        sim.run_to_end();
        let end = held(&sim);
        let structural = sim.events().iter().filter(|e| e.kind != "timeline").count();
        let r = ccsim::model::run::output(&sim, String::new(), 0).summary;
        (start, end, structural, r)
    };
    let (start, end, structural, r) = end_state(true, 0.5);
    assert_eq!(start, end, "frozen providers changed");
    assert_eq!(structural, 0, "frozen providers failed or moved services");
    assert_eq!(r.finance.quality_money, Money::ZERO);
    assert!(r.outcomes.overall.episodes > 100_000, "patients still flow");
    assert!(r.bookkeeping.money.balanced && r.bookkeeping.patients.balanced && r.bookkeeping.staff.balanced);
    // Damping 0 holds quality but not capacity.
    let (start, end, _, _) = end_state(false, 0.0);
    assert!(start.iter().zip(&end).any(|(a, b)| a.0 != b.0), "capacity follows demand unless frozen");
    assert!(start.iter().zip(&end).all(|(a, b)| a.1 == b.1), "damping 0 holds quality");
}

/// A unit changes its physical capacity by at most `capacity_growth` of
/// itself a decision period, and a unit of an elective service by at most
/// the smaller `elective_capacity_growth`: over Cheshire & Merseyside's
/// first decision, no elective unit moves by more than 0.3% and those whose
/// lists want more grow by exactly that, while emergency units move by up
/// to 1%, some of them by more than an elective unit may.
#[test]
fn elective_units_grow_by_at_most_their_own_limit() {
    let mut s = builtin("cheshire-merseyside").expect("built-in");
    s.behaviour.capacity_growth = 0.01;
    s.behaviour.elective_capacity_growth = 0.003;
    let interval = s.time.decision_interval;
    let mut sim = Simulation::from_scenario(&s, 1, false);
    let capacities = |sim: &Simulation| -> Vec<(bool, f64)> {
        sim.providers()
            .iter()
            .flat_map(|p| p.units.iter().enumerate())
            .filter_map(|(si, u)| u.as_ref().map(|u| (sim.world().services[si].is_elective(), u.capacity)))
            .collect()
    };
    let before = capacities(&sim);
    for _ in 0..interval {
        sim.step();
    }
    let after = capacities(&sim);
    let (mut elective_at_limit, mut emergency_beyond) = (0, 0);
    for ((elective, a), (_, b)) in before.iter().zip(&after) {
        let change = b / a - 1.0;
        let limit = if *elective { 0.003 } else { 0.01 };
        assert!(change.abs() <= limit + 1e-12, "elective {elective}: {a} -> {b}");
        if *elective && (change - 0.003).abs() < 1e-12 {
            elective_at_limit += 1;
        }
        if !*elective && change.abs() > 0.003 + 1e-9 {
            emergency_beyond += 1;
        }
    }
    assert!(elective_at_limit > 0, "no elective unit grew at its limit");
    assert!(emergency_beyond > 0, "no other unit moved beyond the elective limit");
}

/// West Mercia under a preset, `weeks` measured.
fn west_mercia_under(preset: &str, weeks: u32) -> ccsim::model::Scenario {
    let mut v = serde_json::to_value(builtin("west-mercia").expect("built-in")).expect("json");
    v["regime"] = json!(preset);
    v["time"]["horizon_weeks"] = json!(weeks);
    scenario(v)
}

/// Integration as evaluated: under the `integrated` preset the transition
/// starts when the warm-up ends, so its first measured year carries the
/// transition cost and costs more than collaboration alone; by the third
/// year its savings make it the cheaper.
#[test]
fn integrations_first_measured_year_costs_more_than_collaboration_alone() {
    let yearly_cost = |preset: &str| {
        let s = west_mercia_under(preset, 156);
        let warmup = s.time.warmup_weeks as usize;
        let r = ccsim::model::run(&s, 4, true);
        let cost = r.timeseries.expect("asked for").system_cost;
        let year = |y: usize| cost[warmup + 52 * y..warmup + 52 * (y + 1)].iter().map(|m| m.as_pounds()).sum::<f64>();
        (year(0), year(2))
    };
    let (integrated, collaboration) = (yearly_cost("integrated"), yearly_cost("collaboration"));
    assert!(integrated.0 > collaboration.0, "first year: £{} against £{}", integrated.0, collaboration.0);
    assert!(integrated.1 < collaboration.1, "third year: £{} against £{}", integrated.1, collaboration.1);
}

/// What choice is worth, in closed form: one town midway between two
/// identical hospitals, patients weighing travel only, a minute per road
/// km. Choosing, a patient's expected utility is the log-sum
/// ln(2·e^(−β_t·t)), so welfare is −t + ln 2 / β_t minutes; sent by the
/// network to one of them it is −t. The difference, ln 2 / β_t = 6.93
/// minutes at β_t = 0.1, is what routing takes away.
#[test]
fn choice_welfare_is_the_logit_log_sum_in_minutes() {
    let welfare = |regime: Value| {
        let mut v = duopoly();
        v["time"] = json!({"horizon_weeks": 104, "warmup_weeks": 52});
        let mut town = v["localities"][1].clone();
        town["position"] = json!({"x": 0.0, "y": 0.0});
        v["localities"] = json!([town]);
        v["choice"] = json!({"beta_minutes": 0.1, "beta_quality": 0.0, "beta_wait": 0.0});
        let linear = json!({"fixed_minutes": 0.0, "per_km": 1.3, "per_sqrt_km": 0.0});
        v["geography"] = json!({"circuity": 1.3, "travel_time": {"urban": linear, "rural": linear}});
        // A third of the duopoly's demand would bankrupt both: frozen, neither fails.
        v["behaviour"] = json!({"freeze": true});
        v["regime"] = regime;
        let s = scenario(v);
        let w = run(&s, 2).summary.access.overall.choice_welfare_minutes.expect("electives with choice");
        let spread = 2.0 / 3.0 * (50.0 / std::f64::consts::PI).sqrt();
        (w, 1.3 * (100.0 + spread * spread).sqrt())
    };
    let (choosing, t) = welfare(json!("competition"));
    let (routed, _) = welfare(json!({"routing": "network"}));
    assert!((choosing - (-t + 2f64.ln() / 0.1)).abs() < 1e-9, "choosing {choosing}, t {t}");
    assert!((routed + t).abs() < 1e-9, "routed {routed}, t {t}");
}

/// Whether exits raise or lower quality, in closed form: provider `b`
/// (quality 0) starts deeply in debt, is put under recovery (losing 5% of
/// its capacity) and then merged into `a` (quality 1), whose quality its
/// capacity then runs at. Capacity-weighted quality rises by
/// c_b / (c_a + c_b) with c_b = 0.95 c_a: 0.95 / 1.95.
#[test]
fn a_takeover_reports_what_it_did_to_quality() {
    let mut v = duopoly();
    // Long enough for b's plan (week 25) and takeover (week 62), not for a's own recovery from b's debt.
    v["time"] = json!({"horizon_weeks": 80, "warmup_weeks": 0});
    v["behaviour"] = json!({"damping": 0.0, "capacity_growth": 0.0, "quality_share": 0.0, "standardisation": 0.0});
    v["failure"] = json!({"action": "merge"});
    v["providers"][0]["quality"] = json!(1.0);
    v["providers"][1]["quality"] = json!(0.0);
    v["providers"][1]["cash"] = json!(-1.0e9);
    let r = run(&scenario(v), 3);
    assert_eq!((r.summary.finance.recovery_plans, r.summary.finance.failures), (1, 1));
    let change = r.summary.providers.takeover_quality_change.expect("a takeover");
    assert!((change - 0.95 / 1.95).abs() < 1e-9, "quality change {change}");
}

/// Integration moves older people's routine emergency admissions to
/// community care, and they keep their own risk: the community service's
/// expected (case-mix) rate rises above its own patients', by at most the
/// gap between emergency medicine's routine baseline (2.5%) and community
/// care's (2%) times the substituted share of its episodes. (Had they taken
/// community care's risk, the rate would fall: they are all routine.)
#[test]
fn substituted_patients_keep_their_own_risk() {
    let community = |preset: &str| {
        let r = run(&west_mercia_under(preset, 260), 5).summary;
        let o = r.outcomes.by_service["community_care"].clone();
        (o.expected_rate.expect("episodes"), o.episodes, r.integration.substituted)
    };
    let (alone, _, none) = community("collaboration");
    assert_eq!(none, 0);
    let (integrated, episodes, substituted) = community("integrated");
    assert!(substituted > 1000, "integration substitutes: {substituted}");
    assert!(integrated > alone, "community care's case mix: {alone} → {integrated}");
    // Each substituted patient adds 2.5% − 2% of expected risk (all are routine).
    let bound = alone + (0.025 - 0.02) * substituted as f64 / episodes as f64;
    assert!(integrated <= bound + 1e-9, "{integrated} above {bound}");
}

/// The waiting list counted as the NHS counts it, in closed form: with no
/// capacity, every referral waits, so at a census at the end of week t the
/// list holds λ patients of each wait 0..=t. Over the 26 censuses of two
/// years (t = 3, 7, …, 103) the share waiting 18 weeks or less is
/// Σ min(t + 1, 19) / Σ (t + 1) = 458 / 1404, more than 52 weeks averages
/// 13.5 λ against a mean list of 54 λ, and the median wait on the list is
/// the pooled distribution's.
#[test]
fn the_waiting_list_is_counted_at_month_end_by_time_waited() {
    let mut v = duopoly();
    v["time"] = json!({"horizon_weeks": 104, "warmup_weeks": 0});
    v["behaviour"] = json!({"freeze": true});
    for p in v["providers"].as_array_mut().expect("providers") {
        p["services"]["elective_surgery"]["capacity"] = json!(0.0);
    }
    let full = run(&scenario(v), 4);
    // Per provider: the lists add up to the region's, each with the same shape.
    let units: Vec<_> = full.providers.iter().map(|p| &p.services["elective_surgery"]).collect();
    let by_provider: f64 = units.iter().map(|u| u.list_size.expect("censuses")).sum();
    assert!((by_provider - full.summary.waiting.overall.list_size.expect("censuses")).abs() < 1e-6);
    for u in &units {
        let share = u.list_within_18_weeks.expect("a list");
        assert!((share - 458.0 / 1404.0).abs() < 0.005, "a provider's list within 18 weeks {share}");
        assert_eq!(u.completed_per_month, Some(0.0));
    }
    let r = full.summary;
    let w = &r.waiting.overall;
    assert_eq!(r.outcomes.overall.episodes, 0, "nobody is treated");
    let within = w.list_within_18_weeks.expect("a list");
    assert!((within - 458.0 / 1404.0).abs() < 0.003, "within 18 weeks {within}");
    let size = w.list_size.expect("censuses");
    let long = w.list_over_52_weeks.expect("censuses");
    assert!((long / size - 13.5 / 54.0).abs() < 0.003, "over 52 weeks {long} of {size}");
    // The mean list is 54 weekly intakes.
    let weekly = r.bookkeeping.patients.arrived as f64 / 104.0;
    assert!((size / weekly - 54.0).abs() < 0.5, "list {size}, weekly intake {weekly}");
    // Median of the pooled waits: patients of wait w are on the lists of the censuses at t ≥ w.
    let counts: Vec<u32> = (0..=103u32).map(|wait| (0..26u32).filter(|j| 4 * j + 3 >= wait).count() as u32).collect();
    let total: u32 = counts.iter().sum();
    let mut seen = 0;
    let median = counts.iter().position(|&n| {
        seen += n;
        f64::from(seen) >= 0.5 * f64::from(total)
    });
    assert_eq!(w.list_median_weeks, median.map(|m| m as f64));
}

/// The clock starts at referral: with no capacity and a pathway before the
/// decision to admit of mean 10 weeks, a patient listed in week a has
/// waited t − a + o weeks at the census of week t, where o is one of the
/// exponential's eight equal-probability band medians (1, 2, 4, 6, 8, 12,
/// 17 and 28 weeks). The share within 18 weeks over the censuses is then
/// Σ_t Σ_o min(t + 1, 19 − o) / (8 Σ_t (t + 1)), and over 52 weeks
/// Σ_t Σ_o max(0, t − 52 + o) / (8 Σ_t (t + 1)); with no pathway before
/// the decision the first is 458/1404 (the test above).
#[test]
fn the_clock_starts_at_referral_before_the_decision_to_admit() {
    let mut v = duopoly();
    v["time"] = json!({"horizon_weeks": 104, "warmup_weeks": 0});
    v["behaviour"] = json!({"freeze": true});
    v["services"]["elective_surgery"]["weeks_before_decision"] = json!(10.0);
    for p in v["providers"].as_array_mut().expect("providers") {
        p["services"]["elective_surgery"]["capacity"] = json!(0.0);
    }
    let bands = [1i64, 2, 4, 6, 8, 12, 17, 28];
    let censuses: Vec<i64> = (0..26).map(|j| 4 * j + 3).collect();
    let all: i64 = censuses.iter().map(|t| 8 * (t + 1)).sum();
    let within: i64 = censuses.iter().flat_map(|t| bands.iter().map(move |o| (t + 1).min(19 - o).max(0))).sum();
    let long: i64 = censuses.iter().flat_map(|t| bands.iter().map(move |o| (t - 52 + o).max(0))).sum();
    let r = run(&scenario(v), 4).summary;
    let w = &r.waiting.overall;
    let share = w.list_within_18_weeks.expect("a list");
    let expected = within as f64 / all as f64;
    assert!((share - expected).abs() < 0.005, "within 18 weeks {share}, closed form {expected}");
    assert!(expected < 458.0 / 1404.0 - 0.05, "the pathway before the decision shortens the share");
    let over = w.list_over_52_weeks.expect("censuses") / w.list_size.expect("censuses");
    let expected = long as f64 / all as f64;
    assert!((over - expected).abs() < 0.005, "over 52 weeks {over}, closed form {expected}");
    assert_eq!(r.outcomes.overall.episodes, 0, "nobody is treated");
}

/// A list served in turn with urgent patients first holds the shape of its
/// closed form (the one `docs/shares.py` checks the regional trusts
/// against). Capacity equals the expected referrals λ, the run starts with
/// a list of W = 14 weeks of them, a share u = 0.3 are urgent and the
/// pathway before the decision has mean 8 weeks (band medians 1, 2, 3, 5,
/// 7, 9, 13 and 22 weeks). Urgent patients are treated the week they are
/// listed, so routine patients, treated at (1 − u)λ a week, wait
/// W / (1 − u) = 20 weeks on the list, and at a census their time on it is
/// spread evenly over 0–19 weeks: a patient of band o is within 18 weeks in
/// 19 − o of those 20, so the share within 18 weeks is the mean over the
/// bands of (19 − o)⁺ / 20 = 0.58125. The list is a random walk (capacity
/// equals the mean referrals), so the simulated share is compared with the
/// closed form at the list's simulated length. Urgent patients taken in
/// turn would give about 0.75 (14 weeks on the list), clocks started at the
/// decision about 0.95.
#[test]
fn a_list_served_in_turn_with_urgent_patients_first_holds_its_closed_form_shape() {
    let mut v = duopoly();
    v["time"] = json!({"horizon_weeks": 104, "warmup_weeks": 52});
    v["behaviour"] = json!({"freeze": true});
    let service = &mut v["services"]["elective_surgery"];
    service["weeks_before_decision"] = json!(8.0);
    service["urgent_share"] = json!(0.3);
    // Expected referrals a week: each locality's residents at the service's rates by age.
    let rates = service["referral_rate"].clone();
    let lambda: f64 = v["localities"]
        .as_array()
        .expect("localities")
        .iter()
        .map(|l| {
            let per_1000: f64 = ["children", "adults", "older"]
                .iter()
                .map(|band| l["age_mix"][band].as_f64().expect("share") * rates[band].as_f64().expect("rate"))
                .sum();
            l["population"].as_f64().expect("population") * per_1000 / 1000.0 / 52.0
        })
        .sum();
    let weeks: f64 = 14.0;
    for p in v["providers"].as_array_mut().expect("providers") {
        let unit = &mut p["services"]["elective_surgery"];
        unit["capacity"] = json!(lambda / 2.0);
        unit["waiting_list"] =
            json!({"patients": (weeks * lambda / 2.0).round() as u32, "within_18_weeks": 1.0, "over_52_weeks": 0.0});
    }
    let bands = [1.0, 2.0, 3.0, 5.0, 7.0, 9.0, 13.0, 22.0];
    let closed = |listed_weeks: f64| {
        let on_list = listed_weeks / (1.0 - 0.3);
        bands.iter().map(|o: &f64| ((19.0 - o) / on_list).clamp(0.0, 1.0)).sum::<f64>() / 8.0
    };
    assert!((closed(weeks) - 0.58125).abs() < 1e-12);
    let s = scenario(v);
    let (mut share, mut size) = (0.0, 0.0);
    let seeds = 1..=4;
    for seed in seeds.clone() {
        let w = run(&s, seed).summary.waiting.overall;
        share += w.list_within_18_weeks.expect("a list");
        size += w.list_size.expect("censuses");
    }
    let n = seeds.count() as f64;
    let (share, size) = (share / n, size / n);
    // The list holds about W weeks of referrals (a random walk of about 4% over the run).
    assert!((size / (weeks * lambda) - 1.0).abs() < 0.1, "list {size} against {}", weeks * lambda);
    let expected = closed(size / lambda);
    assert!((share - expected).abs() < 0.01, "within 18 weeks {share}, closed form {expected}");
}

/// A locality's rate ratio scales its residents' referrals, and a demand
/// change in the timeline scales them further: with every locality at
/// ratio 2 for every service, referrals are twice the national rates'
/// (Poisson noise: about 0.3% of a year's referrals) and so is the
/// commissioner's default budget, and a 1.5× change at the start of the
/// second year makes that year's referrals three times.
#[test]
fn local_rate_ratios_scale_referrals_and_compose_with_demand_changes() {
    let base = duopoly();
    let services: Vec<String> = base["services"].as_object().expect("services").keys().cloned().collect();
    let arrived = |v: &Value, change: bool| {
        let mut s = scenario(v.clone());
        s.time.horizon_weeks = 104;
        s.time.warmup_weeks = 52;
        for service in services.iter().filter(|_| change) {
            let flag = format!("demand.{service}=1.5@52");
            s.timeline.push(ccsim::model::timeline::TimedChange::from_flag(&flag).expect("flag"));
        }
        let r = ccsim::model::run(&s, 5, false).summary;
        (r.bookkeeping.patients.arrived as f64, r.finance.commissioner_budget.as_pounds())
    };
    let mut doubled = base.clone();
    for l in doubled["localities"].as_array_mut().expect("localities") {
        l["rate_ratio"] = services.iter().map(|s| (s.clone(), json!(2.0))).collect();
    }
    let (one, budget) = arrived(&base, false);
    let (twice, doubled_budget) = arrived(&doubled, false);
    let ratio = twice / one;
    assert!((ratio - 2.0).abs() < 0.03, "ratio 2 gives {ratio}× the referrals");
    // The commissioner's default budget is the tariff value of the expected referrals, ratios included.
    assert!((doubled_budget / budget - 2.0).abs() < 1e-9, "budget {budget} → {doubled_budget}");
    let ratio = arrived(&doubled, true).0 / one;
    assert!((ratio - 3.0).abs() < 0.045, "ratio 2 and a 1.5× change give {ratio}×");
}

/// Room for peaks takes no staff of its own: a provider staffed for its
/// activity runs its elective list at physical capacity, 8 a week against
/// 10 referrals, whether its emergency unit (5 arrivals a week) keeps 6
/// places or 30 — its staff are planned on the patients, and stretch meets
/// a peak. Counted against every place (the hours at physical capacity)
/// the same staff would cover 42% of the hours with the larger unit and cut
/// the list's 8 slots to 8 × 0.42 / (1 − stretch) = 3.9 (checked).
#[test]
fn room_for_peaks_does_not_take_other_units_staff() {
    let elective_per_week = |emergency_places: f64| {
        let mut p = provider("h", 0.0, "surgery", 8.0);
        p["services"]["ae"] = json!({"capability": "complex", "capacity": emergency_places});
        // Hours for 8 + 5 × 1.05 episodes of 10 nursing hours, at 30 hours a WTE, and a fifth more.
        p["staff"] = json!({"nursing": {"in_post": 1.2 * (8.0 + 5.25) * 10.0 / 30.0}});
        let service = |urgency: &str, weekly: f64| {
            json!({"urgency": urgency, "referral_rate": {"adults": weekly}, "complex_share": 0.0, "tariff": 1500.0,
                   "staff_hours": {"nursing": 10.0}})
        };
        let s = scenario(json!({
            "name": "peaks",
            "time": {"horizon_weeks": 260, "warmup_weeks": 52},
            "localities": [{"id": "town", "position": {"x": 0.0, "y": 0.0}, "population": 52000.0,
                            "age_mix": {"children": 0.0, "adults": 1.0, "older": 0.0}}],
            "services": {"surgery": service("elective", 10.0), "ae": service("emergency", 5.0)},
            "providers": [p],
            "behaviour": {"damping": 0.0, "capacity_growth": 0.0},
            "failure": {"window_weeks": 1000000}
        }));
        let out = run(&s, 8);
        let unit = &out.providers[0].services["surgery"];
        unit.treated as f64 / 260.0
    };
    for places in [6.0, 30.0] {
        let weekly = elective_per_week(places);
        assert!((weekly - 8.0).abs() < 0.1, "{places} emergency places: {weekly:.2} electives a week");
    }
}
