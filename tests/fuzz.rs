//! Fuzzing the input formats: scenarios, sweep specs and calibration specs with extreme values
//! in every field (0, negative, 1e308, huge integers, empty arrays and
//! objects, blank strings, wrong types). Each mutated input must either run
//! a year with balanced books or be refused with an error that names the
//! mutated field (or the field it is checked against) — never a panic, an
//! abort, a hang or unbalanced books.
//!
//! Every field of every struct of the two formats is in the base documents
//! ([`every_field_of_both_formats_is_fuzzed`] reads the field lists from the
//! types themselves, so a new field fails that test until it is added here).
//! The default run takes every field × every extreme value once, then a
//! fixed, seeded number of random combinations of up to three mutations;
//! `CCSIM_LONG_TESTS=1` runs 100,000 combinations for each format.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use ccsim::calibrate::spec::{CalibrationSpec, TargetSpec};
use ccsim::load::{self, Source};
use ccsim::model::{self, Scenario};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::{Value, json};

use crate::common::long_tests;

/// Cases that ran a year, and cases refused, in this process.
static RAN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static REFUSED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn tally(ran: bool) {
    let counter = if ran { &RAN } else { &REFUSED };
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// The values put in place of a field.
fn extremes() -> Vec<Value> {
    vec![
        json!(0),
        json!(-1),
        json!(0.5),
        json!(-1e308),
        json!(1e308),
        json!(1e-308),
        // At or near the bounds: accepted, and run.
        json!(1e-9),
        json!(100),
        json!(52_000),
        json!(1e6),
        json!(1e7),
        json!(1e9),
        json!(4_294_967_296u64),
        serde_json::from_str("18446744073709551616").expect("a big integer"),
        json!(""),
        json!("   "),
        json!("x"),
        json!([]),
        json!({}),
        json!(null),
        json!(true),
    ]
}

/// A small economy with every field of the scenario format set.
fn full_scenario() -> Value {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string("configs/duopoly.json").expect("shipped")).expect("json");
    v["time"] = json!({"horizon_weeks": 52, "warmup_weeks": 26, "decision_interval": 13});
    v["geography"] = json!({"circuity": 1.3, "diversion_radius_km": 80.0, "travel_time": {
        "urban": {"fixed_minutes": 7.8, "per_km": 0.5, "per_sqrt_km": 2.8},
        "rural": {"fixed_minutes": 5.6, "per_km": 0.6, "per_sqrt_km": 3.2}}});
    v["localities"][0]["name"] = json!("West");
    // Listed road minutes to a site and to a provider listing none.
    v["localities"][0]["minutes"] = json!({"A1": 12.5, "b": 30.0});
    v["localities"][0]["district"] = json!("E06000001");
    v["localities"][0]["rate_ratio"] = json!({"emergency_medicine": 1.2});
    v["localities"][0]["elsewhere"] = json!({"emergency_medicine": 0.1});
    v["localities"][0]["spread_km"] = json!(2.5);
    v["services"]["emergency_medicine"] = json!({
        "name": "Emergency medicine", "urgency": "emergency", "patient_choice": false,
        "referral_rate": {"children": 20.0, "adults": 60.0, "older": 150.0}, "complex_share": 0.1,
        "staff_hours": {"medical": 3, "nursing": 10, "midwifery": 0, "allied": 1}, "variable_cost": 300,
        "tariff": 1590, "baseline_risk": {"routine": 0.01, "complex": 0.05}, "min_safe_volume": 500, "min_safe_volume_routine": 100, "min_complex_volume": 50,
        "length_of_stay_weeks": 1.0, "bed_days": 5.5, "episodes_per_wte": {"nursing": 120},
        "transfers": {"unplanned_share": 0.3, "risk_odds": 1.7, "routine_share": 0.2, "basic_share": 0.1},
        "travel_risk": {"odds_per_km": 1.02, "reference_km": 5.0}
    });
    v["services"]["elective_surgery"]["weeks_before_decision"] = json!(6.0);
    v["services"]["elective_surgery"]["growth"] = json!(0.01);
    v["services"]["elective_surgery"]["urgent_share"] = json!(0.4);
    v["services"]["community_care"] = json!({"tariff": 900, "referral_rate": {"older": 10.0}, "complex_share": 0.0});
    let a = &mut v["providers"][0];
    a["trust"] = json!("RAA");
    a["quality"] = json!(0.1);
    a["debt"] = json!(1000.0);
    a["beds"] = json!(400.0);
    a["occupancy"] = json!(0.95);
    a["sites"] = json!([
        {"id": "A1", "name": "General", "position": {"x": -10.0, "y": 0.0},
         "services": ["emergency_medicine", "elective_surgery"], "levels": {"emergency_medicine": "routine"}},
        {"id": "A2", "position": {"x": -14.0, "y": 3.0}, "services": ["elective_surgery", "emergency_medicine"]}
    ]);
    a["services"]["emergency_medicine"] =
        json!({"capability": "complex", "capacity": 300.0, "conveyance_minutes": -1.5});
    a["services"]["community_care"] = json!({"capability": "routine", "capacity": 30.0});
    a["services"]["elective_surgery"]["waiting_list"] =
        json!({"patients": 200, "within_18_weeks": 0.6, "over_52_weeks": 0.05});
    a["services"]["elective_surgery"]["weeks_before_decision"] = json!(9.0);
    a["staff"]["midwifery"] = json!({"in_post": 1.0, "establishment": 1.0});
    a["quality_cost_factor"] = json!(0.8);
    a["market_forces_factor"] = json!(1.05);
    a["staff"]["medical"]["age_profile"] = json!({"under_40": 0.4, "from_40_to_54": 0.4, "over_55": 0.2});
    v["providers"][1]["services"]["emergency_medicine"] = json!({"capability": "basic", "capacity": 300.0});
    v["providers"][1]["services"]["elective_surgery"]["specialty_share"] = json!(0.1);
    let market = json!({"training": {"places": 5.0, "places_per_staff": 0.08, "years": 3, "completion": 0.75},
                        "international": {"recruits": 2.0, "per_staff": 0.05, "cost": 10000.0}, "base_turnover": 0.1, "retirement": 0.12, "mobility": 0.4,
                        "age_profile": {"under_40": 0.45, "from_40_to_54": 0.35, "over_55": 0.2}});
    v["workforce"] = json!({
        "hours_per_wte": 30.0,
        "annual_cost": {"medical": 110000, "nursing": 45000, "midwifery": 47000, "allied": 44000},
        "labour": {
            "markets": {"medical": market, "nursing": market, "midwifery": market, "allied": market},
            "recruit_age": {"under_40": 0.7, "from_40_to_54": 0.2, "over_55": 0.1},
            "pool_attrition": 0.2,
            "burnout": {"threshold": 1.0, "weeks": 8, "extra_turnover": 0.1},
            "agency": {"premium": 0.5, "availability": 0.5, "quality_penalty": 0.1},
            "wage": {"max_premium": 0.1, "elasticity": 1.0, "vacancy_reference": 0.1},
            "stretch": 0.1,
            "sharing_cost_per_hour": 5.0
        }
    });
    v["commissioner"] =
        json!({"budget_per_capita": {"children": 100.0, "adults": 200.0, "older": 900.0}, "budget_margin": 0.01});
    v["regime"] = json!({"preset": "competition", "pooling": 0.5, "staff_sharing": 0.2, "routing": 0.5,
                         "integration": 0.3, "coordination_cost": 1000.0,
                         "payment": {"elective": {"above": 1.0, "below": 1.0}, "emergency": {"above": 0.3, "below": 1.0}}});
    v["choice"] = json!({"beta_minutes": 0.1, "beta_quality": 0.25, "beta_wait": 0.02, "radius_km": 40.0,
                         "beta_minutes_emergency": 1.0});
    v["network"] =
        json!({"hubs": {"elective_surgery": "a"}, "wait_threshold_weeks": 12.0, "mutual_aid_radius_km": 40.0});
    v["outcome"] = json!({"quality": 0.3, "volume": 0.25, "staffing": 1.0, "wait": 0.005});
    v["finance"] = json!({"transaction_cost": 25.0, "interest_rate": 0.035, "prices": {
        "cost_inflation": 0.02, "cost_uplift": 0.025, "efficiency_factor": 0.011, "productivity_growth": 0.01}});
    v["behaviour"] = json!({"altruism": 60.0, "quality_cost": 300.0, "max_quality": 2.0, "efficiency_cost": 3000.0,
        "max_efficiency": 0.2, "damping": 0.5, "freeze": false, "quality_share": 0.01, "reinvest_share": 0.2, "standardisation": 0.1,
        "standardisation_cost_weeks": 13.0, "standardisation_lag_weeks": 26.0,
        "capacity_slack": 0.1, "peak_cover": 0.9, "backlog_weeks": 26.0, "capacity_growth": 0.05, "elective_capacity_growth": 0.02, "capital_charge": 0.1, "elective_bed_limit": 0.95});
    v["failure"] = json!({"cash_threshold_weeks": 8.0, "window_weeks": 26, "action": "merge",
                          "recovery_plans": 2, "recovery_action": "quality", "recovery_cut": 0.1,
                          "closure_saving": 0.1, "merger_saving": 0.05});
    v["out_of_area"] = json!({"transfer_cost": 200.0, "distance_km": 90.0, "extra_wait_weeks": 1.0, "risk_odds": 1.2});
    v["integration"] = json!({"community_service": "community_care", "substitutable": ["emergency_medicine"],
        "max_substitution": 0.1, "ramp_weeks": 52, "transition_cost_per_capita": 5.0, "transition_weeks": 26,
        "fixed_cost_saving": 0.04});
    // Every locality's district aged from a profile of 1,000 a year of age.
    let districts: serde_json::Map<String, Value> = v["localities"]
        .as_array()
        .expect("localities")
        .iter()
        .map(|l| {
            let d = l.get("district").unwrap_or(&l["id"]).as_str().expect("code").to_owned();
            (d, json!(vec![1000.0; 91]))
        })
        .collect();
    v["demography"] = json!({"districts": districts, "life_expectancy_at_birth": 81.0,
        "life_expectancy_at_65": 19.85, "infant_mortality": 0.0039, "mortality_improvement": 0.011,
        "fertility_rate": 1.44, "mean_age_at_birth": 30.9, "net_migration": 0.005});
    v["timeline"] = json!([
        {"week": 30, "set": "services.elective_surgery.tariff", "value": 1700},
        {"week": 40, "set": "demand.emergency_medicine.west", "value": 1.2},
        {"week": 45, "set": "workforce.nursing.training_places", "value": 30},
        {"week": 50, "set": "workforce.medical.international_recruits", "value": 4},
        {"week": 55, "set": "regime.payment", "value": {"emergency": {"above": 0.2, "below": 0.2}}}
    ]);
    v
}

