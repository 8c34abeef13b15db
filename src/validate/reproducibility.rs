//! Reproducibility: a fixed seed gives the pinned result, and a sweep gives
//! the same bytes on one thread as on two.

use super::{CheckResult, Kind, Settings};
use crate::load::builtin;
use crate::sweep::{plan, runner};

/// The pinned result of the duopoly, seed 2026, two years: referrals, episodes,
/// adverse outcomes, the 95th-percentile wait and the system cost (£).
pub const GOLDEN: (u64, u64, u64, Option<f64>, f64) = (43175, 43189, 250, Some(0.0), 71324112.25);

/// The same figures of a run.
pub fn golden_figures(r: &crate::model::RunOutput) -> (u64, u64, u64, Option<f64>, f64) {
    let s = &r.summary;
    (
        s.bookkeeping.patients.arrived,
        s.outcomes.overall.episodes,
        s.outcomes.overall.adverse,
        s.waiting.overall.p95_wait_weeks,
        s.finance.system_cost.as_pounds(),
    )
}

fn sweep_bytes(threads: usize) -> Result<(Vec<u8>, Vec<u8>), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let spec_path = dir.path().join("spec.json");
    let text = r#"{"scenario": "builtin:duopoly", "arms": ["competition", "collaboration"],
                   "parameters": {"regime.pooling": {"values": [0.0, 1.0]}}, "replicates": 3, "seed": 9, "years": 1}"#;
    std::fs::write(&spec_path, text).map_err(|e| e.to_string())?;
    let plan = plan::load(&spec_path).map_err(|e| e.to_string())?;
    let out = dir.path().join("out");
    let opts = runner::Options { threads, resume: false, shard: None, adaptive: None, export: None };
    runner::run(&plan, &out, opts, &()).map_err(|e| e.to_string())?;
    let read = |f: &str| std::fs::read(out.join(f)).map_err(|e| e.to_string());
    Ok((read("runs.jsonl")?, read("summary.json")?))
}

/// The reproducibility checks.
pub fn checks(_: Settings) -> Vec<CheckResult> {
    let mut s = builtin("duopoly").expect("built-in scenario");
    s.time.horizon_weeks = 104;
    let figures = golden_figures(&crate::model::run(&s, 2026, false));
    let golden = CheckResult {
        id: "reproducibility.golden".into(),
        name: "duopoly, seed 2026, 2 years: the pinned result".into(),
        kind: Kind::Mechanics,
        expected: format!("{GOLDEN:?}"),
        simulated: format!("{figures:?}"),
        tolerance: "identical".into(),
        pass: figures == GOLDEN,
    };
    let (one, two) = (sweep_bytes(1), sweep_bytes(2));
    let same = matches!((&one, &two), (Ok(a), Ok(b)) if a == b);
    let threads = CheckResult {
        id: "reproducibility.threads".into(),
        name: "a 12-run sweep on 1 and on 2 threads".into(),
        kind: Kind::Mechanics,
        expected: "byte-identical runs.jsonl and summary.json".into(),
        simulated: match (&one, &two) {
            (Err(e), _) | (_, Err(e)) => format!("error: {e}"),
            _ if same => "byte-identical".into(),
            _ => "different".into(),
        },
        tolerance: "identical".into(),
        pass: same,
    };
    vec![golden, threads]
}
