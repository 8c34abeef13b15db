//! Service configurations: `ccsim scenario configure` and configurations
//! compared in a sweep.

use ccsim::load::builtin;
use ccsim::model::configuration::{Change, configure};
use ccsim::model::{self, Scenario};
use serde_json::{Value, json};

use crate::common::ccsim;

/// Totals a configuration must not change: capacity and start list of one
/// service, staff in post and funded by group, and shared beds.
fn totals(s: &Scenario, service: &str) -> (f64, u32, [f64; 4], [f64; 4], f64) {
    let mut t = (0.0, 0, [0.0; 4], [0.0; 4], 0.0);
    for p in &s.providers {
        if let Some(o) = p.services.get(service) {
            t.0 += o.capacity;
            t.1 += o.waiting_list.map_or(0, |l| l.patients);
        }
        for (g, st) in p.staff.by_group().iter().enumerate() {
            t.2[g] += st.in_post;
            t.3[g] += st.establishment();
        }
        t.4 += p.beds.unwrap_or(0.0);
    }
    t
}

/// The providers other than `except` whose capacity for `service` changed
/// between `base` and `after` (the receivers of a moved part), by index.
fn receivers(base: &Scenario, after: &Scenario, service: &str, except: usize) -> Vec<usize> {
    let capacity = |s: &Scenario, q: usize| s.providers[q].services.get(service).map(|o| o.capacity);
    (0..base.providers.len()).filter(|&q| q != except && capacity(after, q) != capacity(base, q)).collect()
}

fn close(place: &str, service: &str) -> Change {
    Change::Close { place: place.into(), service: service.into() }
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(1.0)
}

#[test]
fn closing_a_unit_moves_its_capacity_staff_beds_and_list_without_loss() {
    let base = builtin("cheshire-merseyside").expect("built in");
    for service in ["maternity", "gynaecology"] {
        let (after, log) = configure(&base, &[close("east-cheshire", service)]).expect("valid");
        let (b, a) = (totals(&base, service), totals(&after, service));
        assert!(near(a.0, b.0), "{service}: capacity {} -> {}", b.0, a.0);
        assert_eq!(a.1, b.1, "{service}: the start list");
        for g in 0..4 {
            assert!(near(a.2[g], b.2[g]) && near(a.3[g], b.3[g]), "{service}: staff group {g}");
        }
        assert!(near(a.4, b.4), "{service}: beds {} -> {}", b.4, a.4);
        let donor = after.providers.iter().find(|p| p.id == "east-cheshire").expect("kept");
        assert!(!donor.services.contains_key(service));
        // The receiver offers it at the donor's level or higher and gained exactly its capacity.
        let old = &base.providers.iter().find(|p| p.id == "east-cheshire").expect("there").services[service];
        let gained: Vec<&str> = after
            .providers
            .iter()
            .zip(&base.providers)
            .filter(|(x, y)| x.services.get(service).map(|o| o.capacity) != y.services.get(service).map(|o| o.capacity))
            .map(|(x, _)| x.id.as_str())
            .filter(|id| *id != "east-cheshire")
            .collect();
        assert_eq!(gained.len(), 1, "{service}: {gained:?}");
        let (to, was) = (
            after.providers.iter().find(|p| p.id == gained[0]).expect("there"),
            base.providers.iter().find(|p| p.id == gained[0]).expect("there"),
        );
        assert!(near(to.services[service].capacity, was.services[service].capacity + old.capacity));
        assert!(to.services[service].capability >= old.capability);
        // Fixed costs: the donor's share leaves it; the receiver takes all but the closure saving.
        let moved =
            base.providers.iter().find(|p| p.id == "east-cheshire").expect("there").fixed_cost - donor.fixed_cost;
        assert!(moved > 0.0);
        assert!(near(to.fixed_cost - was.fixed_cost, moved * (1.0 - base.failure.closure_saving)));
        assert!(log[0].contains(&format!("moves to {}", gained[0])), "{log:?}");
    }
}

