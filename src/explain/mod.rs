//! `ccsim explain`: which mechanism produced the difference between two
//! regimes. Each mechanism whose setting differs between the regimes is a
//! player; every coalition of players (the mechanisms at the second
//! regime's setting, the rest at the first's) is run with the same seeds,
//! and each player's Shapley value — its marginal effect averaged over the
//! orders in which the mechanisms could be switched — is its contribution.
//! The contributions add up to the whole difference exactly, seed by seed,
//! because they are computed from all 2^k coalitions of the same runs.
//!
//! The players, and what each switches:
//!
//! - **pooled payment** (`regime.pooling`): the share of income from the
//!   pooled budget. It carries with it, through the one knob, how money for
//!   quality is allocated (quality payments on the tariff share, the
//!   planner's grants on the pooled share), the tariff's margin on quality
//!   and how efficiency savings are kept: in the engine these are the
//!   payment itself, so they are one player.
//! - **billing** and **wage bidding**: the billing cost is charged on the
//!   tariff share of episodes and the wage premium is bid on the tariff
//!   share, so both follow `regime.pooling`; `ccsim explain` sets them apart
//!   (`Regime::billing_pooling`, `bidding_pooling`) to switch each alone.
//! - **network routing** (`regime.routing`): pathways to the nearest
//!   capable provider instead of patients' choice.
//! - **hubs** (`network.hubs`), **mutual aid** (`network.mutual_aid_radius_km`)
//!   and **standardisation** (`behaviour.standardisation`): they act only on
//!   network-routed patients, so they are off under choice; as players they
//!   are off (no hubs, a radius of 0 km, standardisation 0) unless switched
//!   on, and their interaction with routing is shared by Shapley's rule.
//! - **staff sharing**, **coordination cost** and **integration**: their
//!   regime knobs.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::run::{output, scenario_hash};
use crate::model::{Regime, Scenario, Simulation, World};
use crate::sweep::stats::{Accumulator, Stat};

/// The measures decomposed, as paths in a run's summary, with their labels.
pub const MEASURES: [(&str, &str); 6] = [
    ("outcomes.overall.adverse_rate", "adverse-outcome rate"),
    ("finance.cost_per_episode", "cost per episode (£)"),
    ("waiting.overall.mean_wait_weeks", "mean elective wait (weeks)"),
    ("waiting.overall.list_size", "waiting list (patients)"),
    ("access.overall.p95_minutes", "95th-percentile travel (minutes)"),
    ("access.overall.unmet", "sent out of the region"),
];

/// How a measure is shown: rates as percentages (differences in points),
/// the rest in their own unit. Returns (scale, unit of a difference, decimals).
pub fn display(metric: &str) -> (f64, &'static str, usize) {
    match metric {
        "outcomes.overall.adverse_rate" | "access.overall.unmet" => (100.0, "percentage points", 3),
        "finance.cost_per_episode" => (1.0, "£ per episode", 0),
        "waiting.overall.list_size" => (1.0, "patients", 0),
        "waiting.overall.mean_wait_weeks" => (1.0, "weeks", 2),
        "access.overall.p95_minutes" => (1.0, "minutes", 2),
        _ => (1.0, "units of the measure", 3),
    }
}

/// The most players decomposed exactly (2^k coalitions).
pub const MAX_PLAYERS: usize = 10;

/// A mechanism that differs between the two regimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Player {
    /// `regime.pooling`, with the allocation of quality money and shared
    /// efficiency savings.
    PooledPayment,
    /// The billing cost on the tariff share of episodes.
    Billing,
    /// The wage premium bid on the tariff share.
    WageBidding,
    /// `regime.routing`.
    NetworkRouting,
    /// `network.hubs`.
    Hubs,
    /// `network.mutual_aid_radius_km`.
    MutualAid,
    /// `behaviour.standardisation`.
    Standardisation,
    /// `regime.staff_sharing`.
    StaffSharing,
    /// `regime.coordination_cost`.
    CoordinationCost,
    /// `regime.integration`.
    Integration,
}

