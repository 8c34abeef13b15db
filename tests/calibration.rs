//! The default world against the NHS's figures (`docs/VALIDATION.md`,
//! calibration): each regional scenario under its own regime, one measured
//! year after the warm-up, seeds 1–5, as `docs/calibration.py` runs it. The
//! trusts that meet a tolerance today are held to it, and the providers'
//! financial position to its region's reported one, so that a change that
//! moves one out fails here.

use std::collections::BTreeMap;

use ccsim::load::builtin;
use ccsim::model::{RunOutput, Scenario};

const DATA: &str = "tests/data/ons-nhs";
/// The model services whose episodes the A&E file's emergency admissions count.
const EMERGENCY: [&str; 3] = ["emergency_medicine", "paediatrics", "emergency_gynaecology"];
/// Trusts whose predecessors' A&E rows count as theirs.
const PREDECESSORS: [(&str, &[&str]); 1] = [("RBN", &["RVY"])];

fn rows(file: &str) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(format!("{DATA}/{file}")).expect("extract");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_owned)).collect()).collect()
}

/// Each trust's emergency admissions of April 2023–March 2024 (A&E file).
fn admissions() -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for r in rows("ae_trust_monthly_2021-04_2025-07_healthyr.csv") {
        if ("2023-04".."2024-04").contains(&r["month"].as_str()) {
            let n: f64 = r["total_emergency_admissions"].parse().unwrap_or(0.0);
            *out.entry(r["provider_code"].clone()).or_insert(0.0) += n;
        }
    }
    out
}

/// Each trust's share of patients from `districts` (OHID catchments).
fn from_area(districts: &[String]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for r in rows("flow_trust_from_ltla21_2022release_geographr.csv") {
        if districts.contains(&r["ltla21_code"]) {
            let share: f64 = r["proportion_trust_came_from_ltla"].parse().expect("share");
            *out.entry(r["nhs_trust22_code"].clone()).or_insert(0.0) += share;
        }
    }
    out
}

fn one_year(name: &str) -> (Scenario, Vec<RunOutput>) {
    let mut s = builtin(name).expect("built-in");
    s.time.horizon_weeks = 52;
    let runs = (1..=5).map(|seed| ccsim::model::run(&s, seed, false)).collect();
    (s, runs)
}

/// Per trust code: (the A&E file's 2023/24 admissions of the area's
/// residents, the model's mean emergency episodes over the runs).
fn emergency(s: &Scenario, runs: &[RunOutput]) -> BTreeMap<String, (f64, f64)> {
    let districts: Vec<String> =
        s.localities.iter().map(|l| l.district.clone().unwrap_or_else(|| l.id.clone())).collect();
    let share = from_area(&districts);
    let real = admissions();
    let mut out = BTreeMap::new();
    for p in &s.providers {
        let Some(code) = &p.trust else { continue };
        let outside = s.sources.iter().any(|x| x.starts_with(&format!("{} ({code}): outside the area", p.id)));
        if outside || !EMERGENCY.iter().any(|e| p.services.contains_key(*e)) {
            continue;
        }
        let codes: Vec<&str> = std::iter::once(code.as_str())
            .chain(PREDECESSORS.iter().filter(|(c, _)| c == code).flat_map(|(_, before)| before.iter().copied()))
            .collect();
        let residents: f64 = codes.iter().map(|c| real.get(*c).unwrap_or(&0.0) * share.get(*c).unwrap_or(&1.0)).sum();
        let model = runs
            .iter()
            .map(|r| {
                let end = r.providers.iter().find(|q| q.id == p.id).expect("provider");
                EMERGENCY.iter().filter_map(|e| end.services.get(*e)).map(|u| u.treated as f64).sum::<f64>()
            })
            .sum::<f64>()
            / runs.len() as f64;
        out.insert(code.clone(), (residents, model));
    }
    out
}

