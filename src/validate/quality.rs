//! Quality competition under a fixed price: the duopoly's quality against
//! the closed-form symmetric equilibrium of the decision rule
//! (`docs/EQUILIBRIUM.md`), and its comparative statics.

use serde_json::{Value, json};

use super::{CheckResult, Kind, Settings, describe, replicate, scenario, seeds, show};
use crate::load;
use crate::model::{Scenario, World};

/// The duopoly scenario as JSON.
pub fn duopoly() -> Value {
    serde_json::to_value(load::builtin("duopoly").expect("the built-in duopoly is valid")).expect("serialises")
}

/// The duopoly with a tariff, β_q, altruism and pooling, no wage premium
/// (so the margin is known) and no planner grants.
pub fn duopoly_with(beta_q: f64, tariff: f64, altruism: f64, pooling: f64, years: u32) -> Value {
    let mut v = duopoly();
    v["time"] = json!({"horizon_weeks": years * 52, "warmup_weeks": 52, "decision_interval": 13});
    v["choice"]["beta_quality"] = json!(beta_q);
    v["services"]["elective_surgery"]["tariff"] = json!(tariff);
    v["behaviour"]["altruism"] = json!(altruism);
    v["behaviour"]["quality_share"] = json!(0.0);
    v["workforce"]["labour"]["wage"]["max_premium"] = json!(0.0);
    v["regime"] = json!({"pooling": pooling});
    v
}

/// The closed form of `docs/EQUILIBRIUM.md`: q_own = [(1 − π)·m·S/D + α]/(κ(1 + σ))
/// and, with money for quality F a week per provider,
/// q* = sqrt(q_own² + 2F/(κ(1 + σ)D)), where F is the quality payment
/// (1 − π)·s·T·D plus half the planner's π·s·B (B the weekly budget),
/// computed from a duopoly scenario's own numbers (providers at ±10 km,
/// localities on the line between them), independently of the engine.
pub fn closed_form(s: &Scenario) -> f64 {
    let svc = &s.services["elective_surgery"];
    let (beta_t, beta_q) = (s.choice.beta_minutes, s.choice.beta_quality);
    let b = s.behaviour;
    let pay = s.workforce.annual_cost.by_group();
    let hours = svc.staff_hours.by_group();
    let staff_cost: f64 = (0..4).map(|g| hours[g] * pay[g] / 52.0 / s.workforce.hours_per_wte).sum();
    let pooling = s.regime.resolve().map_or(0.0, |r| r.pooling);
    let keep = 1.0 - pooling;
    let share = b.quality_share;
    let effort = (keep * svc.variable_cost / (b.efficiency_cost * (1.0 + b.capacity_slack))).min(b.max_efficiency);
    let margin = svc.tariff * (1.0 - share) - svc.variable_cost * (1.0 - effort) - staff_cost;
    // Road minutes from residents of a locality spread over `area` to a provider `dx` km away.
    let minutes = |dx: f64, l: &crate::model::scenario::LocalitySpec| {
        let spread = 2.0 / 3.0 * (l.area_km2 / std::f64::consts::PI).sqrt();
        s.geography.travel_time.minutes(l.rurality, (dx * dx + spread * spread).sqrt())
    };
    let (mut demand, mut slope) = (0.0, 0.0);
    for l in &s.localities {
        let x = l.position.x.expect("the duopoly uses km positions");
        let n: f64 = l
            .age_mix
            .shares()
            .iter()
            .zip(svc.referral_rate.by_band())
            .map(|(sh, r)| l.population * sh * r)
            .sum::<f64>()
            / 1000.0
            / 52.0;
        let p = 1.0 / (1.0 + (-beta_t * (minutes(x - 10.0, l) - minutes(x + 10.0, l))).exp());
        demand += n * p;
        slope += beta_q * n * p * (1.0 - p);
    }
    let cost_curve = b.quality_cost * (1.0 + b.capacity_slack);
    let own = (keep * margin * slope / demand + b.altruism) / cost_curve;
    let budget = if pooling > 0.0 {
        let regime = s.regime.resolve().expect("a valid scenario's regime resolves");
        World::build(s, regime).weekly_budget
    } else {
        0.0
    };
    let money = keep * share * svc.tariff * demand + pooling * share * budget / 2.0;
    (own * own + 2.0 * money / (cost_curve * demand)).sqrt()
}

