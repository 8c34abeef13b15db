//! A simulated week and the parts it moves: the engine's step order
//! ([`engine`]) and what the calendar changes; referrals and where they go
//! (the referrals step, [`routing`]) and the random draws that split them
//! ([`draws`], [`rng`]); providers' units, their capacity for the weeks'
//! [`peaks`] and queues ([`provider`], [`queue`], the start lists, the
//! pathway [`before_decision`] to admit); treatment and its outcomes (the
//! treatment step, the risk in [`outcome`]); and the steps that act — staff
//! (and their training pipeline), decisions, payments and the regulator.

pub mod before_decision;
mod calendar;
mod decisions;
pub mod draws;
pub mod engine;
mod finance;
pub mod outcome;
pub mod peaks;
mod pipeline;
pub mod provider;
pub mod queue;
mod referrals;
mod regulator;
pub mod rng;
pub mod routing;
mod start_lists;
mod treatment;
mod workforce;
