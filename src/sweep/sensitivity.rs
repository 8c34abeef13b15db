//! Which parameters the answer hangs on: Morris elementary effects and
//! Sobol indices, from a finished sweep of a `morris` or `sobol` design.
//!
//! The target of an analysis is one summary metric of one arm, or of the
//! paired difference between arms ("collaboration - competition"), at each
//! design point (the mean over the point's replicates).
//!
//! - **Morris** (Morris 1991; μ* of Campolongo, Cariboni & Saltelli 2007):
//!   each step of a trajectory moves one parameter by Δ in the unit cube;
//!   its elementary effect is the change in the target over Δ. μ is their
//!   mean, μ* the mean of their absolute values, σ their standard deviation;
//!   μ*'s 95% interval comes from resampling whole trajectories.
//! - **Sobol** (Saltelli et al. 2010): from the model at rows of A, B and
//!   AB_i (A with column i from B), with V the variance and m the mean of
//!   f(A) and f(B) together, the first-order index is
//!   S_i = mean((f(B) − m)·(f(AB_i) − f(A)))/V (centring leaves the
//!   estimator's expectation alone and keeps a large mean from swamping it)
//!   and the total-order index (Jansen 1999) is
//!   ST_i = mean((f(A) − f(AB_i))²)/(2V). 95% intervals come from resampling
//!   the base rows with replacement (1,000 bootstrap samples, seeded by the
//!   sweep's master seed).

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::design::{factors, unit_of_values, unit_points};
use super::spec::{Design, SweepSpec};
use super::summary::SweepSummary;
use crate::model::rng::design_rng;

/// Bootstrap resamples for Sobol intervals.
pub const BOOTSTRAP: u32 = 1000;

/// Morris measures of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MorrisIndex {
    /// Parameter path.
    pub parameter: String,
    /// Mean elementary effect (target units per unit of the parameter's range).
    pub mu: f64,
    /// Mean absolute elementary effect.
    pub mu_star: f64,
    /// Its bootstrap 95% interval (resampling trajectories).
    pub mu_star_ci: [f64; 2],
    /// Standard deviation of the elementary effects.
    pub sigma: f64,
}

/// Sobol indices of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolIndex {
    /// Parameter path.
    pub parameter: String,
    /// First-order index.
    pub first: f64,
    /// Its bootstrap 95% interval.
    pub first_ci: [f64; 2],
    /// Total-order index.
    pub total: f64,
    /// Its bootstrap 95% interval.
    pub total_ci: [f64; 2],
}

/// The indices of one target, ranked (by μ* or by the total-order index).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum Indices {
    /// Morris measures.
    Morris {
        /// Ranked by μ*.
        parameters: Vec<MorrisIndex>,
    },
    /// Sobol indices.
    Sobol {
        /// V(A, B): the variance of the target over the A and B rows, the
        /// denominator of every index.
        variance: f64,
        /// Ranked by the total-order index; empty when undefined.
        parameters: Vec<SobolIndex>,
        /// Why no index is defined: the target does not vary over the
        /// design beyond rounding. Absent when the indices are defined.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        undefined: Option<String>,
        /// The indices from the first 8, 16, 32… base rows (and all of
        /// them), so a reader sees whether `samples` was enough.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        convergence: Vec<Convergence>,
        /// Second-order indices of every pair, largest first (a design
        /// with `second_order`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        second_order: Vec<SecondOrderIndex>,
    },
}

/// Sobol indices from a prefix of the base rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Convergence {
    /// Base rows used (the first this many).
    pub rows: usize,
    /// First-order indices, in the order of the ranked `parameters`.
    pub first: Vec<f64>,
    /// Total-order indices, in the same order.
    pub total: Vec<f64>,
}

/// Indices from nested prefixes of the base rows: the first 8, 16, 32…
/// rows (a scrambled Sobol sequence is balanced at every power of two) and
/// all of them; `order` gives the parameter of each output position.
/// Prefixes whose V(A, B) is undefined are left out.
pub fn convergence(y: &[f64], k: usize, width: usize, order: &[usize]) -> Vec<Convergence> {
    let rows = y.len() / width;
    let mut sizes: Vec<usize> =
        std::iter::successors(Some(8usize), |n| n.checked_mul(2)).take_while(|&n| n < rows).collect();
    sizes.push(rows);
    sizes
        .into_iter()
        .filter_map(|n| {
            let pick: Vec<usize> = (0..n).collect();
            let (_, first, total) = sobol_estimate(y, k, width, &pick).ok()?;
            Some(Convergence {
                rows: n,
                first: order.iter().map(|&i| first[i]).collect(),
                total: order.iter().map(|&i| total[i]).collect(),
            })
        })
        .collect()
}

