//! The calibration spec as written (`configs/calibration/README.md`): the
//! base scenario or scenarios, the free parameters with their priors, the
//! targets with their uncertainty and source (each read from one base), the
//! regime of the data's period, and the scheme's sizes. [`load`] checks it
//! and everything it names.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::abc::Settings;
use super::targets::{self, Target};
use crate::input;
use crate::sweep::inputs::Input;
use crate::sweep::paths;
use crate::sweep::plan::{self, Plan};
use crate::sweep::spec::{ArmSpec, Design, ParamSpec, ScenarioRef, SweepSpec};

/// A calibration spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// The base scenario, or several: a file (relative to the working
    /// directory, else to the spec's) or `builtin:NAME`. Default: the
    /// built-in default scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<ScenarioRef>,
    /// The regime of the data's period (a preset name or knobs). Default: the scenario's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regime: Option<ArmSpec>,
    /// Free parameters by dotted path into the scenario, each with its prior.
    pub parameters: BTreeMap<String, ParamSpec>,
    /// What the model should reproduce.
    pub targets: Vec<TargetSpec>,
    /// Particles kept each generation (the posterior sample). Default 100.
    #[serde(default = "default_particles")]
    pub particles: usize,
    /// Share of each generation's points kept, in (0, 1). Default 0.5.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Stop when fewer than this share of a generation's new points fall
    /// inside the previous tolerance. Default 0.05.
    #[serde(default = "default_min_acceptance")]
    pub min_acceptance: f64,
    /// Most generations, the prior's included. Default 20.
    #[serde(default = "default_generations")]
    pub generations: u32,
    /// Runs per point, each with its own seed; targets are compared with their mean. Default 1.
    #[serde(default = "one")]
    pub replicates: u32,
    /// Master seed. Default 1.
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// Measured horizon in years, overriding the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<f64>,
}

/// One observed figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Its name in the outputs. Default: the metric path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The base scenario it is read from, by name (required when there are several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// A path into a run's result (`summary.…`, `providers.<id>.…`), or a
    /// list of them, summed.
    pub metric: Metric,
    /// The observed value.
    pub observed: f64,
    /// Its standard deviation (or give `interval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// A 95% interval around it (sd = width / 3.92), instead of `sd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<[f64; 2]>,
    /// Where the figure comes from.
    pub source: String,
    /// The period it describes (`2023/24`).
    pub period: String,
}

/// One metric path, several summed, or a weighted mean of several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Metric {
    /// One path.
    One(String),
    /// Paths whose values are summed.
    Sum(Vec<String>),
    /// A weighted mean (a trust's share of its list within 18 weeks over its services, weighted by their lists).
    Weighted(WeightedMean),
}

/// Σ value × weight / Σ weight, over the terms whose value is defined and weight above 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedMean {
    /// The values' paths.
    pub weighted_mean: Vec<String>,
    /// The weights' paths, one per value.
    pub weights: Vec<String>,
}

impl Metric {
    /// The values' paths and, for a weighted mean, the weights' paths.
    pub fn paths(&self) -> (Vec<String>, Option<Vec<String>>) {
        match self {
            Metric::One(p) => (vec![p.clone()], None),
            Metric::Sum(v) => (v.clone(), None),
            Metric::Weighted(w) => (w.weighted_mean.clone(), Some(w.weights.clone())),
        }
    }
}

fn default_particles() -> usize {
    100
}
fn default_alpha() -> f64 {
    0.5
}
fn default_min_acceptance() -> f64 {
    0.05
}
fn default_generations() -> u32 {
    20
}
fn one() -> u32 {
    1
}
fn one_u64() -> u64 {
    1
}

/// A spec with everything it names loaded and checked.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// The spec as parsed.
    pub spec: CalibrationSpec,
    /// The free parameters' paths, sorted.
    pub parameters: Vec<String>,
    /// Each parameter's prior, in `parameters` order.
    pub priors: Vec<Input>,
    /// The base scenarios, in the spec's order.
    pub bases: Vec<CalibrationBase>,
    /// The targets.
    pub targets: Vec<Target>,
}

