//! Design points: a grid of value lists or ranges, uniform random samples,
//! a Latin hypercube, Morris trajectories or Saltelli's Sobol sampling, all
//! drawn from the master seed. The sensitivity estimators
//! (`super::sensitivity`) read the same points back through [`unit_points`].

use rand::RngExt;
use serde_json::Value;

use super::inputs::Input;
use super::paths;
use super::spec::{Design, ParamSpec, Points, SweepSpec};
use crate::model::rng::{SimRng, design_rng};

/// The values of one grid parameter.
fn grid_values(path: &str, p: &ParamSpec) -> Result<Vec<Value>, String> {
    let at = format!("at `parameters.{path}");
    if p.distribution.is_some()
        || p.mean.is_some()
        || p.sd.is_some()
        || p.mode.is_some()
        || p.min.is_some()
        || p.max.is_some()
    {
        return Err(format!(
            "{at}`: a grid parameter takes `values` or `from`/`to`/`step`; `min`, `max` and distributions are for sampled designs"
        ));
    }
    match (&p.values, p.from, p.to, p.step) {
        (Some(v), None, None, None) if v.is_empty() => Err(format!("{at}.values`: expected at least one value")),
        (Some(v), None, None, None) => Ok(v.clone()),
        (None, Some(from), Some(to), Some(step)) => {
            if !(step.is_finite() && step > 0.0 && from.is_finite() && to.is_finite() && to >= from) {
                return Err(format!("{at}`: expected from ≤ to and step > 0, found from {from}, to {to}, step {step}"));
            }
            let n = ((to - from) / step + 1e-9).floor() as u64;
            if n > 1_000_000 {
                return Err(format!("{at}`: the range has {n} steps; expected at most 1,000,000"));
            }
            Ok((0..=n).map(|i| Value::from(from + i as f64 * step)).collect())
        }
        _ => Err(format!("{at}`: a grid parameter needs either `values` or all of `from`, `to` and `step`")),
    }
}

/// Most design points a sweep may have, whatever the design. Planning holds
/// every point in memory, about 24 + 32·k bytes for k parameters (0.35 GB
/// for ten parameters at the limit); run ids, seeds and the resume bitmap
/// are sized from it.
pub const MAX_POINTS: u64 = 1_000_000;

/// Refuses a design of more than [`MAX_POINTS`] points before any is made.
fn check_points(points: Option<u64>, what: &str) -> Result<(), String> {
    match points {
        Some(n) if n <= MAX_POINTS => Ok(()),
        Some(n) => Err(format!(
            "{what} gives {n} design points; expected at most {MAX_POINTS} (each point is held in memory while planning)"
        )),
        None => Err(format!("{what} gives more design points than can be counted; expected at most {MAX_POINTS}")),
    }
}

/// The value at unit coordinate `u` of a sampled parameter: its
/// distribution's quantile. An integer parameter with a uniform input takes
/// the integers of its range, each on an equal slice of [0, 1] (so a Latin
/// hypercube's strata and a Sobol sequence's balance fall on integers that
/// exist, each equally often); on a Morris grid (`grid`) it takes the
/// integer nearest the level; other inputs are rounded. The estimators use
/// the values that ran, so a rounded step is divided by its real size.
fn sampled(u: f64, input: &Input, integer: bool, grid: bool) -> Value {
    if !integer {
        return Value::from(input.quantile(u));
    }
    let v = match (input, grid) {
        (Input::Uniform(lo, hi), false) => {
            let (lo, hi) = (lo.ceil(), hi.floor().max(lo.ceil()));
            (lo + (u * (hi - lo + 1.0)).floor()).min(hi)
        }
        _ => input.quantile(u).round(),
    };
    Value::from(v as i64)
}

