//! The world a run takes place in: the scenario compiled into id-addressed
//! tables (localities, services, providers) and the road distance and travel
//! time from every locality to where each provider sees each service, ready
//! for fast weekly lookups.
//!
//! The world never changes during a run; everything that does (queues, cash,
//! staff, quality, closures) lives in the engine's provider state.

use super::params::{BehaviourParams, FailureParams, IntegrationParams, OutOfAreaParams};
use super::regime::Regime;
use super::scenario::{
    Capability, ChoiceParams, FinanceParams, Geography, NetworkParams, OutcomeParams, Position, ProviderKind, Rurality,
    Scenario, StartList, TimeSpec, Urgency, WorkforceSpec,
};
use super::timeline::Change;
use std::collections::BTreeMap;

mod places;
pub use places::Places;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            /// The index into the world's table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// Index of a locality in [`World::localities`].
    LocalityId
);
id_type!(
    /// Index of a service in [`World::services`].
    ServiceId
);
id_type!(
    /// Index of a provider in [`World::providers`].
    ProviderId
);

/// Age bands of residents, in the order used by every per-band array.
pub const AGE_BANDS: [&str; 3] = ["children", "adults", "older"];
/// Index of the 65+ band.
pub const OLDER: usize = 2;

/// Case complexity, used as an index (0 routine, 1 complex).
pub const COMPLEXITIES: [&str; 2] = ["routine", "complex"];

/// A place where people live.
#[derive(Debug, Clone)]
pub struct Locality {
    /// Id from the scenario.
    pub id: String,
    /// Display name.
    pub name: String,
    /// East, km (projected when the scenario gives lat/lon).
    pub x: f64,
    /// North, km.
    pub y: f64,
    /// Residents.
    pub population: f64,
    /// Residents by age band at the start.
    pub residents: [f64; 3],
    /// Residents by age band in each year of the measured window (`[0]`
    /// the scenario's own year, also the warm-up's), as
    /// the district's projection grows them; empty where the population
    /// holds still.
    pub residents_by_year: Vec<[f64; 3]>,
    /// Urban or rural.
    pub rurality: Rurality,
    /// Mean distance from a resident to the centre, km (before circuity).
    pub spread_km: f64,
    /// The district it lies in (its id when the scenario names none).
    pub district: String,
    /// Referral rate relative to each service's national rate, net of the
    /// share treated outside the scenario (`elsewhere`), by service index.
    pub rate_ratio: Vec<f64>,
    /// Listed road minutes by place (see [`World::build`]), sorted by place.
    listed: Vec<(u32, f64)>,
}

impl Locality {
    /// Residents by age band in year `year` of the measured window (the
    /// last projected year after it).
    pub fn residents_in(&self, year: usize) -> [f64; 3] {
        match self.residents_by_year.get(year).or(self.residents_by_year.last()) {
            Some(r) => *r,
            None => self.residents,
        }
    }

    /// The listed road minutes to place `place`, if any.
    fn listed(&self, place: u32) -> Option<f64> {
        self.listed.binary_search_by_key(&place, |x| x.0).ok().map(|i| self.listed[i].1)
    }
}

/// A clinical service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Id from the scenario.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Elective or emergency.
    pub urgency: Urgency,
    /// Whether patients choose under choice routing.
    pub patient_choice: bool,
    /// Referrals per resident per week, by age band.
    pub weekly_rate: [f64; 3],
    /// Share of complex referrals.
    pub complex_share: f64,
    /// Staff hours per episode by group.
    pub staff_hours: [f64; 4],
    /// £ per episode.
    pub variable_cost: f64,
    /// £ per episode.
    pub tariff: f64,
    /// Baseline risk by complexity.
    pub baseline_risk: [f64; 2],
    /// Log-odds of the baseline risk by complexity.
    pub baseline_logit: [f64; 2],
    /// Minimum safe volume, episodes per year, by the unit's level: `[routine, complex]`.
    pub min_safe_volume: [f64; 2],
    /// Minimum safe volume of a complex unit's complex cases, complex
    /// episodes a year (0: none; its complex cases are held to
    /// `min_safe_volume` on all its episodes).
    pub min_complex_volume: f64,
    /// Mean length of stay, weeks (0: capacity is episodes a week, not beds).
    pub stay: f64,
    /// Shared general and acute bed-days an episode takes (0: none).
    pub bed_days: f64,
    /// Yearly growth of the referral rate per resident.
    pub growth: f64,
    /// Share of patients listed for an elective service who are clinically
    /// urgent (treated before routine patients).
    pub urgent_share: f64,
    /// Staffing standards: most episodes a year per WTE, by group.
    pub episodes_per_wte: [Option<f64>; 4],
    /// Share of complex cases not recognised in time: they present where a
    /// routine case would go, whatever its level (`services.<id>.transfers`).
    pub unplanned_share: f64,
    /// Log odds ratio of an adverse outcome for a case transferred between levels.
    pub transfer_log_odds: f64,
    /// Share of routine cases at a unit of the routine level moved during
    /// care to one of the complex level (`transfers.routine_share`).
    pub routine_transfer_share: f64,
    /// Share of routine cases at a unit of the basic level moved during
    /// care to one of the routine level or above (`transfers.basic_share`).
    pub basic_transfer_share: f64,
    /// Log odds ratio of harm per straight-line km of a complex case's journey (0: none).
    pub travel_log_odds_per_km: f64,
    /// The journey at which the baseline risk holds, straight-line km.
    pub travel_reference_km: f64,
}

