//! Running a calibration into a directory: each generation's points in
//! parallel, one JSON line per simulated point appended to
//! `simulations.jsonl` as it finishes; at the end the lines sorted, the
//! posterior (`posterior.json`) and the calibrated scenario
//! (`calibrated.json`; with several base scenarios, one
//! `calibrated-<name>.json` each). Every point is keyed by (generation, index), so an
//! interrupted calibration (SIGKILL included) resumes by replaying the
//! scheme over the recorded lines and simulating only what is missing; the
//! results are the same bytes at any thread count.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use rand_distr::Distribution;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::abc::{self, Posterior, Proposal, Stop};
use super::spec::Calibration;
use super::targets;
use crate::model;
use crate::outdir::{self, HeldDir};
use crate::output;
use crate::sweep::paths;
use crate::sweep::runner::now;

/// The simulated points, one line each.
pub const SIMULATIONS: &str = "simulations.jsonl";
/// The calibration's spec, base scenario and times.
pub const MANIFEST: &str = "manifest.json";
/// The posterior and the fit.
pub const POSTERIOR: &str = "posterior.json";
/// The base scenario at the posterior medians (the only base's).
pub const CALIBRATED: &str = "calibrated.json";

/// The file of a base scenario at the posterior medians: [`CALIBRATED`]
/// for a calibration with one base, else `calibrated-<name>.json` (its
/// name with anything but letters, digits, `-`, `_` and `.` as `_`).
pub fn calibrated_file(cal: &Calibration, base: usize) -> String {
    if cal.bases.len() == 1 {
        return CALIBRATED.to_owned();
    }
    let name: String = cal.bases[base]
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    format!("calibrated-{name}.json")
}

/// Told as the calibration goes.
pub trait Progress: Sync {
    /// A generation starts: points to simulate now, and already recorded.
    fn generation(&self, _generation: u32, _to_run: u64, _recorded: u64) {}
    /// One point simulated.
    fn tick(&self) {}
    /// A generation ended.
    fn ended(&self, _generation: &abc::Generation) {}
}

/// No progress report.
impl Progress for () {}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Worker threads.
    pub threads: usize,
    /// Continue the calibration in the directory.
    pub resume: bool,
}

/// What a finished calibration did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Points simulated by this process.
    pub ran: u64,
    /// Points found recorded (resume).
    pub recorded: u64,
    /// Generations, the prior's included.
    pub generations: usize,
    /// The last tolerance.
    pub tolerance: f64,
    /// Why the scheme stopped.
    pub stop: Stop,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Manifest {
    ccsim_version: String,
    spec: Value,
    bases: Vec<Value>,
    started: String,
    #[serde(default)]
    finished: Option<String>,
    #[serde(default)]
    resumed: Vec<String>,
    threads: usize,
}

/// One simulated point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    generation: u32,
    index: u32,
    /// Prior probability below each value, in parameter order.
    unit: Vec<f64>,
    parameters: BTreeMap<String, f64>,
    seeds: Vec<u64>,
    /// Each target's simulated value, the mean over replicates (null: undefined in a run).
    simulated: Vec<Option<f64>>,
    /// Distance from the targets (null: a target undefined).
    distance: Option<f64>,
}

fn dir_error(dir: &Path, message: impl std::fmt::Display) -> String {
    format!("{}: {message}", dir.display())
}