impl Player {
    /// Its name on the terminal.
    pub fn label(self) -> &'static str {
        match self {
            Player::PooledPayment => "pooled payment",
            Player::Billing => "billing",
            Player::WageBidding => "wage bidding",
            Player::NetworkRouting => "network routing",
            Player::Hubs => "hubs",
            Player::MutualAid => "mutual aid",
            Player::Standardisation => "standardisation",
            Player::StaffSharing => "staff sharing",
            Player::CoordinationCost => "coordination cost",
            Player::Integration => "integration",
        }
    }
}

/// Why an explanation cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExplainError {
    /// A regime that is not a preset.
    #[error("{flag}: expected one of {}, found `{name}`", crate::model::PRESETS.join(", "))]
    Unknown {
        /// `--from` or `--to`.
        flag: &'static str,
        /// What was given.
        name: String,
    },
    /// Two regimes that are the same.
    #[error("--from and --to are both `{0}`: there is no difference to explain")]
    Same(String),
    /// No mechanism differs.
    #[error("`{from}` and `{to}` switch no mechanism differently in this scenario: there is nothing to explain")]
    Nothing {
        /// First regime.
        from: String,
        /// Second regime.
        to: String,
    },
    /// Too many players for the exact decomposition.
    #[error("{0} mechanisms differ; the exact decomposition takes at most {MAX_PLAYERS} (2^{MAX_PLAYERS} coalitions)")]
    TooMany(usize),
    /// No seeds.
    #[error("--seeds: expected at least 2 (an interval needs two), found {0}")]
    Seeds(u32),
    /// A timeline that changes the regime during the run.
    #[error(
        "the scenario's timeline changes the regime (`{set}` at week {week}): explain compares two regimes over the whole run; remove the regime changes"
    )]
    RegimeInTimeline {
        /// The path set.
        set: String,
        /// When.
        week: u32,
    },
}

/// The players that differ between `a` and `b` in scenario `s`, in a fixed order.
pub fn players(s: &Scenario, a: &Regime, b: &Regime) -> Vec<Player> {
    let routed = |r: &Regime| r.routing.network_share() > 0.0;
    let mut out = Vec::new();
    if a.pooling != b.pooling {
        out.push(Player::PooledPayment);
        if s.finance.transaction_cost > 0.0 {
            out.push(Player::Billing);
        }
        if s.workforce.labour.wage.max_premium > 0.0 {
            out.push(Player::WageBidding);
        }
    }
    if a.routing.network_share() != b.routing.network_share() {
        out.push(Player::NetworkRouting);
    }
    if routed(a) != routed(b) {
        if !s.network.hubs.is_empty() {
            out.push(Player::Hubs);
        }
        if s.network.mutual_aid_radius_km > 0.0 {
            out.push(Player::MutualAid);
        }
        if s.behaviour.standardisation > 0.0 {
            out.push(Player::Standardisation);
        }
    }
    if a.staff_sharing != b.staff_sharing {
        out.push(Player::StaffSharing);
    }
    if a.coordination_cost != b.coordination_cost {
        out.push(Player::CoordinationCost);
    }
    if a.integration != b.integration {
        out.push(Player::Integration);
    }
    out
}

