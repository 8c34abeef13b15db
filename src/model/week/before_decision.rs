//! The referral-to-treatment pathway before the decision to admit.
//!
//! An RTT clock starts at referral; a patient joins an admitted waiting list
//! only when the outpatient and diagnostic part of the pathway ends in a
//! decision to admit, so the clock has already run when they are listed.
//! That part is not simulated: each patient joining a unit's list is given
//! the weeks it took, drawn from an exponential distribution with the
//! unit's mean (a stage left at a constant weekly rate), so that waits on
//! the list are counted from referral as the NHS counts them.
//!
//! The distribution is cut into [`BANDS`] bands of equal probability, each
//! at its median, in whole weeks; a cohort joining a list is split between
//! the bands by a multinomial draw from a keyed stream of its own (locality,
//! service, week), so that these draws leave the routing's draws alone.
//!
//! The decision also sets each patient's clinical priority: a share of them
//! (`services.<id>.urgent_share`) are urgent and treated before every routine
//! patient (as the NHS's clinical prioritisation does), drawn with the
//! bands from the same stream: from the same word as each patient's band in
//! small cohorts, one binomial per part (bands with the same weeks together)
//! in large ones. Within each priority the order of the patients on the
//! list is unchanged: first come by decision.

use rand::Rng;

use super::draws::BinomialTable;
use super::queue::Cohort;

/// Bands of equal probability of the weeks before the decision.
pub const BANDS: usize = 8;
/// Largest cohort whose patients draw their bands and priorities one by
/// one: a word each and no table search, faster than the binomials up to
/// here and beyond (the district run takes the same time at 32, 64 and 128).
const PER_PATIENT: u32 = 64;
/// The 29 bits of a patient's word below its band's.
const LOW_BITS: u32 = (1 << 29) - 1;

/// The binomial draws of a split by the chain, one table per band but the
/// last (probability 1/(BANDS − b) for band b), kept across splits.
#[derive(Debug, Clone)]
pub struct BandDraws([BinomialTable; BANDS - 1]);

impl Default for BandDraws {
    fn default() -> Self {
        BandDraws(std::array::from_fn(|b| BinomialTable::new(1.0 / (BANDS - b) as f64)))
    }
}

/// Weeks before the decision to admit, one per band, in increasing order
/// (all 0 for a unit whose clock starts at the decision).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Before([u8; BANDS]);

impl Before {
    /// The band medians of an exponential distribution with mean `weeks`:
    /// band `b` holds quantiles `b/BANDS` to `(b+1)/BANDS`; its median is the
    /// quantile `(b + 1/2)/BANDS`, `−weeks · ln(1 − q)`, rounded to whole
    /// weeks (at most 255).
    pub fn exponential(weeks: f64) -> Self {
        Before(std::array::from_fn(|b| {
            let q = (b as f64 + 0.5) / BANDS as f64;
            (-weeks * (1.0 - q).ln()).round().clamp(0.0, f64::from(u8::MAX)) as u8
        }))
    }

