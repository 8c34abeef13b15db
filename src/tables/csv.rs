//! CSV (RFC 4180): a header row, then one line per row; a field is quoted
//! when it holds a comma, a quote or a line break (quotes doubled), and a
//! seed is always quoted, so that readers keep it as text if asked to. (The
//! `csv` crate decides quoting by content alone, so it cannot quote one
//! column; ccsim reads CSV with it and writes these few lines itself.)

use std::io::Write;

use anyhow::Result;

use super::{Cell, Kind, Rows};

fn field(out: &mut Vec<u8>, s: &str, force_quotes: bool) {
    if force_quotes || s.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// The text of a real number: the shortest that reads back to the same
/// double (Rust's `{:?}`, with an exponent for very large or small values).
fn real(x: f64) -> String {
    format!("{x:?}")
}

/// Writes `rows` as CSV.
pub fn write(rows: &dyn Rows, out: &mut (dyn Write + Send)) -> Result<()> {
    let columns = rows.columns();
    let mut line = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        field(&mut line, &c.name, false);
    }
    line.push(b'\n');
    out.write_all(&line)?;
    rows.each(&mut |cells| {
        line.clear();
        for (i, (cell, column)) in cells.iter().zip(columns).enumerate() {
            if i > 0 {
                line.push(b',');
            }
            let seed = column.kind == Kind::Seed;
            match cell {
                Cell::Null => {}
                Cell::Int(n) => field(&mut line, &n.to_string(), seed),
                Cell::Float(x) => field(&mut line, &real(*x), seed),
                Cell::Text(s) => field(&mut line, s, seed),
                Cell::Bool(b) => field(&mut line, if *b { "true" } else { "false" }, false),
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Column, Held};
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says_and_read_back_by_the_csv_crate() {
        let table = Held {
            columns: vec![
                Column::new("name", Kind::Text),
                Column::new("seed", Kind::Seed),
                Column::new("x", Kind::Float),
                Column::new("n", Kind::Int),
                Column::new("ok", Kind::Bool),
            ],
            rows: vec![
                vec![
                    Cell::Text("Hospital \"A\", north".into()),
                    Cell::Int(9_007_199_254_740_991),
                    Cell::Float(0.1),
                    Cell::Int(-3),
                    Cell::Bool(true),
                ],
                vec![Cell::Text("line\nbreak".into()), Cell::Int(7), Cell::Null, Cell::Null, Cell::Bool(false)],
            ],
        };
        let mut bytes = Vec::new();
        write(&table, &mut bytes).expect("write");
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.starts_with("name,seed,x,n,ok\n\"Hospital \"\"A\"\", north\",\"9007199254740991\",0.1,-3,true\n"));
        let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
        let records: Vec<Vec<String>> =
            reader.records().map(|r| r.expect("a record").iter().map(str::to_owned).collect()).collect();
        assert_eq!(records[0], ["Hospital \"A\", north", "9007199254740991", "0.1", "-3", "true"]);
        assert_eq!(records[1], ["line\nbreak", "7", "", "", "false"]);
    }

    #[test]
    fn reals_read_back_to_the_same_double() {
        for x in [0.1, 1.0 / 3.0, 1e-300, 6.02e23, 34_677_980.15, -0.0] {
            assert_eq!(real(x).parse::<f64>().expect("parses").to_bits(), x.to_bits(), "{x}");
        }
    }
}
