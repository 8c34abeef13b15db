//! The scenario: everything one run needs, exactly as a user writes it in JSON.
//!
//! Fields that may be omitted carry serde defaults, so a scenario states only
//! what differs from the documented defaults (`configs/README.md` lists every
//! field with its unit and default). Parsing checks types and rejects unknown
//! fields; [`Scenario::validate`] then checks meaning and reports *every*
//! problem with its field path, not just the first.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use super::bounds::Problem;
use super::bounds::*;
use super::demography::DemographySpec;
use super::params::{AgeProfile, BehaviourParams, FailureParams, IntegrationParams, LabourParams, OutOfAreaParams};
use super::regime::RegimeSpec;
pub use super::staff::{STAFF_GROUPS, StaffGroups};
use super::timeline::{Names, TimedChange};
pub use super::travel::Rurality;
use super::travel::{MAX_MINUTES, TravelTimes};

/// A whole local health economy and the rules it runs under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, reported in every output.
    pub name: String,
    /// Free text: what the scenario represents.
    #[serde(default)]
    pub description: String,
    /// Where the numbers come from, one entry per source.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Horizon, warm-up and decision interval.
    #[serde(default)]
    pub time: TimeSpec,
    /// How positions turn into travel distances.
    #[serde(default)]
    pub geography: Geography,
    /// Where people live: the sources of demand.
    pub localities: Vec<LocalitySpec>,
    /// Services by id (e.g. `maternity`); ids are sorted, which fixes their order.
    pub services: BTreeMap<String, ServiceSpec>,
    /// The agents: hospitals, specialist units, community trusts, integrated organisations.
    pub providers: Vec<ProviderSpec>,
    /// Staff costs and hours.
    #[serde(default)]
    pub workforce: WorkforceSpec,
    /// The commissioner's budget.
    #[serde(default)]
    pub commissioner: CommissionerSpec,
    /// The regime: a preset name or a set of knobs (see [`RegimeSpec`]).
    #[serde(default)]
    pub regime: RegimeSpec,
    /// Patient (and GP) choice by multinomial logit.
    #[serde(default)]
    pub choice: ChoiceParams,
    /// Network pathway routing.
    #[serde(default)]
    pub network: NetworkParams,
    /// The logistic adverse-outcome model.
    #[serde(default)]
    pub outcome: OutcomeParams,
    /// Costs of the payment system itself.
    #[serde(default)]
    pub finance: FinanceParams,
    /// How providers decide quality, efficiency and capacity.
    #[serde(default)]
    pub behaviour: BehaviourParams,
    /// Failure and regulator takeover.
    #[serde(default)]
    pub failure: FailureParams,
    /// Patients treated outside the region.
    #[serde(default)]
    pub out_of_area: OutOfAreaParams,
    /// Community substitution and single-management savings.
    #[serde(default)]
    pub integration: IntegrationParams,
    /// How the population ages, year by year. Default: it holds still.
    #[serde(default, skip_serializing_if = "DemographySpec::is_still")]
    pub demography: DemographySpec,
    /// Changes applied at the start of given weeks (policy switches, shocks).
    #[serde(default)]
    pub timeline: Vec<TimedChange>,
}

/// Time settings. One tick is one week.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimeSpec {
    /// Measured horizon after the warm-up, in weeks. Default 520 (10 years).
    pub horizon_weeks: u32,
    /// Warm-up before measurement starts, in weeks; metrics exclude it. Default 52.
    pub warmup_weeks: u32,
    /// Weeks between provider decisions. Default 13 (a quarter).
    pub decision_interval: u32,
}

impl Default for TimeSpec {
    fn default() -> Self {
        TimeSpec { horizon_weeks: 520, warmup_weeks: 52, decision_interval: 13 }
    }
}

impl TimeSpec {
    /// Weeks simulated: warm-up plus horizon.
    pub fn total_weeks(&self) -> u32 {
        self.warmup_weeks + self.horizon_weeks
    }

    /// The last of the measured window's years, counting the first as
    /// year 0: the years the population is projected for (the warm-up and
    /// the first measured year are the scenario's own year).
    pub fn last_year(&self) -> usize {
        (self.horizon_weeks.max(1) - 1) as usize / 52
    }
}

/// How straight-line positions become travel distances and times.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Geography {
    /// Road distance per straight-line distance. Default 1.3.
    pub circuity: f64,
    /// Furthest an emergency patient is diverted (km from home) before
    /// counting as diverted out of the region. Default 80 km.
    pub diversion_radius_km: f64,
    /// Road minutes for journeys a locality's `minutes` do not list.
    pub travel_time: TravelTimes,
}

impl Default for Geography {
    fn default() -> Self {
        Geography { circuity: 1.3, diversion_radius_km: 80.0, travel_time: TravelTimes::default() }
    }
}

/// A position: either `x`/`y` in km, or `lat`/`lon` in degrees (WGS84),
/// projected to km about the scenario's mean position. One scenario uses one kind.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// East, km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    /// North, km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
    /// Latitude, degrees north.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, degrees east.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

impl Position {
    /// A position in km.
    pub fn km(x: f64, y: f64) -> Self {
        Position { x: Some(x), y: Some(y), ..Position::default() }
    }

    fn is_latlon(&self) -> bool {
        self.lat.is_some() || self.lon.is_some()
    }

    fn check(&self, path: impl fmt::Display, problems: &mut Vec<Problem>) {
        match (self.x, self.y, self.lat, self.lon) {
            (Some(x), Some(y), None, None) => {
                if !x.is_finite() || !y.is_finite() {
                    problems.push(Problem::new(path.to_string(), "expected finite x and y in km"));
                }
            }
            (None, None, Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                    problems.push(Problem::new(
                        path.to_string(),
                        format!("expected lat in [-90, 90] and lon in [-180, 180], found {lat}, {lon}"),
                    ));
                }
            }
            _ => problems.push(Problem::new(
                path.to_string(),
                "expected either both `x` and `y` (km) or both `lat` and `lon` (degrees)",
            )),
        }
    }
}

/// How far age shares may sum from 1 (rounding in published tables); the
/// engine rescales them to sum to exactly 1.
pub const AGE_MIX_TOLERANCE: f64 = 0.001;

/// Population shares by age band; they sum to 1 (within [`AGE_MIX_TOLERANCE`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeMix {
    /// Share aged 0–17.
    pub children: f64,
    /// Share aged 18–64.
    pub adults: f64,
    /// Share aged 65 and over.
    pub older: f64,
}

impl Default for AgeMix {
    /// England, mid-2022: 21% children, 60% adults, 19% aged 65+ (ONS).
    fn default() -> Self {
        AgeMix { children: 0.21, adults: 0.60, older: 0.19 }
    }
}

impl AgeMix {
    /// The shares in band order (children, adults, older).
    pub fn shares(&self) -> [f64; 3] {
        [self.children, self.adults, self.older]
    }
}

impl LocalitySpec {
    /// The district it lies in: its `district`, or its id.
    pub fn district(&self) -> &str {
        self.district.as_deref().unwrap_or(&self.id)
    }
}

/// A place where people live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalitySpec {
    /// Unique id (e.g. an ONS district code).
    pub id: String,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: String,
    /// Population-weighted centre.
    pub position: Position,
    /// Residents, people.
    pub population: f64,
    /// Shares by age band. Default: England's mix.
    #[serde(default)]
    pub age_mix: AgeMix,
    /// Land area, km². Adds the mean distance from a point of a disc of this
    /// area to its centre, `(2/3)·sqrt(area/π)`, to every journey. Default 0.
    #[serde(default)]
    pub area_km2: f64,
    /// How far residents live from the position, km (root-mean-square);
    /// when given, `area_km2` no longer sets it. Default: from the area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_km: Option<f64>,
    /// The district the locality lies in, for results by district and
    /// checks against district data. Default: its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Urban or rural group for grouped results and the travel-time model.
    /// Default urban.
    #[serde(default)]
    pub rurality: Rurality,
    /// Road travel time from the locality's residents to named hospital
    /// sites (or to providers that list no sites), minutes; journeys not
    /// listed take the modelled time (`geography.travel_time`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub minutes: BTreeMap<String, f64>,
    /// Residents' rate of referrals for a service relative to the service's
    /// `referral_rate` (a local standardised ratio), by service id; services
    /// not named: 1.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rate_ratio: BTreeMap<String, f64>,
    /// Share of the residents' demand for a service treated by hospitals
    /// outside the scenario (0 to 1), by service id; not simulated, so the
    /// locality's referrals are its rate × (1 − share). `scenario build`
    /// sets it near the area's border. Services not named: 0.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub elsewhere: BTreeMap<String, f64>,
}

