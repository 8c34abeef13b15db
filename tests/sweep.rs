//! Sweeps through the real binary: reproducible at any thread count,
//! resumable after SIGKILL, shardable, paired, and strict about bad specs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccsim::sweep::summary::SweepSummary;
use serde_json::{Value, json};

use crate::common::ccsim;

fn spec(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(v).expect("json")).expect("write spec");
    path
}

/// The minimal spec, with a scenario path that works from the test's directory.
fn minimal() -> Value {
    json!({
        "scenario": "configs/duopoly.json",
        "arms": ["competition", "collaboration"],
        "parameters": {"regime.pooling": {"values": [0.0, 0.5, 1.0]}},
        "design": "grid",
        "replicates": 4,
        "seed": 2026,
        "years": 2
    })
}

fn sweep(spec: &Path, out: &Path, extra: &[&str]) {
    let o = ccsim().arg("sweep").arg(spec).arg("--out").arg(out).arg("--quiet").args(extra).output().expect("runs");
    assert!(o.status.success(), "sweep failed: {}", String::from_utf8_lossy(&o.stderr));
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
}

fn assert_same_results(a: &Path, b: &Path) {
    assert!(
        read(a, "runs.jsonl") == read(b, "runs.jsonl"),
        "runs.jsonl differ between {} and {}",
        a.display(),
        b.display()
    );
    assert!(read(a, "summary.json") == read(b, "summary.json"), "summary.json differ");
}

#[test]
fn the_minimal_spec_gives_identical_results_with_one_or_two_threads() {
    let t = tempfile::tempdir().expect("tempdir");
    let s = spec(t.path(), "minimal.json", &minimal());
    let (one, two) = (t.path().join("j1"), t.path().join("j2"));
    sweep(&s, &one, &["-j", "1"]);
    sweep(&s, &two, &["-j", "2"]);
    assert_same_results(&one, &two);
    let lines = read(&one, "runs.jsonl");
    assert_eq!(lines.iter().filter(|&&b| b == b'\n').count(), 24);
    let summary: SweepSummary = serde_json::from_slice(&read(&one, "summary.json")).expect("summary");
    assert_eq!(summary.points.len(), 3);
    let p = &summary.points[2];
    assert_eq!(p.parameters["regime.pooling"], json!(1.0));
    let d = &p.differences["collaboration - competition"].metrics["outcomes.overall.adverse_rate"];
    assert_eq!(d.n, 4);
    assert!(d.ci95.is_some());
    let manifest: Value = serde_json::from_slice(&read(&one, "manifest.json")).expect("manifest");
    assert_eq!(manifest["threads"], 1);
    assert!(manifest["finished"].is_string());
}

#[test]
fn arms_of_the_same_regime_differ_by_exactly_zero() {
    let t = tempfile::tempdir().expect("tempdir");
    let mut v = minimal();
    v["arms"] = json!(["competition", {"name": "again", "preset": "competition"}]);
    v["replicates"] = json!(3);
    let s = spec(t.path(), "same.json", &v);
    let out = t.path().join("out");
    sweep(&s, &out, &[]);
    let summary: SweepSummary = serde_json::from_slice(&read(&out, "summary.json")).expect("summary");
    for p in &summary.points {
        let d = &p.differences["again - competition"];
        assert!(d.metrics.len() > 50);
        for (name, stat) in &d.metrics {
            assert_eq!((stat.mean, stat.sd), (0.0, Some(0.0)), "{name}");
        }
    }
}

