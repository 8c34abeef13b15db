//! Transfers between levels of care: complex cases that presented at a unit
//! of the routine level and were moved to one of the complex level
//! (`services.<id>.transfers`), counted with the distance between the two
//! units and the outcomes of those moved; the complex cases recognised in
//! time that were taken past a nearest unit of the routine level (for
//! neonatal care, in-utero transfers); the routine cases moved during care
//! to a unit of a higher level (intrapartum transfers from a midwife-led
//! unit; babies needing high-dependency care moved from a special care
//! unit); beside them, the patients moved on from a full unit (the
//! diversions).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::World;
use crate::model::world::{ProviderId, ServiceId};

/// One service's transfers in the measured window, as they happen.
#[derive(Debug, Clone, Default)]
pub struct TransferTally {
    /// Complex cases referred.
    pub complex: u64,
    /// Of them, transferred between levels after presenting.
    pub after: Moves,
    /// Transfers by (from, to) provider, with Σ road minutes.
    pub routes: Routes,
    /// Of them, moved ahead of presenting ([`crate::model::queue::Case::Ahead`]).
    pub ahead: Moves,
    /// Routine cases that began care at a unit that moves some of them
    /// during care (the routine level with `transfers.routine_share`, the
    /// basic level).
    pub routine_at_routine_level: u64,
    /// Of them, moved during care to a unit of a higher level
    /// ([`crate::model::queue::Case::RoutineMoved`]).
    pub during_care: Moves,
    /// Those moves by (from, to) provider, with Σ road minutes.
    pub during_care_routes: Routes,
}

/// Moves by (from, to) provider: patients and Σ road minutes.
pub type Routes = BTreeMap<(ProviderId, ProviderId), (u64, f64)>;

/// Counts `n` patients moved from `from` to `to`, `minutes` apart by road.
fn add_route(routes: &mut Routes, from: ProviderId, to: ProviderId, n: u32, minutes: f64) {
    let route = routes.entry((from, to)).or_default();
    route.0 += u64::from(n);
    route.1 += f64::from(n) * minutes;
}

/// The routes in provider order, by id.
fn listed(world: &World, routes: &Routes) -> Vec<Route> {
    routes
        .iter()
        .map(|(&(from, to), &(n, minutes))| Route {
            from: world.providers[from.index()].id.clone(),
            to: world.providers[to.index()].id.clone(),
            transfers: n,
            mean_minutes: minutes / n as f64,
        })
        .collect()
}

/// Patients moved from one unit to another, as they happen.
#[derive(Debug, Clone, Default)]
pub struct Moves {
    /// Patients moved.
    pub patients: u64,
    /// Σ road minutes between the two units over them.
    pub minutes: f64,
    /// Σ road km between the two units.
    pub km: f64,
    /// Those treated in the region.
    pub treated: u64,
    /// Adverse outcomes among them.
    pub adverse: u64,
}

impl Moves {
    /// Counts `n` patients moved, `minutes` and `km` apart by road.
    pub fn record(&mut self, n: u32, minutes: f64, km: f64) {
        let n = u64::from(n);
        self.patients += n;
        self.minutes += n as f64 * minutes;
        self.km += n as f64 * km;
    }

    /// Counts `n` of them treated, `adverse` with an adverse outcome.
    pub fn record_treated(&mut self, n: u32, adverse: u32) {
        self.treated += u64::from(n);
        self.adverse += u64::from(adverse);
    }

    /// What they come to, out of `cases` cases: the complex cases referred,
    /// or for moves during care the routine cases that began at a unit of
    /// the routine level (`DuringCare::share`).
    fn summary(&self, cases: u64) -> Moved {
        let per = |total: f64, n: u64| (n > 0).then(|| total / n as f64);
        Moved {
            patients: self.patients,
            share_of_complex: per(self.patients as f64, cases),
            mean_minutes: per(self.minutes, self.patients),
            mean_km: per(self.km, self.patients),
            treated: self.treated,
            adverse: self.adverse,
            adverse_rate: per(self.adverse as f64, self.treated),
        }
    }
}