/// (target list, model list, target share within 18 weeks, model share) per trust.
fn lists(s: &Scenario, runs: &[RunOutput]) -> BTreeMap<String, (f64, f64, f64, f64)> {
    let mut out = BTreeMap::new();
    for p in &s.providers {
        let starts: Vec<_> = p.services.values().filter_map(|o| o.waiting_list).collect();
        let Some(code) = p.trust.as_ref().filter(|_| !starts.is_empty()) else { continue };
        let target: f64 = starts.iter().map(|l| f64::from(l.patients)).sum();
        let within = starts.iter().map(|l| f64::from(l.patients) * l.within_18_weeks).sum::<f64>() / target.max(1.0);
        let (mut size, mut inside) = (0.0, 0.0);
        for r in runs {
            let end = r.providers.iter().find(|q| q.id == p.id).expect("provider");
            for u in end.services.values() {
                let n = u.list_size.unwrap_or(0.0);
                size += n;
                inside += n * u.list_within_18_weeks.unwrap_or(0.0);
            }
        }
        let share = if size > 0.0 { inside / size } else { f64::NAN };
        out.insert(code.clone(), (target, size / runs.len() as f64, within, share));
    }
    out
}

/// The trusts whose admitted list after a year is within ±25% of its
/// 2023/24 target and whose share within 18 weeks is within ±10 points
/// (8 of 11 and 2 of 4 since capacity is planned at today's routing; 4 of 11
/// and 2 of 4 planned half at the network's, when Liverpool University's
/// list, planned as the hub for complex cases the default regime's choice
/// does not send it, ran down). Every trust's list is held within ±25%; the
/// shares of the others miss (`docs/VALIDATION.md`).
const LISTS_CM: [&str; 8] = ["RBL", "RBN", "RBT", "REM", "REN", "REP", "RET", "RWW"];
const LISTS_WM: [&str; 2] = ["RLQ", "RWP"];

/// Emergency admissions per trust within ±15% of the A&E file's 2023/24
/// admissions of the area's residents, for every trust with emergency
/// medicine, paediatrics or emergency gynaecology (11 of 11 since each trust's conveyance minutes
/// fit its 2022/23 share; 9 before, the misses East Cheshire and Warrington
/// and Halton), and Liverpool Women's, whose admissions are emergency
/// gynaecology's alone, at an assumed rate (14.8% over since its unit
/// keeps room for peaks and is staffed for its patients, 1% over when it
/// turned one in eight away); each region's list after a year, and each
/// trust's, within ±25% of its 2023/24 target; and the trusts of
/// [`LISTS_CM`] and [`LISTS_WM`] within both tolerances for their lists.
#[test]
fn the_default_world_stays_within_the_nhs_figures_it_meets() {
    // (region, trusts whose emergency admissions are held, trusts whose list and share are held)
    let within = [
        ("cheshire-merseyside", vec!["RBL", "RBN", "RBS", "RBT", "REM", "REP", "RJN", "RJR", "RWW"], LISTS_CM.to_vec()),
        ("west-mercia", vec!["RLQ", "RWP", "RXW"], LISTS_WM.to_vec()),
    ];
    for (name, trusts, listed) in within {
        let (s, runs) = one_year(name);
        let e = emergency(&s, &runs);
        for code in trusts {
            let (real, model) = e[code];
            let gap = model / real - 1.0;
            assert!(gap.abs() <= 0.15, "{name} {code}: emergency admissions {model:.0} against {real:.0} ({gap:+.3})");
        }
        let l = lists(&s, &runs);
        let (target, model): (f64, f64) = l.values().fold((0.0, 0.0), |(t, m), v| (t + v.0, m + v.1));
        assert!((model / target - 1.0).abs() <= 0.25, "{name}: list {model:.0} against {target:.0}");
        for (code, (target, size, ..)) in &l {
            assert!((size / target - 1.0).abs() <= 0.25, "{name} {code}: list {size:.0} against {target:.0}");
        }
        // The providers' position: their NHS region's trusts' 2023/24 deficit
        // (Nuffield Trust: North West 2.2% of income, Midlands 1.5%), which the
        // build plans with the providers' own rules for quality and efficiency;
        // the run adds what the plan leaves out (cover, stretch, cancellations).
        // Held within half a point (−1.91% and −1.12% over the five seeds; −2.59% and −1.97%
        // when the plan left out the quality payment's spending and efficiency).
        let reported = if name == "west-mercia" { -0.015 } else { -0.022 };
        let margin =
            runs.iter().map(|r| r.summary.finance.provider_margin.expect("income")).sum::<f64>() / runs.len() as f64;
        assert!((margin - reported).abs() <= 0.005, "{name}: position {margin:+.4} of income against {reported}");
        let in_deficit = runs.iter().map(|r| r.summary.finance.providers_in_deficit as usize).sum::<usize>();
        assert!(2 * in_deficit > runs.len() * s.providers.len(), "{name}: most providers start in deficit");
        for code in listed {
            let (target, size, within, share) = l[code];
            assert!((size / target - 1.0).abs() <= 0.25, "{name} {code}: list {size:.0} against {target:.0}");
            assert!((share - within).abs() <= 0.10, "{name} {code}: within 18 weeks {share:.3} against {within:.3}");
        }
    }
}