/// Per replicate, the mean quality of both providers over the last five years.
fn late_quality(s: &Scenario, check: u64, settings: Settings) -> Vec<f64> {
    replicate(s, &seeds(check, settings.pick(3, 10)), |mut sim| {
        let last = sim.world().total_weeks() - 260;
        let (mut sum, mut n) = (0.0, 0.0);
        while !sim.finished() {
            sim.step();
            if sim.week() > last {
                sum += sim.providers().iter().map(|p| p.quality).sum::<f64>();
                n += sim.providers().len() as f64;
            }
        }
        sum / n
    })
}

/// The quality checks.
pub fn checks(settings: Settings) -> Vec<CheckResult> {
    let years = settings.pick(10, 20);
    let mut out = Vec::new();
    for (i, (beta_q, tariff, altruism)) in
        [(0.25, 1620.0, 60.0), (0.5, 1620.0, 60.0), (0.25, 2100.0, 30.0)].into_iter().enumerate()
    {
        let s = scenario(duopoly_with(beta_q, tariff, altruism, 0.0, years));
        let theory = closed_form(&s);
        let stat = describe(&late_quality(&s, 20 + i as u64, settings));
        out.push(CheckResult {
            id: format!("quality.equilibrium.{}", i + 1),
            name: format!("duopoly equilibrium quality, β_q {beta_q}, tariff £{tariff}, α {altruism}"),
            kind: Kind::Mechanics,
            expected: format!("{theory:.4}"),
            simulated: show(&stat, 4),
            tolerance: "within 2% of the closed form".into(),
            pass: (stat.mean - theory).abs() <= 0.02 * theory,
        });
    }
    let q = |beta_q, tariff, pooling, check| {
        describe(&late_quality(&scenario(duopoly_with(beta_q, tariff, 60.0, pooling, years)), check, settings))
    };
    let base = q(0.25, 1620.0, 0.0, 30);
    let higher_margin = q(0.25, 2000.0, 0.0, 31);
    let keener = q(0.5, 1620.0, 0.0, 32);
    let pooled = q(0.25, 1620.0, 1.0, 33);
    let pooled_margin = q(0.25, 2000.0, 1.0, 34);
    let statics = [
        ("quality.margin", "quality rises with the price margin (tariff £1,620 → £2,000)", &base, &higher_margin),
        ("quality.beta_q", "quality rises with patients' responsiveness (β_q 0.25 → 0.5)", &base, &keener),
    ];
    for (id, name, lo, hi) in statics {
        out.push(CheckResult {
            id: id.into(),
            name: name.into(),
            kind: Kind::Mechanics,
            expected: "higher".into(),
            simulated: format!("{} → {}", show(lo, 4), show(hi, 4)),
            tolerance: "the upper 95% bound of the first below the lower bound of the second".into(),
            pass: lo.ci95.map_or(lo.mean, |c| c[1]) < hi.ci95.map_or(hi.mean, |c| c[0]),
        });
    }
    let altruism_only = 60.0 / (300.0 * 1.05);
    out.push(CheckResult {
        id: "quality.pooling".into(),
        name:
            "full pooling (no planner grants): quality falls to the altruism-only level α/(κ(1+σ)), whatever the margin"
                .into(),
        kind: Kind::Mechanics,
        expected: format!("{altruism_only:.4}"),
        simulated: format!("{} (tariff £1,620), {} (£2,000)", show(&pooled, 4), show(&pooled_margin, 4)),
        tolerance: "both within 2%".into(),
        pass: [&pooled, &pooled_margin].iter().all(|s| (s.mean - altruism_only).abs() <= 0.02 * altruism_only),
    });
    out
}
