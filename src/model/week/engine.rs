//! The engine: the simulation state and the step order of one week (a
//! provider's own state is in `provider.rs`, its accounts in `accounts.rs`).
//!
//! [`Simulation::step`] is the one place where the order of a week is
//! written, and it reads like MODEL.md's list: timed changes, then demand,
//! choice or routing, treatment, money, workforce and decisions, and the
//! regulator. Each step reads the state the previous one left; waits,
//! quality and staffed capacity that patients and the network act on are
//! published once at the start of the week, and structural changes
//! (closures, mergers) are applied at the end of the week.
//!
//! The steps live beside this file: `workforce.rs` (step 5),
//! `decisions.rs` and `regulator.rs` (step 6), `finance.rs` (step 4).

use serde::{Deserialize, Serialize};

use super::before_decision::{BandDraws, Before};
use super::draws::{BinomialTable, PoissonTable, binomial};
use super::outcome::{self, Conditions};
use super::pipeline::Pipeline;
use super::queue::{Case, Cohort};
use super::rng::{Key, Keyed, Stream};
use super::routing::{self, Catchments, NO_CAPACITY_WAIT, Snapshot};
use crate::model::metrics::{Accounts, Metrics, OutOfAreaRecord, TreatedRecord};
use crate::model::money::Money;
use crate::model::regime::Regime;
use crate::model::scenario::Capability;
use crate::model::timeline::{Change, Knob};
use crate::model::world::{LocalityId, OLDER, ProviderId, ServiceId, World};

/// Localities whose referral streams are computed together (their first
/// blocks: a few kilobytes, kept in the fastest cache).
const PREPARED_LOCALITIES: u32 = 16;

pub use super::provider::{ProviderState, Staff, Unit};

/// Running totals since week 0, for checking conservation at any week.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ledger {
    /// Patients referred.
    pub arrived: u64,
    /// Patients on the waiting lists the run started with.
    pub listed_at_start: u64,
    /// Patients treated.
    pub treated: u64,
    /// Patients who left the region untreated.
    pub diverted_out: u64,
    /// Paid by the commissioner, as the commissioner counts it, £.
    pub commissioner_paid: Money,
    /// Received by providers from the commissioner, as the providers count it, £.
    pub providers_received: Money,
    /// Net of the providers' risk-sharing transfers (zero when nothing is lost), £.
    pub risk_pool_net: Money,
    /// Providers' costs, £.
    pub provider_costs: Money,
    /// Lent by the regulator to failing providers (their overdraft at takeover), £.
    pub regulator_loans: Money,
    /// Paid by the commissioner for patients treated outside the region
    /// (tariff and transfer), £: part of `commissioner_paid`.
    pub out_of_area_paid: Money,
    /// Staff who entered the region: newly qualified into its pool, or
    /// recruited from abroad into a post, WTE.
    pub staff_entered: f64,
    /// Staff who left the region (exits, retirements, pool attrition), WTE.
    pub staff_left: f64,
}

/// Something that changed the shape of the system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Week it took effect.
    pub week: u32,
    /// `failure`, `closure`, `merger`, `service_move` or `timeline`.
    pub kind: String,
    /// Provider concerned.
    pub provider: String,
    /// Service concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service: Option<String>,
    /// Where patients, staff and capacity went.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub to: Option<String>,
    /// What happened, in words.
    pub detail: String,
}

/// A treated cohort awaiting its outcome draw.
#[derive(Debug, Clone, Copy)]
pub(super) struct Treated {
    pub provider: ProviderId,
    pub service: ServiceId,
    pub cohort: Cohort,
    pub wait: u32,
}

/// Puts `treated` in (provider, service) order, keeping each unit's
/// cohorts in the order they were treated: a counting sort over the units,
/// the same order as a stable sort by unit.
fn in_unit_order(
    treated: &mut Vec<Treated>,
    scratch: &mut (Vec<Treated>, Vec<usize>),
    services: usize,
    providers: usize,
) {
    let unit = |t: &Treated| t.provider.index() * services + t.service.index();
    let (sorted, next) = scratch;
    next.clear();
    next.resize(providers * services + 1, 0);
    for t in treated.iter() {
        next[unit(t) + 1] += 1;
    }
    for k in 1..next.len() {
        next[k] += next[k - 1];
    }
    sorted.clear();
    sorted.extend_from_slice(treated);
    for t in treated.iter() {
        let at = &mut next[unit(t)];
        sorted[*at] = *t;
        *at += 1;
    }
    std::mem::swap(treated, sorted);
}

/// Emergency patients a full provider could not take.
#[derive(Debug, Clone, Copy)]
struct Overflow {
    origin: ProviderId,
    service: ServiceId,
    cohort: Cohort,
}

/// Weekly series of the whole system and of each provider.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timeseries {
    /// Week numbers (0 is the first week of the warm-up).
    pub week: Vec<u32>,
    /// Referrals.
    pub arrived: Vec<u64>,
    /// Episodes treated.
    pub treated: Vec<u64>,
    /// Emergency diversions.
    pub diversions: Vec<u64>,
    /// Left the region untreated.
    pub diverted_out: Vec<u64>,
    /// Patients waiting at the end of the week.
    pub waiting: Vec<u64>,
    /// Mean wait of elective patients treated this week, weeks.
    pub mean_wait_weeks: Vec<Option<f64>>,
    /// Adverse outcomes.
    pub adverse: Vec<u64>,
    /// Commissioner's payments, £.
    pub commissioner_paid: Vec<Money>,
    /// Providers' costs, £.
    pub system_cost: Vec<Money>,
    /// Older people's emergency referrals met by community care.
    pub substituted: Vec<u64>,
    /// Per provider, in provider order.
    pub providers: Vec<ProviderSeries>,
}

/// Weekly series of one provider.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderSeries {
    /// Provider id.
    pub id: String,
    /// Patients waiting.
    pub waiting: Vec<u64>,
    /// Quality.
    pub quality: Vec<f64>,
    /// Cash, £.
    pub cash: Vec<Money>,
    /// WTE in post.
    pub staff_wte: Vec<f64>,
    /// Vacant funded posts, WTE.
    pub vacancies: Vec<f64>,
    /// Agency spend this week, £.
    pub agency_spend: Vec<Money>,
    /// Wage premium, share.
    pub wage_premium: Vec<f64>,
    /// Efficiency effort, share of variable cost saved.
    pub efficiency: Vec<f64>,
    /// Hours demanded over hours available.
    pub utilisation: Vec<f64>,
    /// Episodes treated.
    pub treated: Vec<u64>,
}

/// This week's system-wide counts (for the time series).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct WeekCounts {
    pub arrived: u64,
    pub treated: u64,
    pub diversions: u64,
    pub diverted_out: u64,
    pub elective_treated: u64,
    pub wait_weeks: u64,
    pub adverse: u64,
    pub substituted: u64,
    pub commissioner_paid: Money,
    pub system_cost: Money,
}