/// The scenario and regime of one coalition: the players in `mask` (bit i
/// for `players[i]`) at `b`'s setting, the others at `a`'s. The network's
/// own mechanisms are at the scenario's values when switched on and off
/// otherwise (whichever regime routes by network).
pub fn coalition(s: &Scenario, a: &Regime, b: &Regime, players: &[Player], mask: u32) -> (Scenario, Regime) {
    let on = |p: Player| players.iter().position(|q| *q == p).is_some_and(|i| mask & (1 << i) != 0);
    let pick = |p: Player, x: f64, y: f64| if on(p) { y } else { x };
    let pooling = pick(Player::PooledPayment, a.pooling, b.pooling);
    let apart = |p: Player| players.contains(&p).then(|| pick(p, a.pooling, b.pooling));
    let regime = Regime {
        name: "custom".into(),
        pooling,
        staff_sharing: pick(Player::StaffSharing, a.staff_sharing, b.staff_sharing),
        routing: if on(Player::NetworkRouting) { b.routing } else { a.routing },
        integration: pick(Player::Integration, a.integration, b.integration),
        coordination_cost: pick(Player::CoordinationCost, a.coordination_cost, b.coordination_cost),
        payment: if on(Player::PooledPayment) { b.payment } else { a.payment },
        billing_pooling: apart(Player::Billing),
        bidding_pooling: apart(Player::WageBidding),
    };
    // The network's own mechanisms are on at a regime's setting when that
    // regime routes by network, and off in a coalition that does not (they
    // act only on network-routed patients); one that is not a player keeps
    // the scenario's.
    let routed = |r: &Regime| r.routing.network_share() > 0.0;
    let keeps = |p: Player| !players.contains(&p) || (routed(&regime) && if on(p) { routed(b) } else { routed(a) });
    let mut out = s.clone();
    if !keeps(Player::Hubs) {
        out.network.hubs = BTreeMap::new();
    }
    if !keeps(Player::MutualAid) {
        out.network.mutual_aid_radius_km = 0.0;
    }
    if !keeps(Player::Standardisation) {
        out.behaviour.standardisation = 0.0;
    }
    (out, regime)
}

/// The network's own mechanisms: they act only on network-routed patients.
const NETWORK_ONLY: [Player; 3] = [Player::Hubs, Player::MutualAid, Player::Standardisation];

/// The coalition whose run stands for `mask`'s: the same, with the
/// network's own mechanisms cleared when the coalition does not route by
/// network — [`coalition`] builds the same scenario and regime for both,
/// so one run serves every setting of those players there.
pub fn canonical(a: &Regime, b: &Regime, players: &[Player], mask: u32) -> u32 {
    let bit = |p: Player| players.iter().position(|q| *q == p).map_or(0, |i| 1u32 << i);
    let routing = if mask & bit(Player::NetworkRouting) != 0 { b.routing } else { a.routing };
    if routing.network_share() > 0.0 { mask } else { NETWORK_ONLY.iter().fold(mask, |m, &p| m & !bit(p)) }
}

/// One run of a coalition.
pub fn run(s: &Scenario, regime: &Regime, seed: u64) -> crate::model::RunOutput {
    let mut sim = Simulation::new(World::build(s, regime.clone()), seed, false);
    sim.run_to_end();
    output(&sim, scenario_hash(s), seed)
}

fn describe(xs: &[f64]) -> Stat {
    let mut acc = Accumulator::default();
    xs.iter().for_each(|&x| acc.add(x));
    acc.stat()
}

/// A statistic of `metric` as shown ([`display`]'s scale and decimals):
/// `mean [lo, hi]`, or the mean alone without an interval.
pub fn shown(metric: &str, s: &Stat) -> String {
    let (scale, _, digits) = display(metric);
    match s.ci95 {
        Some([lo, hi]) => format!("{:.digits$} [{:.digits$}, {:.digits$}]", scale * s.mean, scale * lo, scale * hi),
        None => format!("{:.digits$}", scale * s.mean),
    }
}

/// Exact Shapley values of `k` players from the values of all 2^k
/// coalitions (`v[mask]`): φ_i = Σ over coalitions S without i of
/// |S|!(k − |S| − 1)!/k! · (v(S ∪ {i}) − v(S)).
pub fn shapley(k: usize, v: &[f64]) -> Vec<f64> {
    assert_eq!(v.len(), 1 << k, "one value per coalition");
    let factorial = |n: usize| (1..=n).map(|x| x as f64).product::<f64>();
    let weight: Vec<f64> = (0..k).map(|s| factorial(s) * factorial(k - s - 1) / factorial(k)).collect();
    (0..k)
        .map(|i| {
            let bit = 1usize << i;
            (0..1usize << k)
                .filter(|m| m & bit == 0)
                .map(|m| weight[m.count_ones() as usize] * (v[m | bit] - v[m]))
                .sum()
        })
        .collect()
}

