//! Shared general and acute beds: emergency admissions take them first and
//! elective patients get exactly what is left; an emergency surge lengthens
//! the elective list, sends more patients away and worsens the finances.

use serde_json::{Value, json};

use crate::common::{adults, ccsim, elective_service, frozen, run, scenario};

/// One provider with 100 beds (700 bed-days a week): 100 emergency
/// admissions a week of 5 bed-days each, 300 elective referrals a week of
/// 1 bed-day each, and more slots than either needs.
fn crowded(beds: Option<f64>, surge: Option<(f64, u32)>) -> Value {
    let mut surgery = elective_service(300.0);
    surgery["bed_days"] = json!(1.0);
    let mut emergency = elective_service(100.0);
    emergency["urgency"] = json!("emergency");
    emergency["bed_days"] = json!(5.0);
    let mut p = json!({
        "id": "p", "kind": "dgh", "position": {"x": 0.0, "y": 0.0},
        "services": {
            "surgery": {"capability": "complex", "capacity": 1000.0},
            "emergency": {"capability": "complex", "capacity": 1000.0}
        },
        "staff": {"nursing": {"in_post": 0.0}}
    });
    if let Some(b) = beds {
        p["beds"] = json!(b);
    }
    let mut v = frozen(json!({
        "name": "crowded",
        "time": {"horizon_weeks": 260, "warmup_weeks": 0},
        "localities": [adults("l", 0.0)],
        "services": {"surgery": surgery, "emergency": emergency},
        "providers": [p],
    }));
    if let Some((m, week)) = surge {
        v["timeline"] = json!([{"week": week, "set": "demand.emergency", "value": m}]);
    }
    v
}

#[test]
fn electives_get_the_bed_days_emergencies_leave() {
    let weeks = 260.0;
    let elective_per_week = |v: Value| {
        let r = run(&scenario(v), 3);
        (r.providers[0].services["surgery"].treated as f64 / weeks, r.providers[0].bed_occupancy)
    };
    // 700 bed-days less 100 × 5 for emergencies leaves 200 a week for electives
    // (the weekly mean of 5 × Poisson(100) has sd 5 × √(100 / 260) ≈ 3.1).
    let (with_beds, occupancy) = elective_per_week(crowded(Some(100.0), None));
    assert!((with_beds - 200.0).abs() < 10.0, "{with_beds:.1} electives a week, expected 200");
    assert_eq!(occupancy, Some(1.0), "the list never empties, so every bed-day is used");
    // Without a bed limit every referral is treated.
    let (unlimited, none) = elective_per_week(crowded(None, None));
    assert!((unlimited - 300.0).abs() < 10.0, "{unlimited:.1}");
    assert_eq!(none, None);
    // 15% more emergencies from week 130 leave 700 − 575 = 125 a week after it.
    let (surged, _) = elective_per_week(crowded(Some(100.0), Some((1.15, 130))));
    let expected = (200.0 + 125.0) / 2.0;
    assert!((surged - expected).abs() < 10.0, "{surged:.1} electives a week, expected {expected:.1}");
}

#[test]
fn electives_fill_beds_only_to_the_limit_and_beds_follow_the_work() {
    // Electives may fill 90% of the 700 bed-days: 630 less 500 for emergencies leaves 130 a week.
    let mut v = crowded(Some(100.0), None);
    v["behaviour"]["elective_bed_limit"] = json!(0.9);
    let r = run(&scenario(v), 3);
    let per_week = r.providers[0].services["surgery"].treated as f64 / 260.0;
    assert!((per_week - 130.0).abs() < 10.0, "{per_week:.1} electives a week, expected 130");
    let occupancy = r.providers[0].bed_occupancy.expect("beds");
    assert!((occupancy - 0.9).abs() < 0.005, "occupancy {occupancy:.4}, expected 0.9");
    // A trust that runs at 95% fills to its own occupancy (665 − 500 = 165 a week);
    // one that runs below the limit fills to the limit still.
    for (own, expected) in [(0.95, 165.0), (0.8, 130.0)] {
        let mut v = crowded(Some(100.0), None);
        v["behaviour"]["elective_bed_limit"] = json!(0.9);
        v["providers"][0]["occupancy"] = json!(own);
        let r = run(&scenario(v), 3);
        let per_week = r.providers[0].services["surgery"].treated as f64 / 260.0;
        assert!((per_week - expected).abs() < 10.0, "at {own}: {per_week:.1} electives a week, expected {expected}");
    }

    // Left to decide, the beds follow the bed-days the activity takes, at the
    // limit's occupancy without the units' slack: (100 × 5 + 300 × 1) / 7 =
    // 114.3 once the list has cleared.
    let mut v = crowded(Some(100.0), None);
    v["behaviour"]["capacity_growth"] = json!(0.05);
    v["behaviour"]["elective_capacity_growth"] = json!(0.05);
    v["time"]["horizon_weeks"] = json!(520);
    let r = run(&scenario(v), 3);
    let beds = r.providers[0].beds.expect("beds");
    assert!((beds / 114.3 - 1.0).abs() < 0.05, "{beds:.1} beds, expected about 114");
    let waiting = r.providers[0].services["surgery"].waiting;
    assert!(waiting < 1000, "the list cleared: {waiting}");
}

