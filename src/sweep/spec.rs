//! The sweep spec as written (`configs/sweeps/README.md`): its fields and
//! how they read from JSON. `super::plan` turns a spec into the runs.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use serde_json::Value;

use crate::model::PRESETS;
use crate::model::configuration::Change;
use crate::model::regime::{Payment, RegimeKnobs, Routing};
use crate::model::scenario::Capability;

/// How points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Every combination of every parameter's values.
    #[default]
    Grid,
    /// `samples` points drawn uniformly within each parameter's range.
    Random,
    /// `samples` points, each parameter's range cut into `samples` strata
    /// with one point in each (a Latin hypercube).
    LatinHypercube,
    /// Morris elementary effects: `trajectories` one-at-a-time paths of
    /// k + 1 points on a grid of `levels` levels.
    Morris,
    /// Saltelli sampling for Sobol indices from an Owen-scrambled Sobol
    /// sequence: `samples` base rows of matrices A and B, and A with each
    /// column in turn from B (k + 2 points a row).
    Sobol,
    /// The user's own points, listed in `points` (a CSV file or the rows).
    Points,
    /// `samples` points drawn by weight from the particles of a posterior
    /// (`ccsim calibrate`'s `posterior.json`, named in `posterior`), so that
    /// results carry parameter uncertainty as well as seed noise.
    Posterior,
}

impl Design {
    /// Whether `ccsim sensitivity` can analyse it.
    pub fn is_sensitivity(self) -> bool {
        matches!(self, Design::Morris | Design::Sobol)
    }
}

/// How one parameter varies.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// Grid: the values, in order (numbers, or strings where the field takes them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
    /// Grid: first value of a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// Grid: last value of a range (included when a whole number of steps away).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
    /// Grid: step of a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    /// Random and Latin hypercube: lower end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Random and Latin hypercube: upper end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Sampled designs: the distribution (default uniform on [min, max]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    /// Normal and truncated normal: the mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Normal and truncated normal: the standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// Triangular: the peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<f64>,
    /// Sampled designs: parameters with the same group move together (one
    /// coordinate of the design, each mapped through its own distribution)
    /// and get one sensitivity index between them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// A distribution's name in a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Uniform on [min, max].
    #[default]
    Uniform,
    /// log x uniform on [log min, log max] (min > 0).
    LogUniform,
    /// Normal with `mean` and `sd` (unbounded: not on a Morris grid).
    Normal,
    /// Normal with `mean` and `sd`, cut to [min, max].
    TruncatedNormal,
    /// Triangular on [min, max] with its peak at `mode`.
    Triangular,
}

