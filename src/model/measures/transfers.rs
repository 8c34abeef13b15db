//! Transfers between levels of care: complex cases that presented at a unit
//! of the routine level and were moved to one of the complex level
//! (`services.<id>.transfers`), counted with the distance between the two
//! units and the outcomes of those moved; the complex cases recognised in
//! time that were taken past a nearest unit of the routine level (for
//! neonatal care, in-utero transfers); beside them, the patients moved on
//! from a full unit (the diversions).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::World;
use crate::model::world::{ProviderId, ServiceId};

/// One service's transfers in the measured window, as they happen.
#[derive(Debug, Clone, Default)]
pub struct TransferTally {
    /// Complex cases referred.
    pub complex: u64,
    /// Of them, transferred between levels.
    pub moved: u64,
    /// Σ road minutes between the two units over those transferred.
    pub minutes: f64,
    /// Σ road km between the two units.
    pub km: f64,
    /// Transferred patients treated in the region.
    pub treated: u64,
    /// Adverse outcomes among them.
    pub adverse: u64,
    /// Transfers by (from, to) provider, with Σ road minutes.
    pub routes: BTreeMap<(ProviderId, ProviderId), (u64, f64)>,
    /// Complex cases moved ahead of presenting ([`crate::model::queue::Case::Ahead`]).
    pub ahead: u64,
    /// Σ road minutes from the nearest unit to where they went, over those moved ahead.
    pub ahead_minutes: f64,
    /// Σ road km, the same.
    pub ahead_km: f64,
    /// Those moved ahead treated in the region.
    pub ahead_treated: u64,
    /// Adverse outcomes among them.
    pub ahead_adverse: u64,
}

impl TransferTally {
    /// Counts `n` patients moved from `from` to `to`, `minutes` and `km` apart by road.
    pub fn record(&mut self, from: ProviderId, to: ProviderId, n: u32, minutes: f64, km: f64) {
        let n = u64::from(n);
        self.moved += n;
        self.minutes += n as f64 * minutes;
        self.km += n as f64 * km;
        let route = self.routes.entry((from, to)).or_default();
        route.0 += n;
        route.1 += n as f64 * minutes;
    }

    /// Counts `n` patients moved ahead of presenting, `minutes` and `km` by
    /// road from the nearest unit to the one they went to.
    pub fn record_ahead(&mut self, n: u32, minutes: f64, km: f64) {
        let n = u64::from(n);
        self.ahead += n;
        self.ahead_minutes += n as f64 * minutes;
        self.ahead_km += n as f64 * km;
    }
}

/// One service's transfers over the measured window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transfers {
    /// Complex cases referred.
    pub complex_cases: u64,
    /// Complex cases that presented at a unit of the routine level and
    /// were transferred to one of the complex level.
    pub between_levels: u64,
    /// Their share of complex cases (`null` with none).
    pub share_of_complex: Option<f64>,
    /// Mean road minutes between the two units (`null` with no transfers).
    pub mean_minutes: Option<f64>,
    /// Mean road km between the two units.
    pub mean_km: Option<f64>,
    /// Transferred patients treated in the region.
    pub treated: u64,
    /// Adverse outcomes among them.
    pub adverse: u64,
    /// Their rate (`null` with none treated).
    pub adverse_rate: Option<f64>,
    /// Emergency patients moved on from a full unit to another with room
    /// (the service's diversions).
    pub for_room: u64,
    /// Each pair of units with transfers between levels.
    pub routes: Vec<Route>,
    /// Complex cases recognised in time whose nearest unit is of the
    /// routine level, taken straight past it to a unit of the complex
    /// level (for neonatal care, in-utero transfers).
    #[serde(default)]
    pub ahead: Ahead,
}

/// Complex cases moved ahead of presenting at their nearest unit, over the
/// measured window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ahead {
    /// Patients moved.
    pub patients: u64,
    /// Their share of complex cases (`null` with none).
    pub share_of_complex: Option<f64>,
    /// Mean road minutes from the nearest unit to the one they went to (`null` with none moved).
    pub mean_minutes: Option<f64>,
    /// Mean road km, the same.
    pub mean_km: Option<f64>,
    /// Those treated in the region.
    pub treated: u64,
    /// Adverse outcomes among them.
    pub adverse: u64,
    /// Their rate (`null` with none treated).
    pub adverse_rate: Option<f64>,
}

/// Transfers from one provider's unit to another's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// The provider where patients presented, by id.
    pub from: String,
    /// The provider they were transferred to.
    pub to: String,
    /// Patients transferred.
    pub transfers: u64,
    /// Mean road minutes between the units.
    pub mean_minutes: f64,
}

/// Every service whose complex cases may present at the routine level, from
/// its tally and its diversions (`for_room[s]`).
pub fn summary(world: &World, tallies: &[TransferTally], for_room: &[u64]) -> BTreeMap<String, Transfers> {
    world
        .service_ids()
        .filter(|s| world.services[s.index()].unplanned_share > 0.0)
        .map(|s: ServiceId| {
            let t = &tallies[s.index()];
            let per = |total: f64, n: u64| (n > 0).then(|| total / n as f64);
            let routes = t
                .routes
                .iter()
                .map(|(&(from, to), &(n, minutes))| Route {
                    from: world.providers[from.index()].id.clone(),
                    to: world.providers[to.index()].id.clone(),
                    transfers: n,
                    mean_minutes: minutes / n as f64,
                })
                .collect();
            let summary = Transfers {
                complex_cases: t.complex,
                between_levels: t.moved,
                share_of_complex: per(t.moved as f64, t.complex),
                mean_minutes: per(t.minutes, t.moved),
                mean_km: per(t.km, t.moved),
                treated: t.treated,
                adverse: t.adverse,
                adverse_rate: per(t.adverse as f64, t.treated),
                for_room: for_room[s.index()],
                routes,
                ahead: Ahead {
                    patients: t.ahead,
                    share_of_complex: per(t.ahead as f64, t.complex),
                    mean_minutes: per(t.ahead_minutes, t.ahead),
                    mean_km: per(t.ahead_km, t.ahead),
                    treated: t.ahead_treated,
                    adverse: t.ahead_adverse,
                    adverse_rate: per(t.ahead_adverse as f64, t.ahead_treated),
                },
            };
            (world.services[s.index()].id.clone(), summary)
        })
        .collect()
}
