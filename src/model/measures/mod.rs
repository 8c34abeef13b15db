//! What a run measures as it goes: money in pence ([`money`]), providers'
//! accounts ([`accounts`]), the tallies of the measured weeks
//! ([`metrics`]) and transfers between levels of care ([`transfers`]).
//! Nothing here reads the simulation's state: the week's steps hand the
//! measures plain figures, and the run's output is assembled from both in
//! `output`.

pub mod accounts;
pub mod metrics;
pub mod money;
pub mod transfers;