#[test]
fn a_closed_unit_treats_no_one_and_its_patients_are_treated_elsewhere() {
    let mut base = builtin("cheshire-merseyside").expect("built in");
    base.time.horizon_weeks = 52;
    let (after, _) =
        configure(&base, &[close("east-cheshire", "maternity"), close("RVY02", "maternity")]).expect("valid");
    let (before, then) = (model::run(&base, 3, false), model::run(&after, 3, false));
    let out = serde_json::to_value(&then).expect("JSON");
    let site_births = |v: &Value, site: &str| -> u64 {
        v["providers"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| p["sites"].as_array().into_iter().flatten())
            .filter(|x| x["id"] == site)
            .map(|x| x["treated"]["maternity"].as_u64().unwrap_or(0))
            .sum()
    };
    let was = serde_json::to_value(&before).expect("JSON");
    assert!(site_births(&was, "RVY02") > 500, "Ormskirk delivers babies today");
    assert_eq!(site_births(&out, "RVY02"), 0, "Ormskirk's unit is closed");
    let east = out["providers"].as_array().expect("providers").iter().find(|p| p["id"] == "east-cheshire");
    assert!(east.expect("there")["services"].get("maternity").is_none());
    // Every mother is still counted and nearly all are delivered: the closed
    // units' capacity went with them.
    let births = |v: &Value| v["summary"]["access"]["by_service"]["maternity"]["treated"].as_f64().expect("treated");
    let unmet = |v: &Value| v["summary"]["access"]["by_service"]["maternity"]["unmet"].as_f64().expect("unmet");
    assert!((births(&out) / births(&was) - 1.0).abs() < 0.02, "{} vs {}", births(&out), births(&was));
    assert!(unmet(&out) < 0.01, "unmet {}", unmet(&out));
    // Mothers travel further.
    let p95 = |v: &Value| v["summary"]["access"]["by_service"]["maternity"]["p95_minutes"].as_f64().expect("p95");
    assert!(p95(&out) > p95(&was), "{} vs {}", p95(&out), p95(&was));
}

#[test]
fn changes_that_cannot_be_made_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.json");
    std::fs::write(&out, "untouched").expect("writes");
    let cases: [(&str, &[&str], &str); 8] = [
        (
            "builtin:cheshire-merseyside",
            &["--close", "XYZ01:maternity"],
            "no site, or provider listing no sites, is named `XYZ01`",
        ),
        ("builtin:cheshire-merseyside", &["--close", "RBL14:cardiology"], "no service is named `cardiology`"),
        (
            "builtin:cheshire-merseyside",
            &["--close", "RBL20:maternity"],
            "`RBL20` (wirral-university-teaching) does not offer `maternity`",
        ),
        // With Liverpool Women's closing, Arrowe Park's would be the only neonatal intensive care
        // unit: lowering it leaves none to take its babies.
        (
            "builtin:cheshire-merseyside",
            &["--open", "RBL14:neonatal:routine", "--close", "liverpool-womens:neonatal"],
            "last unit of `neonatal` at level complex",
        ),
        (
            "builtin:cheshire-merseyside",
            &["--open", "bridgewater-community-healthcare:community_care:complex"],
            "community provider and cannot host the complex level",
        ),
        (
            "builtin:cheshire-merseyside",
            &["--open", "RBL20:community_care"],
            "`wirral-university-teaching` does not offer `community_care`",
        ),
        ("builtin:duopoly", &["--close", "a:elective_surgery"], "the only service of `a`"),
        // A site already at the level named.
        (
            "builtin:cheshire-merseyside",
            &["--open", "RVY02:maternity:complex"],
            "`RVY02` (st-helens-and-knowsley) already offers `maternity` at level complex",
        ),
    ];
    for (scenario, flags, expected) in cases {
        let assert =
            ccsim().args(["scenario", "configure", scenario]).args(flags).arg("--out").arg(&out).assert().failure();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
        assert!(stderr.contains(flags[1]) && stderr.contains("nothing written"), "{flags:?}: {stderr}");
        assert_eq!(std::fs::read_to_string(&out).expect("reads"), "untouched", "{flags:?}");
    }
    let assert = ccsim()
        .args(["scenario", "configure", "builtin:duopoly", "--open", "a:elective_surgery:level4", "--out"])
        .arg(&out)
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("expected a level"));
}

#[test]
fn configure_writes_a_scenario_that_names_its_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("no-macclesfield.json");
    ccsim()
        .args(["scenario", "configure", "builtin:cheshire-merseyside", "--close", "east-cheshire:maternity"])
        .args(["--name", "no-macclesfield-births", "--out"])
        .arg(&out)
        .assert()
        .success();
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("JSON");
    assert_eq!(s["name"], "no-macclesfield-births");
    let sources = s["sources"].as_array().expect("sources");
    assert!(sources.iter().any(|x| x.as_str().is_some_and(|t| t.contains("--close east-cheshire:maternity"))));
    ccsim().args(["check"]).arg(&out).assert().success();
}

