//! Scenario discovery by PRIM, the patient rule induction method (Friedman
//! & Fisher 1999, as used for scenario discovery by Bryant & Lempert 2010):
//! which box of the parameter space holds the points where a condition on
//! a measure is true (say, collaboration's adverse-outcome rate below
//! competition's)?
//!
//! Peeling starts from the box around every point and, step by step, cuts
//! away the share `alpha` of the box's points at one end of one parameter —
//! the cut that leaves the highest density (share of the box's points where
//! the condition holds) — until the box holds less than `min_mass` of the
//! points. Each step's box is one point of the coverage–density trade-off
//! (coverage: the share of all points where the condition holds that the
//! box holds). The chosen box is the densest with at least `min_coverage`;
//! pasting then widens it, one end at a time, while that raises its density.
//! Each restricted parameter gets a quasi-p-value (Bryant & Lempert 2010;
//! the EMA Workbench's test): the chance that a box as dense would arise
//! from the box without that restriction by drawing its points at random,
//! P(Binomial(n, d_without) ≥ hits). Everything is deterministic: ties go to
//! the smaller cut, then the earlier parameter, then the lower end.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, DiscreteCDF};

/// PRIM's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Share of the box's points a peel removes.
    pub alpha: f64,
    /// Peeling stops before the box holds less than this share of the points.
    pub min_mass: f64,
    /// The chosen box is the densest with at least this coverage.
    pub min_coverage: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { alpha: 0.05, min_mass: 0.05, min_coverage: 0.8 }
    }
}

/// One box: bounds per parameter (inclusive), and how it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// [lower, upper] per parameter.
    pub bounds: Vec<[f64; 2]>,
    /// Share of the points where the condition holds that are in the box.
    pub coverage: f64,
    /// Share of the box's points where the condition holds.
    pub density: f64,
    /// Share of all points in the box.
    pub mass: f64,
    /// Points in the box.
    pub points: usize,
}

/// A restricted parameter of the chosen box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Restriction {
    /// Parameter index.
    pub parameter: usize,
    /// The box's bounds on it.
    pub bounds: [f64; 2],
    /// The data's range of it.
    pub range: [f64; 2],
    /// Quasi-p-value of the restriction.
    pub quasi_p: f64,
}

/// PRIM's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    /// The peeling trajectory: the whole box first, then each peel's box.
    pub trajectory: Vec<Found>,
    /// Index in the trajectory of the box chosen for pasting.
    pub chosen_step: usize,
    /// The chosen box after pasting.
    pub chosen: Found,
    /// Its restrictions, most significant first.
    pub restrictions: Vec<Restriction>,
}

fn inside(x: &[f64], bounds: &[[f64; 2]]) -> bool {
    x.iter().zip(bounds).all(|(v, [lo, hi])| lo <= v && v <= hi)
}

fn measure(xs: &[Vec<f64>], y: &[bool], bounds: &[[f64; 2]]) -> Found {
    let total_hits = y.iter().filter(|&&h| h).count();
    let (mut n, mut hits) = (0, 0);
    for (x, &h) in xs.iter().zip(y) {
        if inside(x, bounds) {
            n += 1;
            hits += usize::from(h);
        }
    }
    Found {
        bounds: bounds.to_vec(),
        coverage: if total_hits > 0 { hits as f64 / total_hits as f64 } else { 0.0 },
        density: if n > 0 { hits as f64 / n as f64 } else { 0.0 },
        mass: n as f64 / xs.len().max(1) as f64,
        points: n,
    }
}

/// The candidate cut at one end of one parameter: the new bound that
/// removes about `alpha` of the box's points there (at least one value).
fn cut(values: &mut [f64], alpha: f64, lower: bool) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let k = ((alpha * n as f64).ceil() as usize).clamp(1, n.saturating_sub(1).max(1));
    if n < 2 {
        return None;
    }
    if lower {
        // Keep values ≥ the k-th smallest distinct step up.
        let bound = values[k];
        (bound > values[0]).then_some(bound)
    } else {
        let bound = values[n - 1 - k];
        (bound < values[n - 1]).then_some(bound)
    }
}

