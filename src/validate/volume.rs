//! Volume–outcome: units of different annual volumes, all else equal, have
//! the adverse-outcome rates of the configured curve
//! logistic(logit(baseline) + β_volume·ln(minimum/volume)⁺).

use serde_json::json;

use super::{CheckResult, Kind, Settings, agrees, describe, frozen, replicate, scenario, seeds, show};
use crate::model::outcome::volume_shortfall;
use crate::model::run::{output, scenario_hash};

const BASELINE: f64 = 0.05;
const MINIMUM: f64 = 2000.0;
const BETA_VOLUME: f64 = 0.25;

/// The configured curve at an annual volume.
pub fn curve(volume: f64) -> f64 {
    let z = (BASELINE / (1.0 - BASELINE)).ln() + BETA_VOLUME * volume_shortfall(volume, MINIMUM);
    1.0 / (1.0 + (-z).exp())
}

/// The volume checks.
pub fn checks(settings: Settings) -> Vec<CheckResult> {
    checks_with(BETA_VOLUME, settings)
}

/// The volume checks against the curve at β_volume = 0.25, with the
/// simulated outcome model using `simulated_beta` (0.25 unless a test breaks
/// the mechanism on purpose).
pub fn checks_with(simulated_beta: f64, settings: Settings) -> Vec<CheckResult> {
    let volumes = [100.0, 400.0, 1000.0, 2000.0, 4000.0];
    // One isolated town per unit; 10 referrals per 1,000 a year, so a town of
    // 100·v residents gives the unit v episodes a year.
    let localities: Vec<_> = volumes
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"id": format!("t{i}"), "position": {"x": 300.0 * i as f64, "y": 0.0}, "population": v * 100.0}))
        .collect();
    let providers: Vec<_> = volumes
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json!({"id": format!("u{i}"), "kind": "dgh", "position": {"x": 300.0 * i as f64 + 1.0, "y": 0.0},
                   "services": {"s": {"capability": "complex", "capacity": (v / 52.0 * 3.0_f64).max(3.0)}}})
        })
        .collect();
    let s = scenario(frozen(json!({
        "name": "volumes",
        "time": {"horizon_weeks": settings.pick(520, 2080), "warmup_weeks": 52},
        "localities": localities,
        "services": {"s": {"urgency": "emergency", "referral_rate": {"children": 10.0, "adults": 10.0, "older": 10.0},
                           "complex_share": 0.0, "tariff": 1000.0,
                           "baseline_risk": {"routine": BASELINE, "complex": 0.1}, "min_safe_volume": MINIMUM}},
        "providers": providers,
        "outcome": {"volume": simulated_beta, "quality": 0.3, "staffing": 1.0, "wait": 0.0}
    })));
    let hash = scenario_hash(&s);
    let rates = replicate(&s, &seeds(40, settings.pick(10, 40)), |mut sim| {
        sim.run_to_end();
        let out = output(&sim, hash.clone(), 0);
        out.providers.iter().map(|p| p.services["s"].adverse_rate.unwrap_or(0.0)).collect::<Vec<f64>>()
    });
    volumes
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let stat = describe(&rates.iter().map(|r| r[i]).collect::<Vec<_>>());
            let expected = curve(v);
            CheckResult {
                id: format!("volume.{v}"),
                name: format!("adverse-outcome rate of a unit of {v} episodes a year (minimum safe volume {MINIMUM})"),
                kind: Kind::Mechanics,
                expected: format!("{expected:.4}"),
                simulated: show(&stat, 4),
                tolerance: "curve inside the 95% CI, or within 3%".into(),
                pass: agrees(&stat, expected, 0.03),
            }
        })
        .collect()
}
