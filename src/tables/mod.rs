//! Tidy tables of results, for pandas, polars, R and spreadsheets: one row
//! per observation, one column per variable, written as CSV or (with the
//! default `parquet` feature) Parquet.
//!
//! A table is a list of typed [`Column`]s and a source of rows
//! ([`Rows::each`]), so a sweep of a million runs streams through without
//! being held in memory. Integers stay integers (every one ccsim writes is
//! at most 2^53, exact as a double), absent values are empty cells (CSV) or
//! nulls (Parquet), and a seed is quoted in CSV, so that a reader told to
//! keep it as text can (a reader that makes it a double still gets it
//! exactly).

mod csv;
#[cfg(feature = "parquet")]
mod parquet;
pub mod run;

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde_json::Value;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Whole numbers (64-bit).
    Int,
    /// Real numbers.
    Float,
    /// Text.
    Text,
    /// true or false.
    Bool,
    /// A seed: an integer, written as text in CSV.
    Seed,
}

impl Kind {
    /// The kind of a column that holds values of both kinds.
    fn widen(self, other: Kind) -> Kind {
        match (self, other) {
            (a, b) if a == b => a,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            _ => Kind::Text,
        }
    }

    /// The kind of a JSON value (`None` for null, which fits any column).
    pub fn of(v: &Value) -> Option<Kind> {
        match v {
            Value::Null => None,
            Value::Bool(_) => Some(Kind::Bool),
            Value::Number(n) if n.is_i64() => Some(Kind::Int),
            Value::Number(_) => Some(Kind::Float),
            _ => Some(Kind::Text),
        }
    }
}

/// A named, typed column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its header.
    pub name: String,
    /// What it holds.
    pub kind: Kind,
}

impl Column {
    /// A column.
    pub fn new(name: impl Into<String>, kind: Kind) -> Column {
        Column { name: name.into(), kind }
    }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Absent.
    Null,
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// Text.
    Text(String),
    /// true or false.
    Bool(bool),
}

impl Cell {
    /// A JSON value as a cell of a column of `kind`.
    pub fn from_json(v: &Value, kind: Kind) -> Cell {
        match (v, kind) {
            (Value::Null, _) => Cell::Null,
            (Value::Bool(b), Kind::Bool) => Cell::Bool(*b),
            (Value::Number(n), Kind::Int | Kind::Seed) if n.is_i64() => Cell::Int(n.as_i64().unwrap_or_default()),
            (Value::Number(n), Kind::Float) => Cell::Float(n.as_f64().unwrap_or(f64::NAN)),
            (Value::String(s), _) => Cell::Text(s.clone()),
            (other, _) => Cell::Text(other.to_string()),
        }
    }
}

/// A table: its columns and its rows.
pub trait Rows {
    /// The columns, in order.
    fn columns(&self) -> &[Column];
    /// Calls `emit` with each row in order (one cell per column, of its kind).
    fn each(&self, emit: &mut dyn FnMut(&[Cell]) -> Result<()>) -> Result<()>;
}

/// A file format for tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values (RFC 4180), with a header row.
    Csv,
    /// Apache Parquet, Snappy-compressed.
    Parquet,
}

impl Format {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }

    /// Parses `csv` or `parquet`.
    pub fn parse(s: &str) -> Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            other => Err(format!("expected `csv` or `parquet`, found `{other}`")),
        }
    }
}

/// Writes `rows` in `format` to `out`.
pub fn write(rows: &dyn Rows, format: Format, out: &mut (dyn Write + Send)) -> Result<()> {
    match format {
        Format::Csv => csv::write(rows, out),
        #[cfg(feature = "parquet")]
        Format::Parquet => parquet::write(rows, out),
        #[cfg(not(feature = "parquet"))]
        Format::Parquet => {
            let _ = out;
            anyhow::bail!("this ccsim was built without Parquet support (the `parquet` feature): use --format csv")
        }
    }
}