#[test]
fn a_sweep_runs_every_configuration_with_common_seeds_and_pairs_them_with_current() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("spec.json");
    let v = json!({
        "scenario": "builtin:cheshire-merseyside",
        "arms": ["competition"],
        "configurations": {
            "listed": [{"name": "no Ormskirk births", "close": ["RVY02:maternity"]}],
            "subsets": {"service": "maternity", "keep": 3,
                        "sites": ["east-cheshire", "countess-of-chester", "mid-cheshire", "RWWWH", "RBL14"]}
        },
        "replicates": 2, "seed": 5, "years": 0.25,
        "metrics": ["access.by_service.maternity.p95_minutes", "coverage.maternity",
                    "outcomes.by_service.maternity.adverse_rate"]
    });
    std::fs::write(&spec, serde_json::to_vec(&v).expect("JSON")).expect("writes");
    let out = dir.path().join("out");
    ccsim().arg("sweep").arg(&spec).arg("--out").arg(&out).arg("--quiet").assert().success();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary")).expect("JSON");
    let points = summary["points"].as_array().expect("points");
    // current, one listed, and the 10 ways of keeping 3 of 5.
    assert_eq!(points.len(), 12);
    assert_eq!(points[0]["parameters"]["configuration"], "current");
    assert!(points[0].get("against_current").is_none());
    let runs = std::fs::read_to_string(out.join("runs.jsonl")).expect("runs");
    let seeds: Vec<(String, u64, u64)> = runs
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .map(|l| {
            (
                l["parameters"]["configuration"].as_str().expect("named").to_owned(),
                l["replicate"].as_u64().expect("replicate"),
                l["seed"].as_u64().expect("seed"),
            )
        })
        .collect();
    assert_eq!(seeds.len(), 24);
    for (c, r, seed) in &seeds {
        let current = seeds.iter().find(|(x, y, _)| x == "current" && y == r).expect("current");
        assert_eq!(*seed, current.2, "`{c}` replicate {r} shares current's seed");
    }
    // A closure that takes maternity further from some mothers shows as a paired difference.
    let p = points.iter().find(|p| p["parameters"]["configuration"] == "keep east-cheshire+RWWWH+RBL14").expect("run");
    let d = &p["against_current"]["competition"]["metrics"]["coverage.maternity.within_30_minutes.overall"];
    assert!(d["mean"].as_f64().expect("mean") < -0.01, "{d}");
    assert_eq!(d["n"], 2);
    let listed = &points[1]["against_current"]["competition"]["metrics"]["access.by_service.maternity.p95_minutes"];
    assert!(listed["n"] == 2, "{listed}");
    // The report compares every configuration with current.
    let html = dir.path().join("report.html");
    ccsim().arg("report").arg(&out).arg("--out").arg(&html).assert().success();
    let doc = scraper::Html::parse_document(&std::fs::read_to_string(&html).expect("report"));
    let rows = scraper::Selector::parse("table#configurations tr").expect("selector");
    let rows: Vec<String> = doc.select(&rows).map(|r| r.text().collect::<String>()).collect();
    assert_eq!(rows.len(), 13, "a header and a row per configuration and arm");
    assert!(rows[12].starts_with("keep mid-cheshire+RWWWH+RBL14competition"), "{}", rows[12]);
    assert!(rows[12].contains(" ["), "a difference with its interval: {}", rows[12]);
    // A map of which site offers what under each configuration: Ormskirk's births under
    // current and not once they close.
    let figure = |id: &str| {
        let at = scraper::Selector::parse(&format!("figure#{id}")).expect("selector");
        doc.select(&at).next().map(|f| f.html())
    };
    let current = figure("configuration-map-0").expect("current's map");
    assert!(current.contains("\nRVY02\n") && current.contains("\nRBN01\n"), "Ormskirk and Whiston on current's map");
    let closed = figure("configuration-map-1").expect("the listed configuration's map");
    assert!(!closed.contains("\nRVY02\n") && closed.contains("\nRBN01\n"), "Ormskirk gone, Whiston kept");
    assert!(figure("configuration-map-11").is_some() && figure("configuration-map-12").is_none());
    // The Pareto chart of travel against harm names the configurations on its front.
    let pareto = figure("configuration-pareto-maternity-competition").expect("a Pareto chart");
    assert!(pareto.contains("on the front (no other configuration lower on both): "), "{pareto}");
}

