//! `ccsim search`: the Pareto front of service configurations over two or
//! three measures, when there are too many configurations to sweep them all.
//!
//! A configuration keeps a service at some of a list of candidate sites and
//! closes it at the others (by `ccsim scenario configure`'s rules). Each one
//! is measured by the mean of each objective over `replicates` runs with
//! the same seeds for every configuration (common random numbers), so two
//! configurations differ only by what they change.
//!
//! The heuristic is Pareto local search with restarts (Paquete, Chiarandini
//! & Stützle 2004): start from the current configuration and `restarts`
//! random ones; keep an archive of the configurations no other evaluated one
//! dominates; take every archived configuration not yet explored and
//! evaluate all its neighbours — one site added, one dropped, or one swapped
//! for another — then update the archive; when every archived configuration
//! is explored, explore each start's neighbourhood too (dominated or not: a
//! restart is a local search from its start) and carry on; stop when nothing
//! is left to explore or `budget` configurations have been measured. It
//! finds a front no single change improves on, not a proven one: a front
//! member none of whose neighbours is on the front or near a start can be
//! missed (the test against enumeration shows how often).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::configurations::{CURRENT, binomial};
use super::plan::{self, Plan};
use super::spec::{ArmSpec, NotKept, ScenarioRef, SweepSpec};
use super::stats::{Accumulator, Stat, flatten};
use crate::input;
use crate::model::Scenario;
use crate::model::configuration::{Change, configure};

/// Whether an objective is made small or large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smaller is better.
    Min,
    /// Larger is better.
    Max,
}

/// A search as written (`configs/sweeps/README.md`, "Searching configurations").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSpec {
    /// Base scenario: a file or `builtin:NAME`. Default: the built-in default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The regime arm every configuration runs under. Default: the scenario's regime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<ArmSpec>,
    /// The service configured.
    pub service: String,
    /// Candidate places offering it now (site ids, or ids of providers listing no sites).
    pub sites: Vec<String>,
    /// What the candidates not kept do: `close` (default) or `lower`.
    #[serde(default, skip_serializing_if = "NotKept::is_close")]
    pub others: NotKept,
    /// Services that close with it at each candidate not kept. Default none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    /// Fewest candidates that keep the service. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_keep: Option<u32>,
    /// Most candidates that keep it. Default: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_keep: Option<u32>,
    /// Two or three measures, by summary metric path, each `min` or `max`.
    pub objectives: BTreeMap<String, Direction>,
    /// Replicates per configuration. Default 5.
    #[serde(default = "five")]
    pub replicates: u32,
    /// Master seed. Default 1.
    #[serde(default = "one")]
    pub seed: u64,
    /// Measured years, overriding the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<f64>,
    /// Most configurations measured. Default 200.
    #[serde(default = "two_hundred")]
    pub budget: u32,
    /// Random starting configurations besides the current one. Default 3.
    #[serde(default = "three")]
    pub restarts: u32,
}

fn one() -> u64 {
    1
}
fn three() -> u32 {
    3
}
fn five() -> u32 {
    5
}
fn two_hundred() -> u32 {
    200
}

/// One measured configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// `keep A+B+C`, or `current`.
    pub name: String,
    /// The candidate sites that keep the service.
    pub keep: Vec<String>,
    /// Each objective over the replicates.
    pub objectives: BTreeMap<String, Stat>,
    /// Order in which it was measured (0 first).
    pub order: u32,
}

/// What a search found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchResult {
    /// Version of ccsim.
    pub ccsim_version: String,
    /// The spec, as parsed.
    pub spec: SearchSpec,
    /// Feasible configurations (within min/max keep), and how many were measured.
    pub space: u64,
    /// Configurations measured.
    pub measured: u32,
    /// Whether every archived configuration was explored before the budget ran out.
    pub converged: bool,
    /// The Pareto front, by the first objective.
    pub front: Vec<Evaluation>,
    /// Every configuration measured, in order.
    pub evaluated: Vec<Evaluation>,
    /// Configurations that cannot be made, with the reason (not measured).
    pub refused: BTreeMap<String, String>,
}

