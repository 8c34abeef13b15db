//! The regime knobs and behavioural parameters really change what happens.

use ccsim::model::RunOutput;
use serde_json::{Value, json};

use crate::common::{adults, elective_service, frozen, provider, run, scenario};

fn treated_at(r: &RunOutput, provider: &str, service: &str) -> u64 {
    let p = r.providers.iter().find(|p| p.id == provider).expect("provider exists");
    p.services[service].treated
}

/// Two providers 15 km apart; the town beside `a` sends 100 patients a
/// week to a unit of 80 a week, while `b` has room to spare.
fn overloaded(regime: &str) -> Value {
    frozen(json!({
        "name": "overloaded",
        "time": {"horizon_weeks": 520, "warmup_weeks": 104},
        "localities": [adults("near-a", 0.0), {
            "id": "near-b", "position": {"x": 15.0, "y": 0.0}, "population": 10400.0,
            "age_mix": {"children": 0.0, "adults": 1.0, "older": 0.0}
        }],
        "services": {"surgery": elective_service(100.0)},
        "providers": [provider("a", 0.0, "surgery", 80.0), provider("b", 15.0, "surgery", 60.0)],
        "regime": regime
    }))
}

#[test]
fn network_routing_cuts_the_95th_percentile_wait_of_an_overloaded_provider() {
    let choice = run(&scenario(overloaded("competition")), 3);
    let network = run(&scenario(overloaded("collaboration")), 3);
    let p95 = |r: &RunOutput| r.summary.waiting.overall.p95_wait_weeks.expect("treated");
    let threshold = 12.0;
    assert!(p95(&choice) > 2.0 * threshold, "choice p95 {}", p95(&choice));
    assert!(p95(&network) <= threshold + 2.0, "network p95 {}", p95(&network));
    // Mutual aid moved patients from the overloaded provider to the one with room.
    assert!(treated_at(&network, "b", "surgery") > treated_at(&choice, "b", "surgery"));
}

/// One town midway between two providers with room to spare; `b` has quality 0.5.
fn midway(beta_quality: f64) -> Value {
    let mut b = provider("b", 10.0, "surgery", 400.0);
    b["quality"] = json!(0.5);
    frozen(json!({
        "name": "midway",
        "time": {"horizon_weeks": 520, "warmup_weeks": 10},
        "localities": [adults("middle", 0.0)],
        "services": {"surgery": elective_service(100.0)},
        "providers": [provider("a", -10.0, "surgery", 400.0), b],
        "choice": {"beta_quality": beta_quality, "beta_wait": 0.0}
    }))
}

/// With equal distances and no wait term, logit shares are closed-form:
/// P(b) = 1 / (1 + exp(−β_q · 0.5)).
#[test]
fn logit_choice_gives_closed_form_shares_and_follows_quality() {
    let mut shares = Vec::new();
    for beta in [0.0, 1.0, 3.0] {
        let r = run(&scenario(midway(beta)), 5);
        let (a, b) = (treated_at(&r, "a", "surgery") as f64, treated_at(&r, "b", "surgery") as f64);
        let share = b / (a + b);
        let expected = 1.0 / (1.0 + (-beta * 0.5).exp());
        // About 52,000 patients: the binomial standard error is under 0.0025.
        assert!((share - expected).abs() < 0.01, "β_q {beta}: share {share:.4}, expected {expected:.4}");
        shares.push(share);
    }
    assert!(shares[0] < shares[1] && shares[1] < shares[2], "{shares:?}");
}

fn pooled(pooling: f64, demand: f64) -> Value {
    frozen(json!({
        "name": "pooled",
        "time": {"horizon_weeks": 104, "warmup_weeks": 10},
        "localities": [adults("town", 0.0)],
        "services": {"surgery": elective_service(demand)},
        "providers": [provider("a", -5.0, "surgery", 120.0), provider("b", 5.0, "surgery", 60.0)],
        "commissioner": {"budget_per_capita": {"adults": 1000.0}},
        "regime": {"pooling": pooling}
    }))
}

#[test]
fn full_pooling_makes_provider_income_independent_of_activity() {
    let income = |pooling, demand| -> Vec<f64> {
        let r = run(&scenario(pooled(pooling, demand)), 9);
        r.providers.iter().map(|p| p.accounts.income().as_pounds()).collect()
    };
    assert_eq!(income(1.0, 40.0), income(1.0, 90.0));
    // The control: under the tariff, income follows activity.
    let (low, high) = (income(0.0, 40.0), income(0.0, 90.0));
    assert!(high[0] > 1.5 * low[0] && high[1] > 1.5 * low[1], "{low:?} {high:?}");
    // Pooled income is split by planned capacity: a has twice b's capacity.
    let split = income(1.0, 40.0);
    assert!((split[0] / split[1] - 2.0).abs() < 1e-6, "{split:?}");
}

