//! Calibration: choosing the model's unknown parameters so that it
//! reproduces what the NHS observed, with the uncertainty that remains.
//!
//! A spec ([`spec`]) names a base scenario, free parameters with priors and
//! observed targets with their uncertainty. The scheme ([`abc`]) is
//! approximate Bayesian computation by adaptive population Monte Carlo; the
//! runner ([`runner`]) simulates each generation's points in parallel on
//! the sweep machinery, streams them to disk, resumes after an interruption
//! and writes the posterior and a calibrated scenario. Nothing here knows
//! about the command line.

pub mod abc;
pub mod runner;
pub mod spec;
pub mod targets;
