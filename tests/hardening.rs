//! Every failure found by adversarial testing, as a regression test named
//! after it: each input now gives a clear error naming the field (exit 2,
//! nothing written) or the right answer. The inputs are in
//! `tests/data/repro/` (see its README).

use std::path::Path;

use serde_json::{Value, json};

use crate::common::ccsim;

const REPRO: &str = "tests/data/repro";

/// Runs `ccsim ARGS`; asserts exit 2 with every `needles` in the message
/// and `out` not created; returns the message.
fn refused(args: &[&str], out: &Path, needles: &[&str]) -> String {
    let o = ccsim().args(args).output().expect("runs");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: expected a refusal, got {:?}: {err}", o.status);
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: `{n}` missing from: {err}");
    }
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
    err
}

#[test]
fn extreme_values_that_panicked_or_gave_wrong_answers_are_refused_with_their_field() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("out.json");
    let o = out.to_str().expect("utf-8");
    for (file, field) in [
        ("poisson_min.json", "localities[0].population"),
        ("binomial_min.json", "providers[0].staff.allied.establishment"),
        ("staff_min.json", "services.elective_surgery.staff_hours.allied"),
        ("fmax_min.json", "providers[0].staff.allied.in_post"),
        ("patients_min.json", "services.emergency_medicine.referral_rate.older"),
        ("money_min.json", "services.elective_surgery.tariff"),
        ("tariff_1e17.json", "services.elective_surgery.tariff"),
        ("horizon_wrap.json", "time.horizon_weeks"),
        ("struct_as_array.json", "localities[0].age_mix"),
    ] {
        let path = format!("{REPRO}/{file}");
        refused(&["run", &path, "--out", o], &out, &[&path, &format!("`{field}`")]);
        refused(&["check", &path], &out, &[&format!("`{field}`")]);
    }
}

#[test]
fn a_huge_value_is_shown_compactly_with_its_range() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("out.json");
    let err = refused(
        &["run", &format!("{REPRO}/poisson_min.json"), "--out", out.to_str().expect("utf-8")],
        &out,
        &["expected a number in [0, 1e9], found 1e308"],
    );
    assert!(err.len() < 400, "{err}");
}

#[test]
fn timed_changes_outside_the_run_are_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("out.json");
    let o = out.to_str().expect("utf-8");
    // One year measured after one year's warm-up: weeks 0 to 103.
    refused(
        &[
            "run",
            "configs/duopoly.json",
            "--years",
            "1",
            "--set",
            "services.elective_surgery.tariff=2000@104",
            "--out",
            o,
        ],
        &out,
        &["timeline[0].week", "never happen"],
    );
    let ok = ccsim()
        .args(["run", "configs/duopoly.json", "--years", "1", "--set", "services.elective_surgery.tariff=2000@103"])
        .args(["--out", o])
        .output()
        .expect("runs");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
}

fn duopoly() -> Value {
    serde_json::from_str(&std::fs::read_to_string("configs/duopoly.json").expect("shipped")).expect("json")
}

#[test]
fn blank_names_and_ids_are_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("out.json");
    for (pointer, field) in
        [("/name", "`name`"), ("/providers/0/name", "providers[0].name"), ("/localities/1/id", "localities[1].id")]
    {
        let mut v = duopoly();
        *v.pointer_mut(pointer).expect("field") = json!("   ");
        let path = t.path().join("blank.json");
        std::fs::write(&path, v.to_string()).expect("write");
        refused(&["check", path.to_str().expect("utf-8")], &out, &[field]);
    }
}