#[test]
fn bad_configurations_in_a_spec_are_refused_with_their_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("spec.json");
    for (configurations, expected) in [
        (
            json!({"listed": [{"name": "x", "close": ["nowhere:maternity"]}]}),
            "at `configurations.listed[0]` (configuration `x`)",
        ),
        (json!({"subsets": {"service": "maternity", "sites": ["RBL14", "RWWWH"], "keep": 2}}), "expected from 1 to 1"),
        (json!({"listed": [{"name": "x", "shut": ["RBL14:maternity"]}]}), "unknown field `shut`"),
        (
            json!({"subsets": {"service": "maternity", "sites": ["RBL14", "RWWWH"], "keep": 1, "with": ["ghost"]}}),
            "--close RWWWH:ghost: no service is named `ghost`",
        ),
    ] {
        let v = json!({"scenario": "builtin:cheshire-merseyside", "configurations": configurations, "years": 0.1});
        std::fs::write(&spec, serde_json::to_vec(&v).expect("JSON")).expect("writes");
        let out = dir.path().join("out");
        let assert = ccsim().arg("sweep").arg(&spec).arg("--out").arg(&out).assert().failure();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!out.exists());
    }
}

#[test]
fn the_search_finds_the_front_that_enumeration_finds() {
    use ccsim::sweep::search::{Search, SearchSpec};
    let spec: SearchSpec = serde_json::from_value(json!({
        "scenario": "builtin:cheshire-merseyside", "arm": "competition", "service": "maternity",
        "sites": ["east-cheshire", "countess-of-chester", "mid-cheshire", "RWWWH", "RBL14", "liverpool-womens"],
        "min_keep": 2,
        "objectives": {"access.by_service.maternity.p95_minutes": "min", "outcomes.by_service.maternity.adverse_rate": "min"},
        "replicates": 1, "years": 0.25, "budget": 1000, "restarts": 4
    }))
    .expect("spec");
    let search = Search::new(spec, std::path::Path::new(".")).expect("valid");
    assert_eq!(search.space(), 57);
    let found = search.run(&|_| {});
    let mut names: Vec<String> = found.front.iter().map(|e| e.name.clone()).collect();
    names.sort();
    assert!(found.converged);
    // It did not simply measure them all.
    assert!(found.measured < 57, "measured {}", found.measured);
    assert_eq!(names, search.brute_force_front(), "measured {} of {}", found.measured, found.space);
    eprintln!("front of {} found measuring {} of {}", names.len(), found.measured, found.space);
}

#[test]
fn a_search_that_lowers_the_units_not_kept_finds_the_enumerated_front() {
    use ccsim::sweep::search::{Search, SearchSpec};
    let spec: SearchSpec = serde_json::from_value(json!({
        "scenario": "builtin:cheshire-merseyside", "arm": "competition", "service": "maternity",
        "sites": ["east-cheshire", "countess-of-chester", "mid-cheshire", "RWWWH"], "others": "lower",
        "objectives": {"access.by_service.maternity.p95_minutes": "min", "finance.system_cost": "min",
                       "coverage.maternity.within_30_minutes.overall": "max"},
        "replicates": 1, "years": 0.25, "budget": 1000, "restarts": 2
    }))
    .expect("spec");
    let search = Search::new(spec, std::path::Path::new(".")).expect("valid");
    assert_eq!(search.space(), 15);
    let found = search.run(&|_| {});
    let mut names: Vec<String> = found.front.iter().map(|e| e.name.clone()).collect();
    names.sort();
    assert!(found.converged);
    assert_eq!(names, search.brute_force_front(), "measured {} of {}", found.measured, found.space);
    // Lowering saves money: some configuration other than `current` is on the front, and each
    // keeps every local unit, so as many residents are within 30 minutes of one as today
    // (closing them would not).
    assert!(names.iter().any(|n| n != "current"), "{names:?}");
    let coverage = |name: &str| {
        let e = found.evaluated.iter().find(|e| e.name == name).expect("measured");
        e.objectives["coverage.maternity.within_30_minutes.overall"].mean
    };
    for n in &names {
        assert_eq!(coverage(n), coverage("current"), "{n}");
    }
}