/// The full scenario with positions in latitude and longitude.
fn lat_lon_scenario() -> Value {
    let mut v = full_scenario();
    let place = |item: &mut Value| {
        let x = item["position"]["x"].as_f64().expect("x");
        item["position"] = json!({"lat": 52.5, "lon": -2.0 + x / 68.0});
    };
    for list in ["localities", "providers"] {
        for item in v[list].as_array_mut().expect("list") {
            place(item);
            for site in item.get_mut("sites").and_then(Value::as_array_mut).into_iter().flatten() {
                place(site);
            }
        }
    }
    v
}

/// A sweep spec with every field set (designs take different fields, so
/// two specs between them cover all).
fn full_specs() -> Vec<Value> {
    vec![
        json!({
            "scenario": "configs/duopoly.json",
            "arms": ["competition", {"name": "pooled", "preset": "collaboration", "pooling": 0.8,
                     "staff_sharing": 0.1, "routing": "network", "integration": 0.0, "coordination_cost": 100.0}],
            "parameters": {"regime.pooling": {"values": [0.0, 1.0]},
                           "choice.beta_quality": {"from": 0.1, "to": 0.3, "step": 0.1}},
            "design": "grid", "replicates": 2, "seed": 3, "years": 1,
            "metrics": ["waiting.overall", "outcomes.overall.adverse_rate"],
            "configurations": {"listed": [{"name": "a routine", "open": ["a:elective_surgery:routine"]}]}
        }),
        json!({
            "scenario": ["configs/duopoly.json"],
            "arms": ["competition"],
            "parameters": {"behaviour.altruism": {"min": 0, "max": 100}},
            "design": "morris", "trajectories": 2, "levels": 4, "candidates": 4, "replicates": 1, "common_seeds": true, "seed": 3, "years": 1
        }),
        json!({
            "scenario": "configs/duopoly.json",
            "parameters": {"behaviour.altruism": {"min": 0, "max": 100}},
            "design": "sobol", "samples": 2, "second_order": true, "replicates": 1, "years": 1
        }),
        json!({
            "scenario": "configs/duopoly.json",
            "parameters": {"behaviour.altruism": {"min": 0, "max": 100, "distribution": "triangular", "mode": 30, "group": "behaviour"},
                           "choice.beta_quality": {"distribution": "truncated_normal", "mean": 0.2, "sd": 0.05, "min": 0.05, "max": 0.5}},
            "design": "latin_hypercube", "samples": 2, "replicates": 1, "years": 1
        }),
        json!({
            "scenario": "configs/duopoly.json",
            "arms": ["competition", "collaboration"],
            "design": "points",
            "points": [{"regime.pooling": 0.0, "choice.beta_quality": 0.2}, {"regime.pooling": 1.0, "choice.beta_quality": 0.1}],
            "replicates": 1, "years": 1,
            "timeseries": ["waiting", "quality"]
        }),
        json!({
            "scenario": "configs/duopoly.json",
            "arms": ["competition", "collaboration"],
            "design": "posterior", "posterior": "tests/data/posterior.json", "samples": 3,
            "replicates": 1, "years": 1
        }),
    ]
}

