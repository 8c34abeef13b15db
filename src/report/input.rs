//! Reading what a report shows: a run's JSON, or a sweep directory (its
//! summary, or its runs alone while it is still being written).

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::measures::KEY_METRICS;
use crate::model::RunOutput;
use crate::sweep::runner::{Manifest, read_manifest};
use crate::sweep::sensitivity::{SensitivityReport, analyse, metric_names};
use crate::sweep::spec::SweepSpec;
use crate::sweep::summary::{RUNS, SUMMARY, SweepSummary, summarise_partial};

/// Why a report could not be made.
#[derive(Debug, Error)]
#[error("{}: {message}", path.display())]
pub struct ReportError {
    /// The file or directory.
    pub path: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

fn fail(path: &Path, message: impl Into<String>) -> ReportError {
    ReportError { path: path.to_owned(), message: message.into() }
}

/// A sweep directory's contents.
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// The directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Its summary (computed from the runs when the sweep has not finished).
    pub summary: SweepSummary,
    /// Set when the summary is from an unfinished sweep: what is missing.
    pub partial: Option<String>,
}

/// What a report shows.
#[derive(Debug, Clone)]
pub enum Report {
    /// One run.
    Run(Box<RunOutput>),
    /// A sweep.
    Sweep(Box<SweepReport>),
    /// A `ccsim explain` result.
    Explain(Box<crate::explain::Explanation>),
    /// A `ccsim calibrate` directory.
    Calibration(Box<super::calibration::CalibrationReport>),
    /// A `ccsim search` result.
    Search(Box<crate::sweep::search::SearchResult>),
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, ReportError> {
    let text = crate::input::read_text(path, crate::input::MAX_JSON_BYTES).map_err(|e| fail(path, e))?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let at = e.path().to_string();
        fail(path, format!("not a readable {what}: at `{at}`: {}", e.into_inner()))
    })
}

impl SweepReport {
    /// The sensitivity analysis of a finished sweep of a `morris` or `sobol`
    /// design, for the selected metrics (the report's key measures that the
    /// summary holds when none are given).
    pub fn sensitivity(&self, metrics: &[String]) -> Result<SensitivityReport, String> {
        if let Some(note) = &self.partial {
            return Err(format!("the sweep has not finished ({note}); finish it with `ccsim sweep --resume`"));
        }
        let spec: SweepSpec = serde_json::from_value(self.manifest.spec.clone())
            .map_err(|e| format!("the spec in manifest.json is unreadable: {e}"))?;
        let chosen: Vec<String> = if metrics.is_empty() {
            let names = metric_names(&self.summary);
            KEY_METRICS.iter().map(|m| m.path.to_owned()).filter(|m| names.contains(m)).collect()
        } else {
            metrics.to_vec()
        };
        analyse(&spec, &self.summary, &chosen)
    }
}

/// The sensitivity analysis of a finished sweep directory (see [`SweepReport::sensitivity`]).
pub fn sensitivity(dir: &Path, metrics: &[String]) -> Result<SensitivityReport, ReportError> {
    let Report::Sweep(s) = load(dir)? else {
        return Err(fail(dir, "expected a sweep directory, found a run result"));
    };
    s.sensitivity(metrics).map_err(|e| fail(dir, e))
}

/// A finished sweep directory (its summary written).
pub fn finished_sweep(dir: &Path) -> Result<SweepReport, ReportError> {
    let Report::Sweep(s) = load(dir)? else {
        return Err(fail(dir, "expected a sweep directory, found a run result"));
    };
    if let Some(note) = &s.partial {
        return Err(fail(dir, format!("the sweep has not finished ({note}); finish it with `ccsim sweep --resume`")));
    }
    Ok(*s)
}

/// Reads a run JSON file or a sweep directory.
pub fn load(path: &Path) -> Result<Report, ReportError> {
    if !path.is_dir() {
        let text = crate::input::read_text(path, crate::input::MAX_JSON_BYTES).map_err(|e| fail(path, e))?;
        let value = serde_json::from_str::<serde_json::Value>(&text).ok();
        let explanation = value.as_ref().is_some_and(|v| v.get("players").is_some() && v.get("measures").is_some());
        let search = value.as_ref().is_some_and(|v| v.get("front").is_some() && v.get("evaluated").is_some());
        return if search {
            parse::<crate::sweep::search::SearchResult>(path, "ccsim search result")
                .map(|s| Report::Search(Box::new(s)))
        } else if explanation {
            parse::<crate::explain::Explanation>(path, "ccsim explain result").map(|e| Report::Explain(Box::new(e)))
        } else {
            parse::<RunOutput>(path, "ccsim run result").map(|r| Report::Run(Box::new(r)))
        };
    }
    if path.join(crate::calibrate::runner::SIMULATIONS).exists()
        || path.join(crate::calibrate::runner::POSTERIOR).exists()
    {
        return super::calibration::CalibrationReport::read(path)
            .map(|c| Report::Calibration(Box::new(c)))
            .map_err(|e| fail(path, e));
    }
    let manifest = read_manifest(path).map_err(|e| fail(path, format!("not a sweep directory: {e}")))?;
    let summary_path = path.join(SUMMARY);
    let (summary, partial) = if summary_path.exists() {
        (parse::<SweepSummary>(&summary_path, "sweep summary")?, None)
    } else {
        let runs = path.join(RUNS);
        if !runs.exists() {
            return Err(fail(path, format!("no {SUMMARY} and no {RUNS}: the sweep has not run any run yet")));
        }
        let (summary, missing) = summarise_partial(&runs, &manifest.layout).map_err(|e| fail(&runs, e.to_string()))?;
        if summary.runs == 0 {
            return Err(fail(&runs, "holds no complete run yet"));
        }
        let missing = match manifest.adaptive {
            Some(_) => "under adaptive replication, how many remain is not known in advance".to_owned(),
            None => format!("{missing} of {} missing", manifest.total_runs),
        };
        let note = format!(
            "partial: {SUMMARY} is not written yet (the sweep is running, stopped, or is a shard); these figures come from \
             the {} complete runs in {RUNS} ({missing})",
            summary.runs
        );
        (summary, Some(note))
    };
    Ok(Report::Sweep(Box::new(SweepReport { dir: path.to_owned(), manifest, summary, partial })))
}
