//! Harm that grows with the journey (`services.<id>.travel_risk`, Nicholl
//! et al. 2007): a complex emergency case's odds of harm × 1.02 for every
//! straight-line km from home to the treating site beyond 5 km, up to the
//! study's longest journey, 58 km.

use crate::common::{adults, frozen, run, scenario};
use serde_json::{Value, json};

const COMPLEX_RISK: f64 = 0.05;

/// A town of 52,000 adults and one hospital `km` east of it; every case complex.
fn world(km: f64, odds_per_km: f64) -> Value {
    frozen(json!({
        "name": "journey",
        "time": {"warmup_weeks": 0, "horizon_weeks": 520},
        "localities": [adults("town", 0.0)],
        "services": {"emergency_medicine": {
            "urgency": "emergency",
            "referral_rate": {"adults": 20.0},
            "complex_share": 1.0,
            "tariff": 1000.0,
            "baseline_risk": {"routine": 0.01, "complex": COMPLEX_RISK},
            "travel_risk": {"odds_per_km": odds_per_km, "reference_km": 5.0}
        }},
        "providers": [{"id": "hospital", "kind": "dgh", "position": {"x": km, "y": 0.0},
                       "services": {"emergency_medicine": {"capability": "complex", "capacity": 500.0}}}]
    }))
}

/// The adverse rate of a run and its expected value at `logit(0.05) + shift`, within 4 SE.
fn check(km: f64, odds_per_km: f64, shift: f64) {
    let out = run(&scenario(world(km, odds_per_km)), 5);
    let o = &out.summary.outcomes.overall;
    let rate = o.adverse_rate.expect("treated");
    let p = 1.0 / (1.0 + (-((COMPLEX_RISK / (1.0 - COMPLEX_RISK)).ln() + shift)).exp());
    let se = (p * (1.0 - p) / o.episodes as f64).sqrt();
    assert!(o.episodes > 5_000, "{km} km: {} episodes", o.episodes);
    assert!((rate - p).abs() < 4.0 * se, "{km} km: adverse rate {rate}, expected {p} ± {}", 4.0 * se);
}

#[test]
fn harm_grows_by_the_odds_per_km_beyond_the_reference_journey() {
    let per_km = 1.02f64.ln();
    // At the reference journey, the baseline risk; 25 km away, 20 km beyond it.
    check(5.0, 1.02, 0.0);
    check(25.0, 1.02, 20.0 * per_km);
    // Beyond the study's longest journey the term grows no more.
    check(80.0, 1.02, 53.0 * per_km);
    // Without the term, distance does nothing.
    check(80.0, 1.0, 0.0);
}

#[test]
fn an_elective_service_cannot_have_a_travel_risk() {
    let mut v = world(10.0, 1.02);
    v["services"]["emergency_medicine"]["urgency"] = json!("elective");
    let s: ccsim::model::Scenario = serde_json::from_value(v).expect("parses");
    let problems = s.validate().expect_err("refused");
    assert!(problems.iter().any(|p| p.path == "services.emergency_medicine.travel_risk.odds_per_km"), "{problems:?}");
}