/// A regime arm: a preset name, or knobs (optionally named, optionally on a preset).
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSpec {
    /// Name in results; default the preset's name, or `armN`.
    pub name: Option<String>,
    /// The knobs.
    pub knobs: RegimeKnobs,
    /// Whether it was written as a bare preset name.
    pub(super) bare: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArmObject {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    preset: Option<String>,
    #[serde(default)]
    pooling: Option<f64>,
    #[serde(default)]
    staff_sharing: Option<f64>,
    #[serde(default)]
    routing: Option<Routing>,
    #[serde(default)]
    integration: Option<f64>,
    #[serde(default)]
    coordination_cost: Option<f64>,
    #[serde(default)]
    payment: Option<Payment>,
}

impl<'de> Deserialize<'de> for ArmSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ArmSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a preset name ({}) or an object of regime knobs with an optional name", PRESETS.join(", "))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ArmSpec, E> {
                Ok(ArmSpec {
                    name: None,
                    knobs: RegimeKnobs { preset: Some(v.to_owned()), ..RegimeKnobs::default() },
                    bare: true,
                })
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<ArmSpec, M::Error> {
                let o = ArmObject::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(ArmSpec {
                    name: o.name,
                    knobs: RegimeKnobs {
                        preset: o.preset,
                        pooling: o.pooling,
                        staff_sharing: o.staff_sharing,
                        routing: o.routing,
                        integration: o.integration,
                        coordination_cost: o.coordination_cost,
                        payment: o.payment,
                    },
                    bare: false,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for ArmSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.bare {
            return s.serialize_str(self.knobs.preset.as_deref().unwrap_or_default());
        }
        let mut v = serde_json::to_value(&self.knobs).map_err(serde::ser::Error::custom)?;
        if let (Some(name), Some(map)) = (&self.name, v.as_object_mut()) {
            map.insert("name".into(), Value::String(name.clone()));
        }
        v.serialize(s)
    }
}

/// The base scenario(s) of a sweep: one reference, or several (each a
/// further, outermost dimension of the design).
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioRef {
    /// One scenario.
    One(String),
    /// Several scenarios.
    Many(Vec<String>),
}

impl ScenarioRef {
    /// The scenarios named, in order.
    pub(crate) fn refs(&self) -> Vec<&str> {
        match self {
            ScenarioRef::One(s) => vec![s.as_str()],
            ScenarioRef::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

impl Serialize for ScenarioRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ScenarioRef::One(x) => s.serialize_str(x),
            ScenarioRef::Many(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ScenarioRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ScenarioRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scenario file or `builtin:NAME`, or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScenarioRef, E> {
                Ok(ScenarioRef::One(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<ScenarioRef, A::Error> {
                Vec::<String>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(ScenarioRef::Many)
            }
        }
        d.deserialize_any(V)
    }
}

fn one() -> u32 {
    1
}

fn default_seed() -> u64 {
    1
}

/// A sweep as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Base scenario: a file path (relative to the working directory, else to
    /// the spec's directory) or `builtin:NAME`, or a list of them (an extra,
    /// outermost design dimension named `scenario`). Default: the built-in
    /// default scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<ScenarioRef>,
    /// Regime arms compared at every point. Default: the scenario's own regime.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arms: Vec<ArmSpec>,
    /// Parameters to vary, by dotted path into the scenario (`services.maternity.tariff`)
    /// or into every arm's regime (`regime.pooling`).
    #[serde(default)]
    pub parameters: BTreeMap<String, ParamSpec>,
    /// `grid`, `random`, `latin_hypercube`, `morris` or `sobol`. Default `grid`.
    #[serde(default)]
    pub design: Design,
    /// Points of a random or Latin-hypercube design; base rows of a Sobol design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u32>,
    /// Morris: trajectories (each k + 1 points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectories: Option<u32>,
    /// Morris: grid levels per parameter (even, at least 2). Default 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<u32>,
    /// Morris: draw this many random trajectories and keep the
    /// `trajectories` that spread most widely (Campolongo et al. 2007).
    /// Default: keep the random trajectories as drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidates: Option<u32>,
    /// Sobol: also the second-order indices of every pair of parameters
    /// (rows BA_1..BA_k as well: 2k + 2 points a base row). Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_order: Option<bool>,
    /// Replicates per point (each with its own seed). Default 1.
    #[serde(default = "one")]
    pub replicates: u32,
    /// Every point of a base scenario runs the same replicate seeds (common
    /// random numbers across the design, so differences between points are
    /// paired too). Default false: a seed group per point (per Saltelli
    /// block or Morris trajectory).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub common_seeds: bool,
    /// Master seed. Default 1.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Measured horizon in years, overriding the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<f64>,
    /// Summary metrics to aggregate, as path prefixes (`waiting.overall`).
    /// Default: every summary metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<String>>,
    /// A `points` design's points: a CSV file (a header of parameter paths,
    /// one point per row; relative to the working directory, else to the
    /// spec's) or the rows themselves. Planning reads the file into rows,
    /// so the manifest holds the points that ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Points>,
    /// A `posterior` design's posterior: `ccsim calibrate`'s `posterior.json`
    /// (relative to the working directory, else to the spec's). Planning
    /// draws the points into `points`, so the manifest holds the points that ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<String>,
    /// Weekly series each run records (system-wide and per provider, e.g.
    /// `waiting`, `quality`), kept in `runs.jsonl` and written in long form
    /// to `timeseries.csv`. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeseries: Option<Vec<String>>,
    /// Service configurations compared at every point (an outer dimension,
    /// inside `scenario`, that combines with any design), each against the
    /// scenario's own (`current`) with common random numbers. Default: the
    /// scenario's own only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configurations: Option<ConfigurationsSpec>,
}

/// The service configurations of a sweep: listed ones, and every way of
/// keeping `keep` of a service's candidate `sites` (the others close).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationsSpec {
    /// Named configurations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<ConfigurationSpec>,
    /// All subsets of candidate sites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsets: Option<SubsetsSpec>,
}

/// One named configuration: changes as `ccsim scenario configure` takes
/// them (opens apply first, then moves, then closures).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationSpec {
    /// Name in results (not `current`).
    pub name: String,
    /// `PLACE:SERVICE[:LEVEL]`: units opened or set to a level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<String>,
    /// `FROM:SERVICE:TO`: units moved.
    #[serde(default, rename = "move", skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<String>,
    /// `PLACE:SERVICE`: units closed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub close: Vec<String>,
}

/// Every subset of `keep` of `sites` that offer `service`: each closes the
/// others, or lowers them to the routine level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsetsSpec {
    /// Service id.
    pub service: String,
    /// Candidate places (site ids, or ids of providers listing no sites).
    pub sites: Vec<String>,
    /// How many of them keep the service.
    pub keep: u32,
    /// What the places not kept do. Default `close`.
    #[serde(default, skip_serializing_if = "NotKept::is_close")]
    pub others: NotKept,
    /// Services that close with it at each place not kept, closed or
    /// lowered (emergency gynaecology, which goes where the obstetric units
    /// are). Default none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
}

/// What a candidate place not kept in a configuration does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotKept {
    /// Its unit closes.
    #[default]
    Close,
    /// Its unit there is lowered to the routine level (a midwife-led unit,
    /// a local neonatal unit; a freestanding one when its trust keeps a
    /// higher level at another site): local care stays, complex cases go.
    Lower,
}

impl NotKept {
    /// Whether it is the default, `close`.
    pub fn is_close(&self) -> bool {
        *self == NotKept::Close
    }

    /// The change that does it to `place`'s unit of `service`.
    fn change(self, place: &str, service: &str) -> Change {
        let (place, service) = (place.to_owned(), service.to_owned());
        match self {
            NotKept::Close => Change::Close { place, service },
            NotKept::Lower => Change::Open { place, service, level: Some(Capability::Routine) },
        }
    }

    /// The changes at a `place` not kept: this to its unit of `service`,
    /// and the closure of its units of the services that go `with` it.
    pub fn changes(self, place: &str, service: &str, with: &[String]) -> impl Iterator<Item = Change> {
        let closures = with.iter().map(|w| Change::Close { place: place.to_owned(), service: w.clone() });
        std::iter::once(self.change(place, service)).chain(closures.collect::<Vec<_>>())
    }
}

/// The points of a `points` design.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Points {
    /// A CSV file of points.
    File(String),
    /// The points, each a map from parameter path to value.
    Rows(Vec<BTreeMap<String, Value>>),
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Points;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CSV file of points, or a list of objects from parameter path to value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Points, E> {
                Ok(Points::File(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Points, A::Error> {
                Vec::<BTreeMap<String, Value>>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Points::Rows)
            }
        }
        d.deserialize_any(V)
    }
}

