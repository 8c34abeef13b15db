//! The binary as a user meets it: defaults, outputs and bad input.

use std::path::Path;

use ccsim::model::RunOutput;
use serde_json::{Value, json};

use crate::common::ccsim;

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(v).expect("serialises")).expect("writes");
    path.to_string_lossy().into_owned()
}

fn duopoly() -> Value {
    serde_json::from_str(&std::fs::read_to_string("configs/duopoly.json").expect("duopoly")).expect("json")
}

#[test]
fn run_without_a_config_uses_the_builtin_default() {
    let out = ccsim().args(["run", "--years", "1"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: RunOutput = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(r.scenario.name, "cheshire-merseyside");
    assert_eq!(r.regime.name, "aligned", "the reference year's payment system");
    assert_eq!(r.time.horizon_weeks, 52);
    assert!(r.providers.len() >= 10);
    assert!(r.timeseries.is_none());
    for group in ["access", "waiting", "outcomes", "finance", "workforce", "bookkeeping"] {
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert!(v["summary"][group].is_object(), "summary.{group} missing");
    }
}

#[test]
fn run_writes_a_file_with_timeseries_and_the_chosen_regime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("result.json");
    ccsim()
        .args(["run", "configs/duopoly.json", "--regime", "collaboration", "--years", "1", "--timeseries", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let r: RunOutput = serde_json::from_slice(&std::fs::read(&out).expect("file written")).expect("JSON");
    assert_eq!(r.regime.name, "collaboration");
    assert_eq!(r.regime.pooling, 1.0);
    let ts = r.timeseries.expect("timeseries asked for");
    assert_eq!(ts.week.len() as u32, r.time.warmup_weeks + r.time.horizon_weeks);
    assert_eq!(ts.providers.len(), 2);
    assert_eq!(ts.providers[0].cash.len(), ts.week.len());
}

#[test]
fn check_describes_a_valid_scenario() {
    let out = ccsim().args(["check", "configs/west-mercia.json"]).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("scenario west-mercia: valid"), "{text}");
    assert!(text.contains("maternity"), "{text}");
    assert!(text.contains("residents"), "{text}");
    assert!(text.contains("localities: 170 in 9 districts"), "{text}");
    assert!(text.contains("providers:  8 (2 with 5 hospital sites)"), "{text}");
}

/// Each bad scenario must fail with exit status 2, name the file and the
/// field path, say what was expected, and leave no output file behind.
#[test]
fn bad_scenarios_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cases: Vec<(&str, Value, &str, &str)> = Vec::new();

    let mut v = duopoly();
    v["providers"][0]["colour"] = json!("blue");
    cases.push(("unknown-field.json", v, "providers[0].colour", "unknown field `colour`"));

    let mut v = duopoly();
    v["localities"][1]["population"] = json!("many");
    cases.push(("wrong-type.json", v, "localities[1].population", "invalid type: string"));

    let mut v = duopoly();
    v["localities"][0]["population"] = json!(-100);
    cases.push(("negative.json", v, "localities[0].population", "expected a number in [0, 1e9], found -100"));

    let mut v = duopoly();
    v["providers"][1]["services"]["cardiology"] = json!({"capacity": 10});
    cases.push((
        "undefined-service.json",
        v,
        "providers[1].services.cardiology",
        "expected one of the defined services",
    ));

    let mut v = duopoly();
    v["network"] = json!({"hubs": {"elective_surgery": "nowhere"}});
    cases.push(("missing-hub.json", v, "network.hubs.elective_surgery", "`nowhere`, which does not exist"));

    let mut v = duopoly();
    v["regime"] = json!({"pooling": 2});
    cases.push(("bad-knob.json", v, "regime.pooling", "expected a number in [0, 1], found 2"));

    let mut v = duopoly();
    v["workforce"] = json!({"labour": {"markets": {"nursing": {"base_turnover": -0.1}}}});
    cases.push((
        "negative-rate.json",
        v,
        "workforce.labour.markets.nursing.base_turnover",
        "expected a number in [0, 1], found -0.1",
    ));

    let mut v = duopoly();
    v["workforce"] = json!({"labour": {"markets": {"midwifery": {"training": {"places": "lots"}}}}});
    cases.push((
        "inflow-not-a-number.json",
        v,
        "workforce.labour.markets.midwifery.training.places",
        "invalid type: string \"lots\"",
    ));

    let mut v = duopoly();
    v["failure"] = json!({"window_weeks": 0});
    cases.push(("zero-window.json", v, "failure.window_weeks", "expected a window of at least 1 week"));

    let mut v = duopoly();
    v["timeline"] = json!([{"week": 10, "set": "regime.polling", "value": 1}]);
    cases.push(("bad-timeline.json", v, "timeline[0].set", "expected a defined regime knob"));

    let mut v = duopoly();
    v["timeline"] = json!([{"week": 10, "set": "close.c", "value": true}]);
    cases.push(("closing-nothing.json", v, "timeline[0].set", "expected a defined provider id, found `c`"));

    for (name, scenario, path, expected) in cases {
        let file = write(dir.path(), name, &scenario);
        let out_file = dir.path().join(format!("{name}.out"));
        let out = ccsim().args(["run", &file, "--out"]).arg(&out_file).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&file), "{name}: file not named: {stderr}");
        assert!(stderr.contains(&format!("`{path}`")), "{name}: path not named: {stderr}");
        assert!(stderr.contains(expected), "{name}: expectation not stated: {stderr}");
        assert!(!out_file.exists(), "{name}: wrote output despite the error");
        assert!(out.stdout.is_empty(), "{name}: wrote to stdout");
        let check = ccsim().args(["check", &file]).output().expect("runs");
        assert_eq!(check.status.code(), Some(2), "{name}: check accepted it");
    }
}