/// The design's points: for each, one value per parameter (in `paths` order).
pub fn points(spec: &SweepSpec, parameter_paths: &[String], base: &Value) -> Result<Vec<Vec<Value>>, String> {
    if let (Design::Points | Design::Posterior, Some(Points::Rows(rows))) = (spec.design, &spec.points) {
        check_points(Some(rows.len() as u64), "at `points`: the list")?;
        return Ok(rows.iter().map(|r| parameter_paths.iter().map(|p| r[p].clone()).collect()).collect());
    }
    let params: Vec<&ParamSpec> = parameter_paths.iter().map(|p| &spec.parameters[p]).collect();
    let design = serde_json::to_value(spec.design).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let stray = [
        ("samples", spec.samples.is_some() && matches!(spec.design, Design::Grid | Design::Morris | Design::Points)),
        ("trajectories", spec.trajectories.is_some() && spec.design != Design::Morris),
        ("levels", spec.levels.is_some() && spec.design != Design::Morris),
        ("candidates", spec.candidates.is_some() && spec.design != Design::Morris),
        ("second_order", spec.second_order.is_some() && spec.design != Design::Sobol),
    ];
    if let Some((field, _)) = stray.iter().find(|(_, bad)| *bad) {
        return Err(format!("at `{field}`: a `{design}` design does not take `{field}`; remove it"));
    }
    match spec.design {
        Design::Grid => {
            let lists: Vec<Vec<Value>> =
                parameter_paths.iter().zip(&params).map(|(path, p)| grid_values(path, p)).collect::<Result<_, _>>()?;
            let total = lists.iter().try_fold(1u64, |n, l| n.checked_mul(l.len() as u64));
            check_points(total, "at `parameters`: the grid")?;
            let total = total.unwrap_or(0) as usize;
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
        Design::Points => Err("at `points`: a `points` design needs `points`".into()),
        Design::Posterior => Err("at `posterior`: a `posterior` design needs `posterior` and `samples`".into()),
        Design::Random | Design::LatinHypercube | Design::Morris | Design::Sobol => {
            let inputs: Vec<Input> = parameter_paths
                .iter()
                .zip(&params)
                .map(|(path, p)| Input::from_spec(path, p))
                .collect::<Result<_, _>>()?;
            if spec.design == Design::Morris
                && let Some(path) = parameter_paths.iter().zip(&inputs).find(|(_, i)| !i.bounded()).map(|(p, _)| p)
            {
                return Err(format!(
                    "at `parameters.{path}.distribution`: a Morris grid reaches the ends of every range, and a `normal` input has none; use `truncated_normal`"
                ));
            }
            let integer: Vec<bool> = parameter_paths
                .iter()
                .map(|path| paths::get(base, path).is_some_and(|v| v.is_u64() || v.is_i64()))
                .collect();
            let (names, factor_of) = factors(spec, parameter_paths);
            if let Some((path, _)) = parameter_paths
                .iter()
                .zip(&params)
                .find(|(_, p)| p.group.as_deref().is_some_and(|g| g.trim().is_empty()))
            {
                return Err(format!("at `parameters.{path}.group`: expected a group name, found a blank"));
            }
            let unit = unit_points(spec, names.len())?;
            Ok(unit
                .into_iter()
                .map(|u| {
                    factor_of
                        .iter()
                        .zip(&inputs)
                        .zip(&integer)
                        .map(|((&f, input), &int)| sampled(u[f], input, int, spec.design == Design::Morris))
                        .collect()
                })
                .collect())
        }
    }
}

/// The factors of a sampled design: each parameter is one, except that
/// parameters sharing a `group` are one between them (named by the group).
/// Returns the factors' names, in order of first appearance over the
/// sorted parameter paths, and each parameter's factor.
pub fn factors(spec: &SweepSpec, parameter_paths: &[String]) -> (Vec<String>, Vec<usize>) {
    let mut names: Vec<String> = Vec::new();
    let mut factor_of = Vec::with_capacity(parameter_paths.len());
    for path in parameter_paths {
        let name = spec.parameters.get(path).and_then(|p| p.group.clone()).unwrap_or_else(|| path.clone());
        let f = match names.iter().position(|n| *n == name) {
            Some(f) => f,
            None => {
                names.push(name);
                names.len() - 1
            }
        };
        factor_of.push(f);
    }
    (names, factor_of)
}

/// The design's points in the unit cube (one coordinate per factor, in
/// [0, 1]), before scaling to the parameters' ranges.
pub fn unit_points(spec: &SweepSpec, k: usize) -> Result<Vec<Vec<f64>>, String> {
    let mut rng = design_rng(spec.seed);
    match spec.design {
        Design::Grid | Design::Points | Design::Posterior => {
            Err("a grid, points or posterior design has no unit points".into())
        }
        Design::Random | Design::LatinHypercube => {
            let n = samples(spec)?;
            check_points(Some(u64::from(n)), &format!("at `samples`: {n} samples"))?;
            let n = n as usize;
            let mut out = vec![Vec::with_capacity(k); n];
            for _ in 0..k {
                let mut strata: Vec<usize> = (0..n).collect();
                if spec.design == Design::LatinHypercube {
                    for i in (1..n).rev() {
                        strata.swap(i, rng.random_range(0..=i));
                    }
                }
                for (i, point) in out.iter_mut().enumerate() {
                    let u: f64 = rng.random();
                    point.push(match spec.design {
                        Design::LatinHypercube => (strata[i] as f64 + u) / n as f64,
                        _ => u,
                    });
                }
            }
            Ok(out)
        }
        Design::Morris => {
            if k == 0 {
                return Err("at `parameters`: a Morris design needs at least one parameter".into());
            }
            let r = spec.trajectories.ok_or("at `trajectories`: a Morris design needs `trajectories`")?;
            if r == 0 {
                return Err("at `trajectories`: expected at least 1 trajectory, found 0".into());
            }
            check_points(
                u64::from(r).checked_mul(k as u64 + 1),
                &format!("at `trajectories`: {r} trajectories of {} points", k + 1),
            )?;
            let levels = spec.levels.unwrap_or(4);
            if levels < 2 || levels % 2 == 1 {
                return Err(format!("at `levels`: expected an even number of levels, at least 2, found {levels}"));
            }
            let trajectory = |rng: &mut SimRng| morris_trajectory(rng, k, levels);
            let chosen = match spec.candidates {
                None => (0..r).map(|_| trajectory(&mut rng)).collect::<Vec<_>>(),
                Some(m) if m > MAX_CANDIDATES => {
                    return Err(format!(
                        "at `candidates`: expected at most {MAX_CANDIDATES} candidate trajectories, found {m}"
                    ));
                }
                Some(m) if m < r => {
                    return Err(format!(
                        "at `candidates` and at `trajectories`: {m} candidates cannot give {r} trajectories; expected candidates ≥ trajectories"
                    ));
                }
                Some(m) => {
                    let all: Vec<Vec<Vec<f64>>> = (0..m).map(|_| trajectory(&mut rng)).collect();
                    spread_out(&all, r as usize).into_iter().map(|i| all[i].clone()).collect()
                }
            };
            Ok(chosen.into_iter().flatten().collect())
        }
        Design::Sobol => {
            let n = samples(spec)?;
            if k == 0 || 2 * k > 256 {
                return Err(format!("at `parameters`: a Sobol design takes 1 to 128 parameters, found {k}"));
            }
            if n > 65_536 {
                return Err(format!("at `samples`: a Sobol design takes at most 65,536 base rows, found {n}"));
            }
            let width = sobol_width(spec, k);
            check_points(
                u64::from(n).checked_mul(width as u64),
                &format!("at `samples`: {n} Sobol base rows of {width} points"),
            )?;
            let seed = (spec.seed ^ (spec.seed >> 32)) as u32;
            let mut out = Vec::with_capacity(n as usize * width);
            for row in 0..n {
                let u: Vec<f64> = (0..2 * k as u32).map(|d| f64::from(sobol_burley::sample(row, d, seed))).collect();
                let (a, b) = u.split_at(k);
                out.push(a.to_vec());
                out.push(b.to_vec());
                for i in 0..k {
                    let mut ab = a.to_vec();
                    ab[i] = b[i];
                    out.push(ab);
                }
                if width > k + 2 {
                    // Second order: B with each column in turn from A.
                    for i in 0..k {
                        let mut ba = b.to_vec();
                        ba[i] = a[i];
                        out.push(ba);
                    }
                }
            }
            Ok(out)
        }
    }
}

/// The unit coordinates of the values that ran: each value's probability
/// under its parameter's distribution ((value − min)/(max − min) for a
/// uniform input; 0 for a range of one value), so that an integer
/// parameter's effect is divided by the step it actually took.
pub fn unit_of_values<'a>(
    spec: &SweepSpec,
    parameters: &[String],
    points: impl Iterator<Item = &'a std::collections::BTreeMap<String, Value>>,
) -> Result<Vec<Vec<f64>>, String> {
    let inputs: Vec<Input> = parameters
        .iter()
        .map(|p| Input::from_spec(p, spec.parameters.get(p).unwrap_or(&ParamSpec::default())))
        .collect::<Result<_, _>>()?;
    points
        .enumerate()
        .map(|(i, values)| {
            parameters
                .iter()
                .zip(&inputs)
                .map(|(p, input)| {
                    let v = values
                        .get(p)
                        .and_then(Value::as_f64)
                        .ok_or_else(|| format!("point {i} has no number for `{p}`"))?;
                    Ok(input.cdf(v))
                })
                .collect()
        })
        .collect()
}

