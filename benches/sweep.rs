//! Sweep throughput with one and two worker threads, and the peak memory of
//! sweeps of 100 and 10,000 runs.
//!
//! Throughput: 400 ten-year runs of the duopoly (20 replicates × 10 pooling
//! values × 2 arms), in runs per second, with `-j 1` and `-j 2`. Memory:
//! the real binary runs a 100-run and a 10,000-run sweep of one-year runs
//! of the same kind and the peak resident set of each child is printed
//! before the timings. Planning: a Sobol design of 600 points on the shipped
//! Cheshire & Merseyside scenario (323 localities), each point built and
//! validated as `ccsim sweep` does before it runs anything.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use ccsim::sweep::plan::{self as sweep_plan, Plan};
use ccsim::sweep::runner::{self, Options};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

fn spec_file(dir: &Path, replicates: u32, years: u32) -> std::path::PathBuf {
    let v = json!({
        "scenario": "builtin:duopoly",
        "arms": ["competition", "collaboration"],
        "parameters": {"regime.pooling": {"from": 0.0, "to": 0.9, "step": 0.1}},
        "replicates": replicates,
        "seed": 1,
        "years": years,
        "metrics": ["waiting.overall", "outcomes.overall", "finance.cost_per_episode"]
    });
    let path = dir.join(format!("spec-{replicates}-{years}.json"));
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    path
}

fn plan(dir: &Path, replicates: u32, years: u32) -> Plan {
    sweep_plan::load(&spec_file(dir, replicates, years)).expect("valid spec")
}

fn throughput(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan(dir.path(), 20, 10);
    let mut g = c.benchmark_group("sweep_runs");
    g.sample_size(10);
    g.throughput(Throughput::Elements(plan.total_runs()));
    for threads in [1, 2] {
        g.bench_with_input(BenchmarkId::new("jobs", threads), &threads, |b, &threads| {
            b.iter_batched(
                || tempfile::tempdir().expect("tempdir"),
                |out| {
                    let opts = Options { threads, resume: false, shard: None, adaptive: None, export: None };
                    black_box(runner::run(&plan, &out.path().join("sweep"), opts, &()).expect("sweep"))
                },
                criterion::BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn planning(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = json!({
        "scenario": concat!(env!("CARGO_MANIFEST_DIR"), "/configs/cheshire-merseyside.json"),
        "parameters": {"behaviour.altruism": {"min": 0, "max": 100}},
        "design": "sobol",
        "samples": 200,
        "replicates": 1,
        "years": 1
    });
    let path = dir.path().join("spec-plan.json");
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    let points = sweep_plan::load(&path).expect("valid spec").points();
    let mut g = c.benchmark_group("sweep_plan");
    g.sample_size(10);
    g.throughput(Throughput::Elements(points as u64));
    g.bench_function("sobol_cheshire_merseyside", |b| {
        b.iter(|| black_box(sweep_plan::load(&path).expect("valid spec")))
    });
    g.finish();
}

/// Peak resident set (KB) of a child `ccsim sweep` of `replicates` × 20
/// runs, sampled from /proc every millisecond while it runs (getrusage
/// would count the benchmark's own memory, which the child has before exec).
fn peak_kb(dir: &Path, replicates: u32) -> u64 {
    let spec = spec_file(dir, replicates, 1);
    let out = dir.join(format!("out-{replicates}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccsim"))
        .arg("sweep")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "-j", "2"])
        .spawn()
        .expect("ccsim runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak = peak.max(kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("waits") {
            assert!(status.success());
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn memory(_: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let small = peak_kb(dir.path(), 5);
    let large = peak_kb(dir.path(), 500);
    let change = 100.0 * (large as f64 - small as f64) / small as f64;
    println!("sweep peak memory: 100 runs {small} KB, 10,000 runs {large} KB ({change:+.1}%)");
}

criterion_group!(benches, memory, throughput, planning);
criterion_main!(benches);