/// One analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResult {
    /// Arm, or difference of arms (`"collaboration - competition"`).
    pub target: String,
    /// Summary metric path.
    pub metric: String,
    /// Share of the variance between design points that replicate noise
    /// alone would give: the mean over points of sd²/n (the variance of a
    /// point's mean) over the variance of the point means. `null` with one
    /// replicate. Near 0 the indices describe the model; near 1 they
    /// describe noise.
    pub noise_share: Option<f64>,
    /// Whether replicate noise is more than [`NOISE_LIMIT`] of the variance
    /// between points: the indices then rank noise as much as parameters,
    /// and are not to be read as a ranking (more replicates are needed).
    #[serde(default)]
    pub noisy: bool,
    /// The indices.
    pub indices: Indices,
}

/// `ccsim sensitivity`'s result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityReport {
    /// Version of ccsim.
    pub ccsim_version: String,
    /// `morris` or `sobol`.
    pub design: Design,
    /// Parameters analysed.
    pub parameters: Vec<String>,
    /// One per target and metric.
    pub results: Vec<TargetResult>,
}

/// The elementary effects of each parameter, one per trajectory, from the
/// target at the design's unit points (trajectories of k + 1 points, one
/// parameter moving per step).
pub fn elementary_effects(unit: &[Vec<f64>], y: &[f64], k: usize) -> Vec<Vec<f64>> {
    let mut effects: Vec<Vec<f64>> = vec![Vec::new(); k];
    for (t, chunk) in unit.chunks(k + 1).enumerate() {
        for s in 0..k {
            let (a, b) = (&chunk[s], &chunk[s + 1]);
            let Some(j) = (0..k).find(|&j| (a[j] - b[j]).abs() > 1e-12) else { continue };
            let i = t * (k + 1) + s;
            effects[j].push((y[i + 1] - y[i]) / (b[j] - a[j]));
        }
    }
    effects
}

/// Mean and sample variance (n − 1 in the denominator; 0 with fewer than two values).
fn mean_variance(xs: &[f64]) -> (f64, f64) {
    let mean = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    let variance = xs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (xs.len() as f64 - 1.0).max(1.0);
    (mean, variance)
}

/// Morris μ, μ* and σ per parameter from the target at the design's unit points.
pub fn morris(unit: &[Vec<f64>], y: &[f64], k: usize) -> Vec<(f64, f64, f64)> {
    morris_measures(&elementary_effects(unit, y, k))
}

/// μ, μ* and σ of each parameter's elementary effects.
fn morris_measures(effects: &[Vec<f64>]) -> Vec<(f64, f64, f64)> {
    effects
        .iter()
        .map(|e| {
            let (mu, variance) = mean_variance(e);
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / e.len().max(1) as f64;
            (mu, mu_star, variance.sqrt())
        })
        .collect()
}