    /// Whether every patient's clock starts at the decision.
    pub fn is_none(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The weeks of each band.
    pub fn weeks(&self) -> [u8; BANDS] {
        self.0
    }

    /// Splits `c` between the bands, each band with probability 1/[`BANDS`],
    /// handing each non-empty part (bands with the same weeks together) to
    /// `push` in increasing weeks, with whether its patients are urgent: its
    /// urgent patients (drawn with `urgent`'s probability, when given) before
    /// its routine ones. A cohort of a unit without a pathway before the
    /// decision is one part, with no band draw (and no draw at all without
    /// `urgent`). Cohorts of up to [`PER_PATIENT`] patients draw one word per
    /// patient: its band from the top three bits (exactly 1/8 each) and its
    /// priority from the other 29 (urgent below the probability's share of
    /// 2^29); larger ones split by a chain of binomials, then one binomial of
    /// urgent patients per part.
    pub fn split<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        draws: &mut BandDraws,
        mut urgent: Option<&mut BinomialTable>,
        c: Cohort,
        mut push: impl FnMut(Cohort, bool),
    ) {
        let urgent_below = urgent.as_ref().map_or(0, |t| (t.probability() * f64::from(1u32 << 29)).round() as u32);
        // Each part's urgent patients, `None` while they are still to be drawn.
        let mut emit = |rng: &mut R, part: Cohort, drawn: Option<u32>| {
            let n = match (urgent.as_deref_mut(), drawn) {
                (None, _) => 0,
                (Some(_), Some(n)) => n,
                (Some(table), None) => table.draw(rng, part.count),
            };
            for (urgent, count) in [(true, n), (false, part.count - n)] {
                if count > 0 {
                    push(Cohort { count, ..part }, urgent);
                }
            }
        };
        if self.is_none() {
            emit(rng, c, None);
            return;
        }
        let by_patient = c.count <= PER_PATIENT;
        let mut counts = [0u32; BANDS];
        let mut urgent_counts = [0u32; BANDS];
        if by_patient {
            // One word per patient: the band from its top three bits, the
            // priority from the other 29.
            for _ in 0..c.count {
                let w = rng.next_u32();
                let b = (w >> 29) as usize;
                counts[b] += 1;
                urgent_counts[b] += u32::from(w & LOW_BITS < urgent_below);
            }
        } else {
            let mut left = c.count;
            for (b, n) in counts.iter_mut().enumerate() {
                *n = if b + 1 == BANDS { left } else { draws.0[b].draw(rng, left) };
                left -= *n;
            }
        }
        let mut pending = (Cohort { before: self.0[0], count: 0, ..c }, 0);
        for ((&weeks, &take), &urgent) in self.0.iter().zip(&counts).zip(&urgent_counts) {
            if weeks != pending.0.before {
                if pending.0.count > 0 {
                    emit(rng, pending.0, by_patient.then_some(pending.1));
                }
                pending = (Cohort { before: weeks, count: 0, ..c }, 0);
            }
            pending.0.count += take;
            pending.1 += urgent;
        }
        if pending.0.count > 0 {
            emit(rng, pending.0, by_patient.then_some(pending.1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::SimRng;
    use crate::model::world::LocalityId;
    use rand::SeedableRng;

    fn cohort(count: u32) -> Cohort {
        Cohort {
            arrival: 10,
            locality: LocalityId(0),
            case: crate::model::queue::Case::Routine,
            risk_of: 0,
            before: 0,
            count,
        }
    }

    #[test]
    fn bands_are_the_exponential_medians() {
        // Mean 10 weeks: −10 ln(1 − q) at q = 1/16, 3/16, ..., 15/16.
        assert_eq!(Before::exponential(10.0).weeks(), [1, 2, 4, 6, 8, 12, 17, 28]);
        assert!(Before::exponential(0.0).is_none());
        assert_eq!(Before::exponential(1000.0).weeks()[BANDS - 1], u8::MAX);
    }

    /// Every patient is kept and each band gets 1/8 of them, whether
    /// patients draw one by one (small cohorts) or the cohort splits by
    /// binomials (large ones).
    #[test]
    fn a_split_keeps_every_patient_in_equal_bands() {
        let before = Before::exponential(10.0);
        let mut rng = SimRng::seed_from_u64(3);
        let mut draws = BandDraws::default();
        for (size, trials) in [(7u32, 20_000u32), (PER_PATIENT + 1, 10_000), (1000, 200)] {
            let mut by_weeks = [0u64; 256];
            for _ in 0..trials {
                let mut total = 0;
                before.split(&mut rng, &mut draws, None, cohort(size), |c, _| {
                    assert_eq!((c.arrival, c.locality), (10, LocalityId(0)));
                    by_weeks[c.before as usize] += u64::from(c.count);
                    total += c.count;
                });
                assert_eq!(total, size);
            }
            let all = f64::from(size) * f64::from(trials);
            for w in before.weeks() {
                let share = by_weeks[w as usize] as f64 / all;
                // Binomial sd of a share of 1/8 over at least 140,000 patients: under 0.0009.
                assert!((share - 0.125).abs() < 0.004, "{size} patients, {w} weeks: {share}");
            }
        }
    }

    #[test]
    fn no_pathway_means_no_draw_and_the_whole_cohort() {
        let mut rng = SimRng::seed_from_u64(3);
        let untouched = rng.clone();
        let mut got = Vec::new();
        Before::default().split(&mut rng, &mut BandDraws::default(), None, cohort(5), |c, _| got.push(c));
        assert_eq!(got, [cohort(5)]);
        assert_eq!(rng, untouched);
    }

    /// With an urgent share, each part is split into urgent and routine
    /// patients, the urgent part first: the urgent share is the probability
    /// (within sampling error) for cohorts drawn patient by patient and by
    /// binomials, whether or not the unit has a pathway before the decision,
    /// and no patient is lost.
    #[test]
    fn urgent_patients_are_drawn_at_the_urgent_share() {
        let mut rng = SimRng::seed_from_u64(5);
        let mut draws = BandDraws::default();
        let mut table = BinomialTable::new(0.3);
        for before in [Before::exponential(10.0), Before::default()] {
            // One word per patient up to PER_PATIENT, binomials beyond.
            for size in [1u32, 5, 40, PER_PATIENT, PER_PATIENT + 1, 300] {
                let (mut urgent, mut all) = (0u64, 0u64);
                for _ in 0..4_000 {
                    let mut parts = Vec::new();
                    let mut total = 0;
                    before.split(&mut rng, &mut draws, Some(&mut table), cohort(size), |c, is_urgent| {
                        if is_urgent {
                            urgent += u64::from(c.count);
                        }
                        parts.push((c.before, !is_urgent));
                        total += c.count;
                    });
                    // In increasing weeks, each band's urgent part before its routine one.
                    assert!(parts.is_sorted_by(|a, b| a < b), "{parts:?}");
                    assert_eq!(total, size);
                    all += u64::from(size);
                }
                let share = urgent as f64 / all as f64;
                // Four binomial sds: 0.029 for 4,000 patients, 0.002 for 1.2 million.
                let sd = (0.3 * 0.7 / all as f64).sqrt();
                assert!((share - 0.3).abs() < 4.0 * sd, "{size} patients: {share}");
            }
        }
    }

    #[test]
    fn the_clock_counts_the_weeks_before_the_decision() {
        let c = Cohort { before: 12, ..cohort(1) };
        assert_eq!(c.wait_at(10), 12);
        assert_eq!(c.wait_at(16), 18);
    }
}
