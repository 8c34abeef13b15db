//! A sweep directory's tidy tables: its runs (one row per run, a column per
//! parameter and metric), its summary in long form (one row per point,
//! target and metric) and the weekly series its spec asked for (one row per
//! run, week, provider and series). Runs stream from `runs.jsonl` in two
//! passes (columns, then rows), so memory does not grow with the sweep.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::summary::{RUNS, SUMMARY, SweepSummary};
use crate::tables::run::{each_series_value, series_columns};
use crate::tables::{Cell, Column, Discovered, Kind, Rows, leaves};

/// The tables of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One row per run.
    Runs,
    /// One row per point, arm or difference, and metric.
    Summary,
    /// One row per run, week, provider and series.
    Timeseries,
}

impl Table {
    /// Its name, as in file names and `--table`.
    pub fn name(self) -> &'static str {
        match self {
            Table::Runs => "runs",
            Table::Summary => "summary",
            Table::Timeseries => "timeseries",
        }
    }
}

/// The columns that say which run a row is from.
fn run_columns() -> Vec<Column> {
    vec![
        Column::new("run", Kind::Int),
        Column::new("point", Kind::Int),
        Column::new("replicate", Kind::Int),
        Column::new("arm", Kind::Text),
        Column::new("seed", Kind::Seed),
    ]
}

fn run_cells(line: &Value) -> Vec<Cell> {
    let int = |k: &str| Cell::from_json(&line[k], Kind::Int);
    vec![int("run"), int("point"), int("replicate"), Cell::from_json(&line["arm"], Kind::Text), int("seed")]
}

/// Calls `f` with each run line of `path`, parsed, in file order.
fn each_line(path: &Path, f: &mut dyn FnMut(Value) -> Result<()>) -> Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        let v: Value = serde_json::from_str(&line)
            .with_context(|| format!("{}: line {} is not a run record", path.display(), i + 1))?;
        f(v)?;
    }
    Ok(())
}

/// `runs.jsonl` as one row per run.
pub struct RunsTable {
    path: PathBuf,
    columns: Vec<Column>,
    parameters: Discovered,
    metrics: Discovered,
}

impl RunsTable {
    /// Reads the columns of a sweep directory's (sorted) runs.
    pub fn open(dir: &Path) -> Result<RunsTable> {
        let path = dir.join(RUNS);
        let (mut parameters, mut metrics) = (Discovered::default(), Discovered::default());
        each_line(&path, &mut |line| {
            parameters.add(leaves(&line["parameters"]));
            metrics.add(leaves(&line["summary"]));
            Ok(())
        })?;
        let mut columns = run_columns();
        columns.extend(parameters.columns("parameter."));
        columns.extend(metrics.columns(""));
        Ok(RunsTable { path, columns, parameters, metrics })
    }
}

impl Rows for RunsTable {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn each(&self, emit: &mut dyn FnMut(&[Cell]) -> Result<()>) -> Result<()> {
        each_line(&self.path, &mut |line| {
            let mut row = run_cells(&line);
            row.extend(self.parameters.cells(&line["parameters"]));
            row.extend(self.metrics.cells(&line["summary"]));
            emit(&row)
        })
    }
}

/// `summary.json` in long form.
pub struct SummaryTable {
    summary: SweepSummary,
    columns: Vec<Column>,
    parameters: Discovered,
}

impl SummaryTable {
    /// Reads a sweep directory's summary.
    pub fn open(dir: &Path) -> Result<SummaryTable> {
        let path = dir.join(SUMMARY);
        if !path.exists() {
            bail!("{}: no {SUMMARY}: a shard has no summary; merge the shards with `ccsim merge` first", dir.display());
        }
        let text = crate::input::read_text(&path, crate::input::MAX_JSON_BYTES).map_err(anyhow::Error::msg)?;
        let summary: SweepSummary =
            serde_json::from_str(&text).with_context(|| format!("{} is not a sweep summary", path.display()))?;
        let mut parameters = Discovered::default();
        for p in &summary.points {
            let v = serde_json::to_value(&p.parameters)?;
            parameters.add(leaves(&v));
        }
        let mut columns = vec![Column::new("point", Kind::Int), Column::new("replicates", Kind::Int)];
        columns.extend(parameters.columns("parameter."));
        columns.extend([
            Column::new("target", Kind::Text),
            Column::new("kind", Kind::Text),
            Column::new("metric", Kind::Text),
            Column::new("n", Kind::Int),
            Column::new("mean", Kind::Float),
            Column::new("sd", Kind::Float),
            Column::new("lower", Kind::Float),
            Column::new("upper", Kind::Float),
        ]);
        Ok(SummaryTable { summary, columns, parameters })
    }
}

impl Rows for SummaryTable {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn each(&self, emit: &mut dyn FnMut(&[Cell]) -> Result<()>) -> Result<()> {
        for p in &self.summary.points {
            let mut lead = vec![Cell::Int(p.point as i64), Cell::Int(i64::from(p.replicates))];
            lead.extend(self.parameters.cells(&serde_json::to_value(&p.parameters)?));
            let targets = p
                .arms
                .iter()
                .map(|(t, a)| (t, "arm", a))
                .chain(p.differences.iter().map(|(t, a)| (t, "difference", a)))
                .chain(p.against_current.iter().map(|(t, a)| (t, "against_current", a)));
            for (target, kind, arm) in targets {
                for (metric, s) in &arm.metrics {
                    let real = |x: Option<f64>| x.map_or(Cell::Null, Cell::Float);
                    let mut row = lead.clone();
                    row.extend([
                        Cell::Text(target.clone()),
                        Cell::Text(kind.to_owned()),
                        Cell::Text(metric.clone()),
                        Cell::Int(s.n as i64),
                        Cell::Float(s.mean),
                        real(s.sd),
                        real(s.ci95.map(|c| c[0])),
                        real(s.ci95.map(|c| c[1])),
                    ]);
                    emit(&row)?;
                }
            }
        }
        Ok(())
    }
}

/// The weekly series the spec asked for, one row per run, week, provider and series.
pub struct TimeseriesTable {
    path: PathBuf,
    columns: Vec<Column>,
}

impl TimeseriesTable {
    /// A sweep directory's series (none when its spec asked for none).
    pub fn open(dir: &Path) -> Result<TimeseriesTable> {
        let mut columns = run_columns();
        columns.extend(series_columns());
        Ok(TimeseriesTable { path: dir.join(RUNS), columns })
    }
}

impl Rows for TimeseriesTable {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn each(&self, emit: &mut dyn FnMut(&[Cell]) -> Result<()>) -> Result<()> {
        each_line(&self.path, &mut |line| {
            let lead = run_cells(&line);
            each_series_value(&line["timeseries"], &mut |cells| {
                let mut row = lead.clone();
                row.extend(cells);
                emit(&row)
            })
        })
    }
}

/// A table of a sweep directory whose runs are sorted and summary written
/// (`super::runner::open_table` checks that first for a finished sweep).
pub fn open(dir: &Path, table: Table) -> Result<Box<dyn Rows>> {
    Ok(match table {
        Table::Runs => Box::new(RunsTable::open(dir)?),
        Table::Summary => Box::new(SummaryTable::open(dir)?),
        Table::Timeseries => Box::new(TimeseriesTable::open(dir)?),
    })
}
