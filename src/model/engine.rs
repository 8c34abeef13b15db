//! The engine: provider state and the step order of one week.
//!
//! [`Simulation::step`] is the one place where the order of a week is
//! written, and it reads like MODEL.md's list: demand, choice or routing,
//! treatment, money (then workforce and decisions). Each step reads the
//! state the previous one left and writes its own; waits that patients and
//! the network act on are published once at the start of the week.

use rand_distr::{Binomial, Distribution, Poisson};

use super::metrics::{Accounts, Metrics, TreatedRecord, group};
use super::money::Money;
use super::outcome::{self, Conditions};
use super::queue::{Cohort, WaitingList};
use super::rng::{SimRng, Stream, stream};
use super::routing::{self, NO_CAPACITY_WAIT, Snapshot};
use super::scenario::Capability;
use super::world::{LocalityId, ProviderId, ServiceId, World};

/// Weeks in the trailing window that defines a unit's annual volume.
const VOLUME_WINDOW: usize = 52;

/// Treated episodes over the last 52 weeks.
#[derive(Debug, Clone)]
struct VolumeWindow {
    weeks: [u32; VOLUME_WINDOW],
    next: usize,
    sum: u64,
}

impl VolumeWindow {
    /// A window primed as if the unit had run at `weekly` episodes a week
    /// (the planned activity), so the first year does not read as tiny.
    fn primed(weekly: f64) -> Self {
        let w = weekly.round().max(0.0) as u32;
        VolumeWindow {
            weeks: [w; VOLUME_WINDOW],
            next: 0,
            sum: u64::from(w) * VOLUME_WINDOW as u64,
        }
    }

    fn push(&mut self, n: u32) {
        self.sum -= u64::from(self.weeks[self.next]);
        self.weeks[self.next] = n;
        self.sum += u64::from(n);
        self.next = (self.next + 1) % VOLUME_WINDOW;
    }
}

/// One service at one provider.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Routine only, or routine and complex.
    pub capability: Capability,
    /// Episodes per week.
    pub capacity: f64,
    /// Whether the unit takes patients.
    pub open: bool,
    /// Elective waiting list.
    pub queue: WaitingList,
    /// Fractional capacity carried to the next week (so 2.5 a week is 2, 3, 2, 3, ...).
    carry: f64,
    /// Whole episodes available this week.
    slots: u32,
    /// Episodes given this week.
    used: u32,
    /// Emergency arrivals this week.
    arrivals: Vec<Cohort>,
    /// Trailing annual volume.
    volume: VolumeWindow,
    /// Episodes treated in the measured window.
    pub treated: u64,
}

impl Unit {
    /// Expected wait for a new elective patient, weeks: the list over weekly capacity.
    pub fn expected_wait(&self) -> f64 {
        if !self.open || self.capacity <= 0.0 {
            NO_CAPACITY_WAIT
        } else {
            (self.queue.len() as f64 / self.capacity).min(NO_CAPACITY_WAIT)
        }
    }

    /// Episodes in the last 52 weeks.
    pub fn annual_volume(&self) -> u64 {
        self.volume.sum
    }
}

/// A provider's changing state.
#[derive(Debug, Clone)]
pub struct ProviderState {
    /// Latent quality (0 average).
    pub quality: f64,
    /// Units by service index.
    pub units: Vec<Option<Unit>>,
    /// WTE in post by staff group.
    pub staff: [f64; 4],
    /// Funded WTE by staff group.
    pub establishment: [f64; 4],
    /// Cash, £ (negative: overdraft).
    pub cash: Money,
    /// Debt, £.
    pub debt: Money,
    /// £ per week.
    pub fixed_cost: f64,
    /// Staff hours needed by group this week.
    hours_needed: [f64; 4],
    /// Share of needed staff hours not covered this week.
    pub staffing_shortfall: f64,
    /// Accounts of the current week.
    pub week: Accounts,
}