/// Largest local rate ratio of a service.
pub const MAX_RATE_RATIO: f64 = 10.0;

/// How quickly a service must start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Waits in a first-come-first-served queue.
    #[default]
    Elective,
    /// Must start within the week or is diverted to the next provider.
    Emergency,
}

/// A per-age-band figure (children 0–17, adults 18–64, older 65+).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgeRates {
    /// For children 0–17.
    pub children: f64,
    /// For adults 18–64.
    pub adults: f64,
    /// For people 65 and over.
    pub older: f64,
}

impl AgeRates {
    /// The figures in band order (children, adults, older).
    pub fn by_band(&self) -> [f64; 3] {
        [self.children, self.adults, self.older]
    }
}

/// Adverse-outcome risk by case complexity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// Probability for a routine case at an average provider.
    pub routine: f64,
    /// Probability for a complex case at an average provider.
    pub complex: f64,
}

impl Default for Risk {
    fn default() -> Self {
        Risk { routine: 0.01, complex: 0.05 }
    }
}

/// A clinical service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: String,
    /// Elective (queues) or emergency (same week or diverted). Default elective.
    #[serde(default)]
    pub urgency: Urgency,
    /// Whether patients choose their provider by logit under `routing: choice`.
    /// Default: true for elective, false for emergency (ambulance to the nearest).
    #[serde(default)]
    pub patient_choice: Option<bool>,
    /// New referrals per 1,000 residents per year, by age band. Default 0.
    #[serde(default)]
    pub referral_rate: AgeRates,
    /// Share of referrals that are complex (need a complex-capable provider). Default 0.1.
    #[serde(default = "default_complex_share")]
    pub complex_share: f64,
    /// Staff hours per episode, by staff group. Default 0.
    #[serde(default)]
    pub staff_hours: StaffGroups<f64>,
    /// Consumables and other variable cost, £ per episode. Default 0.
    #[serde(default)]
    pub variable_cost: f64,
    /// National price, £ per episode.
    pub tariff: f64,
    /// Adverse-outcome probability at an average provider. Default 0.01 / 0.05.
    #[serde(default)]
    pub baseline_risk: Risk,
    /// Minimum safe annual volume, episodes per year; below it outcomes worsen. Default 0 (none).
    #[serde(default)]
    pub min_safe_volume: f64,
    /// The minimum for units of the routine level (a midwife-led unit, a
    /// local neonatal unit), when it differs; `min_safe_volume` applies to
    /// them when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_safe_volume_routine: Option<f64>,
    /// Minimum safe annual volume of complex cases, complex episodes a year
    /// at a unit of the complex level (a neonatal intensive care unit's
    /// intensive care): below it the unit's complex cases carry the volume
    /// term on its complex episodes instead of on all its episodes. Default
    /// 0 (none: complex cases are held to `min_safe_volume` like the rest).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_complex_volume: f64,
    /// Mean length of stay, weeks. 0 (the default): capacity is episodes a
    /// week. Above 0: capacity is beds, each patient occupies one from
    /// admission until a discharge that comes at the start of each later
    /// week with probability 1/length of stay (a geometric stay).
    #[serde(default)]
    pub length_of_stay_weeks: f64,
    /// General and acute bed-days an episode takes from its provider's
    /// shared beds (`providers[].beds`), the mean over stays and day cases.
    /// Default 0: the service uses none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bed_days: f64,
    /// Elective services: mean weeks a patient's referral-to-treatment
    /// clock has run when the decision to admit puts them on the list (the
    /// outpatient and diagnostic part of the pathway, not simulated).
    /// Providers may set their own (`providers[].services.<id>.weeks_before_decision`).
    /// Default 0: the clock starts at the decision.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weeks_before_decision: f64,
    /// Elective services: share of the patients the decision to admit puts
    /// on the list who are clinically urgent, treated before every routine
    /// patient (each priority first come, first served). Default 0: one
    /// priority.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub urgent_share: f64,
    /// Yearly growth of the referral rate per resident at each age, beyond
    /// what the population's size and ages change (new treatments, lower
    /// thresholds, more disease): referrals in year y are
    /// `(1 + growth)^y` times year 0's. Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub growth: f64,
    /// Staffing standards: the most episodes a year one WTE of a staff
    /// group should see at a unit (`{"midwifery": 28}`: the Royal College
    /// of Midwives' one midwife to 28 births). Reported against at the end
    /// of a run (`summary.staffing`), not enforced. Default: none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub episodes_per_wte: BTreeMap<String, f64>,
    /// Transfers between levels of care (emergency services). Default: none.
    #[serde(default, skip_serializing_if = "Transfers::is_none")]
    pub transfers: Transfers,
    /// Harm that grows with the journey (complex cases of emergency
    /// services). Default: none.
    #[serde(default, skip_serializing_if = "TravelRisk::is_none")]
    pub travel_risk: TravelRisk,
}

/// A complex emergency case's odds of an adverse outcome × `odds_per_km`
/// for each straight-line km from home to the site that treats it beyond
/// `reference_km` (below it, lower), up to 58 km.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TravelRisk {
    /// Odds ratio per km. Default 1 (none).
    pub odds_per_km: f64,
    /// Journey at which the baseline risk holds, straight-line km. Default 0.
    pub reference_km: f64,
}

impl Default for TravelRisk {
    fn default() -> Self {
        TravelRisk { odds_per_km: 1.0, reference_km: 0.0 }
    }
}

impl TravelRisk {
    fn is_none(&self) -> bool {
        *self == TravelRisk::default()
    }
}

/// Complex cases that are not recognised in time to go straight to a unit
/// of the complex level: they present where a routine case would go (the
/// quickest unit to reach, or their choice), whatever its level, and one of
/// the routine level transfers
/// them to the nearest open unit of the complex level (a baby needing
/// intensive care born where there is no neonatal intensive care unit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Transfers {
    /// Share of complex cases that present where a routine case would go
    /// (the nearest unit, or their choice), whatever its level. Default 0.
    pub unplanned_share: f64,
    /// Odds ratio of an adverse outcome for a transferred case against one
    /// treated where it first presented. Default 1.
    pub risk_odds: f64,
    /// Share of routine cases beginning care at a unit of the routine level
    /// that are moved during it to the nearest open unit of the complex
    /// level (maternity: intrapartum transfers from midwife-led units). They
    /// keep the routine risk and carry no `risk_odds`: the evidence compares
    /// births by planned place, transfers included. Default 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub routine_share: f64,
    /// Share of routine cases beginning care at a unit of the basic level
    /// that need the routine level's care (neonatal: babies needing
    /// high-dependency care at a special care unit), moved during it to the
    /// nearest open unit of the routine level or above. They keep the
    /// routine risk and carry no `risk_odds`. Default 0; above 0 the service
    /// has three levels and its providers may be `capability: basic`.
    #[serde(skip_serializing_if = "is_zero")]
    pub basic_share: f64,
}

impl Default for Transfers {
    fn default() -> Self {
        Transfers { unplanned_share: 0.0, risk_odds: 1.0, routine_share: 0.0, basic_share: 0.0 }
    }
}

impl Transfers {
    fn is_none(&self) -> bool {
        *self == Transfers::default()
    }
}

