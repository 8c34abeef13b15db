//! Tidy tables, reruns and user points through the real binary: every value
//! of an exported table read back (with the `csv` and `parquet` crates) and
//! checked against the JSON it came from, seeds that survive a double, runs
//! that reproduce to the byte from their sweep directory alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::ccsim;

fn write_spec(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(v).expect("json")).expect("write spec");
    path
}

fn small() -> Value {
    json!({
        "scenario": "builtin:duopoly",
        "arms": ["competition", "collaboration"],
        "parameters": {"regime.pooling": {"values": [0.0, 0.5, 1.0]}},
        "replicates": 3,
        "seed": 11,
        "years": 1
    })
}

fn ok(cmd: &mut assert_cmd::Command) -> Vec<u8> {
    let o = cmd.output().expect("runs");
    assert!(o.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

fn sweep(spec: &Path, out: &Path, extra: &[&str]) {
    ok(ccsim().arg("sweep").arg(spec).arg("--out").arg(out).arg("--quiet").args(extra));
}

fn export(path: &Path, table: &str, out: &Path) {
    ok(ccsim().arg("export").arg(path).args(["--table", table]).arg("--out").arg(out));
}

/// A CSV file as its header and its records.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("a CSV file");
    let header = r.headers().expect("a header").iter().map(str::to_owned).collect();
    let records = r.records().map(|rec| rec.expect("a record").iter().map(str::to_owned).collect()).collect();
    (header, records)
}

fn json_file(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("JSON")
}

/// Whether a CSV cell holds exactly a JSON value (empty for null).
fn same(cell: &str, v: &Value) -> bool {
    match v {
        Value::Null => cell.is_empty(),
        Value::Bool(b) => cell == b.to_string(),
        Value::Number(n) => cell.parse::<f64>().is_ok_and(|x| Some(x) == n.as_f64()),
        Value::String(s) => cell == s,
        _ => false,
    }
}

fn leaves(v: &Value) -> BTreeMap<String, Value> {
    ccsim::tables::leaves(v).into_iter().map(|(k, v)| (k, v.clone())).collect()
}

#[test]
fn a_sweep_summary_exports_every_value_of_summary_json_in_long_form() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("sweep");
    sweep(&write_spec(t.path(), "s.json", &small()), &dir, &[]);
    let out = t.path().join("summary.csv");
    export(&dir, "summary", &out);
    let (header, records) = read_csv(&out);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    assert_eq!(
        header,
        [
            "point",
            "replicates",
            "parameter.regime.pooling",
            "target",
            "kind",
            "metric",
            "n",
            "mean",
            "sd",
            "lower",
            "upper"
        ]
    );
    let summary = json_file(&dir.join("summary.json"));
    let mut expected_rows = 0;
    for p in summary["points"].as_array().expect("points") {
        for group in ["arms", "differences"] {
            for m in p[group].as_object().expect("targets").values() {
                expected_rows += m["metrics"].as_object().expect("metrics").len();
            }
        }
    }
    assert_eq!(records.len(), expected_rows, "one row per point, target and metric");
    for r in &records {
        let point: usize = r[col("point")].parse().expect("point");
        let p = &summary["points"][point];
        assert!(same(&r[col("parameter.regime.pooling")], &p["parameters"]["regime.pooling"]));
        let group = if r[col("kind")] == "arm" { "arms" } else { "differences" };
        let stat = &p[group][&r[col("target")]]["metrics"][&r[col("metric")]];
        assert!(stat.is_object(), "row {r:?} names a statistic summary.json has");
        for (column, v) in [("n", &stat["n"]), ("mean", &stat["mean"]), ("sd", &stat["sd"])] {
            assert!(same(&r[col(column)], v), "{column} of {r:?} is {v}");
        }
        assert!(same(&r[col("lower")], &stat["ci95"][0]) && same(&r[col("upper")], &stat["ci95"][1]), "{r:?}");
    }
    assert!(
        records.iter().any(|r| r[col("target")] == "collaboration - competition" && r[col("kind")] == "difference")
    );
}

