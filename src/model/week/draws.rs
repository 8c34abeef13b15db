//! Random counts: Poisson referrals and binomial splits and outcomes.
//!
//! Up to a mean of [`INVERSE_MEAN`] a count is drawn by inverse transform
//! from one uniform: monotone in the mean, so that two runs drawing for the
//! same patients at slightly different rates or risks get close counts
//! (common random numbers couple them). Larger counts come from `rand_distr`
//! (BTPE and PTRS), whose cost does not grow with the mean.

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution, Poisson};
use smallvec::SmallVec;

/// Up to this mean a Poisson or binomial count is drawn by inverse transform,
/// at the cost of a walk of about mean steps.
pub const INVERSE_MEAN: f64 = 30.0;

/// The cumulative distribution of one Poisson mean, kept for as far as draws
/// have needed it. A demand group's weekly mean stays the same week after
/// week, so its draws become a search of this table instead of a walk; the
/// table holds exactly the sums the walk would add, so a draw is the same
/// count either way.
#[derive(Debug, Clone)]
pub struct PoissonTable {
    mean: f64,
    /// The probability of the last count in `cdf`.
    pmf: f64,
    /// P(X ≤ k) for k = 0, 1, …, the first [`KEPT_INLINE`] beside the mean:
    /// a week's draws read the tables of every locality and service in turn,
    /// so the tables are read in the order they lie in memory.
    cdf: SmallVec<[f64; KEPT_INLINE]>,
}

/// How many sums of a Poisson table are kept with it rather than on the
/// heap: enough for P(X ≤ k) to pass 99.9% at a mean of 5 (a small area's
/// weekly referrals for one service).
const KEPT_INLINE: usize = 12;

impl Default for PoissonTable {
    fn default() -> Self {
        PoissonTable { mean: f64::NAN, pmf: 0.0, cdf: SmallVec::new() }
    }
}

impl PoissonTable {
    /// A Poisson(`mean`) count.
    pub fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > INVERSE_MEAN {
            let d = Poisson::new(mean).expect("a positive finite mean is a valid Poisson mean");
            let x: f64 = d.sample(rng);
            return x as u32;
        }
        if self.mean != mean {
            self.mean = mean;
            self.pmf = (-mean).exp();
            self.cdf.clear();
            self.cdf.push(self.pmf);
        }
        let u: f64 = rng.random();
        let k = self.cdf.partition_point(|&c| u > c);
        if k < self.cdf.len() {
            return k as u32;
        }
        let mut k = (self.cdf.len() - 1) as u32;
        let mut cdf = self.cdf[k as usize];
        // The cap only guards against a cdf that rounding keeps below u.
        while u > cdf && f64::from(k) < mean + 1000.0 {
            k += 1;
            self.pmf *= mean / f64::from(k);
            cdf += self.pmf;
            self.cdf.push(cdf);
        }
        k
    }
}

/// The `u`-quantile of Binomial(n, p), p ≤ 1/2, by walking the pmf up from 0.
fn binomial_quantile(u: f64, n: u32, p: f64) -> u32 {
    if n == 1 {
        // The walk's one step: P(X = 0) = (1 − p)^1 = 1 − p exactly.
        return u32::from(u > 1.0 - p);
    }
    let ratio = p / (1.0 - p);
    let mut pmf = first_pmf(n, p);
    let (mut k, mut cdf) = (0u32, pmf);
    while u > cdf && k < n {
        pmf = next_pmf(pmf, n, k, ratio);
        k += 1;
        cdf += pmf;
    }
    k
}

/// Binomial counts at one fixed probability, whose inverse-transform walks
/// are kept per count `n`: a draw becomes a search of the walk's cumulative
/// sums instead of a walk. The table holds exactly the sums [`binomial`]'s
/// walk adds, so a draw is the same count as `binomial` gives from the same
/// stream.
#[derive(Debug, Clone)]
pub struct BinomialTable {
    p: f64,
    /// Per count n: the probability of the last count walked, and P(X ≤ k)
    /// for k = 0, 1, … as far as draws have needed.
    walks: Vec<(f64, Vec<f64>)>,
}