/// Simulates one point: its replicates' mean of each target and the
/// distance. Every base scenario runs with the same seeds (common random
/// numbers), and each target is read from its own base's runs.
fn simulate(cal: &Calibration, p: &Proposal) -> Result<Line, String> {
    let values = cal.values(&p.unit);
    let key = u64::from(p.generation) << 32 | u64::from(p.index);
    let seeds: Vec<u64> =
        (0..cal.spec.replicates).map(|r| model::rng::run_seed(cal.spec.seed, key, u64::from(r))).collect();
    let mut sums = vec![0.0; cal.targets.len()];
    for (b, base) in cal.bases.iter().enumerate() {
        let label = if cal.bases.len() == 1 {
            format!("generation {} point {}", p.generation, p.index)
        } else {
            format!("generation {} point {}, scenario `{}`", p.generation, p.index, base.name)
        };
        let scenario = base.scenario_at(&values, &label)?;
        for &seed in &seeds {
            let result = model::run(&scenario, seed, false);
            if let Some(off) = result.summary.unbalanced() {
                return Err(format!(
                    "{label}, seed {seed}: the books do not balance: {off} (a defect in ccsim: please report it with the spec)"
                ));
            }
            let m = targets::metrics(&result, &scenario);
            for (s, t) in sums.iter_mut().zip(&cal.targets).filter(|(_, t)| t.base == b) {
                *s += targets::value(&m, t).map_err(|e| format!("{label}, target `{}`: {e}", t.name))?;
            }
        }
    }
    let simulated: Vec<f64> = sums.iter().map(|s| s / seeds.len() as f64).collect();
    // Noisy ABC: each simulated value plus a draw of its target's
    // observation error, so that the posterior tends, as the tolerance
    // shrinks, to the model's posterior under Gaussian error of the stated
    // sd (Wilkinson 2013), not to a point where the model hits the figure.
    let mut rng = abc::keyed_rng(cal.spec.seed, abc::ERRORS, p.generation, p.index);
    let distance = (simulated
        .iter()
        .zip(&cal.targets)
        .map(|(s, t)| {
            let error: f64 = rand_distr::StandardNormal.sample(&mut rng);
            ((s + t.sd * error - t.observed) / t.sd).powi(2)
        })
        .sum::<f64>()
        / cal.targets.len() as f64)
        .sqrt();
    Ok(Line {
        generation: p.generation,
        index: p.index,
        unit: p.unit.clone(),
        parameters: cal.parameters.iter().cloned().zip(values).collect(),
        seeds,
        simulated: simulated.into_iter().map(|x| x.is_finite().then_some(x)).collect(),
        distance: distance.is_finite().then_some(distance),
    })
}

/// The recorded lines of a directory by (generation, index); a partial
/// last line (the process stopped while writing it) is cut off the file.
fn recorded(path: &Path) -> Result<BTreeMap<(u32, u32), Line>, String> {
    let mut out = BTreeMap::new();
    let Ok(bytes) = std::fs::read(path) else { return Ok(out) };
    let good = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if good < bytes.len() {
        let f = OpenOptions::new().write(true).open(path).map_err(|e| dir_error(path, e))?;
        f.set_len(good as u64).map_err(|e| dir_error(path, e))?;
    }
    for (n, text) in bytes[..good].split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        let line: Line = serde_json::from_slice(text)
            .map_err(|e| dir_error(path, format!("line {}: not a calibration line ({e})", n + 1)))?;
        if out.insert((line.generation, line.index), line).is_some() {
            return Err(dir_error(path, format!("line {}: a point recorded twice", n + 1)));
        }
    }
    Ok(out)
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), String> {
    let bytes = output::to_json(value).map_err(|e| dir_error(path, e))?;
    output::write_atomic(path, &bytes).map_err(|e| format!("{e:#}"))
}

