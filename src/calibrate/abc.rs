//! Approximate Bayesian computation by adaptive population Monte Carlo
//! (APMC: Lenormand, Jabot and Deffuant 2013, "Adaptive approximate
//! Bayesian computation for complex models", Computational Statistics 28;
//! the ABC-SMC scheme OpenMOLE offers), on the unit cube of prior
//! probabilities, where every prior is uniform.
//!
//! Generation 0 draws ⌈N/α⌉ points from the prior and keeps the N nearest
//! the targets; the tolerance is the distance of the N-th. Each later
//! generation draws ⌈N/α⌉ − N new points, each by picking a kept particle
//! in proportion to its weight and moving it by a Gaussian kernel cut to
//! the cube (per coordinate, sd = √2 × the kept particles' weighted sd,
//! Beaumont et al. 2009), weighs each by prior ÷ the mixture of kernels
//! that proposed it (importance weights), and keeps the N nearest of old
//! and new together. The acceptance rate is the share of new points that
//! came inside the previous tolerance; the run stops when it falls below
//! the minimum (the tolerance has stopped shrinking usefully) or at the
//! generation cap.
//!
//! Nothing here simulates: `evaluate` turns each generation's proposals
//! into distances, so the scheme is tested on models with known
//! posteriors. Every draw comes from a ChaCha stream keyed by (seed,
//! generation, proposal), so a calibration is the same at any thread count
//! and can be replayed from its recorded distances.

use rand::{RngExt, SeedableRng};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::model::rng::SimRng;

/// The scheme's sizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Particles kept each generation, N (the posterior sample).
    pub particles: usize,
    /// Share of each generation's points kept, α in (0, 1).
    pub alpha: f64,
    /// Stop when fewer than this share of new points fall inside the previous tolerance.
    pub min_acceptance: f64,
    /// Most generations, the prior's included.
    pub max_generations: u32,
}

impl Settings {
    /// Points of generation 0: ⌈N/α⌉.
    pub fn first_draws(&self) -> usize {
        ((self.particles as f64 / self.alpha).ceil() as usize).max(self.particles + 1)
    }

    /// New points of each later generation: ⌈N/α⌉ − N.
    pub fn new_draws(&self) -> usize {
        self.first_draws() - self.particles
    }

    /// Points a generation draws.
    pub fn draws(&self, generation: u32) -> usize {
        if generation == 0 { self.first_draws() } else { self.new_draws() }
    }
}

/// A point to simulate: its place in the unit cube of prior probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Generation that drew it.
    pub generation: u32,
    /// Its number within the generation.
    pub index: u32,
    /// Prior probability below it, per parameter.
    pub unit: Vec<f64>,
}

/// A simulated point with its distance and importance weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Particle {
    /// Generation that drew it.
    pub generation: u32,
    /// Its number within the generation.
    pub index: u32,
    /// Prior probability below it, per parameter.
    pub unit: Vec<f64>,
    /// Distance from the targets (NaN: a target was undefined; ranks last).
    pub distance: f64,
    /// Natural log of its importance weight (unnormalised).
    pub log_weight: f64,
}

/// What one generation did.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// Its number (0: the prior).
    pub generation: u32,
    /// Points simulated.
    pub simulations: usize,
    /// Distance of the last particle kept.
    pub tolerance: f64,
    /// Share of new points inside the previous tolerance (none for generation 0).
    pub acceptance: Option<f64>,
    /// Effective sample size of the kept particles' weights, (Σw)²/Σw².
    pub effective_size: f64,
    /// The kernel's sd per coordinate for the next generation.
    pub kernel_sd: Vec<f64>,
}

/// Why the scheme stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The acceptance rate fell below the minimum.
    Acceptance,
    /// The generation cap was reached.
    Generations,
}

/// The scheme's result: the last kept particles (nearest first) and every generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// The kept particles, nearest first.
    pub particles: Vec<Particle>,
    /// Every generation, in order.
    pub generations: Vec<Generation>,
    /// Why it stopped.
    pub stop: Stop,
}

impl Posterior {
    /// The particles' weights, normalised to sum to 1 (in `particles` order).
    pub fn weights(&self) -> Vec<f64> {
        normalised(&self.particles)
    }
}

/// Smallest kernel sd (unit-cube coordinates): keeps the kernel a density
/// when every kept particle sits at one point.
const MIN_SD: f64 = 1e-6;

fn standard() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal exists")
}