impl BinomialTable {
    /// A table for probability `p`.
    pub fn new(p: f64) -> Self {
        BinomialTable { p, walks: Vec::new() }
    }

    /// The probability p.
    pub fn probability(&self) -> f64 {
        self.p
    }

    /// A Binomial(`n`, p) count, the same as `binomial(rng, n, p)`.
    pub fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R, n: u32) -> u32 {
        let p = self.p;
        if n == 0 || p <= 0.0 || p > 0.5 || f64::from(n) * p > INVERSE_MEAN {
            return binomial(rng, n, p);
        }
        let u: f64 = rng.random();
        let i = n as usize;
        if self.walks.len() <= i {
            self.walks.resize(i + 1, (0.0, Vec::new()));
        }
        let (pmf, cdf) = &mut self.walks[i];
        if cdf.is_empty() {
            *pmf = first_pmf(n, p);
            cdf.push(*pmf);
        }
        let k = cdf.partition_point(|&c| u > c);
        if k < cdf.len() {
            return k as u32;
        }
        let ratio = p / (1.0 - p);
        let mut k = (cdf.len() - 1) as u32;
        let mut sum = cdf[k as usize];
        while u > sum && k < n {
            *pmf = next_pmf(*pmf, n, k, ratio);
            k += 1;
            sum += *pmf;
            cdf.push(sum);
        }
        k
    }
}

/// P(X = k + 1) from P(X = k) = `pmf` for X ~ Binomial(n, p), `ratio` =
/// p/(1 − p): the one step both walks take, so that they add the same sums.
fn next_pmf(pmf: f64, n: u32, k: u32, ratio: f64) -> f64 {
    pmf * (f64::from(n - k) / f64::from(k + 1) * ratio)
}

/// P(X = 0) for X ~ Binomial(n, p).
fn first_pmf(n: u32, p: f64) -> f64 {
    if n > i32::MAX as u32 {
        return (f64::from(n) * (-p).ln_1p()).exp();
    }
    // (1 − p)^n by squaring, in the order `powi` multiplies (so the same
    // bits), without its call.
    let (mut base, mut n, mut pmf) = (1.0 - p, n, 1.0);
    loop {
        if n & 1 == 1 {
            pmf *= base;
        }
        n >>= 1;
        if n == 0 {
            return pmf;
        }
        base *= base;
    }
}

/// A Binomial(`n`, `p`) count.
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u32, p: f64) -> u32 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if f64::from(n) * p.min(1.0 - p) <= INVERSE_MEAN {
        let u: f64 = rng.random();
        return if p <= 0.5 { binomial_quantile(u, n, p) } else { n - binomial_quantile(1.0 - u, n, 1.0 - p) };
    }
    let d = Binomial::new(u64::from(n), p).expect("p in (0, 1) is a valid binomial probability");
    d.sample(rng) as u32
}

