//! Every validation check as an integration test (quick settings), and
//! proof that the checks can fail: a model with a mechanism broken on
//! purpose fails the matching check.

use ccsim::validate::{self, CheckResult, Kind, Settings};

use crate::common::ccsim;

const QUICK: Settings = Settings { quick: true };

fn assert_all_pass(results: &[CheckResult]) {
    assert!(!results.is_empty());
    for r in results {
        assert!(r.pass, "{} failed: expected {}, simulated {} ({})", r.id, r.expected, r.simulated, r.tolerance);
    }
}

#[test]
fn queueing_checks_pass() {
    assert_all_pass(&validate::queueing::checks(QUICK));
}

#[test]
fn choice_checks_pass() {
    assert_all_pass(&validate::choice::checks(QUICK));
}

#[test]
fn quality_checks_pass() {
    assert_all_pass(&validate::quality::checks(QUICK));
}

#[test]
fn volume_checks_pass() {
    assert_all_pass(&validate::volume::checks(QUICK));
}

#[test]
fn conservation_checks_pass() {
    assert_all_pass(&validate::conservation::checks(QUICK));
}

#[test]
fn reproducibility_checks_pass() {
    assert_all_pass(&validate::reproducibility::checks(QUICK));
}

#[test]
fn the_model_goes_both_ways() {
    assert_all_pass(&validate::both_ways::checks(QUICK));
}

/// Evidence checks report the model's effect against the published one,
/// with an interval, whether or not they agree.
#[test]
fn evidence_checks_report_an_effect_with_an_interval() {
    let results = validate::evidence::checks(QUICK);
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["evidence.reform", "evidence.rivals.quality", "evidence.rivals.mortality", "evidence.merger"]);
    for r in &results {
        assert_eq!(r.kind, Kind::Evidence);
        assert!(r.simulated.contains('['), "{}: {}", r.id, r.simulated);
    }
}

/// Patients who ignore quality give providers no reason to compete on it:
/// the reform and the extra rival then do nothing, and the checks by size
/// must say the model differs from the studies.
#[test]
fn a_model_where_choice_ignores_quality_fails_the_competition_evidence() {
    let results = validate::evidence::checks_with(QUICK, &|v| v["choice"]["beta_quality"] = serde_json::json!(0.0));
    for id in ["evidence.reform", "evidence.rivals.quality", "evidence.rivals.mortality"] {
        let r = results.iter().find(|r| r.id == id).expect("checked");
        assert!(!r.pass, "{id} agreed with a model ignoring quality: {} vs {}", r.simulated, r.expected);
    }
}

/// A model where volume saves lives steeply makes a merger improve outcomes;
/// the equivalence check must then fail.
#[test]
fn a_model_where_mergers_save_lives_fails_the_merger_evidence() {
    let results = validate::evidence::checks_with(QUICK, &|v| {
        v["outcome"] = serde_json::json!({"volume": 1.0});
        v["services"]["elective_surgery"]["min_safe_volume"] = serde_json::json!(1_000_000);
    });
    let r = results.iter().find(|r| r.id == "evidence.merger").expect("checked");
    assert!(!r.pass, "a merger that saves lives passed as no change: {}", r.simulated);
}

#[test]
fn patients_who_ignore_quality_fail_the_choice_check() {
    let results = validate::choice::share_checks(0.0, QUICK);
    let far = results.iter().find(|r| r.id == "choice.share.far").expect("checked");
    assert!(!far.pass, "a model ignoring β_q passed: {} vs {}", far.simulated, far.expected);
}

#[test]
fn outcomes_without_a_volume_effect_fail_the_volume_check() {
    let results = validate::volume::checks_with(0.0, QUICK);
    let small = results.iter().find(|r| r.id == "volume.100").expect("checked");
    assert!(!small.pass, "a model ignoring volume passed: {} vs {}", small.simulated, small.expected);
}

#[test]
fn validate_command_prints_a_table_writes_json_and_exits_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("validation.json");
    let out = ccsim().args(["validate", "--quick", "--json"]).arg(&json).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("PASS    queueing.erlang_c"), "{stdout}");
    let results: Vec<CheckResult> = serde_json::from_slice(&std::fs::read(&json).expect("written")).expect("JSON");
    let gating = results.iter().filter(|r| r.kind != Kind::Evidence).count();
    assert!(stdout.contains(&format!("{gating} of {gating} checks passed")), "{stdout}");
}
