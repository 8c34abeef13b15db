//! Parameter sweeps: many seeded runs over parameters and regime arms, in
//! parallel, reproducible to the bit, resumable and shardable.
//!
//! A spec ([`spec`]) becomes a plan of points × replicates × arms. The
//! runner ([`runner`]) executes the runs with rayon, appending one JSON line
//! per finished run to `runs.jsonl`; when every run is there it sorts the
//! lines by run id and writes `summary.json` (per point and arm, and paired
//! differences between arms) from them. Shard directories are combined by
//! [`merge`]. Nothing here knows about the command line.

pub mod configurations;
pub mod design;
pub mod discover;
pub mod inputs;
pub mod merge;
pub mod paths;
pub mod plan;
pub mod posterior;
pub mod runner;
pub mod search;
pub mod sensitivity;
pub mod spec;
pub mod stats;
pub mod summary;
pub mod tables;

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a sweep could not be planned, run or merged.
#[derive(Debug, Error)]
pub enum SweepError {
    /// The spec is malformed or inconsistent.
    #[error("{file}: {message}")]
    Spec {
        /// The spec file.
        file: PathBuf,
        /// What is wrong, with the field path.
        message: String,
    },
    /// The output directory cannot be used as asked.
    #[error("{dir}: {message}")]
    Dir {
        /// The directory.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The output directory is held by another process, or unsafe to write.
    #[error(transparent)]
    Held(#[from] crate::outdir::DirError),
    /// Reading or writing failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
}

impl SweepError {
    pub(crate) fn spec(file: &Path, message: impl Into<String>) -> Self {
        SweepError::Spec { file: file.to_owned(), message: message.into() }
    }

    pub(crate) fn dir(dir: &Path, message: impl Into<String>) -> Self {
        SweepError::Dir { dir: dir.to_owned(), message: message.into() }
    }

    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |error| SweepError::Io { path: path.to_owned(), error }
    }
}