/// Runs (or resumes) a calibration into `dir`.
pub fn run(cal: &Calibration, dir: &Path, opts: Options, progress: &dyn Progress) -> Result<Outcome, String> {
    let spec_json = serde_json::to_value(&cal.spec).expect("a spec always serialises");
    let fresh = Manifest {
        ccsim_version: model::run::VERSION.to_owned(),
        spec: spec_json,
        bases: cal.bases.iter().map(|b| b.value.clone()).collect(),
        started: now(),
        finished: None,
        resumed: Vec::new(),
        threads: opts.threads,
    };
    let manifest_path = dir.join(MANIFEST);
    let resumable = opts.resume && manifest_path.exists();
    let not_empty = || {
        dir_error(
            dir,
            if opts.resume {
                "holds files but no calibration to resume; give a new or empty directory"
            } else {
                "is not empty; give a new or empty directory, or --resume to continue the calibration in it"
            },
        )
    };
    if !resumable && !outdir::is_vacant(dir).map_err(|e| e.to_string())? {
        return Err(not_empty());
    }
    let held = HeldDir::take(dir).map_err(|e| e.to_string())?;
    let calibrated_files: Vec<String> = (0..cal.bases.len()).map(|b| calibrated_file(cal, b)).collect();
    let mut ours = vec![MANIFEST, SIMULATIONS, POSTERIOR];
    ours.extend(calibrated_files.iter().map(String::as_str));
    held.check_regular(&ours).map_err(|e| e.to_string())?;
    let resumable = opts.resume && manifest_path.exists();
    if !resumable && !held.is_empty().map_err(|e| e.to_string())? {
        return Err(not_empty());
    }
    held.clear_temporaries().map_err(|e| e.to_string())?;
    let sims_path = dir.join(SIMULATIONS);
    let (manifest, mut done) = if resumable {
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| dir_error(&manifest_path, e))?;
        let mut m: Manifest = serde_json::from_str(&text)
            .map_err(|e| dir_error(&manifest_path, format!("cannot resume: not a calibration manifest ({e})")))?;
        if m.ccsim_version != fresh.ccsim_version || m.spec != fresh.spec || m.bases != fresh.bases {
            return Err(dir_error(
                dir,
                "cannot resume: the directory holds a different calibration (spec, scenario or ccsim version differ)",
            ));
        }
        m.resumed.push(now());
        m.finished = None;
        m.threads = opts.threads;
        (m, recorded(&sims_path)?)
    } else {
        (fresh, BTreeMap::new())
    };
    write_json(&manifest_path, &manifest)?;

    let file = OpenOptions::new().create(true).append(true).open(&sims_path).map_err(|e| dir_error(&sims_path, e))?;
    let writer = Mutex::new(file);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| dir_error(dir, format!("cannot start worker threads: {e}")))?;
    let (mut ran, mut found) = (0u64, 0u64);
    let settings = cal.settings();
    let posterior = abc::run(&settings, cal.priors.len(), cal.spec.seed, |batch| {
        let generation = batch.first().map_or(0, |p| p.generation);
        let missing: Vec<&Proposal> = batch.iter().filter(|p| !done.contains_key(&(p.generation, p.index))).collect();
        for p in batch.iter().filter(|p| done.contains_key(&(p.generation, p.index))) {
            if done[&(p.generation, p.index)].unit != p.unit {
                return Err(dir_error(
                    &sims_path,
                    format!(
                        "cannot resume: generation {} point {} was recorded at another place; the file is not this calibration's",
                        p.generation, p.index
                    ),
                ));
            }
        }
        progress.generation(generation, missing.len() as u64, (batch.len() - missing.len()) as u64);
        found += (batch.len() - missing.len()) as u64;
        let lines: Vec<Line> = pool.install(|| {
            missing
                .par_iter()
                .map(|p| {
                    let line = simulate(cal, p)?;
                    let mut bytes = serde_json::to_vec(&line).expect("a line always serialises");
                    bytes.push(b'\n');
                    let mut f = writer.lock().expect("a writer thread never panics holding the lock");
                    f.write_all(&bytes).map_err(|e| dir_error(&sims_path, e))?;
                    drop(f);
                    progress.tick();
                    Ok(line)
                })
                .collect::<Result<Vec<_>, String>>()
        })?;
        ran += lines.len() as u64;
        for line in lines {
            done.insert((line.generation, line.index), line);
        }
        Ok(batch.iter().map(|p| done[&(p.generation, p.index)].distance.unwrap_or(f64::NAN)).collect())
    })?;
    for g in &posterior.generations {
        progress.ended(g);
    }
    let file: File = writer.into_inner().expect("no thread holds the lock");
    file.sync_all().map_err(|e| dir_error(&sims_path, e))?;

    // The lines in (generation, index) order: the same bytes at any thread count.
    let mut sorted = Vec::new();
    for line in done.values() {
        sorted.extend(serde_json::to_vec(line).expect("a line always serialises"));
        sorted.push(b'\n');
    }
    output::write_atomic(&sims_path, &sorted).map_err(|e| format!("{e:#}"))?;
    let posteriors = parameter_posteriors(cal, &posterior);
    let post = posterior_json(cal, &posterior, &posteriors, &done);
    write_json(&dir.join(POSTERIOR), &post)?;
    for (b, file) in calibrated_files.iter().enumerate() {
        write_json(&dir.join(file), &calibrated(cal, b, &posterior, &posteriors)?)?;
    }
    let mut m = manifest;
    m.finished = Some(now());
    write_json(&manifest_path, &m)?;
    drop(held);
    let last = posterior.generations.last().expect("at least generation 0");
    Ok(Outcome {
        ran,
        recorded: found,
        generations: posterior.generations.len(),
        tolerance: last.tolerance,
        stop: posterior.stop,
    })
}

