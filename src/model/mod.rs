//! The model: world, agents, regimes and metrics.
//!
//! Nothing here reads files, talks to a terminal, parses command lines or
//! starts threads; it turns a [`Scenario`] and a seed into a [`RunOutput`].

pub mod accounts;
pub mod bounds;
mod decisions;
pub mod draws;
pub mod engine;
mod finance;
pub mod metrics;
pub mod money;
pub mod outcome;
pub mod params;
pub mod provider;
pub mod queue;
pub mod regime;
mod regulator;
pub mod rng;
pub mod routing;
pub mod run;
pub mod scenario;
mod start_lists;
pub mod timeline;
mod workforce;
pub mod world;

pub use engine::{Ledger, Simulation};
pub use regime::{PRESETS, Regime, RegimeSpec, Routing};
pub use run::{RunOutput, run, scenario_hash};
pub use scenario::{Problem, Scenario};
pub use world::World;
