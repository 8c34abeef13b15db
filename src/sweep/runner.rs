//! Running a sweep: runs in parallel with rayon, one JSON line each,
//! appended to `runs.jsonl` as they finish; resumable after any
//! interruption and splittable into shards.
//!
//! Every run's line depends only on the plan and the run id (its seed comes
//! from the master seed, its point and its replicate), so the set of lines
//! is the same whatever the thread count or the order runs finish in; the
//! directory is finished by sorting the lines by run id and writing the
//! summary from them.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::SystemTime;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SweepError;
use super::spec::Plan;
#[cfg(doc)]
use super::summary::RunLine;
use super::summary::{self, Layout, MANIFEST, RUNS, SUMMARY};
use crate::model;
use crate::model::run::ScenarioInfo;
use crate::output;

/// One of N slices of a sweep's runs, for clusters: index I of N (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which slice, 1..=count.
    pub index: u32,
    /// How many slices.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("expected I/N with 1 ≤ I ≤ N (e.g. 2/3), found `{s}`");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard runs `run`: (point, replicate) groups are dealt out
    /// in turn, so the arms of a pair stay together.
    pub fn owns(&self, run: u64, arms: usize) -> bool {
        (run / arms as u64) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// `manifest.json`: what was run, by which version, when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of ccsim.
    pub ccsim_version: String,
    /// The spec, as parsed (defaults filled in).
    pub spec: Value,
    /// The base scenarios.
    pub scenarios: Vec<ScenarioInfo>,
    /// Points, replicates, arms, parameters.
    pub layout: Layout,
    /// Runs in the whole sweep.
    pub total_runs: u64,
    /// The shard this directory holds, if one.
    pub shard: Option<Shard>,
    /// Worker threads.
    pub threads: usize,
    /// When the sweep started (UTC).
    pub started: String,
    /// When it finished (UTC), once it has.
    pub finished: Option<String>,
    /// When it was resumed (UTC).
    #[serde(default)]
    pub resumed: Vec<String>,
    /// Shard directories merged into this one.
    #[serde(default)]
    pub merged_from: Vec<String>,
}

impl Manifest {
    /// Whether two manifests describe the same sweep (spec, scenario and version).
    pub fn same_sweep(&self, other: &Manifest) -> bool {
        self.spec == other.spec && self.scenarios == other.scenarios && self.ccsim_version == other.ccsim_version
    }
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Worker threads.
    pub threads: usize,
    /// Continue an interrupted sweep in the directory.
    pub resume: bool,
    /// Run one slice only.
    pub shard: Option<Shard>,
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Runs this directory holds when complete.
    pub owned: u64,
    /// Runs found already done (on resume).
    pub already_done: u64,
    /// Runs run now.
    pub ran: u64,
    /// Whether `summary.json` was written (a whole sweep, not a shard).
    pub summarised: bool,
}

/// Told how a sweep advances (a progress bar, or nothing).
pub trait Progress: Sync {
    /// The runs about to be run.
    fn start(&self, _runs: u64) {}
    /// One run finished.
    fn tick(&self) {}
}

/// No progress report.
impl Progress for () {}

/// Now, as RFC 3339 UTC.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The layout of a plan.
pub fn layout(plan: &Plan) -> Layout {
    Layout {
        points: plan.points(),
        replicates: plan.spec.replicates,
        arms: plan.arms.iter().map(|a| a.name.clone()).collect(),
        parameters: plan.parameter_names(),
        metrics: plan.spec.metrics.clone(),
    }
}

/// Reads a directory's manifest.
pub fn read_manifest(dir: &Path) -> Result<Manifest, SweepError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(SweepError::io(&path))?;
    serde_json::from_str(&text).map_err(|e| SweepError::dir(dir, format!("{MANIFEST} is unreadable: {e}")))
}

/// Writes a manifest atomically.
pub fn write_manifest(dir: &Path, m: &Manifest) -> Result<(), SweepError> {
    let path = dir.join(MANIFEST);
    let bytes = output::to_json(m).map_err(|e| SweepError::dir(dir, e.to_string()))?;
    output::write_atomic(&path, &bytes).map_err(|e| SweepError::dir(dir, format!("{e:#}")))
}

/// Whether `dir` is missing or an empty directory.
pub fn is_empty_dir(dir: &Path) -> Result<bool, SweepError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(SweepError::io(dir)(e)),
    }
}

/// A run line as written: [`RunLine`] with the summary serialised straight
/// from the run's result.
#[derive(Serialize)]
struct RunLineOut<'a> {
    run: u64,
    point: usize,
    replicate: u32,
    arm: &'a str,
    parameters: std::collections::BTreeMap<String, Value>,
    seed: u64,
    summary: &'a model::run::Summary,
}

/// The line of one run (the fields of [`RunLine`], in its order).
pub fn run_line(plan: &Plan, run: u64) -> Vec<u8> {
    let (point, replicate, arm) = plan.decode(run);
    let scenario = plan.scenario(point, arm).expect("every point was validated when planned");
    let seed = plan.seed(point, replicate);
    let result = model::run(&scenario, seed, false);
    let line = RunLineOut {
        run,
        point,
        replicate,
        arm: &plan.arms[arm].name,
        parameters: plan.values(point),
        seed,
        summary: &result.summary,
    };
    let mut bytes = serde_json::to_vec(&line).expect("a run line always serialises");
    bytes.push(b'\n');
    bytes
}

