//! One integration-test binary (one link step), a module per concern.

mod beds;
mod behaviour;
mod build;
mod calibrate;
mod calibration;
mod cli;
mod common;
mod configure;
mod conservation;
mod crash;
mod demography;
mod determinism;
mod discover;
mod explain;
mod export;
mod fuzz;
mod geography;
mod hardening;
mod money;
mod queueing;
mod regimes;
mod report;
mod sensitivity;
mod sweep;
mod transfers;
mod validate;
