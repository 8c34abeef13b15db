//! How near residents live to each service: for every service, the share
//! of residents whose quickest open site offering it is within 30 and 60
//! minutes' road travel, at the end of a run (after any closures and
//! takeovers), overall, urban and rural, and by district; and the same for
//! its units of the complex level alone (an obstetric unit, a neonatal
//! intensive care unit), for a service with complex cases, and for its
//! units of the routine level or above (local neonatal and intensive care
//! units), for a service with three levels. Unlike
//! `access`, which follows the patients treated, this counts everyone who
//! lives in the area, whether or not they needed the service. The quickest
//! site is found from where the open providers see the service, searched
//! outward from each locality ([`World::quickest`]), not by a journey to
//! every provider.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::World;
use crate::model::measures::metrics::group;
use crate::model::provider::ProviderState;
use crate::model::scenario::Capability;
use crate::model::world::{Places, ProviderId, ServiceId};

/// The travel times counted, minutes.
pub const THRESHOLDS: [f64; 2] = [30.0, 60.0];

/// Shares of residents near one service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Within 30 minutes' road travel of a site offering it.
    pub within_30_minutes: Shares,
    /// Within 60 minutes.
    pub within_60_minutes: Shares,
    /// The same for the service's units of the complex level alone, for a
    /// service with complex cases (absent for the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complex_level: Option<Box<Coverage>>,
    /// The same for its units of the routine level or above, for a service
    /// with three levels (`transfers.basic_share` above 0; absent for the
    /// others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routine_level: Option<Box<Coverage>>,
}

/// A share of residents, overall and by group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shares {
    /// All residents (`null` with none).
    pub overall: Option<f64>,
    /// Residents of urban localities.
    pub urban: Option<f64>,
    /// Residents of rural localities.
    pub rural: Option<f64>,
    /// By district (the localities' `district`).
    pub by_district: BTreeMap<String, f64>,
}

/// Where the open providers offering `s` at `level` or above see it (a
/// site at its unit's level unless it has one of its own below it).
fn places(world: &World, providers: &[ProviderState], s: ServiceId, level: Capability) -> Places {
    let offering = providers
        .iter()
        .enumerate()
        .filter(|(_, p)| p.open && p.units[s.index()].as_ref().is_some_and(|u| u.capability >= level));
    world.places(offering.map(|(i, _)| ProviderId(i as u32)), s, level)
}

/// Coverage of every service, weighting each locality by `residents`
/// (one figure per locality, in locality order).
pub fn coverage(world: &World, providers: &[ProviderState], residents: &[f64]) -> BTreeMap<String, Coverage> {
    world
        .service_ids()
        .map(|s| {
            // Road minutes from each locality to the quickest of `level` or above.
            let near = |level: Capability| {
                let places = places(world, providers, s, level);
                let minutes = world.locality_ids().map(|l| world.quickest(l, &places));
                nearness(world, residents, minutes)
            };
            let mut all = near(Capability::Basic);
            let service = &world.services[s.index()];
            if service.basic_transfer_share > 0.0 {
                all.routine_level = Some(Box::new(near(Capability::Routine)));
            }
            if service.complex_share > 0.0 {
                all.complex_level = Some(Box::new(near(Capability::Complex)));
            }
            (world.services[s.index()].id.clone(), all)
        })
        .collect()
}

/// Coverage from each locality's road minutes to the quickest unit counted
/// (in locality order).
fn nearness(world: &World, residents: &[f64], minutes: impl Iterator<Item = Option<f64>>) -> Coverage {
    // [threshold][urban, rural, all] of (residents near, residents).
    let mut groups = [[(0.0, 0.0); 3]; 2];
    let mut districts: BTreeMap<&str, [(f64, f64); 2]> = BTreeMap::new();
    for ((loc, &n), minutes) in world.localities.iter().zip(residents).zip(minutes) {
        let district = districts.entry(loc.district.as_str()).or_default();
        for (t, limit) in THRESHOLDS.iter().enumerate() {
            let near = if minutes.is_some_and(|m| m <= *limit) { n } else { 0.0 };
            for g in [group(loc.rurality), 2] {
                groups[t][g].0 += near;
                groups[t][g].1 += n;
            }
            district[t].0 += near;
            district[t].1 += n;
        }
    }
    let share = |(near, all): (f64, f64)| (all > 0.0).then(|| near / all);
    let shares = |t: usize| Shares {
        overall: share(groups[t][2]),
        urban: share(groups[t][0]),
        rural: share(groups[t][1]),
        by_district: districts.iter().filter_map(|(d, x)| Some(((*d).to_owned(), share(x[t])?))).collect(),
    };
    Coverage { within_30_minutes: shares(0), within_60_minutes: shares(1), complex_level: None, routine_level: None }
}
