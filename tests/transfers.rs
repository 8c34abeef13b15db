//! Transfers between levels of care: a complex case that presents at a unit
//! of the routine level (a baby needing intensive care born where there is
//! only a local neonatal unit) is moved to the nearest unit of the complex
//! level, counted, and carries the transfer's odds of harm; one recognised
//! in time is taken past that unit (an in-utero transfer), counted with the
//! same road and no transfer odds; and a routine case may be moved during
//! care from a unit of the routine level (an intrapartum transfer from a
//! midwife-led unit), counted with the same road, keeping the routine risk;
//! where a service has three levels, a routine case needing more than a
//! unit of the basic level gives (a baby needing high-dependency care at a
//! special care unit) is moved to the nearest unit of the routine level or
//! above in the same way.

use crate::common::{adults, frozen, run, run_conserving, scenario};
use ccsim::model::scenario::Rurality;
use ccsim::model::travel::TravelTimes;
use serde_json::{Value, json};

/// Odds ratio of harm for a transferred baby in these tests.
const ODDS: f64 = 3.0;
/// Baseline risk of a complex case.
const COMPLEX_RISK: f64 = 0.05;

/// A town beside a local neonatal unit (routine level) and, 79 km away
/// beyond the choice radius, a neonatal intensive care unit (complex). Half
/// the babies need intensive care; `unplanned` of those are born in the
/// town's unit. `local` is the local unit's level.
fn world(unplanned: f64, local: &str) -> Value {
    world_moving(unplanned, local, 0.0)
}

/// The same, with `routine_share` of the routine cases beginning care at a
/// unit of the routine level moved during it.
fn world_moving(unplanned: f64, local: &str, routine_share: f64) -> Value {
    frozen(json!({
        "name": "transfers",
        "time": {"warmup_weeks": 0, "horizon_weeks": 260},
        "choice": {"radius_km": 30.0},
        "localities": [adults("town", 0.0)],
        "services": {"neonatal": {
            "urgency": "emergency",
            "referral_rate": {"adults": 40.0},
            "complex_share": 0.5,
            "tariff": 1000.0,
            "baseline_risk": {"routine": 0.01, "complex": COMPLEX_RISK},
            "transfers": {"unplanned_share": unplanned, "risk_odds": ODDS, "routine_share": routine_share}
        }},
        "providers": [
            {"id": "local", "kind": "dgh", "position": {"x": 1.0, "y": 0.0},
             "services": {"neonatal": {"capability": local, "capacity": 500.0}}},
            {"id": "nicu", "kind": "dgh", "position": {"x": 80.0, "y": 0.0},
             "services": {"neonatal": {"capability": "complex", "capacity": 500.0}}}
        ]
    }))
}

fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn a_baby_needing_intensive_care_at_a_local_unit_is_transferred_and_counted() {
    let s = scenario(world(1.0, "routine"));
    run_conserving(&s, 3, "transfers");
    let out = run(&s, 3);
    let t = &out.summary.transfers["neonatal"];
    assert!(t.complex_cases > 1000, "enough babies needing intensive care: {}", t.complex_cases);
    // Every one of them was born at the local unit, which cannot care for it.
    assert_eq!(t.between_levels, t.complex_cases);
    assert_eq!(t.share_of_complex, Some(1.0));
    assert_eq!(t.routes.len(), 1);
    assert_eq!((t.routes[0].from.as_str(), t.routes[0].to.as_str()), ("local", "nicu"));
    assert_eq!(t.routes[0].transfers, t.between_levels);
    // All of them are treated at the intensive care unit, none lost.
    assert_eq!(t.treated, t.between_levels);
    assert_eq!(t.for_room, 0);
    // The road between the two units: 79 km in a straight line, by the travel-time model.
    let minutes = TravelTimes::default().minutes(Rurality::Urban, 79.0);
    let mean = t.mean_minutes.expect("transfers have a distance");
    assert!((mean - minutes).abs() < 1e-9, "mean minutes {mean}, the model's {minutes}");
    // Harm among the transferred: the complex risk at odds × ODDS, within 4 standard errors.
    let p = logistic((COMPLEX_RISK / (1.0 - COMPLEX_RISK)).ln() + ODDS.ln());
    let n = t.treated as f64;
    let rate = t.adverse_rate.expect("some treated");
    let se = (p * (1.0 - p) / n).sqrt();
    assert!((rate - p).abs() < 4.0 * se, "adverse rate {rate}, expected {p} ± {}", 4.0 * se);
}