fn emergency(diversion_radius_km: f64) -> Value {
    frozen(json!({
        "name": "emergency",
        "time": {"horizon_weeks": 104, "warmup_weeks": 10},
        "geography": {"diversion_radius_km": diversion_radius_km},
        "localities": [adults("town", 0.0)],
        "services": {"ae": {
            "urgency": "emergency", "referral_rate": {"adults": 50.0}, "complex_share": 0.0, "tariff": 1500.0
        }},
        "providers": [provider("near", 1.0, "ae", 30.0), provider("far", 20.0, "ae", 40.0)]
    }))
}

#[test]
fn emergencies_over_capacity_are_diverted_to_the_next_provider() {
    let r = run(&scenario(emergency(80.0)), 4);
    let w = &r.summary.waiting.overall;
    let weeks = 104.0;
    // About 50 − 30 = 20 diversions a week, all treated at `far`.
    assert!((w.diversions as f64 / weeks - 20.0).abs() < 1.5, "{} diversions", w.diversions);
    assert_eq!(w.diverted_out, 0);
    assert_eq!(treated_at(&r, "far", "ae"), w.diversions);
    assert_eq!(r.summary.outcomes.overall.episodes, r.summary.bookkeeping.patients.arrived);
    // With `far` beyond the diversion radius the same patients leave the region.
    let r = run(&scenario(emergency(10.0)), 4);
    assert_eq!(r.summary.waiting.overall.diverted_out, r.summary.waiting.overall.diversions);
    assert_eq!(treated_at(&r, "far", "ae"), 0);
}

fn complex_care(regime: &str) -> Value {
    frozen(json!({
        "name": "hub",
        "time": {"horizon_weeks": 52, "warmup_weeks": 0},
        "localities": [adults("town", 0.0)],
        "services": {"neonatal": {
            "urgency": "emergency", "referral_rate": {"adults": 10.0}, "complex_share": 1.0, "tariff": 8000.0
        }},
        "providers": [provider("local", 2.0, "neonatal", 50.0), provider("hub", 30.0, "neonatal", 50.0)],
        "network": {"hubs": {"neonatal": "hub"}},
        "regime": regime
    }))
}

#[test]
fn the_network_sends_complex_cases_to_the_hub() {
    let network = run(&scenario(complex_care("collaboration")), 2);
    let choice = run(&scenario(complex_care("competition")), 2);
    assert!(treated_at(&network, "hub", "neonatal") > 400);
    assert_eq!(treated_at(&network, "local", "neonatal"), 0);
    assert_eq!(treated_at(&choice, "hub", "neonatal"), 0, "without the network, emergencies go to the nearest");
    assert!(network.summary.access.overall.mean_km > choice.summary.access.overall.mean_km);
}

#[test]
fn a_routing_mix_splits_patients_between_pathway_and_choice() {
    let mut s = midway(0.0);
    s["providers"][0]["position"]["x"] = json!(-5.0); // `a` is now the nearest
    s["regime"] = json!({"routing": 0.5});
    // β_t 0.22 a minute: 0.18 a km at the synthetic map's road speed.
    s["choice"]["beta_minutes"] = json!(0.22);
    let r = run(&scenario(s.clone()), 8);
    let (a, b) = (treated_at(&r, "a", "surgery") as f64, treated_at(&r, "b", "surgery") as f64);
    // Network half: all to `a`. Choice half: logit on 6.5 km against 13 km.
    let logit_a = 1.0 / (1.0 + (-0.18f64 * 6.5).exp());
    let expected = 0.5 + 0.5 * logit_a;
    assert!((a / (a + b) - expected).abs() < 0.01, "share {} expected {expected}", a / (a + b));
}

#[test]
fn coordination_and_transaction_costs_are_charged() {
    let mut s = pooled(0.0, 50.0);
    let base = run(&scenario(s.clone()), 1);
    s["regime"] = json!({"pooling": 0.0, "coordination_cost": 1000.0});
    let coordinated = run(&scenario(s), 1);
    let weeks = 104.0;
    let c = coordinated.summary.finance.accounts.coordination.as_pounds();
    assert!((c - 2.0 * 1000.0 * weeks).abs() < 1e-6, "{c}");
    assert_eq!(base.summary.finance.accounts.coordination.as_pounds(), 0.0);
    // £25 per tariff-paid episode by default.
    let episodes = base.summary.outcomes.overall.episodes as f64;
    let t = base.summary.finance.accounts.transaction.as_pounds();
    assert!((t - 25.0 * episodes).abs() < 1.0, "{t} for {episodes}");
}
