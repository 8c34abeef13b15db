//! The distribution of a sampled parameter: uniform (the default),
//! log-uniform, normal, truncated normal or triangular. Every sampled
//! design draws points in the unit cube and maps each coordinate through
//! its parameter's quantile function (inverse transform), so a Latin
//! hypercube stratifies the distribution itself and a Sobol sequence stays
//! balanced in probability; Morris elementary effects are taken in the same
//! probability (quantile) coordinates.

use statrs::distribution::{ContinuousCDF, Normal};

use super::spec::{Distribution, ParamSpec};

/// A parameter's distribution, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Input {
    /// Uniform on [lo, hi].
    Uniform(f64, f64),
    /// Log-uniform on [lo, hi].
    LogUniform(f64, f64),
    /// Normal (mean, sd).
    Normal(f64, f64),
    /// Normal (mean, sd) cut to [lo, hi].
    TruncatedNormal(f64, f64, f64, f64),
    /// Triangular (lo, mode, hi).
    Triangular(f64, f64, f64),
}

fn standard() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal exists")
}

/// Quantiles of an unbounded distribution are taken at u clamped to
/// [ε, 1 − ε] so that no point lands at infinity.
const EDGE: f64 = 1e-12;

impl Input {
    /// Reads a parameter's distribution from its spec; errors name the field.
    pub fn from_spec(path: &str, p: &ParamSpec) -> Result<Input, String> {
        let at = |field: &str| format!("at `parameters.{path}.{field}`");
        let dist = p.distribution.unwrap_or_default();
        let name = serde_json::to_value(dist).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        if p.values.is_some() || p.from.is_some() || p.to.is_some() || p.step.is_some() {
            return Err(format!(
                "at `parameters.{path}`: a random, Latin-hypercube, Morris or Sobol parameter needs `min` and `max` (or `mean` and `sd` for a normal), not grid `values` or `from`/`to`/`step`"
            ));
        }
        let need = |field: &str, v: Option<f64>| {
            v.filter(|x| x.is_finite())
                .ok_or_else(|| format!("{}: a `{name}` input needs a finite `{field}`", at(field)))
        };
        let refuse = |field: &str, v: Option<f64>| match v {
            Some(_) => Err(format!("{}: a `{name}` input does not take `{field}`; remove it", at(field))),
            None => Ok(()),
        };
        let ordered = |lo: f64, hi: f64| {
            if lo <= hi {
                Ok(())
            } else {
                Err(format!("at `parameters.{path}`: expected min ≤ max, found min {lo}, max {hi}"))
            }
        };
        let positive_sd = |sd: f64| {
            if sd > 0.0 {
                Ok(sd)
            } else {
                Err(format!("{}: expected a standard deviation above 0, found {sd}", at("sd")))
            }
        };
        match dist {
            Distribution::Uniform | Distribution::LogUniform => {
                refuse("mean", p.mean)?;
                refuse("sd", p.sd)?;
                refuse("mode", p.mode)?;
                let (lo, hi) = (need("min", p.min)?, need("max", p.max)?);
                ordered(lo, hi)?;
                if dist == Distribution::Uniform {
                    return Ok(Input::Uniform(lo, hi));
                }
                if lo <= 0.0 {
                    return Err(format!("{}: a `log_uniform` input needs min above 0, found {lo}", at("min")));
                }
                Ok(Input::LogUniform(lo, hi))
            }
            Distribution::Normal => {
                refuse("min", p.min)?;
                refuse("max", p.max)?;
                refuse("mode", p.mode)?;
                Ok(Input::Normal(need("mean", p.mean)?, positive_sd(need("sd", p.sd)?)?))
            }
            Distribution::TruncatedNormal => {
                refuse("mode", p.mode)?;
                let (lo, hi) = (need("min", p.min)?, need("max", p.max)?);
                ordered(lo, hi)?;
                let (mean, sd) = (need("mean", p.mean)?, positive_sd(need("sd", p.sd)?)?);
                let n = standard();
                if n.cdf((hi - mean) / sd) - n.cdf((lo - mean) / sd) < 1e-9 {
                    return Err(format!(
                        "at `parameters.{path}`: [{lo}, {hi}] holds almost none of a normal with mean {mean} and sd {sd}"
                    ));
                }
                Ok(Input::TruncatedNormal(mean, sd, lo, hi))
            }
            Distribution::Triangular => {
                refuse("mean", p.mean)?;
                refuse("sd", p.sd)?;
                let (lo, mode, hi) = (need("min", p.min)?, need("mode", p.mode)?, need("max", p.max)?);
                if !(lo <= mode && mode <= hi && lo < hi) {
                    return Err(format!(
                        "at `parameters.{path}`: expected min ≤ mode ≤ max with min < max, found {lo}, {mode}, {hi}"
                    ));
                }
                Ok(Input::Triangular(lo, mode, hi))
            }
        }
    }

