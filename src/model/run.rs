//! One run from a validated scenario to its result document.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::engine::{Simulation, Timeseries};
use super::metrics::{Access, Accounts, Grouped, Outcomes, Waiting, group, ratio};
use super::money::Money;
use super::regime::Regime;
use super::scenario::{Capability, ProviderKind, STAFF_GROUPS, Scenario};
use super::world::{ServiceId, World};

/// The version written into every result.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a run reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOutput {
    /// Version of ccsim that produced it.
    pub ccsim_version: String,
    /// Which scenario ran.
    pub scenario: ScenarioInfo,
    /// The resolved regime knobs.
    pub regime: Regime,
    /// Master seed.
    pub seed: u64,
    /// Warm-up and measured horizon.
    pub time: TimeInfo,
    /// Figures over the measured window.
    pub summary: Summary,
    /// Each provider at the end of the run.
    pub providers: Vec<ProviderEnd>,
    /// Weekly series, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeseries: Option<Timeseries>,
}

/// The scenario's identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Money.
    pub finance: Finance,
    /// Staff.
    pub workforce: Workforce,
    /// Conservation of patients and money.
    pub bookkeeping: Bookkeeping,
}

/// Money over the measured window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finance {
    /// Providers' total costs, £.
    pub system_cost: Money,
    /// Providers' total costs per year, £.
    pub system_cost_per_year: f64,
    /// System cost per episode treated, £.
    pub cost_per_episode: Option<f64>,
    /// Commissioner's budget, £.
    pub commissioner_budget: Money,
    /// Paid by the commissioner, £.
    pub commissioner_paid: Money,
    /// Budget minus payments, £ (negative: overspent).
    pub commissioner_balance: Money,
    /// Providers' income minus costs, £.
    pub provider_surplus: Money,
    /// Providers whose costs exceeded their income over the window.
    pub providers_in_deficit: u32,
    /// Providers taken over by the regulator.
    pub failures: u32,
    /// Services closed.
    pub closures: u32,
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
    /// Variable cost plus the cost of the staff hours an episode needs, £.
    pub direct_cost_per_episode: f64,
    /// Tariff, £ per episode.
    pub tariff: f64,
}

/// Staff over the measured window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workforce {
    /// Mean share of funded posts vacant.
    pub vacancy_rate: Option<f64>,
    /// Spent on agency staff, £.
    pub agency_spend: Money,
    /// Leavers per year over staff in post.
    pub turnover_rate: Option<f64>,
    /// WTE in post at the end.
    pub staff_in_post: f64,
    /// Funded WTE at the end.
    pub establishment: f64,
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
}

/// Conservation checks over the measured window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bookkeeping {
    /// Patients.
    pub patients: PatientBalance,
    /// Money.
    pub money: MoneyBalance,
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

/// Paid by the commissioner = received by providers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MoneyBalance {
    /// As the commissioner counts it, £.
    pub commissioner_paid: Money,
    /// As providers count it, £.
    pub providers_received: Money,
    /// Whether they agree exactly (every transfer is rounded to the penny once).
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
    /// Quality.
    pub quality: f64,
    /// Cash, £.
    pub cash: Money,
    /// Debt, £.
    pub debt: Money,
    /// Share of needed staff hours not covered in the last week.
    pub staffing_shortfall: f64,
    /// WTE in post by group.
    pub staff_in_post: BTreeMap<String, f64>,
    /// Over the measured window.
    pub accounts: Accounts,
    /// Income minus costs over the window, £.
    pub surplus: Money,
    /// Services at the end.
    pub services: BTreeMap<String, UnitEnd>,
}

/// One unit at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitEnd {
    /// Routine or complex.
    pub capability: Capability,
    /// Episodes per week.
    pub capacity: f64,
    /// Whether it takes patients.
    pub open: bool,
    /// Patients waiting.
    pub waiting: u64,
    /// Expected wait for a new patient, weeks.
    pub expected_wait_weeks: f64,
    /// Episodes in the measured window.
    pub treated: u64,
    /// Episodes in the last 52 weeks.
    pub annual_volume: u64,
    /// Adverse outcomes per episode in the window.
    pub adverse_rate: Option<f64>,
}