#[test]
fn bad_search_specs_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (spec, out) = (dir.path().join("search.json"), dir.path().join("front.json"));
    let good = json!({
        "scenario": "builtin:cheshire-merseyside", "service": "maternity",
        "sites": ["east-cheshire", "RBL14"],
        "objectives": {"access.by_service.maternity.p95_minutes": "min", "finance.system_cost": "min"},
        "years": 0.1, "replicates": 1
    });
    let mut cases = Vec::new();
    let mut v = good.clone();
    v["objectives"]["access.by_service.maternity.p95_minute"] = json!("min");
    cases.push((v, "at `objectives.access.by_service.maternity.p95_minute`: no summary metric"));
    let mut v = good.clone();
    v["sites"] = json!(["east-cheshire", "RBL20"]);
    cases.push((
        v,
        "at `sites[1]`: --close RBL20:maternity: `RBL20` (wirral-university-teaching) does not offer `maternity`",
    ));
    let mut v = good.clone();
    v["objectives"] = json!({"finance.system_cost": "min"});
    cases.push((v, "expected two or three measures"));
    let mut v = good.clone();
    v["min_keep"] = json!(3);
    cases.push((v, "expected 1 ≤ min_keep ≤ max_keep ≤ 2"));
    for (v, expected) in cases {
        std::fs::write(&spec, serde_json::to_vec(&v).expect("JSON")).expect("writes");
        let assert = ccsim().arg("search").arg(&spec).arg("--out").arg(&out).assert().failure();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!out.exists());
    }
    std::fs::write(&spec, serde_json::to_vec(&good).expect("JSON")).expect("writes");
    ccsim().arg("search").arg(&spec).arg("--out").arg(&out).arg("--quiet").assert().success();
    let found: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("JSON");
    assert_eq!(found["space"], 3);
    let front = found["front"].as_array().expect("front").len();
    assert!(front > 0);
    // The report draws every configuration measured and tabulates the front.
    let doc = crate::report::render(&out, &dir.path().join("front.html"));
    let figures = crate::report::figures(&doc);
    let chart = figures.iter().find(|f| f.0 == "search-front").expect("a Pareto chart");
    assert_eq!(chart.2, 3, "three configurations measured");
    assert!(chart.3 >= 3 + front, "{chart:?}");
    let rows = scraper::Selector::parse("table#front tr").expect("selector");
    assert_eq!(doc.select(&rows).count(), front + 1);
}

#[test]
fn a_unit_with_too_few_midwives_for_its_births_is_above_the_staffing_standard() {
    let v = json!({
        "name": "staffing",
        "time": {"horizon_weeks": 52, "warmup_weeks": 26},
        "localities": [{"id": "l", "position": {"x": 0, "y": 0}, "population": 300000,
                        "age_mix": {"children": 0, "adults": 1, "older": 0}}],
        "services": {"maternity": {"urgency": "emergency", "referral_rate": {"adults": 17.3}, "complex_share": 0,
                                   "tariff": 3700, "staff_hours": {"midwifery": 55},
                                   "episodes_per_wte": {"midwifery": 28}}},
        "providers": [
            {"id": "short", "kind": "dgh", "position": {"x": 1, "y": 0}, "services": {"maternity": {"capacity": 60}},
             "staff": {"midwifery": {"in_post": 20}}},
            {"id": "ample", "kind": "dgh", "position": {"x": 30, "y": 0}, "services": {"maternity": {"capacity": 10}},
             "staff": {"midwifery": {"in_post": 400}}}
        ]
    });
    let s = crate::common::scenario(crate::common::frozen(v));
    let out = model::run(&s, 4, false);
    let st = &out.summary.staffing["maternity"]["midwifery"];
    assert_eq!((st.standard, st.units), (28.0, 2));
    assert_eq!(st.providers_above, vec!["short".to_owned()]);
    // Each unit's births per WTE from the providers' own figures (one service: all their midwives).
    let per_wte: Vec<f64> = out
        .providers
        .iter()
        .map(|p| {
            let m = &p.staff["midwifery"];
            p.services["maternity"].annual_volume as f64 / (m.in_post + m.agency)
        })
        .collect();
    assert!(per_wte[0] > 28.0 && per_wte[1] < 28.0, "{per_wte:?}");
    let all: f64 = out.providers.iter().map(|p| p.services["maternity"].annual_volume as f64).sum::<f64>()
        / out.providers.iter().map(|p| p.staff["midwifery"].in_post + p.staff["midwifery"].agency).sum::<f64>();
    assert!((st.episodes_per_wte.expect("staff") - all).abs() < 1e-9 * all);
}