/// Calibration specs that set every field between them.
fn full_calibrations() -> Vec<Value> {
    vec![
        json!({
            "scenario": "configs/duopoly.json",
            "regime": {"name": "tariff", "preset": "competition", "pooling": 0.1},
            "parameters": {"behaviour.altruism": {"min": 0, "max": 100},
                           "choice.beta_quality": {"distribution": "log_uniform", "min": 0.05, "max": 1}},
            "targets": [
                {"name": "treated", "metric": "summary.waiting.overall.elective_treated", "observed": 20000, "sd": 500,
                 "source": "synthetic", "period": "a year"},
                {"metric": ["providers.a.services.elective_surgery.treated", "providers.b.services.elective_surgery.treated"],
                 "observed": 20000, "interval": [19000, 21000], "source": "synthetic", "period": "a year"}
            ],
            "particles": 10, "alpha": 0.5, "min_acceptance": 0.05, "generations": 3, "replicates": 1, "seed": 2, "years": 1
        }),
        json!({
            "scenario": "configs/duopoly.json",
            "parameters": {"choice.beta_quality": {"distribution": "truncated_normal", "mean": 0.2, "sd": 0.05, "min": 0.05, "max": 0.5},
                           "behaviour.altruism": {"distribution": "triangular", "min": 0, "mode": 30, "max": 100}},
            "targets": [{"metric": "summary.access.overall.mean_minutes", "observed": 16.8, "sd": 0.3,
                         "source": "synthetic", "period": "a year"}]
        }),
        json!({
            "scenario": ["configs/duopoly.json", "builtin:west-mercia"],
            "parameters": {"choice.beta_minutes": {"distribution": "log_uniform", "min": 0.05, "max": 1}},
            "targets": [
                {"scenario": "duopoly", "metric": "catchments.a.west", "observed": 0.6, "sd": 0.05,
                 "source": "synthetic", "period": "a year"},
                {"scenario": "west-mercia", "metric": "summary.access.overall.mean_minutes", "observed": 20, "sd": 1,
                 "source": "synthetic", "period": "a year"}
            ],
            "particles": 4, "generations": 2, "years": 1
        }),
    ]
}