/// A weighted sample's mean, sd and 5%, 50% and 95% quantiles.
#[derive(Debug, Clone, Copy, Serialize)]
struct Described {
    mean: f64,
    sd: f64,
    q05: f64,
    median: f64,
    q95: f64,
}

fn describe(values: &[f64], weights: &[f64]) -> Described {
    let mean: f64 = values.iter().zip(weights).map(|(x, w)| x * w).sum();
    let var: f64 = values.iter().zip(weights).map(|(x, w)| w * (x - mean).powi(2)).sum();
    Described {
        mean,
        sd: var.sqrt(),
        q05: abc::weighted_quantile(values, weights, 0.05),
        median: abc::weighted_quantile(values, weights, 0.5),
        q95: abc::weighted_quantile(values, weights, 0.95),
    }
}

/// Each parameter's values at the kept particles (in `particles` order)
/// and their weighted summary, in parameter order.
fn parameter_posteriors(cal: &Calibration, post: &Posterior) -> Vec<(Vec<f64>, Described)> {
    let w = post.weights();
    let values: Vec<Vec<f64>> = post.particles.iter().map(|p| cal.values(&p.unit)).collect();
    (0..cal.parameters.len())
        .map(|d| {
            let column: Vec<f64> = values.iter().map(|v| v[d]).collect();
            let described = describe(&column, &w);
            (column, described)
        })
        .collect()
}

/// The posterior: the scheme's generations, each parameter's prior and
/// weighted summary, the kept particles, and each target's fit (observed
/// against the kept particles' simulated values).
fn posterior_json(
    cal: &Calibration,
    post: &Posterior,
    posteriors: &[(Vec<f64>, Described)],
    lines: &BTreeMap<(u32, u32), Line>,
) -> Value {
    let w = post.weights();
    let parameters: Vec<Value> = cal
        .parameters
        .iter()
        .zip(posteriors)
        .map(|(path, (_, described))| {
            json!({
                "path": path,
                "prior": cal.spec.parameters[path],
                "posterior": described,
            })
        })
        .collect();
    let targets: Vec<Value> = cal
        .targets
        .iter()
        .zip(&cal.spec.targets)
        .enumerate()
        .map(|(k, (t, written))| {
            let (sims, ws): (Vec<f64>, Vec<f64>) = post
                .particles
                .iter()
                .zip(&w)
                .filter_map(|(p, &w)| lines[&(p.generation, p.index)].simulated[k].map(|s| (s, w)))
                .unzip();
            let total: f64 = ws.iter().sum();
            let ws: Vec<f64> = ws.iter().map(|x| x / total).collect();
            let mut target = json!({
                "name": t.name,
                "metric": written.metric,
                "observed": t.observed,
                "sd": t.sd,
                "source": written.source,
                "period": written.period,
                "simulated": if sims.is_empty() { None } else { Some(describe(&sims, &ws)) },
            });
            if cal.bases.len() > 1 {
                target["scenario"] = cal.bases[t.base].name.clone().into();
            }
            target
        })
        .collect();
    let generations: Vec<Value> = post
        .generations
        .iter()
        .map(|g| {
            json!({
                "generation": g.generation,
                "simulations": g.simulations,
                "tolerance": g.tolerance,
                "acceptance": g.acceptance,
                "effective_size": g.effective_size,
                "kernel_sd": g.kernel_sd,
            })
        })
        .collect();
    let particles: Vec<Value> = post
        .particles
        .iter()
        .zip(&w)
        .enumerate()
        .map(|(i, (p, w))| {
            let values = cal.parameters.iter().cloned().zip(posteriors.iter().map(|(column, _)| column[i]));
            json!({
                "generation": p.generation,
                "index": p.index,
                "weight": w,
                "distance": p.distance,
                "parameters": values.collect::<BTreeMap<_, _>>(),
            })
        })
        .collect();
    let mut regimes: Vec<&str> = cal.bases.iter().map(|b| b.regime()).collect();
    regimes.dedup();
    let mut out = json!({
        "ccsim_version": model::run::VERSION,
        "scenario": cal.bases.iter().map(|b| b.name.as_str()).collect::<Vec<_>>().join(" and "),
        "regime": regimes.join(" and "),
        "seed": cal.spec.seed,
        "method": "ABC by adaptive population Monte Carlo (Lenormand, Jabot and Deffuant 2013)",
        "settings": {
            "particles": cal.spec.particles,
            "alpha": cal.spec.alpha,
            "min_acceptance": cal.spec.min_acceptance,
            "generations": cal.spec.generations,
            "replicates": cal.spec.replicates,
        },
        "stopped": match post.stop { Stop::Acceptance => "acceptance", Stop::Generations => "generations" },
        "simulations": lines.len(),
        "generations": generations,
        "parameters": parameters,
        "targets": targets,
        "particles": particles,
    });
    if cal.bases.len() > 1 {
        out["scenarios"] = cal.bases.iter().map(|b| Value::from(b.name.clone())).collect();
    }
    out
}

