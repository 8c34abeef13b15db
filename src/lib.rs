//! ccsim: an agent-based simulator of health-care providers that compete
//! under a tariff with patient choice, collaborate in a network with pooled
//! budgets and shared staff, or anything in between.
//!
//! The [`model`] turns a scenario and a seed into a result; [`load`] reads
//! scenarios from files or the built-in set; [`output`] writes results
//! without ever leaving a partial file.
#![warn(missing_docs)]

pub mod calibrate;
pub mod explain;
pub mod import;
pub mod input;
pub mod load;
pub mod model;
pub mod outdir;
pub mod output;
pub mod report;
pub mod sweep;
pub mod tables;
pub mod text;
pub mod validate;
