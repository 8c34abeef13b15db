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
//! The steps live beside this file: `calendar.rs` (each new year, contract
//! year and timed change), `referrals.rs` (steps 1 and 2: demand, choice
//! or routing, joining the lists), `treatment.rs` (step 3: treatment,
//! diversions and outcomes), `finance.rs` (step 4), `workforce.rs` (step 5),
//! `decisions.rs` and `regulator.rs` (step 6).

use serde::{Deserialize, Serialize};

use super::before_decision::{BandDraws, Before};
use super::draws::{BinomialTable, PoissonTable, binomial};
use super::pipeline::Pipeline;
use super::queue::Cohort;
use super::rng::{Key, Keyed, Stream};
use super::routing::{Catchments, NO_CAPACITY_WAIT, Snapshot};
use crate::model::metrics::{Accounts, Metrics};
use crate::model::money::Money;
use crate::model::regime::Regime;
use crate::model::scenario::Capability;
use crate::model::world::{ProviderId, ServiceId, World};

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

/// Emergency patients a full provider could not take.
#[derive(Debug, Clone, Copy)]
pub(super) struct Overflow {
    pub(super) origin: ProviderId,
    pub(super) service: ServiceId,
    pub(super) cohort: Cohort,
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
    pub(super) tariff_set: Vec<f64>,
    /// The tariff's level against costs this year (`finance.prices`).
    pub(super) tariff_level: f64,
    /// Each service's staff hours and variable cost an episode at the start
    /// (productivity growth moves the world's from these).
    pub(super) inputs_at_start: Vec<([f64; 4], f64)>,
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
    pub(super) grows: bool,
    /// Whether anything changes at each new year: residents, rates, the
    /// tariff's level or the inputs an episode takes.
    pub(super) yearly: bool,
    /// Per locality, service, complexity and age band: the cumulative
    /// distribution of the last weekly mean of referrals.
    pub(super) demand_tables: Vec<PoissonTable>,
    /// The binomial walks of waiting-list band splits (kept to save work;
    /// they do not change a draw).
    pub(super) band_draws: BandDraws,
    /// The same for each service's urgent patients (`None`: no urgent share).
    pub(super) urgent_draws: Vec<Option<BinomialTable>>,
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
    pub(super) decision_rng: Keyed,
    /// The key `decision_rng` is to move to before its next draw (selected
    /// only when a cohort joins a list with a pathway before the decision).
    pub(super) decision_key: Option<Key>,
    /// The elective services, whose referrals may take a `decision_rng` stream.
    pub(super) elective_services: Vec<ServiceId>,
    pub(super) snapshot: Snapshot,
    pub(super) ledger: Ledger,
    pub(super) metrics: Metrics,
    pub(super) events: Vec<Event>,
    pub(super) series: Option<Timeseries>,
    pub(super) counts: WeekCounts,
    pub(super) next_change: usize,
    pub(super) probs: Vec<(ProviderId, f64)>,
    pub(super) targets: Vec<ProviderId>,
    pub(super) treated: Vec<Treated>,
    /// Scratch for putting `treated` in unit order (kept to save allocations).
    pub(super) by_unit: (Vec<Treated>, Vec<usize>),
    pub(super) overflow: Vec<Overflow>,
    /// Patients who left the region this week, to be treated elsewhere.
    pub(super) leaving: Vec<(ServiceId, Cohort)>,
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
