//! A `posterior` design: points drawn by weight from the particles of a
//! calibration (`ccsim calibrate`'s `posterior.json`), so that a sweep's
//! results carry the parameters' remaining uncertainty as well as seed
//! noise. The summary over those points (`summary.json`'s `posterior`) is
//! [`super::summary::PosteriorSummary`].

use std::collections::BTreeMap;
use std::path::Path;

use rand::{RngExt, SeedableRng};
use serde_json::Value;

use super::design;
use crate::input;
use crate::model::rng::SimRng;

/// Stream of the draw (distinct from every run seed's stream, which is a point number).
const DRAW_STREAM: u64 = 1 << 60;

/// Reads the particles of `file` (relative to the working directory, else
/// to `spec_dir`; refused when both name different files) and draws `samples` of them by weight (systematic
/// resampling from one uniform of the seed's own stream), in particle order.
pub fn draw(file: &str, spec_dir: &Path, samples: u32, seed: u64) -> Result<Vec<BTreeMap<String, Value>>, String> {
    let path = super::spec::resolve(file, spec_dir).map_err(|e| format!("at `posterior`: {e}"))?;
    let at = |m: String| format!("at `posterior`: {}: {m}", path.display());
    let text = input::read_text(&path, input::MAX_JSON_BYTES).map_err(|e| format!("at `posterior`: {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| at(format!("not JSON ({e})")))?;
    let particles = v.get("particles").and_then(Value::as_array).filter(|p| !p.is_empty()).ok_or_else(|| {
        at("expected `particles`, a list of weighted parameter values, as `ccsim calibrate` writes".into())
    })?;
    let mut rows = Vec::with_capacity(particles.len());
    let mut weights = Vec::with_capacity(particles.len());
    for (i, p) in particles.iter().enumerate() {
        let w = p.get("weight").and_then(Value::as_f64).filter(|w| w.is_finite() && *w >= 0.0);
        let w = w.ok_or_else(|| at(format!("at `particles[{i}].weight`: expected a weight ≥ 0")))?;
        let params = p
            .get("parameters")
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty() && m.values().all(|x| x.as_f64().is_some_and(f64::is_finite)))
            .ok_or_else(|| at(format!("at `particles[{i}].parameters`: expected parameter values by path")))?;
        let row: BTreeMap<String, Value> = params.iter().map(|(k, x)| (k.clone(), x.clone())).collect();
        if let Some(first) = rows.first()
            && !row.keys().eq(BTreeMap::keys(first))
        {
            return Err(at(format!("at `particles[{i}].parameters`: expected the parameters of the first particle")));
        }
        rows.push(row);
        weights.push(w);
    }
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return Err(at("the particles' weights sum to 0".into()));
    }
    if samples == 0 || u64::from(samples) > design::MAX_POINTS {
        return Err(format!("at `samples`: expected 1 to {} points, found {samples}", design::MAX_POINTS));
    }
    let mut rng = SimRng::seed_from_u64(seed);
    rng.set_stream(DRAW_STREAM);
    let start: f64 = rng.random::<f64>() / f64::from(samples);
    let (mut out, mut acc, mut i) = (Vec::with_capacity(samples as usize), 0.0, 0);
    for k in 0..samples {
        let u = start + f64::from(k) / f64::from(samples);
        while i + 1 < weights.len() && acc + weights[i] / total <= u {
            acc += weights[i] / total;
            i += 1;
        }
        out.push(rows[i].clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posterior(weights: &[f64]) -> tempfile::NamedTempFile {
        let particles: Vec<Value> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| serde_json::json!({"weight": w, "parameters": {"choice.beta_wait": i as f64}}))
            .collect();
        let f = tempfile::NamedTempFile::new().expect("temp");
        std::fs::write(f.path(), serde_json::to_vec(&serde_json::json!({"particles": particles})).expect("JSON"))
            .expect("write");
        f
    }

    #[test]
    fn draws_follow_the_weights() {
        let f = posterior(&[0.1, 0.0, 0.6, 0.3]);
        let rows = draw(f.path().to_str().expect("utf-8"), Path::new("."), 1000, 4).expect("draws");
        let count = |v: f64| rows.iter().filter(|r| r["choice.beta_wait"].as_f64() == Some(v)).count();
        // Systematic resampling: each particle within one draw of its share.
        assert!((99..=101).contains(&count(0.0)), "{}", count(0.0));
        assert_eq!(count(1.0), 0);
        assert!((599..=601).contains(&count(2.0)));
        assert!((299..=301).contains(&count(3.0)));
        assert_eq!(rows, draw(f.path().to_str().expect("utf-8"), Path::new("."), 1000, 4).expect("again"));
        let bad = posterior(&[0.0, 0.0]);
        assert!(
            draw(bad.path().to_str().expect("utf-8"), Path::new("."), 10, 1).expect_err("zero").contains("sum to 0")
        );
    }
}
