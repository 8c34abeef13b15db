//! Providers that differ at the start: each acute trust's operational
//! performance — the share of A&E attendances within four hours in the
//! reference year (NHS England's A&E statistics, 2023/24) and the share of
//! its RTT waiting list within 18 weeks (March 2021) — as a z-score against
//! England's trusts, averaged over the measures it has. A measure counts
//! only for a trust like those it is compared with: a year's attendances
//! with at least [`MIN_ADMISSIONS_A_MONTH`] emergency admissions a month
//! (not a specialist's or a minor injury unit's department, whose case mix
//! sets its four-hour figure), a list of at least [`MIN_PATHWAYS`].
//!
//! The model's quality is latent, in standard deviations of England's
//! trusts. Operational performance is a proxy for it, correlated by
//! [`PROXY_CORRELATION`] (an assumption): the expected quality given the
//! proxy is that correlation times the z-score, which is where a trust
//! starts. So that the difference lasts beyond the first decisions, the
//! trust's cost of quality is scaled by exp(−correlation × z): a trust that
//! performs better finds quality cheaper, and its best response stays
//! above the others' under either regime.

use super::data::RttData;
use super::emergency::{Admissions, REFERENCE_YEAR};
use super::plan::round_to;

/// The correlation between operational performance and latent quality
/// (assumption, not sourced; range 0–0.6).
pub const PROXY_CORRELATION: f64 = 0.3;
/// Fewest emergency admissions a month for a trust to count among
/// England's acute trusts with a major emergency department.
pub const MIN_ADMISSIONS_A_MONTH: f64 = 1000.0;
/// Fewest pathways on an RTT list for a trust to count among England's.
pub const MIN_PATHWAYS: f64 = 1000.0;
/// Largest z-score taken.
pub const MAX_Z: f64 = 3.0;

/// A measure's mean and standard deviation over England's trusts.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    mean: f64,
    sd: f64,
    trusts: usize,
}

impl Spread {
    fn of(values: &[f64]) -> Option<Spread> {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        (values.len() >= 2 && sd > 0.0).then_some(Spread { mean, sd, trusts: values.len() })
    }

    fn z(&self, v: f64) -> f64 {
        ((v - self.mean) / self.sd).clamp(-MAX_Z, MAX_Z)
    }
}

/// Whether a trust's four-hour figure is like England's acute trusts'.
fn comparable(f: &super::emergency::FourHours) -> bool {
    f.months == 12 && f.admissions_a_month >= MIN_ADMISSIONS_A_MONTH
}

/// England's spread of each measure, for the trusts' z-scores.
#[derive(Debug, Clone, Default)]
pub struct Performance<'a> {
    ae: Option<(&'a Admissions, Spread)>,
    rtt: Option<(&'a RttData, Spread)>,
}

/// One trust's start.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    /// Starting quality, standard deviations.
    pub quality: f64,
    /// Multiplier of the cost of quality.
    pub quality_cost_factor: f64,
    /// What it came from, for the scenario's sources.
    pub from: String,
}

/// A trust's RTT list within 18 weeks, with its predecessors'; `None`
/// below [`MIN_PATHWAYS`].
fn within_18(rtt: &RttData, code: &str, predecessors: &[&str]) -> Option<f64> {
    let (mut total, mut over) = (0.0, 0.0);
    for c in std::iter::once(code).chain(predecessors.iter().copied()) {
        if let Some((_, p)) = rtt.whole.get(c) {
            total += p.total;
            over += p.over_18;
        }
    }
    (total >= MIN_PATHWAYS).then(|| 1.0 - over / total)
}

impl<'a> Performance<'a> {
    /// England's spreads: four-hour performance over the trusts reporting
    /// all twelve months of the reference year with at least
    /// [`MIN_ADMISSIONS_A_MONTH`]; 18-week performance over NHS trusts
    /// (codes beginning `R`) with at least [`MIN_PATHWAYS`] on the list.
    pub fn new(ae: Option<&'a Admissions>, rtt: Option<&'a RttData>) -> Self {
        let ae = ae.and_then(|a| {
            let values: Vec<f64> = a
                .trusts()
                .filter_map(|c| a.four_hours(c, &[], REFERENCE_YEAR))
                .filter(comparable)
                .map(|f| f.within)
                .collect();
            Spread::of(&values).map(|s| (a, s))
        });
        let rtt = rtt.and_then(|r| {
            let values: Vec<f64> =
                r.whole.iter().filter(|(c, _)| c.starts_with('R')).filter_map(|(c, _)| within_18(r, c, &[])).collect();
            Spread::of(&values).map(|s| (r, s))
        });
        Performance { ae, rtt }
    }

    /// Whether any measure is there.
    pub fn any(&self) -> bool {
        self.ae.is_some() || self.rtt.is_some()
    }

