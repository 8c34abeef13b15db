//! One run from a validated scenario to its result document.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::engine::{Event, Simulation, Timeseries};
use crate::model::measures::metrics::{Access, Accounts, Grouped, Outcomes, Waiting, ratio};
use crate::model::measures::money::Money;
use crate::model::provider::ProviderState;
use crate::model::regime::Regime;
use crate::model::scenario::{Capability, ProviderKind, STAFF_GROUPS, Scenario};
use crate::model::world::{ProviderId, Service, ServiceId};

/// The version written into every result.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a run reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOutput {
    /// Version of ccsim that produced it.
    pub ccsim_version: String,
    /// Which scenario ran.
    pub scenario: ScenarioInfo,
    /// The regime knobs at the start (timed changes are in `events`).
    pub regime: Regime,
    /// The regime knobs at the end.
    pub regime_at_end: Regime,
    /// Master seed.
    pub seed: u64,
    /// Warm-up and measured horizon.
    pub time: TimeInfo,
    /// Figures over the measured window.
    pub summary: Summary,
    /// Each provider at the end of the run.
    pub providers: Vec<ProviderEnd>,
    /// Failures, closures, mergers, service moves and timed changes, in order.
    pub events: Vec<Event>,
    /// Where localities and providers are, and who went where.
    pub map: Map,
    /// Weekly series, when asked for.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timeseries: Option<Timeseries>,
}

/// Positions (km, projected) and patient flows over the measured window.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Map {
    /// Localities.
    pub localities: Vec<MapLocality>,
    /// Providers.
    pub providers: Vec<MapProvider>,
    /// Patients treated, by home locality and provider (all services).
    pub flows: Vec<Flow>,
    /// Where each open provider offers each service at the end of the run:
    /// its sites seeing the service, or its position when it lists none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<MapSite>,
}

/// A place where a provider offers services, on the map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapSite {
    /// The provider's id.
    pub provider: String,
    /// The site's id (the provider's, when it lists no sites).
    pub id: String,
    /// East, km.
    pub x: f64,
    /// North, km.
    pub y: f64,
    /// The services offered here, by id, with their level here (`basic`,
    /// `routine` or `complex`: the site's own where it has one below its
    /// unit's).
    pub services: BTreeMap<String, crate::model::scenario::Capability>,
}

/// Every place where an open provider offers a service at the end of a run.
fn map_sites(world: &crate::model::World, providers: &[crate::model::provider::ProviderState]) -> Vec<MapSite> {
    sites_at(world, |p, si| {
        let state = &providers[p];
        state.units[si].as_ref().filter(|_| state.open).map(|u| u.capability)
    })
}

/// Every place where a provider offers a service as a run starts (before
/// any closure or takeover), with its level there: which site offers what
/// in a scenario.
pub fn map_sites_at_start(world: &crate::model::World) -> Vec<MapSite> {
    sites_at(world, |p, si| world.providers[p].offers[si].map(|o| o.capability))
}

/// Every place where a provider offers a service, given each provider's
/// unit level for each service (`unit(provider, service)`, `None` where it
/// offers none): a site's level is its own where it has one below its
/// unit's, else the unit's.
fn sites_at(
    world: &crate::model::World,
    unit: impl Fn(usize, usize) -> Option<crate::model::scenario::Capability>,
) -> Vec<MapSite> {
    let mut out = Vec::new();
    for (pi, p) in world.providers.iter().enumerate() {
        type Level = Option<crate::model::scenario::Capability>;
        let offered = |level: &dyn Fn(usize) -> Option<Level>| -> BTreeMap<String, crate::model::scenario::Capability> {
            (0..world.services.len())
                .filter_map(|si| {
                    let own = level(si)?;
                    unit(pi, si).map(|u| (world.services[si].id.clone(), own.map_or(u, |l| l.min(u))))
                })
                .collect()
        };
        if p.sites.is_empty() {
            let services = offered(&|_| Some(None));
            if !services.is_empty() {
                out.push(MapSite { provider: p.id.clone(), id: p.id.clone(), x: p.x, y: p.y, services });
            }
            continue;
        }
        for site in &p.sites {
            let services = offered(&|si| site.sees[si].then_some(site.levels[si]));
            if !services.is_empty() {
                out.push(MapSite { provider: p.id.clone(), id: site.id.clone(), x: site.x, y: site.y, services });
            }
        }
    }
    out
}