/// The 2.5% and 97.5% points of sorted bootstrap values.
fn percentile_interval(v: &mut [f64]) -> [f64; 2] {
    if v.is_empty() {
        // No resample was defined (a target that varies in only a handful
        // of rows): the interval is unknown, so as wide as an index can be.
        return [f64::MIN, f64::MAX];
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    [at(0.025), at(0.975)]
}

/// Bootstrap 95% intervals of μ*, resampling whole trajectories.
pub fn morris_intervals(effects: &[Vec<f64>], seed: u64) -> Vec<[f64; 2]> {
    let r = effects.iter().map(Vec::len).min().unwrap_or(0);
    if r == 0 {
        return vec![[0.0, 0.0]; effects.len()];
    }
    let mut rng = design_rng(seed ^ 0x3022_15A7);
    let mut boot = vec![Vec::with_capacity(BOOTSTRAP as usize); effects.len()];
    let mut pick = vec![0; r];
    for _ in 0..BOOTSTRAP {
        for p in pick.iter_mut() {
            *p = rng.random_range(0..r);
        }
        for (e, b) in effects.iter().zip(boot.iter_mut()) {
            b.push(pick.iter().map(|&t| e[t].abs()).sum::<f64>() / r as f64);
        }
    }
    boot.iter_mut().map(|b| percentile_interval(b)).collect()
}

/// Below this ratio of the standard deviation of the A and B rows to the
/// target's largest magnitude, V(A, B) is rounding, not variation, and the
/// indices (ratios to it) would be noise of any size.
pub const VARIANCE_TOLERANCE: f64 = 1e-9;

/// V(A, B), and the first- and total-order index of each parameter.
type Estimate = (f64, Vec<f64>, Vec<f64>);

/// V(A, B) and the first- and total-order indices from the target at rows
/// [A, B, AB_1..AB_k] of each base row in `pick` (all of them, or a
/// bootstrap resample); `Err` with V(A, B) and the scale when V(A, B) is
/// below [`VARIANCE_TOLERANCE`].
fn sobol_estimate(y: &[f64], k: usize, width: usize, pick: &[usize]) -> Result<Estimate, (f64, f64)> {
    let at = |row: usize, col: usize| y[row * width + col];
    let n = pick.len() as f64;
    let all: Vec<f64> = pick.iter().flat_map(|&r| [at(r, 0), at(r, 1)]).collect();
    let (mean, var) = mean_variance(&all);
    let scale = all.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    // NaN (from a non-finite target) counts as undefined too.
    let defined = var.sqrt() > VARIANCE_TOLERANCE * scale;
    if !defined {
        return Err((var, scale));
    }
    let (mut first, mut total) = (vec![0.0; k], vec![0.0; k]);
    for i in 0..k {
        let (mut s, mut t) = (0.0, 0.0);
        for &r in pick {
            let (a, b, ab) = (at(r, 0), at(r, 1), at(r, 2 + i));
            s += (b - mean) * (ab - a);
            t += (a - ab).powi(2);
        }
        first[i] = s / n / var;
        total[i] = t / (2.0 * n) / var;
    }
    Ok((var, first, total))
}

/// Sobol indices with bootstrap 95% intervals (over the resamples whose
/// V(A, B) is defined), V(A, B), and why no index is defined if none is.
pub fn sobol(y: &[f64], k: usize, parameters: &[String], seed: u64) -> (f64, Vec<SobolIndex>, Option<String>) {
    let r = sobol_analysis(y, k, parameters, seed, false);
    (r.variance, r.indices, r.undefined)
}

/// [`sobol`], with the indices from nested prefixes of the base rows.
pub fn sobol_with_convergence(
    y: &[f64],
    k: usize,
    parameters: &[String],
    seed: u64,
) -> (f64, Vec<SobolIndex>, Option<String>, Vec<Convergence>) {
    let r = sobol_analysis(y, k, parameters, seed, false);
    (r.variance, r.indices, r.undefined, r.convergence)
}

/// Everything a Sobol design gives for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolAnalysis {
    /// V(A, B).
    pub variance: f64,
    /// First- and total-order indices, ranked by the total order.
    pub indices: Vec<SobolIndex>,
    /// Why no index is defined, if none is.
    pub undefined: Option<String>,
    /// Indices from nested prefixes of the base rows.
    pub convergence: Vec<Convergence>,
    /// Second-order indices of each pair (when the design has BA rows),
    /// largest first.
    pub second_order: Vec<SecondOrderIndex>,
}

/// The second-order index of a pair of parameters: the share of variance
/// their interaction alone explains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondOrderIndex {
    /// The pair.
    pub parameters: [String; 2],
    /// S_ij.
    pub index: f64,
    /// Its bootstrap 95% interval.
    pub ci: [f64; 2],
}

