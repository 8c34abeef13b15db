//! Queue mechanics against queueing theory.
//!
//! One provider, one service, Poisson(λ) referrals a week.
//!
//! - **Slots** (capacity c whole episodes a week): the list after each
//!   week follows the Lindley recursion Q' = (Q' + A − c)⁺ and, by Little's
//!   law, the mean wait in whole weeks is E[Q']/λ. For c = 1 this is the
//!   embedded chain of the M/D/1 queue, so E[Q'] = λ²/(2(1 − λ)) and the
//!   mean wait is λ/(2(1 − λ)). For c > 1 the stationary distribution of the
//!   chain is computed numerically here, apart from the engine.
//! - **Beds** (c beds, geometric stays of mean 1/μ weeks): a discrete-time
//!   M/M/c queue. The mean wait is compared with Erlang C,
//!   W_q = C(c, a)/(cμ − λ) with a = λ/μ, and bed occupancy with a/c; for an
//!   emergency service with nowhere to divert, the share turned away is
//!   compared with Erlang B(c, a). Weekly steps make these approximations of
//!   the continuous-time results, so their tolerance is 5%.

use serde_json::json;

use super::{CheckResult, Kind, Settings, agrees, describe, frozen, replicate, scenario, seeds, show, site, town};
use crate::model::run::{output, scenario_hash};

/// λ/(2(1 − λ)): the M/D/1 mean wait of the single-slot queue, weeks.
pub fn md1_wait(lambda: f64) -> f64 {
    lambda / (2.0 * (1.0 - lambda))
}

/// E[Q']/λ for Q' = (Q' + A − c)⁺, A ~ Poisson(λ), from the chain's
/// stationary distribution (iterated on a truncated support), weeks.
pub fn slots_wait(lambda: f64, c: usize) -> f64 {
    const N: usize = 400;
    let max_a = (lambda + 12.0 * lambda.sqrt() + 12.0) as usize;
    let mut pa = vec![(-lambda).exp()];
    for a in 1..=max_a {
        let prev = pa[a - 1];
        pa.push(prev * lambda / a as f64);
    }
    let mut pi = vec![0.0; N];
    pi[0] = 1.0;
    for _ in 0..100_000 {
        let mut next = vec![0.0; N];
        for (q, &p) in pi.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            for (a, &w) in pa.iter().enumerate() {
                next[(q + a).saturating_sub(c).min(N - 1)] += p * w;
            }
        }
        let change: f64 = next.iter().zip(&pi).map(|(a, b)| (a - b).abs()).sum();
        pi = next;
        if change < 1e-13 {
            break;
        }
    }
    pi.iter().enumerate().map(|(q, p)| q as f64 * p).sum::<f64>() / lambda
}

/// Erlang B: the share of arrivals finding all c servers busy at offered load a.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// Erlang C: the probability an arrival waits, c servers, offered load a < c.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / f64::from(c);
    b / (1.0 - rho * (1.0 - b))
}

fn one_unit(lambda: f64, capacity: f64, stay: f64, urgency: &str, weeks: u32) -> crate::model::Scenario {
    // Longer than a user's run may be (for the precision a theory check
    // needs): validated at one week, then lengthened.
    let mut s = scenario(frozen(json!({
        "name": "queue",
        "time": {"horizon_weeks": 1, "warmup_weeks": 2000},
        "localities": [town("town", 0.0, 0.0)],
        "services": {"s": {"urgency": urgency, "referral_rate": {"adults": lambda}, "complex_share": 0.0,
                           "tariff": 1000.0, "length_of_stay_weeks": stay}},
        "providers": [site("h", 1.0, 0.0, "s", capacity)]
    })));
    s.time.horizon_weeks = weeks;
    s
}

