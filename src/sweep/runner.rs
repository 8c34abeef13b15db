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
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::SystemTime;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SweepError;
use super::plan::Plan;
use super::spec::Design;
#[cfg(doc)]
use super::summary::RunLine;
use super::summary::{self, Layout, MANIFEST, RUNS, SUMMARY};
use super::tables::{self, Table};
use crate::model;
use crate::model::run::ScenarioInfo;
use crate::outdir::{self, HeldDir};
use crate::output;
use crate::tables::Format;

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
    /// The base scenarios in full (defaults filled in), so that any run can
    /// be run again from the directory alone (`ccsim rerun`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<Value>,
    /// Points, replicates, arms, parameters.
    pub layout: Layout,
    /// Runs in the whole sweep.
    pub total_runs: u64,
    /// The shard this directory holds, if one.
    pub shard: Option<Shard>,
    /// Adaptive replication, if asked for.
    #[serde(default)]
    pub adaptive: Option<Adaptive>,
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
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads.
    pub threads: usize,
    /// Continue an interrupted sweep in the directory.
    pub resume: bool,
    /// Run one slice only.
    pub shard: Option<Shard>,
    /// Add replicates until a confidence interval is narrow enough.
    pub adaptive: Option<Adaptive>,
    /// Also write the runs and summary tables in this format when finished.
    pub export: Option<Format>,
}

/// Adaptive replication: each point gets rounds of the spec's replicates
/// (in seed order) until the 95% confidence interval of `metric` for
/// `target` (an arm, or a difference of arms; every arm when `None`) is at
/// most `width` wide, or it has `max_replicates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adaptive {
    /// Arm or difference (`"collaboration - competition"`), or every arm.
    pub target: Option<String>,
    /// Summary metric path.
    pub metric: String,
    /// Widest acceptable 95% interval, in the metric's units.
    pub width: f64,
    /// Most replicates a point may take.
    pub max_replicates: u32,
}

impl Adaptive {
    /// Parses `[TARGET:]PATH=WIDTH`.
    pub fn parse(flag: &str, max_replicates: u32) -> Result<Adaptive, String> {
        let (selector, width) =
            flag.rsplit_once('=').ok_or_else(|| format!("expected [TARGET:]METRIC=WIDTH, found `{flag}`"))?;
        let width: f64 = width.trim().parse().map_err(|_| format!("expected a number for WIDTH, found `{width}`"))?;
        if !(width.is_finite() && width > 0.0) {
            return Err(format!("expected a positive WIDTH, found {width}"));
        }
        let (target, metric) = match selector.rsplit_once(':') {
            Some((t, m)) => (Some(t.trim().to_owned()), m.trim().to_owned()),
            None => (None, selector.trim().to_owned()),
        };
        Ok(Adaptive { target, metric, width, max_replicates })
    }

    /// Checks the target and metric against a plan (the metric against a
    /// one-week run of its first point).
    pub fn check(&self, plan: &Plan) -> Result<(), String> {
        if self.max_replicates < plan.spec.replicates {
            return Err(format!(
                "--max-replicates {} is below the spec's {} replicates",
                self.max_replicates, plan.spec.replicates
            ));
        }
        let capped = plan.points() as u64 * u64::from(self.max_replicates) * plan.arms.len() as u64;
        if capped > super::plan::MAX_RUNS {
            return Err(format!(
                "--max-replicates {} would allow {capped} runs, more than the {} one sweep may hold",
                self.max_replicates,
                super::plan::MAX_RUNS
            ));
        }
        let arms: Vec<&str> = plan.arms.iter().map(|a| a.name.as_str()).collect();
        if let Some(t) = &self.target {
            let differences: Vec<String> = arms.iter().skip(1).map(|a| format!("{a} - {}", arms[0])).collect();
            if !arms.contains(&t.as_str()) && !differences.contains(t) {
                let valid: Vec<String> = arms.iter().map(|a| a.to_string()).chain(differences).collect();
                return Err(format!("unknown target `{t}`; the valid targets are: {}", valid.join(", ")));
            }
        }
        let leaves = plan.metric_names()?;
        if !leaves.contains(&self.metric) {
            return Err(format!(
                "unknown metric `{}`; the nearest valid metrics are: {}",
                self.metric,
                super::paths::nearest(&self.metric, &leaves, 6).join(", ")
            ));
        }
        Ok(())
    }