/// S_ij for each pair i < j (in pair order) from rows [A, B, AB_1..AB_k,
/// BA_1..BA_k] of each base row in `pick` (Saltelli 2002: V_ij^c =
/// E[f(BA_i) f(AB_j)] − E[f(A) f(B)], S_ij = V_ij^c / V − S_i − S_j,
/// with every value centred on the A and B rows' mean, which leaves the
/// expectations unchanged and keeps a large offset from eating the digits).
fn second_order_estimate(y: &[f64], k: usize, pick: &[usize], mean: f64, var: f64, first: &[f64]) -> Vec<f64> {
    let width = 2 * k + 2;
    let at = |row: usize, col: usize| y[row * width + col] - mean;
    let n = pick.len() as f64;
    let mut out = Vec::with_capacity(k * (k - 1) / 2);
    for i in 0..k {
        for j in i + 1..k {
            let v: f64 = pick.iter().map(|&r| at(r, 2 + k + i) * at(r, 2 + j) - at(r, 0) * at(r, 1)).sum::<f64>() / n;
            out.push(v / var - first[i] - first[j]);
        }
    }
    out
}

/// Sobol indices with bootstrap 95% intervals (over the resamples whose
/// V(A, B) is defined), their convergence over nested prefixes of the base
/// rows, and with `second_order` the indices of every pair.
pub fn sobol_analysis(y: &[f64], k: usize, parameters: &[String], seed: u64, second_order: bool) -> SobolAnalysis {
    let width = if second_order { 2 * k + 2 } else { k + 2 };
    let rows = y.len() / width;
    let all: Vec<usize> = (0..rows).collect();
    let (variance, first, total) = match sobol_estimate(y, k, width, &all) {
        Ok(e) => e,
        Err((var, scale)) => {
            let why = format!(
                "the measure does not vary over the design beyond rounding (standard deviation {:.3e} against values up to {scale:.3e}), so no Sobol index is defined",
                var.sqrt()
            );
            return SobolAnalysis {
                variance: var,
                indices: Vec::new(),
                undefined: Some(why),
                convergence: Vec::new(),
                second_order: Vec::new(),
            };
        }
    };
    let ab_mean =
        |pick: &[usize]| pick.iter().map(|&r| y[r * width] + y[r * width + 1]).sum::<f64>() / (2.0 * pick.len() as f64);
    let pairs =
        if second_order { second_order_estimate(y, k, &all, ab_mean(&all), variance, &first) } else { Vec::new() };
    let mut rng = design_rng(seed ^ 0xB007_5742);
    let mut boot_first = vec![Vec::with_capacity(BOOTSTRAP as usize); k];
    let mut boot_total = vec![Vec::with_capacity(BOOTSTRAP as usize); k];
    let mut boot_pairs = vec![Vec::with_capacity(BOOTSTRAP as usize); pairs.len()];
    let mut pick = vec![0; rows];
    for _ in 0..BOOTSTRAP {
        for p in pick.iter_mut() {
            *p = rng.random_range(0..rows);
        }
        if let Ok((var, f, t)) = sobol_estimate(y, k, width, &pick) {
            for i in 0..k {
                boot_first[i].push(f[i]);
                boot_total[i].push(t[i]);
            }
            if second_order {
                for (b, v) in boot_pairs.iter_mut().zip(second_order_estimate(y, k, &pick, ab_mean(&pick), var, &f)) {
                    b.push(v);
                }
            }
        }
    }
    let mut out: Vec<SobolIndex> = (0..k)
        .map(|i| SobolIndex {
            parameter: parameters[i].clone(),
            first: first[i],
            first_ci: percentile_interval(&mut boot_first[i]),
            total: total[i],
            total_ci: percentile_interval(&mut boot_total[i]),
        })
        .collect();
    out.sort_by(|a, b| b.total.total_cmp(&a.total).then_with(|| a.parameter.cmp(&b.parameter)));
    let order: Vec<usize> =
        out.iter().map(|o| parameters.iter().position(|p| *p == o.parameter).expect("one of the parameters")).collect();
    let steps = convergence(y, k, width, &order);
    let mut second: Vec<SecondOrderIndex> = Vec::new();
    let mut p = 0;
    for i in 0..k {
        for j in i + 1..k {
            if second_order {
                second.push(SecondOrderIndex {
                    parameters: [parameters[i].clone(), parameters[j].clone()],
                    index: pairs[p],
                    ci: percentile_interval(&mut boot_pairs[p]),
                });
            }
            p += 1;
        }
    }
    second.sort_by(|a, b| b.index.total_cmp(&a.index).then_with(|| a.parameters.cmp(&b.parameters)));
    SobolAnalysis { variance, indices: out, undefined: None, convergence: steps, second_order: second }
}