#[test]
fn a_closure_of_a_provider_that_already_merged_does_nothing() {
    // Provider `a` is closed by the timeline in week 2 and again in week 5:
    // it merges once.
    let mut v = duopoly();
    v["timeline"] = json!([
        {"week": 2, "set": "close.a", "value": true},
        {"week": 5, "set": "close.a", "value": true}
    ]);
    let t = tempfile::tempdir().expect("tempdir");
    let path = t.path().join("twice.json");
    std::fs::write(&path, v.to_string()).expect("write");
    let o = ccsim().args(["run", path.to_str().expect("utf-8"), "--years", "1"]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    let events = r["events"].as_array().expect("events");
    let moves = events.iter().filter(|e| e["kind"] == "service_move" && e["provider"] == "a").count();
    let services = v["providers"][0]["services"].as_object().expect("services").len();
    assert_eq!(moves, services, "each of a's services moves once: {events:#?}");
    assert!(
        events.iter().any(|e| e["week"] == 5 && e["detail"].as_str().is_some_and(|d| d.contains("already closed"))),
        "the second order is reported as having nothing to do: {events:#?}"
    );
    assert_eq!(r["summary"]["bookkeeping"]["money"]["balanced"], true);
}

/// `scenario build` of West Mercia from the test extracts, with `centroids`
/// and any extra flags, writing `out`.
fn build_args(centroids: &str, extra: &[&str], out: &Path) -> Vec<String> {
    let data = "tests/data/ons-nhs";
    let mut args: Vec<String> = [
        "scenario",
        "build",
        "--geography",
        "district",
        "--region",
        "west-mercia",
        "--sites",
        &format!("{data}/nhs_hospital_sites_2020.csv"),
        "--beds",
        &format!("{data}/england_trust_ga_critical_beds_2022_2025.csv"),
        "--population",
        &format!("{data}/lad_population_single_year_age_mye.csv"),
        "--centroids",
        centroids,
        "--out",
        out.to_str().expect("utf-8"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn a_duplicate_row_in_a_csv_is_an_error_naming_both_lines() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("built.json");
    let args = build_args(&format!("{REPRO}/centroids_duplicate_district.csv"), &[], &out);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&args, &out, &["centroids_duplicate_district.csv", "appears twice", "on line"]);
}

#[test]
fn an_unknown_trust_in_main_sites_is_an_error() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("built.json");
    let main = t.path().join("main_sites.csv");
    std::fs::write(&main, "trust,site\nQQQ,QQQ01\n").expect("write");
    let args =
        build_args("tests/data/ons-nhs/lad_centroids_2020.csv", &["--main-sites", main.to_str().expect("utf-8")], &out);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&args, &out, &["main_sites.csv", "line 2", "no trust `QQQ`"]);
}

#[test]
fn sweep_specs_that_panicked_aborted_or_selected_nothing_are_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    for (file, needles) in [
        ("sweep_pop_panic.json", &["localities[0].population", "1e308"][..]),
        ("sweep_metrics_typo.json", &["metrics[0]", "selects no metric", "waiting.overall"][..]),
        ("sweep_samples_huge.json", &["`samples`", "at most 1000000"][..]),
        ("sweep_id_then_path.json", &["point 1", "providers[1].id", "expected a unique id"][..]),
    ] {
        let out = t.path().join(file);
        let spec = format!("{REPRO}/{file}");
        refused(&["sweep", &spec, "--out", out.to_str().expect("utf-8"), "--quiet"], &out, needles);
    }
}

#[test]
fn inputs_must_be_regular_files() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("out");
    refused(&["run", "/dev/zero"], &out, &["/dev/zero", "not a regular file"]);
    refused(&["sweep", "/dev/zero", "--out", out.to_str().expect("utf-8")], &out, &["not a regular file"]);
    refused(&["report", "/dev/zero", "--out", out.to_str().expect("utf-8")], &out, &["not a regular file"]);
}

#[test]
fn a_run_to_dev_null_or_a_fifo_leaves_it_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let o = ccsim().args(["run", "configs/duopoly.json", "--years", "1", "--out", "/dev/null"]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::metadata("/dev/null").expect("exists").file_type().is_char_device());

    let t = tempfile::tempdir().expect("tempdir");
    let fifo = t.path().join("results.pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).expect("read the pipe"))
    };
    let o = ccsim().args(["run", "configs/duopoly.json", "--years", "1", "--out"]).arg(&fifo).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let through: Value = serde_json::from_slice(&reader.join().expect("reader")).expect("a whole result came through");
    assert!(through["summary"].is_object());
    assert!(std::fs::symlink_metadata(&fifo).expect("there").file_type().is_fifo());
}

#[test]
fn a_report_of_a_run_with_a_short_series_is_drawn() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("report.html");
    let o = ccsim()
        .args(["report", &format!("{REPRO}/report_short_series_run.json"), "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(&out).expect("written").contains("<svg"));
}

#[test]
fn markdown_reports_escape_names() {
    let mut v = duopoly();
    v["name"] = json!("<script>alert(1)</script>");
    let t = tempfile::tempdir().expect("tempdir");
    let scenario = t.path().join("evil.json");
    std::fs::write(&scenario, v.to_string()).expect("write");
    let run = t.path().join("run.json");
    let o = ccsim().arg("run").arg(&scenario).args(["--years", "1", "--out"]).arg(&run).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = ccsim().arg("report").arg(&run).args(["--format", "md"]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = String::from_utf8(o.stdout).expect("utf-8");
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
}

#[test]
fn builtin_names_work_where_a_scenario_path_does() {
    let o = ccsim().args(["check", "builtin:duopoly"]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = ccsim().args(["run", "builtin:duopoly", "--years", "1"]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = ccsim().args(["check", "builtin:nowhere"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("built-in scenarios: cheshire-merseyside"));
}
