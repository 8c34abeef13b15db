//! Capacity for the weeks' peaks.
//!
//! Emergency patients cannot wait for next week's slots: a unit of an
//! emergency service whose capacity is its mean weekly arrivals turns
//! patients away in almost half its weeks. Weekly arrivals are Poisson (the
//! routing's draws), so a unit meets them in a share `cover` of weeks when
//! its capacity is the Poisson quantile at `cover` of its mean. For a large
//! unit that is a few per cent above the mean (1,000 a week: 1.05 times at
//! 95%); for a small one much more (10 a week: 15; 2 a week: 5), as small
//! units run further below their capacity on average. The same rule sets
//! capacity counted in beds (a unit with a length of stay), whose
//! occupancy is Poisson with mean arrivals × stay (an infinite-server queue).

use statrs::function::gamma::{gamma_ur, ln_gamma};

use crate::model::params::MAX_PEAK_COVER;

/// The capacity that meets Poisson arrivals with `mean` in a share `cover`
/// of weeks: the smallest whole count k with P(X ≤ k) ≥ `cover` (0 for no
/// arrivals or no cover; `cover` at most [`MAX_PEAK_COVER`]). The cdf at
/// the mean's whole part is the regularised upper incomplete gamma
/// function Q(k + 1, mean); from there the walk to the quantile adds or
/// takes off one probability at a time (a few times √mean steps), so a
/// provider's decisions stay cheap at any unit's size.
pub fn peak_capacity(mean: f64, cover: f64) -> f64 {
    if mean <= 0.0 || cover <= 0.0 || !mean.is_finite() {
        return 0.0;
    }
    let cover = cover.min(MAX_PEAK_COVER);
    let mut k = mean.floor();
    let mut cdf = gamma_ur(k + 1.0, mean);
    let mut pmf = (k * mean.ln() - mean - ln_gamma(k + 1.0)).exp();
    if cdf < cover {
        while cdf < cover {
            k += 1.0;
            pmf *= mean / k;
            cdf += pmf;
        }
    } else {
        while k > 0.0 && cdf - pmf >= cover {
            cdf -= pmf;
            pmf *= k / mean;
            k -= 1.0;
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::week::draws::poisson_cdf as cdf;

    /// The quantile is the smallest count whose closed-form cdf reaches the
    /// cover, for small and large means (Poisson(10): P(X ≤ 14) = 0.917,
    /// P(X ≤ 15) = 0.951, so 15 at 95%).
    #[test]
    fn capacity_is_the_poisson_quantile() {
        assert_eq!(peak_capacity(10.0, 0.95), 15.0);
        for mean in [0.4, 2.3, 10.0, 57.3, 275.0, 1565.0, 9000.5] {
            for cover in [0.5, 0.9, 0.95, 0.99] {
                let k = peak_capacity(mean, cover);
                assert!(cdf(mean, k as u32) >= cover - 1e-9, "mean {mean}, cover {cover}: {k}");
                if k > 0.0 {
                    assert!(cdf(mean, k as u32 - 1) < cover + 1e-9, "mean {mean}, cover {cover}: {k}");
                }
            }
        }
    }

    /// Large units need a few per cent over their mean, small ones much
    /// more (the normal approximation's mean + 1.645 √mean at 95%).
    #[test]
    fn small_units_need_more_room_for_their_peaks() {
        let ratio = |m: f64| peak_capacity(m, 0.95) / m;
        assert!(ratio(2.0) > 2.0);
        assert!((ratio(1000.0) - (1.0 + 1.645 / 1000f64.sqrt())).abs() < 0.003);
        assert_eq!(peak_capacity(0.0, 0.95), 0.0);
        assert_eq!(peak_capacity(10.0, 0.0), 0.0);
    }
}