/// Runs a one-unit scenario; per replicate: mean wait, share turned away,
/// mean beds occupied.
fn simulate(s: &crate::model::Scenario, check: u64, settings: Settings) -> Vec<(f64, f64, f64)> {
    let hash = scenario_hash(s);
    replicate(s, &seeds(check, settings.pick(8, 24)), |mut sim| {
        let warmup = sim.world().time.warmup_weeks;
        let (mut occupied, mut weeks) = (0u64, 0u64);
        while !sim.finished() {
            sim.step();
            if sim.week() > warmup {
                occupied += sim.providers()[0].units[0].as_ref().map_or(0, |u| u64::from(u.occupied));
                weeks += 1;
            }
        }
        let out = output(&sim, hash.clone(), 0);
        let w = &out.summary.waiting.overall;
        let arrived = out.summary.bookkeeping.patients.arrived.max(1) as f64;
        (w.mean_wait_weeks.unwrap_or(0.0), w.diverted_out as f64 / arrived, occupied as f64 / weeks.max(1) as f64)
    })
}

fn result(id: &str, name: &str, expected: f64, values: &[f64], tolerance: f64, digits: usize) -> CheckResult {
    let s = describe(values);
    CheckResult {
        id: id.into(),
        name: name.into(),
        kind: Kind::Mechanics,
        expected: format!("{expected:.digits$}"),
        simulated: show(&s, digits),
        tolerance: format!("theory inside the 95% CI, or within {:.0}%", tolerance * 100.0),
        pass: agrees(&s, expected, tolerance),
    }
}

/// The queueing checks.
pub fn checks(settings: Settings) -> Vec<CheckResult> {
    let weeks = settings.pick(40_000, 400_000);
    let mut out = Vec::new();

    let md1 = simulate(&one_unit(0.8, 1.0, 0.0, "elective", weeks), 1, settings);
    let waits: Vec<f64> = md1.iter().map(|r| r.0).collect();
    out.push(result("queueing.md1", "mean wait, 1 slot a week, λ = 0.8 (M/D/1)", md1_wait(0.8), &waits, 0.03, 3));

    let bulk = simulate(&one_unit(4.2, 5.0, 0.0, "elective", weeks), 2, settings);
    let waits: Vec<f64> = bulk.iter().map(|r| r.0).collect();
    out.push(result(
        "queueing.slots",
        "mean wait, 5 slots a week, λ = 4.2 (Markov chain)",
        slots_wait(4.2, 5),
        &waits,
        0.03,
        3,
    ));

    let (c, stay, lambda) = (10u32, 50.0, 0.15);
    let a = lambda * stay;
    let beds = simulate(&one_unit(lambda, f64::from(c), stay, "elective", weeks), 3, settings);
    let waits: Vec<f64> = beds.iter().map(|r| r.0).collect();
    let wq = erlang_c(c, a) / (f64::from(c) / stay - lambda);
    out.push(result(
        "queueing.erlang_c",
        "mean wait, 10 beds, stay 50 weeks, λ = 0.15 (M/M/c, Erlang C)",
        wq,
        &waits,
        0.05,
        3,
    ));
    let occupancy: Vec<f64> = beds.iter().map(|r| r.2 / f64::from(c)).collect();
    out.push(result(
        "queueing.utilisation",
        "bed occupancy of the same (λ/(cμ))",
        a / f64::from(c),
        &occupancy,
        0.03,
        4,
    ));

    let (c, stay, lambda) = (5u32, 50.0, 0.08);
    let lost = simulate(&one_unit(lambda, f64::from(c), stay, "emergency", weeks), 4, settings);
    let shares: Vec<f64> = lost.iter().map(|r| r.1).collect();
    out.push(result(
        "queueing.erlang_b",
        "share of emergencies turned away, 5 beds, stay 50 weeks, λ = 0.08 (Erlang B)",
        erlang_b(c, lambda * stay),
        &shares,
        0.05,
        4,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_reproduces_the_closed_form_at_one_slot() {
        assert!((slots_wait(0.8, 1) - md1_wait(0.8)).abs() < 1e-6);
    }

    #[test]
    fn erlang_formulas_match_known_values() {
        // Erlang B(5, 4.5) = (4.5⁵/5!) / Σₖ 4.5ᵏ/k! = 15.377/63.276 = 0.2430;
        // Erlang C(5, 4.5) = B/(1 − 0.9(1 − B)) = 0.7625.
        assert!((erlang_b(5, 4.5) - 0.24302).abs() < 1e-4, "{}", erlang_b(5, 4.5));
        assert!((erlang_c(5, 4.5) - 0.76249).abs() < 1e-4, "{}", erlang_c(5, 4.5));
    }
}
