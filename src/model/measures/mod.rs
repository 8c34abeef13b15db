//! What a run measures and reports: money in pence ([`money`]), providers'
//! accounts ([`accounts`]), the tallies of the measured weeks
//! ([`metrics`]), how near residents live to each service ([`coverage`]),
//! units below their minimum safe volume ([`volume`]) or above their
//! staffing standard ([`staffing`]), transfers between levels of care
//! ([`transfers`]) and the run's output ([`run`]).

pub mod accounts;
pub mod coverage;
pub mod metrics;
pub mod money;
pub mod run;
pub mod staffing;
pub mod transfers;
pub mod volume;