#[test]
fn malformed_json_and_missing_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("truncated.json");
    std::fs::write(&file, b"{\"name\": \"x\", \"localities\": [").expect("writes");
    let out = ccsim().arg("run").arg(&file).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("truncated.json") && stderr.contains("EOF"), "{stderr}");

    let out = ccsim().args(["run", "no/such/file.json"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("no/such/file.json: cannot read"), "{stderr}");
}

#[test]
fn bad_flags_are_clear_errors() {
    let out = ccsim().args(["run", "configs/duopoly.json", "--regime", "anarchy"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("competition, collaboration, integrated"), "{stderr}");
    let out = ccsim().args(["run", "configs/duopoly.json", "--years", "-1"]).output().expect("runs");
    assert!(!out.status.success());
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // `ccsim run | head -c 10`: the reader goes away before the output ends.
    let script = format!(
        "{} run configs/duopoly.json --years 1 --timeseries | head -c 10 > /dev/null; echo ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_ccsim")
    );
    let out = std::process::Command::new("bash").arg("-c").arg(script).output().expect("bash runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0", "ccsim's exit status");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn set_adds_timed_changes_from_the_command_line() {
    let out = ccsim()
        .args(["run", "configs/duopoly.json", "--years", "2", "--set", "regime=collaboration@80"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: RunOutput = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(r.regime.name, "competition");
    assert_eq!(r.regime_at_end.name, "collaboration");
    assert!(r.events.iter().any(|e| e.week == 80 && e.kind == "timeline"), "{:?}", r.events);

    let out = ccsim().args(["run", "configs/duopoly.json", "--set", "regime.pooling=2@10"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("--set regime.pooling=2@10: expected a number in [0, 1], found 2"), "{stderr}");
    let out = ccsim().args(["run", "configs/duopoly.json", "--set", "regime.pooling=0.5"]).output().expect("runs");
    assert!(String::from_utf8_lossy(&out.stderr).contains("PATH=VALUE@WEEK"));
}