/// The bootstrap seed of one target and metric: the master seed mixed with
/// an FNV-1a hash of their names, so an interval never depends on which
/// other metrics were asked for, or in what order.
fn bootstrap_seed(master: u64, target: &str, metric: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in target.bytes().chain([0]).chain(metric.bytes()) {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    master ^ h
}

/// The targets a summary offers for a metric: every arm and every difference.
pub fn targets(summary: &SweepSummary) -> Vec<String> {
    let mut out = summary.layout.arms.clone();
    if let Some(p) = summary.points.first() {
        out.extend(p.differences.keys().cloned());
    }
    out
}

/// Every metric path of a summary.
pub fn metric_names(summary: &SweepSummary) -> Vec<String> {
    let mut out: Vec<String> = summary
        .points
        .first()
        .and_then(|p| p.arms.values().next())
        .map(|a| a.metrics.keys().cloned().collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// The target's value at every design point, in point order.
fn values(summary: &SweepSummary, target: &str, metric: &str) -> Result<Vec<f64>, String> {
    if summary.points.len() != summary.layout.points {
        return Err(format!(
            "the summary holds {} of the design's {} points; finish the sweep first",
            summary.points.len(),
            summary.layout.points
        ));
    }
    summary
        .points
        .iter()
        .map(|p| {
            let stats = p.arms.get(target).or_else(|| p.differences.get(target));
            stats
                .and_then(|s| s.metrics.get(metric))
                .map(|s| s.mean)
                .ok_or_else(|| format!("point {}: `{metric}` of `{target}` is undefined there", p.point))
        })
        .collect()
}

/// The replicate noise share above which a measure's indices are not
/// ranked: past a half, most of what separates the points is noise.
pub const NOISE_LIMIT: f64 = 0.5;

/// The replicate noise share of a target (see [`TargetResult::noise_share`]).
fn noise_share(summary: &SweepSummary, target: &str, metric: &str, y: &[f64]) -> Option<f64> {
    let noise: Vec<f64> = summary
        .points
        .iter()
        .filter_map(|p| {
            let s = p.arms.get(target).or_else(|| p.differences.get(target))?.metrics.get(metric)?;
            Some(s.sd? * s.sd? / s.n as f64)
        })
        .collect();
    if noise.len() != y.len() {
        return None;
    }
    let (_, between) = mean_variance(y);
    let noise = noise.iter().sum::<f64>() / noise.len() as f64;
    Some(if between > 0.0 {
        (noise / between).min(1.0)
    } else if noise > 0.0 {
        1.0
    } else {
        0.0
    })
}

/// Parses a metric selector: `PATH` (every target) or `TARGET:PATH`.
pub(super) fn selections(summary: &SweepSummary, selectors: &[String]) -> Result<Vec<(String, String)>, String> {
    let targets = targets(summary);
    let metrics = metric_names(summary);
    let mut out = Vec::new();
    for sel in selectors {
        let (chosen, metric) = match sel.rsplit_once(':') {
            Some((t, m)) => (vec![t.trim().to_owned()], m.trim()),
            None => (targets.clone(), sel.trim()),
        };
        for t in &chosen {
            if !targets.contains(t) {
                return Err(format!("unknown target `{t}`; the valid targets are: {}", targets.join(", ")));
            }
        }
        if !metrics.iter().any(|m| m == metric) {
            return Err(format!(
                "unknown metric `{metric}`; the nearest valid metrics are: {} (every metric is a key of a point's \
                 `arms.<arm>.metrics` in summary.json)",
                super::paths::nearest(metric, &metrics, 8).join(", ")
            ));
        }
        out.extend(chosen.into_iter().map(|t| (t, metric.to_owned())));
    }
    Ok(out)
}

/// Analyses a finished sweep of a `morris` or `sobol` design for the
/// selected metrics.
pub fn analyse(spec: &SweepSpec, summary: &SweepSummary, selectors: &[String]) -> Result<SensitivityReport, String> {
    if !spec.design.is_sensitivity() {
        return Err(format!(
            "the sweep's design is `{}`; sensitivity needs a `morris` or `sobol` design (the valid choices)",
            serde_json::to_value(spec.design).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        ));
    }
    let parameters: Vec<String> =
        summary.layout.parameters.iter().filter(|p| p.as_str() != "scenario").cloned().collect();
    if summary.layout.parameters.iter().any(|p| p == "scenario") {
        return Err("sensitivity of a sweep over several scenarios is not defined; sweep one scenario".into());
    }
    // Grouped parameters are one factor, named by the group.
    let (factor_names, factor_of) = factors(spec, &parameters);
    let k = factor_names.len();
    // The coordinates of the values that ran (integers as rounded), not the
    // design's nominal ones; a group's from its first member.
    let per_parameter = unit_of_values(spec, &parameters, summary.points.iter().map(|p| &p.parameters))?;
    let unit: Vec<Vec<f64>> = per_parameter
        .iter()
        .map(|row| {
            (0..k).map(|f| row[factor_of.iter().position(|&g| g == f).expect("every factor has a member")]).collect()
        })
        .collect();
    let parameters = factor_names;
    if unit.len() != unit_points(spec, k)?.len() {
        return Err("the summary's points are not the design's (a partial or adaptive sweep?)".into());
    }
    let mut results = Vec::new();
    for (target, metric) in selections(summary, selectors)? {
        let y = values(summary, &target, &metric)?;
        let seed = bootstrap_seed(spec.seed, &target, &metric);
        let noise_share = noise_share(summary, &target, &metric, &y);
        let indices = match spec.design {
            Design::Morris => {
                let effects = elementary_effects(&unit, &y, k);
                let intervals = morris_intervals(&effects, seed);
                let mut ps: Vec<MorrisIndex> = morris_measures(&effects)
                    .into_iter()
                    .zip(&parameters)
                    .zip(intervals)
                    .map(|(((mu, mu_star, sigma), p), mu_star_ci)| MorrisIndex {
                        parameter: p.clone(),
                        mu,
                        mu_star,
                        mu_star_ci,
                        sigma,
                    })
                    .collect();
                ps.sort_by(|a, b| b.mu_star.total_cmp(&a.mu_star).then_with(|| a.parameter.cmp(&b.parameter)));
                Indices::Morris { parameters: ps }
            }
            _ => {
                let r = sobol_analysis(&y, k, &parameters, seed, spec.second_order == Some(true));
                Indices::Sobol {
                    variance: r.variance,
                    parameters: r.indices,
                    undefined: r.undefined,
                    convergence: r.convergence,
                    second_order: r.second_order,
                }
            }
        };
        let noisy = noise_share.is_some_and(|s| s > NOISE_LIMIT);
        results.push(TargetResult { target, metric, noise_share, noisy, indices });
    }
    Ok(SensitivityReport {
        ccsim_version: crate::model::run::VERSION.to_owned(),
        design: spec.design,
        parameters,
        results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_constant_but_for_rounding_has_no_indices() {
        // Two parameters; the target is 1/3, computed in ways that differ in the last bit.
        let (k, rows) = (2, 64);
        let y: Vec<f64> = (0..rows * (k + 2)).map(|i| (i % 7 + 1) as f64 / (3 * (i % 7 + 1)) as f64).collect();
        let (variance, indices, undefined) = sobol(&y, k, &["a".into(), "b".into()], 1);
        assert!(indices.is_empty(), "{indices:?}");
        assert!(undefined.is_some_and(|w| w.contains("does not vary")));
        assert!(variance < 1e-30, "{variance}");
        // A target that varies has indices.
        let y: Vec<f64> = (0..rows * (k + 2)).map(|i| ((i * 7919) % 101) as f64).collect();
        let (_, indices, undefined) = sobol(&y, k, &["a".into(), "b".into()], 1);
        assert!(undefined.is_none() && indices.len() == 2);
    }

    #[test]
    fn bootstrap_seeds_depend_on_the_names_not_the_order() {
        assert_eq!(bootstrap_seed(7, "competition", "a.b"), bootstrap_seed(7, "competition", "a.b"));
        assert_ne!(bootstrap_seed(7, "competition", "a.b"), bootstrap_seed(7, "competition", "a.c"));
        assert_ne!(bootstrap_seed(7, "competitio", "na.b"), bootstrap_seed(7, "competition", "a.b"));
    }
}