impl TransferTally {
    /// Counts `n` patients transferred from `from` to `to`, `minutes` and `km` apart by road.
    pub fn record(&mut self, from: ProviderId, to: ProviderId, n: u32, minutes: f64, km: f64) {
        self.after.record(n, minutes, km);
        add_route(&mut self.routes, from, to, n, minutes);
    }

    /// Counts `n` routine patients moved during care from `from` to `to`,
    /// `minutes` and `km` apart by road.
    pub fn record_during_care(&mut self, from: ProviderId, to: ProviderId, n: u32, minutes: f64, km: f64) {
        self.during_care.record(n, minutes, km);
        add_route(&mut self.during_care_routes, from, to, n, minutes);
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
    pub ahead: Moved,
    /// Routine cases that began care at a unit of the routine level and
    /// were moved during it to the nearest of the complex level (for
    /// maternity, intrapartum transfers from midwife-led units).
    #[serde(default)]
    pub during_care: DuringCare,
}

/// Routine cases moved during care from a unit of the routine level to one
/// of the complex level, over the measured window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DuringCare {
    /// Routine cases that began care at a unit of the routine level.
    pub began_at_routine_level: u64,
    /// Of them, moved.
    pub patients: u64,
    /// Their share of those who began there (`null` with none).
    pub share: Option<f64>,
    /// Mean road minutes from the unit they left to the one they went to (`null` with none moved).
    pub mean_minutes: Option<f64>,
    /// Mean road km, the same.
    pub mean_km: Option<f64>,
    /// Those treated in the region.
    pub treated: u64,
    /// Adverse outcomes among them.
    pub adverse: u64,
    /// Their rate (`null` with none treated).
    pub adverse_rate: Option<f64>,
    /// Each pair of units with moves between them.
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// Patients moved from one unit to another (complex cases moved ahead of
/// presenting at their nearest unit, in `Transfers::ahead`), over the
/// measured window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    /// Patients moved.
    pub patients: u64,
    /// Their share of complex cases (`null` with none).
    pub share_of_complex: Option<f64>,
    /// Mean road minutes from the unit they left (or passed) to the one they went to (`null` with none moved).
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

/// Every service whose cases may move between levels (complex cases
/// presenting at the routine level, or routine cases moved during care),
/// from its tally and its diversions (`for_room[s]`).
pub fn summary(world: &World, tallies: &[TransferTally], for_room: &[u64]) -> BTreeMap<String, Transfers> {
    world
        .service_ids()
        .filter(|s| world.services[s.index()].moves_between_levels())
        .map(|s: ServiceId| {
            let t = &tallies[s.index()];
            let routes = listed(world, &t.routes);
            let after = t.after.summary(t.complex);
            let summary = Transfers {
                complex_cases: t.complex,
                between_levels: after.patients,
                share_of_complex: after.share_of_complex,
                mean_minutes: after.mean_minutes,
                mean_km: after.mean_km,
                treated: after.treated,
                adverse: after.adverse,
                adverse_rate: after.adverse_rate,
                for_room: for_room[s.index()],
                routes,
                ahead: t.ahead.summary(t.complex),
                during_care: {
                    let m = t.during_care.summary(t.routine_at_routine_level);
                    DuringCare {
                        began_at_routine_level: t.routine_at_routine_level,
                        patients: m.patients,
                        share: m.share_of_complex,
                        mean_minutes: m.mean_minutes,
                        mean_km: m.mean_km,
                        treated: m.treated,
                        adverse: m.adverse,
                        adverse_rate: m.adverse_rate,
                        routes: listed(world, &t.during_care_routes),
                    }
                },
            };
            (world.services[s.index()].id.clone(), summary)
        })
        .collect()
}