/// Runs a sweep into `dir`, telling `progress` as runs finish.
pub fn run(plan: &Plan, dir: &Path, opts: Options, progress: &dyn Progress) -> Result<Outcome, SweepError> {
    let layout = layout(plan);
    let total = plan.total_runs();
    let arms = plan.arms.len();
    let owned = |run: u64| opts.shard.is_none_or(|s| s.owns(run, arms));
    let runs_path = dir.join(RUNS);
    let fresh = Manifest {
        ccsim_version: model::run::VERSION.to_owned(),
        spec: serde_json::from_str(&plan.spec_json).expect("the spec JSON is valid"),
        scenarios: plan.bases.iter().map(|b| ScenarioInfo { name: b.name.clone(), hash: b.hash.clone() }).collect(),
        layout: layout.clone(),
        total_runs: total,
        shard: opts.shard,
        threads: opts.threads,
        started: now(),
        finished: None,
        resumed: Vec::new(),
        merged_from: Vec::new(),
    };

    // Runs already in the directory (resume), one bit each.
    let mut done = vec![0u64; (total as usize).div_ceil(64)];
    let is_done = |done: &[u64], run: u64| done[(run / 64) as usize] >> (run % 64) & 1 == 1;
    let manifest = if opts.resume {
        let mut m = read_manifest(dir).map_err(|e| SweepError::dir(dir, format!("cannot resume: {e}")))?;
        if !m.same_sweep(&fresh) || m.shard != opts.shard {
            return Err(SweepError::dir(
                dir,
                "cannot resume: the directory holds a different sweep (spec, scenario, version or shard differ)",
            ));
        }
        let scan = summary::scan(&runs_path, 0)?;
        if scan.truncated_tail {
            // A run was being written when the sweep stopped: drop the partial line.
            let f = OpenOptions::new().write(true).open(&runs_path).map_err(SweepError::io(&runs_path))?;
            f.set_len(scan.good_len).map_err(SweepError::io(&runs_path))?;
        }
        for e in &scan.entries {
            if e.run >= total || !owned(e.run) || is_done(&done, e.run) {
                return Err(SweepError::dir(dir, format!("cannot resume: run {} is out of place or repeated", e.run)));
            }
            done[(e.run / 64) as usize] |= 1 << (e.run % 64);
        }
        m.resumed.push(now());
        m.finished = None;
        m.threads = opts.threads;
        m
    } else {
        if !is_empty_dir(dir)? {
            return Err(SweepError::dir(
                dir,
                "the output directory exists and is not empty; use --resume to continue it, or choose another",
            ));
        }
        std::fs::create_dir_all(dir).map_err(SweepError::io(dir))?;
        fresh
    };
    write_manifest(dir, &manifest)?;

    let already_done = done.iter().map(|w| u64::from(w.count_ones())).sum::<u64>();
    let owned_count = (0..total).filter(|&r| owned(r)).count() as u64;
    let todo = owned_count - already_done;
    let file = OpenOptions::new().create(true).append(true).open(&runs_path).map_err(SweepError::io(&runs_path))?;
    let writer = Mutex::new(file);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| SweepError::dir(dir, format!("cannot start worker threads: {e}")))?;
    progress.start(todo);
    pool.install(|| {
        (0..total).into_par_iter().filter(|&r| owned(r) && !is_done(&done, r)).try_for_each(|run| {
            let line = run_line(plan, run);
            let mut f = writer.lock().expect("a writer thread never panics holding the lock");
            f.write_all(&line).map_err(SweepError::io(&runs_path))?;
            drop(f);
            progress.tick();
            Ok::<(), SweepError>(())
        })
    })?;
    let file: File = writer.into_inner().expect("no thread holds the lock");
    file.sync_all().map_err(SweepError::io(&runs_path))?;

    let summarised = pool.install(|| finish(dir, opts.shard.is_none(), &layout))?;
    let mut m = manifest;
    m.finished = Some(now());
    write_manifest(dir, &m)?;
    Ok(Outcome { owned: owned_count, already_done, ran: todo, summarised })
}

/// Sorts a directory's runs by run id and, for a whole sweep, writes its summary.
pub fn finish(dir: &Path, whole: bool, layout: &Layout) -> Result<bool, SweepError> {
    let runs_path = dir.join(RUNS);
    let mut entries = summary::scan(&runs_path, 0)?.entries;
    entries.sort();
    summary::write_sorted(std::slice::from_ref(&runs_path), &entries, &runs_path)?;
    drop(entries);
    if !whole {
        return Ok(false);
    }
    let s = summary::summarise(&runs_path, layout)?;
    let bytes = output::to_json(&s).map_err(|e| SweepError::dir(dir, e.to_string()))?;
    output::write_atomic(&dir.join(SUMMARY), &bytes).map_err(|e| SweepError::dir(dir, format!("{e:#}")))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_deal_out_pairs() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["3/2", "0/2", "1/0", "x/2", "2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for run in 0..60u64 {
            assert_eq!(shards.iter().filter(|s| s.owns(run, 2)).count(), 1, "run {run} in exactly one shard");
            let pair = run - run % 2;
            assert!(shards.iter().all(|s| s.owns(pair, 2) == s.owns(pair + 1, 2)), "arms of a pair together");
        }
    }
}
