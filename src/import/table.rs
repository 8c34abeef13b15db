//! CSV tables with errors that name the file, the line and the column.
//!
//! Fields are read as text (RFC 4180 quoting: quoted fields may hold commas)
//! and parsed on demand, so a bad value is reported where it stands.

use std::path::{Path, PathBuf};

use super::BuildError;

/// A whole CSV file, header and rows.
#[derive(Debug)]
pub struct Table {
    /// The file.
    pub path: PathBuf,
    headers: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    /// Line in the file (1 is the header).
    pub line: u64,
    record: &'a csv::StringRecord,
}

impl Table {
    /// Reads `path`, which must have every column in `required`.
    pub fn read(path: &Path, required: &[&str]) -> Result<Table, BuildError> {
        crate::input::check_file(path, crate::input::MAX_CSV_BYTES).map_err(|e| BuildError::file(path, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(path)
            .map_err(|e| BuildError::file(path, format!("cannot read: {e}")))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| BuildError::file(path, format!("cannot read the header: {e}")))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        let missing: Vec<&str> = required.iter().copied().filter(|c| !headers.iter().any(|h| h == c)).collect();
        if !missing.is_empty() {
            return Err(BuildError::file(
                path,
                format!(
                    "line 1: expected the column{} {}, found only: {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                    headers.join(", ")
                ),
            ));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                BuildError::file(path, format!("line {line}: {}", csv_message(&e)))
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            rows.push((line, record));
        }
        Ok(Table { path: path.to_owned(), headers, rows })
    }

    /// The rows, in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, record)| Row { table: self, line: *line, record })
    }

    fn column(&self, name: &str) -> usize {
        self.headers.iter().position(|h| h == name).expect("required columns are checked on reading")
    }
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("expected {expected_len} fields like the header, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
        _ => e.to_string(),
    }
}

impl<'a> Row<'a> {
    /// The trimmed text of a column.
    pub fn text(&self, column: &str) -> &'a str {
        self.record.get(self.table.column(column)).unwrap_or("").trim()
    }

    /// Records this row as the one for `key`; an error naming both lines
    /// when an earlier row had it (a duplicate would otherwise silently win).
    pub fn first_for(
        &self,
        seen: &mut std::collections::BTreeMap<String, u64>,
        column: &str,
        key: &str,
    ) -> Result<(), BuildError> {
        match seen.insert(key.to_owned(), self.line) {
            Some(first) => {
                seen.insert(key.to_owned(), first);
                Err(self.error(column, format!("`{key}` appears twice: on line {first} and here; keep one row")))
            }
            None => Ok(()),
        }
    }

    /// A month written `2021-03` (year, dash, month 01–12).
    pub fn year_month(&self, column: &str) -> Result<&'a str, BuildError> {
        let month = self.text(column);
        let valid = month.len() == 7
            && month.as_bytes()[4] == b'-'
            && month[..4].parse::<u16>().is_ok()
            && month[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m));
        if valid {
            Ok(month)
        } else {
            Err(self.error(column, format!("expected a month like `2021-03`, found `{month}`")))
        }
    }

    /// An error at this row's `column`.
    pub fn error(&self, column: &str, message: impl Into<String>) -> BuildError {
        BuildError::At {
            path: self.table.path.clone(),
            line: self.line,
            column: self.table.column(column) + 1,
            name: column.to_owned(),
            message: message.into(),
        }
    }

    /// A number, or `None` when the field is empty or `NA`. Scientific
    /// notation (`-8.19E-2`) is accepted.
    pub fn number(&self, column: &str) -> Result<Option<f64>, BuildError> {
        let text = self.text(column);
        if text.is_empty() || text.eq_ignore_ascii_case("na") {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.error(column, format!("expected a number, found `{text}`"))),
        }
    }

    /// A number that must be there and be at least 0.
    pub fn count(&self, column: &str) -> Result<f64, BuildError> {
        match self.number(column)? {
            Some(v) if v >= 0.0 => Ok(v),
            Some(v) => Err(self.error(column, format!("expected a number ≥ 0, found {v}"))),
            None => Err(self.error(column, "expected a number ≥ 0, found nothing")),
        }
    }
}