/// The leaves of a JSON value by dotted path (array elements by index),
/// nulls included, in the value's key order.
pub fn leaves(v: &Value) -> Vec<(String, &Value)> {
    fn walk<'a>(v: &'a Value, path: &mut String, out: &mut Vec<(String, &'a Value)>) {
        let mut child = |key: &str, c: &'a Value, path: &mut String| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            walk(c, path, out);
            path.truncate(len);
        };
        match v {
            Value::Object(map) => map.iter().for_each(|(k, c)| child(k, c, path)),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, c)| child(&i.to_string(), c, path)),
            leaf => out.push((path.clone(), leaf)),
        }
    }
    let mut out = Vec::new();
    walk(v, &mut String::new(), &mut out);
    out
}

/// Columns found in many JSON records: each path's kind over all of them,
/// in the order paths were first seen (a column of nulls only is `Float`).
#[derive(Debug, Default)]
pub struct Discovered {
    order: Vec<String>,
    kinds: BTreeMap<String, Option<Kind>>,
}

impl Discovered {
    /// Adds one record's leaves.
    pub fn add<'a>(&mut self, leaves: impl IntoIterator<Item = (String, &'a Value)>) {
        for (path, v) in leaves {
            let kind = Kind::of(v);
            match self.kinds.get_mut(&path) {
                Some(k) => *k = widen(*k, kind),
                None => {
                    self.order.push(path.clone());
                    self.kinds.insert(path, kind);
                }
            }
        }
    }

    /// The columns, each named `prefix` + path.
    pub fn columns(&self, prefix: &str) -> Vec<Column> {
        self.order.iter().map(|p| Column::new(format!("{prefix}{p}"), self.kind(p))).collect()
    }

    /// The paths, in column order.
    pub fn paths(&self) -> &[String] {
        &self.order
    }

    /// A path's kind.
    pub fn kind(&self, path: &str) -> Kind {
        self.kinds.get(path).copied().flatten().unwrap_or(Kind::Float)
    }

    /// One record's cells, a cell per discovered path in column order (null
    /// where the record lacks the path).
    pub fn cells(&self, record: &Value) -> Vec<Cell> {
        let by_path: BTreeMap<String, &Value> = leaves(record).into_iter().collect();
        self.order.iter().map(|p| by_path.get(p).map_or(Cell::Null, |v| Cell::from_json(v, self.kind(p)))).collect()
    }
}

fn widen(a: Option<Kind>, b: Option<Kind>) -> Option<Kind> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.widen(b)),
        (a, b) => a.or(b),
    }
}

/// Rows held in memory (small tables: one run's summary or providers).
#[derive(Debug, Clone, Default)]
pub struct Held {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Rows for Held {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn each(&self, emit: &mut dyn FnMut(&[Cell]) -> Result<()>) -> Result<()> {
        self.rows.iter().try_for_each(|r| emit(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaves_are_dotted_paths_with_nulls_and_array_indices() {
        let v = json!({"a": {"b": 1, "c": null}, "d": [true, "x"]});
        let got: Vec<(String, Value)> = leaves(&v).into_iter().map(|(p, v)| (p, v.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("a.b".into(), json!(1)),
                ("a.c".into(), Value::Null),
                ("d.0".into(), json!(true)),
                ("d.1".into(), json!("x"))
            ]
        );
    }

    #[test]
    fn a_column_widens_to_hold_every_value() {
        let mut d = Discovered::default();
        let records = [json!({"n": 1, "x": 1, "s": null, "m": 1}), json!({"n": 2, "x": 0.5, "s": "a", "m": "b"})];
        for r in &records {
            d.add(leaves(r));
        }
        let kinds: Vec<(String, Kind)> = d.columns("").into_iter().map(|c| (c.name, c.kind)).collect();
        assert_eq!(
            kinds,
            // (json! keeps an object's keys sorted.)
            vec![
                ("m".into(), Kind::Text),
                ("n".into(), Kind::Int),
                ("s".into(), Kind::Text),
                ("x".into(), Kind::Float)
            ]
        );
        assert_eq!(Cell::from_json(&json!(1), Kind::Float), Cell::Float(1.0));
        assert_eq!(Cell::from_json(&json!(1), Kind::Text), Cell::Text("1".into()));
    }
}