impl ProviderState {
    /// Patients on all this provider's waiting lists.
    pub fn waiting(&self) -> u64 {
        self.units.iter().flatten().map(|u| u.queue.len()).sum()
    }

    /// Total WTE in post.
    pub fn staff_wte(&self) -> f64 {
        self.staff.iter().sum()
    }
}

/// Running totals since week 0, for checking conservation at any week.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ledger {
    /// Patients referred.
    pub arrived: u64,
    /// Patients treated.
    pub treated: u64,
    /// Patients who left the region untreated.
    pub diverted_out: u64,
    /// Paid by the commissioner, as the commissioner counts it, £.
    pub commissioner_paid: Money,
    /// Received by providers, as the providers count it, £.
    pub providers_received: Money,
    /// Providers' costs, £.
    pub provider_costs: Money,
}

/// A treated cohort awaiting its outcome draw.
#[derive(Debug, Clone, Copy)]
struct Treated {
    provider: ProviderId,
    service: ServiceId,
    cohort: Cohort,
    wait: u32,
}

/// Emergency patients a full provider could not take.
#[derive(Debug, Clone, Copy)]
struct Overflow {
    origin: ProviderId,
    service: ServiceId,
    cohort: Cohort,
}

/// Weekly series of the whole system and of each provider.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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
    /// Per provider, in provider order.
    pub providers: Vec<ProviderSeries>,
}

/// Weekly series of one provider.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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
    /// Episodes treated.
    pub treated: Vec<u64>,
}

/// This week's system-wide counts (for the time series).
#[derive(Debug, Clone, Copy, Default)]
struct WeekCounts {
    arrived: u64,
    treated: u64,
    diversions: u64,
    diverted_out: u64,
    elective_treated: u64,
    wait_weeks: u64,
    adverse: u64,
    commissioner_paid: Money,
    system_cost: Money,
}

/// One run in progress.
pub struct Simulation {
    world: World,
    providers: Vec<ProviderState>,
    week: u32,
    demand_rng: SimRng,
    routing_rng: SimRng,
    outcome_rng: SimRng,
    snapshot: Snapshot,
    /// Each provider's claim on the pooled budget: the tariff value of its planned capacity.
    pool_weights: Vec<f64>,
    ledger: Ledger,
    metrics: Metrics,
    series: Option<Timeseries>,
    counts: WeekCounts,
    probs: Vec<(ProviderId, f64)>,
    treated: Vec<Treated>,
    overflow: Vec<Overflow>,
    parts: Vec<Money>,
}

fn poisson(rng: &mut SimRng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let d = Poisson::new(mean).expect("a positive finite mean is a valid Poisson mean");
    let x: f64 = d.sample(rng);
    x as u32
}

fn binomial(rng: &mut SimRng, n: u32, p: f64) -> u32 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let d = Binomial::new(u64::from(n), p).expect("p in (0, 1) is a valid binomial probability");
    d.sample(rng) as u32
}

