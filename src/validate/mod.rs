//! `ccsim validate`: the model checks itself against known answers.
//!
//! Each check builds a small scenario of its own (or uses a shipped one),
//! runs it over replicates with seeds of its own, and compares what the
//! simulation gives (mean and 95% confidence interval over replicates)
//! with what queueing theory, the closed form of the decision rule or the
//! configured curves say, at a stated tolerance. Mechanics checks (queues,
//! choice, quality competition, volume–outcome, conservation,
//! reproducibility) and the both-ways check gate the exit status; evidence
//! checks report whether the model's defaults agree with the size of
//! published NHS evidence, and never fail the suite (a disagreement is
//! reported, not tuned away). `docs/VALIDATION.md` explains every check.
//!
//! The same functions back the integration tests, so a check that passes
//! here is the check the tests run.

pub mod both_ways;
pub mod catchments;
pub mod choice;
pub mod conservation;
pub mod evidence;
pub mod quality;
pub mod queueing;
pub mod reproducibility;
pub mod volume;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::{Scenario, Simulation};
use crate::sweep::stats::{Accumulator, Stat};

/// Whether a check gates the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Model mechanics against theory: must pass.
    Mechanics,
    /// The size of published effects: reported, never failing the suite.
    Evidence,
    /// The model can go both ways: must pass.
    BothWays,
}

/// One check's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    /// Short id, e.g. `queueing.erlang_c`.
    pub id: String,
    /// What is checked.
    pub name: String,
    /// Gate or report.
    pub kind: Kind,
    /// What theory or evidence says.
    pub expected: String,
    /// What the simulation gives.
    pub simulated: String,
    /// The tolerance or criterion.
    pub tolerance: String,
    /// Whether it passed (for evidence: whether the model agrees).
    pub pass: bool,
}

/// How thorough a suite is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// A few seconds instead of a couple of minutes.
    pub quick: bool,
}

impl Settings {
    /// `quick` or `full`.
    pub fn pick<T>(&self, quick: T, full: T) -> T {
        if self.quick { quick } else { full }
    }
}

/// A group of checks.
pub type Group = fn(Settings) -> Vec<CheckResult>;

/// Every group of checks by name, in the order of `docs/VALIDATION.md`.
pub fn checks() -> Vec<(&'static str, Group)> {
    vec![
        ("queueing", queueing::checks),
        ("choice", choice::checks),
        ("quality", quality::checks),
        ("volume", volume::checks),
        ("conservation", conservation::checks),
        ("reproducibility", reproducibility::checks),
        ("evidence", evidence::checks),
        ("both_ways", both_ways::checks),
    ]
}

/// Runs the whole suite on the current rayon pool; results in check order.
pub fn suite(settings: Settings) -> Vec<CheckResult> {
    checks().par_iter().map(|(_, check)| check(settings)).collect::<Vec<_>>().into_iter().flatten().collect()
}

/// Whether every gating check passed.
pub fn passed(results: &[CheckResult]) -> bool {
    results.iter().all(|r| r.pass || r.kind == Kind::Evidence)
}

/// The statistics of replicate values.
pub fn describe(values: &[f64]) -> Stat {
    let mut acc = Accumulator::default();
    values.iter().for_each(|&x| acc.add(x));
    acc.stat()
}

/// `mean [lo, hi]` to `digits` decimals.
pub fn show(s: &Stat, digits: usize) -> String {
    match s.ci95 {
        Some([lo, hi]) => format!("{:.*} [{:.*}, {:.*}]", digits, s.mean, digits, lo, digits, hi),
        None => format!("{:.*}", digits, s.mean),
    }
}

/// Whether `value` lies in the statistic's 95% interval, or within
/// `relative` of its mean.
pub fn agrees(s: &Stat, value: f64, relative: f64) -> bool {
    let inside = s.ci95.is_some_and(|[lo, hi]| (lo..=hi).contains(&value));
    inside || (s.mean - value).abs() <= relative * value.abs()
}

/// A scenario from JSON, which must be valid (the checks' own scenarios).
pub fn scenario(v: Value) -> Scenario {
    let s: Scenario = serde_json::from_value(v).expect("a check's scenario parses");
    if let Err(p) = s.validate() {
        panic!("a check's scenario is invalid: {p:?}");
    }
    s
}

/// Providers that do not act and a regulator that never steps in, so a
/// check sees one mechanism at a time.
pub fn frozen(mut v: Value) -> Value {
    v["behaviour"] = json!({"damping": 0.0, "capacity_growth": 0.0, "quality_share": 0.0});
    v["failure"] = json!({"window_weeks": 1_000_000});
    v
}

/// A locality of 52,000 adults at (x, y): `rate` referrals per 1,000 a
/// year is `rate` a week.
pub fn town(id: &str, x: f64, y: f64) -> Value {
    json!({"id": id, "position": {"x": x, "y": y}, "population": 52000.0,
           "age_mix": {"children": 0.0, "adults": 1.0, "older": 0.0}})
}

/// A provider at (x, y) with one complex-capable service.
pub fn site(id: &str, x: f64, y: f64, service: &str, capacity: f64) -> Value {
    json!({"id": id, "kind": "dgh", "position": {"x": x, "y": y},
           "services": {service: {"capability": "complex", "capacity": capacity}}})
}

/// Seeds of the replicates of a check: its own stream of the master seed.
pub fn seeds(check: u64, replicates: u32) -> Vec<u64> {
    (0..replicates).map(|r| crate::model::rng::run_seed(0xC0FFEE, check, u64::from(r))).collect()
}

/// Runs `f` on a simulation of `s` for each seed, in parallel, results in seed order.
pub fn replicate<T: Send>(s: &Scenario, seeds: &[u64], f: impl Fn(Simulation) -> T + Sync) -> Vec<T> {
    seeds.par_iter().map(|&seed| f(Simulation::from_scenario(s, seed, false))).collect()
}