/// A deserializer that only records the field list a struct asks for.
struct Recorder(RefCell<Option<&'static [&'static str]>>);

impl<'de> Deserializer<'de> for &Recorder {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0.borrow_mut() = Some(fields);
        Err(de::Error::custom("recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// The fields of struct `T`, as serde reads them.
fn fields<T: for<'de> Deserialize<'de>>() -> Vec<&'static str> {
    let r = Recorder(RefCell::new(None));
    let _ = T::deserialize(&r);
    r.0.into_inner().expect("a struct").to_vec()
}

/// Every (JSON pointer, field path) in a document, parents before children.
fn places(v: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, pointer: &str, path: &str, out: &mut Vec<(String, String)>) {
        let children: Vec<(String, String, &Value)> = match v {
            Value::Object(m) => m
                .iter()
                .map(|(k, c)| {
                    let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    (format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")), p, c)
                })
                .collect(),
            // A long profile of numbers (residents by single year of age):
            // its first, middle and last elements stand for the rest.
            Value::Array(a) if a.len() > 4 && a.iter().all(Value::is_number) => [0, a.len() / 2, a.len() - 1]
                .into_iter()
                .map(|i| (format!("{pointer}/{i}"), format!("{path}[{i}]"), &a[i]))
                .collect(),
            Value::Array(a) => {
                a.iter().enumerate().map(|(i, c)| (format!("{pointer}/{i}"), format!("{path}[{i}]"), c)).collect()
            }
            _ => Vec::new(),
        };
        for (p, f, c) in children {
            out.push((p.clone(), f.clone()));
            walk(c, &p, &f, out);
        }
    }
    let mut out = Vec::new();
    walk(v, "", "", &mut out);
    out
}

#[test]
fn every_field_of_both_formats_is_fuzzed() {
    use ccsim::model::params::*;
    use ccsim::model::regime::RegimeKnobs;
    use ccsim::model::scenario::*;
    use ccsim::model::timeline::TimedChange;
    use ccsim::sweep::spec::{ParamSpec, SweepSpec};

    let bases = [full_scenario(), lat_lon_scenario()];
    let structs: Vec<(&str, Vec<&str>, &[&str])> = vec![
        ("Scenario", fields::<Scenario>(), &[""]),
        ("TimeSpec", fields::<TimeSpec>(), &["/time"]),
        ("Geography", fields::<Geography>(), &["/geography"]),
        ("TravelTimes", fields::<ccsim::model::travel::TravelTimes>(), &["/geography/travel_time"]),
        (
            "TravelTime",
            fields::<ccsim::model::travel::TravelTime>(),
            &["/geography/travel_time/urban", "/geography/travel_time/rural"],
        ),
        ("LocalitySpec", fields::<LocalitySpec>(), &["/localities/0"]),
        ("Position", fields::<Position>(), &["/localities/0/position", "/providers/0/position"]),
        ("SiteSpec", fields::<SiteSpec>(), &["/providers/0/sites/0"]),
        ("AgeMix", fields::<AgeMix>(), &["/localities/0/age_mix"]),
        ("ServiceSpec", fields::<ServiceSpec>(), &["/services/emergency_medicine", "/services/elective_surgery"]),
        ("AgeRates", fields::<AgeRates>(), &["/services/emergency_medicine/referral_rate"]),
        ("StaffGroups", fields::<StaffGroups<f64>>(), &["/services/emergency_medicine/staff_hours"]),
        ("Risk", fields::<Risk>(), &["/services/emergency_medicine/baseline_risk"]),
        ("ProviderSpec", fields::<ProviderSpec>(), &["/providers/0"]),
        (
            "ProviderServiceSpec",
            fields::<ProviderServiceSpec>(),
            &[
                "/providers/0/services/emergency_medicine",
                "/providers/0/services/elective_surgery",
                "/providers/1/services/elective_surgery",
            ],
        ),
        ("StartList", fields::<StartList>(), &["/providers/0/services/elective_surgery/waiting_list"]),
        ("StaffSpec", fields::<StaffSpec>(), &["/providers/0/staff/medical"]),
        ("AgeProfile", fields::<AgeProfile>(), &["/providers/0/staff/medical/age_profile"]),
        ("WorkforceSpec", fields::<WorkforceSpec>(), &["/workforce"]),
        ("LabourParams", fields::<LabourParams>(), &["/workforce/labour"]),
        ("LabourMarket", fields::<LabourMarket>(), &["/workforce/labour/markets/medical"]),
        ("Training", fields::<Training>(), &["/workforce/labour/markets/medical/training"]),
        ("International", fields::<International>(), &["/workforce/labour/markets/medical/international"]),
        ("Burnout", fields::<Burnout>(), &["/workforce/labour/burnout"]),
        ("Agency", fields::<Agency>(), &["/workforce/labour/agency"]),
        ("WageCompetition", fields::<WageCompetition>(), &["/workforce/labour/wage"]),
        ("CommissionerSpec", fields::<CommissionerSpec>(), &["/commissioner"]),
        ("RegimeKnobs", fields::<RegimeKnobs>(), &["/regime"]),
        ("ChoiceParams", fields::<ChoiceParams>(), &["/choice"]),
        ("NetworkParams", fields::<NetworkParams>(), &["/network"]),
        ("OutcomeParams", fields::<OutcomeParams>(), &["/outcome"]),
        ("FinanceParams", fields::<FinanceParams>(), &["/finance"]),
        ("BehaviourParams", fields::<BehaviourParams>(), &["/behaviour"]),
        ("FailureParams", fields::<FailureParams>(), &["/failure"]),
        ("IntegrationParams", fields::<IntegrationParams>(), &["/integration"]),
        ("OutOfAreaParams", fields::<OutOfAreaParams>(), &["/out_of_area"]),
        ("TimedChange", fields::<TimedChange>(), &["/timeline/0"]),
    ];
    let mut missing = Vec::new();
    for (name, fs, pointers) in &structs {
        for f in fs {
            let present = bases.iter().any(|b| {
                pointers.iter().any(|p| b.pointer(p).and_then(Value::as_object).is_some_and(|o| o.contains_key(*f)))
            });
            if !present {
                missing.push(format!("{name}.{f}"));
            }
        }
    }
    let specs = full_specs();
    let calibrations = full_calibrations();
    for (name, fs, pointer) in
        [("CalibrationSpec", fields::<CalibrationSpec>(), ""), ("TargetSpec", fields::<TargetSpec>(), "/targets/0")]
    {
        for f in fs {
            let present = calibrations.iter().any(|s| {
                s.pointer(pointer).and_then(Value::as_object).is_some_and(|o| o.contains_key(f))
                    || name == "TargetSpec"
                        && s["targets"].as_array().is_some_and(|ts| ts.iter().any(|t| t.get(f).is_some()))
            });
            if !present {
                missing.push(format!("{name}.{f}"));
            }
        }
    }
    for (name, fs, pointer) in [
        ("SweepSpec", fields::<SweepSpec>(), ""),
        ("ParamSpec", fields::<ParamSpec>(), "/parameters/choice.beta_quality"),
    ] {
        for f in fs {
            let present = specs.iter().any(|s| {
                s.pointer(pointer).and_then(Value::as_object).is_some_and(|o| o.contains_key(f))
                    || s["parameters"].as_object().is_some_and(|ps| ps.values().any(|p| p.get(f).is_some()))
                        && name == "ParamSpec"
            });
            if !present {
                missing.push(format!("{name}.{f}"));
            }
        }
    }
    assert!(missing.is_empty(), "fields the fuzz bases do not set (add them to tests/fuzz.rs): {missing:?}");
    // The bases themselves are valid and run.
    for b in &bases {
        load::from_str(&b.to_string(), Source::File("base.json".into())).expect("the fuzz base is valid");
    }
}

/// Field paths named in an error message (`at \`PATH\``).
fn named_paths(message: &str) -> Vec<String> {
    message.split("at `").skip(1).filter_map(|rest| rest.split('`').next()).map(str::to_owned).collect()
}

/// Whether an error at `named` answers a mutation at `mutated`: the same
/// field, a field inside it or a field containing it, or a field it is
/// checked against (services and the providers offering them, a
/// provider's sites and its services, localities and the scale of demand, the run's length and the timeline, hubs,
/// localities' districts and their residents by age).
fn answers(named: &str, mutated: &str) -> bool {
    let within = |a: &str, b: &str| {
        a == b || a.starts_with(&format!("{b}.")) || a.starts_with(&format!("{b}[")) || b.is_empty() || b == "."
    };
    if within(named, mutated) || within(mutated, named) {
        return true;
    }
    // One provider's sites (their services and levels) and its services.
    let provider_part = |p: &str| {
        let rest = p.strip_prefix("providers[")?;
        let (i, rest) = rest.split_once(']')?;
        let part = rest.trim_start_matches('.').split(['.', '[']).next()?;
        matches!(part, "sites" | "services").then(|| i.to_owned())
    };
    if let (Some(a), Some(b)) = (provider_part(named), provider_part(mutated))
        && a == b
        && (named.contains(".sites[") || mutated.contains(".sites["))
    {
        return true;
    }
    let top = |p: &str| p.split(['.', '[']).next().unwrap_or("").to_owned();
    let (n, m) = (top(named), top(mutated));
    let related = [
        ("services", "providers"),
        ("providers", "services"),
        ("providers", "network"),
        ("services", "network"),
        ("services", "integration"),
        ("services", "timeline"),
        ("providers", "timeline"),
        ("localities", "timeline"),
        ("time", "timeline"),
        ("services", "localities"),
        ("timeline", "localities"),
        ("localities", "providers"),
        ("providers", "localities"),
        ("localities", "demography"),
        ("demography", "localities"),
    ];
    related.contains(&(m.as_str(), n.as_str()))
}

/// Loads a mutated scenario; on success runs at most a year after at most a
/// year's warm-up. Panics (failing the test) on a panic, a hang, unbalanced
/// books, or an error that names none of the mutated fields.
fn check_scenario(text: &str, mutated: &[String]) {
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| match load::from_str(text, Source::File("fuzz.json".into())) {
        Err(e) => Err(e.to_string()),
        Ok(mut s) => {
            let _ = ccsim::text::describe(&s);
            s.time.horizon_weeks = s.time.horizon_weeks.min(52);
            s.time.warmup_weeks = s.time.warmup_weeks.min(52);
            let r = model::run(&s, 1, false);
            Ok(r.summary.unbalanced())
        }
    }));
    match outcome {
        Err(_) => panic!("panicked on mutations {mutated:?}"),
        Ok(Ok(Some(off))) => panic!("books do not balance ({off}) after mutations {mutated:?}"),
        Ok(Ok(None)) => tally(true),
        Ok(Err(message)) => {
            tally(false);
            let named = named_paths(&message);
            assert!(
                named.iter().any(|n| mutated.iter().any(|m| answers(n, field(m)))),
                "the error names none of the mutated fields {mutated:?}: {message}"
            );
        }
    }
    assert!(start.elapsed() < Duration::from_secs(20), "took {:?} on mutations {mutated:?}", start.elapsed());
}