#[test]
fn a_sweep_runs_table_has_a_row_per_run_and_seeds_that_survive_a_double() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("sweep");
    sweep(&write_spec(t.path(), "s.json", &small()), &dir, &["--export", "csv"]);
    let (header, records) = read_csv(&dir.join("runs.csv"));
    assert_eq!(header[..6], ["run", "point", "replicate", "arm", "seed", "parameter.regime.pooling"]);
    let text = std::fs::read_to_string(dir.join("runs.jsonl")).expect("runs");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("a line")).collect();
    assert_eq!(records.len(), lines.len());
    assert!(std::fs::read_to_string(dir.join("runs.csv")).expect("csv").lines().nth(1).expect("a row").contains(",\""));
    for (r, line) in records.iter().zip(&lines) {
        let seed: u64 = r[4].parse().expect("a seed");
        assert_eq!(seed, line["seed"].as_u64().expect("seed"));
        assert_eq!(seed as f64 as u64, seed, "seed {seed} is exact as a double");
        assert!(
            same(&r[0], &line["run"])
                && same(&r[3], &line["arm"])
                && same(&r[5], &line["parameters"]["regime.pooling"])
        );
        let metrics = leaves(&line["summary"]);
        for (name, cell) in header[6..].iter().zip(&r[6..]) {
            assert!(same(cell, &metrics[name]), "run {}: {name} is {cell}, runs.jsonl has {}", r[0], metrics[name]);
        }
        assert_eq!(header.len() - 6, metrics.len(), "a column per metric");
    }
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_tables_hold_the_values_of_the_csv_ones() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path().join("sweep");
    sweep(&write_spec(t.path(), "s.json", &small()), &dir, &["--export", "parquet"]);
    for table in ["runs", "summary"] {
        let csv_path = t.path().join(format!("{table}.csv"));
        export(&dir, table, &csv_path);
        let (header, records) = read_csv(&csv_path);
        let file = std::fs::File::open(dir.join(format!("{table}.parquet"))).expect("parquet file");
        let reader = SerializedFileReader::new(file).expect("a Parquet file");
        let rows: Vec<Vec<(String, Field)>> = reader
            .get_row_iter(None)
            .expect("rows")
            .map(|r| r.expect("row").get_column_iter().map(|(n, f)| (n.clone(), f.clone())).collect())
            .collect();
        assert_eq!(rows.len(), records.len(), "{table}: as many rows");
        for (row, record) in rows.iter().zip(&records) {
            for ((name, field), (h, cell)) in row.iter().zip(header.iter().zip(record)) {
                assert_eq!(name, h);
                let agrees = match field {
                    Field::Null => cell.is_empty(),
                    Field::Long(n) => cell.parse::<i64>() == Ok(*n),
                    Field::Double(x) => cell.parse::<f64>() == Ok(*x),
                    Field::Bool(b) => *cell == b.to_string(),
                    Field::Str(s) => cell == s,
                    other => panic!("{table}.{name}: unexpected {other:?}"),
                };
                assert!(agrees, "{table}.{name}: Parquet {field:?}, CSV {cell}");
            }
        }
    }
    // The seed is an integer column in Parquet, text in CSV.
    let file = std::fs::File::open(dir.join("runs.parquet")).expect("parquet file");
    let reader = SerializedFileReader::new(file).expect("a Parquet file");
    let seed = reader.metadata().file_metadata().schema_descr().column(4);
    assert_eq!((seed.name(), seed.physical_type()), ("seed", parquet::basic::Type::INT64));
}