fn one() -> f64 {
    1.0
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn default_complex_share() -> f64 {
    0.1
}

impl ServiceSpec {
    /// Whether patients choose under choice routing (the default follows urgency).
    pub fn patient_choice(&self) -> bool {
        self.patient_choice.unwrap_or(self.urgency == Urgency::Elective)
    }
}

/// What kind of organisation a provider is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// District general hospital.
    Dgh,
    /// Specialist unit (women's, children's, orthopaedic, ...).
    Specialist,
    /// Community trust or community hospital.
    Community,
    /// Integrated care organisation (community, acute and social care).
    Ico,
}

/// Which cases a provider can take for a service, lowest first (`as usize`:
/// 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Routine cases, moving during care those that need the routine
    /// level's care (`transfers.basic_share`: a special care unit's babies
    /// needing high-dependency care); complex cases as at the routine level.
    /// For services with three levels.
    Basic,
    /// Routine cases only.
    #[default]
    Routine,
    /// Routine and complex cases.
    Complex,
}

impl Capability {
    /// Every level, lowest first (`as usize` indexes it).
    pub const ALL: [Capability; 3] = [Capability::Basic, Capability::Routine, Capability::Complex];

    /// The highest level of case it takes (0 routine, 1 complex): the index
    /// of per-level arrays. The basic level takes routine cases (its
    /// minimum is the routine level's).
    pub fn level(self) -> usize {
        usize::from(self == Capability::Complex)
    }

    /// The lowest level that takes cases of complexity `k` (0 routine: any
    /// level; 1 complex: the complex level).
    pub fn taking(k: usize) -> Capability {
        if k == 0 { Capability::Basic } else { Capability::Complex }
    }

    /// Its name in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Basic => "basic",
            Capability::Routine => "routine",
            Capability::Complex => "complex",
        }
    }
}

/// One service as offered by one provider.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderServiceSpec {
    /// Routine only, or routine and complex. Default routine.
    #[serde(default)]
    pub capability: Capability,
    /// Episodes per week (from beds, theatres and staff); may be fractional.
    pub capacity: f64,
    /// Patients already waiting when the run starts (elective services only).
    /// Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_list: Option<StartList>,
    /// Mean weeks of the pathway before the decision to admit at this
    /// provider (elective services only). Default: the service's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weeks_before_decision: Option<f64>,
    /// A specialist unit (a cancer, neurosciences or orthopaedic trust's
    /// surgery): the share of every locality's referrals of the service that
    /// are for its specialty, which it alone takes; it takes no other
    /// patients of the service, and no general unit takes them while it is
    /// open. Default: none, a general unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialty_share: Option<f64>,
    /// For a service without patient choice (emergency conveyance and
    /// self-presentation): minutes by which the unit draws patients as if
    /// nearer (positive) or further (negative) than its road time, in the
    /// distance decay exp(−β_e·(minutes − these)) — for what the model does
    /// not hold (ambulance protocols, the A&E residents are used to).
    /// Default: none, 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conveyance_minutes: Option<f64>,
}

impl ProviderServiceSpec {
    /// Whether it is a general unit (one any patient of the service may be sent to).
    pub fn is_general(&self) -> bool {
        self.specialty_share.is_none()
    }
}

/// An elective waiting list at the start of a run, as RTT statistics give it:
/// incomplete pathways at month end and how long they have waited.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartList {
    /// Patients waiting.
    pub patients: u32,
    /// Share waiting 18 weeks or less.
    pub within_18_weeks: f64,
    /// Share waiting more than 52 weeks.
    #[serde(default)]
    pub over_52_weeks: f64,
}

impl StartList {
    /// The longest wait on a start list, weeks: the tail beyond 52 weeks is
    /// spread evenly over 53–78 (the NHS had nearly eliminated waits beyond
    /// 78 weeks by 2023/24; assumption).
    pub const LONGEST_WAIT: u32 = 78;

    /// Patients by weeks waited (index 0 to [`Self::LONGEST_WAIT`]): each
    /// band (0–18, 19–52, 53–78 weeks) holds its share and spreads it evenly
    /// over its weeks, in whole patients by largest remainder (so the total
    /// and each band's count are exact to the patient).
    pub fn by_week(&self) -> Vec<u32> {
        let bands = [(0, 18), (19, 52), (53, Self::LONGEST_WAIT)];
        let shares = [
            self.within_18_weeks.max(0.0),
            (1.0 - self.within_18_weeks - self.over_52_weeks).max(0.0),
            self.over_52_weeks.max(0.0),
        ];
        let totals = largest_remainder(self.patients, &shares);
        let mut weeks = Vec::with_capacity(Self::LONGEST_WAIT as usize + 1);
        for ((lo, hi), total) in bands.into_iter().zip(totals) {
            weeks.extend(largest_remainder(total, &vec![1.0; (hi - lo + 1) as usize]));
        }
        weeks
    }

    fn check(&self, path: &str, p: &mut Vec<Problem>) {
        check_range(p, format_args!("{path}.within_18_weeks"), self.within_18_weeks, 0.0, 1.0);
        check_range(p, format_args!("{path}.over_52_weeks"), self.over_52_weeks, 0.0, 1.0);
        if self.within_18_weeks + self.over_52_weeks > 1.0 + 1e-9 {
            p.push(Problem::new(
                format!("{path}.over_52_weeks"),
                format!(
                    "expected within_18_weeks + over_52_weeks ≤ 1, found {} + {}",
                    self.within_18_weeks, self.over_52_weeks
                ),
            ));
        }
    }
}

/// Splits `total` whole items in proportion to `weights` (all ≥ 0): each
/// gets the floor of its share, and the items left go to the largest
/// remainders (the earliest on ties). All to the first when every weight is 0.
pub fn largest_remainder(total: u32, weights: &[f64]) -> Vec<u32> {
    let mut out = vec![0u32; weights.len()];
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() {
        return out;
    }
    if sum <= 0.0 {
        out[0] = total;
        return out;
    }
    let mut rest: Vec<(usize, f64)> = Vec::with_capacity(weights.len());
    let mut given = 0u32;
    for (i, w) in weights.iter().enumerate() {
        let exact = f64::from(total) * w / sum;
        let whole = (exact.floor() as u32).min(total - given);
        out[i] = whole;
        given += whole;
        rest.push((i, exact - f64::from(whole)));
    }
    rest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (i, _) in rest.into_iter().cycle().take((total - given) as usize) {
        out[i] += 1;
    }
    out
}

/// Staff of one group at one provider.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffSpec {
    /// Whole-time equivalents in post.
    #[serde(default)]
    pub in_post: f64,
    /// Funded posts, WTE. Default: equal to `in_post` (no vacancies).
    #[serde(default)]
    pub establishment: Option<f64>,
    /// Staff by age band. Default: the group's regional profile
    /// (`workforce.labour.markets.<group>.age_profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_profile: Option<AgeProfile>,
}

impl StaffSpec {
    /// Funded posts (defaults to staff in post).
    pub fn establishment(&self) -> f64 {
        self.establishment.unwrap_or(self.in_post)
    }
}

/// A provider: the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    /// Unique id.
    pub id: String,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: String,
    /// Kind of organisation.
    pub kind: ProviderKind,
    /// Parent organisation code (e.g. an NHS trust's ODS code), for tracing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<String>,
    /// Main site.
    pub position: Position,
    /// Latent quality index: 0 is average, in standard deviations. Default 0.
    #[serde(default)]
    pub quality: f64,
    /// Multiplier of `behaviour.quality_cost` for this provider: below 1 a
    /// provider finds quality cheaper and settles higher. Default 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub quality_cost_factor: f64,
    /// The payment scheme's market forces factor: the provider's tariff
    /// income, and its pay and variable costs, are this multiple of
    /// England's (it pays the unavoidable cost of its place). Default 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub market_forces_factor: f64,
    /// Services offered, by service id.
    #[serde(default)]
    pub services: BTreeMap<String, ProviderServiceSpec>,
    /// Staff by group.
    #[serde(default)]
    pub staff: StaffGroups<StaffSpec>,
    /// Cash at the start, £. Default 0.
    #[serde(default)]
    pub cash: f64,
    /// Debt at the start, £; bears interest. Default 0.
    #[serde(default)]
    pub debt: f64,
    /// Fixed costs (estate, overheads), £ per week. Default 0.
    #[serde(default)]
    pub fixed_cost: f64,
    /// General and acute beds the provider's services with `bed_days`
    /// share: emergency admissions take them first, elective patients what
    /// is left. Default: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beds: Option<f64>,
    /// The general and acute bed occupancy the trust runs at (a share): it
    /// plans its shared beds at this, and electives may fill them to the
    /// larger of this and `behaviour.elective_bed_limit`.
    /// Default: none, the behaviour's limit alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupancy: Option<f64>,
    /// The hospitals where patients are seen: a patient travels to the
    /// nearest of the provider's sites offering the service. Default: one
    /// site at `position` offering everything. A service at none of the
    /// sites (one taken over, say) is at `position`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteSpec>,
}