/// Starts a sweep, SIGKILLs it once `lines` runs are written, and appends
/// half a line as if the kill had come mid-write; returns the runs written.
fn kill_after(spec: &Path, out: &Path, lines: usize, extra: &[&str]) -> usize {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccsim"))
        .arg("sweep")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    let runs = out.join("runs.jsonl");
    let start = Instant::now();
    loop {
        let written = std::fs::read(&runs).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0);
        if written >= lines {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the sweep never started writing");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let mut bytes = std::fs::read(&runs).expect("runs");
    let done = bytes.iter().filter(|&&c| c == b'\n').count();
    bytes.extend_from_slice(b"{\"run\":599,\"point\":2,\"repl");
    std::fs::write(&runs, bytes).expect("truncate");
    done
}

#[test]
fn a_sweep_killed_mid_write_resumes_to_the_same_result() {
    let t = tempfile::tempdir().expect("tempdir");
    let mut v = minimal();
    v["replicates"] = json!(100);
    v["years"] = json!(5);
    let s = spec(t.path(), "long.json", &v);
    let whole = t.path().join("whole");
    sweep(&s, &whole, &["-j", "2"]);

    let broken = t.path().join("broken");
    let done = kill_after(&s, &broken, 5, &["-j", "2"]);
    assert!(done < 600, "the sweep finished before it was killed; make it longer");

    let o = ccsim().arg("sweep").arg(&s).arg("--out").arg(&broken).arg("--quiet").output().expect("runs");
    assert_eq!(o.status.code(), Some(2), "an existing directory without --resume must be refused");
    sweep(&s, &broken, &["--resume", "-j", "2"]);
    assert_same_results(&whole, &broken);
    let manifest: Value = serde_json::from_slice(&read(&broken, "manifest.json")).expect("manifest");
    assert_eq!(manifest["resumed"].as_array().map(Vec::len), Some(1));
    // Resuming a finished sweep runs nothing and changes nothing.
    sweep(&s, &broken, &["--resume"]);
    assert_same_results(&whole, &broken);
}

/// A short horizon makes a noisy adverse rate, a long one a precise rate.
fn noisy_and_quiet(replicates: u32, horizons: &[u32]) -> Value {
    json!({
        "scenario": "configs/duopoly.json",
        "arms": ["competition", "collaboration"],
        "parameters": {"time.horizon_weeks": {"values": horizons}},
        "replicates": replicates,
        "seed": 7
    })
}

const ADVERSE: &str = "outcomes.overall.adverse_rate";

#[test]
fn adaptive_replication_adds_replicates_only_where_the_interval_is_wide() {
    let t = tempfile::tempdir().expect("tempdir");
    let s = spec(t.path(), "adaptive.json", &noisy_and_quiet(3, &[6, 208]));
    let flags = ["--target-ci", "outcomes.overall.adverse_rate=0.004", "--max-replicates", "30"];
    let (one, two) = (t.path().join("j1"), t.path().join("j2"));
    sweep(&s, &one, &[&flags[..], &["-j", "1"]].concat());
    sweep(&s, &two, &[&flags[..], &["-j", "2"]].concat());
    assert_same_results(&one, &two);

    let summary: SweepSummary = serde_json::from_slice(&read(&one, "summary.json")).expect("summary");
    let (noisy, quiet) = (&summary.points[0], &summary.points[1]);
    assert_eq!(quiet.replicates, 3, "a precise point keeps the spec's replicates");
    let extra = noisy.replicates;
    assert!(extra > 3 && extra < 30 && extra % 3 == 0, "the noisy point took rounds of 3: {extra}");
    for p in [noisy, quiet] {
        for (arm, stats) in &p.arms {
            let s = &stats.metrics[ADVERSE];
            assert_eq!(s.n as u32, p.replicates, "{arm}");
            let [lo, hi] = s.ci95.expect("an interval");
            assert!(hi - lo <= 0.004, "point {} {arm}: width {}", p.point, hi - lo);
        }
    }
    // One round fewer would not have done.
    let lines = read(&one, "runs.jsonl").iter().filter(|&&b| b == b'\n').count();
    assert_eq!(lines as u32, (extra + 3) * 2);

    // The noisy point's replicates are the first `extra` of a fixed sweep.
    let fixed = spec(t.path(), "fixed.json", &noisy_and_quiet(extra, &[6]));
    let out = t.path().join("fixed");
    sweep(&fixed, &out, &[]);
    let f: SweepSummary = serde_json::from_slice(&read(&out, "summary.json")).expect("summary");
    let json = |p: &ccsim::sweep::summary::PointSummary| serde_json::to_value((&p.arms, &p.differences)).expect("json");
    assert_eq!(json(&f.points[0]), json(noisy));
    let narrower = |n: u32| {
        let s = spec(t.path(), "fewer.json", &noisy_and_quiet(n, &[6]));
        let out = t.path().join(format!("fewer{n}"));
        sweep(&s, &out, &[]);
        let f: SweepSummary = serde_json::from_slice(&read(&out, "summary.json")).expect("summary");
        f.points[0].arms.values().all(|a| a.metrics[ADVERSE].ci95.is_some_and(|[lo, hi]| hi - lo <= 0.004))
    };
    assert!(!narrower(extra - 3), "the sweep stopped one round late");
    let page = t.path().join("report.html");
    let o = ccsim().arg("report").arg(&one).arg("--out").arg(&page).output().expect("runs");
    assert!(o.status.success());
    let html = std::fs::read_to_string(&page).expect("report");
    assert!(html.contains(&format!("3–{extra} replicates (adaptive")), "the report states the replicates taken");
    assert!(html.contains(&format!("= {} runs", (extra + 3) * 2)));
}

#[test]
fn an_adaptive_sweep_killed_mid_round_resumes_to_the_same_result() {
    let t = tempfile::tempdir().expect("tempdir");
    let mut v = noisy_and_quiet(10, &[2, 4, 104]);
    v["scenario"] = json!("configs/west-mercia.json");
    // A long warm-up keeps the sweep running long enough to be killed.
    v["parameters"]["time.warmup_weeks"] = json!({"values": [260]});
    let s = spec(t.path(), "adaptive.json", &v);
    let flags = ["--target-ci", "collaboration - competition:outcomes.overall.adverse_rate=0.0003", "-j", "2"];
    let whole = t.path().join("whole");
    sweep(&s, &whole, &flags);
    let summary: SweepSummary = serde_json::from_slice(&read(&whole, "summary.json")).expect("summary");
    let total: u32 = summary.points.iter().map(|p| p.replicates).sum();
    let counts: Vec<u32> = summary.points.iter().map(|p| p.replicates).collect();
    assert_eq!(counts[0], 80, "the noisiest point stops at the default cap of 8 × 10");
    assert!(counts[1] > 10 && counts[2] == 10, "{counts:?}");

    let broken = t.path().join("broken");
    let done = kill_after(&s, &broken, 30, &flags);
    assert!(done < total as usize * 2, "the sweep finished before it was killed; make it longer");
    let o =
        ccsim().arg("sweep").arg(&s).arg("--out").arg(&broken).args(["--quiet", "--resume"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(2), "resuming without the same --target-ci must be refused");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--target-ci differ"));
    sweep(&s, &broken, &[&flags[..], &["--resume"]].concat());
    assert_same_results(&whole, &broken);
}

#[test]
fn three_shards_in_separate_processes_merge_into_the_whole_sweep() {
    let t = tempfile::tempdir().expect("tempdir");
    let s = spec(t.path(), "minimal.json", &minimal());
    let whole = t.path().join("whole");
    sweep(&s, &whole, &[]);
    let shards: Vec<PathBuf> = (1..=3).map(|i| t.path().join(format!("shard{i}"))).collect();
    let children: Vec<_> = shards
        .iter()
        .enumerate()
        .map(|(i, dir)| {
            Command::new(env!("CARGO_BIN_EXE_ccsim"))
                .arg("sweep")
                .arg(&s)
                .arg("--out")
                .arg(dir)
                .args(["--quiet", "-j", "1", "--shard", &format!("{}/3", i + 1)])
                .spawn()
                .expect("spawns")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("waits").success());
    }
    assert!(!shards[0].join("summary.json").exists(), "a shard alone has no summary");
    let merged = t.path().join("merged");
    let o = ccsim().arg("merge").args(&shards).arg("--out").arg(&merged).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_results(&whole, &merged);

    // Missing and overlapping shards are refused, and nothing is written.
    for (dirs, expected) in [
        (&shards[..2], "are in none of the shards"),
        (&[shards[0].clone(), shards[0].clone(), shards[1].clone(), shards[2].clone()][..], "appears in both"),
    ] {
        let out = t.path().join("refused");
        let o = ccsim().arg("merge").args(dirs).arg("--out").arg(&out).output().expect("runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!out.exists());
    }
    // Shards of another sweep are refused.
    let mut other = minimal();
    other["seed"] = json!(7);
    let other_spec = spec(t.path(), "other.json", &other);
    let stranger = t.path().join("stranger");
    sweep(&other_spec, &stranger, &["--shard", "3/3"]);
    let o = ccsim()
        .arg("merge")
        .args(&shards[..2])
        .arg(&stranger)
        .arg("--out")
        .arg(t.path().join("x"))
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds a different sweep"));
}

#[test]
fn bad_specs_are_clear_errors_and_write_nothing() {
    let t = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"parameters": {"services.elective_surgery.tarif": {"values": [1000]}}}),
            "unknown parameter path `services.elective_surgery.tarif`; nearest valid paths: services.elective_surgery.tariff",
        ),
        (json!({"parameters": {"regime.pooling": {"values": [1.5]}}}), "expected a number in [0, 1], found 1.5"),
        (
            json!({"parameters": {"choice.beta_wait": {"values": [-1]}}}),
            "(choice.beta_wait = -1), arm `competition`: at `choice.beta_wait`: expected a number in [0, 100], found -1",
        ),
        (
            json!({"parameters": {"regime.pooling": {"values": []}}}),
            "at `parameters.regime.pooling.values`: expected at least one value",
        ),
        (json!({"replicates": 0}), "expected at least 1 replicate"),
        (
            json!({"design": "latin_hypercube", "parameters": {"regime.pooling": {"min": 0, "max": 1}}}),
            "needs `samples`",
        ),
        (
            json!({"design": "random", "samples": 5, "parameters": {"regime.pooling": {"values": [0.5]}}}),
            "needs `min` and `max`",
        ),
        (json!({"arms": ["anarchy"]}), "expected a preset"),
        (json!({"samples": 5}), "at `samples`: a `grid` design does not take `samples`; remove it"),
        (
            json!({"design": "sobol", "samples": 8, "trajectories": 3, "parameters": {"regime.pooling": {"min": 0, "max": 1}}}),
            "a `sobol` design does not take `trajectories`",
        ),
        (
            json!({"design": "morris", "parameters": {"regime.pooling": {"min": 0, "max": 1}}}),
            "a Morris design needs `trajectories`",
        ),
        (
            json!({"design": "morris", "trajectories": 4, "levels": 3, "parameters": {"regime.pooling": {"min": 0, "max": 1}}}),
            "expected an even number of levels, at least 2, found 3",
        ),
        (json!({"colour": "red"}), "unknown field `colour`"),
    ];
    for (i, (changes, expected)) in cases.into_iter().enumerate() {
        let mut v = minimal();
        for (k, x) in changes.as_object().expect("object") {
            v[k] = x.clone();
        }
        let s = spec(t.path(), &format!("bad{i}.json"), &v);
        let out = t.path().join(format!("out{i}"));
        let o = ccsim().arg("sweep").arg(&s).arg("--out").arg(&out).output().expect("runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {stderr}");
        assert!(stderr.contains(&format!("bad{i}.json")), "case {i}: file not named: {stderr}");
        assert!(stderr.contains(expected), "case {i}: {stderr}");
        assert!(!out.exists(), "case {i}: wrote to the output directory");
    }
    let s = spec(t.path(), "ok.json", &minimal());
    let out = t.path().join("shard");
    let o = ccsim().arg("sweep").arg(&s).arg("--out").arg(&out).args(["--shard", "3/2"]).output().expect("runs");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard: expected I/N with 1 ≤ I ≤ N"));
    assert!(!out.exists());
    let flags: [(&[&str], &str); 6] = [
        (&["--max-replicates", "9"], "--max-replicates: only with --target-ci"),
        (&["--target-ci", "outcomes.overall.adverse_rate"], "expected [TARGET:]METRIC=WIDTH"),
        (
            &["--target-ci", "outcomes.overall.adverse_rat=0.01"],
            "nearest valid metrics are: outcomes.overall.adverse_rate",
        ),
        (
            &["--target-ci", "monopoly:outcomes.overall.adverse_rate=0.01"],
            "valid targets are: competition, collaboration",
        ),
        (&["--target-ci", "outcomes.overall.adverse_rate=0.01", "--max-replicates", "2"], "below the spec's 4"),
        (&["--target-ci", "outcomes.overall.adverse_rate=0.01", "--shard", "1/2"], "cannot be combined with --shard"),
    ];
    for (extra, expected) in flags {
        let o = ccsim().arg("sweep").arg(&s).arg("--out").arg(&out).args(extra).output().expect("runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert!(!out.exists(), "{extra:?}: wrote to the output directory");
    }
}