/// Runs PRIM on points `xs` (one row per point, one column per parameter)
/// where the condition is `y`.
pub fn prim(xs: &[Vec<f64>], y: &[bool], settings: Settings) -> Result<Discovery, String> {
    let k = xs.first().map_or(0, Vec::len);
    if xs.is_empty() || k == 0 {
        return Err("no points or no parameters to search".into());
    }
    if !y.iter().any(|&h| h) {
        return Err("the condition holds at no point: there is nothing to find".into());
    }
    let range: Vec<[f64; 2]> = (0..k)
        .map(|j| {
            let (lo, hi) =
                xs.iter().map(|x| x[j]).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            [lo, hi]
        })
        .collect();
    let mut bounds = range.clone();
    let mut trajectory = vec![measure(xs, y, &bounds)];
    loop {
        let current = trajectory.last().expect("the whole box is there");
        let mut best: Option<(Found, usize)> = None;
        for j in 0..k {
            for lower in [true, false] {
                let mut values: Vec<f64> = xs.iter().filter(|x| inside(x, &bounds)).map(|x| x[j]).collect();
                let Some(bound) = cut(&mut values, settings.alpha, lower) else { continue };
                let mut b = bounds.clone();
                b[j][usize::from(!lower)] = bound;
                let f = measure(xs, y, &b);
                if f.mass < settings.min_mass || f.points == 0 || f.points >= current.points {
                    continue;
                }
                let removed = current.points - f.points;
                let better = match &best {
                    None => true,
                    Some((g, r)) => f.density > g.density || (f.density == g.density && removed < *r),
                };
                if better {
                    best = Some((f, removed));
                }
            }
        }
        let Some((f, _)) = best else { break };
        bounds = f.bounds.clone();
        trajectory.push(f);
    }
    // The densest box with enough coverage (the whole box if none has).
    let chosen_step = (0..trajectory.len())
        .filter(|&i| trajectory[i].coverage >= settings.min_coverage)
        .fold(0, |best, i| if trajectory[i].density > trajectory[best].density { i } else { best });
    let mut chosen = trajectory[chosen_step].clone();
    // Pasting: widen one end at a time while density rises.
    loop {
        let mut best: Option<Found> = None;
        for j in 0..k {
            for lower in [true, false] {
                let side = usize::from(!lower);
                if chosen.bounds[j][side] == range[j][side] {
                    continue;
                }
                // The points just outside this end, inside the box on every other parameter.
                let mut outside: Vec<f64> = xs
                    .iter()
                    .filter(|x| {
                        (0..k).all(|i| i == j || (chosen.bounds[i][0] <= x[i] && x[i] <= chosen.bounds[i][1]))
                            && if lower { x[j] < chosen.bounds[j][0] } else { x[j] > chosen.bounds[j][1] }
                    })
                    .map(|x| x[j])
                    .collect();
                if outside.is_empty() {
                    continue;
                }
                outside.sort_by(f64::total_cmp);
                let take = ((settings.alpha * chosen.points as f64).ceil() as usize).clamp(1, outside.len());
                let bound = if lower { outside[outside.len() - take] } else { outside[take - 1] };
                let mut b = chosen.bounds.clone();
                b[j][side] = bound;
                let f = measure(xs, y, &b);
                if f.density > chosen.density && best.as_ref().is_none_or(|g| f.density > g.density) {
                    best = Some(f);
                }
            }
        }
        match best {
            Some(f) => chosen = f,
            None => break,
        }
    }
    let mut restrictions: Vec<Restriction> = (0..k)
        .filter(|&j| chosen.bounds[j] != range[j])
        .map(|j| {
            let mut relaxed = chosen.bounds.clone();
            relaxed[j] = range[j];
            let without = measure(xs, y, &relaxed);
            let hits = (chosen.density * chosen.points as f64).round() as u64;
            let quasi_p = match Binomial::new(without.density, chosen.points as u64) {
                Ok(b) if hits > 0 => b.sf(hits - 1),
                _ => 1.0,
            };
            Restriction { parameter: j, bounds: chosen.bounds[j], range: range[j], quasi_p }
        })
        .collect();
    restrictions.sort_by(|a, b| a.quasi_p.total_cmp(&b.quasi_p).then(a.parameter.cmp(&b.parameter)));
    Ok(Discovery { trajectory, chosen_step, chosen, restrictions })
}

/// A condition on a measure: `> 0`, `<= 0.01`...
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// `>`, `>=`, `<` or `<=`.
    pub op: Op,
    /// The threshold.
    pub value: f64,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Greater than.
    #[serde(rename = ">")]
    Greater,
    /// Greater than or equal.
    #[serde(rename = ">=")]
    AtLeast,
    /// Less than.
    #[serde(rename = "<")]
    Less,
    /// Less than or equal.
    #[serde(rename = "<=")]
    AtMost,
}

impl Condition {
    /// Parses `> 0`, `>=0.5`, `< -1e-3`.
    pub fn parse(s: &str) -> Result<Condition, String> {
        let t = s.trim();
        let (op, rest) = [(">=", Op::AtLeast), ("<=", Op::AtMost), (">", Op::Greater), ("<", Op::Less)]
            .iter()
            .find_map(|(sym, op)| t.strip_prefix(sym).map(|r| (*op, r)))
            .ok_or_else(|| format!("expected a comparison such as `> 0` or `<= 0.01`, found `{s}`"))?;
        let value: f64 =
            rest.trim().parse().map_err(|_| format!("expected a number after the comparison, found `{s}`"))?;
        if !value.is_finite() {
            return Err(format!("expected a finite number, found `{s}`"));
        }
        Ok(Condition { op, value })
    }