#[test]
fn a_closed_unit_never_goes_to_a_trust_losing_the_service_in_the_same_configuration() {
    let base = builtin("cheshire-merseyside").expect("built in");
    // Warrington's nearest maternity unit is Whiston, whose trust closes both its units here.
    let changes = [close("RWWWH", "maternity"), close("RBN01", "maternity"), close("RVY02", "maternity")];
    let (after, log) = configure(&base, &changes).expect("valid");
    assert!(!log[0].contains("st-helens-and-knowsley"), "{log:?}");
    let st_helens = after.providers.iter().find(|p| p.id == "st-helens-and-knowsley").expect("there");
    assert!(!st_helens.services.contains_key("maternity"));
    assert!(near(totals(&after, "maternity").0, totals(&base, "maternity").0));
    // Closed one at a time, Warrington's unit goes to Whiston.
    let (_, alone) = configure(&base, &changes[..1]).expect("valid");
    assert!(alone[0].contains("moves to st-helens-and-knowsley"), "{alone:?}");
}

#[test]
fn a_closed_unit_never_goes_into_a_specialist_unit() {
    let base = builtin("cheshire-merseyside").expect("built in");
    let specialist = |s: &Scenario, id: &str| {
        s.providers.iter().find(|p| p.id == id).and_then(|p| p.services.get("elective_surgery")?.specialty_share)
    };
    assert!(specialist(&base, "walton-centre").is_some(), "the Walton Centre is a specialist unit");
    // Liverpool University's elective surgery at all three sites: Liverpool Heart and Chest and
    // the Walton Centre are nearer than any general unit.
    let all =
        [close("REM21", "elective_surgery"), close("REMRQ", "elective_surgery"), close("REMAH", "elective_surgery")];
    let (after, log) = configure(&base, &all).expect("valid");
    assert!(
        !after.providers.iter().any(|p| p.id == "liverpool-university" && p.services.contains_key("elective_surgery"))
    );
    let (b, a) = (totals(&base, "elective_surgery"), totals(&after, "elective_surgery"));
    assert!(near(a.0, b.0), "capacity {} -> {}", b.0, a.0);
    for id in ["walton-centre", "liverpool-heart-and-chest", "clatterbridge-cancer-centre"] {
        let (x, y) = (
            &base.providers.iter().find(|p| p.id == id).expect("there").services["elective_surgery"],
            &after.providers.iter().find(|p| p.id == id).expect("there").services["elective_surgery"],
        );
        assert_eq!(x.capacity, y.capacity, "{id} took none of it: {log:?}");
    }
    // It went to one general unit, and the scenario still holds together.
    let closed = base.providers.iter().position(|p| p.id == "liverpool-university").expect("there");
    let gained: Vec<&str> = receivers(&base, &after, "elective_surgery", closed)
        .into_iter()
        .map(|q| after.providers[q].id.as_str())
        .collect();
    assert_eq!(gained.len(), 1, "{log:?}");
    assert!(specialist(&after, gained[0]).is_none(), "{}", gained[0]);
    after.validate().expect("still valid");
}