/// What to explain.
#[derive(Debug, Clone)]
pub struct Request {
    /// The scenario (its own regime is replaced).
    pub scenario: Scenario,
    /// The first regime's preset name.
    pub from: String,
    /// The second regime's preset name.
    pub to: String,
    /// Replicates, each with its own seed, common to all coalitions.
    pub seeds: u32,
    /// Master seed.
    pub seed: u64,
}

/// One measure's decomposition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decomposition {
    /// Summary path.
    pub metric: String,
    /// Label.
    pub label: String,
    /// Under the first regime, over seeds.
    pub from: Stat,
    /// Under the second regime.
    pub to: Stat,
    /// The second less the first, paired by seed.
    pub total: Stat,
    /// Each player's contribution (Shapley value), paired by seed, ranked
    /// by size.
    pub contributions: Vec<(Player, Stat)>,
    /// Seeds at which the measure was undefined (left out).
    pub undefined: u32,
}

/// An explanation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Explanation {
    /// Scenario name.
    pub scenario: String,
    /// First regime.
    pub from: String,
    /// Second regime.
    pub to: String,
    /// The players.
    pub players: Vec<Player>,
    /// Seeds used, in order.
    pub seeds: Vec<u64>,
    /// Runs made (distinct coalitions × seeds: a coalition without network routing stands for every setting of the network's own players).
    pub runs: usize,
    /// Per measure.
    pub measures: Vec<Decomposition>,
}

