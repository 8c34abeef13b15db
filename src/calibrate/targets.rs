//! Targets: what a calibration compares with the NHS's figures, read from
//! a run's result by path (`summary.…`, `providers.<id>.…`, summed when
//! several).

use serde_json::{Value, json};

use crate::model;
use crate::sweep::paths;
use crate::sweep::plan::Plan;

/// A target, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Name in the outputs.
    pub name: String,
    /// Paths summed (or averaged with `weights`).
    pub paths: Vec<String>,
    /// A weighted mean's weights, one path per value.
    pub weights: Option<Vec<String>>,
    /// Observed value.
    pub observed: f64,
    /// Its standard deviation.
    pub sd: f64,
}

/// The values a run result offers to targets: its summary and providers.
pub fn metrics(result: &model::RunOutput) -> Value {
    json!({
        "summary": serde_json::to_value(&result.summary).expect("a summary always serialises"),
        "providers": serde_json::to_value(&result.providers).expect("providers always serialise"),
    })
}

/// The number at `p` (NaN when null: undefined in this run); an error when
/// the path is not there at all, or not a number.
fn number(values: &mut Value, p: &str) -> Result<f64, String> {
    match paths::get_mut(values, p) {
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
pub fn value(values: &mut Value, t: &Target) -> Result<f64, String> {
    let mut present = |p: &str| match number(values, p) {
        Ok(x) => Ok(Some(x)),
        Err(_) if paths::get_mut(values, p).is_none() => Ok(None),
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

/// Runs `plan`'s scenario at `values` for a week after its warm-up and
/// reads every target from it, so that a misspelt path stops the
/// calibration before anything is written.
pub fn check(plan: &Plan, values: &[Value], targets: &[Target], seed: u64) -> Result<(), String> {
    let mut scenario = plan.scenario_at(values, "the priors' medians")?;
    scenario.time.horizon_weeks = 1;
    let mut result = metrics(&model::run(&scenario, seed, false));
    for (i, t) in targets.iter().enumerate() {
        for p in t.paths.iter().chain(t.weights.iter().flatten()) {
            number(&mut result, p).map_err(|e| format!("at `targets[{i}].metric`: {e}"))?;
        }
    }
    Ok(())
}