/// The base with the picked places set to the picked values; the mutated
/// field paths, each with ` = VALUE` after it for messages.
fn mutate(base: &Value, places: &[(String, String)], picks: &[(usize, usize)]) -> (String, Vec<String>) {
    let values = extremes();
    let mut v = base.clone();
    let mut mutated = Vec::new();
    for &(p, x) in picks {
        let (pointer, path) = &places[p % places.len()];
        if let Some(slot) = v.pointer_mut(pointer) {
            *slot = values[x % values.len()].clone();
            mutated.push(format!("{path} = {}", values[x % values.len()]));
        }
    }
    (v.to_string(), mutated)
}

/// The field path of a mutation (without its value).
fn field(mutation: &str) -> &str {
    mutation.split(" = ").next().unwrap_or(mutation)
}

/// Random combinations of up to three mutations, from a fixed seed.
fn combinations(base: &Value, cases: u32, seed: u8, check: &dyn Fn(&str, &[String])) {
    let places = places(base);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]));
    let strategy = prop::collection::vec((0..places.len(), 0..extremes().len()), 1..=3);
    runner
        .run(&strategy, |picks| {
            let (text, mutated) = mutate(base, &places, &picks);
            check(&text, &mutated);
            Ok(())
        })
        .expect("every combination is run or refused by field");
}