/// One hospital site of a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    /// Id (e.g. an ODS site code), unique within the provider.
    pub id: String,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: String,
    /// Where it is.
    pub position: Position,
    /// The provider's services seen here.
    pub services: Vec<String>,
    /// The site's level for services it offers below its provider's level
    /// (`{"maternity": "routine"}`: a freestanding midwife-led unit of a
    /// trust with an obstetric unit at another site). Default: none, every
    /// service here at the provider's level.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub levels: BTreeMap<String, Capability>,
}

/// Staff costs and hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkforceSpec {
    /// Clinical hours per WTE per week, after leave and training. Default 30.
    pub hours_per_wte: f64,
    /// Annual cost of one WTE including on-costs, £ per year, by group.
    /// Defaults: medical 110,000; nursing 45,000; midwifery 47,000; allied 44,000.
    pub annual_cost: StaffGroups<f64>,
    /// Turnover, retirement, burnout, recruitment, agency and wage competition.
    pub labour: LabourParams,
}

impl Default for WorkforceSpec {
    fn default() -> Self {
        WorkforceSpec {
            hours_per_wte: 30.0,
            annual_cost: StaffGroups { medical: 110_000.0, nursing: 45_000.0, midwifery: 47_000.0, allied: 44_000.0 },
            labour: LabourParams::default(),
        }
    }
}

/// The commissioner's budget.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommissionerSpec {
    /// Budget for the scenario's services, £ per resident per year by age band.
    /// Default: the tariff value of each locality's expected referrals (Σ
    /// rate × its rate ratio × tariff / 1000) scaled by `1 + budget_margin`.
    pub budget_per_capita: Option<AgeRates>,
    /// Margin on the default budget, as a share. Default 0.
    pub budget_margin: f64,
}

/// Patient (and GP) choice: multinomial logit on
/// `−β_t·minutes + β_q·quality − β_w·expected_wait`, minutes the road travel time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChoiceParams {
    /// β_t, utility per minute of road travel. Default 0.26, fitted to
    /// OHID's trust catchments (`ccsim validate --catchments … --fit`).
    pub beta_minutes: f64,
    /// β_q, utility per unit of quality. Default 0.25.
    pub beta_quality: f64,
    /// β_w, utility per week of expected wait. Default 0.02.
    pub beta_wait: f64,
    /// Providers further than this (road km) are not in the choice set; when
    /// none is within it, the quickest to reach is. Default 40 km.
    pub radius_km: f64,
    /// β_e, utility per minute for services without patient choice
    /// (emergency conveyance and self-presentation): patients go to the open
    /// capable providers within the radius in proportion to
    /// exp(−β_e·minutes). Default 3, from the same fit (which runs to its
    /// grid's top: the catchments favour the quickest department, and the
    /// fit is flat above 3).
    pub beta_minutes_emergency: f64,
}

impl Default for ChoiceParams {
    fn default() -> Self {
        ChoiceParams {
            beta_minutes: 0.26,
            beta_quality: 0.25,
            beta_wait: 0.02,
            radius_km: 40.0,
            beta_minutes_emergency: 3.0,
        }
    }
}

/// Network pathway routing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkParams {
    /// Designated hub for complex cases, provider id by service id. Services
    /// without a hub send complex cases to the nearest complex-capable provider.
    pub hubs: BTreeMap<String, String>,
    /// Expected wait (weeks) above which the network sends elective patients
    /// elsewhere (mutual aid). Default 12.
    pub wait_threshold_weeks: f64,
    /// Furthest (km from home) the network sends a patient for mutual aid. Default 40.
    pub mutual_aid_radius_km: f64,
}

impl Default for NetworkParams {
    fn default() -> Self {
        NetworkParams { hubs: BTreeMap::new(), wait_threshold_weeks: 12.0, mutual_aid_radius_km: 40.0 }
    }
}

/// The logistic adverse-outcome model: log-odds of an adverse outcome =
/// logit(baseline risk) − `quality`·q + `volume`·ln(min_safe/annual volume)⁺
/// + `staffing`·shortfall + `wait`·weeks waited.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutcomeParams {
    /// Log-odds reduction per unit of provider quality. Default 0.3.
    pub quality: f64,
    /// Log-odds increase per unit of ln(minimum safe volume / annual volume)
    /// when below the minimum. Default 0.25.
    pub volume: f64,
    /// Log-odds increase per unit of staffing shortfall (share of needed
    /// staff hours not covered). Default 1.0.
    pub staffing: f64,
    /// Log-odds increase per week waited. Default 0.005.
    pub wait: f64,
}

impl Default for OutcomeParams {
    fn default() -> Self {
        OutcomeParams { quality: 0.3, volume: 0.25, staffing: 1.0, wait: 0.005 }
    }
}

/// Costs of the payment system itself.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FinanceParams {
    /// Billing and contracting cost, £ per episode paid by tariff (scaled by
    /// the tariff share `1 − pooling`). Default 25.
    pub transaction_cost: f64,
    /// Annual interest on debt and on negative cash, as a share. Default 0.035.
    pub interest_rate: f64,
    /// How prices move from year to year.
    pub prices: Prices,
}

impl Default for FinanceParams {
    fn default() -> Self {
        FinanceParams { transaction_cost: 25.0, interest_rate: 0.035, prices: Prices::default() }
    }
}

/// How the tariff moves against costs from one measured year to the next.
/// Money is reported in the prices of the scenario's own year (the first
/// measured year): every cost grows by `cost_inflation` a year and is
/// deflated by it, so the tariff (and the commissioner's budget, which
/// follows it under any regime) moves by
/// (1 + `cost_uplift`)(1 − `efficiency_factor`) / (1 + `cost_inflation`)
/// a year in those prices.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Prices {
    /// Growth of providers' costs a year. Default 0.
    pub cost_inflation: f64,
    /// The payment scheme's cost uplift factor a year. Default 0.
    pub cost_uplift: f64,
    /// The payment scheme's efficiency factor a year. Default 0 (`scenario
    /// build` sets 2023/24's 0.011).
    pub efficiency_factor: f64,
    /// Growth of the sector's productivity a year: the staff hours and
    /// variable costs an episode takes fall by this share a year (the
    /// counterpart the efficiency factor assumes). Default 0 (`scenario
    /// build` sets England's long-run 0.010).
    pub productivity_growth: f64,
}

impl Prices {
    /// The tariff's level in `year` measured years after the first, in the
    /// first year's prices.
    pub fn tariff_level(&self, year: u32) -> f64 {
        ((1.0 + self.cost_uplift) * (1.0 - self.efficiency_factor) / (1.0 + self.cost_inflation)).powi(year as i32)
    }

    /// The inputs an episode takes in `year` measured years after the
    /// first, relative to the first.
    pub fn input_level(&self, year: u32) -> f64 {
        (1.0 - self.productivity_growth).powi(year as i32)
    }

    /// Whether the tariff or the inputs an episode takes move from year to year.
    pub fn moves(&self) -> bool {
        self.tariff_level(1) != 1.0 || self.productivity_growth != 0.0
    }
}

/// Longest mean wait before the decision to admit, weeks.
pub const MAX_WEEKS_BEFORE_DECISION: f64 = 104.0;

