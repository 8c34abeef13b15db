//! Specialist units: a cancer, neurosciences or orthopaedic trust's surgery
//! takes its specialty's share of every locality's referrals, alone, and no
//! other patient of the service, however near or free it is.

use crate::common::{adults, elective_service, frozen, run, run_conserving, scenario};
use ccsim::model::RunOutput;
use serde_json::{Value, json};

/// Weekly referrals of the town.
const WEEKLY: f64 = 100.0;
/// Weeks run.
const WEEKS: u32 = 260;

/// A town with a specialist centre 1 km away and a general hospital 5 km
/// away, both with room for every patient; the centre takes `share` of the
/// referrals as its specialty (`None`: a general unit like the other).
fn world(share: Option<f64>) -> Value {
    let mut centre = json!({"capability": "complex", "capacity": 1000.0});
    if let Some(s) = share {
        centre["specialty_share"] = json!(s);
    }
    let mut service = elective_service(WEEKLY);
    service["complex_share"] = json!(0.1);
    frozen(json!({
        "name": "specialties",
        "time": {"warmup_weeks": 0, "horizon_weeks": WEEKS},
        "localities": [adults("town", 0.0)],
        "services": {"surgery": service},
        "providers": [
            {"id": "centre", "kind": "specialist", "position": {"x": 1.0, "y": 0.0}, "services": {"surgery": centre}},
            {"id": "general", "kind": "dgh", "position": {"x": 5.0, "y": 0.0},
             "services": {"surgery": {"capability": "complex", "capacity": 1000.0}}}
        ]
    }))
}

/// Patients each provider treated or still lists at the end.
fn seen(out: &RunOutput, id: &str) -> f64 {
    let p = out.providers.iter().find(|p| p.id == id).expect("listed");
    let u = &p.services["surgery"];
    (u.treated + u.waiting) as f64
}

/// Patients each provider treated (the map's flows, which stay with the
/// provider that treated them when its unit moves).
fn treated(out: &RunOutput, id: &str) -> f64 {
    out.map.flows.iter().filter(|f| f.provider == id).map(|f| f.patients as f64).sum()
}

#[test]
fn a_specialist_unit_takes_its_specialty_s_share_and_no_one_else() {
    let share = 0.2;
    let s = scenario(world(Some(share)));
    run_conserving(&s, 4, "specialties");
    let out = run(&s, 4);
    let (centre, general) = (seen(&out, "centre"), seen(&out, "general"));
    let n = centre + general;
    assert!(n > 0.9 * WEEKLY * f64::from(WEEKS), "every referral is seen: {n}");
    // Each referral is the specialty's with probability `share`, whatever the road.
    let se = (share * (1.0 - share) / n).sqrt();
    let got = centre / n;
    assert!((got - share).abs() < 4.0 * se, "the centre's share {got} against {share} ± {se}");
    // The same town with the centre as a general unit: its nearness takes most patients.
    let open = run(&scenario(world(None)), 4);
    let near = seen(&open, "centre") / (seen(&open, "centre") + seen(&open, "general"));
    assert!(near > 0.5, "a general unit 1 km away takes most: {near}");
}

#[test]
fn a_closed_specialist_unit_s_patients_go_to_the_general_units() {
    let share = 0.2;
    let mut v = world(Some(share));
    v["timeline"] = json!([{"week": WEEKS / 2, "set": "close.centre", "value": true}]);
    let s = scenario(v);
    run_conserving(&s, 5, "specialties closed");
    let out = run(&s, 5);
    let (centre, general) = (treated(&out, "centre"), treated(&out, "general"));
    let n = centre + general;
    // The centre took its share of the first half's referrals and none after.
    let expected = share / 2.0;
    let got = centre / n;
    let se = (expected * (1.0 - expected) / n).sqrt();
    assert!((got - expected).abs() < 4.0 * se + 0.01, "the centre's share {got} against about {expected}");
}

#[test]
fn specialty_shares_that_cannot_hold_are_refused_with_their_path() {
    let refused = |v: Value, path: &str, words: &str| {
        let s: ccsim::model::Scenario = serde_json::from_value(v).expect("parses");
        let problems = s.validate().expect_err("refused");
        assert!(
            problems.iter().any(|p| p.path == path && p.message.contains(words)),
            "expected `{words}` at {path}: {problems:?}"
        );
    };
    let at = "providers[0].services.surgery.specialty_share";
    for bad in [0.0, 1.0, -0.1, 1.5] {
        refused(world(Some(bad)), at, "above 0 and below 1");
    }
    let mut routine = world(Some(0.2));
    routine["providers"][0]["services"]["surgery"]["capability"] = json!("routine");
    refused(routine, at, "capability: complex");
    let mut both = world(Some(0.6));
    both["providers"][1]["services"]["surgery"]["specialty_share"] = json!(0.5);
    refused(both, "services.surgery", "sum below 1");
    let mut hub = world(Some(0.2));
    hub["network"] = json!({"hubs": {"surgery": "centre"}});
    refused(hub, "network.hubs.surgery", "specialist unit");
}