/// The names of the weekly series a run can record: system-wide, then per provider.
pub fn series_names() -> (Vec<String>, Vec<String>) {
    use crate::model::engine::{ProviderSeries, Timeseries};
    let keys = |v: Value, skip: &[&str]| -> Vec<String> {
        v.as_object().into_iter().flatten().map(|(k, _)| k.clone()).filter(|k| !skip.contains(&k.as_str())).collect()
    };
    let system = keys(serde_json::to_value(Timeseries::default()).unwrap_or_default(), &["week", "providers"]);
    let provider = keys(serde_json::to_value(ProviderSeries::default()).unwrap_or_default(), &["id"]);
    (system, provider)
}

pub(super) fn check_series(names: &[String]) -> Result<(), String> {
    let (system, provider) = series_names();
    for (i, name) in names.iter().enumerate() {
        if !system.contains(name) && !provider.contains(name) {
            let mut all: Vec<String> = system.iter().chain(&provider).cloned().collect();
            all.sort();
            all.dedup();
            return Err(format!(
                "at `timeseries[{i}]`: no weekly series is named `{name}`; expected one of {}",
                all.join(", ")
            ));
        }
    }
    Ok(())
}
/// A file a spec names: as given (absolute, or relative to the working
/// directory) when it exists, else beside the spec; refused when both
/// exist and are different files, so that a stray file in the working
/// directory is never read in place of the spec's own.
pub(super) fn resolve(file: &str, spec_dir: &Path) -> Result<PathBuf, String> {
    let given = PathBuf::from(file);
    if given.is_absolute() {
        return Ok(given);
    }
    let beside = spec_dir.join(file);
    if !given.exists() {
        return Ok(beside);
    }
    let same = matches!((given.canonicalize(), beside.canonicalize()), (Ok(x), Ok(y)) if x == y);
    if beside.exists() && !same {
        return Err(format!(
            "`{file}` names two different files, {} (from the working directory) and {} (beside the spec); \
             give a path that names one",
            given.display(),
            beside.display()
        ));
    }
    Ok(given)
}
