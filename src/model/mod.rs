//! The model: world, agents, regimes and metrics.
//!
//! Nothing here reads files, talks to a terminal, parses command lines or
//! starts threads; it turns a [`Scenario`] and a seed into a [`RunOutput`].
//!
//! In four parts and the world between them: `input/` (the scenario format,
//! parameters, regimes, the timeline), [`world`] (a scenario compiled for a
//! run: localities, services, providers and their sites, distances),
//! `week/` (the engine and each step of a week), `measures/` (money,
//! accounts and the tallies the week's steps feed) and `output/` (the run's
//! result, assembled at its end from the state and the measures). Each
//! module is also reachable at `model::<name>`.

pub mod input;
pub mod measures;
pub mod output;
pub mod week;
pub mod world;

pub use input::{bounds, configuration, params, regime, scenario, timeline, travel};
pub use measures::{accounts, metrics, money};
pub use output::run;
pub use week::{draws, engine, outcome, provider, queue, rng, routing};

pub use engine::{Ledger, Simulation};
pub use regime::{PRESETS, Payment, Rates, Regime, RegimeSpec, Routing};
pub use run::{RunOutput, run, scenario_hash};
pub use scenario::{Problem, Scenario};
pub use world::World;
