//! Helpers shared by the integration tests: small scenarios built in code,
//! and the real binary.

use ccsim::model::{self, RunOutput, Scenario, Simulation};
use serde_json::{Value, json};

/// The `ccsim` binary built for this test run.
pub fn ccsim() -> assert_cmd::Command {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_ccsim"))
}

/// Providers that do not act: quality, efficiency, staffing targets, wage
/// premium and physical capacity stay as the scenario sets them, the
/// planner gives no grants and the regulator never steps in, so a test sees
/// one mechanism at a time.
pub fn frozen(mut v: Value) -> Value {
    v["behaviour"] = json!({"damping": 0.0, "capacity_growth": 0.0, "quality_share": 0.0});
    v["failure"] = json!({"window_weeks": 1_000_000});
    v
}

/// A scenario from JSON, validated.
pub fn scenario(v: Value) -> Scenario {
    let s: Scenario = serde_json::from_value(v).expect("test scenario parses");
    if let Err(problems) = s.validate() {
        panic!("test scenario is invalid: {problems:?}");
    }
    s
}

/// Runs a scenario through the library.
pub fn run(s: &Scenario, seed: u64) -> RunOutput {
    model::run(s, seed, false)
}

/// One elective service with the given weekly referrals from a population
/// of 52,000 adults (so `weekly` referrals a week on average, all routine).
pub fn elective_service(weekly: f64) -> Value {
    json!({
        "urgency": "elective",
        "referral_rate": {"adults": weekly},
        "complex_share": 0.0,
        "tariff": 1000.0,
        "variable_cost": 200.0,
        "baseline_risk": {"routine": 0.01, "complex": 0.05}
    })
}

/// A locality of 52,000 adults at (x, 0).
pub fn adults(id: &str, x: f64) -> Value {
    json!({
        "id": id,
        "position": {"x": x, "y": 0.0},
        "population": 52000.0,
        "age_mix": {"children": 0.0, "adults": 1.0, "older": 0.0}
    })
}

/// A provider at (x, 0) offering `service` at `capacity` a week, complex-capable.
pub fn provider(id: &str, x: f64, service: &str, capacity: f64) -> Value {
    json!({
        "id": id,
        "kind": "dgh",
        "position": {"x": x, "y": 0.0},
        "services": {service: {"capability": "complex", "capacity": capacity}}
    })
}

/// Runs a scenario to the end, checking after every week that no patient,
/// penny or member of staff was lost or created; returns the finished run.
pub fn run_conserving(s: &Scenario, seed: u64, label: &str) -> Simulation {
    ccsim::validate::conservation::run_checked(s, seed).unwrap_or_else(|e| panic!("{label}: {e}"))
}

/// Whether the long checks run (`CCSIM_LONG_TESTS=1`): full fuzzing and kill trials.
pub fn long_tests() -> bool {
    std::env::var_os("CCSIM_LONG_TESTS").is_some_and(|v| v != "0")
}