/// Base scenario `b` with each of its parameters at its posterior
/// weighted median, its sources naming the calibration.
fn calibrated(
    cal: &Calibration,
    b: usize,
    post: &Posterior,
    posteriors: &[(Vec<f64>, Described)],
) -> Result<Value, String> {
    let base = &cal.bases[b];
    let mut v = base.value.clone();
    let mut said = Vec::new();
    for &i in &base.parameters {
        let (path, d) = (&cal.parameters[i], &posteriors[i].1);
        let (lo, median, hi) = (d.q05, d.median, d.q95);
        *paths::get_mut(&mut v, path).expect("checked when planned") = median.into();
        said.push(format!("{path} = {median:.6} [{lo:.6}, {hi:.6}]"));
    }
    let targets: Vec<String> = cal
        .targets
        .iter()
        .zip(&cal.spec.targets)
        .map(|(t, w)| {
            let whose = if cal.bases.len() > 1 { format!("{}: ", cal.bases[t.base].name) } else { String::new() };
            format!("{whose}{} = {} (sd {}; {}, {})", t.name, t.observed, t.sd, w.source, w.period)
        })
        .collect();
    let last = post.generations.last().expect("at least generation 0");
    let line = format!(
        "Calibrated by `ccsim calibrate` (ABC by adaptive population Monte Carlo, {} particles, {} generations, last tolerance {:.4}, regime `{}`, seed {}): posterior medians [5%, 95%] of {}; against {}.",
        cal.spec.particles,
        post.generations.len(),
        last.tolerance,
        base.regime(),
        cal.spec.seed,
        said.join(", "),
        targets.join("; ")
    );
    // Its own name, so that its results never pass for the base scenario's.
    if let Some(Value::String(name)) = v.get_mut("name") {
        name.push_str("-calibrated");
    }
    match v.get_mut("sources") {
        Some(Value::Array(sources)) => sources.push(line.into()),
        _ => {
            if let Some(map) = v.as_object_mut() {
                map.insert("sources".into(), vec![Value::from(line)].into());
            }
        }
    }
    // The result must be a valid scenario.
    let scenario: model::Scenario =
        serde_json::from_value(v.clone()).map_err(|e| format!("the calibrated scenario does not read back: {e}"))?;
    scenario.validate().map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        format!("the calibrated scenario is not valid: {}", list.join("; "))
    })?;
    Ok(v)
}