    /// Whether `x` meets it.
    pub fn holds(&self, x: f64) -> bool {
        match self.op {
            Op::Greater => x > self.value,
            Op::AtLeast => x >= self.value,
            Op::Less => x < self.value,
            Op::AtMost => x <= self.value,
        }
    }

    /// As written.
    pub fn text(&self) -> String {
        let op = match self.op {
            Op::Greater => ">",
            Op::AtLeast => ">=",
            Op::Less => "<",
            Op::AtMost => "<=",
        };
        format!("{op} {}", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_and_hold() {
        let c = Condition::parse(" >= 0.5").expect("parses");
        assert!(c.holds(0.5) && !c.holds(0.49));
        assert!(Condition::parse("< -1e-3").expect("parses").holds(-0.01));
        for bad in ["0", "> x", "=> 1", ">", "> inf"] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_quasi_p_value_is_the_binomial_tail() {
        // 10 points, all hits, inside a relaxed box of density 1/2: P(X ≥ 10) = 2^-10.
        let xs: Vec<Vec<f64>> = (0..20).map(|i| vec![f64::from(i) / 19.0]).collect();
        let y: Vec<bool> = (0..20).map(|i| i >= 10).collect();
        let d = prim(&xs, &y, Settings { alpha: 0.1, min_mass: 0.05, min_coverage: 0.9 }).expect("found");
        assert_eq!((d.chosen.points, d.chosen.density), (10, 1.0));
        assert_eq!(d.restrictions.len(), 1);
        assert!((d.restrictions[0].quasi_p - 0.5f64.powi(10)).abs() < 1e-12, "{:?}", d.restrictions);
    }
}

/// What `ccsim discover` found in a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepDiscovery {
    /// Version of ccsim.
    pub ccsim_version: String,
    /// The arm or difference searched.
    pub target: String,
    /// The measure.
    pub metric: String,
    /// The condition on the measure's mean at each point.
    pub condition: Condition,
    /// The parameters, in column order.
    pub parameters: Vec<String>,
    /// Design points used.
    pub points: usize,
    /// Points where the condition holds.
    pub hits: usize,
    /// PRIM's settings.
    pub settings: Settings,
    /// What PRIM found.
    pub discovery: Discovery,
}

/// PRIM over a finished sweep's points: each point's parameters, and
/// whether the mean of `metric` for `target` (an arm, or a difference
/// `"B - A"`; the first difference, or the only arm, when `None`) meets the
/// condition there.
pub fn in_sweep(
    spec: &super::spec::SweepSpec,
    summary: &super::summary::SweepSummary,
    target: Option<&str>,
    metric: &str,
    condition: Condition,
    settings: Settings,
) -> Result<SweepDiscovery, String> {
    use super::spec::Design;
    if spec.design == Design::Morris {
        return Err("a `morris` design's trajectories do not sample the space evenly; discover needs a `random`, `latin_hypercube`, `sobol`, `grid` or `points` design".into());
    }
    let first = summary.points.first().ok_or("the sweep has no points")?;
    let target = match target {
        Some(t) => t.to_owned(),
        None => first
            .differences
            .keys()
            .next()
            .or_else(|| first.arms.keys().next())
            .cloned()
            .ok_or("the sweep has no arms")?,
    };
    // The target and metric checked as `ccsim sensitivity` checks them (with the nearest names).
    super::sensitivity::selections(summary, &[format!("{target}:{metric}")])?;
    let parameters: Vec<String> = summary
        .layout
        .parameters
        .iter()
        .filter(|p| summary.points.iter().all(|pt| pt.parameters.get(*p).is_some_and(serde_json::Value::is_number)))
        .cloned()
        .collect();
    if parameters.is_empty() {
        return Err("the sweep varies no numeric parameter".into());
    }
    let mut xs = Vec::new();
    let mut y = Vec::new();
    for p in &summary.points {
        let stats = p.arms.get(&target).or_else(|| p.differences.get(&target));
        let Some(stat) = stats.and_then(|s| s.metrics.get(metric)) else {
            // A point where the measure is undefined (e.g. no rural patients) is left out.
            continue;
        };
        xs.push(parameters.iter().map(|n| p.parameters[n].as_f64().unwrap_or(f64::NAN)).collect());
        y.push(condition.holds(stat.mean));
    }
    if xs.is_empty() {
        return Err(format!("no point of the sweep has `{metric}` for `{target}`"));
    }
    let hits = y.iter().filter(|&&h| h).count();
    let discovery = prim(&xs, &y, settings)?;
    Ok(SweepDiscovery {
        ccsim_version: crate::model::run::VERSION.to_owned(),
        target,
        metric: metric.to_owned(),
        condition,
        parameters,
        points: xs.len(),
        hits,
        settings,
        discovery,
    })
}