impl Service {
    /// Whether the service queues (elective) rather than diverts (emergency).
    pub fn is_elective(&self) -> bool {
        self.urgency == Urgency::Elective
    }

    /// Whether its cases may move between levels of care: complex cases
    /// presenting at the routine level, or routine cases moved during care.
    pub fn moves_between_levels(&self) -> bool {
        self.unplanned_share > 0.0 || self.routine_transfer_share > 0.0 || self.basic_transfer_share > 0.0
    }
}

/// How the commissioner's budget is set (see [`World::weekly_budget_for`]).
#[derive(Debug, Clone, Copy)]
struct BudgetRule {
    /// A given budget per resident by age band, £ a year.
    given: Option<[f64; 3]>,
    /// 1 + the budget margin over the tariff value of expected referrals,
    /// times the providers' mean market forces factor.
    margin: f64,
}

impl BudgetRule {
    /// The budget, £ a week, for `residents` by locality and referral
    /// rates grown by `growth` by service: a given amount per resident, or
    /// the tariff value of each locality's expected referrals at its rate
    /// ratios (as an allocation weighted for need gives it) — the national
    /// value per resident plus what the locality's ratios add (exactly 0 at
    /// ratios of 1).
    fn weekly(&self, services: &[Service], localities: &[Locality], residents: &[[f64; 3]], growth: &[f64]) -> f64 {
        let margin = self.margin;
        let per_capita = self.given.unwrap_or_else(|| {
            let mut per_band = [0.0; 3];
            for (svc, g) in services.iter().zip(growth) {
                for (band, v) in per_band.iter_mut().enumerate() {
                    *v += g * svc.weekly_rate[band] * 52.0 * svc.tariff;
                }
            }
            per_band.map(|v| v * margin)
        });
        let local = |l: &Locality, band: usize| -> f64 {
            if self.given.is_some() {
                return 0.0;
            }
            let extra: f64 = services
                .iter()
                .zip(growth)
                .zip(&l.rate_ratio)
                .filter(|(_, r)| **r != 1.0)
                .map(|((svc, g), r)| (r - 1.0) * g * svc.weekly_rate[band] * 52.0 * svc.tariff)
                .sum();
            extra * margin
        };
        localities
            .iter()
            .zip(residents)
            .map(|(l, r)| (0..3).map(|b| r[b] * (per_capita[b] + local(l, b))).sum::<f64>())
            .sum::<f64>()
            / 52.0
    }
}

/// A service as offered by a provider at the start of a run.
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    /// Routine only, or routine and complex.
    pub capability: Capability,
    /// Episodes per week.
    pub capacity: f64,
    /// Patients waiting at the start (elective services).
    pub waiting_list: Option<StartList>,
    /// Mean weeks of the pathway before the decision to admit (elective
    /// services; 0: the clock starts at the decision).
    pub weeks_before_decision: f64,
    /// A specialist unit's share of the service's referrals (its
    /// specialty, which it alone takes); `None` for a general unit.
    pub specialty_share: Option<f64>,
    /// Minutes nearer than its road time it draws patients who do not
    /// choose (0: as its travel time says; `conveyance_minutes`).
    pub conveyance_minutes: f64,
}

impl Offer {
    /// Whether the offer can take a case of complexity `k` (0 routine, 1 complex).
    pub fn takes(&self, k: usize) -> bool {
        k == 0 || self.capability == Capability::Complex
    }

    /// The capability with which it takes the service's patients in general
    /// (`None` for a specialist unit, which takes only its specialty's).
    pub fn general(&self) -> Option<Capability> {
        self.specialty_share.is_none().then_some(self.capability)
    }
}

/// A provider as it starts a run.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Id from the scenario.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Kind of organisation.
    pub kind: ProviderKind,
    /// Parent organisation code.
    pub trust: Option<String>,
    /// East, km.
    pub x: f64,
    /// North, km.
    pub y: f64,
    /// Offers by service index (`None` where not offered).
    pub offers: Vec<Option<Offer>>,
    /// Starting quality.
    pub quality: f64,
    /// κ for this provider: `behaviour.quality_cost` × its
    /// `quality_cost_factor`, £ per episode of capacity per unit of quality².
    pub quality_cost: f64,
    /// Market forces factor: income per episode, pay and variable costs
    /// are this multiple of England's.
    pub market_forces: f64,
    /// WTE in post by staff group and age band (under 40, 40–54, 55+).
    pub staff_bands: [[f64; 3]; 4],
    /// Funded WTE by staff group.
    pub establishment: [f64; 4],
    /// £ at start.
    pub cash: f64,
    /// £ at start.
    pub debt: f64,
    /// £ per week.
    pub fixed_cost: f64,
    /// Shared general and acute beds (`None`: no limit).
    pub beds: Option<f64>,
    /// The occupancy electives may fill its shared beds to: the larger of
    /// its own (`occupancy`) and the behaviour's limit.
    pub elective_bed_limit: f64,
    /// The occupancy it plans its shared beds at: its own (`occupancy`),
    /// or the behaviour's limit when it has none.
    pub planned_occupancy: f64,
    /// Hospital sites (none: everything at the provider's position).
    pub sites: Vec<Site>,
    /// Its place number when it lists no sites, for listed travel times.
    place: Option<u32>,
}

