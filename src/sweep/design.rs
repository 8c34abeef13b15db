//! Design points: a grid of value lists or ranges, uniform random samples,
//! or a Latin hypercube, all drawn from the master seed.

use rand::RngExt;
use serde_json::Value;

use super::paths;
use super::spec::{Design, ParamSpec, SweepSpec};
use crate::model::rng::design_rng;

/// The values of one grid parameter.
fn grid_values(path: &str, p: &ParamSpec) -> Result<Vec<Value>, String> {
    let at = format!("at `parameters.{path}`");
    match (&p.values, p.from, p.to, p.step) {
        (Some(v), None, None, None) => Ok(v.clone()),
        (None, Some(from), Some(to), Some(step)) => {
            if !(step.is_finite() && step > 0.0 && from.is_finite() && to.is_finite() && to >= from) {
                return Err(format!("{at}: expected from ≤ to and step > 0, found from {from}, to {to}, step {step}"));
            }
            let n = ((to - from) / step + 1e-9).floor() as u64;
            if n > 1_000_000 {
                return Err(format!("{at}: the range has {n} steps; expected at most 1,000,000"));
            }
            Ok((0..=n).map(|i| Value::from(from + i as f64 * step)).collect())
        }
        _ => Err(format!("{at}: a grid parameter needs either `values` or all of `from`, `to` and `step`")),
    }
}

/// The range of one sampled parameter.
fn range(path: &str, p: &ParamSpec) -> Result<(f64, f64), String> {
    match (p.min, p.max, &p.values, p.from) {
        (Some(lo), Some(hi), None, None) if lo.is_finite() && hi.is_finite() && lo <= hi => Ok((lo, hi)),
        (Some(lo), Some(hi), None, None) => {
            Err(format!("at `parameters.{path}`: expected min ≤ max, found min {lo}, max {hi}"))
        }
        _ => Err(format!("at `parameters.{path}`: a random or Latin-hypercube parameter needs `min` and `max`")),
    }
}

/// A sampled value, as an integer where the scenario's field is one.
fn sampled(x: f64, integer: bool) -> Value {
    if integer { Value::from(x.round() as i64) } else { Value::from(x) }
}

/// The design's points: for each, one value per parameter (in `paths` order).
pub fn points(spec: &SweepSpec, parameter_paths: &[String], base: &Value) -> Result<Vec<Vec<Value>>, String> {
    let params: Vec<&ParamSpec> = parameter_paths.iter().map(|p| &spec.parameters[p]).collect();
    match spec.design {
        Design::Grid => {
            if spec.samples.is_some() {
                return Err("at `samples`: a grid design takes its points from the values; remove `samples`".into());
            }
            let lists: Vec<Vec<Value>> =
                parameter_paths.iter().zip(&params).map(|(path, p)| grid_values(path, p)).collect::<Result<_, _>>()?;
            let total: usize = lists.iter().map(Vec::len).product();
            if total > 10_000_000 {
                return Err(format!("the grid has {total} points; expected at most 10,000,000"));
            }
            let mut out = Vec::with_capacity(total);
            for mut i in 0..total {
                let mut point = vec![Value::Null; lists.len()];
                for (slot, list) in point.iter_mut().zip(&lists).rev() {
                    *slot = list[i % list.len()].clone();
                    i /= list.len();
                }
                out.push(point);
            }
            Ok(out)
        }
        Design::Random | Design::LatinHypercube => {
            let n = spec.samples.ok_or("at `samples`: a random or Latin-hypercube design needs `samples`")?;
            if n == 0 {
                return Err("at `samples`: expected at least 1 sample, found 0".into());
            }
            let ranges: Vec<(f64, f64)> =
                parameter_paths.iter().zip(&params).map(|(path, p)| range(path, p)).collect::<Result<_, _>>()?;
            let integer: Vec<bool> = parameter_paths
                .iter()
                .map(|path| {
                    let mut copy = base.clone();
                    paths::get_mut(&mut copy, path).is_some_and(|v| v.is_u64() || v.is_i64())
                })
                .collect();
            let mut rng = design_rng(spec.seed);
            let n = n as usize;
            let mut out = vec![Vec::with_capacity(ranges.len()); n];
            for (j, &(lo, hi)) in ranges.iter().enumerate() {
                let mut strata: Vec<usize> = (0..n).collect();
                if spec.design == Design::LatinHypercube {
                    for i in (1..n).rev() {
                        strata.swap(i, rng.random_range(0..=i));
                    }
                }
                for (i, point) in out.iter_mut().enumerate() {
                    let u: f64 = rng.random();
                    let x = match spec.design {
                        Design::LatinHypercube => (strata[i] as f64 + u) / n as f64,
                        _ => u,
                    };
                    point.push(sampled(lo + x * (hi - lo), integer[j]));
                }
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn spec(design: Design, params: Vec<(&str, ParamSpec)>, samples: Option<u32>) -> SweepSpec {
        SweepSpec {
            scenario: None,
            arms: Vec::new(),
            parameters: params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<BTreeMap<_, _>>(),
            design,
            samples,
            replicates: 1,
            seed: 5,
            years: None,
            metrics: None,
        }
    }

    #[test]
    fn grids_are_cartesian_products_with_ranges_inclusive() {
        let a = ParamSpec { values: Some(vec![1.into(), 2.into()]), ..ParamSpec::default() };
        let b = ParamSpec { from: Some(0.0), to: Some(1.0), step: Some(0.5), ..ParamSpec::default() };
        let s = spec(Design::Grid, vec![("a", a), ("b", b)], None);
        let pts = points(&s, &["a".into(), "b".into()], &Value::Null).expect("grid");
        assert_eq!(pts.len(), 6);
        assert_eq!(pts[0], [Value::from(1), Value::from(0.0)]);
        assert_eq!(pts[5], [Value::from(2), Value::from(1.0)]);
    }

    #[test]
    fn a_latin_hypercube_puts_one_point_in_every_stratum() {
        let r = ParamSpec { min: Some(10.0), max: Some(20.0), ..ParamSpec::default() };
        let s = spec(Design::LatinHypercube, vec![("x", r.clone()), ("y", r)], Some(50));
        let pts = points(&s, &["x".into(), "y".into()], &Value::Null).expect("lhs");
        for j in 0..2 {
            let mut strata: Vec<usize> =
                pts.iter().map(|p| ((p[j].as_f64().expect("number") - 10.0) / 10.0 * 50.0) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..50).collect::<Vec<_>>());
        }
        assert_eq!(pts, points(&s, &["x".into(), "y".into()], &Value::Null).expect("again"), "reproducible");
    }
}