/// One run in progress.
pub struct Simulation {
    pub(super) world: World,
    pub(super) providers: Vec<ProviderState>,
    pub(super) week: u32,
    /// The regime now (timed changes may move it).
    pub(super) regime: Regime,
    /// Tariff by service now, £ per episode: the tariff as the scenario or
    /// the timeline set it (`tariff_set`) times this year's price level.
    pub(super) tariffs: Vec<f64>,
    /// Tariff by service as the scenario or the timeline set it, in the
    /// first measured year's prices.
    tariff_set: Vec<f64>,
    /// The tariff's level against costs this year (`finance.prices`).
    tariff_level: f64,
    /// Each service's staff hours and variable cost an episode at the start
    /// (productivity growth moves the world's from these).
    inputs_at_start: Vec<([f64; 4], f64)>,
    /// Training places started a year by staff group now, WTE.
    pub(super) places: [f64; 4],
    /// The most recruited from abroad a year by staff group now, WTE.
    pub(super) international: [f64; 4],
    /// Trainees by staff group.
    pub(super) training: [Pipeline; 4],
    /// Referral multiplier, `[locality * services + service]` (the order in
    /// which a week's demand reads it): the locality's rate ratio times the
    /// timeline's multiplier.
    pub(super) demand_multiplier: Vec<f64>,
    /// Residents by age band now, by locality (the world's projection for
    /// this year).
    pub(super) residents: Vec<[f64; 3]>,
    /// Each service's referral rate per resident now, relative to the start.
    pub(super) rate_growth: Vec<f64>,
    /// The commissioner's budget now, £ a week.
    pub(super) weekly_budget: f64,
    /// Whether residents or rates change at each new year.
    grows: bool,
    /// Whether anything changes at each new year: residents, rates, the
    /// tariff's level or the inputs an episode takes.
    yearly: bool,
    /// Per locality, service, complexity and age band: the cumulative
    /// distribution of the last weekly mean of referrals.
    demand_tables: Vec<PoissonTable>,
    /// The binomial walks of waiting-list band splits (kept to save work;
    /// they do not change a draw).
    band_draws: BandDraws,
    /// The same for each service's urgent patients (`None`: no urgent share).
    urgent_draws: Vec<Option<BinomialTable>>,
    /// Unhired staff in the region's pool, WTE by group.
    pub(super) pool: [f64; 4],
    /// Week integration started (first week with `integration` > 0).
    pub(super) integration_start: Option<u32>,
    /// Week network routing started (first week with a positive network
    /// share since it was last 0): standardisation grows from it.
    pub(super) network_start: Option<u32>,
    /// Integration strength when it started (sets the transition cost).
    pub(super) integration_at_start: f64,
    pub(super) catchments: Catchments,
    /// Every draw of the run: referrals, substitution and routing keyed by
    /// (locality, service, week), outcomes and bed discharges by (provider,
    /// service, week). One generator serves all: each key's draws are made
    /// before the next key is selected.
    pub(super) rng: Keyed,
    /// The weeks before the decision to admit of patients joining elective
    /// lists, keyed by (locality, service, week): a generator
    /// of its own, so that these draws leave the routing draws alone.
    decision_rng: Keyed,
    /// The key `decision_rng` is to move to before its next draw (selected
    /// only when a cohort joins a list with a pathway before the decision).
    decision_key: Option<Key>,
    /// The elective services, whose referrals may take a `decision_rng` stream.
    elective_services: Vec<ServiceId>,
    pub(super) snapshot: Snapshot,
    pub(super) ledger: Ledger,
    pub(super) metrics: Metrics,
    pub(super) events: Vec<Event>,
    pub(super) series: Option<Timeseries>,
    pub(super) counts: WeekCounts,
    next_change: usize,
    probs: Vec<(ProviderId, f64)>,
    targets: Vec<ProviderId>,
    pub(super) treated: Vec<Treated>,
    /// Scratch for putting `treated` in unit order (kept to save allocations).
    by_unit: (Vec<Treated>, Vec<usize>),
    overflow: Vec<Overflow>,
    /// Patients who left the region this week, to be treated elsewhere.
    leaving: Vec<(ServiceId, Cohort)>,
    /// Paid for this week's out-of-area patients, £.
    pub(super) out_of_area_paid: Money,
}

impl Simulation {
    /// A run of `world` with master seed `seed`.
    pub fn new(world: World, seed: u64, timeseries: bool) -> Self {
        let providers: Vec<ProviderState> = world
            .providers
            .iter()
            .map(|p| ProviderState {
                open: true,
                quality: p.quality,
                efficiency: 0.0,
                premium: 0.0,
                grant: 0.0,
                quality_payment: 0.0,
                standardising: 0.0,
                units: p
                    .offers
                    .iter()
                    .zip(&world.services)
                    .map(|(o, s)| {
                        o.map(|o| {
                            Unit::new(
                                o.capability,
                                o.capacity,
                                s.stay,
                                s.complex_share,
                                Before::exponential(o.weeks_before_decision),
                            )
                        })
                    })
                    .collect(),
                staff: std::array::from_fn(|g| Staff {
                    bands: p.staff_bands[g],
                    establishment: p.establishment[g],
                    ..Staff::default()
                }),
                cash: Money::pounds(p.cash),
                debt: Money::pounds(p.debt),
                fixed_cost: p.fixed_cost,
                staffing_shortfall: 0.0,
                recruitment_due: 0.0,
                utilisation: 0.0,
                stretched_weeks: 0,
                failing_weeks: 0,
                recovery_plans: 0,
                beds: p.beds,
                bed_days_left: f64::INFINITY,
                bed_days_measured: (0.0, 0.0),
                week: Accounts::default(),
                interval_risk: (0.0, 0.0),
                interval_tariff: 0.0,
                interval_surplus: 0.0,
            })
            .collect();
        let series = timeseries.then(|| Timeseries {
            providers: world
                .providers
                .iter()
                .map(|p| ProviderSeries { id: p.id.clone(), ..ProviderSeries::default() })
                .collect(),
            ..Timeseries::default()
        });
        let mut sim = Simulation {
            snapshot: Snapshot::new(world.providers.len(), world.services.len()),
            metrics: Metrics::new(&world),
            providers,
            week: 0,
            regime: world.regime.clone(),
            tariffs: world.services.iter().map(|s| s.tariff).collect(),
            tariff_set: world.services.iter().map(|s| s.tariff).collect(),
            tariff_level: 1.0,
            inputs_at_start: world.services.iter().map(|s| (s.staff_hours, s.variable_cost)).collect(),
            places: world.training_places,
            international: world.international_recruits,
            training: std::array::from_fn(|g| {
                Pipeline::steady(world.training_places[g], world.workforce.labour.markets.by_group()[g].training.years)
            }),
            // Locality-major: each locality's rate ratio for every service.
            demand_multiplier: world.localities.iter().flat_map(|l| l.rate_ratio.iter().copied()).collect(),
            residents: world.localities.iter().map(|l| l.residents).collect(),
            rate_growth: vec![1.0; world.services.len()],
            weekly_budget: world.weekly_budget,
            grows: world.grows(),
            yearly: world.grows() || world.finance.prices.moves(),
            demand_tables: vec![PoissonTable::default(); world.services.len() * world.localities.len() * 2],
            band_draws: BandDraws::default(),
            urgent_draws: world
                .services
                .iter()
                .map(|s| (s.urgent_share > 0.0).then(|| BinomialTable::new(s.urgent_share)))
                .collect(),
            pool: [0.0; 4],
            integration_start: None,
            network_start: None,
            integration_at_start: 0.0,
            catchments: Catchments::default(),
            rng: Keyed::new(seed),
            decision_rng: Keyed::new(seed),
            decision_key: None,
            elective_services: world.service_ids().filter(|s| world.services[s.index()].is_elective()).collect(),
            ledger: Ledger::default(),
            events: Vec::new(),
            series,
            counts: WeekCounts::default(),
            next_change: 0,
            probs: Vec::new(),
            targets: Vec::new(),
            treated: Vec::new(),
            by_unit: (Vec::new(), Vec::new()),
            overflow: Vec::new(),
            leaving: Vec::new(),
            out_of_area_paid: Money::ZERO,
            world,
        };
        sim.catchments = Catchments::build(&sim.world, Self::offers(&sim.world, &sim.providers));
        sim.plan_staffing();
        sim.seed_waiting_lists();
        sim
    }