/// The localities on the map.
pub fn map_localities(world: &crate::model::World) -> Vec<MapLocality> {
    world
        .localities
        .iter()
        .map(|l| MapLocality { id: l.id.clone(), x: l.x, y: l.y, population: l.population, rurality: l.rurality })
        .collect()
}

/// A locality on the map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapLocality {
    /// Id.
    pub id: String,
    /// East, km.
    pub x: f64,
    /// North, km.
    pub y: f64,
    /// Residents.
    pub population: f64,
    /// Urban or rural.
    pub rurality: crate::model::scenario::Rurality,
}

/// A provider on the map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapProvider {
    /// Id.
    pub id: String,
    /// East, km.
    pub x: f64,
    /// North, km.
    pub y: f64,
    /// Kind.
    pub kind: ProviderKind,
}

/// Patients from one locality treated at one provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flow {
    /// Locality id.
    pub locality: String,
    /// Provider id.
    pub provider: String,
    /// Patients.
    pub patients: u64,
}

/// The scenario's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Its name.
    pub name: String,
    /// SHA-256 of its canonical JSON form (defaults filled in, keys in a fixed order).
    pub hash: String,
}

/// The run's time frame.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct TimeInfo {
    /// Weeks of warm-up, not measured.
    pub warmup_weeks: u32,
    /// Weeks measured.
    pub horizon_weeks: u32,
}

/// The run summary, grouped as MODEL.md lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// Travel to treatment.
    pub access: Grouped<Access>,
    /// Waits and diversions.
    pub waiting: Grouped<Waiting>,
    /// Adverse outcomes and their variation.
    pub outcomes: Grouped<Outcomes>,
    /// What providers chose.
    pub providers: ProviderSummary,
    /// Money.
    pub finance: Finance,
    /// Staff.
    pub workforce: Workforce,
    /// Community substitution.
    pub integration: Integration,
    /// Conservation of patients, money and staff.
    pub bookkeeping: Bookkeeping,
    /// Residents when the population grows (absent when it holds still).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Population>,
    /// By service: the share of residents within 30 and 60 minutes' road
    /// travel of an open site offering it, at the end of the run.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub coverage: BTreeMap<String, super::coverage::Coverage>,
    /// By service with a minimum safe volume: its open units at the end of
    /// the run and those that treated fewer over the last year.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub volume: BTreeMap<String, super::volume::Volume>,
    /// By service and staff group with a staffing standard: its open units
    /// at the end of the run, their episodes per WTE and those above it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub staffing: BTreeMap<String, BTreeMap<String, super::staffing::Staffing>>,
    /// By service whose complex cases may first present at a unit of the
    /// routine level: transfers between levels and for want of room.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub transfers: BTreeMap<String, crate::model::measures::transfers::Transfers>,
}

/// Residents by age band (children 0–17, adults 18–64, older 65+) in the
/// scenario's own year (the warm-up and the first measured year) and in the
/// run's last year, and each service's referral rate per resident in the
/// last year relative to the first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Population {
    /// Residents by age band in the scenario's own year.
    pub at_start: [f64; 3],
    /// Residents by age band in the last year.
    pub at_end: [f64; 3],
    /// Referral rate per resident in the last year over the first, by service id.
    pub rate_growth: BTreeMap<String, f64>,
}

/// Providers' decisions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderSummary {
    /// Mean quality across open providers over the window.
    pub mean_quality: Option<f64>,
    /// Quality at the end: mean over open providers.
    pub quality_at_end: Option<f64>,
    /// Coefficient of variation of quality across open providers at the end.
    pub quality_cv_at_end: Option<f64>,
    /// Mean efficiency effort (share of variable cost saved) at the end.
    pub efficiency_at_end: Option<f64>,
    /// Providers still open at the end.
    pub open_at_end: u32,
    /// What the window's takeovers did to quality: the change they made,
    /// added up, to open providers' quality weighted by physical capacity
    /// (positive: weaker providers' services moved to stronger ones). None
    /// without takeovers.
    #[serde(default)]
    pub takeover_quality_change: Option<f64>,
    /// Share of the measured weeks' shared general and acute bed-days used,
    /// over all providers with beds (absent when none has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bed_occupancy: Option<f64>,
    /// Elective episodes cancelled for want of a bed in the window, over
    /// the providers with beds, per elective episode given (absent when none
    /// has beds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_for_beds: Option<f64>,
    /// Of the cancelled, the share not given again within 28 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_not_rebooked: Option<f64>,
}