impl Simulation {
    /// A run of `world` with master seed `seed`.
    pub fn new(world: World, seed: u64, timeseries: bool) -> Self {
        let providers: Vec<ProviderState> = world
            .providers
            .iter()
            .map(|p| ProviderState {
                quality: p.quality,
                units: p
                    .offers
                    .iter()
                    .map(|o| {
                        o.map(|o| Unit {
                            capability: o.capability,
                            capacity: o.capacity,
                            open: true,
                            queue: WaitingList::default(),
                            carry: 0.0,
                            slots: 0,
                            used: 0,
                            arrivals: Vec::new(),
                            volume: VolumeWindow::primed(o.capacity),
                            treated: 0,
                        })
                    })
                    .collect(),
                staff: p.staff_in_post,
                establishment: p.establishment,
                cash: Money::pounds(p.cash),
                debt: Money::pounds(p.debt),
                fixed_cost: p.fixed_cost,
                hours_needed: [0.0; 4],
                staffing_shortfall: 0.0,
                week: Accounts::default(),
            })
            .collect();
        let pool_weights = world
            .providers
            .iter()
            .map(|p| {
                p.offers
                    .iter()
                    .zip(&world.services)
                    .filter_map(|(o, s)| o.map(|o| o.capacity * s.tariff))
                    .sum()
            })
            .collect();
        let series = timeseries.then(|| Timeseries {
            providers: world
                .providers
                .iter()
                .map(|p| ProviderSeries {
                    id: p.id.clone(),
                    ..ProviderSeries::default()
                })
                .collect(),
            ..Timeseries::default()
        });
        Simulation {
            snapshot: Snapshot::new(world.providers.len(), world.services.len()),
            metrics: Metrics::new(&world),
            providers,
            week: 0,
            demand_rng: stream(seed, Stream::Demand),
            routing_rng: stream(seed, Stream::Routing),
            outcome_rng: stream(seed, Stream::Outcomes),
            pool_weights,
            ledger: Ledger::default(),
            series,
            counts: WeekCounts::default(),
            probs: Vec::new(),
            treated: Vec::new(),
            overflow: Vec::new(),
            parts: Vec::new(),
            world,
        }
    }