/// P(X ≤ k) for X ~ Poisson(mean), by summing the pmf from its closed
/// form (not the recurrences the draws and the peak capacity use): the
/// known answer the tests compare them with.
#[cfg(test)]
pub(crate) fn poisson_cdf(mean: f64, k: u32) -> f64 {
    let mut ln_fact = 0.0;
    (0..=k)
        .map(|i| {
            if i > 0 {
                ln_fact += f64::from(i).ln();
            }
            (f64::from(i) * mean.ln() - mean - ln_fact).exp()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::SimRng;
    use rand::SeedableRng;

    /// A table's draws are `binomial`'s, draw for draw, from the same
    /// stream: for the probabilities the waiting-list bands use and others,
    /// counts on both sides of the inverse-transform limit, repeated so
    /// that the kept walks are searched as well as extended.
    #[test]
    fn binomial_table_draws_are_binomials_draws() {
        for p in [1.0 / 8.0, 1.0 / 7.0, 0.5, 0.03, 0.7] {
            let mut table = BinomialTable::new(p);
            let (mut a, mut b) = (SimRng::seed_from_u64(11), SimRng::seed_from_u64(11));
            for round in 0..3 {
                for n in [0u32, 1, 2, 17, 40, 59, 60, 61, 240, 241, 1000] {
                    for _ in 0..200 {
                        assert_eq!(table.draw(&mut a, n), binomial(&mut b, n, p), "p {p}, n {n}, round {round}");
                    }
                }
            }
        }
    }

    /// The table's draws are the inverse transform: the share of draws at
    /// most k matches the closed-form cdf, for means on both sides of a
    /// table reset and at the inverse-transform limit.
    #[test]
    fn poisson_draws_follow_the_closed_form() {
        let mut rng = SimRng::seed_from_u64(7);
        let mut table = PoissonTable::default();
        for mean in [0.3, 4.0, 0.3, 17.5, INVERSE_MEAN] {
            let n = 200_000;
            let draws: Vec<u32> = (0..n).map(|_| table.draw(&mut rng, mean)).collect();
            for k in [mean as u32 / 2, mean as u32, mean as u32 + 3] {
                let share = draws.iter().filter(|&&d| d <= k).count() as f64 / f64::from(n);
                let p = poisson_cdf(mean, k);
                let se = (p * (1.0 - p) / f64::from(n)).sqrt();
                assert!((share - p).abs() < 5.0 * se + 1e-9, "mean {mean}, k {k}: {share} against {p}");
            }
        }
    }

    /// A draw from a kept table is the count the walk from zero gives for the
    /// same uniform: memoising changes speed, not results.
    #[test]
    fn a_kept_table_gives_the_walks_count() {
        for mean in [0.05, 2.5, 11.0, 29.9] {
            let mut kept = PoissonTable::default();
            let mut a = SimRng::seed_from_u64(3);
            let mut b = SimRng::seed_from_u64(3);
            for _ in 0..5_000 {
                let fresh = PoissonTable::default().draw(&mut a, mean);
                assert_eq!(kept.draw(&mut b, mean), fresh, "mean {mean}");
            }
        }
    }

    /// Inverse transform couples: with one stream, a higher mean never gives
    /// a smaller count.
    #[test]
    fn counts_are_monotone_in_the_mean_for_one_uniform() {
        let (mut low, mut high) = (PoissonTable::default(), PoissonTable::default());
        for seed in 0..2_000 {
            let a = low.draw(&mut SimRng::seed_from_u64(seed), 6.0);
            let b = high.draw(&mut SimRng::seed_from_u64(seed), 6.5);
            assert!(a <= b, "seed {seed}: {a} > {b}");
            let a = binomial(&mut SimRng::seed_from_u64(seed), 40, 0.2);
            let b = binomial(&mut SimRng::seed_from_u64(seed), 40, 0.25);
            assert!(a <= b, "seed {seed}: {a} > {b}");
        }
    }

    /// Binomial counts below and above the inverse-transform limit have the
    /// distribution's mean and variance.
    #[test]
    fn binomial_moments() {
        let mut rng = SimRng::seed_from_u64(11);
        for (n, p) in [(10u32, 0.3), (50, 0.9), (1_000, 0.2)] {
            let m = 100_000;
            let draws: Vec<f64> = (0..m).map(|_| f64::from(binomial(&mut rng, n, p))).collect();
            let mean = draws.iter().sum::<f64>() / f64::from(m);
            let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / f64::from(m - 1);
            let (mu, sigma2) = (f64::from(n) * p, f64::from(n) * p * (1.0 - p));
            assert!((mean - mu).abs() < 5.0 * (sigma2 / f64::from(m)).sqrt(), "n {n}, p {p}: mean {mean}");
            assert!((var / sigma2 - 1.0).abs() < 0.03, "n {n}, p {p}: variance {var} against {sigma2}");
        }
    }
}