fn combination_cases() -> u32 {
    if long_tests() { 100_000 } else { 20_000 }
}

#[test]
fn every_scenario_field_with_every_extreme_value_is_run_or_refused_by_field() {
    let cases = every_single_mutation(&[full_scenario(), lat_lon_scenario()], &check_scenario);
    eprintln!("{cases} single mutations of the scenario; so far in this process {RAN:?} ran, {REFUSED:?} refused");
    assert!(cases > 10_000, "the bases cover too few fields: {cases} cases");
}

#[test]
fn random_combinations_of_scenario_mutations_are_run_or_refused_by_field() {
    combinations(&full_scenario(), combination_cases(), 7, &check_scenario);
    eprintln!("{} scenario combinations; so far in this process {RAN:?} ran, {REFUSED:?} refused", combination_cases());
}

/// Plans a mutated spec (from a file beside the project's configs, so its
/// scenario paths resolve); on success runs its first run for a week.
fn check_spec(text: &str, mutated: &[String]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spec.json");
    // Relative scenario paths resolve against the working directory first.
    std::fs::write(&path, text).expect("write spec");
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| match ccsim::sweep::plan::load(Path::new(&path)) {
        Err(e) => Err(e.to_string()),
        Ok(plan) => {
            let mut s: Scenario = plan.scenario(0, 0).expect("planned points are valid");
            s.time.horizon_weeks = s.time.horizon_weeks.min(4);
            s.time.warmup_weeks = 0;
            Ok(model::run(&s, plan.seed(0, 0), false).summary.unbalanced())
        }
    }));
    match outcome {
        Err(_) => panic!("panicked on spec mutations {mutated:?}:\n{text}"),
        Ok(Ok(Some(off))) => panic!("books do not balance ({off}) after spec mutations at {mutated:?}"),
        Ok(Ok(None)) => tally(true),
        Ok(Err(message)) => {
            tally(false);
            let ok = names_a_mutated_field(&message, mutated, &["parameters", "scenario", "years", "arms"]);
            assert!(ok, "the error names none of the mutated fields {mutated:?}: {message}");
        }
    }
    // Planning validates every point of the design: up to a million points
    // of a regional scenario take a while, in proportion, but never hang.
    assert!(start.elapsed() < Duration::from_secs(120), "took {:?} on spec mutations {mutated:?}", start.elapsed());
}

