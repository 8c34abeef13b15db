//! Simulated catchments against real ones.
//!
//! OHID's catchments give, for each acute trust, the share of its patients
//! from each district; they need no admissions totals, so the model is
//! compared in that form. For each trust with a row, the distance is half
//! the sum over the scenario's districts of the absolute difference between
//! the simulated and the real share of its patients from each (both
//! renormalised over those districts); the scenario's distance is the mean
//! over trusts weighted by each provider's planned capacity (the same
//! weights for every method). Two baselines are scored the same way: every
//! patient to the trust of the nearest emergency site, and a gravity model
//! (each trust drawing a locality's patients in proportion to its beds ×
//! exp(−β·road minutes to its nearest site), β fitted to the same
//! catchments).
//!
//! [`fit`] chooses the two travel-time weights of the choice model —
//! `choice.beta_minutes_emergency` for services without patient choice
//! and `choice.beta_minutes` for elective choice — by the same distance,
//! using the patients each provider would expect at the start (equal
//! quality, no waits, no network routing: the patient choice of the
//! catchments' period), and scores them by two-fold cross-validation over
//! districts: fitted on one half, scored on the other, both ways.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::model::routing::Catchments;
use crate::model::run::{output, scenario_hash};
use crate::model::scenario::Capability;
use crate::model::world::{LocalityId, ProviderId, World};
use crate::model::{Scenario, Simulation};

/// Patients by provider and then by district.
pub type Patients = Vec<BTreeMap<String, f64>>;

/// The real catchments of a scenario's providers: for each provider, its
/// trust's shares by district (`None`: no row, or none from the area).
pub type Real = Vec<Option<BTreeMap<String, f64>>>;

/// One demand stream at the start: a locality's weekly patients of one
/// service and complexity, and the capable providers in the engine's order.
struct Stream {
    locality: LocalityId,
    emergency: bool,
    patients: f64,
    /// (provider, road minutes), as the engine lists them: those within the
    /// choice radius first.
    capable: Vec<(ProviderId, f64)>,
    /// How many are within the choice radius (at least 1).
    within: usize,
}

/// A scenario's demand and geography, ready for scoring weights quickly.
pub struct Geography {
    districts: Vec<String>,
    district_of: Vec<usize>,
    streams: Vec<Stream>,
    providers: usize,
    /// Emergency sites: for each locality, the provider of the nearest site
    /// seeing emergency patients.
    nearest_emergency: Vec<Option<ProviderId>>,
    /// For each locality, each provider's quickest site to reach, minutes.
    nearest_site: Vec<Vec<f64>>,
}

impl Geography {
    /// The demand of `world` at the start.
    pub fn new(world: &World) -> Geography {
        let mut districts: Vec<String> = world.localities.iter().map(|l| l.district.clone()).collect();
        districts.sort();
        districts.dedup();
        let district_of =
            world.localities.iter().map(|l| districts.binary_search(&l.district).expect("listed")).collect();
        // The capable providers nearest first, as the engine lists them.
        let catchments =
            Catchments::build(world, |p, s| world.providers[p.index()].offers[s.index()].and_then(|o| o.general()));
        let mut streams = Vec::new();
        for l in world.locality_ids() {
            let residents = world.localities[l.index()].residents;
            for s in world.service_ids() {
                let svc = &world.services[s.index()];
                let weekly: f64 = (0..3).map(|b| residents[b] * svc.weekly_rate[b]).sum();
                // Specialist units take their specialty's share; general units the rest.
                let specialists = &world.specialists[s.index()];
                let general = 1.0 - specialists.iter().map(|x| x.1).sum::<f64>();
                for (k, share) in [(0, 1.0 - svc.complex_share), (1, svc.complex_share)] {
                    let listed = catchments.capable(s, k, l);
                    let capable: Vec<(ProviderId, f64)> =
                        listed.iter().map(|&p| (p, world.minutes(l, p, s, Capability::taking(k)))).collect();
                    let within = catchments.within_radius(s, k, l);
                    let mut push = |patients: f64, capable: Vec<(ProviderId, f64)>, within: usize| {
                        if patients > 0.0 && !capable.is_empty() {
                            let emergency = !svc.patient_choice;
                            streams.push(Stream { locality: l, emergency, patients, capable, within: within.max(1) });
                        }
                    };
                    push(weekly * share * general, capable, within);
                    for &(p, specialty) in specialists {
                        push(weekly * share * specialty, vec![(p, world.minutes(l, p, s, Capability::taking(k)))], 1);
                    }
                }
            }
        }
        let emergency = world
            .service("emergency_medicine")
            .or_else(|| world.service_ids().find(|s| !world.services[s.index()].patient_choice));
        let nearest_emergency = world
            .locality_ids()
            .map(|l| emergency.and_then(|s| catchments.capable(s, 0, l).first().copied()))
            .collect();
        let nearest_site = world
            .locality_ids()
            .map(|l| {
                world
                    .provider_ids()
                    .map(|p| {
                        world
                            .service_ids()
                            .map(|s| world.minutes(l, p, s, Capability::Basic))
                            .fold(f64::INFINITY, f64::min)
                    })
                    .collect()
            })
            .collect();
        Geography { districts, district_of, streams, providers: world.providers.len(), nearest_emergency, nearest_site }
    }

