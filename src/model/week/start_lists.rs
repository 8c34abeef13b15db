//! The waiting lists a run starts with: each elective unit's list from the
//! scenario (`providers[].services.<id>.waiting_list`), as RTT statistics
//! count it — patients on incomplete pathways and how long they have waited.
//!
//! No random draw is made: the patients are spread over the weeks waited
//! ([`StartList::by_week`]) and, within each week, over localities and
//! complexity in proportion to the referrals that routing sends the unit in
//! the first week (largest remainder, so every count is exact).

use super::decisions::RouteScratch;
use super::engine::Simulation;
use super::queue::Cohort;
use crate::model::scenario::Capability;
use crate::model::world::{LocalityId, ProviderId, ServiceId, World};

impl Simulation {
    /// Puts each unit's starting list on its queue, oldest first.
    pub(super) fn seed_waiting_lists(&mut self) {
        let (np, ns, nl) = (self.providers.len(), self.world.services.len(), self.world.localities.len());
        let lists: Vec<(usize, usize, crate::model::scenario::StartList)> = (0..np)
            .flat_map(|p| (0..ns).map(move |s| (p, s)))
            .filter_map(|(p, s)| self.world.providers[p].offers[s].and_then(|o| o.waiting_list).map(|w| (p, s, w)))
            .filter(|(_, _, w)| w.patients > 0)
            .collect();
        if lists.is_empty() {
            return;
        }
        // Where each listed unit's referrals come from: (locality × 2 +
        // complexity, weight), only where routing sends some (a unit reaches
        // few of the map's localities).
        let mut origins: Vec<Option<Vec<(usize, f64)>>> = vec![None; np * ns];
        for (p, s, _) in &lists {
            origins[p * ns + s] = Some(Vec::new());
        }
        let mut scratch = RouteScratch::default();
        for s in (0..ns as u32).map(ServiceId) {
            if !lists.iter().any(|(_, ls, _)| *ls == s.index()) {
                continue;
            }
            for l in (0..nl as u32).map(LocalityId) {
                self.expected_routes(l, s, &mut scratch, |p, k, n, _| {
                    if let Some(weights) = origins[p.index() * ns + s.index()].as_mut() {
                        add_weight(weights, l.index() * 2 + k, n);
                    }
                });
            }
        }
        let mut nearest: Vec<Option<NearestLocalities>> = vec![None; ns];
        for (p, s, list) in lists {
            let mut weights = origins[p * ns + s].take().unwrap_or_default();
            weights.retain(|(_, w)| *w > 0.0);
            if weights.is_empty() {
                // Nobody is routed here in the first week: the nearest locality's routine patients.
                let near = nearest[s].get_or_insert_with(|| nearest_within_reach(&self.world, ServiceId(s as u32)));
                let nearest = near[p].map_or_else(
                    || nearest_locality(&self.world, ProviderId(p as u32), ServiceId(s as u32)),
                    |(_, l)| l,
                );
                weights.push((nearest * 2, 1.0));
            }
            // Only the (locality, complexity) pairs with weight can receive patients
            // (largest remainder gives nothing to a zero weight): share among them alone.
            weights.sort_by_key(|(i, _)| *i);
            let (at, weights): (Vec<usize>, Vec<f64>) = weights.into_iter().unzip();
            let unit = self.providers[p].units[s].as_mut().expect("a start list belongs to an offered service");
            for (wait, n) in list.by_week().into_iter().enumerate().rev() {
                for (j, count) in crate::model::scenario::largest_remainder(n, &weights).into_iter().enumerate() {
                    let i = at[j];
                    let c = Cohort {
                        arrival: -(wait as i32),
                        locality: LocalityId((i / 2) as u32),
                        case: crate::model::queue::Case::of_level(i % 2),
                        risk_of: s as u16,
                        before: 0,
                        count,
                    };
                    // The start lists' patients wait as routine ones: urgent patients pass through the list quickly.
                    unit.queue.push(c, false, &self.world.groups);
                }
            }
            self.snapshot.set(ProviderId(p as u32), ServiceId(s as u32), true, unit.expected_wait());
            self.ledger.listed_at_start += u64::from(list.patients);
        }
        self.snapshot.settle(&self.world);
    }
}