#[test]
fn a_run_of_a_sweep_reruns_to_the_byte_from_the_directory_alone() {
    let t = tempfile::tempdir().expect("tempdir");
    let scenario = t.path().join("duopoly.json");
    std::fs::copy("configs/duopoly.json", &scenario).expect("copy the scenario");
    let mut v = small();
    v["scenario"] = json!("duopoly.json");
    v["timeseries"] = json!(["waiting", "quality"]);
    let dir = t.path().join("sweep");
    sweep(&write_spec(t.path(), "s.json", &v), &dir, &[]);
    // The scenario file changes after the sweep: the manifest holds the one that ran.
    std::fs::write(&scenario, "{}").expect("overwrite");
    let text = std::fs::read_to_string(dir.join("runs.jsonl")).expect("runs");
    let line: Value = serde_json::from_str(text.lines().nth(7).expect("run 7")).expect("line");
    let out = t.path().join("r7.json");
    ok(ccsim().arg("rerun").arg(&dir).args(["7", "--timeseries", "--out"]).arg(&out));
    let rerun = json_file(&out);
    assert_eq!(rerun["summary"], line["summary"]);
    assert_eq!(rerun["seed"], line["seed"]);
    // A preset with a swept knob is named with a star (`collaboration*`).
    assert!(rerun["regime"]["name"].as_str().expect("name").starts_with(line["arm"].as_str().expect("arm")));
    // The sweep's long-form series are the rerun's own.
    let (header, records) = read_csv(&dir.join("timeseries.csv"));
    assert_eq!(header, ["run", "point", "replicate", "arm", "seed", "week", "provider", "series", "value"]);
    let mine: Vec<&Vec<String>> = records.iter().filter(|r| r[0] == "7").collect();
    let weeks = rerun["timeseries"]["week"].as_array().expect("weeks").len();
    let providers = rerun["timeseries"]["providers"].as_array().expect("providers");
    assert_eq!(
        mine.len(),
        weeks * (1 + 2 * providers.len()),
        "system waiting, then each provider's waiting and quality"
    );
    for r in mine {
        let week: usize = r[5].parse().expect("week");
        let v = match r[6].as_str() {
            "" => &rerun["timeseries"][&r[7]][week],
            id => &providers.iter().find(|p| p["id"] == id).expect("a provider")[&r[7]][week],
        };
        assert!(same(&r[8], v), "{r:?} against {v}");
    }
    // A run the sweep does not have is an error naming the range.
    let o = ccsim().arg("rerun").arg(&dir).arg("18").output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("runs 0 to 17"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_points_design_runs_exactly_what_the_same_grid_runs() {
    let t = tempfile::tempdir().expect("tempdir");
    let grid = t.path().join("grid");
    sweep(&write_spec(t.path(), "grid.json", &small()), &grid, &[]);
    std::fs::write(t.path().join("points.csv"), "regime.pooling\n0.0\n0.5\n1.0\n").expect("points");
    let mut v = small();
    v.as_object_mut().expect("object").remove("parameters");
    v["design"] = json!("points");
    v["points"] = json!("points.csv");
    let points = t.path().join("points");
    sweep(&write_spec(t.path(), "points.json", &v), &points, &[]);
    let runs = |d: &Path| std::fs::read(d.join("runs.jsonl")).expect("runs");
    assert!(runs(&grid) == runs(&points), "the same points, seeds and runs");
    let manifest = json_file(&points.join("manifest.json"));
    assert_eq!(
        manifest["spec"]["points"],
        json!([{"regime.pooling": 0.0}, {"regime.pooling": 0.5}, {"regime.pooling": 1.0}])
    );
}

#[test]
fn a_run_exports_its_summary_providers_and_series() {
    let t = tempfile::tempdir().expect("tempdir");
    let run = t.path().join("run.json");
    ok(ccsim().args(["run", "builtin:duopoly", "--years", "1", "--timeseries", "--out"]).arg(&run));
    let result = json_file(&run);
    let out = t.path().join("summary.csv");
    export(&run, "summary", &out);
    let (header, records) = read_csv(&out);
    assert_eq!(records.len(), 1);
    assert_eq!(header[..4], ["scenario", "scenario_hash", "regime", "seed"]);
    let metrics = leaves(&result["summary"]);
    for (name, cell) in header[6..].iter().zip(&records[0][6..]) {
        assert!(same(cell, &metrics[name]), "{name}");
    }
    export(&run, "providers", &out);
    let (header, records) = read_csv(&out);
    assert_eq!(header[..5], ["id", "name", "kind", "trust", "open"]);
    assert_eq!(records.len(), result["providers"].as_array().expect("providers").len());
    let cash = header.iter().position(|h| h == "cash").expect("cash");
    assert!(same(&records[1][cash], &result["providers"][1]["cash"]));
    export(&run, "timeseries", &out);
    let (_, records) = read_csv(&out);
    let ts = &result["timeseries"];
    let weeks = ts["week"].as_array().expect("weeks").len();
    let system = ts.as_object().expect("series").keys().filter(|k| *k != "week" && *k != "providers").count();
    let per_provider = ts["providers"][0].as_object().expect("series").len() - 1;
    assert_eq!(records.len(), weeks * (system + 2 * per_provider));
}

#[test]
fn exports_refuse_what_they_cannot_read_and_write_nothing() {
    let t = tempfile::tempdir().expect("tempdir");
    let not_a_run = t.path().join("x.json");
    std::fs::write(&not_a_run, r#"{"seed": 1}"#).expect("write");
    let out = t.path().join("out.csv");
    let o = ccsim().arg("export").arg(&not_a_run).arg("--out").arg(&out).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("x.json") && err.contains("not a ccsim run result"), "{err}");
    assert!(!out.exists(), "nothing written");
    let dir = t.path().join("sweep");
    sweep(&write_spec(t.path(), "s.json", &small()), &dir, &[]);
    let o =
        ccsim().arg("export").arg(&dir).args(["--table", "providers"]).arg("--out").arg(&out).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no providers table"));
    let o =
        ccsim().arg("export").arg(&dir).args(["--table", "timeseries"]).arg("--out").arg(&out).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("recorded no weekly series"));
    assert!(!out.exists(), "nothing written");
}