/// Electives cancelled for want of a bed are given again within 28 days
/// when beds allow: one week in which emergencies fill every bed costs
/// nothing by the end of the run, while after ten such weeks only the last
/// four weeks' cancellations can be given again. 110 beds (770 bed-days a
/// week): 100 emergency admissions of 5 bed-days and 140 elective referrals
/// of 1, with 140 slots a week, so 130 bed-days are free in an ordinary
/// week; emergencies at twice the rate (1,000 bed-days) leave none. The run
/// ends six weeks after the surge.
#[test]
fn electives_cancelled_for_want_of_a_bed_are_given_again_within_28_days() {
    let treated = |surge_weeks: u32| {
        let mut v = crowded(Some(110.0), None);
        v["providers"][0]["services"]["surgery"]["capacity"] = json!(140.0);
        v["services"]["surgery"]["referral_rate"]["adults"] = json!(140.0);
        v["time"]["horizon_weeks"] = json!(116);
        if surge_weeks > 0 {
            v["timeline"] = json!([
                {"week": 100, "set": "demand.emergency", "value": 2.0},
                {"week": 100 + surge_weeks, "set": "demand.emergency", "value": 1.0}
            ]);
        }
        run(&scenario(v), 3).providers[0].services["surgery"].treated as f64
    };
    let calm = treated(0);
    // Elective referrals are drawn from their own streams, so the runs see
    // the same electives; a week's 150 lost for good would show.
    let one = treated(1);
    assert!((calm - one).abs() < 15.0, "one full week: {calm} → {one} electives treated");
    // Ten weeks without a bed: 1,400 electives cancelled, of which only the
    // last four weeks' 560 can be given again in the six weeks after (130
    // spare beds a week would give 780 if none were dropped): 840 lost to
    // the run. (Were none given again, the one week would lose its 140.)
    let ten = treated(10);
    assert!(calm - ten > 800.0 && calm - ten <= 1400.0, "ten full weeks: {calm} → {ten} electives treated");
}

#[test]
fn an_emergency_surge_with_shared_beds_lengthens_lists_and_costs_money() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("beds.json");
    let data = "tests/data/ons-nhs";
    let o = ccsim()
        .args(["scenario", "build", "--region", "cheshire-merseyside"])
        .args(["--sites", &format!("{data}/nhs_hospital_sites_2020.csv")])
        .args(["--beds", &format!("{data}/england_trust_ga_critical_beds_2022_2025.csv")])
        .args(["--population", &format!("{data}/lad_population_single_year_age_mye.csv")])
        .args(["--centroids", &format!("{data}/lad_centroids_2020.csv")])
        .args(["--rtt", &format!("{data}/rtt_provider_by_part_2021.csv")])
        .args(["--small-areas", &format!("{data}/lsoa11_england_pwc_ltla21_pop2020.csv")])
        .args(["--site-services", "configs/source/site_services.csv"])
        .args(["--areas", "configs/source/district_areas.csv", "--main-sites", "configs/source/main_sites.csv"])
        .arg("--out")
        .arg(&config)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let figures = |surge: bool| {
        let mut cmd = ccsim();
        cmd.arg("run").arg(&config).args(["--seed", "1", "--years", "2", "--compact"]);
        if surge {
            cmd.args(["--set", "demand.emergency_medicine=1.15@52"]);
        }
        let out = cmd.output().expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let r: Value = serde_json::from_slice(&out.stdout).expect("json");
        let s = &r["summary"];
        let f = |path: &str| s.pointer(path).and_then(Value::as_f64).unwrap_or_else(|| panic!("{path}"));
        (
            f("/waiting/overall/list_size"),
            f("/access/overall/unmet"),
            f("/workforce/agency_spend"),
            f("/finance/provider_surplus"),
            f("/providers/bed_occupancy"),
        )
    };
    let (list, unmet, agency, surplus, occupancy) = figures(false);
    let (list2, unmet2, agency2, surplus2, occupancy2) = figures(true);
    assert!(list2 > 1.05 * list, "elective list {list:.0} → {list2:.0}");
    assert!(unmet2 > unmet, "sent out of the region {unmet:.4} → {unmet2:.4}");
    assert!(agency2 > agency, "agency spend {agency:.0} → {agency2:.0}");
    assert!(surplus2 < surplus, "providers' surplus {surplus:.0} → {surplus2:.0}");
    assert!(occupancy2 > occupancy, "bed occupancy {occupancy:.3} → {occupancy2:.3}");
}
