//! How the cost of a run grows with the size of the health economy.
//!
//! `builtin`: 10-year runs (plus the 1-year warm-up) of the shipped
//! scenarios, one core. `grid`: synthetic economies of n providers on a
//! square grid with four localities each and 250,000 residents per provider,
//! so that the growth of cost with providers and population is visible.
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
    for name in ["duopoly", "west-mercia", "cheshire-merseyside"] {
        let s = builtin(name).expect("built-in scenario");
        g.throughput(Throughput::Elements(episodes(&s)));
        g.bench_with_input(BenchmarkId::from_parameter(name), &s, |b, s| b.iter(|| model::run(black_box(s), 1, false)));
    }
    g.finish();
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

criterion_group!(benches, builtin_scenarios, grid_scaling);
criterion_main!(benches);
