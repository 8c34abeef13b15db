//! Summary statistics of replicates: mean, standard deviation and a 95%
//! confidence interval from Student's t, accumulated in replicate order in
//! one pass so that the same runs always give the same bits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, standard deviation and 95% confidence interval of a metric over replicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Replicates with a value (a metric may be undefined in some runs).
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (`null` for one replicate).
    pub sd: Option<f64>,
    /// 95% confidence interval of the mean, mean ± t(0.975, n − 1)·sd/√n (`null` for one replicate).
    pub ci95: Option<[f64; 2]>,
}

/// Mean and spread of values seen one at a time (Welford's method); the
/// same values in the same order give the same bits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Accumulator {
    n: u64,
    mean: f64,
    squares: f64,
}

impl Accumulator {
    /// One value.
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let before = x - self.mean;
        self.mean += before / self.n as f64;
        self.squares += before * (x - self.mean);
    }

    /// The statistics of the values so far.
    pub fn stat(&self) -> Stat {
        let mean = self.mean;
        if self.n < 2 {
            return Stat { n: self.n, mean, sd: None, ci95: None };
        }
        let sd = (self.squares / (self.n - 1) as f64).sqrt();
        let t =
            StudentsT::new(0.0, 1.0, (self.n - 1) as f64).expect("degrees of freedom are positive").inverse_cdf(0.975);
        let half = t * sd / (self.n as f64).sqrt();
        Stat { n: self.n, mean, sd: Some(sd), ci95: Some([mean - half, mean + half]) }
    }
}

/// The numeric leaves of a run summary by dotted path, keeping those under
/// one of `prefixes` (all when `None`). Nulls and booleans are left out.
pub fn flatten(summary: &Value, prefixes: Option<&[String]>) -> BTreeMap<String, f64> {
    fn walk(v: &Value, path: &mut String, out: &mut BTreeMap<String, f64>, keep: &dyn Fn(&str) -> bool) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    walk(child, path, out, keep);
                    path.truncate(len);
                }
            }
            Value::Number(n) if keep(path) => {
                out.insert(path.clone(), n.as_f64().unwrap_or(f64::NAN));
            }
            _ => {}
        }
    }
    let keep =
        |path: &str| prefixes.is_none_or(|ps| ps.iter().any(|p| path == p || path.starts_with(&format!("{p}."))));
    let mut out = BTreeMap::new();
    walk(summary, &mut String::new(), &mut out, &keep);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_values_give_known_statistics() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut a = Accumulator::default();
        xs.iter().for_each(|&x| a.add(x));
        let s = a.stat();
        assert!((s.mean - 5.0).abs() < 1e-12);
        let sd = (32.0f64 / 7.0).sqrt();
        assert!((s.sd.expect("n > 1") - sd).abs() < 1e-12);
        // t(0.975, 7) = 2.364624
        let half = 2.364624 * sd / 8f64.sqrt();
        let ci = s.ci95.expect("n > 1");
        assert!((ci[0] - (5.0 - half)).abs() < 1e-5 && (ci[1] - (5.0 + half)).abs() < 1e-5);
    }

    #[test]
    fn flatten_keeps_numbers_under_the_prefixes() {
        let v = json!({"waiting": {"overall": {"mean": 2.5, "p95": null}, "ok": true}, "access": {"km": 3}});
        let all = flatten(&v, None);
        assert_eq!(all.keys().collect::<Vec<_>>(), ["access.km", "waiting.overall.mean"]);
        let some = flatten(&v, Some(&["waiting".to_owned()]));
        assert_eq!(some.len(), 1);
    }
}