/// One hospital site of a provider.
#[derive(Debug, Clone)]
pub struct Site {
    /// Id from the scenario.
    pub id: String,
    /// Display name.
    pub name: String,
    /// East, km.
    pub x: f64,
    /// North, km.
    pub y: f64,
    /// Whether it sees each service, by [`ServiceId`].
    pub sees: Vec<bool>,
    /// Its level for each service it offers below its provider's (a
    /// freestanding midwife-led unit of a trust with an obstetric unit
    /// elsewhere), by [`ServiceId`]; `None`: the provider's.
    pub levels: Vec<Option<Capability>>,
    /// Its place number, for listed travel times.
    place: u32,
}

impl Site {
    /// Whether it offers service `service` at level `level` or above (at
    /// its provider's level, when it has none of its own).
    fn reaches(&self, service: usize, level: Capability) -> bool {
        self.sees[service] && self.levels[service].is_none_or(|own| own >= level)
    }
}

/// The compiled, immutable world of a run.
#[derive(Debug, Clone)]
pub struct World {
    /// Scenario name.
    pub name: String,
    /// Time settings.
    pub time: TimeSpec,
    /// Localities by [`LocalityId`].
    pub localities: Vec<Locality>,
    /// Each locality's group in the grouped results (0 urban, 1 rural), by
    /// [`LocalityId`]: what waiting lists count their patients by.
    pub groups: Vec<u8>,
    /// Services by [`ServiceId`] (sorted by id).
    pub services: Vec<Service>,
    /// Providers by [`ProviderId`].
    pub providers: Vec<Provider>,
    /// The regime's knobs.
    pub regime: Regime,
    /// Choice parameters.
    pub choice: ChoiceParams,
    /// Network parameters (hubs resolved in [`World::hub`]).
    pub network: NetworkParams,
    /// Outcome model.
    pub outcome: OutcomeParams,
    /// Payment-system costs.
    pub finance: FinanceParams,
    /// Staff hours and costs.
    pub workforce: WorkforceSpec,
    /// Distances and diversion radius.
    pub geography: Geography,
    /// Commissioner's budget at the start, £ per week.
    pub weekly_budget: f64,
    /// How the budget follows the population and its need.
    budget_rule: BudgetRule,
    /// Residents.
    pub population: f64,
    /// Provider behaviour.
    pub behaviour: BehaviourParams,
    /// Failure and takeover.
    pub failure: FailureParams,
    /// Treatment outside the region.
    pub out_of_area: OutOfAreaParams,
    /// Road distance to an out-of-area provider, km.
    pub out_of_area_km: f64,
    /// Integration.
    pub integration: IntegrationParams,
    /// The service substituted patients receive, if any.
    pub community: Option<ServiceId>,
    /// Whether older people's demand for a service may be substituted, by service.
    pub substitutable: Vec<bool>,
    /// Training places started a year at the start, WTE by staff group.
    pub training_places: [f64; 4],
    /// The most recruited from abroad a year at the start, WTE by staff group.
    pub international_recruits: [f64; 4],
    /// Timed changes, in week order (stable).
    pub timeline: Vec<(u32, Change)>,
    /// Each service's specialist units with their specialty's share of
    /// its referrals, by [`ServiceId`], in provider order.
    pub specialists: Vec<Vec<(ProviderId, f64)>>,
    /// Hub per service, if designated.
    hubs: Vec<Option<ProviderId>>,
    /// The journeys from each locality to the providers within reach.
    journeys: Journeys,
}

const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Projects lat/lon positions to km on a plane tangent at their mean
/// (equirectangular; error under 0.5% within 150 km of the centre).
fn project(positions: &[Position]) -> Vec<(f64, f64)> {
    let latlon = positions.iter().any(|p| p.lat.is_some());
    if !latlon {
        return positions.iter().map(|p| (p.x.unwrap_or(0.0), p.y.unwrap_or(0.0))).collect();
    }
    let n = positions.len().max(1) as f64;
    let lat0 = positions.iter().map(|p| p.lat.unwrap_or(0.0)).sum::<f64>() / n;
    let lon0 = positions.iter().map(|p| p.lon.unwrap_or(0.0)).sum::<f64>() / n;
    let points: Vec<(f64, f64)> = positions.iter().map(|p| (p.lat.unwrap_or(lat0), p.lon.unwrap_or(lon0))).collect();
    project_latlon(&points, (lat0, lon0))
}

/// Projects (latitude, longitude) pairs in degrees to (east, north) km on
/// the plane tangent at `origin`: equirectangular, x = R·Δλ·cos φ₀,
/// y = R·Δφ, R = 6,371.0088 km (the mean Earth radius).
pub fn project_latlon(points: &[(f64, f64)], origin: (f64, f64)) -> Vec<(f64, f64)> {
    let (lat0, lon0) = origin;
    let k = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;
    points.iter().map(|&(lat, lon)| (k * (lon - lon0) * lat0.to_radians().cos(), k * (lat - lat0))).collect()
}

/// Mean distance from a point of a disc of `area_km2` to its centre, km:
/// (2/3)·√(area/π), added to every journey from a locality.
pub fn spread_km(area_km2: f64) -> f64 {
    2.0 / 3.0 * (area_km2 / std::f64::consts::PI).sqrt()
}

/// A journey from a locality to a place: road minutes (listed, else
/// modelled) and road km.
#[derive(Debug, Clone, Copy)]
struct Journey {
    minutes: f64,
    km: f64,
}

