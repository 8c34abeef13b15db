//! The run's output, assembled at the end from the simulation's state and
//! its measures: how near residents live to each service ([`coverage`]),
//! units below their minimum safe volume ([`volume`]) or above their
//! staffing standard ([`staffing`]), and the whole result ([`run`]).

pub mod coverage;
pub mod run;
pub mod staffing;
pub mod volume;