    /// Whether every value lies in a finite range (a Morris grid needs it).
    pub fn bounded(&self) -> bool {
        !matches!(self, Input::Normal(..))
    }

    /// The value with probability `u` below it.
    pub fn quantile(&self, u: f64) -> f64 {
        let n = standard();
        match *self {
            Input::Uniform(lo, hi) => lo + u * (hi - lo),
            Input::LogUniform(lo, hi) => (lo.ln() + u * (hi.ln() - lo.ln())).exp().clamp(lo, hi),
            Input::Normal(mean, sd) => mean + sd * n.inverse_cdf(u.clamp(EDGE, 1.0 - EDGE)),
            Input::TruncatedNormal(mean, sd, lo, hi) => {
                let (a, b) = (n.cdf((lo - mean) / sd), n.cdf((hi - mean) / sd));
                let p = (a + u * (b - a)).clamp(EDGE, 1.0 - EDGE);
                (mean + sd * n.inverse_cdf(p)).clamp(lo, hi)
            }
            Input::Triangular(lo, mode, hi) => {
                let split = (mode - lo) / (hi - lo);
                if u < split {
                    lo + (u * (hi - lo) * (mode - lo)).sqrt()
                } else {
                    hi - ((1.0 - u) * (hi - lo) * (hi - mode)).sqrt()
                }
            }
        }
    }

    /// The probability below `v` (the inverse of [`Input::quantile`]).
    pub fn cdf(&self, v: f64) -> f64 {
        let n = standard();
        let u = match *self {
            Input::Uniform(lo, hi) => {
                if hi > lo {
                    (v - lo) / (hi - lo)
                } else {
                    0.0
                }
            }
            Input::LogUniform(lo, hi) => {
                if hi > lo {
                    (v.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln())
                } else {
                    0.0
                }
            }
            Input::Normal(mean, sd) => n.cdf((v - mean) / sd),
            Input::TruncatedNormal(mean, sd, lo, hi) => {
                let (a, b) = (n.cdf((lo - mean) / sd), n.cdf((hi - mean) / sd));
                (n.cdf((v - mean) / sd) - a) / (b - a)
            }
            Input::Triangular(lo, mode, hi) => {
                if v <= mode {
                    if mode > lo { (v - lo).powi(2) / ((hi - lo) * (mode - lo)) } else { 0.0 }
                } else if hi > mode {
                    1.0 - (hi - v).powi(2) / ((hi - lo) * (hi - mode))
                } else {
                    1.0
                }
            }
        };
        u.clamp(0.0, 1.0)
    }

    /// The range an integer parameter's values take: [lo, hi] for bounded
    /// inputs, `None` for a normal.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match *self {
            Input::Uniform(lo, hi) | Input::LogUniform(lo, hi) => Some((lo, hi)),
            Input::TruncatedNormal(_, _, lo, hi) | Input::Triangular(lo, _, hi) => Some((lo, hi)),
            Input::Normal(..) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_and_cdf_are_inverses() {
        let inputs = [
            Input::Uniform(2.0, 5.0),
            Input::LogUniform(0.01, 100.0),
            Input::Normal(3.0, 2.0),
            Input::TruncatedNormal(0.0, 1.0, -0.5, 2.0),
            Input::Triangular(1.0, 1.5, 4.0),
        ];
        for input in inputs {
            for k in 1..20 {
                let u = f64::from(k) / 20.0;
                let back = input.cdf(input.quantile(u));
                assert!((back - u).abs() < 1e-9, "{input:?} at {u}: {back}");
            }
        }
    }
}