/// One base scenario of a calibration.
#[derive(Debug, Clone)]
pub struct CalibrationBase {
    /// Its name (the scenario's).
    pub name: String,
    /// The sweep plan whose one point the calibration moves, over the free
    /// parameters this scenario has (sorted by path).
    pub plan: Plan,
    /// For each of `plan.parameters`, its place in the calibration's `parameters`.
    pub parameters: Vec<usize>,
    /// The scenario as loaded, before `years` (its calibrated scenario starts from it).
    pub value: Value,
}

impl CalibrationBase {
    /// The scenario at the calibration's parameter `values` (in its
    /// `parameters` order); errors name the point by `label`.
    pub fn scenario_at(&self, values: &[f64], label: &str) -> Result<crate::model::Scenario, String> {
        let own: Vec<Value> = self.parameters.iter().map(|&i| Value::from(values[i])).collect();
        self.plan.scenario_at(&own, label)
    }

    /// The regime its runs have: the data period's arm.
    pub fn regime(&self) -> &str {
        &self.plan.arms[0].name
    }
}

impl Calibration {
    /// The scheme's sizes.
    pub fn settings(&self) -> Settings {
        Settings {
            particles: self.spec.particles,
            alpha: self.spec.alpha,
            min_acceptance: self.spec.min_acceptance,
            max_generations: self.spec.generations,
        }
    }

    /// Parameter values at a point of the unit cube of prior probabilities.
    pub fn values(&self, unit: &[f64]) -> Vec<f64> {
        self.priors.iter().zip(unit).map(|(p, &u)| p.quantile(u)).collect()
    }
}

/// Most generations (their numbers key random streams below bit 61).
const MAX_GENERATIONS: u32 = 10_000;

/// Most points one calibration may simulate in a generation.
const MAX_DRAWS: usize = 1_000_000;

/// Reads and checks a calibration spec; errors name the file and the field.
pub fn load(path: &Path) -> Result<Calibration, String> {
    let at = |m: String| format!("{}: {m}", path.display());
    let text = input::read_text(path, input::MAX_JSON_BYTES).map_err(at)?;
    let spec: CalibrationSpec =
        input::parse_json(&text).map_err(|(field, message)| at(format!("at `{field}`: {message}")))?;
    check(spec, path.parent().unwrap_or(Path::new("."))).map_err(at)
}