/// The journeys from each locality to the providers within reach (the
/// largest of the choice, diversion and mutual-aid radii, in road km), kept
/// by provider for each service slot (one slot per service when some
/// provider lists sites, else one), so that the table grows with what a
/// locality can reach rather than with the whole map. A journey to a
/// provider beyond reach is worked out when asked for, by the same rule.
/// A small world (at most [`DENSE_JOURNEYS`] journeys) also keeps every
/// journey by index, for lookups without a search.
#[derive(Debug, Clone, Default)]
struct Journeys {
    /// The slot of each service at each level (`[service][level as usize]`):
    /// a service that some site offers below its provider's level has a slot
    /// for the routine level or above and one for the complex level (the
    /// journeys to the quickest site of that level); every other service,
    /// one slot (none when no provider lists sites: slot 0).
    slot_of: Vec<[usize; 3]>,
    /// The (service, level) of each slot: as many as a locality has.
    keys: Vec<(usize, Capability)>,
    /// Providers.
    providers: usize,
    /// Every journey, `[(locality * slots + slot) * providers + provider]`,
    /// in a small world; empty otherwise.
    dense: Vec<Journey>,
    /// Where each (locality, slot)'s journeys start in `entries`; one more
    /// than there are (locality, slot) pairs.
    starts: Vec<usize>,
    /// (provider, journey), by provider within each (locality, slot).
    entries: Vec<(u32, Journey)>,
}

impl Journeys {
    /// The slots of a world's services: one per service when some provider
    /// lists sites (two more for a service some site offers below its
    /// provider's level), else one.
    fn slots_of(
        services: usize,
        sited: bool,
        split: impl Fn(usize) -> bool,
    ) -> (Vec<[usize; 3]>, Vec<(usize, Capability)>) {
        if !sited {
            return (vec![[0; 3]; services], vec![(0, Capability::Basic)]);
        }
        let mut keys: Vec<(usize, Capability)> = (0..services).map(|s| (s, Capability::Basic)).collect();
        let slot_of = (0..services)
            .map(|s| {
                if !split(s) {
                    return [s; 3];
                }
                let at = keys.len();
                keys.push((s, Capability::Routine));
                keys.push((s, Capability::Complex));
                [s, at, at + 1]
            })
            .collect();
        (slot_of, keys)
    }

    /// The slot of service `s` at level `level` or above.
    #[inline]
    fn slot(&self, s: ServiceId, level: Capability) -> usize {
        self.slot_of[s.index()][level as usize]
    }

    /// The kept journeys of `l` for `s` at `level` or above.
    fn of(&self, l: LocalityId, s: ServiceId, level: Capability) -> &[(u32, Journey)] {
        let at = l.index() * self.keys.len() + self.slot(s, level);
        &self.entries[self.starts[at]..self.starts[at + 1]]
    }

    fn find(&self, l: LocalityId, p: ProviderId, s: ServiceId, level: Capability) -> Option<Journey> {
        if !self.dense.is_empty() {
            let at = l.index() * self.keys.len() + self.slot(s, level);
            return Some(self.dense[at * self.providers + p.index()]);
        }
        let here = self.of(l, s, level);
        here.binary_search_by_key(&p.0, |e| e.0).ok().map(|i| here[i].1)
    }
}

/// Most journeys a world keeps by index as well as within reach (16 bytes
/// each: 32 MB).
const DENSE_JOURNEYS: usize = 1 << 21;

/// How far a locality's patients can go, road km: the largest of the choice,
/// diversion and mutual-aid radii.
fn reach_km(choice: &ChoiceParams, geo: &Geography, network: &NetworkParams) -> f64 {
    choice.radius_km.max(geo.diversion_radius_km).max(network.mutual_aid_radius_km)
}

fn journey(l: &Locality, (x, y): (f64, f64), place: Option<u32>, geo: &Geography) -> Journey {
    let (minutes, km) = travel(geo, l.rurality, (l.x - x, l.y - y), l.spread_km, place.and_then(|at| l.listed(at)));
    Journey { minutes, km }
}

/// Road minutes and km from residents of a locality of `rurality` spread
/// `spread` km around a point `dx`, `dy` km from a site: the `listed`
/// minutes when there are some, else the travel-time model's at the
/// residents' straight-line distance √(dx² + dy² + spread²); km are that
/// distance times the circuity.
pub fn travel(
    geo: &Geography,
    rurality: Rurality,
    (dx, dy): (f64, f64),
    spread: f64,
    listed: Option<f64>,
) -> (f64, f64) {
    let straight = (dx * dx + dy * dy + spread * spread).sqrt();
    (listed.unwrap_or_else(|| geo.travel_time.minutes(rurality, straight)), geo.circuity * straight)
}

/// The quickest of `sites` seeing service `service` at level `level` or
/// above to reach from locality `l` (the first on ties), and the journey;
/// `None` when none does.
fn nearest_site(
    l: &Locality,
    sites: &[Site],
    (service, level): (usize, Capability),
    geo: &Geography,
) -> Option<(usize, Journey)> {
    sites
        .iter()
        .enumerate()
        .filter(|(_, x)| x.reaches(service, level))
        .map(|(i, x)| (i, journey(l, (x.x, x.y), Some(x.place), geo)))
        .min_by(|a, b| a.1.minutes.total_cmp(&b.1.minutes).then(a.0.cmp(&b.0)))
}