fn check_before_decision(problems: &mut Vec<Problem>, path: FieldOf, weeks: f64, urgency: Urgency) {
    check_range(problems, path, weeks, 0.0, MAX_WEEKS_BEFORE_DECISION);
    if weeks != 0.0 && urgency != Urgency::Elective {
        problems.push(Problem::new(path, "expected weeks before a decision to admit only for an elective service"));
    }
}

/// Conveyance minutes: within ±[`MAX_CONVEYANCE_MINUTES`], and only for a
/// service whose patients do not choose.
fn check_conveyance_minutes(problems: &mut Vec<Problem>, path: &str, minutes: f64, service: Option<&ServiceSpec>) {
    check_range(problems, path, minutes, -MAX_CONVEYANCE_MINUTES, MAX_CONVEYANCE_MINUTES);
    if service.is_some_and(ServiceSpec::patient_choice) {
        problems.push(Problem::new(
            path,
            "expected conveyance minutes only for a service whose patients do not choose (`patient_choice: false`): \
             patients who choose weigh quality and waits",
        ));
    }
}

/// Where a position is given, written as its field path only for a problem.
#[derive(Debug, Clone, Copy)]
enum Placed {
    Locality(usize),
    Provider(usize),
    Site(usize, usize),
}

impl fmt::Display for Placed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placed::Locality(i) => write!(f, "localities[{i}].position"),
            Placed::Provider(i) => write!(f, "providers[{i}].position"),
            Placed::Site(i, j) => write!(f, "providers[{i}].sites[{j}].position"),
        }
    }
}

fn check_name(problems: &mut Vec<Problem>, path: impl fmt::Display, name: &str) {
    if !name.is_empty() && name.trim().is_empty() {
        problems.push(Problem::new(
            path.to_string(),
            "expected a name with some text, or the field left out, found only spaces",
        ));
    }
}

fn check_unique<'a>(problems: &mut Vec<Problem>, what: &str, ids: impl Iterator<Item = &'a str>) {
    let mut seen = BTreeMap::new();
    for (i, id) in ids.enumerate() {
        if id.trim().is_empty() {
            problems.push(Problem::new(format!("{what}[{i}].id"), "expected a non-empty id"));
        } else if let Some(first) = seen.insert(id, i) {
            problems.push(Problem::new(
                format!("{what}[{i}].id"),
                format!("expected a unique id, but `{id}` is also {what}[{first}]"),
            ));
        }
    }
}