/// The Slurm script's shard and merge steps, run as the array tasks would
/// run them, give the same result as one sweep.
#[test]
fn the_slurm_script_shards_and_merges_to_the_whole_sweep() {
    let t = tempfile::tempdir().expect("tempdir");
    let s = spec(t.path(), "minimal.json", &minimal());
    let whole = t.path().join("whole");
    sweep(&s, &whole, &[]);
    let out = t.path().join("cluster");
    let script = |mode: &str, task: Option<u32>| {
        let mut c = Command::new("bash");
        c.arg("configs/slurm/sweep-array.sh").arg(mode).arg(&s).arg(&out).env("CCSIM", env!("CARGO_BIN_EXE_ccsim"));
        if let Some(i) = task {
            c.env("SLURM_ARRAY_TASK_ID", i.to_string()).env("SLURM_ARRAY_TASK_COUNT", "2");
        }
        let o = c.output().expect("bash runs");
        assert!(o.status.success(), "{mode}: {}", String::from_utf8_lossy(&o.stderr));
    };
    script("shard", Some(1));
    script("shard", Some(2));
    script("shard", Some(2)); // a requeued task resumes its finished shard
    script("merge", None);
    assert_same_results(&whole, &out.join("merged"));
}

#[test]
fn every_shipped_sweep_spec_plans() {
    // The posterior sweeps read a calibration's results and the travel-risk sweep scenarios
    // written by `jq` (README): neither is in a fresh clone. The search spec is not a sweep.
    let needs_results = ["posterior-", "travel-risk", "search-"];
    let mut planned = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir("configs/sweeps")
        .expect("the shipped sweeps")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).expect("a name").to_owned();
        if needs_results.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("reads");
        let spec: ccsim::sweep::spec::SweepSpec =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not a sweep spec: {e}"));
        let plan = ccsim::sweep::plan::plan(spec, Path::new("configs/sweeps"));
        assert!(plan.is_ok(), "{name}: {}", plan.err().unwrap_or_default());
        planned += 1;
    }
    assert!(planned >= 12, "{planned} specs planned");
}