/// Points per base row of a Sobol design: A, B and AB_1..AB_k, and with
/// `second_order` also BA_1..BA_k (Saltelli 2002).
pub fn sobol_width(spec: &SweepSpec, k: usize) -> usize {
    if spec.second_order == Some(true) { 2 * k + 2 } else { k + 2 }
}

/// Most candidate trajectories a Morris design may choose from (the
/// selection compares every pair: 10⁶ pairs at the limit).
pub const MAX_CANDIDATES: u32 = 1000;

/// One Morris trajectory of k + 1 points on a grid of `levels` levels
/// (even): a base point with each coordinate on any level, then each
/// parameter in a random order moved by Δ = levels/2 levels — up from the
/// lower half of the grid, down from the upper half, so that steps go both
/// ways and every level is visited (Morris 1991).
fn morris_trajectory(rng: &mut SimRng, k: usize, levels: u32) -> Vec<Vec<f64>> {
    let half = levels / 2;
    let top = f64::from(levels - 1);
    let mut at: Vec<u32> = (0..k).map(|_| rng.random_range(0..levels)).collect();
    let mut order: Vec<usize> = (0..k).collect();
    for i in (1..k).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let unit = |at: &[u32]| at.iter().map(|&l| f64::from(l) / top).collect::<Vec<f64>>();
    let mut out = vec![unit(&at)];
    for &j in &order {
        at[j] = if at[j] < half { at[j] + half } else { at[j] - half };
        out.push(unit(&at));
    }
    out
}