/// A set of kept candidates, one bit per candidate.
type Mask = u64;

/// Most candidate sites.
pub const MAX_SITES: usize = 40;

/// Reads and checks a search spec.
pub fn load(path: &Path) -> Result<Search, String> {
    let text = input::read_text(path, input::MAX_JSON_BYTES)?;
    let spec: SearchSpec =
        input::parse_json(&text).map_err(|(at, message)| format!("{}: at `{at}`: {message}", path.display()))?;
    Search::new(spec, path.parent().unwrap_or(Path::new("."))).map_err(|e| format!("{}: {e}", path.display()))
}

/// A search ready to run.
pub struct Search {
    spec: SearchSpec,
    plan: Plan,
    /// The scenario every configuration changes: the base under the arm.
    base: Scenario,
}

impl Search {
    /// Checks a spec; `dir` resolves a relative scenario path.
    pub fn new(spec: SearchSpec, dir: &Path) -> Result<Search, String> {
        let n = spec.sites.len();
        if !(2..=MAX_SITES).contains(&n) {
            return Err(format!("at `sites`: expected 2 to {MAX_SITES} candidate sites, found {n}"));
        }
        if let Some(i) = (1..n).find(|&i| spec.sites[..i].contains(&spec.sites[i])) {
            return Err(format!("at `sites[{i}]`: `{}` is listed twice", spec.sites[i]));
        }
        let (lo, hi) = (spec.min_keep.unwrap_or(1) as usize, spec.max_keep.map_or(n, |m| m as usize));
        if lo == 0 || lo > hi || hi > n {
            return Err(format!(
                "at `min_keep`/`max_keep`: expected 1 ≤ min_keep ≤ max_keep ≤ {n}, found {lo} and {hi}"
            ));
        }
        if !(2..=3).contains(&spec.objectives.len()) {
            return Err(format!("at `objectives`: expected two or three measures, found {}", spec.objectives.len()));
        }
        if spec.replicates == 0 {
            return Err("at `replicates`: expected at least 1 replicate, found 0".into());
        }
        if spec.budget == 0 {
            return Err("at `budget`: expected at least 1 configuration, found 0".into());
        }
        let sweep = SweepSpec {
            scenario: spec.scenario.clone().map(ScenarioRef::One),
            arms: spec.arm.clone().into_iter().collect(),
            parameters: BTreeMap::new(),
            design: super::spec::Design::Grid,
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
        let plan = plan::plan(sweep, dir)?;
        let names = plan.metric_names()?;
        for path in spec.objectives.keys() {
            if !names.contains(path) {
                return Err(format!(
                    "at `objectives.{path}`: no summary metric has this path; nearest: {}",
                    super::paths::nearest(path, &names, 3).join(", ")
                ));
            }
        }
        let base = plan.scenario(0, 0)?;
        // Every candidate is a place that offers the service now (the current
        // configuration keeps them all); closing (or lowering) one alone may
        // still be refused.
        for (i, site) in spec.sites.iter().enumerate() {
            let alone: Vec<Change> = spec.others.changes(site, &spec.service, &spec.with).collect();
            if let Err(e) = configure(&base, &alone)
                && (e.contains("does not offer")
                    || e.contains("no site")
                    || e.contains("no service")
                    || e.contains("already offers"))
            {
                return Err(format!("at `sites[{i}]`: {e}"));
            }
        }
        Ok(Search { spec, plan, base })
    }

    /// Most configurations it measures.
    pub fn budget(&self) -> u64 {
        u64::from(self.spec.budget).min(self.space())
    }

    fn all(&self) -> Mask {
        (1 << self.spec.sites.len()) - 1
    }

    fn feasible(&self, m: Mask) -> bool {
        let k = m.count_ones();
        k >= self.spec.min_keep.unwrap_or(1) && k <= self.spec.max_keep.unwrap_or(self.spec.sites.len() as u32)
    }

    /// Feasible configurations.
    pub fn space(&self) -> u64 {
        let n = self.spec.sites.len() as u64;
        let (lo, hi) = (u64::from(self.spec.min_keep.unwrap_or(1)), self.spec.max_keep.map_or(n, u64::from));
        (lo..=hi).map(|k| binomial(n, k).unwrap_or(u64::MAX)).fold(0, u64::saturating_add)
    }

    fn changes(&self, m: Mask) -> Vec<Change> {
        (0..self.spec.sites.len())
            .filter(|i| m & (1 << i) == 0)
            .flat_map(|i| self.spec.others.changes(&self.spec.sites[i], &self.spec.service, &self.spec.with))
            .collect()
    }

    fn name(&self, m: Mask) -> String {
        if m == self.all() { CURRENT.to_owned() } else { format!("keep {}", self.kept(m).join("+")) }
    }

    fn kept(&self, m: Mask) -> Vec<String> {
        (0..self.spec.sites.len()).filter(|i| m & (1 << i) != 0).map(|i| self.spec.sites[i].clone()).collect()
    }

    /// Each objective's mean over the replicates, or why the configuration cannot be made.
    fn measure(&self, m: Mask) -> Result<BTreeMap<String, Stat>, String> {
        let configured;
        let scenario = if m == self.all() {
            &self.base
        } else {
            configured = configure(&self.base, &self.changes(m))?.0;
            &configured
        };
        let paths: Vec<String> = self.spec.objectives.keys().cloned().collect();
        let mut acc: Vec<Accumulator> = vec![Accumulator::default(); paths.len()];
        for r in 0..self.spec.replicates {
            let out = crate::model::run(scenario, self.plan.seed(0, r), false);
            let summary = serde_json::to_value(&out.summary).map_err(|e| e.to_string())?;
            let flat = flatten(&summary, Some(&paths));
            for (a, p) in acc.iter_mut().zip(&paths) {
                if let Some(&x) = flat.get(p) {
                    a.add(x);
                }
            }
        }
        Ok(paths.into_iter().zip(acc.iter().map(Accumulator::stat)).collect())
    }

    /// The objective vector to minimise.
    fn costs(&self, e: &BTreeMap<String, Stat>) -> Vec<f64> {
        self.spec
            .objectives
            .iter()
            .map(|(k, d)| {
                let x = e.get(k).map_or(f64::NAN, |s| s.mean);
                if *d == Direction::Max { -x } else { x }
            })
            .collect()
    }

    /// Measures `masks` in parallel (in the order given) and records them.
    fn measure_all(&self, masks: &[Mask], state: &mut State) {
        let results: Vec<Result<BTreeMap<String, Stat>, String>> = masks.par_iter().map(|&m| self.measure(m)).collect();
        for (&m, r) in masks.iter().zip(results) {
            match r {
                Ok(objectives) => {
                    let order = state.measured.len() as u32;
                    state.costs.insert(m, self.costs(&objectives));
                    state.measured.insert(m, Evaluation { name: self.name(m), keep: self.kept(m), objectives, order });
                }
                Err(e) => {
                    state.refused.insert(m, e);
                }
            }
        }
    }

    /// The neighbours of `m`: one candidate added, dropped or swapped, feasible only.
    fn neighbours(&self, m: Mask) -> Vec<Mask> {
        let n = self.spec.sites.len();
        let mut out = BTreeSet::new();
        for i in 0..n {
            out.insert(m ^ (1 << i));
            for j in 0..n {
                if m & (1 << i) != 0 && m & (1 << j) == 0 {
                    out.insert(m ^ (1 << i) ^ (1 << j));
                }
            }
        }
        out.into_iter().filter(|&x| self.feasible(x)).collect()
    }

    /// Runs the search; `tick` is called after each batch with the number measured.
    pub fn run(&self, tick: &dyn Fn(u32)) -> SearchResult {
        let budget = self.spec.budget as usize;
        let mut state = State::default();
        let mut rng = crate::model::rng::design_rng(self.spec.seed);
        let mut starts = vec![self.all()];
        let n = self.spec.sites.len() as u32;
        for _ in 0..self.spec.restarts {
            // A random feasible configuration (bounded tries; the space is never empty).
            for _ in 0..1000 {
                let m: Mask = rng.random::<u64>() & self.all();
                if self.feasible(m) {
                    starts.push(m);
                    break;
                }
            }
        }
        let mut starts: Vec<Mask> =
            starts.into_iter().filter(|&m| self.feasible(m)).collect::<BTreeSet<_>>().into_iter().collect();
        if starts.is_empty() {
            // The current configuration keeps more than max_keep: start from the first feasible.
            starts.push((1u64 << self.spec.min_keep.unwrap_or(1).min(n)) - 1);
        }
        starts.truncate(budget);
        self.measure_all(&starts, &mut state);
        tick(state.measured.len() as u32);
        let mut explored: BTreeSet<Mask> = BTreeSet::new();
        let converged = loop {
            // Archived configurations first; then each start's own neighbourhood, dominated or
            // not (a restart is a local search from its start, not only a point for the archive).
            let front = state.front();
            let unexplored = |m: &&Mask| !explored.contains(*m) && state.measured.contains_key(*m);
            let Some(&next) = front.iter().find(unexplored).or_else(|| starts.iter().find(unexplored)) else {
                break true;
            };
            explored.insert(next);
            let new: Vec<Mask> = self
                .neighbours(next)
                .into_iter()
                .filter(|m| !state.measured.contains_key(m) && !state.refused.contains_key(m))
                .collect();
            let room = budget.saturating_sub(state.measured.len() + state.refused.len());
            if room == 0 && !new.is_empty() {
                break false;
            }
            let truncated = new.len() > room;
            self.measure_all(&new[..new.len().min(room)], &mut state);
            tick(state.measured.len() as u32);
            if truncated {
                break false;
            }
        };
        let mut front: Vec<Evaluation> = state.front().iter().map(|m| state.measured[m].clone()).collect();
        let first = self.spec.objectives.keys().next().expect("two or three objectives").clone();
        front.sort_by(|a, b| a.objectives[&first].mean.total_cmp(&b.objectives[&first].mean).then(a.name.cmp(&b.name)));
        let mut evaluated: Vec<Evaluation> = state.measured.values().cloned().collect();
        evaluated.sort_by_key(|e| e.order);
        SearchResult {
            ccsim_version: crate::model::run::VERSION.to_owned(),
            spec: self.spec.clone(),
            space: self.space(),
            measured: evaluated.len() as u32,
            converged,
            front,
            evaluated,
            refused: state.refused.iter().map(|(m, e)| (self.name(*m), e.clone())).collect(),
        }
    }

    /// Measures every feasible configuration and returns the names of the
    /// exact front (for checking the heuristic on a small problem).
    pub fn brute_force_front(&self) -> Vec<String> {
        let masks: Vec<Mask> = (1..=self.all()).filter(|&m| self.feasible(m)).collect();
        let mut state = State::default();
        self.measure_all(&masks, &mut state);
        let mut names: Vec<String> = state.front().iter().map(|&m| self.name(m)).collect();
        names.sort();
        names
    }
}

/// What a search has measured.
#[derive(Default)]
struct State {
    measured: BTreeMap<Mask, Evaluation>,
    costs: BTreeMap<Mask, Vec<f64>>,
    refused: BTreeMap<Mask, String>,
}

impl State {
    /// The measured configurations no other dominates, by mask.
    fn front(&self) -> Vec<Mask> {
        self.costs.iter().filter(|(_, c)| !self.costs.values().any(|d| dominates(d, c))).map(|(m, _)| *m).collect()
    }
}

/// Whether `a` is no worse than `b` in every cost and better in one (NaN never dominates).
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominance_is_strict_somewhere() {
        assert!(dominates(&[1.0, 2.0], &[1.0, 3.0]));
        assert!(!dominates(&[1.0, 2.0], &[1.0, 2.0]));
        assert!(!dominates(&[0.0, 4.0], &[1.0, 3.0]));
        assert!(!dominates(&[f64::NAN, 1.0], &[1.0, 2.0]));
    }
}