    /// The scenario's districts, sorted.
    pub fn districts(&self) -> &[String] {
        &self.districts
    }

    fn empty(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0; self.districts.len()]; self.providers]
    }

    fn named(&self, v: Vec<Vec<f64>>) -> Patients {
        v.into_iter().map(|row| self.districts.iter().cloned().zip(row).collect()).collect()
    }

    /// Patients each provider expects at the start: emergency services by
    /// decay in travel time (`beta_emergency`), elective services by the
    /// logit on travel time (`beta_elective`), both over the providers
    /// within the choice radius (the nearest when none is).
    pub fn expected(&self, beta_emergency: f64, beta_elective: f64) -> Patients {
        let mut out = self.empty();
        let mut weights = Vec::new();
        for st in &self.streams {
            let beta = if st.emergency { beta_emergency } else { beta_elective };
            let within = st.within;
            let first = st.capable[0].1;
            weights.clear();
            weights.extend(st.capable[..within].iter().map(|c| (-beta * (c.1 - first)).exp()));
            let total: f64 = weights.iter().sum();
            let d = self.district_of[st.locality.index()];
            for (c, w) in st.capable[..within].iter().zip(&weights) {
                out[c.0.index()][d] += st.patients * w / total;
            }
        }
        self.named(out)
    }

    fn residents_patients(&self) -> Vec<f64> {
        let mut per = vec![0.0; self.nearest_site.len()];
        for st in &self.streams {
            per[st.locality.index()] += st.patients;
        }
        per
    }

    /// Every patient to the trust of the nearest emergency site.
    pub fn nearest(&self) -> Patients {
        let mut out = self.empty();
        for (l, n) in self.residents_patients().into_iter().enumerate() {
            if let Some(p) = self.nearest_emergency[l] {
                out[p.index()][self.district_of[l]] += n;
            }
        }
        self.named(out)
    }

    /// Each provider draws a locality's patients in proportion to
    /// `beds` × exp(−β·road minutes to its quickest site).
    pub fn gravity(&self, beds: &[f64], beta: f64) -> Patients {
        let mut out = self.empty();
        for (l, n) in self.residents_patients().into_iter().enumerate() {
            let d = &self.nearest_site[l];
            let near = d.iter().copied().fold(f64::INFINITY, f64::min);
            let w: Vec<f64> = beds.iter().zip(d).map(|(b, t)| b * (-beta * (t - near)).exp()).collect();
            let total: f64 = w.iter().sum();
            if total > 0.0 {
                for (p, x) in w.iter().enumerate() {
                    out[p][self.district_of[l]] += n * x / total;
                }
            }
        }
        self.named(out)
    }
}

/// A scored comparison: the weighted distance and each provider's.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    /// Weighted mean distance over the providers compared.
    pub distance: f64,
    /// (provider index, distance) for each provider compared.
    pub providers: Vec<(usize, f64)>,
}