/// SHA-256 of a scenario's canonical JSON.
pub fn scenario_hash(s: &Scenario) -> String {
    let json = serde_json::to_vec(s).expect("a scenario always serialises");
    let digest = Sha256::digest(&json);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Runs a validated scenario under its regime with `seed`.
pub fn run(scenario: &Scenario, seed: u64, timeseries: bool) -> RunOutput {
    let regime = scenario
        .regime
        .resolve()
        .expect("the scenario was validated, so its regime resolves");
    let world = World::build(scenario, regime);
    let mut sim = Simulation::new(world, seed, timeseries);
    sim.run_to_end();
    output(&sim, scenario_hash(scenario), seed)
}

/// The result document of a finished simulation.
pub fn output(sim: &Simulation, hash: String, seed: u64) -> RunOutput {
    let world = sim.world();
    let m = sim.metrics();
    let (access, mut waiting, outcomes, arrived) = m.patient_summary(world);

    // Waiting lists at the end, by service and locality group.
    let mut list_end = vec![[0u64; 2]; world.services.len()];
    for p in sim.providers() {
        for (si, u) in p.units.iter().enumerate() {
            for c in u.iter().flat_map(|u| u.queue.iter()) {
                list_end[si][group(world.localities[c.locality.index()].rurality)] +=
                    u64::from(c.count);
            }
        }
    }
    let waiting_at_end: u64 = list_end.iter().flatten().sum();

    let mut total = Accounts::default();
    for a in &m.accounts {
        total.add(a);
    }
    let episodes = outcomes.overall.episodes;
    let years = f64::from(m.weeks) / 52.0;
    let finance = Finance {
        system_cost: total.costs(),
        system_cost_per_year: if years > 0.0 {
            total.costs().as_pounds() / years
        } else {
            0.0
        },
        cost_per_episode: ratio(total.costs().as_pounds(), episodes as f64),
        commissioner_budget: m.commissioner_budget,
        commissioner_paid: m.commissioner_paid,
        commissioner_balance: m.commissioner_budget - m.commissioner_paid,
        provider_surplus: total.income() - total.costs(),
        providers_in_deficit: m.accounts.iter().filter(|a| a.income() < a.costs()).count() as u32,
        failures: 0,
        closures: 0,
        accounts: total,
        by_service: world
            .service_ids()
            .map(|s| {
                let svc = &world.services[s.index()];
                let hourly = world
                    .workforce
                    .annual_cost
                    .by_group()
                    .map(|c| c / 52.0 / world.workforce.hours_per_wte);
                let staff: f64 = (0..4).map(|g| svc.staff_hours[g] * hourly[g]).sum();
                let finance = ServiceFinance {
                    episodes: outcomes.by_service[&svc.id].episodes,
                    direct_cost_per_episode: svc.variable_cost + staff,
                    tariff: svc.tariff,
                };
                (svc.id.clone(), finance)
            })
            .collect(),
    };

    let mut by_group = BTreeMap::new();
    let (mut in_post, mut establishment) = (0.0, 0.0);
    for (g, name) in STAFF_GROUPS.iter().enumerate() {
        let post: f64 = sim.providers().iter().map(|p| p.staff[g]).sum();
        let est: f64 = sim.providers().iter().map(|p| p.establishment[g]).sum();
        in_post += post;
        establishment += est;
        let vacancy_rate = ratio((est - post).max(0.0), est);
        by_group.insert(
            (*name).to_owned(),
            StaffGroupEnd {
                in_post: post,
                establishment: est,
                vacancy_rate,
            },
        );
    }
    let workforce = Workforce {
        vacancy_rate: ratio(m.vacancy_rate_sum, f64::from(m.weeks)),
        agency_spend: total.agency,
        turnover_rate: ratio(0.0, in_post),
        staff_in_post: in_post,
        establishment,
        by_group,
    };

    let treated = outcomes.overall.episodes;
    let diverted_out = waiting.overall.diverted_out;
    let providers_received = total.income();
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
            balanced: m.commissioner_paid == providers_received,
        },
    };
    waiting.overall.waiting_at_end = Some(waiting_at_end);
    waiting.urban.waiting_at_end = Some(list_end.iter().map(|x| x[0]).sum());
    waiting.rural.waiting_at_end = Some(list_end.iter().map(|x| x[1]).sum());
    for s in world.service_ids() {
        if let Some(w) = waiting.by_service.get_mut(&world.services[s.index()].id) {
            w.waiting_at_end = Some(list_end[s.index()].iter().sum());
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
                    let t =
                        m.provider_tally(super::world::ProviderId(pi as u32), ServiceId(si as u32));
                    Some((
                        world.services[si].id.clone(),
                        UnitEnd {
                            capability: u.capability,
                            capacity: u.capacity,
                            open: u.open,
                            waiting: u.queue.len(),
                            expected_wait_weeks: u.expected_wait(),
                            treated: u.treated,
                            annual_volume: u.annual_volume(),
                            adverse_rate: ratio(t.adverse as f64, t.treated as f64),
                        },
                    ))
                })
                .collect();
            let accounts = m.accounts[pi];
            ProviderEnd {
                id: spec.id.clone(),
                name: spec.name.clone(),
                kind: spec.kind,
                trust: spec.trust.clone(),
                quality: p.quality,
                cash: p.cash,
                debt: p.debt,
                staffing_shortfall: p.staffing_shortfall,
                staff_in_post: STAFF_GROUPS
                    .iter()
                    .zip(p.staff)
                    .map(|(g, v)| ((*g).to_owned(), v))
                    .collect(),
                accounts,
                surplus: accounts.income() - accounts.costs(),
                services,
            }
        })
        .collect();

    RunOutput {
        ccsim_version: VERSION.to_owned(),
        scenario: ScenarioInfo {
            name: world.name.clone(),
            hash,
        },
        regime: world.regime.clone(),
        seed,
        time: TimeInfo {
            warmup_weeks: world.time.warmup_weeks,
            horizon_weeks: world.time.horizon_weeks,
        },
        summary: Summary {
            access,
            waiting,
            outcomes,
            finance,
            workforce,
            bookkeeping,
        },
        providers,
        timeseries: sim.timeseries().cloned(),
    }
}