    /// The world of this run.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The providers' current state.
    pub fn providers(&self) -> &[ProviderState] {
        &self.providers
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

    /// The weekly series, if recorded.
    pub fn timeseries(&self) -> Option<&Timeseries> {
        self.series.as_ref()
    }

    /// Patients on every waiting list now.
    pub fn waiting(&self) -> u64 {
        self.providers.iter().map(ProviderState::waiting).sum()
    }

    /// Whether the week about to run is measured.
    fn measuring(&self) -> bool {
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
        self.publish();
        self.demand_and_routing(); // steps 1 and 2
        self.treatment(); // step 3
        self.outcomes(); // step 3: adverse outcomes
        self.money(); // step 4
        self.record();
        self.week += 1;
    }

    /// Start of the week: this week's whole slots per unit, and the waits,
    /// quality and openings that patients and the network act on.
    fn publish(&mut self) {
        for (pi, p) in self.providers.iter_mut().enumerate() {
            self.snapshot.quality[pi] = p.quality;
            for (si, unit) in p.units.iter_mut().enumerate() {
                let (pid, sid) = (ProviderId(pi as u32), ServiceId(si as u32));
                match unit {
                    Some(u) if u.open => {
                        let available = u.carry + u.capacity;
                        u.slots = available.floor() as u32;
                        u.carry = available - f64::from(u.slots);
                        u.used = 0;
                        u.arrivals.clear();
                        self.snapshot.set(pid, sid, true, u.expected_wait());
                    }
                    _ => self.snapshot.set(pid, sid, false, NO_CAPACITY_WAIT),
                }
            }
        }
    }

    /// Steps 1 and 2: Poisson referrals per locality × service × age band ×
    /// complexity, then each week's referrals split between providers.
    fn demand_and_routing(&mut self) {
        let measuring = self.measuring();
        for l in self.world.locality_ids() {
            let g = group(self.world.localities[l.index()].rurality);
            for s in self.world.service_ids() {
                for k in 0..2 {
                    let svc = &self.world.services[s.index()];
                    let share = if k == 1 {
                        svc.complex_share
                    } else {
                        1.0 - svc.complex_share
                    };
                    let residents = self.world.localities[l.index()].residents;
                    let mut n = 0;
                    for (people, rate) in residents.iter().zip(svc.weekly_rate) {
                        n += poisson(&mut self.demand_rng, people * rate * share);
                    }
                    if n == 0 {
                        continue;
                    }
                    self.ledger.arrived += u64::from(n);
                    self.counts.arrived += u64::from(n);
                    if measuring {
                        self.metrics.tally(s, g).arrived += u64::from(n);
                    }
                    self.route(l, s, k, n);
                }
            }
        }
    }

    /// Splits `n` referrals between the network's pathway and patient choice
    /// by the regime's routing mix, then between providers.
    fn route(&mut self, l: LocalityId, s: ServiceId, k: usize, n: u32) {
        let cohort = Cohort {
            arrival: self.week,
            locality: l,
            complexity: k as u8,
            count: 0,
        };
        let by_network = binomial(&mut self.routing_rng, n, self.world.regime.network_share());
        if by_network > 0 {
            let target = routing::network_target(&self.world, &self.snapshot, l, s, k);
            self.deliver(
                target,
                s,
                Cohort {
                    count: by_network,
                    ..cohort
                },
            );
        }
        let by_choice = n - by_network;
        if by_choice == 0 {
            return;
        }
        if !self.world.services[s.index()].patient_choice {
            let target = routing::nearest(&self.world, &self.snapshot, l, s, k);
            self.deliver(
                target,
                s,
                Cohort {
                    count: by_choice,
                    ..cohort
                },
            );
            return;
        }
        let mut probs = std::mem::take(&mut self.probs);
        routing::choice_probabilities(&self.world, &self.snapshot, l, s, k, &mut probs);
        if probs.is_empty() {
            self.deliver(
                None,
                s,
                Cohort {
                    count: by_choice,
                    ..cohort
                },
            );
        }
        // Multinomial split as a chain of conditional binomials.
        let mut left = by_choice;
        let mut mass = 1.0;
        for (i, &(p, prob)) in probs.iter().enumerate() {
            if left == 0 {
                break;
            }
            let take = if i + 1 == probs.len() {
                left
            } else {
                binomial(&mut self.routing_rng, left, (prob / mass).min(1.0))
            };
            mass -= prob;
            left -= take;
            self.deliver(
                Some(p),
                s,
                Cohort {
                    count: take,
                    ..cohort
                },
            );
        }
        self.probs = probs;
    }

    /// Hands patients to a provider's unit; with no provider they leave the region.
    fn deliver(&mut self, p: Option<ProviderId>, s: ServiceId, c: Cohort) {
        if c.count == 0 {
            return;
        }
        let Some(p) = p else {
            self.leave_region(s, c);
            return;
        };
        let elective = self.world.services[s.index()].is_elective();
        let unit = self.providers[p.index()].units[s.index()]
            .as_mut()
            .expect("routing only picks providers offering the service");
        if elective {
            unit.queue.push(c);
        } else {
            unit.arrivals.push(c);
        }
    }

    fn leave_region(&mut self, s: ServiceId, c: Cohort) {
        let n = u64::from(c.count);
        self.ledger.diverted_out += n;
        self.counts.diverted_out += n;
        if self.measuring() {
            let g = group(self.world.localities[c.locality.index()].rurality);
            self.metrics.tally(s, g).diverted_out += n;
        }
    }

    /// Step 3: each unit serves its waiting list (oldest first) or its
    /// emergency arrivals up to this week's capacity; emergencies beyond
    /// capacity go to the next-nearest capable provider with room, within the
    /// diversion radius, or leave the region.
    fn treatment(&mut self) {
        self.treated.clear();
        self.overflow.clear();
        let week = self.week;
        for (pi, p) in self.providers.iter_mut().enumerate() {
            for (si, unit) in p.units.iter_mut().enumerate() {
                let Some(u) = unit.as_mut().filter(|u| u.open) else {
                    continue;
                };
                let (provider, service) = (ProviderId(pi as u32), ServiceId(si as u32));
                if self.world.services[si].is_elective() {
                    let treated = &mut self.treated;
                    u.used = u.queue.serve(u.slots, |cohort| {
                        treated.push(Treated {
                            provider,
                            service,
                            cohort,
                            wait: week - cohort.arrival,
                        })
                    });
                } else {
                    for mut cohort in u.arrivals.drain(..) {
                        let take = cohort.count.min(u.slots - u.used);
                        u.used += take;
                        if take > 0 {
                            self.treated.push(Treated {
                                provider,
                                service,
                                cohort: Cohort {
                                    count: take,
                                    ..cohort
                                },
                                wait: 0,
                            });
                        }
                        cohort.count -= take;
                        if cohort.count > 0 {
                            self.overflow.push(Overflow {
                                origin: provider,
                                service,
                                cohort,
                            });
                        }
                    }
                }
            }
        }
        let overflow = std::mem::take(&mut self.overflow);
        for o in &overflow {
            self.divert(o);
        }
        self.overflow = overflow;
    }

    fn divert(&mut self, o: &Overflow) {
        let c = o.cohort;
        let (s, l) = (o.service, c.locality);
        self.counts.diversions += u64::from(c.count);
        if self.measuring() {
            let g = group(self.world.localities[l.index()].rurality);
            self.metrics.tally(s, g).diverted += u64::from(c.count);
        }
        let mut left = c.count;
        for &q in self.world.capable(s, usize::from(c.complexity), l) {
            if left == 0 || self.world.distance(l, q) > self.world.geography.diversion_radius_km {
                break;
            }
            if q == o.origin {
                continue;
            }
            let Some(u) = self.providers[q.index()].units[s.index()]
                .as_mut()
                .filter(|u| u.open)
            else {
                continue;
            };
            let take = left.min(u.slots - u.used);
            if take > 0 {
                u.used += take;
                left -= take;
                self.treated.push(Treated {
                    provider: q,
                    service: s,
                    cohort: Cohort { count: take, ..c },
                    wait: 0,
                });
            }
        }
        self.leave_region(s, Cohort { count: left, ..c });
    }

    /// Step 3, outcomes: the staffing shortfall of each provider this week,
    /// then one binomial draw of adverse outcomes per treated cohort.
    fn outcomes(&mut self) {
        let hours_per_wte = self.world.workforce.hours_per_wte;
        for p in &mut self.providers {
            p.hours_needed = [0.0; 4];
            for (si, u) in p.units.iter().enumerate() {
                if let Some(u) = u {
                    let hours = self.world.services[si].staff_hours;
                    for (needed, h) in p.hours_needed.iter_mut().zip(hours) {
                        *needed += f64::from(u.used) * h;
                    }
                }
            }
            let needed: f64 = p.hours_needed.iter().sum();
            let uncovered: f64 = (0..4)
                .map(|g| (p.hours_needed[g] - p.staff[g] * hours_per_wte).max(0.0))
                .sum();
            p.staffing_shortfall = if needed > 0.0 {
                uncovered / needed
            } else {
                0.0
            };
        }
        let measuring = self.measuring();
        let treated = std::mem::take(&mut self.treated);
        for t in &treated {
            let svc = &self.world.services[t.service.index()];
            let p = &self.providers[t.provider.index()];
            let u = p.units[t.service.index()]
                .as_ref()
                .expect("treated at an offered unit");
            let k = usize::from(t.cohort.complexity);
            let conditions = Conditions {
                quality: p.quality,
                annual_volume: u.annual_volume() as f64,
                min_safe_volume: svc.min_safe_volume,
                staffing_shortfall: p.staffing_shortfall,
            };
            let z =
                outcome::provider_logit(&self.world.outcome, svc.baseline_logit[k], &conditions);
            let risk = outcome::probability(&self.world.outcome, z, t.wait);
            let adverse = binomial(&mut self.outcome_rng, t.cohort.count, risk);
            let n = u64::from(t.cohort.count);
            self.ledger.treated += n;
            self.counts.treated += n;
            self.counts.adverse += u64::from(adverse);
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
                    baseline_risk: svc.baseline_risk[k],
                    risk,
                };
                self.metrics.record_treated(&self.world, &record);
            }
        }
        self.treated = treated;
        for p in &mut self.providers {
            for u in p.units.iter_mut().flatten() {
                u.volume.push(u.used);
                if measuring {
                    u.treated += u64::from(u.used);
                }
            }
        }
    }

    /// Step 4: the commissioner pays the tariff share of activity and the
    /// pooled share of its budget; providers pay their costs.
    fn money(&mut self) {
        let regime = &self.world.regime;
        let tariff_share = 1.0 - regime.pooling;
        let pooled = Money::pounds(regime.pooling * self.world.weekly_budget);
        let weights: Vec<f64> = self
            .providers
            .iter()
            .zip(&self.pool_weights)
            .map(|(p, w)| {
                if p.units.iter().flatten().any(|u| u.open) {
                    *w
                } else {
                    0.0
                }
            })
            .collect();
        let mut parts = std::mem::take(&mut self.parts);
        pooled.split(&weights, &mut parts);
        let pooled_paid: Money = if weights.iter().sum::<f64>() > 0.0 {
            pooled
        } else {
            Money::ZERO
        };
        let mut tariff_paid = Money::ZERO;
        let fin = self.world.finance;
        let annual_cost = self.world.workforce.annual_cost.by_group();
        for (pi, p) in self.providers.iter_mut().enumerate() {
            let mut a = Accounts::default();
            let mut episodes = 0u64;
            for (si, u) in p.units.iter().enumerate() {
                let Some(u) = u else { continue };
                let svc = &self.world.services[si];
                let n = f64::from(u.used);
                episodes += u64::from(u.used);
                a.tariff_income += Money::pounds(tariff_share * svc.tariff * n);
                a.variable += Money::pounds(svc.variable_cost * n);
            }
            tariff_paid += a.tariff_income;
            a.pooled_income = parts[pi];
            a.staff =
                Money::pounds((0..4).map(|g| p.staff[g] * annual_cost[g]).sum::<f64>() / 52.0);
            a.fixed = Money::pounds(p.fixed_cost);
            a.coordination = Money::pounds(regime.coordination_cost);
            a.transaction = Money::pounds(tariff_share * fin.transaction_cost * episodes as f64);
            let borrowed = p.debt + Money(p.cash.0.min(0).abs());
            a.interest = Money::pounds(borrowed.as_pounds() * fin.interest_rate / 52.0);
            p.cash += a.income() - a.costs();
            p.week = a;
        }
        self.parts = parts;
        let paid = tariff_paid + pooled_paid;
        let received: Money = self.providers.iter().map(|p| p.week.income()).sum();
        let costs: Money = self.providers.iter().map(|p| p.week.costs()).sum();
        self.ledger.commissioner_paid += paid;
        self.ledger.providers_received += received;
        self.ledger.provider_costs += costs;
        self.counts.commissioner_paid = paid;
        self.counts.system_cost = costs;
        if self.measuring() {
            self.metrics.commissioner_paid += paid;
            self.metrics.commissioner_budget += Money::pounds(self.world.weekly_budget);
            for (acc, p) in self.metrics.accounts.iter_mut().zip(&self.providers) {
                acc.add(&p.week);
            }
        }
    }

    /// End of the week: window counters and the weekly series.
    fn record(&mut self) {
        if self.measuring() {
            self.metrics.weeks += 1;
            let (est, post) = self.providers.iter().fold((0.0, 0.0), |(e, s), p| {
                (e + p.establishment.iter().sum::<f64>(), s + p.staff_wte())
            });
            if est > 0.0 {
                self.metrics.vacancy_rate_sum += ((est - post) / est).max(0.0);
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
        ts.mean_wait_weeks.push(
            (c.elective_treated > 0).then(|| c.wait_weeks as f64 / c.elective_treated as f64),
        );
        ts.adverse.push(c.adverse);
        ts.commissioner_paid.push(c.commissioner_paid);
        ts.system_cost.push(c.system_cost);
        for (series, p) in ts.providers.iter_mut().zip(&self.providers) {
            series.waiting.push(p.waiting());
            series.quality.push(p.quality);
            series.cash.push(p.cash);
            series.staff_wte.push(p.staff_wte());
            series
                .treated
                .push(p.units.iter().flatten().map(|u| u64::from(u.used)).sum());
        }
    }
}
