//! The quickest of many hospitals from every locality, without a journey
//! to each: where a set of providers sees a service, ordered east to west,
//! searched outward from each locality.
//!
//! A journey's minutes are its listed road minutes when the locality lists
//! some for the place, else the travel-time model's at the residents'
//! straight-line distance, which never falls as the distance grows
//! (`per_km` and `per_sqrt_km` are at least 0). So the quickest of many
//! places is the quicker of the quickest listed one and the model's minutes
//! to the nearest unlisted one — the same number, to the bit, as the least
//! of [`World::minutes`] over the providers.

use super::{Capability, LocalityId, ProviderId, ServiceId, World, travel};

/// Where some providers see a service at a level or above: each one's
/// sites that see it so, or its position when none does (as
/// [`World::minutes`] goes to them).
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// East and north, km, and the place number for listed minutes, by east.
    points: Vec<(f64, f64, Option<u32>)>,
    /// The place numbers among them, sorted.
    numbers: Vec<u32>,
}

impl World {
    /// Where `providers` see service `s` at level `level` or above.
    pub fn places(&self, providers: impl Iterator<Item = ProviderId>, s: ServiceId, level: Capability) -> Places {
        let (service, at) = self.journeys.keys[self.journeys.slot(s, level)];
        let mut points = Vec::new();
        for p in providers {
            let p = &self.providers[p.index()];
            let before = points.len();
            points.extend(p.sites.iter().filter(|x| x.reaches(service, at)).map(|x| (x.x, x.y, Some(x.place))));
            if points.len() == before {
                points.push((p.x, p.y, p.place));
            }
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut numbers: Vec<u32> = points.iter().filter_map(|x| x.2).collect();
        numbers.sort_unstable();
        Places { points, numbers }
    }

    /// Road minutes from `l` to the quickest of `places`; `None` when there
    /// are none.
    pub fn quickest(&self, l: LocalityId, places: &Places) -> Option<f64> {
        let loc = &self.localities[l.index()];
        // Listed: the locality's few listed places that are among them.
        let listed = loc
            .listed
            .iter()
            .filter(|(at, _)| places.numbers.binary_search(at).is_ok())
            .map(|x| x.1)
            .min_by(f64::total_cmp);
        // Unlisted: the nearest, searched outward east and west from the
        // locality until the east–west gap alone is further than the nearest.
        let points = &places.points;
        let unlisted = |i: usize| points[i].2.is_none_or(|at| loc.listed(at).is_none());
        let squared = |i: usize| {
            let (dx, dy) = (loc.x - points[i].0, loc.y - points[i].1);
            (dx * dx + dy * dy, dx)
        };
        let start = points.partition_point(|x| x.0 < loc.x);
        let mut nearest: Option<(f64, usize)> = None;
        let mut consider = |i: usize| -> bool {
            let (d2, dx) = squared(i);
            if nearest.is_some_and(|(best, _)| dx * dx > best) {
                return false;
            }
            if unlisted(i) && nearest.is_none_or(|(best, _)| d2 < best) {
                nearest = Some((d2, i));
            }
            true
        };
        let (mut east, mut west) = (start, start);
        let (mut east_open, mut west_open) = (true, true);
        while east_open || west_open {
            if east_open {
                east_open = east < points.len() && consider(east);
                east += 1;
            }
            if west_open {
                west_open = west > 0 && consider(west - 1);
                west = west.saturating_sub(1);
            }
        }
        let modelled = nearest.map(|(_, i)| {
            let (x, y, _) = points[i];
            travel(&self.geography, loc.rurality, (loc.x - x, loc.y - y), loc.spread_km, None).0
        });
        match (listed, modelled) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