/// Money over the measured window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finance {
    /// Providers' total costs, £.
    pub system_cost: Money,
    /// Providers' total costs per year, £.
    pub system_cost_per_year: f64,
    /// Cost per episode, £: providers' costs and what the commissioner paid
    /// for patients treated out of the area, over all episodes (in the
    /// region and out of the area).
    pub cost_per_episode: Option<f64>,
    /// Paid by the commissioner for patients treated out of the area
    /// (tariff and transfer), £.
    #[serde(default)]
    pub out_of_area_paid: Money,
    /// Commissioner's budget, £.
    pub commissioner_budget: Money,
    /// Paid by the commissioner, £.
    pub commissioner_paid: Money,
    /// Budget minus payments, £ (negative: overspent).
    pub commissioner_balance: Money,
    /// Providers' income minus costs, all providers together, £ (negative:
    /// the system deficit).
    pub provider_surplus: Money,
    /// `provider_surplus` as a share of the providers' income, as trusts
    /// report their position (negative: a deficit).
    #[serde(default)]
    pub provider_margin: Option<f64>,
    /// Providers whose costs exceeded their income and risk-pool transfers over the window.
    pub providers_in_deficit: u32,
    /// Financial recovery plans imposed in the window (failures before a
    /// takeover).
    #[serde(default)]
    pub recovery_plans: u32,
    /// Providers taken over by the regulator in the window.
    pub failures: u32,
    /// Services closed in the window (by the regulator or the timeline).
    pub closures: u32,
    /// Providers merged away in the window.
    pub mergers: u32,
    /// Lent by the regulator to failing providers at takeover, £.
    pub regulator_loans: Money,
    /// Money for quality paid: the planner's grants and the quality
    /// payments, £.
    #[serde(default)]
    pub quality_money: Money,
    /// `quality_money` as a share of what the commissioner paid: the
    /// scenario's `quality_share` under any regime, once the first decision
    /// period has set the payments.
    #[serde(default)]
    pub quality_money_share: Option<f64>,
    /// All providers' accounts added up, £.
    pub accounts: Accounts,
    /// Direct costs by service.
    pub by_service: BTreeMap<String, ServiceFinance>,
}

/// Direct costs of one service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceFinance {
    /// Episodes treated.
    pub episodes: u64,
    /// Variable cost plus the cost of the staff hours an episode needs at
    /// national pay, £.
    pub direct_cost_per_episode: f64,
    /// Tariff at the end, £ per episode.
    pub tariff: f64,
}

/// Staff over the measured window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workforce {
    /// Mean share of funded posts vacant.
    pub vacancy_rate: Option<f64>,
    /// Spent on agency staff, £.
    pub agency_spend: Money,
    /// Mean agency WTE over mean agency plus substantive WTE.
    pub agency_share: Option<f64>,
    /// Leavers per year over mean staff in post.
    pub turnover_rate: Option<f64>,
    /// Newly qualified staff joining the region's pool, WTE a year.
    #[serde(default)]
    pub qualified_per_year: f64,
    /// Staff recruited from abroad, WTE a year.
    #[serde(default)]
    pub recruited_abroad_per_year: f64,
    /// Spent recruiting from abroad, £.
    #[serde(default)]
    pub recruitment_spend: Money,
    /// Mean over weeks of the coefficient of variation of utilisation
    /// (hours demanded over hours available) across providers.
    pub utilisation_cv: Option<f64>,
    /// WTE in post at the end.
    pub staff_in_post: f64,
    /// Funded WTE at the end.
    pub establishment: f64,
    /// Mean wage premium over open providers at the end.
    pub wage_premium_at_end: Option<f64>,
    /// By staff group at the end.
    pub by_group: BTreeMap<String, StaffGroupEnd>,
}

/// One staff group at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StaffGroupEnd {
    /// WTE in post.
    pub in_post: f64,
    /// Funded WTE.
    pub establishment: f64,
    /// Share of funded posts vacant.
    pub vacancy_rate: Option<f64>,
    /// Agency WTE.
    pub agency: f64,
    /// Unhired staff in the region's pool, WTE.
    pub pool: f64,
    /// Trainees in training (started, not yet finished), WTE.
    #[serde(default)]
    pub in_training: f64,
}