/// The journey from `l` to where provider `p` sees service `service` at
/// level `level` or above: its quickest such site, else its position.
fn journey_to(l: &Locality, p: &Provider, at: (usize, Capability), geo: &Geography) -> Journey {
    nearest_site(l, &p.sites, at, geo).map_or_else(|| journey(l, (p.x, p.y), p.place, geo), |(_, j)| j)
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

impl World {
    /// Compiles a scenario that passed [`Scenario::validate`] under `regime`.
    ///
    /// Places for listed travel times are numbered: every provider's sites
    /// in order, then the providers listing no sites.
    pub fn build(s: &Scenario, regime: Regime) -> World {
        let services: Vec<Service> = s
            .services
            .iter()
            .map(|(id, v)| Service {
                id: id.clone(),
                name: if v.name.is_empty() { id.clone() } else { v.name.clone() },
                urgency: v.urgency,
                patient_choice: v.patient_choice(),
                weekly_rate: v.referral_rate.by_band().map(|r| r / 1000.0 / 52.0),
                complex_share: v.complex_share,
                staff_hours: v.staff_hours.by_group(),
                variable_cost: v.variable_cost,
                tariff: v.tariff,
                baseline_risk: [v.baseline_risk.routine, v.baseline_risk.complex],
                baseline_logit: [logit(v.baseline_risk.routine), logit(v.baseline_risk.complex)],
                min_safe_volume: [v.min_safe_volume_routine.unwrap_or(v.min_safe_volume), v.min_safe_volume],
                min_complex_volume: v.min_complex_volume,
                stay: v.length_of_stay_weeks,
                bed_days: v.bed_days,
                growth: v.growth,
                urgent_share: v.urgent_share,
                unplanned_share: v.transfers.unplanned_share,
                transfer_log_odds: v.transfers.risk_odds.ln(),
                routine_transfer_share: v.transfers.routine_share,
                basic_transfer_share: v.transfers.basic_share,
                travel_log_odds_per_km: v.travel_risk.odds_per_km.ln(),
                travel_reference_km: v.travel_risk.reference_km,
                episodes_per_wte: std::array::from_fn(|g| {
                    v.episodes_per_wte.get(crate::model::scenario::STAFF_GROUPS[g]).copied()
                }),
            })
            .collect();
        let service_index = |id: &str| s.services.keys().position(|k| k == id);

        let positions: Vec<Position> = s
            .localities
            .iter()
            .map(|l| l.position)
            .chain(s.providers.iter().map(|p| p.position))
            .chain(s.providers.iter().flat_map(|p| p.sites.iter().map(|x| x.position)))
            .collect();
        let xy = project(&positions);
        let (loc_xy, rest) = xy.split_at(s.localities.len());
        let (prov_xy, site_xy) = rest.split_at(s.providers.len());

        // Each site its own number, whatever its id (ids need only be unique within their
        // provider; a listed time's key must name one place, which validation checks).
        let mut place_of: BTreeMap<&str, u32> = BTreeMap::new();
        for (n, x) in s.providers.iter().flat_map(|p| &p.sites).enumerate() {
            place_of.insert(x.id.as_str(), n as u32);
        }
        let sites_count = s.providers.iter().map(|p| p.sites.len()).sum::<usize>() as u32;
        let siteless: Vec<Option<u32>> = s
            .providers
            .iter()
            .scan(sites_count, |next, p| {
                Some(p.sites.is_empty().then(|| {
                    *next += 1;
                    *next - 1
                }))
            })
            .collect();
        for (p, place) in s.providers.iter().zip(&siteless) {
            if let Some(n) = place {
                place_of.insert(p.id.as_str(), *n);
            }
        }
        let residents = |l: &super::scenario::LocalitySpec| -> [f64; 3] {
            let shares = l.age_mix.shares();
            let sum: f64 = shares.iter().sum();
            shares.map(|share| share / sum * l.population)
        };
        // Each district's projection, carried to its localities band by band.
        let band_growth = s.demography.band_growth(s.time.last_year());
        let localities: Vec<Locality> = s
            .localities
            .iter()
            .zip(loc_xy)
            .map(|(l, &(x, y))| (l, x, y, residents(l)))
            .map(|(l, x, y, residents)| Locality {
                id: l.id.clone(),
                name: if l.name.is_empty() { l.id.clone() } else { l.name.clone() },
                x,
                y,
                population: l.population,
                residents,
                residents_by_year: band_growth
                    .get(l.district())
                    .map(|path| path.iter().map(|g| std::array::from_fn(|b| residents[b] * g[b])).collect())
                    .unwrap_or_default(),
                rurality: l.rurality,
                spread_km: l.spread_km.unwrap_or_else(|| spread_km(l.area_km2)),
                district: l.district.clone().unwrap_or_else(|| l.id.clone()),
                // Net of the demand treated outside the scenario.
                rate_ratio: s
                    .services
                    .keys()
                    .map(|sid| {
                        let here = 1.0 - l.elsewhere.get(sid).copied().unwrap_or(0.0);
                        l.rate_ratio.get(sid).copied().unwrap_or(1.0) * here
                    })
                    .collect(),
                listed: {
                    let mut v: Vec<(u32, f64)> =
                        l.minutes.iter().filter_map(|(k, m)| place_of.get(k.as_str()).map(|&at| (at, *m))).collect();
                    v.sort_by_key(|x| x.0);
                    v
                },
            })
            .collect();

        let mut site_xy = site_xy.iter();
        let mut site_place = 0..sites_count;
        let providers: Vec<Provider> = s
            .providers
            .iter()
            .zip(prov_xy)
            .zip(&siteless)
            .map(|((p, &(x, y)), &place)| {
                let mut offers = vec![None; services.len()];
                for (sid, o) in &p.services {
                    if let Some(i) = service_index(sid) {
                        offers[i] = Some(Offer {
                            capability: o.capability,
                            capacity: o.capacity,
                            waiting_list: o.waiting_list,
                            weeks_before_decision: o
                                .weeks_before_decision
                                .unwrap_or(s.services[sid].weeks_before_decision),
                            specialty_share: o.specialty_share,
                            conveyance_minutes: o.conveyance_minutes.unwrap_or(0.0),
                        });
                    }
                }
                Provider {
                    id: p.id.clone(),
                    name: if p.name.is_empty() { p.id.clone() } else { p.name.clone() },
                    kind: p.kind,
                    trust: p.trust.clone(),
                    x,
                    y,
                    offers,
                    quality: p.quality,
                    quality_cost: s.behaviour.quality_cost * p.quality_cost_factor,
                    market_forces: p.market_forces_factor,
                    staff_bands: {
                        let markets = s.workforce.labour.markets.by_group();
                        let groups = p.staff.by_group();
                        std::array::from_fn(|g| {
                            let profile = groups[g].age_profile.unwrap_or(markets[g].age_profile);
                            profile.shares().map(|share| share * groups[g].in_post)
                        })
                    },
                    establishment: p.staff.by_group().map(|g| g.establishment()),
                    cash: p.cash,
                    debt: p.debt,
                    fixed_cost: p.fixed_cost,
                    beds: p.beds,
                    elective_bed_limit: p
                        .occupancy
                        .map_or(s.behaviour.elective_bed_limit, |o| o.max(s.behaviour.elective_bed_limit)),
                    planned_occupancy: p.occupancy.unwrap_or(s.behaviour.elective_bed_limit),
                    sites: p
                        .sites
                        .iter()
                        .map(|x| {
                            let &(sx, sy) = site_xy.next().expect("one position per site");
                            Site {
                                id: x.id.clone(),
                                name: if x.name.is_empty() { x.id.clone() } else { x.name.clone() },
                                x: sx,
                                y: sy,
                                sees: services.iter().map(|v| x.services.contains(&v.id)).collect(),
                                levels: services.iter().map(|v| x.levels.get(&v.id).copied()).collect(),
                                place: site_place.next().expect("one place per site"),
                            }
                        })
                        .collect(),
                    place,
                }
            })
            .collect();

        // Where each provider sees each service: the quickest of its sites seeing it, else its
        // position (one journey per provider when no provider lists sites).
        let sited = providers.iter().any(|p| !p.sites.is_empty());
        let split = |si: usize| providers.iter().flat_map(|p| &p.sites).any(|x| x.levels[si].is_some());
        let (slot_of, keys) = Journeys::slots_of(services.len(), sited, split);
        let slots = keys.len();
        let reach = reach_km(&s.choice, &s.geography, &s.network);
        let dense = localities.len() * slots * providers.len() <= DENSE_JOURNEYS;
        let mut journeys = Journeys {
            slot_of,
            keys,
            providers: providers.len(),
            dense: Vec::new(),
            starts: vec![0],
            entries: Vec::new(),
        };
        for l in &localities {
            for slot in 0..slots {
                for (pi, p) in providers.iter().enumerate() {
                    let j = journey_to(l, p, journeys.keys[slot], &s.geography);
                    if j.km <= reach {
                        journeys.entries.push((pi as u32, j));
                    }
                    if dense {
                        journeys.dense.push(j);
                    }
                }
                journeys.starts.push(journeys.entries.len());
            }
        }

        let hubs = services
            .iter()
            .map(|svc| {
                s.network
                    .hubs
                    .get(&svc.id)
                    .and_then(|hub| providers.iter().position(|p| &p.id == hub))
                    .map(|i| ProviderId(i as u32))
            })
            .collect();

        // The tariff it values referrals at is the providers' market forces
        // factors' mean, weighted by the tariff value of their capacity.
        let (mut valued, mut value) = (0.0, 0.0);
        for p in &providers {
            for (o, svc) in p.offers.iter().zip(&services) {
                if let Some(o) = o {
                    let v = if svc.stay > 0.0 { o.capacity / svc.stay } else { o.capacity } * svc.tariff;
                    valued += v * p.market_forces;
                    value += v;
                }
            }
        }
        let market_forces = if value > 0.0 { valued / value } else { 1.0 };
        let budget_rule = BudgetRule {
            given: s.commissioner.budget_per_capita.map(|b| b.by_band()),
            margin: (1.0 + s.commissioner.budget_margin) * market_forces,
        };
        let start: Vec<[f64; 3]> = localities.iter().map(|l| l.residents).collect();
        let weekly_budget = budget_rule.weekly(&services, &localities, &start, &vec![1.0; services.len()]);

        let ids: Vec<&str> = s.services.keys().map(String::as_str).collect();
        let community = s.integration.community_service(&ids).and_then(service_index).map(|i| ServiceId(i as u32));
        let substitutable_ids = s.integration.substitutable(&ids);
        let substitutable = ids.iter().map(|id| substitutable_ids.contains(id)).collect();
        let markets = s.workforce.labour.markets.by_group();
        // Where a region's flows are not given, they are the national ratios to the starting staff in post.
        let in_post: [f64; 4] =
            std::array::from_fn(|g| providers.iter().map(|p| p.staff_bands[g].iter().sum::<f64>()).sum());
        let training_places = std::array::from_fn(|g| {
            let t = markets[g].training;
            t.places.unwrap_or(t.places_per_staff * in_post[g])
        });
        let international_recruits = std::array::from_fn(|g| {
            let i = markets[g].international;
            i.recruits.unwrap_or(i.per_staff * in_post[g])
        });
        let names = s.names();
        let mut timeline: Vec<(u32, Change)> = s
            .timeline
            .iter()
            .enumerate()
            .map(|(i, c)| (c.week, c.parse(&names, &format!("timeline[{i}]")).expect("the scenario was validated")))
            .collect();
        timeline.sort_by_key(|(week, _)| *week);
        let population = localities.iter().map(|l| l.population).sum();
        let specialists = (0..services.len())
            .map(|si| {
                let share = |p: &Provider| p.offers[si].as_ref().and_then(|o| o.specialty_share);
                (0..providers.len()).filter_map(|pi| Some((ProviderId(pi as u32), share(&providers[pi])?))).collect()
            })
            .collect();
        World {
            name: s.name.clone(),
            time: s.time,
            groups: localities.iter().map(|l| l.rurality.group()).collect(),
            localities,
            services,
            providers,
            regime,
            choice: s.choice,
            network: s.network.clone(),
            outcome: s.outcome,
            finance: s.finance,
            workforce: s.workforce,
            geography: s.geography,
            weekly_budget,
            budget_rule,
            population,
            behaviour: s.behaviour,
            failure: s.failure,
            out_of_area: s.out_of_area,
            out_of_area_km: s.out_of_area.distance_km.unwrap_or(s.geography.diversion_radius_km),
            integration: s.integration.clone(),
            community,
            substitutable,
            training_places,
            international_recruits,
            timeline,
            specialists,
            hubs,
            journeys,
        }
    }

    /// Whether `p`'s unit of `s` is a specialist unit (it takes only its
    /// specialty's referrals, never the service's patients in general).
    #[inline]
    pub fn is_specialist(&self, p: ProviderId, s: ServiceId) -> bool {
        self.providers[p.index()].offers[s.index()].is_some_and(|o| o.specialty_share.is_some())
    }

    /// The journey from `l` to where `p` sees `s`: kept when within reach,
    /// else worked out by the same rule.
    #[inline]
    fn journey(&self, l: LocalityId, p: ProviderId, s: ServiceId, level: Capability) -> Journey {
        self.journeys.find(l, p, s, level).unwrap_or_else(|| {
            let at = self.journeys.keys[self.journeys.slot(s, level)];
            journey_to(&self.localities[l.index()], &self.providers[p.index()], at, &self.geography)
        })
    }

    /// How far a locality's patients can go, road km: the largest of the
    /// choice, diversion and mutual-aid radii (the journeys and catchment
    /// lists kept).
    pub fn reach_km(&self) -> f64 {
        reach_km(&self.choice, &self.geography, &self.network)
    }

    /// The providers within reach of `l` for `s` at level `level` or above
    /// (the largest of the choice, diversion and mutual-aid radii, road km),
    /// by provider, with their road km and minutes. At [`Capability::Basic`]
    /// a provider's every site offering `s` counts; above it, those of the
    /// level or above (a provider's own level counts as its sites' unless a
    /// site has one of its own, `sites[].levels`).
    pub fn within_reach(
        &self,
        l: LocalityId,
        s: ServiceId,
        level: Capability,
    ) -> impl Iterator<Item = (ProviderId, f64, f64)> + '_ {
        self.journeys.of(l, s, level).iter().map(|(p, j)| (ProviderId(*p), j.km, j.minutes))
    }

    /// Road km and minutes from a locality's residents to the quickest to
    /// reach of a provider's sites offering a service at `level` or above
    /// (one lookup for both).
    #[inline]
    pub fn km_and_minutes(&self, l: LocalityId, p: ProviderId, s: ServiceId, level: Capability) -> (f64, f64) {
        let j = self.journey(l, p, s, level);
        (j.km, j.minutes)
    }

    /// Road distance from a locality's residents to the quickest to reach
    /// of a provider's sites offering a service at `level` or above, km.
    #[inline]
    pub fn distance(&self, l: LocalityId, p: ProviderId, s: ServiceId, level: Capability) -> f64 {
        self.journey(l, p, s, level).km
    }

    /// Road travel time from a locality's residents to the quickest to
    /// reach of a provider's sites offering a service at `level` or above,
    /// minutes.
    #[inline]
    pub fn minutes(&self, l: LocalityId, p: ProviderId, s: ServiceId, level: Capability) -> f64 {
        self.journey(l, p, s, level).minutes
    }

    /// Whether some site offers service `s` below its provider's level.
    #[inline]
    pub fn has_site_levels(&self, s: ServiceId) -> bool {
        self.journeys.slot(s, Capability::Complex) != self.journeys.slot(s, Capability::Basic)
    }

    /// The level of `p`'s site where patients from `l` present for `s` (its
    /// quickest to reach of those seeing it) when that site has one of its
    /// own below the provider's; `None`: the provider's.
    pub fn site_level(&self, l: LocalityId, p: ProviderId, s: ServiceId) -> Option<Capability> {
        if !self.has_site_levels(s) {
            return None;
        }
        self.site_of(l, p, s, Capability::Basic).and_then(|i| self.providers[p.index()].sites[i].levels[s.index()])
    }

    /// Modelled road minutes for a patient from a locality of `rurality`
    /// treated out of the area ([`World::out_of_area_km`] by road).
    pub fn out_of_area_minutes(&self, rurality: Rurality) -> f64 {
        self.geography.travel_time.minutes(rurality, self.out_of_area_km / self.geography.circuity)
    }

    /// The site of provider `p` a patient from `l` goes to for service `s`
    /// at level `level` or above: the quickest to reach of those seeing it
    /// so (`None` when the provider lists no such site).
    pub fn site_of(&self, l: LocalityId, p: ProviderId, s: ServiceId, level: Capability) -> Option<usize> {
        let sites = &self.providers[p.index()].sites;
        nearest_site(&self.localities[l.index()], sites, (s.index(), level), &self.geography).map(|(i, _)| i)
    }

    /// Where patients from `l` see provider `p` for service `s`: the
    /// position of [`World::site_of`], else the provider's.
    pub fn place_of(&self, l: LocalityId, p: ProviderId, s: ServiceId) -> (f64, f64) {
        let provider = &self.providers[p.index()];
        self.site_of(l, p, s, Capability::Basic)
            .map_or((provider.x, provider.y), |i| (provider.sites[i].x, provider.sites[i].y))
    }

    /// Straight-line km from a point to the nearest place where provider
    /// `p` sees service `s` at level `level` or above (its sites doing so,
    /// else its position).
    pub fn straight_km_to(&self, (x, y): (f64, f64), p: ProviderId, s: ServiceId, level: Capability) -> f64 {
        let provider = &self.providers[p.index()];
        let km = |(px, py): (f64, f64)| ((px - x).powi(2) + (py - y).powi(2)).sqrt();
        provider
            .sites
            .iter()
            .filter(|site| site.reaches(s.index(), level))
            .map(|site| km((site.x, site.y)))
            .min_by(f64::total_cmp)
            .unwrap_or_else(|| km((provider.x, provider.y)))
    }

    /// The designated hub for complex cases of service `s`.
    pub fn hub(&self, s: ServiceId) -> Option<ProviderId> {
        self.hubs[s.index()]
    }

    /// A service's index by id.
    pub fn service(&self, id: &str) -> Option<ServiceId> {
        self.services.iter().position(|s| s.id == id).map(|i| ServiceId(i as u32))
    }

    /// A provider's index by id.
    pub fn provider(&self, id: &str) -> Option<ProviderId> {
        self.providers.iter().position(|p| p.id == id).map(|i| ProviderId(i as u32))
    }

    /// A locality's index by id.
    pub fn locality(&self, id: &str) -> Option<LocalityId> {
        self.localities.iter().position(|l| l.id == id).map(|i| LocalityId(i as u32))
    }

    /// Staff cost of one episode of a service at national pay, £.
    pub fn staff_cost_per_episode(&self, s: ServiceId) -> f64 {
        let pay = self.workforce.annual_cost.by_group();
        let hours = self.services[s.index()].staff_hours;
        (0..4).map(|g| hours[g] * pay[g] / 52.0 / self.workforce.hours_per_wte).sum()
    }

    /// The commissioner's budget, £ a week, for residents by locality and
    /// referral rates grown by `growth` (by service): a given amount per
    /// resident, or by default the tariff value of the expected referrals
    /// at each locality's rate ratios (times `1 + budget_margin`). At the
    /// start's residents and no growth it is [`World::weekly_budget`].
    pub fn weekly_budget_for(&self, residents: &[[f64; 3]], growth: &[f64]) -> f64 {
        self.budget_rule.weekly(&self.services, &self.localities, residents, growth)
    }

    /// Whether residents or referral rates change from year to year.
    pub fn grows(&self) -> bool {
        self.localities.iter().any(|l| !l.residents_by_year.is_empty()) || self.services.iter().any(|s| s.growth != 0.0)
    }

    /// Total number of weeks simulated (warm-up plus horizon).
    pub fn total_weeks(&self) -> u32 {
        self.time.total_weeks()
    }

    /// Service ids in order.
    pub fn service_ids(&self) -> impl Iterator<Item = ServiceId> + use<> {
        (0..self.services.len() as u32).map(ServiceId)
    }

    /// Locality ids in order.
    pub fn locality_ids(&self) -> impl Iterator<Item = LocalityId> + use<> {
        (0..self.localities.len() as u32).map(LocalityId)
    }

    /// Provider ids in order.
    pub fn provider_ids(&self) -> impl Iterator<Item = ProviderId> + use<> {
        (0..self.providers.len() as u32).map(ProviderId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_keeps_distances_between_known_places() {
        // Liverpool (53.4084, -2.9916) to Chester (53.1934, -2.8931): about 25 km.
        let pts = [
            Position { lat: Some(53.4084), lon: Some(-2.9916), ..Position::default() },
            Position { lat: Some(53.1934), lon: Some(-2.8931), ..Position::default() },
        ];
        let xy = project(&pts);
        let d = ((xy[0].0 - xy[1].0).powi(2) + (xy[0].1 - xy[1].1).powi(2)).sqrt();
        assert!((d - 24.8).abs() < 0.3, "distance {d}");
    }
}
