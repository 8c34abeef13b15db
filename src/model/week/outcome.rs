//! The logistic adverse-outcome model of step 3.
//!
//! log-odds = logit(baseline risk of the case's complexity)
//!          − β_quality · provider quality
//!          + β_volume · ln(minimum safe volume / annual volume), when below the minimum
//!          + β_staffing · staffing shortfall
//!          + β_wait · weeks waited
//!          + ln(travel odds per km) · (min(km, 58) − reference km), complex
//!            emergency cases of a service with `travel_risk` (km the straight
//!            line from home to the treating site).

use crate::model::scenario::OutcomeParams;
use crate::model::world::Service;

/// The provider-side conditions a treated patient meets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conditions {
    /// Provider quality (0 average, standard deviations).
    pub quality: f64,
    /// Episodes of this service in the last 52 weeks.
    pub annual_volume: f64,
    /// Minimum safe annual volume of the service (0: no volume effect).
    pub min_safe_volume: f64,
    /// Share of needed staff hours not covered this week, [0, 1].
    pub staffing_shortfall: f64,
}

/// How far below its minimum safe volume a unit runs, as ln(minimum / volume),
/// 0 at or above the minimum (a unit with no volume counts as one episode).
pub fn volume_shortfall(annual_volume: f64, min_safe_volume: f64) -> f64 {
    if min_safe_volume <= 0.0 || annual_volume >= min_safe_volume {
        0.0
    } else {
        (min_safe_volume / annual_volume.max(1.0)).ln()
    }
}

/// The log-odds of an adverse outcome, before the wait term.
pub fn provider_logit(params: &OutcomeParams, baseline_logit: f64, c: &Conditions) -> f64 {
    baseline_logit - params.quality * c.quality
        + params.volume * volume_shortfall(c.annual_volume, c.min_safe_volume)
        + params.staffing * c.staffing_shortfall
}

/// Straight-line km beyond which the travel term grows no further: the
/// longest journey in the study its default comes from (Nicholl et al.
/// 2007, 0–58 km).
pub const TRAVEL_RISK_MAX_KM: f64 = 58.0;

/// The travel term's log-odds for a journey of `km` in a straight line:
/// `log_odds_per_km · (min(km, 58) − reference_km)`.
pub fn travel_logit(log_odds_per_km: f64, reference_km: f64, km: f64) -> f64 {
    log_odds_per_km * (km.min(TRAVEL_RISK_MAX_KM) - reference_km)
}

/// The travel term of a case of level `k` (0 routine, 1 complex) of
/// service `s` whose journey is `road_km`: only complex cases of a service
/// with a `travel_risk` have one.
pub fn journey_logit(s: &Service, k: usize, road_km: f64, circuity: f64) -> f64 {
    if k == 0 || s.travel_log_odds_per_km == 0.0 {
        return 0.0;
    }
    travel_logit(s.travel_log_odds_per_km, s.travel_reference_km, road_km / circuity)
}

/// The probability of an adverse outcome for a patient who waited `weeks`.
pub fn probability(params: &OutcomeParams, provider_logit: f64, weeks: u32) -> f64 {
    let z = provider_logit + params.wait * f64::from(weeks);
    1.0 / (1.0 + (-z).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logit(p: f64) -> f64 {
        (p / (1.0 - p)).ln()
    }

    #[test]
    fn the_travel_term_is_zero_at_the_reference_and_stops_growing_at_the_study_s_longest_journey() {
        let per_km = 1.02f64.ln();
        assert_eq!(travel_logit(per_km, 5.0, 5.0), 0.0);
        assert!((travel_logit(per_km, 5.0, 15.0) - 10.0 * per_km).abs() < 1e-12);
        assert!(travel_logit(per_km, 5.0, 0.0) < 0.0, "nearer than the reference, lower risk");
        assert_eq!(travel_logit(per_km, 5.0, 200.0), travel_logit(per_km, 5.0, TRAVEL_RISK_MAX_KM));
    }

    #[test]
    fn an_average_provider_has_the_baseline_risk() {
        let p = OutcomeParams::default();
        let c = Conditions { quality: 0.0, annual_volume: 5000.0, min_safe_volume: 2000.0, staffing_shortfall: 0.0 };
        let prob = probability(&p, provider_logit(&p, logit(0.02), &c), 0);
        assert!((prob - 0.02).abs() < 1e-12);
    }

    /// Moster et al. (1999): odds ratio about 2.1 for units of under 100
    /// births a year against 2,000–3,000. With the default β_volume of 0.25
    /// and a minimum of 2,000, a unit of 100 has ln(20)·0.25 ≈ 0.75 extra
    /// log-odds, an odds ratio of 2.1.
    #[test]
    fn small_units_have_the_published_odds_ratio() {
        let p = OutcomeParams::default();
        let small = Conditions { quality: 0.0, annual_volume: 100.0, min_safe_volume: 2000.0, staffing_shortfall: 0.0 };
        let large = Conditions { annual_volume: 2500.0, ..small };
        let odds = |c: &Conditions| provider_logit(&p, logit(0.005), c).exp();
        let ratio = odds(&small) / odds(&large);
        assert!((ratio - 2.1).abs() < 0.05, "odds ratio {ratio}");
    }

    #[test]
    fn quality_staffing_and_waiting_move_risk_the_right_way() {
        let p = OutcomeParams::default();
        let base = Conditions { quality: 0.0, annual_volume: 1e4, min_safe_volume: 0.0, staffing_shortfall: 0.0 };
        let r = |c: Conditions, w: u32| probability(&p, provider_logit(&p, logit(0.05), &c), w);
        assert!(r(Conditions { quality: 1.0, ..base }, 0) < r(base, 0));
        assert!(r(Conditions { staffing_shortfall: 0.3, ..base }, 0) > r(base, 0));
        assert!(r(base, 30) > r(base, 0));
    }
}
