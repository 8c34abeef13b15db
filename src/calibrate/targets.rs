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
    /// Paths summed.
    pub paths: Vec<String>,
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

/// A target's value in one run: the sum of its paths; NaN when one is null
/// (undefined in this run); an error when a path is not there at all.
pub fn value(values: &mut Value, wanted: &[String]) -> Result<f64, String> {
    let mut total = 0.0;
    for p in wanted {
        match paths::get_mut(values, p) {
            Some(Value::Null) => return Ok(f64::NAN),
            Some(v) => match v.as_f64() {
                Some(x) => total += x,
                None => return Err(format!("`{p}` is not a number in a run's result")),
            },
            None => {
                let leaves = paths::leaves(values);
                return Err(format!(
                    "`{p}` is not in a run's result; nearest: {}",
                    paths::nearest(p, &leaves, 3).join(", ")
                ));
            }
        }
    }
    Ok(total)
}

/// Runs `plan`'s scenario at `values` for a week after its warm-up and
/// reads every target from it, so that a misspelt path stops the
/// calibration before anything is written.
pub fn check(plan: &Plan, values: &[Value], targets: &[Target], seed: u64) -> Result<(), String> {
    let mut scenario = plan.scenario_at(values, "the priors' medians")?;
    scenario.time.horizon_weeks = 1;
    let mut result = metrics(&model::run(&scenario, seed, false));
    for (i, t) in targets.iter().enumerate() {
        value(&mut result, &t.paths).map_err(|e| format!("at `targets[{i}].metric`: {e}"))?;
    }
    Ok(())
}