/// Every field of every base with every extreme value, one at a time; the cases run.
fn every_single_mutation(bases: &[Value], check: &dyn Fn(&str, &[String])) -> usize {
    let mut cases = 0;
    for base in bases {
        let places = places(base);
        for p in 0..places.len() {
            for x in 0..extremes().len() {
                let (text, mutated) = mutate(base, &places, &[(p, x)]);
                check(&text, &mutated);
                cases += 1;
            }
        }
    }
    cases
}

/// Whether a refusal names one of the mutated fields (or, for a mutation
/// under one of `checked_elsewhere`, any field: those are checked where
/// they land, e.g. a parameter's value at the scenario field it sets).
fn names_a_mutated_field(message: &str, mutated: &[String], checked_elsewhere: &[&str]) -> bool {
    named_paths(message).iter().any(|n| {
        mutated.iter().map(|m| field(m)).any(|m| answers(n, m) || checked_elsewhere.iter().any(|c| m.starts_with(c)))
    })
}

#[test]
fn every_spec_field_with_every_extreme_value_is_planned_or_refused_by_field() {
    let cases = every_single_mutation(&full_specs(), &check_spec);
    eprintln!("{cases} single mutations of the specs");
}

#[test]
fn random_combinations_of_spec_mutations_are_planned_or_refused_by_field() {
    let cases = if long_tests() { 100_000 } else { 3_000 };
    for (i, base) in full_specs().iter().enumerate() {
        combinations(base, cases / 3 + 1, 20 + i as u8, &check_spec);
    }
    eprintln!("{cases} spec combinations; so far in this process {RAN:?} ran, {REFUSED:?} refused");
}

