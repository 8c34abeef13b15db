//! Targets: what a calibration compares with the NHS's figures, read from
//! a run's result by path (`summary.…`, `providers.<id>.…`,
//! `catchments.<provider id>.<district>`; summed when several).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::model;
use crate::sweep::paths;

/// The parts of a run a target's path may start with.
pub const ROOTS: [&str; 3] = ["summary", "providers", "catchments"];

/// A target, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Name in the outputs.
    pub name: String,
    /// The base scenario it is read from (its place in the calibration's bases).
    pub base: usize,
    /// Paths summed (or averaged with `weights`).
    pub paths: Vec<String>,
    /// A weighted mean's weights, one path per value.
    pub weights: Option<Vec<String>>,
    /// Observed value.
    pub observed: f64,
    /// Its standard deviation.
    pub sd: f64,
}

/// The values a run result offers to targets: its summary, its providers,
/// and each provider's catchment — the share of the patients it treated
/// in the measured window who live in each of the scenario's districts
/// (a locality with no district is its own), as OHID's catchments give
/// them; null for a provider that treated nobody.
pub fn metrics(result: &model::RunOutput, scenario: &model::Scenario) -> Value {
    let district: BTreeMap<&str, &str> =
        scenario.localities.iter().map(|l| (l.id.as_str(), l.district.as_deref().unwrap_or(&l.id))).collect();
    let mut districts: Vec<&str> = district.values().copied().collect();
    districts.sort_unstable();
    districts.dedup();
    let mut treated: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    for f in &result.map.flows {
        let d = district.get(f.locality.as_str()).copied().unwrap_or(f.locality.as_str());
        *treated.entry(f.provider.as_str()).or_default().entry(d).or_insert(0.0) += f.patients as f64;
    }
    let catchments: Map<String, Value> = scenario
        .providers
        .iter()
        .map(|p| {
            let from = treated.get(p.id.as_str());
            let total: f64 = from.map_or(0.0, |m| m.values().sum());
            let shares: Map<String, Value> = districts
                .iter()
                .map(|d| {
                    let n = from.and_then(|m| m.get(d)).copied().unwrap_or(0.0);
                    ((*d).to_owned(), if total > 0.0 { Value::from(n / total) } else { Value::Null })
                })
                .collect();
            (p.id.clone(), Value::Object(shares))
        })
        .collect();
    json!({
        "summary": serde_json::to_value(&result.summary).expect("a summary always serialises"),
        "providers": serde_json::to_value(&result.providers).expect("providers always serialise"),
        "catchments": catchments,
    })
}

/// The number at `p` (NaN when null: undefined in this run); an error when
/// the path is not there at all, or not a number.
fn number(values: &Value, p: &str) -> Result<f64, String> {
    match paths::get(values, p) {
        Some(Value::Null) => Ok(f64::NAN),
        Some(v) => v.as_f64().ok_or_else(|| format!("`{p}` is not a number in a run's result")),
        None => {
            let leaves = paths::leaves(values);
            Err(format!("`{p}` is not in a run's result; nearest: {}", paths::nearest(p, &leaves, 3).join(", ")))
        }
    }
}

/// A target's value in one run: the sum of its paths (NaN when one is
/// undefined), or their weighted mean over the terms with a value and a
/// weight above 0 (NaN when there are none). A path that checked but is
/// not in this run's result — a provider's service gone in a takeover,
/// its patients with the acquirer — counts 0 in a sum and is left out of
/// a mean; a target none of whose paths is there is NaN.
pub fn value(values: &Value, t: &Target) -> Result<f64, String> {
    let present = |p: &str| match number(values, p) {
        Ok(x) => Ok(Some(x)),
        Err(_) if paths::get(values, p).is_none() => Ok(None),
        Err(e) => Err(e),
    };
    let Some(weights) = &t.weights else {
        let mut total = None;
        for p in &t.paths {
            if let Some(x) = present(p)? {
                total = Some(total.unwrap_or(0.0) + x);
            }
        }
        return Ok(total.unwrap_or(f64::NAN));
    };
    let (mut sum, mut total) = (0.0, 0.0);
    for (p, w) in t.paths.iter().zip(weights) {
        if let (Some(x), Some(w)) = (present(p)?, present(w)?)
            && x.is_finite()
            && w > 0.0
        {
            sum += x * w;
            total += w;
        }
    }
    Ok(if total > 0.0 { sum / total } else { f64::NAN })
}

/// Runs `scenario` (a base at the priors' medians) for a week after its
/// warm-up and reads its targets from it (each with its place in the
/// spec), so that a misspelt path stops the calibration before anything is
/// written.
pub fn check(mut scenario: model::Scenario, targets: &[(usize, &Target)], seed: u64) -> Result<(), String> {
    scenario.time.horizon_weeks = 1;
    let result = metrics(&model::run(&scenario, seed, false), &scenario);
    for &(i, t) in targets {
        for p in t.paths.iter().chain(t.weights.iter().flatten()) {
            number(&result, p).map_err(|e| format!("at `targets[{i}].metric`: {e}"))?;
        }
    }
    Ok(())
}