    /// A run of a validated scenario under its own regime.
    pub fn from_scenario(scenario: &crate::model::scenario::Scenario, seed: u64, timeseries: bool) -> Self {
        let regime = scenario.regime.resolve().expect("the scenario was validated, so its regime resolves");
        Simulation::new(World::build(scenario, regime), seed, timeseries)
    }

    /// The world of this run.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The providers' current state.
    pub fn providers(&self) -> &[ProviderState] {
        &self.providers
    }

    /// The regime now.
    pub fn regime(&self) -> &Regime {
        &self.regime
    }

    /// A service's tariff now, £ per episode.
    pub fn tariff(&self, s: ServiceId) -> f64 {
        self.tariffs[s.index()]
    }

    /// Episodes of service `s` treated in the week just run.
    pub fn treated_this_week(&self, s: ServiceId) -> u64 {
        self.providers.iter().filter_map(|p| p.units[s.index()].as_ref()).map(|u| u64::from(u.used)).sum()
    }

    /// Unhired staff in the region's pool, WTE by group.
    pub fn pool(&self) -> [f64; 4] {
        self.pool
    }

    /// Trainees in training (started, not yet finished), WTE by group.
    pub fn in_training(&self) -> [f64; 4] {
        std::array::from_fn(|g| self.training[g].in_training())
    }

    /// Weeks simulated so far.
    pub fn week(&self) -> u32 {
        self.week
    }

    /// Running totals since week 0.
    pub fn ledger(&self) -> Ledger {
        self.ledger
    }

    /// The measured window's tallies.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Failures, closures, mergers and timed changes so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The weekly series, if recorded.
    pub fn timeseries(&self) -> Option<&Timeseries> {
        self.series.as_ref()
    }

    /// Patients on every waiting list now.
    pub fn waiting(&self) -> u64 {
        self.providers.iter().map(ProviderState::waiting).sum()
    }

    /// Staff in post everywhere plus the unhired pool, WTE.
    pub fn staff_in_region(&self) -> f64 {
        self.providers.iter().map(ProviderState::staff_wte).sum::<f64>() + self.pool.iter().sum::<f64>()
    }

    /// Residents by age band now, by locality.
    pub fn residents(&self) -> &[[f64; 3]] {
        &self.residents
    }

    /// Each service's referral rate per resident now, relative to the start.
    pub fn rate_growth(&self) -> &[f64] {
        &self.rate_growth
    }

    /// Whether the week about to run is measured.
    pub(super) fn measuring(&self) -> bool {
        self.week >= self.world.time.warmup_weeks
    }

    /// Whether every week has run.
    pub fn finished(&self) -> bool {
        self.week >= self.world.total_weeks()
    }

    /// Runs every remaining week.
    pub fn run_to_end(&mut self) {
        while !self.finished() {
            self.step();
        }
    }

    /// One week, in MODEL.md's order.
    pub fn step(&mut self) {
        if self.week == self.world.time.warmup_weeks {
            self.metrics.waiting_at_start = self.waiting();
        }
        self.counts = WeekCounts::default();
        let warmup = self.world.time.warmup_weeks;
        if self.yearly && self.week > warmup && (self.week - warmup).is_multiple_of(52) {
            self.new_year();
        }
        if self.week > 0 && self.week % 52 == warmup % 52 {
            self.new_contract_year();
        }
        self.apply_timeline(); // changes due at the start of this week
        self.publish(); // staffed capacity, waits and quality for this week
        self.demand_and_routing(); // steps 1 and 2
        self.treatment(); // step 3
        self.outcomes(); // step 3: adverse outcomes
        self.money(); // step 4
        self.workforce(); // step 5: leavers, recruitment; next week's agency and redeployment
        let frozen = self.world.behaviour.freeze;
        let interval = self.world.time.decision_interval;
        if !frozen && (self.week + 1).is_multiple_of(interval) {
            self.decide(); // step 6: quality, efficiency, capacity, wage premium
        }
        if !frozen {
            self.regulate(); // step 6: failure and takeover, applied at the end of the week
        }
        self.record();
        self.week += 1;
    }

    /// A new year of the measured window (the warm-up and the first
    /// measured year are the scenario's own year): residents aged and grown
    /// by the projection, referral rates per resident grown, the tariff
    /// moved by the payment scheme's uplift and efficiency factor against
    /// cost inflation, the inputs an episode takes by productivity growth,
    /// and the commissioner's budget following residents, rates and tariff.
    fn new_year(&mut self) {
        let year = (self.week - self.world.time.warmup_weeks) / 52;
        if self.grows {
            for (r, l) in self.residents.iter_mut().zip(&self.world.localities) {
                *r = l.residents_in(year as usize);
            }
            for (g, s) in self.rate_growth.iter_mut().zip(&self.world.services) {
                *g = (1.0 + s.growth).powi(year as i32);
            }
        }
        let prices = self.world.finance.prices;
        if prices.productivity_growth != 0.0 {
            let level = prices.input_level(year);
            for (svc, (hours, variable)) in self.world.services.iter_mut().zip(&self.inputs_at_start) {
                svc.staff_hours = hours.map(|h| h * level);
                svc.variable_cost = variable * level;
            }
        }
        self.tariff_level = prices.tariff_level(year);
        for (t, set) in self.tariffs.iter_mut().zip(&self.tariff_set) {
            *t = set * self.tariff_level;
        }
        self.weekly_budget = self.world.weekly_budget_for(&self.residents, &self.rate_growth) * self.tariff_level;
    }

    /// A new contract year (starting with each measured year): each unit's
    /// baseline becomes its activity over the year just ended.
    fn new_contract_year(&mut self) {
        let weeks = f64::from(self.week.min(52));
        for u in self.providers.iter_mut().flat_map(|p| p.units.iter_mut().flatten()) {
            u.baseline = Some(std::mem::take(&mut u.year_used) as f64 / weeks);
        }
    }