/// The distance between `patients` and the real catchments over `districts`
/// (`None`: all of them), weighted by `weights` (providers with no real
/// catchment, or zero weight, are left out; one with no simulated patients
/// there is 1 away).
pub fn score(patients: &Patients, real: &Real, weights: &[f64], districts: Option<&[String]>) -> Score {
    let (mut sum, mut total) = (0.0, 0.0);
    let mut providers = Vec::new();
    for (p, (sim, real)) in patients.iter().zip(real).enumerate() {
        let Some(real) = real else { continue };
        let keep = |d: &String| districts.is_none_or(|ds| ds.contains(d));
        let r: f64 = real.iter().filter(|(d, _)| keep(d)).map(|(_, v)| v).sum();
        if r <= 0.0 || weights[p] <= 0.0 {
            continue;
        }
        let m: f64 = sim.iter().filter(|(d, _)| keep(d)).map(|(_, v)| v).sum();
        let tvd = if m <= 0.0 {
            1.0
        } else {
            0.5 * real
                .iter()
                .filter(|(d, _)| keep(d))
                .map(|(d, v)| (v / r - sim.get(d).copied().unwrap_or(0.0) / m).abs())
                .sum::<f64>()
        };
        sum += weights[p] * tvd;
        total += weights[p];
        providers.push((p, tvd));
    }
    Score { distance: if total > 0.0 { sum / total } else { f64::NAN }, providers }
}

/// Each provider's weight: its planned capacity, episodes a week.
pub fn weights(world: &World) -> Vec<f64> {
    world.providers.iter().map(|p| p.offers.iter().flatten().map(|o| o.capacity).sum()).collect()
}

/// Patients by provider and district in the first measured year of a
/// simulated run (seed `seed`).
pub fn simulated(scenario: &Scenario, mut world: World, seed: u64) -> Patients {
    world.time.horizon_weeks = 52;
    let district: BTreeMap<String, String> =
        world.localities.iter().map(|l| (l.id.clone(), l.district.clone())).collect();
    let index: BTreeMap<String, usize> = world.providers.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
    let n = world.providers.len();
    let mut sim = Simulation::new(world, seed, false);
    sim.run_to_end();
    let out = output(&sim, scenario_hash(scenario), seed);
    let mut patients: Patients = vec![BTreeMap::new(); n];
    for f in &out.map.flows {
        *patients[index[&f.provider]].entry(district[&f.locality].clone()).or_insert(0.0) += f.patients as f64;
    }
    patients
}

/// A logarithmic grid of travel-time weights, per minute.
pub fn grid(from: f64, to: f64, points: usize) -> Vec<f64> {
    (0..points).map(|i| from * (to / from).powf(i as f64 / (points - 1) as f64)).collect()
}

/// A prepared scenario scored over some of its districts (`None`: all).
#[derive(Clone, Copy)]
pub struct Part<'a> {
    /// The scenario.
    pub prepared: &'a Prepared,
    /// The districts scored.
    pub districts: Option<&'a [String]>,
}

impl Part<'_> {
    fn score(&self, patients: &Patients) -> f64 {
        score(patients, &self.prepared.real, &self.prepared.weights, self.districts).distance
    }
}