/// The squared spread of a trajectory pair (Campolongo et al. 2007): the
/// sum over their points' pairs of the Euclidean distance.
fn distance(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| x.iter().zip(y).map(|(u, v)| (u - v).powi(2)).sum::<f64>().sqrt()))
        .sum()
}

/// The `r` of `all` trajectories that cover the space best: Campolongo's
/// criterion (the sum of squared pairwise distances), maximised by removing,
/// one at a time, the trajectory that contributes least (Ruano et al.
/// 2012's greedy version; ties to the later index). Indices, ascending.
pub fn spread_out(all: &[Vec<Vec<f64>>], r: usize) -> Vec<usize> {
    let m = all.len();
    let mut d2 = vec![0.0; m * m];
    for i in 0..m {
        for j in i + 1..m {
            let d = distance(&all[i], &all[j]);
            d2[i * m + j] = d * d;
            d2[j * m + i] = d * d;
        }
    }
    let mut kept: Vec<usize> = (0..m).collect();
    while kept.len() > r {
        let contribution = |i: usize| kept.iter().map(|&j| d2[i * m + j]).sum::<f64>();
        let (pos, _) = kept
            .iter()
            .enumerate()
            .map(|(pos, &i)| (pos, contribution(i)))
            .fold((0, f64::INFINITY), |best, (pos, c)| if c <= best.1 { (pos, c) } else { best });
        kept.remove(pos);
    }
    kept
}

/// The criterion [`spread_out`] maximises, for a set of trajectories.
pub fn spread(all: &[Vec<Vec<f64>>], chosen: &[usize]) -> f64 {
    let mut total = 0.0;
    for (a, &i) in chosen.iter().enumerate() {
        for &j in &chosen[a + 1..] {
            total += distance(&all[i], &all[j]).powi(2);
        }
    }
    total
}

/// Δ of a Morris grid of `levels` levels: p/(2(p − 1)).
pub fn morris_delta(levels: u32) -> f64 {
    let p = f64::from(levels);
    p / (2.0 * (p - 1.0))
}

fn samples(spec: &SweepSpec) -> Result<u32, String> {
    let n = spec.samples.ok_or("at `samples`: a random, Latin-hypercube or Sobol design needs `samples`")?;
    if n == 0 {
        return Err("at `samples`: expected at least 1 sample, found 0".into());
    }
    Ok(n)
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
            common_seeds: false,
            seed: 5,
            years: None,
            metrics: None,
            trajectories: None,
            levels: None,
            candidates: None,
            second_order: None,
            points: None,
            posterior: None,
            timeseries: None,
            configurations: None,
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
