//! Patient choice against the multinomial logit it implements.
//!
//! With ample capacity and no wait term, the share of patients choosing
//! provider j is exp(u_j)/Σ_k exp(u_k), u = −β_t·minutes + β_q·quality, in
//! closed form (the market's travel time a minute per road km, so minutes
//! are road distances); and moving a provider further away changes its
//! share by the distance elasticity the logit implies,
//! (ln P(d₂) − ln P(d₁))/ln(d₂/d₁), close to −β_t·d·(1 − P) at a point.

use serde_json::json;

use super::{CheckResult, Kind, Settings, agrees, describe, frozen, replicate, scenario, seeds, show, site, town};
use crate::model::Scenario;
use crate::model::run::{output, scenario_hash};

const CIRCUITY: f64 = 1.3;
const BETA_D: f64 = 0.1;
const BETA_Q: f64 = 0.5;

/// Providers as (id, x km, quality) around one town at the origin, patients
/// weighing quality by `beta_q`.
fn market(providers: &[(&str, f64, f64)], weeks: u32, beta_q: f64) -> Scenario {
    let sites: Vec<_> = providers
        .iter()
        .map(|&(id, x, q)| {
            let mut p = site(id, x, 0.0, "s", 1000.0);
            p["quality"] = json!(q);
            p
        })
        .collect();
    // One minute per road km.
    let linear = json!({"fixed_minutes": 0.0, "per_km": CIRCUITY, "per_sqrt_km": 0.0});
    scenario(frozen(json!({
        "name": "market",
        "time": {"horizon_weeks": weeks, "warmup_weeks": 2},
        "localities": [town("town", 0.0, 0.0)],
        "services": {"s": {"referral_rate": {"adults": 200.0}, "complex_share": 0.0, "tariff": 1000.0}},
        "providers": sites,
        "choice": {"beta_minutes": BETA_D, "beta_quality": beta_q, "beta_wait": 0.0, "radius_km": 100.0},
        // Minutes proportional to road km, so the closed form's utility is linear in distance.
        "geography": {"travel_time": {"urban": linear, "rural": linear}}
    })))
}

/// The logit shares of the providers, from their distances and qualities.
pub fn logit_shares(providers: &[(&str, f64, f64)]) -> Vec<f64> {
    let u: Vec<f64> = providers.iter().map(|&(_, x, q)| -BETA_D * CIRCUITY * x.abs() + BETA_Q * q).collect();
    let total: f64 = u.iter().map(|x| x.exp()).sum();
    u.iter().map(|x| x.exp() / total).collect()
}

/// Per replicate, each provider's share of the patients treated.
fn shares(s: &Scenario, check: u64, settings: Settings) -> Vec<Vec<f64>> {
    let hash = scenario_hash(s);
    replicate(s, &seeds(check, settings.pick(8, 30)), |mut sim| {
        sim.run_to_end();
        let out = output(&sim, hash.clone(), 0);
        let treated: Vec<f64> = out.providers.iter().map(|p| p.services["s"].treated as f64).collect();
        let total: f64 = treated.iter().sum();
        treated.iter().map(|t| t / total).collect()
    })
}

/// The choice checks.
pub fn checks(settings: Settings) -> Vec<CheckResult> {
    let mut out = share_checks(BETA_Q, settings);
    out.push(elasticity_check(settings));
    out
}

/// The share checks, against the closed form at β_q = 0.5, with the
/// simulated patients weighing quality by `simulated_beta_q` (0.5 unless a
/// test breaks the mechanism on purpose).
pub fn share_checks(simulated_beta_q: f64, settings: Settings) -> Vec<CheckResult> {
    let weeks = settings.pick(260, 1040);
    let mut out = Vec::new();
    let providers = [("near", 8.0, 0.0), ("far", -14.0, 1.0), ("middle", 11.0, 0.4)];
    let expected = logit_shares(&providers);
    let runs = shares(&market(&providers, weeks, simulated_beta_q), 11, settings);
    for (j, (id, x, q)) in providers.iter().enumerate() {
        let s = describe(&runs.iter().map(|r| r[j]).collect::<Vec<_>>());
        out.push(CheckResult {
            id: format!("choice.share.{id}"),
            name: format!("logit share of a provider {} km away with quality {q}", x.abs()),
            kind: Kind::Mechanics,
            expected: format!("{:.4}", expected[j]),
            simulated: show(&s, 4),
            tolerance: "theory inside the 95% CI, or within 1%".into(),
            pass: agrees(&s, expected[j], 0.01),
        });
    }
    out
}

fn elasticity_check(settings: Settings) -> CheckResult {
    let weeks = settings.pick(260, 1040);
    // Move `b` from 14 to 15.4 km, same seeds.
    let (d1, d2) = (14.0, 15.4);
    let before = [("a", 10.0, 0.0), ("b", d1, 0.0)];
    let after = [("a", 10.0, 0.0), ("b", d2, 0.0)];
    let (p1, p2) = (logit_shares(&before)[1], logit_shares(&after)[1]);
    let theory = (p2.ln() - p1.ln()) / (d2 / d1).ln();
    let (r1, r2) =
        (shares(&market(&before, weeks, BETA_Q), 12, settings), shares(&market(&after, weeks, BETA_Q), 12, settings));
    let estimates: Vec<f64> = r1.iter().zip(&r2).map(|(a, b)| (b[1].ln() - a[1].ln()) / (d2 / d1).ln()).collect();
    let s = describe(&estimates);
    let point = -BETA_D * CIRCUITY * d1 * (1.0 - p1);
    CheckResult {
        id: "choice.distance_elasticity".into(),
        name: format!("distance elasticity of demand, provider moved from {d1} to {d2} km (point value {point:.3})"),
        kind: Kind::Mechanics,
        expected: format!("{theory:.3}"),
        simulated: show(&s, 3),
        tolerance: "theory inside the 95% CI, or within 3%".into(),
        pass: agrees(&s, theory, 0.03),
    }
}