#[test]
fn planned_complex_cases_go_straight_to_intensive_care_and_are_not_transferred() {
    let out = run(&scenario(world(0.0, "routine")), 3);
    // Without unplanned cases the service reports no transfers, and its
    // harm is the mean of the routine and complex risks (half each).
    assert!(!out.summary.transfers.contains_key("neonatal"));
    let o = &out.summary.outcomes.by_service["neonatal"];
    let (p, n) = (0.5 * 0.01 + 0.5 * COMPLEX_RISK, o.episodes as f64);
    let rate = o.adverse_rate.expect("treated");
    assert!((rate - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(), "adverse rate {rate}, expected {p}");
    let out = run(&scenario(world(0.3, "routine")), 3);
    let t = &out.summary.transfers["neonatal"];
    let share = t.share_of_complex.expect("complex cases");
    let se = (0.3 * 0.7 / t.complex_cases as f64).sqrt();
    assert!((share - 0.3).abs() < 4.0 * se, "transferred share {share}, expected 0.3");
}

#[test]
fn a_baby_recognised_in_time_is_moved_before_birth_and_counted() {
    let s = scenario(world(0.3, "routine"));
    run_conserving(&s, 3, "in-utero transfers");
    let out = run(&s, 3);
    let t = &out.summary.transfers["neonatal"];
    let ahead = &t.ahead;
    // Every baby needing intensive care is either born at the local unit and
    // transferred after birth, or recognised in time and moved before it.
    assert_eq!(ahead.patients + t.between_levels, t.complex_cases);
    let share = ahead.share_of_complex.expect("complex cases");
    let se = (0.3 * 0.7 / t.complex_cases as f64).sqrt();
    assert!((share - 0.7).abs() < 4.0 * se, "share moved before birth {share}, expected 0.7");
    assert_eq!(ahead.treated, ahead.patients, "all treated at the intensive care unit");
    // The same road as a transfer after birth: from the local unit to the intensive care unit.
    let minutes = TravelTimes::default().minutes(Rurality::Urban, 79.0);
    let mean = ahead.mean_minutes.expect("moves have a distance");
    assert!((mean - minutes).abs() < 1e-9, "mean minutes {mean}, the model's {minutes}");
    // No transfer odds: their harm is the complex risk, within 4 standard errors.
    let (p, n) = (COMPLEX_RISK, ahead.treated as f64);
    let rate = ahead.adverse_rate.expect("some treated");
    assert!((rate - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(), "adverse rate {rate}, expected {p}");
    // Nobody is moved ahead when every case presents locally.
    let out = run(&scenario(world(1.0, "routine")), 3);
    assert_eq!(out.summary.transfers["neonatal"].ahead.patients, 0);
}

#[test]
fn a_local_unit_able_to_take_the_case_transfers_nobody() {
    let out = run(&scenario(world(0.3, "complex")), 3);
    let t = &out.summary.transfers["neonatal"];
    assert!(t.complex_cases > 1000);
    assert_eq!(t.between_levels, 0);
    assert!(t.routes.is_empty() && t.mean_minutes.is_none() && t.adverse_rate.is_none());
    // Nor is anyone moved before birth: the nearest unit takes every case.
    assert_eq!(t.ahead.patients, 0);
    assert!(t.ahead.mean_minutes.is_none());
}

#[test]
fn transfers_of_an_elective_service_are_refused() {
    let mut v = world(0.5, "routine");
    v["services"]["neonatal"]["urgency"] = json!("elective");
    let s: ccsim::model::Scenario = serde_json::from_value(v).expect("parses");
    let problems = s.validate().expect_err("elective transfers refused");
    assert!(problems.iter().any(|p| p.path == "services.neonatal.transfers.unplanned_share"), "{problems:?}");
}

/// Routine risk in these tests.
const ROUTINE_RISK: f64 = 0.01;

#[test]
fn a_routine_case_moved_during_care_from_a_routine_unit_is_counted_and_keeps_its_risk() {
    let s = scenario(world_moving(0.0, "routine", 0.22));
    run_conserving(&s, 4, "moved during care");
    let out = run(&s, 4);
    let d = &out.summary.transfers["neonatal"].during_care;
    // Every routine case begins at the local unit (the other is beyond the choice radius).
    let local = &out.providers.iter().find(|p| p.id == "local").expect("local").services["neonatal"];
    assert!(d.began_at_routine_level > 4000, "enough routine cases: {}", d.began_at_routine_level);
    assert_eq!(local.treated, d.began_at_routine_level - d.patients, "the local unit treats those who stay");
    let share = d.share.expect("cases began there");
    let se = (0.22 * 0.78 / d.began_at_routine_level as f64).sqrt();
    assert!((share - 0.22).abs() < 4.0 * se, "moved share {share}, expected 0.22 ± {}", 4.0 * se);
    // All treated at the intensive care unit, with the road between the units.
    assert_eq!(d.treated, d.patients);
    let minutes = TravelTimes::default().minutes(Rurality::Urban, 79.0);
    let mean = d.mean_minutes.expect("moves have a distance");
    assert!((mean - minutes).abs() < 1e-9, "mean minutes {mean}, the model's {minutes}");
    assert_eq!(d.routes.len(), 1);
    assert_eq!((d.routes[0].from.as_str(), d.routes[0].to.as_str()), ("local", "nicu"));
    assert_eq!(d.routes[0].transfers, d.patients);
    // Their harm is the routine risk, not the transfer's odds (3 × would be 0.029).
    let (p, n) = (ROUTINE_RISK, d.treated as f64);
    let rate = d.adverse_rate.expect("some treated");
    assert!((rate - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(), "adverse rate {rate}, expected {p}");
    // Nothing else moves: complex cases are planned, so none is transferred after presenting.
    assert_eq!(out.summary.transfers["neonatal"].between_levels, 0);
}

#[test]
fn nobody_is_moved_during_care_from_a_unit_of_the_complex_level_or_at_a_share_of_0() {
    let out = run(&scenario(world_moving(0.0, "complex", 0.22)), 4);
    let d = &out.summary.transfers["neonatal"].during_care;
    assert_eq!((d.began_at_routine_level, d.patients), (0, 0));
    assert!(d.share.is_none() && d.mean_minutes.is_none());
    let out = run(&scenario(world_moving(0.3, "routine", 0.0)), 4);
    let d = &out.summary.transfers["neonatal"].during_care;
    assert_eq!(d.patients, 0, "no share, no moves");
}

#[test]
fn moving_routine_cases_of_an_elective_service_or_at_a_share_out_of_range_is_refused() {
    let refused = |v: Value, why: &str| {
        let s: ccsim::model::Scenario = serde_json::from_value(v).expect("parses");
        let problems = s.validate().expect_err(why);
        assert!(problems.iter().any(|p| p.path == "services.neonatal.transfers.routine_share"), "{why}: {problems:?}");
    };
    let mut v = world_moving(0.0, "routine", 0.2);
    v["services"]["neonatal"]["urgency"] = json!("elective");
    refused(v, "an elective service");
    refused(world_moving(0.0, "routine", 1.5), "a share above 1");
}

/// A town beside a special care unit (`first`'s level) with, beyond the
/// choice radius, a local neonatal unit 59 km from it (`second`'s level)
/// and an intensive care unit 99 km from it; `basic_share` of the routine
/// babies beginning care at a unit of the basic level need high-dependency
/// care. Half the babies need intensive care, all recognised in time.
fn three_levels(first: &str, second: &str, basic_share: f64) -> Value {
    let mut v = world_moving(0.0, first, 0.0);
    v["services"]["neonatal"]["transfers"] = json!({"risk_odds": ODDS, "basic_share": basic_share});
    v["providers"] = json!([
        {"id": "scu", "kind": "dgh", "position": {"x": 1.0, "y": 0.0},
         "services": {"neonatal": {"capability": first, "capacity": 500.0}}},
        {"id": "lnu", "kind": "dgh", "position": {"x": 60.0, "y": 0.0},
         "services": {"neonatal": {"capability": second, "capacity": 500.0}}},
        {"id": "nicu", "kind": "dgh", "position": {"x": 100.0, "y": 0.0},
         "services": {"neonatal": {"capability": "complex", "capacity": 500.0}}}
    ]);
    v
}

#[test]
fn a_baby_needing_high_dependency_care_at_a_special_care_unit_is_moved_to_the_nearest_local_unit() {
    let s = scenario(three_levels("basic", "routine", 0.13));
    run_conserving(&s, 5, "three levels");
    let out = run(&s, 5);
    let t = &out.summary.transfers["neonatal"];
    let d = &t.during_care;
    // Every routine baby begins at the special care unit (the others are beyond the radius).
    let unit = |id: &str| &out.providers.iter().find(|p| p.id == id).expect("there").services["neonatal"];
    assert!(d.began_at_routine_level > 4000, "enough routine babies: {}", d.began_at_routine_level);
    assert_eq!(unit("scu").treated, d.began_at_routine_level - d.patients, "the unit keeps the rest");
    let share = d.share.expect("babies began there");
    let se = (0.13 * 0.87 / d.began_at_routine_level as f64).sqrt();
    assert!((share - 0.13).abs() < 4.0 * se, "moved share {share}, expected 0.13 ± {}", 4.0 * se);
    // All to the local neonatal unit, the nearest of the routine level or above, by its road.
    assert_eq!(d.routes.len(), 1);
    assert_eq!((d.routes[0].from.as_str(), d.routes[0].to.as_str()), ("scu", "lnu"));
    assert_eq!(unit("lnu").treated, d.patients, "the local unit treats those moved and no one else");
    let minutes = TravelTimes::default().minutes(Rurality::Urban, 59.0);
    let mean = d.mean_minutes.expect("moves have a distance");
    assert!((mean - minutes).abs() < 1e-9, "mean minutes {mean}, the model's {minutes}");
    // They keep the routine risk (the transfer's odds would make it 0.029).
    let rate = d.adverse_rate.expect("some treated");
    let n = d.treated as f64;
    assert!((rate - ROUTINE_RISK).abs() < 4.0 * (ROUTINE_RISK * (1.0 - ROUTINE_RISK) / n).sqrt(), "{rate}");
    // The babies needing intensive care go straight to the intensive care unit.
    assert_eq!((t.between_levels, t.ahead.patients), (0, 0));
    assert_eq!(unit("nicu").treated, t.complex_cases);
}

#[test]
fn with_no_local_unit_high_dependency_babies_go_to_intensive_care_and_a_local_unit_moves_none() {
    // The second unit a special care unit too: the intensive care unit is the nearest able.
    let out = run(&scenario(three_levels("basic", "basic", 0.13)), 5);
    let d = &out.summary.transfers["neonatal"].during_care;
    assert!(d.patients > 0);
    assert_eq!(d.routes.len(), 1);
    assert_eq!((d.routes[0].from.as_str(), d.routes[0].to.as_str()), ("scu", "nicu"));
    let minutes = TravelTimes::default().minutes(Rurality::Urban, 99.0);
    assert!((d.mean_minutes.expect("moved") - minutes).abs() < 1e-9);
    // A local neonatal unit keeps its high-dependency babies.
    let out = run(&scenario(three_levels("routine", "routine", 0.13)), 5);
    let d = &out.summary.transfers["neonatal"].during_care;
    assert_eq!((d.began_at_routine_level, d.patients), (0, 0));
}

#[test]
fn the_basic_level_without_a_share_or_a_share_of_an_elective_service_is_refused() {
    let problems = |v: Value| {
        let s: ccsim::model::Scenario = serde_json::from_value(v).expect("parses");
        s.validate().expect_err("refused").into_iter().map(|p| (p.path, p.message)).collect::<Vec<_>>()
    };
    let got = problems(three_levels("basic", "routine", 0.0));
    assert!(
        got.iter().any(|(path, m)| path == "providers[0].services.neonatal.capability" && m.contains("basic_share")),
        "{got:?}"
    );
    let mut v = three_levels("routine", "routine", 0.13);
    v["services"]["neonatal"]["urgency"] = json!("elective");
    let got = problems(v);
    assert!(got.iter().any(|(path, _)| path == "services.neonatal.transfers.basic_share"), "{got:?}");
    let got = problems(three_levels("routine", "routine", 1.2));
    assert!(got.iter().any(|(path, _)| path == "services.neonatal.transfers.basic_share"), "{got:?}");
}

/// A town beside a trust's freestanding midwife-led unit (a site at the
/// routine level, `sites[].levels`) and, 49 km away, the same trust's
/// obstetric unit: `routine_share` of the births beginning at the midwife-led
/// unit are moved to the obstetric unit, `unplanned` of the complex ones
/// present there. `own_level`: whether the midwife-led site is below its
/// trust's level (false: both sites obstetric units).
fn freestanding(unplanned: f64, routine_share: f64, own_level: bool) -> Value {
    let levels = if own_level { json!({"maternity": "routine"}) } else { json!({}) };
    frozen(json!({
        "name": "freestanding",
        "time": {"warmup_weeks": 0, "horizon_weeks": 260},
        "choice": {"radius_km": 30.0},
        "localities": [adults("town", 0.0)],
        "services": {"maternity": {
            "urgency": "emergency",
            "referral_rate": {"adults": 40.0},
            "complex_share": 0.3,
            "tariff": 1000.0,
            "baseline_risk": {"routine": ROUTINE_RISK, "complex": COMPLEX_RISK},
            "transfers": {"unplanned_share": unplanned, "risk_odds": ODDS, "routine_share": routine_share}
        }},
        "providers": [
            {"id": "trust", "kind": "dgh", "position": {"x": 1.0, "y": 0.0},
             "services": {"maternity": {"capability": "complex", "capacity": 1000.0}},
             "sites": [
                 {"id": "mlu", "position": {"x": 1.0, "y": 0.0}, "services": ["maternity"], "levels": levels},
                 {"id": "ou", "position": {"x": 50.0, "y": 0.0}, "services": ["maternity"]}
             ]}
        ]
    }))
}

#[test]
fn births_at_a_freestanding_midwife_led_unit_move_to_their_trust_s_obstetric_unit_by_its_road() {
    let s = scenario(freestanding(0.3, 0.219, true));
    run_conserving(&s, 7, "a freestanding midwife-led unit");
    let out = run(&s, 7);
    let t = &out.summary.transfers["maternity"];
    let road = TravelTimes::default().minutes(Rurality::Urban, 49.0);
    // Every routine birth begins at the midwife-led site (nearer), and the
    // routine share is moved to the trust's own obstetric unit, 49 km on.
    let d = &t.during_care;
    assert!(d.began_at_routine_level > 5000, "births begun: {}", d.began_at_routine_level);
    let share = d.share.expect("births began there");
    let se = (0.219 * 0.781 / d.began_at_routine_level as f64).sqrt();
    assert!((share - 0.219).abs() < 4.0 * se, "moved share {share}, expected 0.219 ± {}", 4.0 * se);
    assert_eq!(d.routes.len(), 1);
    assert_eq!((d.routes[0].from.as_str(), d.routes[0].to.as_str()), ("trust", "trust"));
    assert!((d.mean_minutes.expect("moved") - road).abs() < 1e-9, "{:?}, the model's {road}", d.mean_minutes);
    let rate = d.adverse_rate.expect("some treated");
    let n = d.treated as f64;
    assert!((rate - ROUTINE_RISK).abs() < 4.0 * (ROUTINE_RISK * (1.0 - ROUTINE_RISK) / n).sqrt(), "{rate}");
    // Complex births recognised in time go past it to the obstetric unit, by
    // the same road; the others present there and are transferred by it.
    assert!(t.ahead.patients > 0 && t.between_levels > 0);
    assert_eq!(t.ahead.patients + t.between_levels, t.complex_cases);
    assert!((t.ahead.mean_minutes.expect("moved ahead") - road).abs() < 1e-9);
    assert!((t.mean_minutes.expect("transferred") - road).abs() < 1e-9);
    // Each birth is counted at the site it happened at.
    let trust = out.providers.iter().find(|p| p.id == "trust").expect("there");
    let at = |id: &str| trust.sites.iter().find(|x| x.id == id).expect("site").treated["maternity"];
    assert_eq!(at("mlu"), d.began_at_routine_level - d.patients);
    assert_eq!(at("ou"), d.treated + t.treated + t.ahead.treated);
    assert_eq!(t.ahead.treated + t.treated, t.complex_cases, "every complex birth at the obstetric unit");
    // Residents near the midwife-led unit are not near an obstetric unit.
    let c = &out.summary.coverage["maternity"];
    assert_eq!(c.within_30_minutes.overall, Some(1.0));
    let complex = c.complex_level.as_ref().expect("a service with complex cases");
    assert!(road > 30.0, "the obstetric unit is {road} minutes away");
    assert_eq!(complex.within_30_minutes.overall, Some(0.0));
}

#[test]
fn complex_births_presenting_at_a_freestanding_unit_are_transferred_within_the_trust() {
    let out = run(&scenario(freestanding(1.0, 0.0, true)), 7);
    let t = &out.summary.transfers["maternity"];
    assert!(t.complex_cases > 2000, "complex births: {}", t.complex_cases);
    assert_eq!(t.between_levels, t.complex_cases, "all present at the midwife-led unit");
    assert_eq!(t.routes.len(), 1);
    assert_eq!((t.routes[0].from.as_str(), t.routes[0].to.as_str()), ("trust", "trust"));
    let road = TravelTimes::default().minutes(Rurality::Urban, 49.0);
    assert!((t.mean_minutes.expect("transferred") - road).abs() < 1e-9);
    // With both sites obstetric units nobody moves and everyone is near one.
    let out = run(&scenario(freestanding(1.0, 0.219, false)), 7);
    let t = &out.summary.transfers["maternity"];
    assert!(t.complex_cases > 2000);
    assert_eq!((t.between_levels, t.ahead.patients, t.during_care.patients), (0, 0, 0), "nothing moves");
    let c = &out.summary.coverage["maternity"];
    assert_eq!(c.complex_level.as_ref().expect("complex cases").within_30_minutes.overall, Some(1.0));
}

#[test]
fn a_site_s_own_level_must_be_below_its_trust_s_for_a_service_it_offers() {
    let problems = |v: Value| {
        let s: ccsim::model::Scenario = serde_json::from_value(v).expect("parses");
        s.validate().expect_err("refused").into_iter().map(|p| (p.path, p.message)).collect::<Vec<_>>()
    };
    let with = |levels: Value, site: usize| {
        let mut v = freestanding(0.0, 0.2, true);
        v["providers"][0]["sites"][site]["levels"] = levels;
        v
    };
    let path = "providers[0].sites[0].levels.maternity";
    for (levels, expected) in [
        (json!({"maternity": "complex"}), "below the provider's (complex)"),
        (json!({"maternity": "basic"}), "basic_share"),
    ] {
        let got = problems(with(levels, 0));
        assert!(got.iter().any(|(p, m)| p == path && m.contains(expected)), "{got:?}");
    }
    let got = problems(with(json!({"emergency": "routine"}), 0));
    assert!(got.iter().any(|(p, m)| p == "providers[0].sites[0].levels.emergency" && m.contains("the site offers")));
    // Every site below the trust's level: the trust's level is wrong.
    let got = problems(with(json!({"maternity": "routine"}), 1));
    assert!(got.iter().any(|(p, _)| p == "providers[0].services.maternity.capability"), "{got:?}");
}