/// Purpose bit of the streams of proposals' moves.
pub const PROPOSALS: u64 = 1 << 62;
/// Purpose bit of the streams of the targets' observation errors.
pub const ERRORS: u64 = 1 << 61;

/// The ChaCha stream of one purpose for one point: (seed; purpose,
/// generation, index). Purposes are bits 61–62, so that no stream of a run
/// seed ([`crate::model::rng::run_seed`] numbers them by point, below
/// 2^53) is ever shared.
pub fn keyed_rng(seed: u64, purpose: u64, generation: u32, index: u32) -> SimRng {
    let mut rng = SimRng::seed_from_u64(seed);
    rng.set_stream(purpose | u64::from(generation) << 32 | u64::from(index));
    rng
}

fn proposal_rng(seed: u64, generation: u32, index: u32) -> SimRng {
    keyed_rng(seed, PROPOSALS, generation, index)
}

/// Distance for ranking: NaN last.
fn rank(d: f64) -> f64 {
    if d.is_nan() { f64::INFINITY } else { d }
}

fn normalised(particles: &[Particle]) -> Vec<f64> {
    let top = particles.iter().map(|p| p.log_weight).fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = particles.iter().map(|p| (p.log_weight - top).exp()).collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

/// √2 × the weighted sd of each coordinate (at least [`MIN_SD`]).
fn kernel_sd(particles: &[Particle], weights: &[f64], dims: usize) -> Vec<f64> {
    (0..dims)
        .map(|d| {
            let mean: f64 = particles.iter().zip(weights).map(|(p, w)| w * p.unit[d]).sum();
            let var: f64 = particles.iter().zip(weights).map(|(p, w)| w * (p.unit[d] - mean).powi(2)).sum();
            (2.0 * var).sqrt().max(MIN_SD)
        })
        .collect()
}

/// Mass of a normal (mean `mu`, sd `sd`) inside [0, 1].
fn mass(n: &Normal, mu: f64, sd: f64) -> (f64, f64) {
    (n.cdf(-mu / sd), n.cdf((1.0 - mu) / sd))
}

/// Log density at `x` of the kernel centred on `centre`, cut to the cube.
fn log_kernel(n: &Normal, x: &[f64], centre: &[f64], sd: &[f64]) -> f64 {
    let half_log_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    x.iter()
        .zip(centre)
        .zip(sd)
        .map(|((&x, &mu), &s)| {
            let (a, b) = mass(n, mu, s);
            let z = (x - mu) / s;
            -0.5 * z * z - half_log_2pi - s.ln() - (b - a).max(f64::MIN_POSITIVE).ln()
        })
        .sum()
}

/// Keeps the `n` nearest (ties by generation, then index).
fn keep(mut pool: Vec<Particle>, n: usize) -> Vec<Particle> {
    pool.sort_by(|a, b| {
        rank(a.distance).total_cmp(&rank(b.distance)).then(a.generation.cmp(&b.generation)).then(a.index.cmp(&b.index))
    });
    pool.truncate(n);
    pool
}

fn summary(generation: u32, simulations: usize, kept: &[Particle], acceptance: Option<f64>, dims: usize) -> Generation {
    let w = normalised(kept);
    let effective_size = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
    Generation {
        generation,
        simulations,
        tolerance: kept.last().map_or(f64::NAN, |p| p.distance),
        acceptance,
        effective_size,
        kernel_sd: kernel_sd(kept, &w, dims),
    }
}

/// The proposals of generation `generation` given the particles kept
/// before it (none for generation 0) and the kernel.
pub fn proposals(
    settings: &Settings,
    dims: usize,
    seed: u64,
    generation: u32,
    kept: &[Particle],
    sd: &[f64],
) -> Vec<Proposal> {
    let n = standard();
    let weights = normalised(kept);
    (0..settings.draws(generation) as u32)
        .map(|index| {
            let mut rng = proposal_rng(seed, generation, index);
            let unit = if generation == 0 {
                (0..dims).map(|_| rng.random::<f64>()).collect()
            } else {
                // The parent, in proportion to weight.
                let r: f64 = rng.random();
                let mut acc = 0.0;
                let mut parent = kept.len() - 1;
                for (i, w) in weights.iter().enumerate() {
                    acc += w;
                    if r < acc {
                        parent = i;
                        break;
                    }
                }
                kept[parent]
                    .unit
                    .iter()
                    .zip(sd)
                    .map(|(&mu, &s)| {
                        let (a, b) = mass(&n, mu, s);
                        let p = a + rng.random::<f64>() * (b - a);
                        (mu + s * n.inverse_cdf(p)).clamp(0.0, 1.0)
                    })
                    .collect()
            };
            Proposal { generation, index, unit }
        })
        .collect()
}

/// Runs the scheme over `dims` parameters: `evaluate` gets each
/// generation's proposals and returns their distances in the same order.
pub fn run<E>(
    settings: &Settings,
    dims: usize,
    seed: u64,
    mut evaluate: impl FnMut(&[Proposal]) -> Result<Vec<f64>, E>,
) -> Result<Posterior, E> {
    let n = standard();
    let first = proposals(settings, dims, seed, 0, &[], &[]);
    let distances = evaluate(&first)?;
    let pool: Vec<Particle> = first
        .into_iter()
        .zip(distances)
        .map(|(p, distance)| Particle { generation: 0, index: p.index, unit: p.unit, distance, log_weight: 0.0 })
        .collect();
    let mut kept = keep(pool, settings.particles);
    let mut generations = vec![summary(0, settings.first_draws(), &kept, None, dims)];
    loop {
        let last = generations.last().expect("generation 0 is there");
        if last.generation + 1 >= settings.max_generations {
            return Ok(Posterior { particles: kept, generations, stop: Stop::Generations });
        }
        let (generation, tolerance, sd) = (last.generation + 1, last.tolerance, last.kernel_sd.clone());
        let drawn = proposals(settings, dims, seed, generation, &kept, &sd);
        let distances = evaluate(&drawn)?;
        let parents = normalised(&kept);
        let inside = distances.iter().filter(|&&d| rank(d) < rank(tolerance)).count();
        let acceptance = inside as f64 / drawn.len() as f64;
        let mut pool = kept.clone();
        for (p, distance) in drawn.into_iter().zip(distances) {
            // Prior density 1 on the cube, over the mixture of kernels that could have proposed it.
            let terms: Vec<f64> =
                kept.iter().zip(&parents).map(|(k, w)| w.ln() + log_kernel(&n, &p.unit, &k.unit, &sd)).collect();
            let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_mixture = top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln();
            pool.push(Particle { generation, index: p.index, unit: p.unit, distance, log_weight: -log_mixture });
        }
        kept = keep(pool, settings.particles);
        generations.push(summary(generation, settings.new_draws(), &kept, Some(acceptance), dims));
        if acceptance < settings.min_acceptance {
            return Ok(Posterior { particles: kept, generations, stop: Stop::Acceptance });
        }
    }
}

/// The weighted quantile `q` of `values` (weights summing to 1): the
/// smallest value whose cumulative weight reaches `q`.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut acc = 0.0;
    for &i in &order {
        acc += weights[i];
        if acc >= q - 1e-12 {
            return values[i];
        }
    }
    order.last().map_or(f64::NAN, |&i| values[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal as Gauss};

    fn settings(particles: usize, min_acceptance: f64) -> Settings {
        Settings { particles, alpha: 0.5, min_acceptance, max_generations: 40 }
    }

    /// Weighted mean and sd of coordinate `d`, mapped from the unit cube by `to`.
    fn moments(post: &Posterior, d: usize, to: impl Fn(f64) -> f64) -> (f64, f64) {
        let w = post.weights();
        let x: Vec<f64> = post.particles.iter().map(|p| to(p.unit[d])).collect();
        let mean: f64 = x.iter().zip(&w).map(|(x, w)| x * w).sum();
        let var: f64 = x.iter().zip(&w).map(|(x, w)| w * (x - mean).powi(2)).sum();
        (mean, var.sqrt())
    }

    /// A stochastic model with a known posterior: y ~ N(θ, 1) observed at
    /// 2, prior U(−10, 10), so θ | y ~ N(2, 1) (the prior's cut is 8 sd
    /// away). A second parameter the data say nothing of keeps its prior,
    /// U(−10, 10): mean 0, sd 20/√12 = 5.77.
    #[test]
    fn recovers_a_normal_posterior_and_leaves_an_unidentified_parameter_at_its_prior() {
        let theta = |u: f64| -10.0 + 20.0 * u;
        let noise = Gauss::new(0.0, 1.0).expect("valid");
        let mut calls = 0;
        let post = run(&settings(1000, 0.1), 2, 7, |batch| {
            calls += 1;
            Ok::<_, ()>(
                batch
                    .iter()
                    .map(|p| {
                        let mut rng = proposal_rng(99, p.generation, p.index);
                        let y = theta(p.unit[0]) + noise.sample(&mut rng);
                        (y - 2.0).abs()
                    })
                    .collect(),
            )
        })
        .expect("runs");
        assert_eq!(post.stop, Stop::Acceptance);
        assert_eq!(calls, post.generations.len());
        let (mean, sd) = moments(&post, 0, theta);
        // Within 0.1 posterior sd (1) of the analytic mean, the sd within 10%.
        assert!((mean - 2.0).abs() < 0.1, "posterior mean {mean}, expected 2");
        // ABC at tolerance ε widens N(2, 1) by about ε²/3 in variance.
        let eps = post.generations.last().expect("some").tolerance;
        assert!(eps < 0.3, "the tolerance shrank to {eps}");
        assert!((0.9..1.1).contains(&sd), "posterior sd {sd}, expected 1");
        let (mean2, sd2) = moments(&post, 1, theta);
        assert!(mean2.abs() < 0.6, "unidentified parameter's mean {mean2}, prior's 0");
        assert!((sd2 - 5.77).abs() < 0.6, "unidentified parameter's sd {sd2}, prior's 5.77");
        // Tolerances never grow: the kept set only improves.
        for pair in post.generations.windows(2) {
            assert!(pair[1].tolerance <= pair[0].tolerance);
        }
    }

    /// A deterministic model with a point posterior: the tolerance falls
    /// towards 0 and the particles close on the truth.
    #[test]
    fn closes_on_the_truth_of_a_deterministic_model() {
        let post = run(&settings(200, 0.05), 2, 3, |batch| {
            Ok::<_, ()>(batch.iter().map(|p| ((p.unit[0] - 0.3).powi(2) + (p.unit[1] - 0.8).powi(2)).sqrt()).collect())
        })
        .expect("runs");
        let (m0, s0) = moments(&post, 0, |u| u);
        let (m1, _) = moments(&post, 1, |u| u);
        assert!((m0 - 0.3).abs() < 0.01 && (m1 - 0.8).abs() < 0.01, "{m0} {m1}");
        assert!(s0 < 0.01, "{s0}");
    }

    #[test]
    fn proposals_depend_on_the_seed_and_their_key_alone() {
        let s = settings(10, 0.05);
        let a = proposals(&s, 3, 5, 0, &[], &[]);
        let b = proposals(&s, 3, 5, 0, &[], &[]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 20);
        assert_ne!(a, proposals(&s, 3, 6, 0, &[], &[]));
        assert!(a.iter().all(|p| p.unit.iter().all(|u| (0.0..1.0).contains(u))));
        // Kernel draws stay in the cube even from its corners.
        let kept: Vec<Particle> = (0..10)
            .map(|i| Particle { generation: 0, index: i, unit: vec![0.0, 1.0, 0.5], distance: 1.0, log_weight: 0.0 })
            .collect();
        for p in proposals(&s, 3, 5, 1, &kept, &[0.5, 0.5, MIN_SD]) {
            assert!(p.unit.iter().all(|u| (0.0..=1.0).contains(u)), "{:?}", p.unit);
            assert!((p.unit[2] - 0.5).abs() < 1e-4);
        }
    }

    #[test]
    fn the_cut_kernel_is_a_density_on_the_cube() {
        let n = standard();
        for (mu, sd) in [(0.0, 0.3), (0.5, 0.1), (0.95, 0.6)] {
            // Midpoint rule over [0, 1].
            let steps = 20_000;
            let total: f64 = (0..steps)
                .map(|i| {
                    let x = (i as f64 + 0.5) / steps as f64;
                    log_kernel(&n, &[x], &[mu], &[sd]).exp() / steps as f64
                })
                .sum();
            assert!((total - 1.0).abs() < 1e-6, "mu {mu} sd {sd}: {total}");
        }
    }

    #[test]
    fn weighted_quantiles() {
        let v = [3.0, 1.0, 2.0, 4.0];
        let w = [0.25; 4];
        assert_eq!(weighted_quantile(&v, &w, 0.5), 2.0);
        assert_eq!(weighted_quantile(&v, &w, 0.0), 1.0);
        assert_eq!(weighted_quantile(&v, &w, 1.0), 4.0);
        assert_eq!(weighted_quantile(&v, &[0.7, 0.1, 0.1, 0.1], 0.5), 3.0);
    }
}