/// Each trust's general and acute bed occupancy over April 2023–March 2024
/// (occupied over available beds, summed over the months reporting both).
fn occupancy() -> BTreeMap<String, f64> {
    let months = [
        "April 2023",
        "May 2023",
        "June 2023",
        "July 2023",
        "August 2023",
        "September 2023",
        "October 2023",
        "November 2023",
        "December 2023",
        "January 2024",
        "February 2024",
        "March 2024",
    ];
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for r in rows("england_trust_ga_critical_beds_2022_2025.csv") {
        // The bed file quotes its text fields.
        let field = |k: &str| r.get(&format!("\"{k}\"")).map(|v| v.trim_matches('"').to_owned()).unwrap_or_default();
        let (available, occupied) = (field("general_acute_beds_available"), field("general_acute_beds_occupied"));
        if let (true, Ok(a), Ok(o)) =
            (months.contains(&field("date").as_str()), available.parse::<f64>(), occupied.parse::<f64>())
            && a > 0.0
        {
            let e = sums.entry(field("nhs_trust22_code")).or_insert((0.0, 0.0));
            e.0 += o;
            e.1 += a;
        }
    }
    sums.into_iter().map(|(code, (o, a))| (code, o / a)).collect()
}

/// Each trust's bed occupancy over the first measured year (seeds 1–5)
/// within 5 points of its 2023/24 occupancy, for every trust (12 of 12 in
/// Cheshire & Merseyside, 4 of 4 in West Mercia; Liverpool Women's since
/// staff are counted against the activity units are staffed for, not the
/// room they keep for peaks; docs/VALIDATION.md).
#[test]
fn shared_beds_stay_within_five_points_of_real_occupancy_where_they_are() {
    let real = occupancy();
    assert!((real["RBL"] - 0.935).abs() < 0.001, "the bed file read: Wirral {:.4}", real["RBL"]);
    let within = [
        (
            "cheshire-merseyside",
            vec!["RBL", "RBN", "RBQ", "RBS", "RBT", "REM", "REN", "REP", "RET", "RJN", "RJR", "RWW"],
        ),
        ("west-mercia", vec!["RL1", "RLQ", "RWP", "RXW"]),
    ];
    for (name, trusts) in within {
        let (s, runs) = one_year(name);
        for code in trusts {
            let p = s.providers.iter().find(|p| p.trust.as_deref() == Some(code)).expect("the trust");
            assert!(p.beds.is_some(), "{name} {code} has shared beds");
            let model = runs
                .iter()
                .map(|r| r.providers.iter().find(|q| q.id == p.id).and_then(|q| q.bed_occupancy).expect("occupancy"))
                .sum::<f64>()
                / runs.len() as f64;
            let gap = model - real[code];
            assert!(gap.abs() <= 0.05, "{name} {code}: occupancy {model:.3} against {:.3} ({gap:+.3})", real[code]);
        }
    }
}