#[test]
fn lowering_a_unit_moves_the_part_its_moving_patients_need_to_the_nearest_unit_of_the_old_level() {
    let base = builtin("cheshire-merseyside").expect("built in");
    let v = &base.services["maternity"];
    let part = v.complex_share + (1.0 - v.complex_share) * v.transfers.routine_share;
    assert!(part > 0.3, "complex births and intrapartum transfers: {part}");
    let lower = Change::Open {
        place: "east-cheshire".into(),
        service: "maternity".into(),
        level: Some(model::scenario::Capability::Routine),
    };
    let (after, log) = configure(&base, std::slice::from_ref(&lower)).expect("valid");
    let (b, a) = (totals(&base, "maternity"), totals(&after, "maternity"));
    assert!(near(a.0, b.0), "capacity {} -> {}", b.0, a.0);
    for g in 0..4 {
        assert!(near(a.2[g], b.2[g]) && near(a.3[g], b.3[g]), "staff group {g}");
    }
    assert!(near(a.4, b.4), "beds {} -> {}", b.4, a.4);
    let find = |s: &Scenario, id: &str| s.providers.iter().position(|p| p.id == id).expect("there");
    let east = find(&base, "east-cheshire");
    let was = base.providers[east].services["maternity"].capacity;
    let now = &after.providers[east].services["maternity"];
    assert_eq!(now.capability, model::scenario::Capability::Routine);
    assert!(near(now.capacity, was * (1.0 - part)), "{} of {was}", now.capacity);
    // The receiver is the one unit whose capacity grew, by the part, at the complex level.
    let grew = receivers(&base, &after, "maternity", east);
    assert_eq!(grew.len(), 1, "{grew:?}");
    let to = &after.providers[grew[0]].services["maternity"];
    assert_eq!(to.capability, model::scenario::Capability::Complex);
    assert!(near(to.capacity - base.providers[grew[0]].services["maternity"].capacity, was * part));
    assert!(log[0].contains(&format!("moves {:.1}% of itself", part * 100.0)), "{log:?}");
    // Lowering two units together: neither receives the other's complex births.
    let both = [
        lower,
        Change::Open {
            place: "mid-cheshire".into(),
            service: "maternity".into(),
            level: Some(model::scenario::Capability::Routine),
        },
    ];
    let (after, _) = configure(&base, &both).expect("valid");
    for id in ["east-cheshire", "mid-cheshire"] {
        let q = find(&base, id);
        let (was, now) =
            (base.providers[q].services["maternity"].capacity, after.providers[q].services["maternity"].capacity);
        assert!(near(now, was * (1.0 - part)), "{id}: {now} of {was}");
    }
}

/// Neonatal care's three levels: a local neonatal unit made a special care
/// unit sends its high-dependency babies, `(1 − complex_share) ×
/// basic_share` of its patients, with that part of itself to the nearest
/// unit of the routine level or above; an intensive care unit made one sends
/// its intensive care babies too, to the nearest of the complex level; a
/// special care unit raised moves nothing.
#[test]
fn lowering_a_neonatal_unit_to_special_care_moves_the_part_its_moving_babies_need() {
    use model::scenario::Capability::{Basic, Complex, Routine};
    let base = builtin("cheshire-merseyside").expect("built in");
    let v = &base.services["neonatal"];
    let (cs, bs) = (v.complex_share, v.transfers.basic_share);
    assert!(bs > 0.0, "the built scenario's neonatal care has three levels");
    let level = |s: &Scenario, id: &str| {
        s.providers.iter().find(|p| p.id == id).expect("there").services["neonatal"].capability
    };
    assert_eq!(level(&base, "countess-of-chester"), Basic, "Chester is a special care unit");
    assert_eq!(level(&base, "warrington-and-halton"), Routine);
    assert_eq!(level(&base, "wirral-university-teaching"), Complex);
    for (place, id, old, part) in [
        ("RWWWH", "warrington-and-halton", Routine, (1.0 - cs) * bs),
        ("RBL14", "wirral-university-teaching", Complex, cs + (1.0 - cs) * bs),
    ] {
        let lower = Change::Open { place: place.into(), service: "neonatal".into(), level: Some(Basic) };
        let (after, log) = configure(&base, std::slice::from_ref(&lower)).expect("valid");
        let (b, a) = (totals(&base, "neonatal"), totals(&after, "neonatal"));
        assert!(near(a.0, b.0), "{id}: capacity {} -> {}", b.0, a.0);
        for g in 0..4 {
            assert!(near(a.2[g], b.2[g]) && near(a.3[g], b.3[g]), "{id}: staff group {g}");
        }
        let q = base.providers.iter().position(|p| p.id == id).expect("there");
        let was = base.providers[q].services["neonatal"].capacity;
        assert_eq!(level(&after, id), Basic);
        assert!(near(after.providers[q].services["neonatal"].capacity, was * (1.0 - part)), "{id}: {log:?}");
        let grew = receivers(&base, &after, "neonatal", q);
        assert_eq!(grew.len(), 1, "{id}: one receiver, {grew:?}");
        let to = &after.providers[grew[0]].services["neonatal"];
        assert!(to.capability >= old, "{id}: the receiver is of the old level or above");
        assert!(near(to.capacity - base.providers[grew[0]].services["neonatal"].capacity, was * part));
    }
    let raise = Change::Open { place: "countess-of-chester".into(), service: "neonatal".into(), level: Some(Routine) };
    let (after, _) = configure(&base, &[raise]).expect("valid");
    assert_eq!(level(&after, "countess-of-chester"), Routine);
    assert_eq!(totals(&after, "neonatal").0, totals(&base, "neonatal").0);
    for (p, q) in after.providers.iter().zip(&base.providers) {
        assert_eq!(p.services.get("neonatal").map(|o| o.capacity), q.services.get("neonatal").map(|o| o.capacity));
    }
}

