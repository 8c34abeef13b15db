//! The one generator type of the model and the one place that derives it.
//!
//! Every function that draws takes `&mut SimRng`. A run owns several
//! independent streams of the same seed (demand, routing, outcomes, ...), so
//! that two runs of the same seed under different regimes see the same
//! referrals: their differences are paired (common random numbers), not noise.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere in the model: ChaCha with 8 rounds.
///
/// Named rather than `StdRng` so that a change of algorithm in a dependency
/// can never change results silently.
pub type SimRng = ChaCha8Rng;

/// The purposes that each get an independent stream of a run's seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// New referrals per locality, service, age band and complexity.
    Demand = 1,
    /// Splitting referrals between providers (patient choice, network share).
    Routing = 2,
    /// Adverse outcomes of treated patients.
    Outcomes = 3,
    /// Leavers and recruitment of staff.
    Workforce = 4,
    /// Community substitution under integration.
    Integration = 5,
    /// Discharges from beds (services with a length of stay).
    Stays = 6,
}

/// Largest master seed: 2^53 − 1, so that every seed survives a round trip
/// through a double (JSON readers in R, JavaScript and jq read numbers as doubles).
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// The seed of one (point, replicate) of a sweep, from the master seed and
/// those indices alone: word `replicate` of ChaCha stream `point` keyed by
/// the master seed. Every regime arm at that point and replicate runs with
/// it (common random numbers).
pub fn run_seed(master: u64, point: u64, replicate: u64) -> u64 {
    let mut rng = SimRng::seed_from_u64(master);
    rng.set_stream(point);
    rng.set_word_pos(u128::from(replicate) * 2);
    rng.next_u64()
}

/// A generator for choosing a sweep's design points from its master seed
/// (a key of its own, so design draws never coincide with run seeds).
pub fn design_rng(master: u64) -> SimRng {
    SimRng::seed_from_u64(master ^ 0xD5E1_6A11_0F5E_ED00)
}

/// The generator for one purpose of one run: the master `seed` selects the
/// key, the purpose selects one of ChaCha's 2^64 streams.
pub fn stream(seed: u64, purpose: Stream) -> SimRng {
    let mut rng = SimRng::seed_from_u64(seed);
    rng.set_stream(purpose as u64);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// Pins the generator's output: a change of algorithm or of seeding
    /// must fail here, not silently shift every result.
    #[test]
    fn value_stability() {
        let mut rng = stream(2026, Stream::Demand);
        let drawn: Vec<u64> = (0..3).map(|_| rng.random()).collect();
        assert_eq!(drawn, PINNED);
    }

    const PINNED: [u64; 3] = [3826576519468827491, 7008964838555306678, 2037012518447089636];

    #[test]
    fn run_seeds_depend_on_indices_only() {
        assert_eq!(run_seed(2026, 3, 1), run_seed(2026, 3, 1));
        assert_ne!(run_seed(2026, 3, 1), run_seed(2026, 1, 3));
        assert_ne!(run_seed(2026, 0, 0), run_seed(2027, 0, 0));
        assert_eq!(run_seed(2026, 0, 1), PINNED_SEED);
    }

    const PINNED_SEED: u64 = 4684971635267453691;

    #[test]
    fn purposes_are_independent_streams() {
        let a: u64 = stream(7, Stream::Demand).random();
        let b: u64 = stream(7, Stream::Routing).random();
        let c: u64 = stream(8, Stream::Demand).random();
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}