/// Loads a mutated calibration spec (which runs its targets' check); never
/// a panic, and a refusal names a mutated field.
fn check_calibration(text: &str, mutated: &[String]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("calibration.json");
    std::fs::write(&path, text).expect("write spec");
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| ccsim::calibrate::spec::load(&path)));
    match outcome {
        Err(_) => panic!("panicked on calibration mutations {mutated:?}:\n{text}"),
        Ok(Ok(_)) => tally(true),
        Ok(Err(message)) => {
            tally(false);
            assert!(message.contains("calibration.json"), "the error names no file: {message}");
            let ok = names_a_mutated_field(&message, mutated, &["parameters", "scenario", "years", "regime"]);
            assert!(ok, "the error names none of the mutated fields {mutated:?}: {message}");
        }
    }
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?} on calibration mutations {mutated:?}",
        start.elapsed()
    );
}

#[test]
fn every_calibration_field_with_every_extreme_value_is_loaded_or_refused_by_field() {
    let cases = every_single_mutation(&full_calibrations(), &check_calibration);
    eprintln!("{cases} single mutations of the calibration specs");
}

#[test]
fn random_combinations_of_calibration_mutations_are_loaded_or_refused_by_field() {
    let cases = if long_tests() { 100_000 } else { 1_000 };
    for (i, base) in full_calibrations().iter().enumerate() {
        combinations(base, cases / 2 + 1, 40 + i as u8, &check_calibration);
    }
}