/// Community substitution over the measured window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Integration {
    /// Older people's emergency referrals met by community care instead.
    pub substituted: u64,
    /// Transition cost paid, £.
    pub transition_cost: Money,
}

/// Conservation checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bookkeeping {
    /// Patients, over the measured window.
    pub patients: PatientBalance,
    /// Money, over the measured window.
    pub money: MoneyBalance,
    /// Staff, over the whole run.
    pub staff: StaffBalance,
}

/// waiting_at_start + arrived = treated + diverted_out + waiting_at_end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PatientBalance {
    /// Waiting when measurement began.
    pub waiting_at_start: u64,
    /// Referred during the window.
    pub arrived: u64,
    /// Treated during the window.
    pub treated: u64,
    /// Left the region untreated.
    pub diverted_out: u64,
    /// Waiting at the end.
    pub waiting_at_end: u64,
    /// Whether the balance holds exactly.
    pub balanced: bool,
}

/// Paid by the commissioner = received by providers + paid for patients
/// treated out of the area; risk-pool transfers net to zero.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MoneyBalance {
    /// As the commissioner counts it, £.
    pub commissioner_paid: Money,
    /// As providers count it, £.
    pub providers_received: Money,
    /// Paid for patients treated out of the area (tariff and transfer), £.
    #[serde(default)]
    pub out_of_area_paid: Money,
    /// Net of risk-pool transfers between providers, £.
    pub risk_pool_net: Money,
    /// Whether they agree exactly (every transfer is rounded to the penny once).
    pub balanced: bool,
}

/// Staff at the start + entered = in post + pool + left, whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StaffBalance {
    /// WTE in post at the start.
    pub at_start: f64,
    /// WTE entering the region: newly qualified, or recruited from abroad.
    pub entered: f64,
    /// WTE who left the region.
    pub left: f64,
    /// WTE in post and in the pool at the end.
    pub at_end: f64,
    /// Whether the balance holds to 1e-6 WTE per 1,000 WTE (floating point).
    pub balanced: bool,
}

/// A provider at the end of the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderEnd {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ProviderKind,
    /// Parent organisation code.
    pub trust: Option<String>,
    /// Whether it still exists (not merged away).
    pub open: bool,
    /// Quality.
    pub quality: f64,
    /// Efficiency effort (share of variable cost saved).
    pub efficiency: f64,
    /// Wage premium.
    pub wage_premium: f64,
    /// Hours demanded over hours available in the last week.
    pub utilisation: f64,
    /// Cash, £.
    pub cash: Money,
    /// Debt, £.
    pub debt: Money,
    /// Share of needed staff hours not covered in the last week.
    pub staffing_shortfall: f64,
    /// Staff by group.
    pub staff: BTreeMap<String, StaffEnd>,
    /// Over the measured window.
    pub accounts: Accounts,
    /// Income and risk-pool transfers less costs over the window, £.
    pub surplus: Money,
    /// Services at the end.
    pub services: BTreeMap<String, UnitEnd>,
    /// Shared general and acute beds at the end (absent: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beds: Option<f64>,
    /// Share of those beds' bed-days used over the measured window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bed_occupancy: Option<f64>,
    /// Its hospital sites and the patients each saw in the measured window
    /// (absent: the scenario lists none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteEnd>,
}

/// One hospital site of a provider: the patients it saw, by service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteEnd {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Patients treated in the measured window, by service (those it sees).
    pub treated: BTreeMap<String, u64>,
}

/// One staff group at one provider at the end.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct StaffEnd {
    /// WTE in post.
    pub in_post: f64,
    /// Funded WTE.
    pub establishment: f64,
    /// Agency WTE.
    pub agency: f64,
}