    /// What each provider offers the service's patients in general now:
    /// none of a closed provider's units, and no specialist unit (which
    /// takes only its specialty's referrals).
    fn offers<'a>(
        world: &'a World,
        providers: &'a [ProviderState],
    ) -> impl Fn(ProviderId, ServiceId) -> Option<Capability> + 'a {
        move |p, s| {
            let state = &providers[p.index()];
            if !state.open || world.is_specialist(p, s) {
                return None;
            }
            state.units[s.index()].as_ref().map(|u| u.capability)
        }
    }

    /// Brings who can take which patients up to date after services move.
    pub(super) fn rebuild_catchments(&mut self) {
        self.catchments.update(&self.world, Self::offers(&self.world, &self.providers));
    }

    /// Applies the timed changes due this week, in the order written.
    fn apply_timeline(&mut self) {
        while let Some((week, change)) = self.world.timeline.get(self.next_change).cloned() {
            if week > self.week {
                break;
            }
            self.next_change += 1;
            let detail = self.apply(&change);
            self.events.push(Event {
                week: self.week,
                kind: "timeline".into(),
                provider: String::new(),
                service: None,
                to: None,
                detail,
            });
        }
        match (self.regime.network_share() > 0.0, self.network_start) {
            (true, None) => self.network_start = Some(self.week),
            (false, Some(_)) => self.network_start = None,
            _ => {}
        }
        // Integration starts no earlier than the end of the warm-up, so that
        // its transition (and its first year's cost) is measured.
        if self.regime.integration > 0.0
            && self.integration_start.is_none()
            && self.week >= self.world.time.warmup_weeks
        {
            self.integration_start = Some(self.week);
            self.integration_at_start = self.regime.integration;
        }
    }

    fn apply(&mut self, change: &Change) -> String {
        match change {
            Change::Regime(r) => {
                self.regime = r.clone();
                format!("regime switched to {}", r.name)
            }
            Change::Knob(k) => {
                let r = &mut self.regime;
                r.name = format!("{}*", r.name.trim_end_matches('*'));
                match *k {
                    Knob::Pooling(v) => r.pooling = v,
                    Knob::StaffSharing(v) => r.staff_sharing = v,
                    Knob::Integration(v) => r.integration = v,
                    Knob::CoordinationCost(v) => r.coordination_cost = v,
                    Knob::Routing(v) => r.routing = v,
                    Knob::Payment(v) => r.payment = v,
                }
                format!("regime knob changed: {k:?}")
            }
            Change::Tariff { service, value } => {
                let s = self.world.service(service).expect("validated service");
                self.tariff_set[s.index()] = *value;
                self.tariffs[s.index()] = *value * self.tariff_level;
                format!("tariff of {service} set to £{value}")
            }
            Change::TrainingPlaces { group, value } => {
                self.places[*group] = *value;
                format!("training places of {} set to {value} WTE a year", crate::model::scenario::STAFF_GROUPS[*group])
            }
            Change::InternationalRecruits { group, value } => {
                self.international[*group] = *value;
                format!(
                    "international recruitment of {} limited to {value} WTE a year",
                    crate::model::scenario::STAFF_GROUPS[*group]
                )
            }
            Change::Demand { service, locality, multiplier } => {
                let ns = self.world.services.len();
                for s in self.world.service_ids() {
                    if service.as_deref().is_some_and(|id| id != self.world.services[s.index()].id) {
                        continue;
                    }
                    for l in self.world.locality_ids() {
                        if locality.as_deref().is_some_and(|id| id != self.world.localities[l.index()].id) {
                            continue;
                        }
                        let ratio = self.world.localities[l.index()].rate_ratio[s.index()];
                        self.demand_multiplier[l.index() * ns + s.index()] = ratio * multiplier;
                    }
                }
                format!(
                    "demand for {} in {} multiplied by {multiplier}",
                    service.as_deref().unwrap_or("every service"),
                    locality.as_deref().unwrap_or("every locality")
                )
            }
            Change::Close { provider, service } => {
                let p = self.world.provider(provider).expect("validated provider");
                if !self.providers[p.index()].open {
                    return format!("closure of {provider} ordered, but it had already closed: nothing to do");
                }
                if let Some(sid) = service
                    && self.world.service(sid).is_some_and(|s| self.providers[p.index()].units[s.index()].is_none())
                {
                    return format!(
                        "closure of {provider} {sid} ordered, but that unit had already closed: nothing to do"
                    );
                }
                match service {
                    Some(sid) => {
                        let s = self.world.service(sid).expect("validated service");
                        self.close_unit(p, s, "closed by the timeline");
                    }
                    None => self.merge_provider(p, "closed by the timeline"),
                }
                self.rebuild_catchments();
                format!(
                    "closure of {provider}{} ordered",
                    service.as_deref().map(|s| format!(" {s}")).unwrap_or_default()
                )
            }
        }
    }

    /// Start of the week: each unit's staffed capacity and whole slots, and
    /// the waits, quality and openings that patients and the network act on.
    fn publish(&mut self) {
        let hours_per_wte = self.world.workforce.hours_per_wte;
        let stretch = self.world.workforce.labour.stretch;
        let services = &self.world.services;
        let week = self.week;
        for (pi, p) in self.providers.iter_mut().enumerate() {
            self.snapshot.quality[pi] = p.quality;
            p.bed_days_left = p.beds.map_or(f64::INFINITY, |b| b * 7.0);
            // Hours each group needs for the activity the units are staffed
            // for (physical capacity above it is room for peaks, met by stretch).
            let mut planned = [0.0; 4];
            for (si, u) in p.units.iter().enumerate() {
                if let Some(u) = u {
                    for (f, h) in planned.iter_mut().zip(services[si].staff_hours) {
                        *f += u.staffed_for * h;
                    }
                }
            }
            // A group no unit plans work for covers what its staff can do:
            // everything if it has staff, nothing if it has none.
            let cover: [f64; 4] = std::array::from_fn(|g| {
                let hours = p.staff[g].hours(hours_per_wte);
                if planned[g] > 0.0 {
                    hours / planned[g]
                } else if hours > 0.0 {
                    f64::INFINITY
                } else {
                    0.0
                }
            });
            for (si, unit) in p.units.iter_mut().enumerate() {
                let (pid, sid) = (ProviderId(pi as u32), ServiceId(si as u32));
                match unit {
                    Some(u) if p.open => {
                        let hours = services[si].staff_hours;
                        let f = (0..4).filter(|&g| hours[g] > 0.0).map(|g| cover[g]).fold(f64::INFINITY, f64::min);
                        u.staffed = u.capacity * (f / (1.0 - stretch)).min(1.0);
                        let available = u.carry + u.staffed;
                        let whole = available.floor() as u32;
                        u.carry = available - f64::from(whole);
                        if u.stay > 0.0 {
                            // Beds: discharges first, then what is free takes admissions.
                            let key = Key { purpose: Stream::Stays, first: pi as u32, second: si as u32, week };
                            u.occupied -= binomial(self.rng.at(key), u.occupied, 1.0 / u.stay);
                            u.slots = whole.saturating_sub(u.occupied);
                        } else {
                            u.slots = whole;
                        }
                        u.used = 0;
                        u.pressure = 0;
                        u.arrivals.clear();
                        self.snapshot.set(pid, sid, true, u.expected_wait());
                    }
                    _ => self.snapshot.set(pid, sid, false, NO_CAPACITY_WAIT),
                }
            }
        }
        self.snapshot.settle(&self.world);
    }

    /// The share of older people's substitutable emergency demand met by
    /// community care this week.
    pub(super) fn substitution_share(&self) -> f64 {
        let Some(start) = self.integration_start else {
            return 0.0;
        };
        let p = &self.world.integration;
        let ramp =
            if p.ramp_weeks == 0 { 1.0 } else { (f64::from(self.week - start) / f64::from(p.ramp_weeks)).min(1.0) };
        self.regime.integration * p.max_substitution * ramp
    }

    /// Steps 1 and 2: Poisson referrals per locality × service × age band ×
    /// complexity, then each week's referrals split between providers.
    /// Under integration a share of older people's referrals for
    /// substitutable services goes to community care instead.
    fn demand_and_routing(&mut self) {
        let measuring = self.measuring();
        let substitution = self.substitution_share();
        let community = self.world.community;
        let ns = self.world.services.len();
        let week = self.week;
        let localities = self.world.localities.len() as u32;
        for l in self.world.locality_ids() {
            if l.0.is_multiple_of(PREPARED_LOCALITIES) {
                // The referral streams of the next few localities, computed together.
                let next = l.0..(l.0 + PREPARED_LOCALITIES).min(localities);
                let services = ns as u32;
                self.rng.prepare(next.clone().flat_map(|l| {
                    (0..services).map(move |s| Key { purpose: Stream::Demand, first: l, second: s, week })
                }));
                let elective = &self.elective_services;
                self.decision_rng.prepare(next.flat_map(|l| {
                    elective.iter().map(move |s| Key { purpose: Stream::Decision, first: l, second: s.0, week })
                }));
            }
            let g = usize::from(self.world.groups[l.index()]);
            let residents = self.residents[l.index()];
            for s in self.world.service_ids() {
                let svc = &self.world.services[s.index()];
                let unplanned_share = svc.unplanned_share;
                let moves_between_levels = svc.moves_between_levels();
                let multiplier = self.demand_multiplier[l.index() * ns + s.index()] * self.rate_growth[s.index()];
                // One stream for this locality, service and week: every
                // referral is drawn before anything is routed, so however
                // differently two runs route, they meet the same referrals.
                let rng = self.rng.at(Key { purpose: Stream::Demand, first: l.0, second: s.0, week });
                // The weeks before the decision to admit of those listed, from a stream of their own.
                self.decision_key = Some(Key { purpose: Stream::Decision, first: l.0, second: s.0, week });
                let tables = &mut self.demand_tables[(l.index() * self.world.services.len() + s.index()) * 2..][..2];
                // A sum of Poisson counts is Poisson with the summed mean:
                // one draw per complexity over the age bands.
                let by_band: [f64; 3] = std::array::from_fn(|b| residents[b] * svc.weekly_rate[b] * multiplier);
                let mean: f64 = by_band.iter().sum();
                let drawn: [u32; 2] = std::array::from_fn(|k| {
                    let share = if k == 1 { svc.complex_share } else { 1.0 - svc.complex_share };
                    tables[k].draw(rng, mean * share)
                });
                for (k, &n) in drawn.iter().enumerate() {
                    if n == 0 {
                        continue;
                    }
                    self.ledger.arrived += u64::from(n);
                    self.counts.arrived += u64::from(n);
                    if measuring {
                        self.metrics.tally(s, g).arrived += u64::from(n);
                        self.metrics.locality_arrived[l.index()] += u64::from(n);
                    }
                    let substituted = match community {
                        Some(c) if c != s && k == 0 && substitution > 0.0 && self.world.substitutable[s.index()] => {
                            // Older people's share of the referrals, and the share of theirs substituted.
                            let older = if mean > 0.0 { by_band[OLDER] / mean } else { 0.0 };
                            binomial(self.rng.current(), n, older * substitution)
                        }
                        _ => 0,
                    };
                    if let (Some(c), true) = (community, substituted > 0) {
                        self.counts.substituted += u64::from(substituted);
                        if measuring {
                            self.metrics.tally(s, g).substituted += u64::from(substituted);
                        }
                        self.route(l, c, 0, Case::Routine, substituted, s);
                    }
                    let n = self.send_to_specialists(l, s, k, n - substituted);
                    if measuring && k == 1 && moves_between_levels {
                        self.metrics.transfers[s.index()].complex += u64::from(n);
                    }
                    if k == 0 || unplanned_share == 0.0 {
                        self.route(l, s, k, Case::of_level(k), n, s);
                        continue;
                    }
                    // Complex cases not recognised in time go where a routine case would.
                    let unplanned = binomial(self.rng.current(), n, unplanned_share);
                    self.route(l, s, 0, Case::Unplanned, unplanned, s);
                    self.route(l, s, 1, Case::Complex, n - unplanned, s);
                }
            }
        }
    }

    /// Sends each open specialist unit of `s` its specialty's share of `n`
    /// referrals of level `k` from `l` (a multinomial split as a chain of
    /// binomials; a closed unit's share stays with the rest), and returns
    /// how many are left for the general units.
    fn send_to_specialists(&mut self, l: LocalityId, s: ServiceId, k: usize, n: u32) -> u32 {
        let mut left = n;
        let mut mass = 1.0;
        for i in 0..self.world.specialists[s.index()].len() {
            let (p, share) = self.world.specialists[s.index()][i];
            if left == 0 {
                break;
            }
            if !self.snapshot.is_open(p, s) {
                continue;
            }
            let take = binomial(self.rng.current(), left, (share / mass).min(1.0));
            mass -= share;
            left -= take;
            if take > 0 {
                let cohort = self.referred(l, Case::of_level(k), s, take);
                self.deliver(Some(p), s, cohort);
            }
        }
        left
    }

    /// `count` patients from `l` referred this week, needing `case` and
    /// carrying the baseline risk of service `risk_of`.
    fn referred(&self, l: LocalityId, case: Case, risk_of: ServiceId, count: u32) -> Cohort {
        let risk_of = u16::try_from(risk_of.0).expect("at most MAX_SERVICES services (checked on load)");
        Cohort { arrival: self.week as i32, locality: l, case, risk_of, before: 0, count }
    }

    /// Splits `n` referrals between the network's pathway and patient choice
    /// by the regime's routing mix, then between providers able to take
    /// cases of level `k`. `case` is what the patients need, and `risk_of`
    /// the service whose baseline risk they carry.
    fn route(&mut self, l: LocalityId, s: ServiceId, k: usize, case: Case, n: u32, risk_of: ServiceId) {
        if n == 0 {
            return;
        }
        let cohort = self.referred(l, case, risk_of, 0);
        // Patients' welfare where patients could choose: the log-sum of their
        // choice set when they choose, the utility of where they are sent
        // when the network routes them.
        let choice = self.world.services[s.index()].patient_choice;
        let welfare = self.measuring() && choice;
        // Complex cases recognised in time pass a nearest unit of the routine level.
        let passed = if case == Case::Complex && k == 1 { self.routine_nearest(l, s) } else { None };
        let routed = routing::network_routes(&self.world, s, k);
        let by_network = if routed { binomial(self.rng.current(), n, self.regime.network_share()) } else { 0 };
        if by_network > 0 {
            let mut targets = std::mem::take(&mut self.targets);
            routing::network_targets(&self.world, &self.catchments, &self.snapshot, l, s, k, &mut targets);
            if targets.is_empty() {
                self.deliver(None, s, Cohort { count: by_network, ..cohort });
            }
            // Equal shares between equally near providers.
            let mut left = by_network;
            for (i, &p) in targets.iter().enumerate() {
                let take = binomial(self.rng.current(), left, 1.0 / (targets.len() - i) as f64);
                left -= take;
                if welfare && take > 0 {
                    let u = routing::utility(&self.world, &self.snapshot, (l, k), p, s);
                    self.record_welfare(l, s, take, u);
                }
                let c = Cohort { count: take, ..cohort };
                let c = if let Some(from) = passed { self.moved_ahead(from, p, s, c) } else { c };
                self.deliver(Some(p), s, c);
            }
            self.targets = targets;
        }
        let by_choice = n - by_network;
        if by_choice == 0 {
            return;
        }
        let mut probs = std::mem::take(&mut self.probs);
        if choice {
            let logsum =
                routing::choice_probabilities(&self.world, &self.catchments, &self.snapshot, l, s, k, &mut probs);
            if let (true, Some(u)) = (welfare, logsum) {
                self.record_welfare(l, s, by_choice, u);
            }
        } else {
            routing::emergency_probabilities(&self.world, &self.catchments, &self.snapshot, l, s, k, &mut probs);
        }
        if probs.is_empty() {
            self.deliver(None, s, Cohort { count: by_choice, ..cohort });
        }
        // Multinomial split as a chain of conditional binomials.
        let mut left = by_choice;
        let mut mass = 1.0;
        for (i, &(p, prob)) in probs.iter().enumerate() {
            if left == 0 {
                break;
            }
            let take =
                if i + 1 == probs.len() { left } else { binomial(self.rng.current(), left, (prob / mass).min(1.0)) };
            mass -= prob;
            left -= take;
            let c = Cohort { count: take, ..cohort };
            let c = if let Some(from) = passed { self.moved_ahead(from, p, s, c) } else { c };
            self.deliver(Some(p), s, c);
        }
        self.probs = probs;
    }

    /// The nearest open unit of `s` to `l` when it is of the routine level
    /// and `s` has transfers between levels: the unit that complex cases
    /// recognised in time are taken past.
    fn routine_nearest(&self, l: LocalityId, s: ServiceId) -> Option<ProviderId> {
        if self.world.services[s.index()].unplanned_share <= 0.0 {
            return None;
        }
        let nearest = self.catchments.capable(s, 0, l).iter().copied().find(|&q| self.snapshot.is_open(q, s))?;
        (self.level_where(nearest, s, l)? < Capability::Complex).then_some(nearest)
    }

    /// The level at which patients from `l` who present where a routine
    /// case would are cared for at `p`'s unit of `s`: its site's own level
    /// (`sites[].levels`) where it has one below the unit's, else the
    /// unit's (`None`: `p` does not offer `s`).
    fn level_where(&self, p: ProviderId, s: ServiceId, l: LocalityId) -> Option<Capability> {
        let unit = self.providers[p.index()].units[s.index()].as_ref()?.capability;
        Some(self.world.site_level(l, p, s).map_or(unit, |site| site.min(unit)))
    }

    /// Complex cases taken past `from`, their nearest unit (of the routine
    /// level), to `to`: counted with the road between the two units, and
    /// marked [`Case::Ahead`].
    fn moved_ahead(&mut self, from: ProviderId, to: ProviderId, s: ServiceId, c: Cohort) -> Cohort {
        if self.measuring() && c.count > 0 {
            let at = self.world.place_of(c.locality, from, s);
            let straight = self.world.straight_km_to(at, to, s, Capability::Complex);
            let geo = &self.world.geography;
            let rurality = self.world.localities[c.locality.index()].rurality;
            let minutes = geo.travel_time.minutes(rurality, straight);
            self.metrics.transfers[s.index()].ahead.record(c.count, minutes, geo.circuity * straight);
        }
        Cohort { case: Case::Ahead, ..c }
    }

    fn record_welfare(&mut self, l: LocalityId, s: ServiceId, n: u32, utility: f64) {
        let g = usize::from(self.world.groups[l.index()]);
        let t = self.metrics.tally(s, g);
        t.choosers += u64::from(n);
        t.utility += f64::from(n) * utility;
    }

    /// Hands patients to a provider's unit; with no provider they leave the
    /// region. Complex emergency cases at a unit of the routine level are
    /// transferred.
    fn deliver(&mut self, p: Option<ProviderId>, s: ServiceId, mut c: Cohort) {
        if c.count == 0 {
            return;
        }
        let Some(p) = p else {
            self.leave_region(s, c);
            return;
        };
        let svc = &self.world.services[s.index()];
        let elective = svc.is_elective();
        let (basic_share, routine_share) = (svc.basic_transfer_share, svc.routine_transfer_share);
        // Planned complex cases reach a site of the complex level; the others
        // present at the unit's site they reach first.
        let capability = match c.case {
            Case::Routine | Case::Unplanned => self.level_where(p, s, c.locality),
            _ => self.providers[p.index()].units[s.index()].as_ref().map(|u| u.capability),
        }
        .expect("routing only picks providers offering the service");
        if capability < Capability::Complex {
            if matches!(c.case, Case::Complex | Case::Unplanned) {
                self.transfer(p, s, c);
                return;
            }
            // Routine cases beginning care where some will be moved during it:
            // at the basic level those needing the routine level's care, then
            // at either level those needing the complex level's.
            let basic = capability == Capability::Basic && basic_share > 0.0;
            if c.case == Case::Routine && (basic || routine_share > 0.0) {
                if self.measuring() {
                    self.metrics.transfers[s.index()].routine_at_routine_level += u64::from(c.count);
                }
                if basic {
                    c = self.move_during_care(p, s, c, basic_share, Capability::Routine);
                }
                if routine_share > 0.0 {
                    c = self.move_during_care(p, s, c, routine_share, Capability::Complex);
                }
                if c.count == 0 {
                    return;
                }
            }
        }
        let unit = self.providers[p.index()].units[s.index()].as_mut().expect("offered");
        unit.interval_arrivals += u64::from(c.count);
        if elective {
            let queue = &mut unit.queue;
            let groups = &self.world.groups;
            let urgent = self.urgent_draws[s.index()].as_mut();
            if unit.before.is_none() && urgent.is_none() {
                queue.push(c, false, groups);
            } else {
                let rng = match self.decision_key.take() {
                    Some(key) => self.decision_rng.at(key),
                    None => self.decision_rng.current(),
                };
                unit.before
                    .split(rng, &mut self.band_draws, urgent, c, |part, urgent| queue.push(part, urgent, groups));
            }
        } else {
            unit.arrivals.push(c);
        }
    }

    /// Moves complex cases that presented at `from`, at a site below the
    /// complex level, to the nearest open unit of the complex level (out of
    /// the region when there is none; `from` itself when it has a site of
    /// that level), counting the transfer and the road between the two
    /// sites. The unit they leave gives them no episode.
    fn transfer(&mut self, from: ProviderId, s: ServiceId, c: Cohort) {
        let Some((to, minutes, km)) = self.unit_from(from, s, c.locality, Capability::Complex) else {
            self.leave_region(s, c);
            return;
        };
        if self.measuring() {
            self.metrics.transfers[s.index()].record(from, to, c.count, minutes, km);
        }
        self.deliver(Some(to), s, Cohort { case: Case::Transferred, ..c });
    }

    /// The nearest open unit of `s` of level `level` or above to where
    /// patients from `l` see provider `from` (`from` itself, at another
    /// site, when its unit is of the level and that site below it), with the
    /// road minutes and km between the two sites (`None`: there is none in
    /// the region).
    fn unit_from(
        &self,
        from: ProviderId,
        s: ServiceId,
        l: LocalityId,
        level: Capability,
    ) -> Option<(ProviderId, f64, f64)> {
        let at = self.world.place_of(l, from, s);
        let providers = &self.providers;
        // The unit they leave takes them at another of its sites when it has one of the level.
        let accepts =
            |q: ProviderId| providers[q.index()].units[s.index()].as_ref().is_some_and(|u| u.capability >= level);
        let (to, straight) = self.catchments.transfer_to(&self.world, &self.snapshot, at, s, level, accepts)?;
        let geo = &self.world.geography;
        let minutes = geo.travel_time.minutes(self.world.localities[l.index()].rurality, straight);
        Some((to, minutes, geo.circuity * straight))
    }

    /// Routine cases beginning care at `at`, a unit below `level`: the
    /// share `share` of them are moved during care to the nearest open unit
    /// of `level` or above (out of the region when there is none), counted
    /// with the road between the two units; returns those who stay. A draw
    /// from the stream routing them.
    fn move_during_care(&mut self, at: ProviderId, s: ServiceId, c: Cohort, share: f64, level: Capability) -> Cohort {
        if c.count == 0 {
            return c;
        }
        let moved = binomial(self.rng.current(), c.count, share);
        if moved == 0 {
            return c;
        }
        let case = if level == Capability::Complex { Case::RoutineMoved } else { Case::BasicMoved };
        let going = Cohort { count: moved, case, ..c };
        match self.unit_from(at, s, c.locality, level) {
            Some((to, minutes, km)) => {
                if self.measuring() {
                    self.metrics.transfers[s.index()].record_during_care(at, to, moved, minutes, km);
                }
                self.deliver(Some(to), s, going);
            }
            None => self.leave_region(s, going),
        }
        Cohort { count: c.count - moved, ..c }
    }

    fn leave_region(&mut self, s: ServiceId, c: Cohort) {
        if c.count == 0 {
            return;
        }
        self.leaving.push((s, c));
        let n = u64::from(c.count);
        self.ledger.diverted_out += n;
        self.counts.diverted_out += n;
        if self.measuring() {
            let g = usize::from(self.world.groups[c.locality.index()]);
            self.metrics.tally(s, g).diverted_out += n;
            self.metrics.locality_diverted_out[c.locality.index()] += n;
        }
    }

    /// Step 3: emergency arrivals first, each unit up to this week's
    /// staffed capacity and its provider's shared beds; emergencies beyond
    /// either go to the next-nearest capable provider with room, within the
    /// diversion radius, or leave the region. Then each elective unit serves
    /// its waiting list (urgent patients first, each priority oldest first)
    /// with the slots and beds left: its week's slots and those cancelled
    /// for want of a bed in the last four weeks, which it gives again as the
    /// NHS's 28-day standard asks (`Rebook`).
    fn treatment(&mut self) {
        self.treated.clear();
        self.overflow.clear();
        let week = self.week;
        let measuring = self.measuring();
        let services = &self.world.services;
        for (pi, p) in self.providers.iter_mut().enumerate() {
            for (si, svc) in services.iter().enumerate() {
                if svc.is_elective() {
                    continue;
                }
                let bed_days = svc.bed_days;
                let mut arrivals = match p.units[si].as_mut() {
                    Some(u) => std::mem::take(&mut u.arrivals),
                    None => continue,
                };
                let (provider, service) = (ProviderId(pi as u32), ServiceId(si as u32));
                for mut cohort in arrivals.drain(..) {
                    let beds = p.bed_room(bed_days);
                    let u = p.units[si].as_mut().expect("offered");
                    u.pressure += cohort.count;
                    let take = cohort.count.min(u.slots - u.used).min(beds);
                    u.used += take;
                    p.use_beds(take, bed_days);
                    if take > 0 {
                        self.treated.push(Treated {
                            provider,
                            service,
                            cohort: Cohort { count: take, ..cohort },
                            wait: 0,
                        });
                    }
                    cohort.count -= take;
                    if cohort.count > 0 {
                        self.overflow.push(Overflow { origin: provider, service, cohort });
                    }
                }
                p.units[si].as_mut().expect("offered").arrivals = arrivals;
            }
        }
        let overflow = std::mem::take(&mut self.overflow);
        for o in &overflow {
            self.divert(o);
        }
        self.overflow = overflow;
        let services = &self.world.services;
        for (pi, p) in self.providers.iter_mut().enumerate() {
            let limit = self.world.providers[pi].elective_bed_limit;
            for (si, svc) in services.iter().enumerate() {
                if !svc.is_elective() {
                    continue;
                }
                let bed_days = svc.bed_days;
                let beds = p.elective_bed_room(bed_days, limit);
                let Some(u) = p.units[si].as_mut() else { continue };
                let (provider, service) = (ProviderId(pi as u32), ServiceId(si as u32));
                u.pressure = u.queue.len().min(u64::from(u32::MAX)) as u32;
                let treated = &mut self.treated;
                // This week's slots and those cancelled for want of a bed in
                // the last four weeks, as far as the beds allow.
                u.used = u.queue.serve((u.slots + u.rebook.due()).min(beds), &self.world.groups, |cohort| {
                    treated.push(Treated { provider, service, cohort, wait: cohort.wait_at(week) })
                });
                let used = u.used;
                // The week's own slots that had patients but no bed are
                // cancelled, to be given again within 28 days.
                let cancelled = u.slots.min(u.pressure).saturating_sub(used);
                let dropped = u.rebook.settle(week, used.saturating_sub(u.slots), cancelled);
                if measuring {
                    u.cancelled.for_beds += u64::from(cancelled);
                    u.cancelled.not_rebooked += u64::from(dropped);
                }
                p.use_beds(used, bed_days);
            }
            if measuring
                && p.open
                && let Some(b) = p.beds
            {
                let available = b * 7.0;
                p.bed_days_measured.0 += available - p.bed_days_left.min(available);
                p.bed_days_measured.1 += available;
            }
        }
    }

    fn divert(&mut self, o: &Overflow) {
        let c = o.cohort;
        let (s, l) = (o.service, c.locality);
        self.counts.diversions += u64::from(c.count);
        if self.measuring() {
            let g = usize::from(self.world.groups[l.index()]);
            self.metrics.tally(s, g).diverted += u64::from(c.count);
        }
        let mut left = c.count;
        let (listed, flags) = self.catchments.capable_flagged(s, c.case.level(), l);
        for (&q, &f) in listed.iter().zip(flags) {
            if left == 0 {
                break;
            }
            if q == o.origin || f & crate::model::routing::WITHIN_DIVERSION == 0 {
                continue;
            }
            let bed_days = self.world.services[s.index()].bed_days;
            let receiver = &mut self.providers[q.index()];
            let beds = receiver.bed_room(bed_days);
            let Some(u) = receiver.units[s.index()].as_mut() else {
                continue;
            };
            let take = left.min(u.slots - u.used).min(beds);
            u.pressure += left;
            if take > 0 {
                u.used += take;
                receiver.use_beds(take, bed_days);
                left -= take;
                self.treated.push(Treated { provider: q, service: s, cohort: Cohort { count: take, ..c }, wait: 0 });
            }
        }
        self.leave_region(s, Cohort { count: left, ..c });
    }

    /// Step 3, outcomes: the staffing shortfall of each provider this week,
    /// then one binomial draw of adverse outcomes per treated cohort.
    fn outcomes(&mut self) {
        let hours_per_wte = self.world.workforce.hours_per_wte;
        let penalty = self.world.workforce.labour.agency.quality_penalty;
        let mut effective_quality = vec![0.0; self.providers.len()];
        for (p, q) in self.providers.iter_mut().zip(effective_quality.iter_mut()) {
            let mut needed = [0.0; 4];
            for (si, u) in p.units.iter().enumerate() {
                if let Some(u) = u {
                    for (n, h) in needed.iter_mut().zip(self.world.services[si].staff_hours) {
                        *n += f64::from(u.used) * h;
                    }
                }
            }
            let total: f64 = needed.iter().sum();
            let uncovered: f64 = (0..4).map(|g| (needed[g] - p.staff[g].hours(hours_per_wte)).max(0.0)).sum();
            p.staffing_shortfall = if total > 0.0 { uncovered / total } else { 0.0 };
            let own: f64 = p.staff.iter().map(|s| s.in_post() * hours_per_wte).sum();
            let agency: f64 = p.staff.iter().map(|s| s.agency * hours_per_wte).sum();
            let agency_share = if own + agency > 0.0 { agency / (own + agency) } else { 0.0 };
            *q = p.quality - penalty * agency_share;
        }
        let measuring = self.measuring();
        let mut treated = std::mem::take(&mut self.treated);
        // One keyed stream per provider, service and week: the cohorts of
        // each are drawn together, in the order they were treated.
        if !treated.is_sorted_by_key(|t| (t.provider, t.service)) {
            in_unit_order(&mut treated, &mut self.by_unit, self.world.services.len(), self.providers.len());
        }
        let mut selected = None;
        for t in &treated {
            if selected != Some((t.provider, t.service)) {
                selected = Some((t.provider, t.service));
                let key = Key { purpose: Stream::Outcomes, first: t.provider.0, second: t.service.0, week: self.week };
                self.rng.at(key);
            }
            let svc = &self.world.services[t.service.index()];
            let p = &self.providers[t.provider.index()];
            let u = p.units[t.service.index()].as_ref().expect("treated at an offered unit");
            let k = t.cohort.case.level();
            // Complex cases are held to the complex minimum on the unit's
            // complex episodes where the service sets one.
            let (annual_volume, min_safe_volume) = if k == 1 && svc.min_complex_volume > 0.0 {
                (u.annual_complex_volume(), svc.min_complex_volume)
            } else {
                (u.annual_volume(), svc.min_safe_volume[u.capability.level()])
            };
            let conditions = Conditions {
                quality: effective_quality[t.provider.index()],
                annual_volume: annual_volume as f64,
                min_safe_volume,
                staffing_shortfall: p.staffing_shortfall,
            };
            // Patients carry the baseline risk of the service they were referred for.
            let own = &self.world.services[usize::from(t.cohort.risk_of)];
            let transferred = t.cohort.case == Case::Transferred;
            let moved = if transferred { svc.transfer_log_odds } else { 0.0 };
            let road_km = if k == 1 && own.travel_log_odds_per_km != 0.0 {
                self.world.distance(t.cohort.locality, t.provider, t.service, Capability::Complex)
            } else {
                0.0
            };
            let journey = outcome::journey_logit(own, k, road_km, self.world.geography.circuity);
            let z = outcome::provider_logit(&self.world.outcome, own.baseline_logit[k], &conditions) + moved + journey;
            let risk = outcome::probability(&self.world.outcome, z, t.wait);
            let adverse = binomial(self.rng.current(), t.cohort.count, risk);
            if measuring && transferred {
                self.metrics.transfers[t.service.index()].after.record_treated(t.cohort.count, adverse);
            } else if measuring && t.cohort.case == Case::Ahead {
                self.metrics.transfers[t.service.index()].ahead.record_treated(t.cohort.count, adverse);
            } else if measuring && matches!(t.cohort.case, Case::RoutineMoved | Case::BasicMoved) {
                self.metrics.transfers[t.service.index()].during_care.record_treated(t.cohort.count, adverse);
            }
            let n = u64::from(t.cohort.count);
            self.ledger.treated += n;
            self.counts.treated += n;
            self.counts.adverse += u64::from(adverse);
            let p = &mut self.providers[t.provider.index()];
            if k == 1 {
                let u = p.units[t.service.index()].as_mut().expect("treated at an offered unit");
                u.complex_used += t.cohort.count;
            }
            p.interval_risk.0 += n as f64 * own.baseline_risk[k];
            p.interval_risk.1 += n as f64 * risk;
            if svc.is_elective() {
                self.counts.elective_treated += n;
                self.counts.wait_weeks += n * u64::from(t.wait);
            }
            if measuring {
                let record = TreatedRecord {
                    provider: t.provider,
                    service: t.service,
                    locality: t.cohort.locality,
                    count: t.cohort.count,
                    wait: t.wait,
                    adverse,
                    baseline_risk: own.baseline_risk[k],
                    risk,
                    at: t.cohort.case.treated_at(),
                };
                self.metrics.record_treated(&self.world, &record);
            }
        }
        self.treated = treated;
        self.out_of_area(measuring);
        for p in &mut self.providers {
            for u in p.units.iter_mut().flatten() {
                if u.stay > 0.0 {
                    u.occupied += u.used;
                }
                u.volume.push(u.used);
                u.complex_volume.push(std::mem::take(&mut u.complex_used));
                if measuring {
                    u.treated += u64::from(u.used);
                }
            }
        }
    }

    /// Step 3, outcomes out of the area: the patients who left the region
    /// this week are treated elsewhere at an average provider's risk (times
    /// `out_of_area.risk_odds`, after `extra_wait_weeks`); the commissioner
    /// pays their tariff and transfer. One keyed stream per service and week,
    /// as for a provider (the out-of-area provider's index is one past the
    /// region's).
    fn out_of_area(&mut self, measuring: bool) {
        self.out_of_area_paid = Money::ZERO;
        if self.leaving.is_empty() {
            return;
        }
        let mut leaving = std::mem::take(&mut self.leaving);
        leaving.sort_by_key(|(s, _)| *s);
        let ooa = self.world.out_of_area;
        let elsewhere = self.providers.len() as u32;
        let mut selected = None;
        let mut paid = 0.0;
        for (s, c) in &leaving {
            if selected != Some(*s) {
                selected = Some(*s);
                self.rng.at(Key { purpose: Stream::Outcomes, first: elsewhere, second: s.0, week: self.week });
            }
            let own = &self.world.services[usize::from(c.risk_of)];
            let k = c.case.level();
            let journey = outcome::journey_logit(own, k, self.world.out_of_area_km, self.world.geography.circuity);
            let z =
                own.baseline_logit[k] + ooa.risk_odds.ln() + self.world.outcome.wait * ooa.extra_wait_weeks + journey;
            let risk = outcome::probability(&self.world.outcome, z, 0);
            let adverse = binomial(self.rng.current(), c.count, risk);
            self.counts.adverse += u64::from(adverse);
            paid += f64::from(c.count) * (self.tariffs[s.index()] + ooa.transfer_cost);
            if measuring {
                let record = OutOfAreaRecord {
                    service: *s,
                    locality: c.locality,
                    count: c.count,
                    adverse,
                    baseline_risk: own.baseline_risk[k],
                    risk,
                };
                self.metrics.record_out_of_area(&self.world, &record);
            }
        }
        leaving.clear();
        self.leaving = leaving;
        self.out_of_area_paid = Money::pounds(paid);
    }

    /// End of the week: window counters and the weekly series.
    fn record(&mut self) {
        if self.measuring() {
            self.metrics.record_week(&super::provider::week_figures(&self.providers));
            if (self.week + 1).is_multiple_of(crate::model::metrics::CENSUS_WEEKS) {
                self.metrics.begin_census();
                let metrics = &mut self.metrics;
                super::provider::each_listed(&self.providers, self.week, |l| metrics.record_listed(l));
            }
        }
        let waiting = self.waiting();
        let Some(ts) = self.series.as_mut() else {
            return;
        };
        let c = self.counts;
        ts.week.push(self.week);
        ts.arrived.push(c.arrived);
        ts.treated.push(c.treated);
        ts.diversions.push(c.diversions);
        ts.diverted_out.push(c.diverted_out);
        ts.waiting.push(waiting);
        ts.mean_wait_weeks.push((c.elective_treated > 0).then(|| c.wait_weeks as f64 / c.elective_treated as f64));
        ts.adverse.push(c.adverse);
        ts.commissioner_paid.push(c.commissioner_paid);
        ts.system_cost.push(c.system_cost);
        ts.substituted.push(c.substituted);
        for (series, p) in ts.providers.iter_mut().zip(&self.providers) {
            series.waiting.push(p.waiting());
            series.quality.push(p.quality);
            series.cash.push(p.cash);
            series.staff_wte.push(p.staff_wte());
            series.vacancies.push(p.vacancies());
            series.agency_spend.push(p.week.agency);
            series.wage_premium.push(p.premium);
            series.efficiency.push(p.efficiency);
            series.utilisation.push(p.utilisation);
            series.treated.push(p.units.iter().flatten().map(|u| u64::from(u.used)).sum());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::queue::Case;
    use crate::model::rng::SimRng;
    use crate::model::world::LocalityId;
    use rand::{RngExt, SeedableRng};

    /// The counting sort gives the stable sort's order: units in order,
    /// each unit's cohorts as they came (told apart by their arrival week).
    #[test]
    fn treated_cohorts_are_put_in_unit_order_as_a_stable_sort_would() {
        let mut rng = SimRng::seed_from_u64(9);
        let (providers, services) = (5, 3);
        let mut scratch = (Vec::new(), Vec::new());
        for n in [0usize, 1, 7, 200] {
            let treated: Vec<Treated> = (0..n)
                .map(|i| Treated {
                    provider: ProviderId(rng.random_range(0..providers as u32)),
                    service: ServiceId(rng.random_range(0..services as u32)),
                    cohort: Cohort {
                        arrival: i as i32,
                        locality: LocalityId(0),
                        case: Case::Routine,
                        risk_of: 0,
                        before: 0,
                        count: 1,
                    },
                    wait: 0,
                })
                .collect();
            let mut stable = treated.clone();
            stable.sort_by_key(|t| (t.provider, t.service));
            let mut counted = treated.clone();
            in_unit_order(&mut counted, &mut scratch, services, providers);
            let key = |v: &[Treated]| v.iter().map(|t| (t.provider, t.service, t.cohort.arrival)).collect::<Vec<_>>();
            assert_eq!(key(&counted), key(&stable), "{n} cohorts");
        }
    }
}