/// A level is a site's, and a trust's is its highest site's: lowering one
/// of a trust's two maternity sites makes it a freestanding midwife-led unit
/// and moves nothing (the trust keeps its obstetric unit at the other);
/// lowering both (or lowering one and closing the other) lowers the trust
/// once, moving the same part of it as lowering a single-site trust's unit
/// would, whichever comes first.
#[test]
fn a_site_s_level_is_its_own_and_the_trust_s_is_its_highest_site_s() {
    use model::scenario::Capability::{Complex, Routine};
    let base = builtin("cheshire-merseyside").expect("built in");
    let lower = |place: &str| Change::Open { place: place.into(), service: "maternity".into(), level: Some(Routine) };
    let trust = |s: &Scenario| s.providers.iter().find(|p| p.id == "st-helens-and-knowsley").expect("trust").clone();
    let site = |s: &Scenario, id: &str| trust(s).sites.into_iter().find(|x| x.id == id).expect("site");
    let json = |s: &Scenario| {
        let mut v = serde_json::to_value(s).expect("serialises");
        v["sources"] = Value::Null;
        v
    };
    // Ormskirk alone: a freestanding midwife-led unit; Whiston stays obstetric.
    let (alone, log) = configure(&base, &[lower("RVY02")]).expect("one site of two");
    assert_eq!(trust(&alone).services["maternity"].capability, Complex);
    assert_eq!(site(&alone, "RVY02").levels.get("maternity"), Some(&Routine));
    assert!(site(&alone, "RBN01").levels.is_empty());
    assert!(log[0].contains("below its trust's complex") && !log[0].contains("moves"), "{log:?}");
    for (p, q) in alone.providers.iter().zip(&base.providers) {
        assert_eq!(p.services.get("maternity").map(|o| o.capacity), q.services.get("maternity").map(|o| o.capacity));
    }
    // Raised again, the site has no level of its own: the scenario is the base's.
    let raise = Change::Open { place: "RVY02".into(), service: "maternity".into(), level: Some(Complex) };
    let (back, _) = configure(&alone, &[raise]).expect("raised");
    assert_eq!(json(&back), json(&base));
    // Both sites: the trust is lowered once, in either order.
    let (both, log) = configure(&base, &[lower("RVY02"), lower("RBN01")]).expect("both sites");
    let (other_order, _) = configure(&base, &[lower("RBN01"), lower("RVY02")]).expect("both sites");
    assert_eq!(json(&both), json(&other_order), "the order of the sites does not matter");
    assert_eq!(trust(&both).services["maternity"].capability, Routine);
    assert!(trust(&both).sites.iter().all(|x| !x.levels.contains_key("maternity")), "both at the trust's level");
    assert_eq!(log.iter().filter(|l| l.contains("moves")).count(), 1, "the part moves once: {log:?}");
    let (b, a) = (totals(&base, "maternity"), totals(&both, "maternity"));
    assert!(near(a.0, b.0), "capacity {} -> {}", b.0, a.0);
    // Lowering one and closing the other lowers the trust too, whichever comes first.
    let (closed, _) = configure(&base, &[lower("RBN01"), close("RVY02", "maternity")]).expect("the other closes");
    let (closed_first, _) = configure(&base, &[close("RVY02", "maternity"), lower("RBN01")]).expect("closes first");
    let (lowered_first, log) =
        configure(&base, &[lower("RVY02"), close("RBN01", "maternity")]).expect("the obstetric site closes");
    for s in [&closed, &closed_first, &lowered_first] {
        assert_eq!(trust(s).services["maternity"].capability, Routine);
        assert!(trust(s).sites.iter().all(|x| !x.levels.contains_key("maternity")));
    }
    assert_eq!(json(&closed), json(&closed_first));
    assert_eq!(log.iter().filter(|l| l.contains("moves")).count(), 1, "{log:?}");
}