/// The pair of weights (emergency, elective) on `grid` that minimises the
/// summed weighted distance over `parts`, and that sum (the grid searched
/// in parallel; ties go to the earlier point).
pub fn fit(parts: &[Part<'_>], grid: &[f64]) -> (f64, f64, f64) {
    let points: Vec<(f64, f64)> = grid.iter().flat_map(|&be| grid.iter().map(move |&bd| (be, bd))).collect();
    let losses: Vec<f64> = points
        .par_iter()
        .map(|&(be, bd)| parts.iter().map(|p| p.score(&p.prepared.geography.expected(be, bd))).sum())
        .collect();
    let (i, loss) = losses.iter().enumerate().fold((0, f64::INFINITY), |b, (i, &l)| if l < b.1 { (i, l) } else { b });
    (points[i].0, points[i].1, loss)
}

/// The gravity model's β on `grid` that minimises the summed distance.
pub fn fit_gravity(parts: &[Part<'_>], grid: &[f64]) -> (f64, f64) {
    let losses: Vec<f64> = grid
        .par_iter()
        .map(|&beta| parts.iter().map(|p| p.score(&p.prepared.geography.gravity(&p.prepared.beds, beta))).sum())
        .collect();
    let (i, loss) = losses.iter().enumerate().fold((0, f64::INFINITY), |b, (i, &l)| if l < b.1 { (i, l) } else { b });
    (grid[i], loss)
}

/// The two halves of a sorted list of districts: alternate ones.
pub fn halves(districts: &[String]) -> [Vec<String>; 2] {
    let mut out = [Vec::new(), Vec::new()];
    for (i, d) in districts.iter().enumerate() {
        out[i % 2].push(d.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distance_is_half_the_summed_share_differences() {
        let real: Real = vec![Some(BTreeMap::from([("A".into(), 0.75), ("B".into(), 0.25)])), None];
        let sim: Patients =
            vec![BTreeMap::from([("A".into(), 50.0), ("B".into(), 50.0)]), BTreeMap::from([("A".into(), 10.0)])];
        let s = score(&sim, &real, &[2.0, 1.0], None);
        assert!((s.distance - 0.25).abs() < 1e-12, "{s:?}");
        assert_eq!(s.providers.len(), 1, "a provider with no real catchment is left out");
        // Over district A alone both are all from A.
        let s = score(&sim, &real, &[2.0, 1.0], Some(&["A".to_owned()]));
        assert!(s.distance.abs() < 1e-12);
        // A provider with no simulated patients there is as far as can be.
        let none: Patients = vec![BTreeMap::new(), BTreeMap::new()];
        assert_eq!(score(&none, &real, &[1.0, 1.0], None).distance, 1.0);
    }

    #[test]
    fn halves_alternate() {
        let ds: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(halves(&ds), [vec!["a".to_owned(), "c".to_owned()], vec!["b".to_owned()]]);
    }
}

/// What `ccsim validate --catchments` reports for one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub scenario: String,
    /// Providers compared (with a real catchment).
    pub providers: usize,
    /// The simulated run's distance (seed 1, the first measured year).
    pub model: f64,
    /// The nearest emergency site's.
    pub nearest: f64,
    /// The gravity model's, at its fitted β.
    pub gravity: f64,
    /// The gravity model's β, per minute.
    pub gravity_beta: f64,
    /// The five providers furthest from their real catchment: (id, model, nearest site).
    pub worst: Vec<(String, f64, f64)>,
}

/// The cross-validated fit of the choice weights over several scenarios.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    /// β_e, per minute, and β_t fitted on every district.
    pub beta_emergency: f64,
    /// β_t, per minute.
    pub beta_elective: f64,
    /// The summed distance of the scenarios at the fitted weights (the
    /// patients each provider would expect at the start).
    pub loss: f64,
    /// The same at each scenario's own weights (`choice`): how far from the
    /// fit's best its defaults score.
    pub loss_at_own: f64,
    /// Held-out distance of the model, mean of the two folds.
    pub held_out_model: f64,
    /// Held-out distance of the nearest emergency site (no parameters).
    pub held_out_nearest: f64,
    /// Held-out distance of the gravity model (β fitted on the other half).
    pub held_out_gravity: f64,
    /// Each fold: (β_e, β_t fitted on one half, model distance on the other).
    pub folds: Vec<(f64, f64, f64)>,
}

/// One scenario prepared for scoring.
pub struct Prepared {
    /// Its name.
    pub name: String,
    /// Its world.
    pub world: World,
    /// Its demand and geography.
    pub geography: Geography,
    /// Real catchments of its providers.
    pub real: Real,
    /// Providers' weights.
    pub weights: Vec<f64>,
    /// Providers' beds in 2022/23 (their trust's and its predecessors').
    pub beds: Vec<f64>,
}

/// Prepares a valid scenario: its world under its own regime, and its
/// providers' real catchments and beds (`beds` by trust code).
pub fn prepare(s: &Scenario, observed: &crate::import::catchments::Observed, beds: &BTreeMap<String, f64>) -> Prepared {
    let regime = s.regime.resolve().expect("a valid scenario's regime resolves");
    let world = World::build(s, regime);
    let geography = Geography::new(&world);
    let districts: Vec<&str> = geography.districts().iter().map(String::as_str).collect();
    let real =
        world.providers.iter().map(|p| p.trust.as_deref().and_then(|t| observed.shares(t, &districts, beds))).collect();
    let trust_beds = world
        .providers
        .iter()
        .map(|p| {
            p.trust.as_deref().map_or(0.0, |t| {
                std::iter::once(t)
                    .chain(crate::import::predecessors(t).iter().copied())
                    .map(|c| beds.get(c).copied().unwrap_or(0.0))
                    .sum()
            })
        })
        .collect();
    let weights = weights(&world);
    Prepared { name: s.name.clone(), world, geography, real, weights, beds: trust_beds }
}

/// The grid the weights are fitted on: 44 points from 0.005 to 6 per minute.
pub fn default_grid() -> Vec<f64> {
    grid(0.005, 6.0, 44)
}

/// Scores a prepared scenario: a simulated run against the baselines.
pub fn report(s: &Scenario, p: &Prepared) -> ScenarioReport {
    let (gravity_beta, _) = fit_gravity(&[Part { prepared: p, districts: None }], &default_grid());
    let model = score(&simulated(s, p.world.clone(), 1), &p.real, &p.weights, None);
    let nearest = score(&p.geography.nearest(), &p.real, &p.weights, None);
    let gravity = score(&p.geography.gravity(&p.beds, gravity_beta), &p.real, &p.weights, None);
    let near: BTreeMap<usize, f64> = nearest.providers.iter().copied().collect();
    let mut worst: Vec<(String, f64, f64)> = model
        .providers
        .iter()
        .map(|&(i, d)| (p.world.providers[i].id.clone(), d, near.get(&i).copied().unwrap_or(f64::NAN)))
        .collect();
    worst.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    worst.truncate(5);
    ScenarioReport {
        scenario: p.name.clone(),
        providers: model.providers.len(),
        model: model.distance,
        nearest: nearest.distance,
        gravity: gravity.distance,
        gravity_beta,
        worst,
    }
}

/// Fits the choice weights over the scenarios together, with two-fold
/// cross-validation over each scenario's districts.
pub fn fit_all(prepared: &[Prepared]) -> FitReport {
    let grid = default_grid();
    let all: Vec<Part<'_>> = prepared.iter().map(|p| Part { prepared: p, districts: None }).collect();
    let (beta_emergency, beta_elective, loss) = fit(&all, &grid);
    let loss_at_own = all
        .iter()
        .map(|part| {
            let c = &part.prepared.world.choice;
            part.score(&part.prepared.geography.expected(c.beta_minutes_emergency, c.beta_minutes))
        })
        .sum();
    let halves: Vec<[Vec<String>; 2]> = prepared.iter().map(|p| halves(p.geography.districts())).collect();
    let on = |half: usize| -> Vec<Part<'_>> {
        prepared.iter().zip(&halves).map(|(p, h)| Part { prepared: p, districts: Some(h[half].as_slice()) }).collect()
    };
    let n = prepared.len() as f64;
    let (mut folds, mut model, mut nearest, mut gravity) = (Vec::new(), 0.0, 0.0, 0.0);
    for (train, test) in [(0, 1), (1, 0)] {
        let (be, bd, _) = fit(&on(train), &grid);
        let (gb, _) = fit_gravity(&on(train), &grid);
        let mut held = 0.0;
        for part in on(test) {
            let g = &part.prepared.geography;
            held += part.score(&g.expected(be, bd)) / n;
            nearest += part.score(&g.nearest()) / n / 2.0;
            gravity += part.score(&g.gravity(&part.prepared.beds, gb)) / n / 2.0;
        }
        model += held / 2.0;
        folds.push((be, bd, held));
    }
    FitReport {
        beta_emergency,
        beta_elective,
        loss,
        loss_at_own,
        held_out_model: model,
        held_out_nearest: nearest,
        held_out_gravity: gravity,
        folds,
    }
}
