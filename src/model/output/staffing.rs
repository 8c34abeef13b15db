//! Units against their staffing standards: for every service with one
//! (`services.<id>.episodes_per_wte`, e.g. one midwife to 28 births a year),
//! each open unit's episodes over the last year per WTE of the group at the
//! end of the run, and the units above the standard (too few staff for
//! their activity). A provider's staff of a group (in post and agency) are
//! the unit's in proportion to the hours its capacity needs, as when a unit
//! moves ([`crate::model::configuration::unit_shares`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::World;
use crate::model::configuration::unit_shares;
use crate::model::provider::ProviderState;
use crate::model::scenario::STAFF_GROUPS;

/// One service's units against one staff group's standard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Staffing {
    /// Most episodes a year per WTE.
    pub standard: f64,
    /// Open units of the service at the end of the run.
    pub units: u32,
    /// Episodes over the last 52 weeks per WTE, all units together (`null`
    /// with no staff).
    pub episodes_per_wte: Option<f64>,
    /// Units whose episodes per WTE exceed the standard.
    pub above_standard: u32,
    /// The providers whose units exceed it, by id.
    pub providers_above: Vec<String>,
}

/// By service and staff group (`maternity.midwifery`), at the end of a run.
pub fn staffing(world: &World, providers: &[ProviderState]) -> BTreeMap<String, BTreeMap<String, Staffing>> {
    let mut out: BTreeMap<String, BTreeMap<String, Staffing>> = BTreeMap::new();
    for s in world.service_ids() {
        let service = &world.services[s.index()];
        for (g, standard) in service.episodes_per_wte.iter().enumerate() {
            let Some(standard) = *standard else { continue };
            let mut v = Staffing { standard, ..Staffing::default() };
            let (mut episodes, mut wte) = (0u64, 0.0);
            for (p, state) in world.providers.iter().zip(providers) {
                if !state.open || state.units[s.index()].is_none() {
                    continue;
                }
                let loads = state.unit_loads(&world.services, |si| world.services[si].tariff);
                let share = unit_shares(&loads, s.index()).staff[g];
                let staff = &state.staff[g];
                let mine = (staff.in_post() + staff.agency) * share;
                let n = state.units[s.index()].as_ref().map_or(0, |u| u.annual_volume());
                v.units += 1;
                episodes += n;
                wte += mine;
                if n as f64 > standard * mine {
                    v.above_standard += 1;
                    v.providers_above.push(p.id.clone());
                }
            }
            v.episodes_per_wte = (wte > 0.0).then(|| episodes as f64 / wte);
            out.entry(service.id.clone()).or_default().insert(STAFF_GROUPS[g].to_owned(), v);
        }
    }
    out
}