/// Runs every coalition under every seed (in parallel; results in a fixed
/// order, so the output is the same at any thread count) and decomposes
/// each measure. `start` hears how many runs there will be, `tick` each
/// one finished.
pub fn explain(r: &Request, start: impl FnOnce(u64), tick: impl Fn() + Sync) -> Result<Explanation, ExplainError> {
    let resolve = |flag: &'static str, name: &str| {
        Regime::preset(name).ok_or_else(|| ExplainError::Unknown { flag, name: name.to_owned() })
    };
    let (a, b) = (resolve("--from", &r.from)?, resolve("--to", &r.to)?);
    if r.from == r.to {
        return Err(ExplainError::Same(r.from.clone()));
    }
    if r.seeds < 2 {
        return Err(ExplainError::Seeds(r.seeds));
    }
    if let Some(c) = r.scenario.timeline.iter().find(|c| c.set == "regime" || c.set.starts_with("regime.")) {
        return Err(ExplainError::RegimeInTimeline { set: c.set.clone(), week: c.week });
    }
    let players = players(&r.scenario, &a, &b);
    if players.is_empty() {
        return Err(ExplainError::Nothing { from: r.from.clone(), to: r.to.clone() });
    }
    if players.len() > MAX_PLAYERS {
        return Err(ExplainError::TooMany(players.len()));
    }
    let k = players.len();
    let seeds: Vec<u64> =
        (0..r.seeds).map(|i| crate::model::rng::run_seed(r.seed, 0x5AA9_1E57, u64::from(i))).collect();
    // Each distinct coalition is run once per seed; a coalition without
    // network routing stands for every setting of the network's own players.
    let stands_for: Vec<u32> = (0..1u32 << k).map(|m| canonical(&a, &b, &players, m)).collect();
    let distinct: Vec<u32> = (0..1u32 << k).filter(|&m| stands_for[m as usize] == m).collect();
    let slot: BTreeMap<u32, usize> = distinct.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let scenarios: Vec<(Scenario, Regime)> =
        distinct.iter().map(|&m| coalition(&r.scenario, &a, &b, &players, m)).collect();
    let jobs: Vec<(usize, usize)> = (0..scenarios.len()).flat_map(|c| (0..seeds.len()).map(move |s| (c, s))).collect();
    start(jobs.len() as u64);
    let values: Vec<Vec<Option<f64>>> = jobs
        .par_iter()
        .map(|&(c, s)| {
            let (scenario, regime) = &scenarios[c];
            let out = run(scenario, regime, seeds[s]);
            tick();
            let summary = serde_json::to_value(&out.summary).expect("a summary serialises");
            MEASURES
                .iter()
                .map(|(path, _)| {
                    let pointer = format!("/{}", path.replace('.', "/"));
                    summary.pointer(&pointer).and_then(Value::as_f64)
                })
                .collect()
        })
        .collect();
    let at = |c: usize, s: usize, m: usize| values[slot[&stands_for[c]] * seeds.len() + s][m];
    let all = (1usize << k) - 1;
    let measures = MEASURES
        .iter()
        .enumerate()
        .map(|(mi, (path, label))| {
            let mut from = Vec::new();
            let mut to = Vec::new();
            let mut total = Vec::new();
            let mut phi: Vec<Vec<f64>> = vec![Vec::new(); k];
            let mut undefined = 0;
            for s in 0..seeds.len() {
                let v: Option<Vec<f64>> = (0..1usize << k).map(|c| at(c, s, mi)).collect();
                let Some(v) = v else {
                    undefined += 1;
                    continue;
                };
                from.push(v[0]);
                to.push(v[all]);
                total.push(v[all] - v[0]);
                for (i, x) in shapley(k, &v).into_iter().enumerate() {
                    phi[i].push(x);
                }
            }
            let mut contributions: Vec<(Player, Stat)> =
                players.iter().zip(&phi).map(|(p, xs)| (*p, describe(xs))).collect();
            contributions.sort_by(|x, y| y.1.mean.abs().total_cmp(&x.1.mean.abs()));
            Decomposition {
                metric: (*path).to_owned(),
                label: (*label).to_owned(),
                from: describe(&from),
                to: describe(&to),
                total: describe(&total),
                contributions,
                undefined,
            }
        })
        .collect();
    Ok(Explanation {
        scenario: r.scenario.name.clone(),
        from: r.from.clone(),
        to: r.to.clone(),
        players,
        seeds,
        runs: jobs.len(),
        measures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapley_of_an_additive_game_is_each_players_own_term() {
        // v(S) = Σ_{i ∈ S} a_i: each player's value is its a_i.
        let a = [0.5, -2.0, 3.25, 0.0];
        let v: Vec<f64> = (0..16usize).map(|m| (0..4).filter(|i| m & (1 << i) != 0).map(|i| a[i]).sum()).collect();
        let phi = shapley(4, &v);
        for (x, y) in phi.iter().zip(a) {
            assert!((x - y).abs() < 1e-12, "{phi:?}");
        }
    }

    #[test]
    fn shapley_shares_an_interaction_equally_and_adds_up() {
        // Two players who act only together (v = 6 with both): 3 each.
        assert_eq!(shapley(2, &[0.0, 0.0, 0.0, 6.0]), vec![3.0, 3.0]);
        // Any game: the values add up to v(all) − v(none).
        let v: Vec<f64> = (0..32).map(|m: i32| f64::from(m * m % 7) - 0.3 * f64::from(m)).collect();
        let phi = shapley(5, &v);
        assert!((phi.iter().sum::<f64>() - (v[31] - v[0])).abs() < 1e-12);
        // A player that changes nothing gets nothing.
        let dummy: Vec<f64> = (0..8usize).map(|m| if m & 1 != 0 { 1.0 } else { 0.0 } + (m & 2) as f64).collect();
        let phi = shapley(3, &dummy);
        assert!(phi[2].abs() < 1e-12 && (phi[0] - 1.0).abs() < 1e-12 && (phi[1] - 2.0).abs() < 1e-12);
    }
}
