//! Apache Parquet through the `parquet` crate's column writer: one optional
//! column per table column (INT64, DOUBLE, BOOLEAN or UTF-8 text), rows in
//! groups of [`GROUP`], Snappy compression. The file's bytes depend only on
//! the rows (no clock, no host), like every other ccsim output.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::{Cell, Column, Kind, Rows};

/// Rows per row group.
const GROUP: usize = 8192;

fn schema(columns: &[Column]) -> Result<Type> {
    let fields = columns
        .iter()
        .map(|c| {
            let (physical, logical) = match c.kind {
                Kind::Int | Kind::Seed => (Physical::INT64, None),
                Kind::Float => (Physical::DOUBLE, None),
                Kind::Bool => (Physical::BOOLEAN, None),
                Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            };
            Type::primitive_type_builder(&c.name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
                .with_context(|| format!("column `{}`", c.name))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Type::group_type_builder("ccsim").with_fields(fields).build()?)
}

/// Writes one row group.
fn group<W: Write + Send>(writer: &mut SerializedFileWriter<W>, columns: &[Column], rows: &[Vec<Cell>]) -> Result<()> {
    let mut g = writer.next_row_group()?;
    let mut i = 0;
    while let Some(mut col) = g.next_column()? {
        let defs: Vec<i16> = rows.iter().map(|r| i16::from(r[i] != Cell::Null)).collect();
        let cells = rows.iter().map(|r| &r[i]);
        match columns[i].kind {
            Kind::Int | Kind::Seed => {
                let v: Vec<i64> = cells.filter_map(|c| if let Cell::Int(x) = c { Some(*x) } else { None }).collect();
                col.typed::<Int64Type>().write_batch(&v, Some(&defs), None)?;
            }
            Kind::Float => {
                let v: Vec<f64> = cells.filter_map(|c| if let Cell::Float(x) = c { Some(*x) } else { None }).collect();
                col.typed::<DoubleType>().write_batch(&v, Some(&defs), None)?;
            }
            Kind::Bool => {
                let v: Vec<bool> = cells.filter_map(|c| if let Cell::Bool(x) = c { Some(*x) } else { None }).collect();
                col.typed::<BoolType>().write_batch(&v, Some(&defs), None)?;
            }
            Kind::Text => {
                let v: Vec<ByteArray> = cells
                    .filter_map(|c| if let Cell::Text(s) = c { Some(ByteArray::from(s.as_str())) } else { None })
                    .collect();
                col.typed::<ByteArrayType>().write_batch(&v, Some(&defs), None)?;
            }
        }
        col.close()?;
        i += 1;
    }
    g.close()?;
    Ok(())
}

/// Writes `rows` as a Parquet file.
pub fn write(rows: &dyn Rows, out: &mut (dyn Write + Send)) -> Result<()> {
    let columns = rows.columns();
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("ccsim {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = SerializedFileWriter::new(out, Arc::new(schema(columns)?), Arc::new(props))?;
    let mut batch: Vec<Vec<Cell>> = Vec::new();
    rows.each(&mut |cells| {
        // Each cell must be of its column's kind (or null): the rows' promise.
        batch.push(cells.to_vec());
        if batch.len() == GROUP {
            group(&mut writer, columns, &batch)?;
            batch.clear();
        }
        Ok(())
    })?;
    if !batch.is_empty() {
        group(&mut writer, columns, &batch)?;
    }
    writer.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Held;
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    #[test]
    fn a_table_reads_back_with_its_types_and_nulls() {
        let table = Held {
            columns: vec![
                Column::new("arm", Kind::Text),
                Column::new("seed", Kind::Seed),
                Column::new("outcomes.overall.adverse_rate", Kind::Float),
                Column::new("open", Kind::Bool),
            ],
            rows: vec![
                vec![
                    Cell::Text("competition".into()),
                    Cell::Int(9_007_199_254_740_991),
                    Cell::Float(0.0125),
                    Cell::Bool(true),
                ],
                vec![Cell::Text("collaboration".into()), Cell::Int(3), Cell::Null, Cell::Null],
            ],
        };
        let mut bytes = Vec::new();
        write(&table, &mut bytes).expect("write");
        let mut again = Vec::new();
        write(&table, &mut again).expect("write again");
        assert_eq!(bytes, again, "the same rows give the same bytes");
        let mut file = tempfile::tempfile().expect("a temporary file");
        file.write_all(&bytes).expect("write the file");
        let reader = SerializedFileReader::new(file).expect("a Parquet file");
        let rows: Vec<Vec<(String, Field)>> = reader
            .get_row_iter(None)
            .expect("rows")
            .map(|r| r.expect("a row").get_column_iter().map(|(n, f)| (n.clone(), f.clone())).collect())
            .collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0], ("arm".into(), Field::Str("competition".into())));
        assert_eq!(rows[0][1], ("seed".into(), Field::Long(9_007_199_254_740_991)));
        assert_eq!(rows[0][2], ("outcomes.overall.adverse_rate".into(), Field::Double(0.0125)));
        assert_eq!(rows[0][3], ("open".into(), Field::Bool(true)));
        assert_eq!(rows[1][2].1, Field::Null);
    }
}
