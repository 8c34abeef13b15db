//! Same scenario and seed: byte-identical output. Another seed: different.

use ccsim::validate::reproducibility::{GOLDEN, golden_figures};

use crate::common::ccsim;

fn run_bytes(seed: &str) -> Vec<u8> {
    let out = ccsim()
        .args(["run", "configs/duopoly.json", "--years", "2", "--timeseries", "--seed", seed])
        .output()
        .expect("ccsim runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
fn the_same_seed_gives_byte_identical_output() {
    let a = run_bytes("17");
    assert_eq!(a, run_bytes("17"));
    assert_ne!(a, run_bytes("18"));
}

/// Pins the exact result of one seed, so that any change to the model's
/// numbers is seen and made on purpose (update these figures when it is).
#[test]
fn golden_summary_of_a_fixed_seed() {
    let out: ccsim::model::RunOutput = serde_json::from_slice(&run_bytes("2026")).expect("JSON result");
    assert_eq!(golden_figures(&out), GOLDEN);
}

#[test]
fn the_scenario_hash_identifies_the_scenario_as_run() {
    let parse = |args: &[&str]| -> ccsim::model::RunOutput {
        let out = ccsim().args(args).output().expect("ccsim runs");
        serde_json::from_slice(&out.stdout).expect("JSON result")
    };
    let a = parse(&["run", "configs/duopoly.json", "--years", "1"]);
    let b = parse(&["run", "configs/duopoly.json", "--years", "1", "--seed", "9"]);
    let c = parse(&["run", "configs/duopoly.json", "--years", "2"]);
    assert!(a.scenario.hash.starts_with("sha256:") && a.scenario.hash.len() == 71);
    assert_eq!(a.scenario.hash, b.scenario.hash, "the seed is not part of the scenario");
    assert_ne!(a.scenario.hash, c.scenario.hash, "the horizon is");
}