/// One unit at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitEnd {
    /// Routine or complex.
    pub capability: Capability,
    /// Physical capacity, episodes per week.
    pub capacity: f64,
    /// Staffed capacity in the last week, episodes per week.
    pub staffed_capacity: f64,
    /// Patients waiting.
    pub waiting: u64,
    /// Expected wait for a new patient, weeks.
    pub expected_wait_weeks: f64,
    /// Episodes in the measured window.
    pub treated: u64,
    /// Completed pathways (episodes) per four-week month in the window.
    #[serde(default)]
    pub completed_per_month: Option<f64>,
    /// The waiting list at month end (RTT incomplete pathways), mean over
    /// the window's censuses.
    #[serde(default)]
    pub list_size: Option<f64>,
    /// Share of the list waiting 18 weeks or less.
    #[serde(default)]
    pub list_within_18_weeks: Option<f64>,
    /// Patients on the list waiting more than 52 weeks, mean over censuses.
    #[serde(default)]
    pub list_over_52_weeks: Option<f64>,
    /// Episodes in the last 52 weeks.
    pub annual_volume: u64,
    /// Complex episodes in the last 52 weeks, at a unit of the complex
    /// level (absent at the routine level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_complex_volume: Option<u64>,
    /// Adverse outcomes per episode in the window.
    pub adverse_rate: Option<f64>,
    /// Elective episodes cancelled for want of a bed in the window (absent
    /// for an emergency service or a provider without shared beds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_for_beds: Option<u64>,
    /// Of them, those not given again within 28 days (the NHS's standard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_not_rebooked: Option<u64>,
}