    /// The width of each point's interval over its first `wanted` replicates
    /// (infinite with fewer than two).
    fn widths(&self, runs: &Path, layout: &Layout, wanted: &[u32]) -> Result<Vec<f64>, SweepError> {
        let scan = summary::scan(runs, 0)?;
        let mut index = vec![None; layout.total_runs() as usize];
        for e in scan.entries {
            index[e.run as usize] = Some(e);
        }
        let mut file = File::open(runs).map_err(SweepError::io(runs))?;
        let pointer = format!("/summary/{}", self.metric.replace('.', "/"));
        let arms = layout.arms.len();
        let mut buf = Vec::new();
        let mut value = |run: u64| -> Result<Option<f64>, SweepError> {
            let Some(e) = index[run as usize] else { return Ok(None) };
            file.seek(SeekFrom::Start(e.offset)).map_err(SweepError::io(runs))?;
            buf.resize(e.len as usize, 0);
            file.read_exact(&mut buf).map_err(SweepError::io(runs))?;
            let v: Value = serde_json::from_slice(&buf).map_err(|err| SweepError::dir(runs, err.to_string()))?;
            Ok(v.pointer(&pointer).and_then(Value::as_f64))
        };
        let mut out = Vec::with_capacity(wanted.len());
        for (point, &n) in wanted.iter().enumerate() {
            // One series per arm, or the one target's series.
            let mut series: Vec<Vec<f64>> = Vec::new();
            let targets: Vec<(usize, Option<usize>)> = match &self.target {
                None => (0..arms).map(|a| (a, None)).collect(),
                Some(t) => match layout.arms.iter().position(|a| a == t) {
                    Some(a) => vec![(a, None)],
                    None => {
                        let a = layout.arms.iter().position(|a| t.starts_with(&format!("{a} - "))).unwrap_or(0);
                        vec![(a, Some(0))]
                    }
                },
            };
            for (a, minus) in targets {
                let mut xs = Vec::new();
                for r in 0..n {
                    let x = value(layout.run_id(point, r, a))?;
                    let base = match minus {
                        Some(b) => value(layout.run_id(point, r, b))?,
                        None => Some(0.0),
                    };
                    if let (Some(x), Some(b)) = (x, base) {
                        xs.push(x - b);
                    }
                }
                series.push(xs);
            }
            let width = series
                .iter()
                .map(|xs| {
                    let mut acc = super::stats::Accumulator::default();
                    xs.iter().for_each(|&x| acc.add(x));
                    acc.stat().ci95.map_or(f64::INFINITY, |[lo, hi]| hi - lo)
                })
                .fold(0.0, f64::max);
            out.push(width);
        }
        Ok(out)
    }
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
        timeseries: plan.spec.timeseries.clone(),
        posterior: plan.spec.design == Design::Posterior,
        configurations: plan.configurations.iter().map(|c| c.name.clone()).collect(),
        rows: if plan.configurations.is_empty() { 0 } else { plan.design.len() },
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

/// The refusal of a directory that holds something other than a sweep to resume.
fn not_empty(dir: &Path, resume: bool) -> SweepError {
    SweepError::dir(
        dir,
        if resume {
            "cannot resume: the directory holds files but no manifest.json, so it is not a ccsim sweep"
        } else {
            "the output directory exists and is not empty; use --resume to continue it, or choose another"
        },
    )
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
    #[serde(skip_serializing_if = "Option::is_none")]
    timeseries: Option<Value>,
}

/// The line of one run (the fields of [`RunLine`], in its order); an error
/// when the run's books do not balance.
pub fn run_line(plan: &Plan, run: u64) -> Result<Vec<u8>, String> {
    run_with_line(plan, run, false).map(|(_, line)| line)
}

/// Runs run `run` of `plan`: its full result (with weekly series when
/// `timeseries` or the plan asks for them) and its line.
pub fn run_with_line(plan: &Plan, run: u64, timeseries: bool) -> Result<(model::RunOutput, Vec<u8>), String> {
    let (point, _, arm) = plan.decode(run);
    let scenario = plan.scenario(point, arm)?;
    let result = model::run(&scenario, plan.seed_of(run), timeseries || plan.spec.timeseries.is_some());
    let line = line_of(plan, run, &result)?;
    Ok((result, line))
}

/// The line of run `run` of `plan`, given its result (which holds weekly
/// series if the plan asks for them); an error when its books do not balance.
fn line_of(plan: &Plan, run: u64, result: &model::RunOutput) -> Result<Vec<u8>, String> {
    let (point, replicate, arm) = plan.decode(run);
    let seed = plan.seed(point, replicate);
    if let Some(off) = result.summary.unbalanced() {
        return Err(format!(
            "run {run} (point {point}, replicate {replicate}, arm {}, seed {seed}): the books do not balance: {off} (a defect in ccsim: please report it with the spec)",
            plan.arms[arm].name
        ));
    }
    let line = RunLineOut {
        run,
        point,
        replicate,
        arm: &plan.arms[arm].name,
        parameters: plan.values(point),
        seed,
        summary: &result.summary,
        timeseries: plan.spec.timeseries.as_deref().map(|names| keep_series(result.timeseries.as_ref(), names)),
    };
    let mut bytes = serde_json::to_vec(&line).expect("a run line always serialises");
    bytes.push(b'\n');
    Ok(bytes)
}

/// A table of a finished sweep (or shard) directory, for `ccsim export`.
pub fn open_table(dir: &Path, table: Table) -> anyhow::Result<Box<dyn crate::tables::Rows>> {
    let manifest = read_manifest(dir)?;
    if manifest.finished.is_none() {
        anyhow::bail!(
            "{}: the sweep has not finished (its runs are still unsorted); finish it with `ccsim sweep --resume` first",
            dir.display()
        );
    }
    if table == Table::Timeseries && manifest.layout.timeseries.is_none() {
        anyhow::bail!("{}: the sweep recorded no weekly series; list them in its spec's `timeseries`", dir.display());
    }
    tables::open(dir, table)
}

/// The line recorded for `run` in a directory's runs, if it has run.
pub fn recorded_line(dir: &Path, run: u64) -> Result<Option<Vec<u8>>, SweepError> {
    let path = dir.join(RUNS);
    let Some(e) = summary::scan(&path, 0)?.entries.into_iter().find(|e| e.run == run) else {
        return Ok(None);
    };
    let mut f = File::open(&path).map_err(SweepError::io(&path))?;
    let mut buf = vec![0; e.len as usize];
    f.seek(SeekFrom::Start(e.offset)).and_then(|_| f.read_exact(&mut buf)).map_err(SweepError::io(&path))?;
    Ok(Some(buf))
}

/// The weekly series named in `names` (system-wide and each provider's),
/// with the week numbers.
fn keep_series(series: Option<&model::engine::Timeseries>, names: &[String]) -> Value {
    let mut v = serde_json::to_value(series).expect("series always serialise");
    let keep = |k: &str| k == "week" || k == "id" || k == "providers" || names.iter().any(|n| n == k);
    if let Some(map) = v.as_object_mut() {
        map.retain(|k, _| keep(k));
        if let Some(Value::Array(providers)) = map.get_mut("providers") {
            for p in providers.iter_mut().filter_map(Value::as_object_mut) {
                p.retain(|k, _| keep(k));
            }
        }
    }
    v
}

/// Runs a sweep into `dir`, telling `progress` as runs finish.
pub fn run(plan: &Plan, dir: &Path, opts: Options, progress: &dyn Progress) -> Result<Outcome, SweepError> {
    // Under adaptive replication each round adds the spec's replicates, and
    // run ids leave room for the cap.
    let initial = plan.spec.replicates;
    let capped;
    let plan = match &opts.adaptive {
        Some(a) => {
            a.check(plan).map_err(|e| SweepError::dir(dir, format!("--target-ci: {e}")))?;
            if opts.shard.is_some() {
                return Err(SweepError::dir(
                    dir,
                    "--target-ci cannot be combined with --shard (a point's replicates must be together)",
                ));
            }
            let mut p = plan.clone();
            p.spec.replicates = a.max_replicates;
            capped = p;
            &capped
        }
        None => plan,
    };
    let layout = layout(plan);
    let total = plan.total_runs();
    let arms = plan.arms.len();
    let owned = |run: u64| opts.shard.is_none_or(|s| s.owns(run, arms));
    let runs_path = dir.join(RUNS);
    let fresh = Manifest {
        ccsim_version: model::run::VERSION.to_owned(),
        spec: serde_json::from_str(&plan.spec_json).expect("the spec JSON is valid"),
        scenarios: plan.bases.iter().map(|b| ScenarioInfo { name: b.name.clone(), hash: b.hash.clone() }).collect(),
        bases: plan.bases.iter().map(|b| b.value.clone()).collect(),
        layout: layout.clone(),
        total_runs: total,
        shard: opts.shard,
        adaptive: opts.adaptive.clone(),
        threads: opts.threads,
        started: now(),
        finished: None,
        resumed: Vec::new(),
        merged_from: Vec::new(),
    };

    // One process per directory: refuse before creating anything when the
    // directory is plainly someone else's, then take it and look again.
    let resumable = opts.resume && dir.join(MANIFEST).exists();
    if !resumable && !outdir::is_vacant(dir)? {
        return Err(not_empty(dir, opts.resume));
    }
    let held = HeldDir::take(dir)?;
    held.check_regular(&[MANIFEST, RUNS, SUMMARY])?;
    let resumable = opts.resume && dir.join(MANIFEST).exists();
    if !resumable && !held.is_empty()? {
        return Err(not_empty(dir, opts.resume));
    }
    // Temporary files of an interrupted process are never results.
    held.clear_temporaries()?;

    // Runs already in the directory (resume), one bit each.
    let mut done = vec![0u64; (total as usize).div_ceil(64)];
    let is_done = |done: &[u64], run: u64| done[(run / 64) as usize] >> (run % 64) & 1 == 1;
    let manifest = if resumable {
        let mut m = read_manifest(dir).map_err(|e| SweepError::dir(dir, format!("cannot resume: {e}")))?;
        if !m.same_sweep(&fresh) || m.shard != opts.shard || m.adaptive != opts.adaptive {
            return Err(SweepError::dir(
                dir,
                "cannot resume: the directory holds a different sweep (spec, scenario, version, shard or --target-ci differ)",
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
        // A fresh sweep, or a resume of one stopped before its manifest was
        // written (nothing of it is in the directory).
        fresh
    };
    write_manifest(dir, &manifest)?;

    let already_done = done.iter().map(|w| u64::from(w.count_ones())).sum::<u64>();
    let file = OpenOptions::new().create(true).append(true).open(&runs_path).map_err(SweepError::io(&runs_path))?;
    let writer = Mutex::new(file);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| SweepError::dir(dir, format!("cannot start worker threads: {e}")))?;
    // Replicates wanted per point: all of them, or (adaptive) rounds of
    // `initial` more until the target interval is narrow enough.
    let mut wanted = vec![initial; plan.points()];
    let mut ran = 0;
    loop {
        let wanted_now = &wanted;
        let todo_round = |r: u64| {
            let (point, replicate, _) = plan.decode(r);
            owned(r) && !is_done(&done, r) && replicate < wanted_now[point]
        };
        let todo = (0..total).filter(|&r| todo_round(r)).count() as u64;
        progress.start(todo);
        pool.install(|| {
            (0..total).into_par_iter().filter(|&r| todo_round(r)).try_for_each(|run| {
                let line = run_line(plan, run).map_err(|e| SweepError::dir(dir, e))?;
                let mut f = writer.lock().expect("a writer thread never panics holding the lock");
                f.write_all(&line).map_err(SweepError::io(&runs_path))?;
                drop(f);
                progress.tick();
                Ok::<(), SweepError>(())
            })
        })?;
        for r in (0..total).filter(|&r| todo_round(r)).collect::<Vec<_>>() {
            done[(r / 64) as usize] |= 1 << (r % 64);
        }
        ran += todo;
        let Some(adaptive) = &opts.adaptive else { break };
        writer.lock().expect("no thread holds the lock").flush().map_err(SweepError::io(&runs_path))?;
        let widths = adaptive.widths(&runs_path, &layout, &wanted)?;
        let mut more = false;
        for (w, width) in wanted.iter_mut().zip(widths) {
            let unmet = width.is_nan() || width > adaptive.width; // NaN: too few replicates to tell
            if *w < adaptive.max_replicates && unmet {
                *w = (*w + initial.max(1)).min(adaptive.max_replicates);
                more = true;
            }
        }
        if !more {
            break;
        }
    }
    let file: File = writer.into_inner().expect("no thread holds the lock");
    file.sync_all().map_err(SweepError::io(&runs_path))?;

    let summarised = match &opts.adaptive {
        Some(_) => pool.install(|| finish_adaptive(dir, &layout, &wanted, opts.export))?,
        None => pool.install(|| finish(dir, opts.shard.is_none(), &layout, opts.export))?,
    };
    let mut m = manifest;
    m.finished = Some(now());
    write_manifest(dir, &m)?;
    drop(held);
    let owned_count = match &opts.adaptive {
        Some(_) => wanted.iter().map(|&w| u64::from(w) * arms as u64).sum(),
        None => (0..total).filter(|&r| owned(r)).count() as u64,
    };
    Ok(Outcome { owned: owned_count, already_done, ran, summarised })
}

/// Sorts an adaptive sweep's runs and writes its summary.
fn finish_adaptive(dir: &Path, layout: &Layout, wanted: &[u32], export: Option<Format>) -> Result<bool, SweepError> {
    let runs_path = dir.join(RUNS);
    let mut entries = summary::scan(&runs_path, 0)?.entries;
    entries.sort();
    summary::write_sorted(std::slice::from_ref(&runs_path), &entries, &runs_path)?;
    drop(entries);
    let s = summary::summarise_adaptive(&runs_path, layout, wanted)?;
    let bytes = output::to_json(&s).map_err(|e| SweepError::dir(dir, e.to_string()))?;
    output::write_atomic(&dir.join(SUMMARY), &bytes).map_err(|e| SweepError::dir(dir, format!("{e:#}")))?;
    write_tables(dir, layout, export)?;
    Ok(true)
}

/// Sorts a directory's runs by run id and, for a whole sweep, writes its
/// summary and its tables (see [`write_tables`]).
pub fn finish(dir: &Path, whole: bool, layout: &Layout, export: Option<Format>) -> Result<bool, SweepError> {
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
    write_tables(dir, layout, export)?;
    Ok(true)
}

/// The tables a finished whole sweep writes beside its summary:
/// `timeseries.csv` when its runs record series, and `runs`, `summary` (and
/// `timeseries`) in `export`'s format when asked for.
pub fn write_tables(dir: &Path, layout: &Layout, export: Option<Format>) -> Result<(), SweepError> {
    let mut wanted: Vec<(Table, Format)> = Vec::new();
    if let Some(f) = export {
        wanted.extend([(Table::Runs, f), (Table::Summary, f)]);
    }
    if layout.timeseries.is_some() {
        wanted.push((Table::Timeseries, Format::Csv));
        if let Some(f) = export.filter(|&f| f != Format::Csv) {
            wanted.push((Table::Timeseries, f));
        }
    }
    for (table, format) in wanted {
        let path = dir.join(format!("{}.{}", table.name(), format.extension()));
        let rows = tables::open(dir, table).map_err(|e| SweepError::dir(dir, format!("{e:#}")))?;
        output::write_result_with(&path, &mut |w| crate::tables::write(rows.as_ref(), format, w))
            .map_err(|e| SweepError::dir(dir, format!("{e:#}")))?;
    }
    Ok(())
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