    /// A trust's start: the mean z-score of the measures it has, times
    /// [`PROXY_CORRELATION`]; `None` when it has neither.
    pub fn start(&self, code: &str, predecessors: &[&str]) -> Option<Start> {
        let mut zs = Vec::new();
        let mut said = Vec::new();
        if let Some((a, s)) = &self.ae
            && let Some(f) = a.four_hours(code, predecessors, REFERENCE_YEAR).filter(comparable)
        {
            zs.push(s.z(f.within));
            said.push(format!("{:.1}% within 4 hours in 2023/24 (z {:+.2})", 100.0 * f.within, s.z(f.within)));
        }
        if let Some((r, s)) = &self.rtt
            && let Some(w) = within_18(r, code, predecessors)
        {
            zs.push(s.z(w));
            said.push(format!("{:.1}% of its RTT list within 18 weeks in {} (z {:+.2})", 100.0 * w, r.month, s.z(w)));
        }
        if zs.is_empty() {
            return None;
        }
        let z = zs.iter().sum::<f64>() / zs.len() as f64;
        let quality = round_to(PROXY_CORRELATION * z, 3);
        let quality_cost_factor = round_to((-PROXY_CORRELATION * z).exp(), 3);
        Some(Start {
            quality,
            quality_cost_factor,
            from: format!(
                "{}; quality {PROXY_CORRELATION} × z {z:+.2} = {quality}, cost of quality × {quality_cost_factor}",
                said.join(", ")
            ),
        })
    }

    /// The scenario's source line for the starts.
    pub fn source(&self) -> String {
        let mut parts = Vec::new();
        if let Some((_, s)) = &self.ae {
            parts.push(format!(
                "four-hour performance in 2023/24 (A&E file; England's {} trusts reporting all twelve months with ≥ {MIN_ADMISSIONS_A_MONTH:.0} emergency admissions a month: mean {:.1}%, sd {:.1} points)",
                s.trusts,
                100.0 * s.mean,
                100.0 * s.sd
            ));
        }
        if let Some((r, s)) = &self.rtt {
            parts.push(format!(
                "the RTT list's share within 18 weeks in {} (England's {} NHS trusts with ≥ {MIN_PATHWAYS:.0} pathways: mean {:.1}%, sd {:.1} points)",
                r.month,
                s.trusts,
                100.0 * s.mean,
                100.0 * s.sd
            ));
        }
        format!(
            "Providers that differ: each acute trust starts at quality {PROXY_CORRELATION} (the assumed correlation of operational performance with latent quality) × the mean z-score of {}, and its cost of quality is scaled by exp(−{PROXY_CORRELATION} × z) so the difference lasts; trusts with neither measure start at 0 and 1.",
            parts.join(" and ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_scores_are_against_englands_spread_and_capped() {
        let s = Spread::of(&[0.6, 0.7, 0.8]).expect("spread");
        assert!((s.mean - 0.7).abs() < 1e-12);
        assert!((s.sd - (0.02f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((s.z(0.8) - 0.1 / (0.02f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.z(10.0), MAX_Z);
        assert!(Spread::of(&[0.7, 0.7]).is_none(), "no spread, no z-score");
    }

    /// Three acute trusts at 60%, 70% and 80% within four hours over 2023/24,
    /// a small department at 99% (too few admissions to compare) and a
    /// trust that stopped reporting: the first three set England's spread,
    /// the 80% trust starts at 0.3 × z with its cost of quality × e^(−0.3z).
    #[test]
    fn a_trust_starts_at_the_correlation_times_its_z_score() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ae.csv");
        let mut text =
            "provider_code,month,total_attendances,attendances_over_4hours,total_emergency_admissions\n".to_owned();
        for m in ["2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09"]
            .into_iter()
            .chain(["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"])
        {
            for (code, over) in [("RA", 400), ("RB", 300), ("RC", 200)] {
                text.push_str(&format!("{code},{m},1000,{over},2000\n"));
            }
            text.push_str(&format!("RS,{m},1000,10,50\n"));
            text.push_str(&format!("RN,{m},NA,NA,2000\n"));
        }
        std::fs::write(&path, text).expect("written");
        let ae = Admissions::read(&path).expect("read");
        let p = Performance::new(Some(&ae), None);
        let sd = (0.02f64 / 3.0).sqrt();
        let start = p.start("RC", &[]).expect("compared");
        let z = 0.1 / sd;
        assert!((start.quality - round_to(0.3 * z, 3)).abs() < 1e-12, "{start:?}");
        assert!((start.quality_cost_factor - round_to((-0.3 * z).exp(), 3)).abs() < 1e-12, "{start:?}");
        assert!(p.start("RS", &[]).is_none(), "a small department is not compared");
        assert!(p.start("RN", &[]).is_none(), "no attendances reported");
        let b = p.start("RB", &[]).expect("compared");
        assert_eq!((b.quality, b.quality_cost_factor), (0.0, 1.0));
    }
}
