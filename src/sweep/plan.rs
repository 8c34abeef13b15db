//! The plan of a sweep: a spec (`super::spec`) checked against the
//! scenarios it names and turned into points × replicates × regime arms,
//! each run with a seed derived from the master seed and its point and
//! replicate alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::SweepError;
use super::configurations::{self, Configuration};
use super::design;
use super::paths;
use super::posterior;
use super::spec::{Design, Points, SweepSpec, check_series, resolve};
use crate::input;
use crate::load::{self, DEFAULT_SCENARIO};
use crate::model::regime::RegimeKnobs;
use crate::model::{RegimeSpec, Scenario, scenario_hash};

/// A CSV cell as a JSON value: an integer, a real number, true or false, or text.
fn csv_value(cell: &str) -> Value {
    let t = cell.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Value::from(x),
        _ => match t {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(t.to_owned()),
        },
    }
}

/// Reads a CSV file of points: a header of parameter paths, one point per row.
fn read_points(file: &str, spec_dir: &Path) -> Result<Vec<BTreeMap<String, Value>>, String> {
    let path = resolve(file, spec_dir).map_err(|e| format!("at `points`: {e}"))?;
    let text = input::read_text(&path, input::MAX_CSV_BYTES).map_err(|e| format!("at `points`: {e}"))?;
    let at = |line: u64| format!("at `points`: {}, line {line}", path.display());
    let mut reader = ::csv::ReaderBuilder::new().trim(::csv::Trim::All).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(|e| format!("{}: {e}", at(1)))?.iter().map(str::to_owned).collect();
    if let Some(i) = (0..header.len()).find(|&i| header[i].is_empty() || header[..i].contains(&header[i])) {
        return Err(format!(
            "{}: column {} of the header is {}",
            at(1),
            i + 1,
            if header[i].is_empty() { "blank" } else { "repeated" }
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("at `points`: {}: {e}", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        if let Some((i, _)) = record.iter().enumerate().find(|(_, c)| c.is_empty()) {
            return Err(format!(
                "{}: the value of `{}` is blank; every point needs every parameter",
                at(line),
                header[i]
            ));
        }
        if rows.len() as u64 >= design::MAX_POINTS {
            return Err(format!("{}: more than {} points", at(line), design::MAX_POINTS));
        }
        rows.push(header.iter().cloned().zip(record.iter().map(csv_value)).collect());
    }
    Ok(rows)
}

/// The parameters of a `points` design: the keys every point gives.
fn point_parameters(spec: &SweepSpec) -> Result<Vec<String>, String> {
    if !spec.parameters.is_empty() {
        return Err(
            "at `parameters`: a `points` design takes its parameters from its points; remove `parameters`".into()
        );
    }
    let rows = match &spec.points {
        Some(Points::Rows(rows)) if !rows.is_empty() => rows,
        Some(Points::Rows(_)) => return Err("at `points`: expected at least one point".into()),
        _ => return Err("at `points`: a `points` design needs `points` (a CSV file or a list of points)".into()),
    };
    let names: Vec<String> = rows[0].keys().cloned().collect();
    if names.is_empty() {
        return Err("at `points[0]`: expected at least one parameter in a point".into());
    }
    if let Some(i) = rows.iter().position(|r| !r.keys().eq(names.iter())) {
        return Err(format!(
            "at `points[{i}]`: expected the parameters of the first point ({}), found {}",
            names.join(", "),
            rows[i].keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(names)
}

/// A regime arm, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// Name in results.
    pub name: String,
    /// Knobs before the swept regime parameters are applied.
    pub knobs: RegimeKnobs,
}

/// What a sweep runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The spec as parsed.
    pub spec: SweepSpec,
    /// The spec's canonical JSON.
    pub spec_json: String,
    /// The base scenarios.
    pub bases: Vec<Base>,
    /// The arms.
    pub arms: Vec<Arm>,
    /// Swept parameter paths, sorted (the scenario dimension is not one of them).
    pub parameters: Vec<String>,
    /// Parameter values of each design point, in `parameters` order; the
    /// sweep's points are every base scenario × every configuration × every
    /// design point.
    pub design: Vec<Vec<Value>>,
    /// The service configurations, `current` first (empty: the scenario's own only).
    pub configurations: Vec<Configuration>,
}

/// How errors in a point's scenario name it: where the spec gives its values
/// (`origin`), the point (`label`) and, for an error of the whole scenario,
/// all its values (`whole`, made only then).
#[derive(Clone, Copy)]
struct Named<'a> {
    origin: &'a str,
    label: &'a str,
    whole: &'a dyn Fn() -> String,
}

/// A base scenario of a sweep.
#[derive(Debug, Clone)]
pub struct Base {
    /// Its name.
    pub name: String,
    /// Its hash (as in run results), after `years` is applied.
    pub hash: String,
    /// Its JSON form, defaults filled in, `years` applied.
    pub value: Value,
    /// Its own regime, as written.
    regime: RegimeSpec,
    /// Where each swept parameter is in `value` (a JSON pointer), found
    /// before any is set, since a parameter may set an id that another's
    /// path goes through; none for a regime knob.
    slots: Vec<Option<String>>,
}

const REGIME_KNOBS: [&str; 5] = ["pooling", "staff_sharing", "routing", "integration", "coordination_cost"];

/// Reads and checks a sweep spec file and everything it points to.
pub fn load(path: &Path) -> Result<Plan, SweepError> {
    let text = input::read_text(path, input::MAX_JSON_BYTES).map_err(|e| SweepError::spec(path, e))?;
    let spec: SweepSpec =
        input::parse_json(&text).map_err(|(at, message)| SweepError::spec(path, format!("at `{at}`: {message}")))?;
    plan(spec, path.parent().unwrap_or(Path::new("."))).map_err(|message| SweepError::spec(path, message))
}

/// The scenario a spec names (`builtin:NAME` or a file, resolved as
/// [`resolve`] says; the built-in default when none).
pub(crate) fn load_scenario(reference: Option<&str>, spec_dir: &Path) -> Result<Scenario, String> {
    let scenario = match reference {
        None => load::builtin(DEFAULT_SCENARIO),
        Some(file) => {
            // `builtin:NAME`, or a path.
            let path = if file.starts_with("builtin:") {
                PathBuf::from(file)
            } else {
                resolve(file, spec_dir).map_err(|e| format!("at `scenario`: {e}"))?
            };
            load::from_path_or_builtin(&path).map(|(s, _)| s)
        }
    };
    scenario.map_err(|e| format!("at `scenario`: {e}"))
}

/// Checks a parsed spec and builds its plan; `spec_dir` resolves a relative scenario path.
pub fn plan(mut spec: SweepSpec, spec_dir: &Path) -> Result<Plan, String> {
    check_spec(&spec)?;
    if let Some(Points::File(file)) = &spec.points {
        spec.points = Some(Points::Rows(read_points(file, spec_dir)?));
    }
    if spec.design == Design::Posterior {
        if spec.points.is_some() {
            return Err("at `points`: a `posterior` design draws its points from `posterior`; remove `points`".into());
        }
        let file = spec
            .posterior
            .as_deref()
            .ok_or("at `posterior`: a `posterior` design needs `posterior`, the `posterior.json` of a calibration")?;
        let samples = spec.samples.ok_or("at `samples`: a `posterior` design needs `samples`, the points to draw")?;
        spec.points = Some(Points::Rows(posterior::draw(file, spec_dir, samples, spec.seed)?));
    } else if spec.posterior.is_some() {
        return Err(
            "at `posterior`: only a `posterior` design takes `posterior`; set `\"design\": \"posterior\"` or remove it"
                .into(),
        );
    }
    let refs: Vec<Option<&str>> = match &spec.scenario {
        None => vec![None],
        Some(r) => r.refs().into_iter().map(Some).collect(),
    };
    if refs.is_empty() {
        return Err("at `scenario`: expected at least one scenario".into());
    }
    let scenarios = refs.into_iter().map(|r| load_scenario(r, spec_dir)).collect::<Result<Vec<_>, _>>()?;
    plan_with(spec, scenarios)
}

/// Checks a spec and builds its plan over scenarios already loaded (the
/// spec's `scenario` is not read again), for a spec without `points`.
pub(crate) fn plan_loaded(spec: SweepSpec, scenarios: Vec<Scenario>) -> Result<Plan, String> {
    check_spec(&spec)?;
    plan_with(spec, scenarios)
}

/// The plan of a sweep already run, from its manifest's spec and base
/// scenarios (so that it does not depend on files that may have changed).
pub fn replan(spec: &Value, bases: &[Value]) -> Result<Plan, String> {
    let spec: SweepSpec =
        serde_json::from_value(spec.clone()).map_err(|e| format!("the spec in the manifest is unreadable: {e}"))?;
    check_spec(&spec)?;
    let scenarios = bases
        .iter()
        .map(|b| {
            serde_json::from_value::<Scenario>(b.clone())
                .map_err(|e| format!("a base scenario in the manifest is unreadable: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if scenarios.is_empty() {
        return Err(
            "the manifest holds no base scenarios (an earlier ccsim wrote it): run the sweep again to rerun its runs"
                .into(),
        );
    }
    plan_with(spec, scenarios)
}

/// The checks of a spec that need no scenario.
fn check_spec(spec: &SweepSpec) -> Result<(), String> {
    if spec.replicates == 0 {
        return Err("at `replicates`: expected at least 1 replicate, found 0".into());
    }
    if spec.seed > crate::model::rng::MAX_SEED {
        return Err(format!(
            "at `seed`: expected a seed from 0 to {} (2^53 − 1, exact as a double), found {}",
            crate::model::rng::MAX_SEED,
            spec.seed
        ));
    }
    if let Some(names) = &spec.timeseries {
        check_series(names)?;
    }
    Ok(())
}

/// Builds the plan of a spec over its loaded base scenarios.
fn plan_with(spec: SweepSpec, scenarios: Vec<Scenario>) -> Result<Plan, String> {
    let mut bases = Vec::new();
    for mut scenario in scenarios {
        if let Some(y) = spec.years {
            if !(y.is_finite() && y > 0.0 && y <= 1000.0) {
                return Err(format!("at `years`: expected a number of years in (0, 1000], found {y}"));
            }
            scenario.time.horizon_weeks = ((y * 52.0).round() as u32).max(1);
        }
        if bases.iter().any(|b: &Base| b.name == scenario.name) {
            return Err(format!("at `scenario`: two scenarios are named `{}`", scenario.name));
        }
        bases.push(Base {
            name: scenario.name.clone(),
            hash: scenario_hash(&scenario),
            value: serde_json::to_value(&scenario).expect("a scenario always serialises"),
            regime: scenario.regime.clone(),
            slots: Vec::new(),
        });
    }
    if bases.len() > 1 && spec.arms.is_empty() {
        return Err("at `arms`: give the regime arms when sweeping several scenarios".into());
    }

    let arms = resolve_arms(&spec, &bases[0].regime)?;
    let names: Vec<String> = match spec.design {
        Design::Points | Design::Posterior => point_parameters(&spec)?,
        _ if spec.points.is_some() => {
            return Err(
                "at `points`: only a `points` design takes `points`; set `\"design\": \"points\"` or remove it".into(),
            );
        }
        _ => spec.parameters.keys().cloned().collect(),
    };
    let mut parameters = Vec::new();
    for path in &names {
        let missing = bases.iter().find(|b| match path.strip_prefix("regime.") {
            Some(knob) => !REGIME_KNOBS.contains(&knob),
            None => path == "regime" || path.starts_with("regime") || !paths::is_leaf(&b.value, path),
        });
        if let Some(b) = missing {
            let mut candidates: Vec<String> = REGIME_KNOBS.iter().map(|k| format!("regime.{k}")).collect();
            candidates.extend(paths::leaves(&b.value).into_iter().filter(|l| !l.starts_with("regime")));
            return Err(format!(
                "at `parameters`: unknown parameter path `{path}`{}; nearest valid paths: {}",
                if bases.len() > 1 { format!(" in scenario `{}`", b.name) } else { String::new() },
                paths::nearest(path, &candidates, 3).join(", ")
            ));
        }
        parameters.push(path.clone());
    }
    for b in &mut bases {
        b.slots = parameters
            .iter()
            .map(|path| match path.starts_with("regime.") {
                true => Ok(None),
                false => paths::pointer(&b.value, path).map(Some).ok_or_else(|| {
                    format!("at `parameters`: unknown parameter path `{path}` in scenario `{}`", b.name)
                }),
            })
            .collect::<Result<_, _>>()?;
    }
    let design = design::points(&spec, &parameters, &bases[0].value)?;
    if design.is_empty() {
        return Err("the design has no points: give each parameter at least one value".into());
    }
    let configurations = configurations::resolve(spec.configurations.as_ref())?;
    if !configurations.is_empty() && (spec.design.is_sensitivity() || spec.design == Design::Posterior) {
        return Err(format!(
            "at `configurations`: a `{}` design summarises over all its points, so it cannot compare configurations; sweep each configuration's scenario (`ccsim scenario configure`) on its own",
            serde_json::to_value(spec.design).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        ));
    }
    let spec_json = serde_json::to_string(&spec).expect("a spec always serialises");
    let plan = Plan { spec, spec_json, bases, arms, parameters, design, configurations };
    let runs = (plan.points() as u64)
        .checked_mul(u64::from(plan.spec.replicates))
        .and_then(|n| n.checked_mul(plan.arms.len() as u64))
        .filter(|&n| n <= MAX_RUNS);
    if runs.is_none() {
        return Err(format!(
            "at `replicates`: {} points × {} replicates × {} arms is more than the {MAX_RUNS} runs one sweep may hold; split it into several sweeps",
            plan.points(),
            plan.spec.replicates,
            plan.arms.len()
        ));
    }
    plan.check_points()?;
    if let Some(prefixes) = &plan.spec.metrics {
        // A prefix names a metric or any group of them (`waiting.overall`).
        let mut names: Vec<String> = Vec::new();
        for leaf in plan.metric_names()? {
            for (i, _) in leaf.match_indices('.') {
                names.push(leaf[..i].to_owned());
            }
            names.push(leaf);
        }
        names.sort();
        names.dedup();
        for (i, prefix) in prefixes.iter().enumerate() {
            if names.binary_search(prefix).is_err() {
                return Err(format!(
                    "at `metrics[{i}]`: `{prefix}` selects no metric; the nearest metric names are: {}",
                    paths::nearest(prefix, &names, 4).join(", ")
                ));
            }
        }
    }
    Ok(plan)
}

/// Fewest points [`Plan::check_points`] checks in one copy of a base
/// scenario: copying the base is worth no more than a few points' checks.
const MIN_CHECKED_TOGETHER: usize = 16;

/// Most runs one sweep may hold (its resume bitmap is 12.5 MB at the limit).
pub const MAX_RUNS: u64 = 100_000_000;

fn resolve_arms(spec: &SweepSpec, regime: &RegimeSpec) -> Result<Vec<Arm>, String> {
    if spec.arms.is_empty() {
        let knobs = match regime {
            RegimeSpec::Preset(name) => RegimeKnobs { preset: Some(name.clone()), ..RegimeKnobs::default() },
            RegimeSpec::Knobs(k) => k.clone(),
        };
        let name = regime.resolve().map(|r| r.name).map_err(|p| p.to_string())?;
        return Ok(vec![Arm { name, knobs }]);
    }
    let mut arms: Vec<Arm> = Vec::new();
    for (i, a) in spec.arms.iter().enumerate() {
        let name = a.name.clone().unwrap_or_else(|| match (&a.knobs.preset, a.bare) {
            (Some(p), true) => p.clone(),
            _ => format!("arm{i}"),
        });
        RegimeSpec::Knobs(a.knobs.clone()).resolve().map_err(|p| format!("at `arms[{i}]`: {}", p.message))?;
        if arms.iter().any(|x| x.name == name) {
            return Err(format!("at `arms[{i}]`: expected a unique arm name, found `{name}` twice"));
        }
        arms.push(Arm { name, knobs: a.knobs.clone() });
    }
    Ok(arms)
}

impl Plan {
    /// Points: every base scenario × every configuration × every design
    /// point (scenario outermost).
    pub fn points(&self) -> usize {
        self.bases.len() * self.configurations.len().max(1) * self.design.len()
    }

    /// Every metric name a run of this plan reports (from a one-week run of
    /// its first point).
    pub fn metric_names(&self) -> Result<Vec<String>, String> {
        let mut probe = self.scenario(0, 0)?;
        probe.time.horizon_weeks = 1;
        probe.time.warmup_weeks = 0;
        probe.timeline.clear();
        let summary = serde_json::to_value(crate::model::run(&probe, 1, false).summary)
            .map_err(|e| format!("cannot read the metric names: {e}"))?;
        Ok(paths::leaves(&summary))
    }

    /// The base scenario, configuration and design point of a point.
    fn split(&self, point: usize) -> (&Base, Option<&Configuration>, &[Value]) {
        let rows = self.design.len();
        let block = rows * self.configurations.len().max(1);
        let configuration = self.configurations.get(point % block / rows);
        (&self.bases[point / block], configuration, &self.design[point % rows])
    }

    /// The names of a point's values: `scenario` first when there are
    /// several, then `configuration` when the sweep compares them.
    pub fn parameter_names(&self) -> Vec<String> {
        let scenario = (self.bases.len() > 1).then(|| "scenario".to_owned());
        let configuration = (!self.configurations.is_empty()).then(|| "configuration".to_owned());
        scenario.into_iter().chain(configuration).chain(self.parameters.iter().cloned()).collect()
    }

    /// Runs in the whole sweep.
    pub fn total_runs(&self) -> u64 {
        self.points() as u64 * u64::from(self.spec.replicates) * self.arms.len() as u64
    }

    /// The run id of (point, replicate, arm): arms vary fastest, then replicates.
    pub fn run_id(&self, point: usize, replicate: u32, arm: usize) -> u64 {
        (point as u64 * u64::from(self.spec.replicates) + u64::from(replicate)) * self.arms.len() as u64 + arm as u64
    }

    /// (point, replicate, arm) of a run id.
    pub fn decode(&self, run: u64) -> (usize, u32, usize) {
        let arms = self.arms.len() as u64;
        let group = run / arms;
        let r = u64::from(self.spec.replicates);
        ((group / r) as usize, (group % r) as u32, (run % arms) as usize)
    }

    /// The seed of a point and replicate: every arm there shares it, and so
    /// do all the points of one Saltelli block (A, B, AB_1..AB_k) of a
    /// Sobol design or one trajectory of a Morris design, so that the
    /// estimators' differences between those rows cancel replicate noise
    /// (common random numbers). Every configuration of a point shares its
    /// seeds too. Other designs: one seed group per point; with
    /// `common_seeds`, one per base scenario, whatever the design.
    pub fn seed(&self, point: usize, replicate: u32) -> u64 {
        crate::model::rng::run_seed(self.spec.seed, self.seed_group(point), u64::from(replicate))
    }

    /// The seed of a run.
    pub fn seed_of(&self, run: u64) -> u64 {
        let (point, replicate, _) = self.decode(run);
        self.seed(point, replicate)
    }

    /// The group of points that share seeds (see [`Plan::seed`]).
    fn seed_group(&self, point: usize) -> u64 {
        let k = design::factors(&self.spec, &self.parameters).0.len();
        let size = match self.spec.design {
            Design::Sobol => design::sobol_width(&self.spec, k),
            Design::Morris => k + 1,
            _ => 1,
        };
        let rows = self.design.len();
        let (base, row) = (point / (rows * self.configurations.len().max(1)), point % rows);
        if self.spec.common_seeds {
            return base as u64;
        }
        let groups = self.design.len().div_ceil(size);
        (base * groups + row / size) as u64
    }

    /// The parameter values of a point, by path (with `scenario` when there
    /// are several, and `configuration` when the sweep compares them).
    pub fn values(&self, point: usize) -> BTreeMap<String, Value> {
        let (base, configuration, values) = self.split(point);
        let mut out: BTreeMap<String, Value> = self.parameters.iter().cloned().zip(values.iter().cloned()).collect();
        if self.bases.len() > 1 {
            out.insert("scenario".into(), Value::String(base.name.clone()));
        }
        if let Some(c) = configuration {
            out.insert("configuration".into(), Value::String(c.name.clone()));
        }
        out
    }

    /// The validated scenario of a point under an arm.
    pub fn scenario(&self, point: usize, arm: usize) -> Result<Scenario, String> {
        let mut json = self.split(point).0.value.clone();
        self.scenario_in(&mut json, point, arm)
    }

    /// Checks every point under every arm, as [`Plan::scenario`] would build
    /// them, on the current thread pool's threads (`-j`): the points in runs
    /// of consecutive points, each run in its own copy of the JSON form of
    /// each base scenario it meets. The error is the first point's, arm by
    /// arm, whatever the number of threads.
    fn check_points(&self) -> Result<(), String> {
        let points = self.points();
        let run = points.div_ceil(rayon::current_num_threads() * 4).max(MIN_CHECKED_TOGETHER);
        let first = (0..points.div_ceil(run))
            .into_par_iter()
            .find_map_first(|i| self.check_run(i * run..points.min((i + 1) * run)).err());
        first.map_or(Ok(()), Err)
    }

    /// [`Plan::check_points`] for consecutive `points`, in order.
    fn check_run(&self, points: std::ops::Range<usize>) -> Result<(), String> {
        let block = self.design.len() * self.configurations.len().max(1);
        let mut json: Vec<Option<Value>> = vec![None; self.bases.len()];
        for point in points {
            let base = point / block;
            let json = json[base].get_or_insert_with(|| self.bases[base].value.clone());
            for arm in 0..self.arms.len() {
                self.scenario_in(json, point, arm)?;
            }
        }
        Ok(())
    }

    /// [`Plan::scenario`], built in `json`: the point's base scenario's JSON
    /// form, which it is again on return.
    fn scenario_in(&self, json: &mut Value, point: usize, arm: usize) -> Result<Scenario, String> {
        let (base, configuration, values) = self.split(point);
        // Where the spec gave the point's values: its parameters, or a row of its points.
        let origin = match self.spec.design {
            Design::Points | Design::Posterior => format!("points[{}]", point % self.design.len()),
            _ => "parameters".to_owned(),
        };
        let label = format!("point {point}");
        // The whole point, for an error of the whole scenario (made only then).
        let whole = || {
            let named: Vec<String> = self.values(point).iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let from = if matches!(self.spec.design, Design::Points | Design::Posterior) {
                format!("at `{origin}`: ")
            } else {
                String::new()
            };
            format!("{from}{label} ({})", named.join(", "))
        };
        let named = Named { origin: &origin, label: &label, whole: &whole };
        self.build(json, &base.slots, configuration, values, arm, &named)
    }

    /// The validated scenario of the first base scenario under the first arm
    /// with the swept parameters at `values` (in `parameters` order), for a
    /// caller that chooses its own values; `label` names them in errors.
    pub fn scenario_at(&self, values: &[Value], label: &str) -> Result<Scenario, String> {
        let whole = || {
            let named: Vec<String> = self.parameters.iter().zip(values).map(|(k, v)| format!("{k} = {v}")).collect();
            format!("{label} ({})", named.join(", "))
        };
        let base = &self.bases[0];
        let mut json = base.value.clone();
        self.build(&mut json, &base.slots, None, values, 0, &Named { origin: "parameters", label, whole: &whole })
    }

    /// A base scenario's JSON form `json`, its parameters at `slots`, with
    /// `values` set, then `configuration`'s changes made, and the arm's
    /// knobs; errors say where by `named`. `json` is left as it was given.
    fn build(
        &self,
        json: &mut Value,
        slots: &[Option<String>],
        configuration: Option<&Configuration>,
        values: &[Value],
        arm: usize,
        named: &Named,
    ) -> Result<Scenario, String> {
        let mut knobs = self.arms[arm].knobs.clone();
        let mut replaced = Vec::new();
        let mut set = Ok(());
        for ((path, value), slot) in self.parameters.iter().zip(values).zip(slots) {
            match slot {
                Some(at) => {
                    let field = json.pointer_mut(at).expect("found in this base when planned");
                    replaced.push((at, std::mem::replace(field, value.clone())));
                }
                None => set = set_knob(&mut knobs, path, value, named),
            }
            if set.is_err() {
                break;
            }
        }
        let built = set.and_then(|()| self.read(json, knobs, configuration, arm, named));
        for (at, old) in replaced.into_iter().rev() {
            *json.pointer_mut(at).expect("set above") = old;
        }
        built
    }

    /// The scenario in `json`, under `knobs`, with `configuration`'s changes
    /// made, validated.
    fn read(
        &self,
        json: &Value,
        knobs: RegimeKnobs,
        configuration: Option<&Configuration>,
        arm: usize,
        named: &Named,
    ) -> Result<Scenario, String> {
        let Named { origin, label, whole } = *named;
        // Read without tracking the path (most points are good), and again
        // with it only to say where a bad one goes wrong.
        let mut scenario = match Scenario::deserialize(json) {
            Ok(s) => s,
            Err(untracked) => {
                let (at, e) = match serde_path_to_error::deserialize::<_, Scenario>(json) {
                    Err(e) => (e.path().to_string(), e.into_inner()),
                    Ok(_) => (".".to_owned(), untracked),
                };
                return Err(format!("at `{origin}.{at}`: {label} gives it a value of the wrong kind: {e}"));
            }
        };
        if let Some(c) = configuration.filter(|c| !c.changes.is_empty()) {
            scenario = crate::model::configuration::configure(&scenario, &c.changes)
                .map_err(|e| format!("at `{}` (configuration `{}`), {}: {e}", c.origin, c.name, whole()))?
                .0;
        }
        scenario.regime = RegimeSpec::Knobs(knobs);
        scenario.validate().map_err(|problems| {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            format!("{}, arm `{}`: {}", whole(), self.arms[arm].name, list.join("; "))
        })?;
        Ok(scenario)
    }
}

/// Sets the regime knob a `regime.` parameter names (`path`) to `value`.
fn set_knob(knobs: &mut RegimeKnobs, path: &str, value: &Value, named: &Named) -> Result<(), String> {
    let Named { origin, label, .. } = *named;
    let bad = |message: String| format!("at `{origin}.{path}`: {label} sets it to {value}: {message}");
    let f = || value.as_f64().ok_or_else(|| bad("expected a number".into()));
    match path.strip_prefix("regime.").unwrap_or(path) {
        "pooling" => knobs.pooling = Some(f()?),
        "staff_sharing" => knobs.staff_sharing = Some(f()?),
        "integration" => knobs.integration = Some(f()?),
        "coordination_cost" => knobs.coordination_cost = Some(f()?),
        _ => knobs.routing = Some(serde_json::from_value(value.clone()).map_err(|e| bad(e.to_string()))?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::regime::Routing;
    use crate::sweep::spec::ParamSpec;

    fn minimal() -> SweepSpec {
        serde_json::from_str(
            r#"{"scenario": "builtin:duopoly", "arms": ["competition", "collaboration"],
                "parameters": {"regime.pooling": {"values": [0.0, 0.5, 1.0]}},
                "design": "grid", "replicates": 4, "seed": 2026, "years": 2}"#,
        )
        .expect("parses")
    }

    #[test]
    fn a_scenario_path_naming_two_different_files_is_refused() {
        // Tests run from the crate's root, where `configs/duopoly.json` exists.
        let file = "configs/duopoly.json";
        assert!(load_scenario(Some(file), Path::new(".")).is_ok(), "the same file both ways");
        assert!(load_scenario(Some(file), Path::new("no-such-dir")).is_ok(), "only one exists");
        let dir = tempfile::tempdir().expect("temp");
        std::fs::create_dir(dir.path().join("configs")).expect("dir");
        std::fs::copy(file, dir.path().join(file)).expect("copy");
        let e = load_scenario(Some(file), dir.path()).expect_err("two files");
        assert!(e.contains("names two different files") && e.contains("give a path that names one"), "{e}");
    }

    /// With `common_seeds` every point runs replicate r with one seed, the
    /// seed a sweep of the base scenario alone gives replicate r; without,
    /// each grid point has its own.
    #[test]
    fn common_seeds_give_every_point_the_same_replicate_seeds() {
        let mut spec = minimal();
        let own = plan(spec.clone(), Path::new(".")).expect("valid");
        spec.common_seeds = true;
        let common = plan(spec.clone(), Path::new(".")).expect("valid");
        spec.parameters.clear();
        let alone = plan(spec, Path::new(".")).expect("valid");
        for r in 0..4 {
            assert_ne!(own.seed(0, r), own.seed(1, r), "a seed group per grid point");
            for point in 0..3 {
                assert_eq!(common.seed(point, r), alone.seed(0, r), "point {point}, replicate {r}");
            }
        }
        assert_ne!(common.seed(0, 0), common.seed(0, 1), "replicates still differ");
    }

    #[test]
    fn runs_are_points_by_replicates_by_arms() {
        let p = plan(minimal(), Path::new(".")).expect("valid");
        assert_eq!(p.total_runs(), 3 * 4 * 2);
        for run in 0..p.total_runs() {
            let (pt, r, a) = p.decode(run);
            assert_eq!(p.run_id(pt, r, a), run);
        }
        // Common random numbers: arms share a seed; points and replicates do not.
        assert_eq!(p.seed(1, 2), p.seed(1, 2));
        assert_ne!(p.seed(1, 2), p.seed(2, 1));
        let s = p.scenario(2, 0).expect("valid point");
        assert_eq!(s.regime.resolve().expect("knobs").pooling, 1.0);
        assert_eq!(s.regime.resolve().expect("knobs").routing, Routing::Choice);
        assert_eq!(s.time.horizon_weeks, 104);
    }

    #[test]
    fn spec_errors_are_clear() {
        let mut s = minimal();
        s.parameters.insert(
            "services.elective_surgery.tarif".into(),
            ParamSpec { values: Some(vec![1.0.into()]), ..ParamSpec::default() },
        );
        let e = plan(s, Path::new(".")).expect_err("unknown path");
        assert!(e.contains("unknown parameter path `services.elective_surgery.tarif`"), "{e}");
        assert!(e.contains("services.elective_surgery.tariff"), "{e}");

        let mut s = minimal();
        s.parameters.insert(
            "services.elective_surgery.tariff".into(),
            ParamSpec { values: Some(vec![(-5.0).into()]), ..ParamSpec::default() },
        );
        let e = plan(s, Path::new(".")).expect_err("out of range");
        assert!(
            e.contains("services.elective_surgery.tariff") && e.contains("expected a number in [0, 1e7], found -5"),
            "{e}"
        );

        let mut s = minimal();
        s.replicates = 0;
        assert!(plan(s, Path::new(".")).expect_err("zero").contains("at least 1 replicate"));

        let mut s = minimal();
        s.parameters.insert("regime.pooling".into(), ParamSpec { values: Some(vec![]), ..ParamSpec::default() });
        assert!(
            plan(s, Path::new("."))
                .expect_err("empty")
                .contains("at `parameters.regime.pooling.values`: expected at least one value")
        );
    }

    /// Points are checked on several threads, in runs of consecutive
    /// points, yet the error is always the first bad point's.
    #[test]
    fn the_first_bad_point_is_named_whatever_the_threads() {
        let mut s = minimal();
        let mut values: Vec<Value> = (0..200).map(|i| (f64::from(i) / 200.0).into()).collect();
        for bad in [150, 37, 90] {
            values[bad] = (-1.0).into();
        }
        s.parameters.insert("regime.pooling".into(), ParamSpec { values: Some(values), ..ParamSpec::default() });
        for threads in [1, 2, 7] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            let e = pool.install(|| plan(s.clone(), Path::new("."))).expect_err("bad points");
            assert!(e.starts_with("point 37 (regime.pooling = -1.0), arm `competition`"), "{threads} threads: {e}");
        }
    }
}
