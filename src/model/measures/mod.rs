//! What a run measures and reports: money in pence ([`money`]), providers'
//! accounts ([`accounts`]), the tallies of the measured weeks
//! ([`metrics`]) and the run's output ([`run`]).

pub mod accounts;
pub mod metrics;
pub mod money;
pub mod run;