/// Checks a parsed spec; `dir` resolves a relative scenario path.
pub fn check(spec: CalibrationSpec, dir: &Path) -> Result<Calibration, String> {
    if spec.parameters.is_empty() {
        return Err("at `parameters`: expected at least one free parameter".into());
    }
    if spec.targets.is_empty() {
        return Err("at `targets`: expected at least one target".into());
    }
    if spec.particles < 2 {
        return Err(format!("at `particles`: expected at least 2, found {}", spec.particles));
    }
    if !(spec.alpha > 0.0 && spec.alpha < 1.0) {
        return Err(format!("at `alpha`: expected a share in (0, 1), found {}", spec.alpha));
    }
    if !(0.0..=1.0).contains(&spec.min_acceptance) {
        return Err(format!("at `min_acceptance`: expected a share in [0, 1], found {}", spec.min_acceptance));
    }
    if !(1..=MAX_GENERATIONS).contains(&spec.generations) {
        return Err(format!("at `generations`: expected 1 to {MAX_GENERATIONS}, found {}", spec.generations));
    }
    let mut priors_by_path = BTreeMap::new();
    for (path, p) in &spec.parameters {
        if path == "regime" || path.starts_with("regime.") {
            return Err(format!(
                "at `parameters.{path}`: a regime knob is the data period's, not a free parameter: set it in `regime`"
            ));
        }
        if p.group.is_some() {
            return Err(format!("at `parameters.{path}.group`: a calibration has no groups; remove it"));
        }
        if p.values.is_some() || p.from.is_some() || p.to.is_some() || p.step.is_some() {
            return Err(format!(
                "at `parameters.{path}`: a prior needs `min` and `max` (or `mean` and `sd` for a normal), not grid `values` or `from`/`to`/`step`"
            ));
        }
        priors_by_path.insert(path.clone(), Input::from_spec(path, p)?);
    }
    let draws = (spec.particles as f64 / spec.alpha).ceil();
    if draws > MAX_DRAWS as f64 {
        return Err(format!(
            "at `particles` and at `alpha`: {} particles at alpha {} draw {draws:.3e} points a generation, more than {MAX_DRAWS}; give fewer particles or a larger alpha",
            spec.particles, spec.alpha,
        ));
    }
    let parameters: Vec<String> = priors_by_path.keys().cloned().collect();
    let priors: Vec<Input> = parameters.iter().map(|p| priors_by_path[p]).collect();
    let bases = bases(&spec, &parameters, &priors, dir)?;

    let mut targets = Vec::new();
    for (i, t) in spec.targets.iter().enumerate() {
        let here = |field: &str| format!("at `targets[{i}].{field}`");
        let base = match (&t.scenario, bases.len()) {
            (None, 1) => 0,
            (None, _) => {
                return Err(format!(
                    "{}: several base scenarios: name the one this target is read from ({})",
                    here("scenario"),
                    names(&bases)
                ));
            }
            (Some(name), _) => bases.iter().position(|b| &b.name == name).ok_or_else(|| {
                format!("{}: no base scenario is named `{name}`; the bases are {}", here("scenario"), names(&bases))
            })?,
        };
        let (paths, weights) = t.metric.paths();
        if paths.is_empty() {
            return Err(format!("{}: expected a metric path or a list of them, found an empty list", here("metric")));
        }
        if let Some(w) = &weights
            && w.len() != paths.len()
        {
            return Err(format!(
                "{}: expected one weight per value, found {} values and {} weights",
                here("metric.weights"),
                paths.len(),
                w.len()
            ));
        }
        let all = paths.iter().chain(weights.iter().flatten());
        if let Some(p) = all.into_iter().find(|p| !targets::ROOTS.iter().any(|r| p.starts_with(&format!("{r}.")))) {
            return Err(format!(
                "{}: expected a path into a run's `summary`, `providers` or `catchments` (`summary.waiting.list_size`, `providers.<id>.services.<service>.treated`, `catchments.<provider id>.<district>`), found `{p}`",
                here("metric")
            ));
        }
        if !t.observed.is_finite() {
            return Err(format!("{}: expected a finite number, found {}", here("observed"), t.observed));
        }
        let sd = match (t.sd, t.interval) {
            (Some(sd), None) if sd.is_finite() && sd > 0.0 => sd,
            (Some(sd), None) => {
                return Err(format!("{}: expected a standard deviation above 0, found {sd}", here("sd")));
            }
            (None, Some([lo, hi])) if lo.is_finite() && hi.is_finite() && lo < hi => (hi - lo) / 3.92,
            (None, Some([lo, hi])) => {
                return Err(format!("{}: expected [low, high] with low < high, found [{lo}, {hi}]", here("interval")));
            }
            (Some(_), Some(_)) => return Err(format!("at `targets[{i}]`: give `sd` or `interval`, not both")),
            (None, None) => {
                return Err(format!("at `targets[{i}]`: give the observed value's `sd` or its 95% `interval`"));
            }
        };
        if t.source.trim().is_empty() {
            return Err(format!("{}: say where the observed value comes from", here("source")));
        }
        let name = t.name.clone().unwrap_or_else(|| paths.join(" + "));
        if targets.iter().any(|x: &Target| x.name == name) {
            return Err(format!("{}: expected a unique target name, found `{name}` twice", here("name")));
        }
        targets.push(Target { name, base, paths, weights, observed: t.observed, sd });
    }
    let medians: Vec<f64> = priors.iter().map(|p| p.quantile(0.5)).collect();
    for (b, base) in bases.iter().enumerate() {
        let own: Vec<(usize, &Target)> = targets.iter().enumerate().filter(|(_, t)| t.base == b).collect();
        targets::check(base.scenario_at(&medians, "the priors' medians")?, &own, spec.seed)?;
    }
    Ok(Calibration { spec, parameters, priors, bases, targets })
}