/// SHA-256 of a scenario's canonical JSON.
pub fn scenario_hash(s: &Scenario) -> String {
    let json = serde_json::to_vec(s).expect("a scenario always serialises");
    let digest = Sha256::digest(&json);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

impl Summary {
    /// What does not balance, if anything: patients, money or staff. A run
    /// whose books do not balance has a defect and its figures are not to be
    /// used.
    pub fn unbalanced(&self) -> Option<String> {
        let b = &self.bookkeeping;
        let mut off = Vec::new();
        if !b.patients.balanced {
            let p = &b.patients;
            off.push(format!(
                "patients ({} waiting at the start + {} arrived ≠ {} treated + {} diverted out + {} waiting at the end)",
                p.waiting_at_start, p.arrived, p.treated, p.diverted_out, p.waiting_at_end
            ));
        }
        if !b.money.balanced {
            let m = &b.money;
            off.push(format!(
                "money (commissioner paid £{}, providers received £{}, out of area £{}, risk pool net £{})",
                m.commissioner_paid.as_pounds(),
                m.providers_received.as_pounds(),
                m.out_of_area_paid.as_pounds(),
                m.risk_pool_net.as_pounds()
            ));
        }
        if !b.staff.balanced {
            let st = &b.staff;
            off.push(format!(
                "staff ({} WTE at the start + {} entered ≠ {} left + {} at the end)",
                st.at_start, st.entered, st.left, st.at_end
            ));
        }
        (!off.is_empty()).then(|| off.join("; "))
    }
}

/// Runs a validated scenario under its regime with `seed`.
pub fn run(scenario: &Scenario, seed: u64, timeseries: bool) -> RunOutput {
    let mut sim = Simulation::from_scenario(scenario, seed, timeseries);
    sim.run_to_end();
    output(&sim, scenario_hash(scenario), seed)
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Whether a provider's unit of service `s` counts electives cancelled for
/// want of a bed: an elective service at a provider with shared beds.
fn counts_cancellations(p: &ProviderState, s: &Service) -> bool {
    p.beds.is_some() && s.is_elective()
}

/// The result document of a finished simulation.
pub fn output(sim: &Simulation, hash: String, seed: u64) -> RunOutput {
    let world = sim.world();
    let m = sim.metrics();
    let (access, mut waiting, outcomes, arrived) = m.patient_summary(world);
    let open: Vec<_> = sim.providers().iter().filter(|p| p.open).collect();

    // Waiting lists at the end, by service and locality group.
    let mut list_end = vec![[0u64; 2]; world.services.len()];
    for p in sim.providers() {
        for (si, u) in p.units.iter().enumerate() {
            for (_, n) in u.iter().flat_map(|u| u.queue.clocks().by_wait(0)) {
                list_end[si][0] += n[0];
                list_end[si][1] += n[1];
            }
        }
    }
    let waiting_at_end: u64 = list_end.iter().flatten().sum();
    waiting.overall.waiting_at_end = Some(waiting_at_end);
    waiting.urban.waiting_at_end = Some(list_end.iter().map(|x| x[0]).sum());
    waiting.rural.waiting_at_end = Some(list_end.iter().map(|x| x[1]).sum());
    for s in world.service_ids() {
        if let Some(w) = waiting.by_service.get_mut(&world.services[s.index()].id) {
            w.waiting_at_end = Some(list_end[s.index()].iter().sum());
        }
    }

    let mut total = Accounts::default();
    for a in &m.accounts {
        total.add(a);
    }
    let measured = |e: &&Event| e.week >= world.time.warmup_weeks;
    let count = |kind: &str| sim.events().iter().filter(measured).filter(|e| e.kind == kind).count() as u32;
    let episodes = outcomes.overall.episodes + outcomes.overall.out_of_area_episodes;
    let years = f64::from(m.weeks) / 52.0;
    let finance = Finance {
        system_cost: total.costs(),
        system_cost_per_year: if years > 0.0 { total.costs().as_pounds() / years } else { 0.0 },
        cost_per_episode: ratio((total.costs() + m.out_of_area_paid).as_pounds(), episodes as f64),
        out_of_area_paid: m.out_of_area_paid,
        commissioner_budget: m.commissioner_budget,
        commissioner_paid: m.commissioner_paid,
        commissioner_balance: m.commissioner_budget - m.commissioner_paid,
        provider_surplus: total.surplus(),
        provider_margin: ratio(total.surplus().as_pounds(), total.income().as_pounds()),
        providers_in_deficit: m.accounts.iter().filter(|a| a.surplus() < Money::ZERO).count() as u32,
        recovery_plans: count("recovery_plan"),
        failures: count("failure"),
        closures: count("closure"),
        mergers: count("merger"),
        regulator_loans: m.regulator_loans,
        quality_money: total.grant_income + total.quality_payment_income,
        quality_money_share: ratio(
            (total.grant_income + total.quality_payment_income).as_pounds(),
            m.commissioner_paid.as_pounds(),
        ),
        accounts: total,
        by_service: world
            .service_ids()
            .map(|s| {
                let svc = &world.services[s.index()];
                let finance = ServiceFinance {
                    episodes: outcomes.by_service[&svc.id].episodes,
                    direct_cost_per_episode: svc.variable_cost + world.staff_cost_per_episode(s),
                    tariff: sim.tariff(s),
                };
                (svc.id.clone(), finance)
            })
            .collect(),
    };

    let mut by_group = BTreeMap::new();
    for (g, name) in STAFF_GROUPS.iter().enumerate() {
        let post: f64 = open.iter().map(|p| p.staff[g].in_post()).sum();
        let est: f64 = open.iter().map(|p| p.staff[g].establishment).sum();
        let agency: f64 = open.iter().map(|p| p.staff[g].agency).sum();
        by_group.insert(
            (*name).to_owned(),
            StaffGroupEnd {
                in_post: post,
                establishment: est,
                vacancy_rate: ratio((est - post).max(0.0), est),
                agency,
                pool: sim.pool()[g],
                in_training: sim.in_training()[g],
            },
        );
    }
    let weeks = f64::from(m.weeks);
    let mean_staff = ratio(m.staff_weeks, weeks);
    let workforce = Workforce {
        vacancy_rate: ratio(m.vacancy_rate_sum, weeks),
        agency_spend: total.agency,
        agency_share: ratio(m.agency_weeks, m.agency_weeks + m.staff_weeks),
        turnover_rate: mean_staff.and_then(|s| ratio(m.leavers / years.max(f64::MIN_POSITIVE), s)),
        qualified_per_year: m.qualified / years.max(f64::MIN_POSITIVE),
        recruited_abroad_per_year: m.recruited_abroad / years.max(f64::MIN_POSITIVE),
        recruitment_spend: total.recruitment,
        utilisation_cv: ratio(m.utilisation_cv_sum, weeks),
        staff_in_post: open.iter().map(|p| p.staff_wte()).sum(),
        establishment: open.iter().map(|p| p.establishment()).sum(),
        wage_premium_at_end: mean(open.iter().map(|p| p.premium)),
        by_group,
    };

    let quality: Vec<f64> = open.iter().map(|p| p.quality).collect();
    // Cancelled, not given again within 28 days, and elective episodes
    // given, over the units that count cancellations.
    let (cancelled, not_rebooked, given) = sim
        .providers()
        .iter()
        .flat_map(|p| p.units.iter().zip(&world.services).filter(|(_, s)| counts_cancellations(p, s)))
        .filter_map(|(u, _)| u.as_ref())
        .fold((0u64, 0u64, 0u64), |(c, d, g), u| {
            (c + u.cancelled.for_beds, d + u.cancelled.not_rebooked, g + u.treated)
        });
    let providers_summary = ProviderSummary {
        mean_quality: ratio(m.quality_sum, weeks),
        quality_at_end: mean(quality.iter().copied()),
        quality_cv_at_end: crate::model::measures::metrics::coefficient_of_variation(&quality),
        efficiency_at_end: mean(open.iter().map(|p| p.efficiency)),
        open_at_end: open.len() as u32,
        takeover_quality_change: (count("failure") > 0).then_some(m.takeover_quality_change),
        bed_occupancy: {
            let (used, available) = sim
                .providers()
                .iter()
                .fold((0.0, 0.0), |(u, a), p| (u + p.bed_days_measured.0, a + p.bed_days_measured.1));
            (available > 0.0).then(|| used / available)
        },
        cancelled_for_beds: ratio(cancelled as f64, given as f64),
        cancelled_not_rebooked: ratio(not_rebooked as f64, cancelled as f64),
    };

    let integration = Integration {
        substituted: world.service_ids().map(|s| m.tally_of(s).substituted).sum(),
        transition_cost: total.integration,
    };

    let treated = outcomes.overall.episodes;
    let diverted_out = waiting.overall.diverted_out;
    let providers_received = total.income();
    let ledger = sim.ledger();
    let at_start: f64 = world.providers.iter().map(|p| p.staff_bands.iter().flatten().sum::<f64>()).sum();
    let at_end = sim.staff_in_region();
    let staff_gap = at_start + ledger.staff_entered - ledger.staff_left - at_end;
    let bookkeeping = Bookkeeping {
        patients: PatientBalance {
            waiting_at_start: m.waiting_at_start,
            arrived,
            treated,
            diverted_out,
            waiting_at_end,
            balanced: m.waiting_at_start + arrived == treated + diverted_out + waiting_at_end,
        },
        money: MoneyBalance {
            commissioner_paid: m.commissioner_paid,
            providers_received,
            out_of_area_paid: m.out_of_area_paid,
            risk_pool_net: total.risk_pool,
            balanced: m.commissioner_paid == providers_received + m.out_of_area_paid && total.risk_pool == Money::ZERO,
        },
        staff: StaffBalance {
            at_start,
            entered: ledger.staff_entered,
            left: ledger.staff_left,
            at_end,
            balanced: staff_gap.abs() <= 1e-9 * (at_start + ledger.staff_entered).max(1000.0),
        },
    };

    // Patients by the site they were seen at: the nearest of their provider's sites seeing the
    // service at the level they were treated at.
    let mut site_treated: Vec<Vec<Vec<u64>>> =
        world.providers.iter().map(|p| vec![vec![0; world.services.len()]; p.sites.len()]).collect();
    if world.providers.iter().any(|p| !p.sites.is_empty()) {
        for s in world.service_ids() {
            for (l, p, level, n) in m.flows_by_level(s) {
                if let Some(i) = world.site_of(l, p, s, level) {
                    site_treated[p.index()][i][s.index()] += n;
                }
            }
        }
    }
    let providers = world
        .providers
        .iter()
        .zip(sim.providers())
        .enumerate()
        .map(|(pi, (spec, p))| {
            let services = p
                .units
                .iter()
                .enumerate()
                .filter_map(|(si, u)| {
                    let u = u.as_ref()?;
                    let t = m.provider_tally(ProviderId(pi as u32), ServiceId(si as u32));
                    let (list_size, list_within_18_weeks, list_over_52_weeks) = t.list.figures(m.censuses);
                    Some((
                        world.services[si].id.clone(),
                        UnitEnd {
                            capability: u.capability,
                            capacity: u.capacity,
                            staffed_capacity: u.staffed,
                            waiting: u.queue.len(),
                            expected_wait_weeks: u.expected_wait(),
                            treated: u.treated,
                            completed_per_month: ratio(
                                u.treated as f64 * f64::from(crate::model::measures::metrics::CENSUS_WEEKS),
                                f64::from(m.weeks),
                            ),
                            list_size,
                            list_within_18_weeks,
                            list_over_52_weeks,
                            annual_volume: u.annual_volume(),
                            annual_complex_volume: (u.capability == Capability::Complex)
                                .then(|| u.annual_complex_volume()),
                            adverse_rate: ratio(t.adverse as f64, t.treated as f64),
                            cancelled_for_beds: counts_cancellations(p, &world.services[si])
                                .then_some(u.cancelled.for_beds),
                            cancelled_not_rebooked: counts_cancellations(p, &world.services[si])
                                .then_some(u.cancelled.not_rebooked),
                        },
                    ))
                })
                .collect();
            let accounts = m.accounts[pi];
            let sites = world.providers[pi]
                .sites
                .iter()
                .enumerate()
                .map(|(i, x)| SiteEnd {
                    id: x.id.clone(),
                    name: x.name.clone(),
                    treated: world
                        .service_ids()
                        .filter(|s| x.sees[s.index()])
                        .map(|s| (world.services[s.index()].id.clone(), site_treated[pi][i][s.index()]))
                        .collect(),
                })
                .collect();
            ProviderEnd {
                id: spec.id.clone(),
                name: spec.name.clone(),
                kind: spec.kind,
                trust: spec.trust.clone(),
                open: p.open,
                quality: p.quality,
                efficiency: p.efficiency,
                wage_premium: p.premium,
                utilisation: p.utilisation,
                cash: p.cash,
                debt: p.debt,
                staffing_shortfall: p.staffing_shortfall,
                staff: STAFF_GROUPS
                    .iter()
                    .zip(&p.staff)
                    .map(|(g, s)| {
                        (
                            (*g).to_owned(),
                            StaffEnd { in_post: s.in_post(), establishment: s.establishment, agency: s.agency },
                        )
                    })
                    .collect(),
                accounts,
                surplus: accounts.surplus(),
                services,
                beds: p.beds,
                bed_occupancy: p.bed_occupancy(),
                sites,
            }
        })
        .collect();

    RunOutput {
        ccsim_version: VERSION.to_owned(),
        scenario: ScenarioInfo { name: world.name.clone(), hash },
        regime: world.regime.clone(),
        regime_at_end: sim.regime().clone(),
        seed,
        time: TimeInfo { warmup_weeks: world.time.warmup_weeks, horizon_weeks: world.time.horizon_weeks },
        summary: Summary {
            access,
            waiting,
            outcomes,
            providers: providers_summary,
            finance,
            workforce,
            integration,
            bookkeeping,
            coverage: {
                let residents: Vec<f64> = sim.residents().iter().map(|r| r.iter().sum()).collect();
                super::coverage::coverage(world, sim.providers(), &residents)
            },
            volume: super::volume::volumes(world, sim.providers()),
            staffing: super::staffing::staffing(world, sim.providers()),
            transfers: {
                let for_room: Vec<u64> = world.service_ids().map(|s| m.tally_of(s).diverted).collect();
                crate::model::measures::transfers::summary(world, &m.transfers, &for_room)
            },
            population: world.grows().then(|| {
                let sum = |rs: &[[f64; 3]]| rs.iter().fold([0.0; 3], |a, r| std::array::from_fn(|b| a[b] + r[b]));
                let start: Vec<[f64; 3]> = world.localities.iter().map(|l| l.residents).collect();
                Population {
                    at_start: sum(&start),
                    at_end: sum(sim.residents()),
                    rate_growth: world
                        .services
                        .iter()
                        .zip(sim.rate_growth())
                        .map(|(s, g)| (s.id.clone(), *g))
                        .collect(),
                }
            }),
        },
        providers,
        events: sim.events().to_vec(),
        map: Map {
            localities: map_localities(world),
            providers: world
                .providers
                .iter()
                .map(|p| MapProvider { id: p.id.clone(), x: p.x, y: p.y, kind: p.kind })
                .collect(),
            flows: m
                .flows(None)
                .into_iter()
                .map(|(l, p, n)| Flow {
                    locality: world.localities[l.index()].id.clone(),
                    provider: world.providers[p.index()].id.clone(),
                    patients: n,
                })
                .collect(),
            sites: map_sites(world, sim.providers()),
        },
        timeseries: sim.timeseries().cloned(),
    }
}