/// Adds `n` to the weight of (locality × 2 + complexity) `i` in `weights`,
/// whose entries were added locality by locality: `i`'s is among the last two.
fn add_weight(weights: &mut Vec<(usize, f64)>, i: usize, n: f64) {
    match weights.iter_mut().rev().take(2).find(|(at, _)| *at == i) {
        Some((_, w)) => *w += n,
        None => weights.push((i, n)),
    }
}

/// By provider, the nearest locality with its road km, if any has the provider within reach.
type NearestLocalities = Vec<Option<(f64, usize)>>;

/// For each provider, the locality nearest to its unit of `s` by road km
/// (the first such) among those that have it within reach, with the km:
/// any locality without it within reach is farther.
fn nearest_within_reach(world: &World, s: ServiceId) -> NearestLocalities {
    let mut best: Vec<Option<(f64, usize)>> = vec![None; world.providers.len()];
    for l in world.locality_ids() {
        for (p, km, _) in world.within_reach(l, s, Capability::Basic) {
            let b = &mut best[p.index()];
            if b.is_none_or(|(d, _)| km < d) {
                *b = Some((km, l.index()));
            }
        }
    }
    best
}

/// The locality nearest to a provider's unit by road km (the first such),
/// comparing every locality's journey.
fn nearest_locality(world: &World, p: ProviderId, s: ServiceId) -> usize {
    world
        .locality_ids()
        .min_by(|a, b| {
            world.distance(*a, p, s, Capability::Basic).total_cmp(&world.distance(*b, p, s, Capability::Basic))
        })
        .map_or(0, LocalityId::index)
}

#[cfg(test)]
mod tests {
    use crate::load::builtin;
    use crate::model::Simulation;
    use crate::model::scenario::StartList;

    #[test]
    fn a_start_list_has_its_size_and_shape_on_the_first_census() {
        let mut s = builtin("duopoly").unwrap();
        let list = StartList { patients: 1000, within_18_weeks: 0.55, over_52_weeks: 0.05 };
        for p in &mut s.providers {
            if let Some(o) = p.services.get_mut("elective_surgery") {
                o.waiting_list = Some(list);
            }
        }
        let offering = s.providers.iter().filter(|p| p.services.contains_key("elective_surgery")).count();
        assert!(offering > 0);
        let sim = Simulation::from_scenario(&s, 1, false);
        assert_eq!(sim.waiting(), 1000 * offering as u64);
        assert_eq!(sim.ledger().listed_at_start, 1000 * offering as u64);
        for p in sim.providers() {
            for u in p.units.iter().flatten().filter(|u| !u.queue.is_empty()) {
                let waits: Vec<(u32, u32)> = u.queue.cohorts().map(|c| (c.wait_at(0), c.count)).collect();
                let within: u32 = waits.iter().filter(|(w, _)| *w <= 18).map(|(_, n)| n).sum();
                let over: u32 = waits.iter().filter(|(w, _)| *w > 52).map(|(_, n)| n).sum();
                assert_eq!((within, over), (550, 50));
                assert!(waits.windows(2).all(|w| w[0].0 >= w[1].0), "oldest first");
                assert_eq!(u.queue.oldest_wait(0), StartList::LONGEST_WAIT);
            }
        }
    }

    #[test]
    fn by_week_is_exact_and_even_within_bands() {
        let weeks = StartList { patients: 777, within_18_weeks: 0.6, over_52_weeks: 0.1 }.by_week();
        assert_eq!(weeks.len(), StartList::LONGEST_WAIT as usize + 1);
        assert_eq!(weeks.iter().sum::<u32>(), 777);
        let band = |lo: usize, hi: usize| weeks[lo..=hi].iter().sum::<u32>();
        assert_eq!(band(0, 18), 466); // 0.6 × 777 = 466.2
        assert_eq!(band(53, 78), 78); // 0.1 × 777 = 77.7
        let spread = |lo: usize, hi: usize| weeks[lo..=hi].iter().max().unwrap() - weeks[lo..=hi].iter().min().unwrap();
        assert!(spread(0, 18) <= 1 && spread(19, 52) <= 1 && spread(53, 78) <= 1);
    }
}