/// The base scenarios' names, for messages.
fn names(bases: &[CalibrationBase]) -> String {
    bases.iter().map(|b| format!("`{}`", b.name)).collect::<Vec<_>>().join(", ")
}

/// Loads the base scenarios and plans each over the free parameters it
/// has; every parameter must be in at least one, and every base must have
/// at least one. The sweep machinery loads each scenario, checks the paths
/// and applies values; each plan's one point sits at the priors' medians.
fn bases(
    spec: &CalibrationSpec,
    parameters: &[String],
    priors: &[Input],
    dir: &Path,
) -> Result<Vec<CalibrationBase>, String> {
    let refs: Vec<Option<&str>> = match &spec.scenario {
        None => vec![None],
        Some(r) => r.refs().into_iter().map(Some).collect(),
    };
    if refs.is_empty() {
        return Err("at `scenario`: expected at least one scenario".into());
    }
    let sweep = |reference: Option<&str>, own: &[usize]| SweepSpec {
        scenario: reference.map(|r| ScenarioRef::One(r.to_owned())),
        arms: spec.regime.clone().into_iter().collect(),
        parameters: own
            .iter()
            .map(|&i| {
                let median = priors[i].quantile(0.5).into();
                (parameters[i].clone(), ParamSpec { values: Some(vec![median]), ..ParamSpec::default() })
            })
            .collect(),
        design: Design::Grid,
        samples: None,
        trajectories: None,
        levels: None,
        candidates: None,
        second_order: None,
        replicates: spec.replicates,
        common_seeds: false,
        seed: spec.seed,
        years: spec.years,
        metrics: None,
        points: None,
        posterior: None,
        timeseries: None,
        configurations: None,
    };
    let mut loaded = Vec::new();
    for reference in &refs {
        let scenario = plan::load_scenario(*reference, dir)?;
        let value = serde_json::to_value(&scenario).expect("a scenario always serialises");
        if loaded.iter().any(|(_, _, v, _): &(Option<&str>, Vec<usize>, Value, _)| v["name"] == value["name"]) {
            return Err(format!("at `scenario`: two base scenarios are named `{}`", scenario.name));
        }
        let own: Vec<usize> = (0..parameters.len()).filter(|&i| paths::is_leaf(&value, &parameters[i])).collect();
        loaded.push((*reference, own, value, scenario));
    }
    // A parameter in no base: the sweep's message, with the nearest paths.
    if let Some(i) = (0..parameters.len()).find(|i| !loaded.iter().any(|(_, own, _, _)| own.contains(i))) {
        plan::plan_loaded(sweep(refs[0], &[i]), vec![loaded[0].3.clone()])?;
        return Err(format!("at `parameters.{}`: not a parameter of any base scenario", parameters[i]));
    }
    let mut out = Vec::new();
    for (reference, own, value, scenario) in loaded {
        let name = value["name"].as_str().unwrap_or_default().to_owned();
        if own.is_empty() {
            return Err(format!("at `scenario`: the base scenario `{name}` has none of the free parameters"));
        }
        // The sweep's plan applies `years` to the scenario it runs; `value`
        // stays as loaded, for the calibrated scenario.
        let plan = plan::plan_loaded(sweep(reference, &own), vec![scenario])?;
        let parameters =
            plan.parameters.iter().map(|p| parameters.iter().position(|q| q == p).expect("its own")).collect();
        let base = CalibrationBase { name, plan, parameters, value };
        // Every prior's range must make valid scenarios.
        for (end, u) in [("lower", 0.0), ("upper", 1.0)] {
            let values: Vec<f64> = priors.iter().map(|p| p.quantile(u)).collect();
            base.scenario_at(&values, &format!("the priors' {end} ends")).map_err(|e| {
                let whose = if refs.len() > 1 { format!(" (scenario `{}`)", base.name) } else { String::new() };
                format!("at `parameters`{whose}: {e}")
            })?;
        }
        out.push(base);
    }
    Ok(out)
}