impl Scenario {
    /// The ids a timed change may name: services, localities, and each
    /// provider's services.
    pub fn names(&self) -> Names<'_> {
        Names {
            services: self.services.keys().map(String::as_str).collect(),
            localities: self.localities.iter().map(|l| l.id.as_str()).collect(),
            providers: self
                .providers
                .iter()
                .map(|p| (p.id.as_str(), p.services.keys().map(String::as_str).collect()))
                .collect(),
        }
    }

    /// Checks the meaning of a parsed scenario; returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut p = Vec::new();
        if self.name.trim().is_empty() {
            p.push(Problem::new("name", "expected a non-empty name"));
        }
        for (i, source) in self.sources.iter().enumerate() {
            if source.trim().is_empty() {
                p.push(Problem::new(format!("sources[{i}]"), "expected a source with some text"));
            }
        }
        self.validate_time(&mut p);
        check_range(&mut p, "geography.circuity", self.geography.circuity, 1.0, 10.0);
        check_nonneg(&mut p, "geography.diversion_radius_km", self.geography.diversion_radius_km, MAX_KM);
        self.geography.travel_time.validate(&mut p, "geography.travel_time");
        self.validate_localities(&mut p);
        self.validate_services(&mut p);
        self.validate_providers(&mut p);
        self.validate_positions(&mut p);
        self.validate_travel(&mut p);
        self.validate_rate_ratios(&mut p);
        self.validate_parameters(&mut p);
        if p.is_empty() {
            self.validate_scale(&mut p);
        }
        if let Err(problem) = self.regime.resolve() {
            p.push(problem);
        }
        if p.is_empty() { Ok(()) } else { Err(p) }
    }

    fn validate_time(&self, p: &mut Vec<Problem>) {
        let t = &self.time;
        check_weeks(p, "time.horizon_weeks", t.horizon_weeks, 1);
        check_weeks(p, "time.warmup_weeks", t.warmup_weeks, 0);
        check_weeks(p, "time.decision_interval", t.decision_interval, 1);
    }

    /// Expected referrals a week across the scenario at its peak demand
    /// multiplier, against [`MAX_WEEKLY_REFERRALS`].
    fn validate_scale(&self, p: &mut Vec<Problem>) {
        let weekly: f64 = self
            .localities
            .iter()
            .map(|l| {
                let shares = l.age_mix.shares();
                self.services
                    .values()
                    .map(|s| s.referral_rate.by_band().iter().zip(shares).map(|(r, a)| r * a).sum::<f64>())
                    .sum::<f64>()
                    * l.population
                    / 1000.0
                    / 52.0
            })
            .sum();
        // The largest of the timed multipliers, of population growth in any
        // band of any district and of per-resident growth over the run.
        let years = self.time.last_year();
        let population_peak = self
            .demography
            .band_growth(years)
            .values()
            .flatten()
            .flatten()
            .fold(1.0, |a: f64, &b| if b.is_nan() { f64::INFINITY } else { a.max(b) });
        let rate_peak = self.services.values().map(|s| (1.0 + s.growth).powi(years as i32)).fold(1.0, f64::max);
        let peak = self
            .timeline
            .iter()
            .filter(|c| c.set.starts_with("demand"))
            .filter_map(|c| c.value.as_f64())
            .fold(1.0, f64::max);
        let grown = weekly * peak * population_peak * rate_peak;
        if weekly * peak > MAX_WEEKLY_REFERRALS {
            p.push(Problem::new(
                "localities",
                format!(
                    "expected at most {MAX_WEEKLY_REFERRALS:e} referrals a week across the scenario (populations × referral rates{}), found {:.3e}",
                    if peak > 1.0 { " × the largest timed demand multiplier" } else { "" },
                    weekly * peak
                ),
            ));
        } else if grown.is_nan() || grown > MAX_WEEKLY_REFERRALS {
            p.push(Problem::new(
                "time.horizon_weeks",
                format!(
                    "expected a run short enough for demand to stay within {MAX_WEEKLY_REFERRALS:e} referrals a week; over {} years the population's growth (`demography`) and the services' `growth` take it to {grown:.3e}",
                    years + 1
                ),
            ));
        }
    }

    fn validate_localities(&self, p: &mut Vec<Problem>) {
        if self.localities.is_empty() {
            p.push(Problem::new("localities", "expected at least one locality"));
        }
        for (field, n, max) in [
            ("localities", self.localities.len(), MAX_LOCALITIES),
            ("providers", self.providers.len(), MAX_PROVIDERS),
            ("services", self.services.len(), MAX_SERVICES),
        ] {
            if n > max {
                p.push(Problem::new(field, format!("expected at most {max}, found {n}")));
            }
        }
        check_unique(p, "localities", self.localities.iter().map(|l| l.id.as_str()));
        for (i, l) in self.localities.iter().enumerate() {
            check_nonneg(p, format_args!("localities[{i}].population"), l.population, MAX_POPULATION);
            check_name(p, format_args!("localities[{i}].name"), &l.name);
            check_nonneg(p, format_args!("localities[{i}].area_km2"), l.area_km2, MAX_AREA_KM2);
            if let Some(spread) = l.spread_km {
                check_nonneg(p, format_args!("localities[{i}].spread_km"), spread, MAX_KM);
            }
            if let Some(d) = &l.district {
                check_name(p, format_args!("localities[{i}].district"), d);
            }
            let shares = l.age_mix.shares();
            for (band, share) in ["children", "adults", "older"].iter().zip(shares) {
                check_range(p, format_args!("localities[{i}].age_mix.{band}"), share, 0.0, 1.0);
            }
            let sum: f64 = shares.iter().sum();
            if (sum - 1.0).abs() > AGE_MIX_TOLERANCE {
                p.push(Problem::new(
                    format!("localities[{i}].age_mix"),
                    format!("expected shares summing to 1 (±{AGE_MIX_TOLERANCE}), found {sum}"),
                ));
            }
        }
    }

    fn validate_services(&self, p: &mut Vec<Problem>) {
        if self.services.is_empty() {
            p.push(Problem::new("services", "expected at least one service"));
        }
        for (id, s) in &self.services {
            let at = fields_of(|f| FieldOf::Keyed("services", id, f));
            for (band, rate) in ["children", "adults", "older"].iter().zip(s.referral_rate.by_band()) {
                check_nonneg(p, at(&format!("referral_rate.{band}")), rate, MAX_REFERRAL_RATE);
            }
            check_range(p, at("complex_share"), s.complex_share, 0.0, 1.0);
            check_range(p, at("urgent_share"), s.urgent_share, 0.0, 1.0);
            if s.urgent_share > 0.0 && s.urgency == Urgency::Emergency {
                p.push(Problem::new(
                    at("urgent_share"),
                    format!(
                        "expected 0 for an emergency service (urgent patients are those of an elective list), found {}",
                        s.urgent_share
                    ),
                ));
            }
            for (g, h) in STAFF_GROUPS.iter().zip(s.staff_hours.by_group()) {
                check_nonneg(p, at(&format!("staff_hours.{g}")), h, MAX_STAFF_HOURS);
            }
            for (g, &n) in &s.episodes_per_wte {
                let path = at(&format!("episodes_per_wte.{g}")).to_string();
                if !STAFF_GROUPS.contains(&g.as_str()) {
                    p.push(Problem::new(
                        path,
                        format!("expected a staff group ({}), found `{g}`", STAFF_GROUPS.join(", ")),
                    ));
                } else if !(n > 0.0 && n <= MAX_EPISODES_PER_WTE) {
                    p.push(Problem::new(
                        path,
                        format!("expected episodes a year per WTE in (0, {MAX_EPISODES_PER_WTE}], found {n}"),
                    ));
                }
            }
            check_nonneg(p, at("variable_cost"), s.variable_cost, MAX_MONEY);
            check_name(p, at("name"), &s.name);
            check_nonneg(p, at("tariff"), s.tariff, MAX_MONEY);
            // A risk of exactly 0 or 1 has no log-odds.
            check_range(p, at("baseline_risk.routine"), s.baseline_risk.routine, 1e-9, 1.0 - 1e-9);
            check_range(p, at("baseline_risk.complex"), s.baseline_risk.complex, 1e-9, 1.0 - 1e-9);
            check_nonneg(p, at("min_safe_volume"), s.min_safe_volume, MAX_VOLUME);
            if let Some(v) = s.min_safe_volume_routine {
                check_nonneg(p, at("min_safe_volume_routine"), v, MAX_VOLUME);
            }
            check_nonneg(p, at("min_complex_volume"), s.min_complex_volume, MAX_VOLUME);
            check_range(p, at("bed_days"), s.bed_days, 0.0, 365.0);
            check_before_decision(p, at("weeks_before_decision"), s.weeks_before_decision, s.urgency);
            if s.length_of_stay_weeks != 0.0 {
                check_range(p, at("length_of_stay_weeks"), s.length_of_stay_weeks, 1.0, 520.0);
            }
            check_range(p, at("growth"), s.growth, -0.1, 0.1);
            check_range(p, at("transfers.unplanned_share"), s.transfers.unplanned_share, 0.0, 1.0);
            check_range(p, at("transfers.risk_odds"), s.transfers.risk_odds, 1e-3, 1e3);
            check_range(p, at("transfers.routine_share"), s.transfers.routine_share, 0.0, 1.0);
            check_range(p, at("transfers.basic_share"), s.transfers.basic_share, 0.0, 1.0);
            check_range(p, at("travel_risk.odds_per_km"), s.travel_risk.odds_per_km, 0.8, 1.25);
            check_range(p, at("travel_risk.reference_km"), s.travel_risk.reference_km, 0.0, 100.0);
            if s.urgency == Urgency::Elective && s.travel_risk.odds_per_km != 1.0 {
                p.push(Problem::new(
                    at("travel_risk.odds_per_km"),
                    format!(
                        "expected 1 for an elective service (the evidence is for emergency journeys), found {}",
                        s.travel_risk.odds_per_km
                    ),
                ));
            }
            // An elective service's patients move between levels neither way.
            let moving = [
                ("unplanned_share", s.transfers.unplanned_share, "its complex cases are planned"),
                ("routine_share", s.transfers.routine_share, "its patients are treated where they are listed"),
                ("basic_share", s.transfers.basic_share, "its patients are treated where they are listed"),
            ];
            for (field, share, why) in moving {
                if s.urgency == Urgency::Elective && share > 0.0 {
                    p.push(Problem::new(
                        at(&format!("transfers.{field}")),
                        format!("expected 0 for an elective service ({why}), found {share}"),
                    ));
                }
            }
        }
    }

    fn validate_providers(&self, p: &mut Vec<Problem>) {
        if self.providers.is_empty() {
            p.push(Problem::new("providers", "expected at least one provider"));
        }
        check_unique(p, "providers", self.providers.iter().map(|v| v.id.as_str()));
        for (i, v) in self.providers.iter().enumerate() {
            let at = fields_of(|f| FieldOf::Indexed("providers", i, f));
            check_range(p, at("quality"), v.quality, -10.0, 10.0);
            check_range(p, at("quality_cost_factor"), v.quality_cost_factor, 0.1, 10.0);
            check_range(p, at("market_forces_factor"), v.market_forces_factor, 0.5, 2.0);
            check_range(p, at("cash"), v.cash, -MAX_BALANCE, MAX_BALANCE);
            check_name(p, at("name"), &v.name);
            check_nonneg(p, at("debt"), v.debt, MAX_BALANCE);
            check_nonneg(p, at("fixed_cost"), v.fixed_cost, MAX_FIXED_COST);
            if let Some(beds) = v.beds {
                check_nonneg(p, at("beds"), beds, MAX_CAPACITY);
            }
            if let Some(o) = v.occupancy {
                check_range(p, at("occupancy"), o, 0.0, 1.0);
            }
            for (sid, offer) in &v.services {
                if !self.services.contains_key(sid) {
                    p.push(Problem::new(
                        at(&format!("services.{sid}")),
                        format!("expected one of the defined services ({}), found `{sid}`", self.service_list()),
                    ));
                }
                check_nonneg(p, at(&format!("services.{sid}.capacity")), offer.capacity, MAX_CAPACITY);
                if let Some(why) = self.basic_refused(sid, offer.capability) {
                    p.push(Problem::new(
                        at(&format!("services.{sid}.capability")),
                        format!("expected `routine` or `complex`: {why}"),
                    ));
                }
                if let (Some(weeks), Some(s)) = (offer.weeks_before_decision, self.services.get(sid)) {
                    let path = format!("services.{sid}.weeks_before_decision");
                    check_before_decision(p, at(&path), weeks, s.urgency);
                }
                if let Some(m) = offer.conveyance_minutes {
                    let path = at(&format!("services.{sid}.conveyance_minutes")).to_string();
                    check_conveyance_minutes(p, &path, m, self.services.get(sid));
                }
                if let Some(share) = offer.specialty_share {
                    let path = at(&format!("services.{sid}.specialty_share")).to_string();
                    if !(share > 0.0 && share < 1.0) {
                        p.push(Problem::new(
                            path.as_str(),
                            format!("expected a share above 0 and below 1, found {share}"),
                        ));
                    }
                    if self.services.get(sid).is_some_and(|s| s.complex_share > 0.0)
                        && offer.capability != Capability::Complex
                    {
                        p.push(Problem::new(
                            path,
                            "expected `capability: complex` for a specialist unit of a service with complex cases \
                             (its specialty's patients of both levels come to it)",
                        ));
                    }
                }
                if let Some(list) = &offer.waiting_list {
                    let path = at(&format!("services.{sid}.waiting_list")).to_string();
                    list.check(&path, p);
                    if self.services.get(sid).is_some_and(|s| s.urgency != Urgency::Elective) {
                        p.push(Problem::new(path, "expected a waiting list only for an elective service"));
                    }
                }
            }
            check_unique(p, &at("sites").to_string(), v.sites.iter().map(|x| x.id.as_str()));
            for (j, site) in v.sites.iter().enumerate() {
                check_name(p, at(&format!("sites[{j}].name")), &site.name);
                for (k, sid) in site.services.iter().enumerate() {
                    if !v.services.contains_key(sid) {
                        p.push(Problem::new(
                            at(&format!("sites[{j}].services[{k}]")),
                            format!("expected one of the provider's services, found `{sid}`"),
                        ));
                    }
                }
                self.check_site_levels(p, &at(&format!("sites[{j}].levels")).to_string(), v, site);
            }
            for (sid, offer) in &v.services {
                let seen = v.sites.iter().filter(|x| x.services.contains(sid));
                if v.sites.iter().any(|x| x.levels.contains_key(sid))
                    && seen.clone().all(|x| x.levels.get(sid).is_some_and(|l| *l < offer.capability))
                {
                    p.push(Problem::new(
                        at(&format!("services.{sid}.capability")),
                        format!(
                            "expected one of its sites offering `{sid}` at the provider's level ({}); every site's \
                             `levels` puts it lower (give the provider the highest of its sites' levels)",
                            offer.capability.name()
                        ),
                    ));
                }
            }
            for (g, s) in STAFF_GROUPS.iter().zip(v.staff.by_group()) {
                check_nonneg(p, at(&format!("staff.{g}.in_post")), s.in_post, MAX_STAFF);
                if let Some(e) = s.establishment {
                    check_nonneg(p, at(&format!("staff.{g}.establishment")), e, MAX_STAFF);
                }
                if let Some(a) = &s.age_profile {
                    a.check(&at(&format!("staff.{g}.age_profile")).to_string(), p);
                }
            }
        }
        for (sid, s) in &self.services {
            let general = |v: &ProviderSpec, complex: bool| {
                v.services.get(sid).is_some_and(|o| o.is_general() && (!complex || o.capability == Capability::Complex))
            };
            let complex = self.providers.iter().any(|v| general(v, true));
            let referred = s.referral_rate.by_band().iter().any(|r| *r > 0.0);
            let specialties: f64 = self.providers.iter().filter_map(|v| v.services.get(sid)?.specialty_share).sum();
            if specialties >= 1.0 {
                p.push(Problem::new(
                    format!("services.{sid}"),
                    format!(
                        "expected the specialist units' `specialty_share`s to sum below 1, found {specialties} \
                         (the rest of the referrals go to general units)"
                    ),
                ));
            }
            if referred && !self.providers.iter().any(|v| general(v, false)) {
                p.push(Problem::new(
                    format!("services.{sid}"),
                    "expected at least one general provider (no `specialty_share`) offering a service that has \
                     referrals",
                ));
            } else if referred && s.complex_share > 0.0 && !complex {
                p.push(Problem::new(
                    format!("services.{sid}.complex_share"),
                    "expected a general provider (no `specialty_share`) with `capability: complex` for a service \
                     with complex cases",
                ));
            }
        }
    }

    fn validate_positions(&self, p: &mut Vec<Problem>) {
        let places = self.localities.iter().enumerate().map(|(i, l)| (Placed::Locality(i), l.position)).chain(
            self.providers.iter().enumerate().flat_map(|(i, v)| {
                std::iter::once((Placed::Provider(i), v.position))
                    .chain(v.sites.iter().enumerate().map(move |(j, x)| (Placed::Site(i, j), x.position)))
            }),
        );
        let mut first_kind: Option<(Placed, bool)> = None;
        for (path, pos) in places {
            pos.check(path, p);
            match &first_kind {
                None => first_kind = Some((path, pos.is_latlon())),
                Some((first, latlon)) if *latlon != pos.is_latlon() => p.push(Problem::new(
                    path.to_string(),
                    format!("expected the same kind of position as `{first}` (all x/y or all lat/lon)"),
                )),
                Some(_) => {}
            }
        }
    }

    /// Each locality's rate ratios and shares treated elsewhere name
    /// services and are in range.
    fn validate_rate_ratios(&self, p: &mut Vec<Problem>) {
        for (i, l) in self.localities.iter().enumerate() {
            let ratios = l.rate_ratio.iter().map(|(sid, &r)| ("rate_ratio", sid, r, MAX_RATE_RATIO));
            for (field, sid, value, most) in
                ratios.chain(l.elsewhere.iter().map(|(sid, &r)| ("elsewhere", sid, r, 1.0)))
            {
                let at = format_args!("localities[{i}].{field}.{sid}");
                if self.services.contains_key(sid) {
                    check_nonneg(p, at, value, most);
                } else {
                    p.push(Problem::new(
                        at.to_string(),
                        format!("expected one of the defined services ({}), found `{sid}`", self.service_list()),
                    ));
                }
            }
        }
    }

    /// Each locality's listed travel times name one hospital site, or one
    /// provider listing no sites, and are minutes in range.
    fn validate_travel(&self, p: &mut Vec<Problem>) {
        if self.localities.iter().all(|l| l.minutes.is_empty()) {
            return;
        }
        let mut places: BTreeMap<&str, usize> = BTreeMap::new();
        for v in &self.providers {
            if v.sites.is_empty() {
                *places.entry(v.id.as_str()).or_default() += 1;
            }
            for x in &v.sites {
                *places.entry(x.id.as_str()).or_default() += 1;
            }
        }
        for (i, l) in self.localities.iter().enumerate() {
            for (key, &minutes) in &l.minutes {
                let at = format_args!("localities[{i}].minutes.{key}");
                match places.get(key.as_str()) {
                    None => p.push(Problem::new(
                        at.to_string(),
                        format!("expected a hospital site's id, or a provider's that lists no sites, found `{key}`"),
                    )),
                    Some(n) if *n > 1 => p.push(Problem::new(
                        at.to_string(),
                        format!("expected an id naming one place, found `{key}` naming {n} sites or providers"),
                    )),
                    Some(_) => check_nonneg(p, at, minutes, MAX_MINUTES),
                }
            }
        }
    }

    fn validate_parameters(&self, p: &mut Vec<Problem>) {
        let w = &self.workforce;
        check_range(p, "workforce.hours_per_wte", w.hours_per_wte, 1.0, 168.0);
        for (g, c) in STAFF_GROUPS.iter().zip(w.annual_cost.by_group()) {
            check_nonneg(p, format_args!("workforce.annual_cost.{g}"), c, MAX_ANNUAL_COST);
        }
        if let Some(b) = &self.commissioner.budget_per_capita {
            for (band, v) in ["children", "adults", "older"].iter().zip(b.by_band()) {
                check_nonneg(p, format_args!("commissioner.budget_per_capita.{band}"), v, MAX_MONEY);
            }
        }
        check_range(p, "commissioner.budget_margin", self.commissioner.budget_margin, -1.0, 10.0);
        let districts: std::collections::BTreeSet<&str> = self.localities.iter().map(LocalitySpec::district).collect();
        self.demography.check(&districts, p);
        if !self.demography.districts.is_empty() {
            for (i, l) in self.localities.iter().enumerate() {
                if !self.demography.districts.contains_key(l.district()) {
                    p.push(Problem::new(
                        format!("localities[{i}].district"),
                        format!(
                            "expected a district with residents by age in `demography.districts`; found `{}`{}",
                            l.district(),
                            if l.district.is_some() { "" } else { " (none given: the locality's id)" }
                        ),
                    ));
                }
            }
        }
        let c = &self.choice;
        check_range(p, "choice.beta_minutes", c.beta_minutes, 0.0, 100.0);
        check_range(p, "choice.beta_minutes_emergency", c.beta_minutes_emergency, 0.0, 100.0);
        check_range(p, "choice.beta_quality", c.beta_quality, -100.0, 100.0);
        check_range(p, "choice.beta_wait", c.beta_wait, 0.0, 100.0);
        check_nonneg(p, "choice.radius_km", c.radius_km, MAX_KM);
        let n = &self.network;
        check_nonneg(p, "network.wait_threshold_weeks", n.wait_threshold_weeks, f64::from(MAX_WEEKS));
        check_nonneg(p, "network.mutual_aid_radius_km", n.mutual_aid_radius_km, MAX_KM);
        for (sid, hub) in &n.hubs {
            let at = format!("network.hubs.{sid}");
            if !self.services.contains_key(sid) {
                p.push(Problem::new(
                    &at,
                    format!("expected a defined service ({}), found `{sid}`", self.service_list()),
                ));
                continue;
            }
            match self.providers.iter().find(|v| &v.id == hub) {
                None => p.push(Problem::new(
                    &at,
                    format!("expected the id of a provider, found `{hub}`, which does not exist"),
                )),
                Some(v) if v.services.get(sid).is_some_and(|o| !o.is_general()) => p.push(Problem::new(
                    &at,
                    format!("expected a general unit as the hub, but `{hub}`'s `{sid}` is a specialist unit"),
                )),
                Some(v) if v.services.get(sid).map(|o| o.capability) != Some(Capability::Complex) => {
                    p.push(Problem::new(
                        &at,
                        format!(
                            "expected a provider offering `{sid}` with `capability: complex`, but `{hub}` does not"
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
        let o = &self.outcome;
        for (f, v) in [("quality", o.quality), ("volume", o.volume), ("staffing", o.staffing), ("wait", o.wait)] {
            check_range(p, format_args!("outcome.{f}"), v, -100.0, 100.0);
        }
        check_nonneg(p, "finance.transaction_cost", self.finance.transaction_cost, MAX_MONEY);
        check_range(p, "finance.interest_rate", self.finance.interest_rate, 0.0, 1.0);
        let prices = &self.finance.prices;
        check_range(p, "finance.prices.cost_inflation", prices.cost_inflation, -0.2, 0.5);
        check_range(p, "finance.prices.cost_uplift", prices.cost_uplift, -0.2, 0.5);
        check_range(p, "finance.prices.efficiency_factor", prices.efficiency_factor, 0.0, 0.2);
        check_range(p, "finance.prices.productivity_growth", prices.productivity_growth, -0.1, 0.1);
        self.workforce.labour.check(p);
        self.behaviour.check(p);
        self.failure.check(p);
        self.out_of_area.check(p);
        let names = self.names();
        self.integration.check(&names.services, p);
        let end = u64::from(self.time.warmup_weeks) + u64::from(self.time.horizon_weeks);
        for (i, change) in self.timeline.iter().enumerate() {
            if let Err(problem) = change.parse(&names, &format!("timeline[{i}]")) {
                p.push(problem);
            }
            if u64::from(change.week) >= end {
                p.push(Problem::new(
                    format!("timeline[{i}].week"),
                    format!(
                        "expected a week within the run (0 to {}: {} weeks' warm-up and {} measured), found {}; the change would never happen",
                        end - 1,
                        self.time.warmup_weeks,
                        self.time.horizon_weeks,
                        change.week
                    ),
                ));
            }
        }
    }

    fn service_list(&self) -> String {
        self.services.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
    }

    /// Why `level` is refused for service `sid`: `basic` for a service
    /// without three levels (`None` otherwise).
    fn basic_refused(&self, sid: &str, level: Capability) -> Option<String> {
        (level == Capability::Basic && self.services.get(sid).is_some_and(|s| s.transfers.basic_share <= 0.0)).then(
            || {
                format!(
                    "`basic` is a level only of a service with three (`services.{sid}.transfers.basic_share` above 0)"
                )
            },
        )
    }

    /// A site's `levels` (at `path`): each for a service the site offers, a
    /// general unit's, below the provider's level, and `basic` only for a
    /// service with three levels.
    fn check_site_levels(&self, p: &mut Vec<Problem>, path: &str, provider: &ProviderSpec, site: &SiteSpec) {
        for (sid, level) in &site.levels {
            let at = format!("{path}.{sid}");
            let Some(offer) = provider.services.get(sid).filter(|_| site.services.contains(sid)) else {
                p.push(Problem::new(at, format!("expected a service the site offers, found `{sid}`")));
                continue;
            };
            if offer.specialty_share.is_some() {
                p.push(Problem::new(at, "expected no level for a specialist unit (it takes only its specialty)"));
            } else if *level >= offer.capability {
                p.push(Problem::new(
                    at,
                    format!(
                        "expected a level below the provider's ({}) for `{sid}`, found `{}` (a site at the \
                         provider's level needs no entry)",
                        offer.capability.name(),
                        level.name()
                    ),
                ));
            } else if let Some(why) = self.basic_refused(sid, *level) {
                p.push(Problem::new(at, format!("expected `routine`: {why}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Scenario {
        serde_json::from_str(
            r#"{
              "name": "tiny",
              "localities": [{"id": "a", "position": {"x": 0, "y": 0}, "population": 1000}],
              "services": {"surgery": {"tariff": 1000, "referral_rate": {"adults": 10}}},
              "providers": [{"id": "h", "kind": "dgh", "position": {"x": 1, "y": 0},
                             "services": {"surgery": {"capability": "complex", "capacity": 1}}}]
            }"#,
        )
        .expect("tiny scenario parses")
    }

    #[test]
    fn omitted_fields_take_documented_defaults() {
        let s = tiny();
        assert_eq!(s.time.horizon_weeks, 520);
        assert_eq!(s.time.warmup_weeks, 52);
        assert_eq!(s.time.decision_interval, 13);
        assert_eq!(s.choice.radius_km, 40.0);
        assert_eq!(s.services["surgery"].complex_share, 0.1);
        assert!(s.services["surgery"].patient_choice());
        assert!(s.validate().is_ok());
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut s = tiny();
        s.localities[0].population = -5.0;
        s.providers[0].services.insert(
            "cardiology".into(),
            ProviderServiceSpec {
                capability: Capability::Routine,
                capacity: 1.0,
                waiting_list: None,
                weeks_before_decision: None,
                specialty_share: None,
                conveyance_minutes: None,
            },
        );
        s.network.hubs.insert("surgery".into(), "nowhere".into());
        let problems = s.validate().expect_err("three problems");
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["localities[0].population", "providers[0].services.cardiology", "network.hubs.surgery"]);
        assert!(problems[1].message.contains("surgery"), "{}", problems[1].message);
    }

    #[test]
    fn mixed_position_kinds_are_rejected() {
        let mut s = tiny();
        s.providers[0].position = Position { lat: Some(53.0), lon: Some(-2.0), ..Position::default() };
        let problems = s.validate().expect_err("mixed kinds");
        assert_eq!(problems[0].path, "providers[0].position");
    }

    #[test]
    fn complex_cases_need_a_complex_provider() {
        let mut s = tiny();
        s.providers[0].services.get_mut("surgery").expect("offered").capability = Capability::Routine;
        let problems = s.validate().expect_err("no complex provider");
        assert_eq!(problems[0].path, "services.surgery.complex_share");
    }

    #[test]
    fn an_urgent_share_is_a_share_of_an_elective_list() {
        let mut s = tiny();
        s.services.get_mut("surgery").expect("a service").urgent_share = 0.45;
        assert!(s.validate().is_ok());
        s.services.get_mut("surgery").expect("a service").urgent_share = 1.5;
        assert_eq!(s.validate().expect_err("above 1")[0].path, "services.surgery.urgent_share");
        let surgery = s.services.get_mut("surgery").expect("a service");
        surgery.urgent_share = 0.2;
        surgery.urgency = Urgency::Emergency;
        let problems = s.validate().expect_err("an emergency service has no list");
        assert_eq!(problems[0].path, "services.surgery.urgent_share");
        assert!(problems[0].message.contains("emergency"), "{}", problems[0].message);
    }
}
