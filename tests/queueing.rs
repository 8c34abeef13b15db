//! Queue mechanics against queueing theory.
//!
//! One provider, one elective service, Poisson(λ) referrals a week and a
//! fixed capacity of c whole episodes a week. The list after each week's
//! treatment follows the Lindley recursion Q' = (Q' + A − c)⁺, and each
//! patient's wait (treatment week − referral week) is the number of week
//! ends spent on the list, so by Little's law the mean wait is E[Q'] / λ.
//!
//! For c = 1 the recursion is the embedded chain of the M/D/1 queue and
//! E[Q'] = λ² / (2(1 − λ)) in closed form (from the stationary first and
//! second moments), so the mean wait is λ / (2(1 − λ)) weeks. For c > 1 the
//! stationary distribution of the chain is computed here numerically, apart
//! from the engine. Tolerance: four standard errors of the simulated mean,
//! estimated by batch means; the test also requires that standard error to
//! be under 3% of the answer, so that it has the power to fail.

use ccsim::model::Simulation;
use ccsim::model::run::{output, scenario_hash};
use ccsim::validate::queueing::{md1_wait, slots_wait};
use serde_json::json;

use crate::common::{adults, elective_service, frozen, provider, scenario};

const BATCHES: usize = 50;

/// Simulated mean wait (weeks) and its standard error.
fn simulate(lambda: f64, capacity: f64, weeks: u32, seed: u64) -> (f64, f64) {
    // Longer than a user's run may be (for the precision the test needs):
    // validated at one week, then lengthened.
    let mut s = scenario(frozen(json!({
        "name": "single-server",
        "time": {"horizon_weeks": 1, "warmup_weeks": 500},
        "localities": [adults("town", 0.0)],
        "services": {"surgery": elective_service(lambda)},
        "providers": [provider("h", 1.0, "surgery", capacity)]
    })));
    s.time.horizon_weeks = weeks;
    let mut sim = Simulation::from_scenario(&s, seed, false);
    let warmup = sim.world().time.warmup_weeks;
    let mut lists = Vec::with_capacity(weeks as usize);
    while !sim.finished() {
        sim.step();
        if sim.week() > warmup {
            lists.push(sim.waiting() as f64);
        }
    }
    let result = output(&sim, scenario_hash(&s), seed);
    let mean_wait = result.summary.waiting.overall.mean_wait_weeks.expect("patients were treated");
    let size = lists.len() / BATCHES;
    let batch_means: Vec<f64> = lists.chunks_exact(size).map(|b| b.iter().sum::<f64>() / size as f64).collect();
    let m = batch_means.iter().sum::<f64>() / batch_means.len() as f64;
    let var = batch_means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (batch_means.len() - 1) as f64;
    let se_list = (var / batch_means.len() as f64).sqrt();
    (mean_wait, se_list / lambda)
}

fn assert_close(simulated: f64, se: f64, theory: f64) {
    eprintln!("simulated {simulated:.4} ± {se:.4}, theory {theory:.4}");
    assert!(se < 0.03 * theory, "standard error {se} too large to test {theory}");
    assert!(
        (simulated - theory).abs() < 4.0 * se,
        "simulated mean wait {simulated:.4} weeks, theory {theory:.4} (4 SE = {:.4})",
        4.0 * se
    );
}

#[test]
fn single_slot_queue_matches_the_md1_closed_form() {
    let lambda = 0.8;
    let theory = md1_wait(lambda);
    let (simulated, se) = simulate(lambda, 1.0, 400_000, 11);
    assert_close(simulated, se, theory);
}

#[test]
fn multi_slot_queue_matches_its_markov_chain() {
    let (lambda, c) = (4.2, 5);
    let theory = slots_wait(lambda, c);
    assert!(theory > 0.3, "a test that can fail needs a real queue, got {theory}");
    let (simulated, se) = simulate(lambda, c as f64, 300_000, 12);
    assert_close(simulated, se, theory);
}

/// E[(X − k)⁺] / λ for X ~ Poisson(λ): the share of a week's emergency
/// arrivals beyond k slots, which cannot wait and are lost.
fn poisson_overflow(lambda: f64, k: u32) -> f64 {
    let (mut pmf, mut over) = ((-lambda).exp(), 0.0);
    for x in 1..200u32 {
        pmf *= lambda / f64::from(x);
        over += f64::from(x.saturating_sub(k)) * pmf;
    }
    over / lambda
}

/// Share of emergency arrivals not treated over `weeks`, for one unit with
/// Poisson(4) arrivals a week that starts with 4 slots; providers revise
/// capacity every 13 weeks with no limit on the step.
fn emergency_loss(behaviour: serde_json::Value, weeks: u32) -> f64 {
    let mut service = elective_service(4.0);
    service["urgency"] = json!("emergency");
    let mut v = frozen(json!({
        "name": "emergency-unit",
        "time": {"horizon_weeks": 1, "warmup_weeks": 52},
        "localities": [adults("town", 0.0)],
        "services": {"emergency": service},
        "providers": [provider("h", 1.0, "emergency", 4.0)]
    }));
    v["behaviour"] = behaviour;
    let mut s = scenario(v);
    s.time.horizon_weeks = weeks;
    let out = ccsim::model::run(&s, 21, false);
    let access = &out.summary.access.overall;
    assert!(access.treated > 50_000, "enough patients to measure the tail: {}", access.treated);
    access.unmet.expect("patients arrived")
}

/// A unit of an emergency service has room for its weeks' peaks: planning
/// at the Poisson quantile of each quarter's arrivals (8 for λ = 4 at 95%:
/// P(X ≤ 7) = 0.949, P(X ≤ 8) = 0.979; 7 for a quarter whose mean comes out
/// below 3.98, about half of them) it loses between the tails beyond 9 and
/// 7 slots (0.3% and 2.1% of its patients; 1.7% here). Planned at its mean
/// plus slack alone it would lose more than the tail beyond 5 slots (10%).
#[test]
fn emergency_capacity_meets_the_weeks_peaks() {
    let behaviour =
        |cover: f64| json!({"damping": 0.0, "capacity_growth": 1.0, "quality_share": 0.0, "peak_cover": cover});
    let weeks = 20_000;
    let peaks = emergency_loss(behaviour(0.95), weeks);
    let (beyond_9, beyond_8, beyond_7) = (poisson_overflow(4.0, 9), poisson_overflow(4.0, 8), poisson_overflow(4.0, 7));
    eprintln!("lost {peaks:.4}; the tails beyond 9, 8 and 7 slots {beyond_9:.4}, {beyond_8:.4}, {beyond_7:.4}");
    assert!(beyond_9 < peaks && peaks < beyond_7, "lost {peaks}");
    let mean_only = emergency_loss(behaviour(0.0), weeks);
    assert!(mean_only > poisson_overflow(4.0, 5), "lost {mean_only} at the mean plus slack");
}
