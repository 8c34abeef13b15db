//! The tables of one run (the JSON `ccsim run` writes): its summary as one
//! row, its providers one row each, and its weekly series in long form.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

use crate::model::RunOutput;

use super::{Cell, Column, Discovered, Held, Kind, leaves};

/// Reads a run's JSON (as `ccsim run` writes it), checking that it is one.
pub fn read(path: &Path) -> Result<Value> {
    let text = crate::input::read_text(path, crate::input::MAX_JSON_BYTES).map_err(anyhow::Error::msg)?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    let run: RunOutput = serde_path_to_error::deserialize(de).map_err(|e| {
        let at = e.path().to_string();
        anyhow!("{}: not a ccsim run result: at `{at}`: {}", path.display(), e.into_inner())
    })?;
    serde_json::to_value(run).with_context(|| format!("{}: cannot read the run", path.display()))
}

/// A run's identity columns, then every summary metric by dotted path.
pub fn summary(run: &Value) -> Held {
    let text = |v: &Value| v.as_str().map_or(Cell::Null, |s| Cell::Text(s.to_owned()));
    let int = |v: &Value| v.as_i64().map_or(Cell::Null, Cell::Int);
    let mut columns = vec![
        Column::new("scenario", Kind::Text),
        Column::new("scenario_hash", Kind::Text),
        Column::new("regime", Kind::Text),
        Column::new("seed", Kind::Seed),
        Column::new("warmup_weeks", Kind::Int),
        Column::new("horizon_weeks", Kind::Int),
    ];
    let mut row = vec![
        text(&run["scenario"]["name"]),
        text(&run["scenario"]["hash"]),
        text(&run["regime"]["name"]),
        int(&run["seed"]),
        int(&run["time"]["warmup_weeks"]),
        int(&run["time"]["horizon_weeks"]),
    ];
    let mut found = Discovered::default();
    found.add(leaves(&run["summary"]));
    columns.extend(found.columns(""));
    row.extend(found.cells(&run["summary"]));
    Held { columns, rows: vec![row] }
}

/// Columns that lead the providers table, in this order, when present.
const PROVIDER_IDENTITY: [&str; 5] = ["id", "name", "kind", "trust", "open"];

/// One row per provider at the end of the run: identity first, then every
/// figure by dotted path (`staff.nursing.in_post`, `services.maternity.waiting`).
pub fn providers(run: &Value) -> Held {
    let providers: &[Value] = run["providers"].as_array().map_or(&[], Vec::as_slice);
    let mut found = Discovered::default();
    // Identity columns lead, in this order; every value still sets the kinds.
    for id in PROVIDER_IDENTITY {
        if let Some(v) = providers.iter().find_map(|p| p.get(id)) {
            found.add([(id.to_owned(), v)]);
        }
    }
    for p in providers {
        found.add(leaves(p));
    }
    let rows = providers.iter().map(|p| found.cells(p)).collect();
    Held { columns: found.columns(""), rows }
}

/// The columns of a weekly series in long form.
pub fn series_columns() -> [Column; 4] {
    [
        Column::new("week", Kind::Int),
        Column::new("provider", Kind::Text),
        Column::new("series", Kind::Text),
        Column::new("value", Kind::Float),
    ]
}

/// Calls `emit` with (week, provider, series, value) for every value of a
/// run's `timeseries` (system-wide series with no provider, then each
/// provider's), series in the order they appear, weeks in order.
pub fn each_series_value(ts: &Value, emit: &mut dyn FnMut([Cell; 4]) -> Result<()>) -> Result<()> {
    let weeks: Vec<Cell> =
        ts["week"].as_array().map_or(Vec::new(), |w| w.iter().map(|v| Cell::from_json(v, Kind::Int)).collect());
    let mut one = |provider: &Cell, name: &str, values: &Value| -> Result<()> {
        for (week, v) in weeks.iter().zip(values.as_array().map_or(&[][..], Vec::as_slice)) {
            emit([week.clone(), provider.clone(), Cell::Text(name.to_owned()), Cell::from_json(v, Kind::Float)])?;
        }
        Ok(())
    };
    let Some(map) = ts.as_object() else { return Ok(()) };
    for (name, values) in map.iter().filter(|(k, v)| *k != "week" && *k != "providers" && v.is_array()) {
        one(&Cell::Null, name, values)?;
    }
    for p in ts["providers"].as_array().map_or(&[][..], Vec::as_slice) {
        let id = p["id"].as_str().map_or(Cell::Null, |s| Cell::Text(s.to_owned()));
        for (name, values) in p.as_object().into_iter().flatten().filter(|(k, v)| *k != "id" && v.is_array()) {
            one(&id, name, values)?;
        }
    }
    Ok(())
}

/// A run's weekly series in long form (empty when it was run without them).
pub fn timeseries(run: &Value) -> Result<Held> {
    let mut rows = Vec::new();
    each_series_value(&run["timeseries"], &mut |cells| {
        rows.push(cells.to_vec());
        Ok(())
    })?;
    Ok(Held { columns: series_columns().to_vec(), rows })
}
