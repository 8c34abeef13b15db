//! Sweeps killed at every phase (start, running, sort, summary) resume to
//! the bytes of an uninterrupted sweep; a second process on the same
//! directory is refused while the first finishes intact.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::common::{ccsim, long_tests};

/// Many short runs: a runs file of several MB, so sorting it takes a while.
fn spec(dir: &Path) -> PathBuf {
    let path = dir.join("spec.json");
    let v = json!({
        "scenario": "configs/duopoly.json",
        "arms": ["competition", "collaboration"],
        "replicates": 600,
        "seed": 7,
        "years": 1
    });
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write spec");
    path
}

fn start(spec: &Path, out: &Path, resume: bool) -> Child {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ccsim"));
    c.arg("sweep").arg(spec).arg("--out").arg(out).args(["--quiet", "-j", "2"]);
    if resume {
        c.arg("--resume");
    }
    c.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawns")
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Start,
    Running,
    Sort,
    Summary,
    Finished,
}

/// Where a killed sweep was, from what it left.
fn phase(out: &Path, reference: &Path) -> Phase {
    let runs = std::fs::read(out.join("runs.jsonl")).unwrap_or_default();
    let full = std::fs::read(reference.join("runs.jsonl")).expect("reference runs");
    if !out.join("manifest.json").exists() {
        Phase::Start
    } else if runs.len() < full.len() {
        Phase::Running
    } else if runs != full {
        Phase::Sort
    } else if !out.join("summary.json").exists() {
        Phase::Summary
    } else {
        Phase::Finished
    }
}

/// Kills a sweep once `ready` holds, after `delay`, and resumes it; the
/// result must equal the reference. Returns the phase the kill hit.
fn kill_and_resume(spec: &Path, out: &Path, reference: &Path, ready: &dyn Fn(&Path) -> bool, delay: Duration) -> Phase {
    let _ = std::fs::remove_dir_all(out);
    let mut child = start(spec, out, false);
    let t0 = Instant::now();
    while !ready(out) {
        if child.try_wait().expect("poll").is_some() {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(120), "the sweep never reached the phase");
        std::thread::sleep(Duration::from_micros(200));
    }
    std::thread::sleep(delay);
    let _ = child.kill();
    child.wait().expect("reaped");
    let hit = phase(out, reference);
    let o = start(spec, out, true).wait_with_output().expect("resume runs");
    assert!(o.status.success(), "resume after a kill in {hit:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    for file in ["runs.jsonl", "summary.json"] {
        let (a, b) = (std::fs::read(out.join(file)), std::fs::read(reference.join(file)));
        assert!(a.expect("resumed") == b.expect("reference"), "{file} differs after a kill in {hit:?}");
    }
    let strays: Vec<String> = std::fs::read_dir(out)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(strays.is_empty(), "temporary files left after a kill in {hit:?}: {strays:?}");
    hit
}

#[test]
fn a_sweep_killed_in_any_phase_resumes_to_the_same_bytes() {
    let t = tempfile::tempdir().expect("tempdir");
    let s = spec(t.path());
    let reference = t.path().join("reference");
    let o = ccsim().arg("sweep").arg(&s).arg("--out").arg(&reference).arg("--quiet").output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let full = size(&reference.join("runs.jsonl"));
    let out = t.path().join("killed");

    let at_start = |d: &Path| d.join(".ccsim.lock").exists();
    let running = |d: &Path| size(&d.join("runs.jsonl")) > full / 10;
    let written = |d: &Path| size(&d.join("runs.jsonl")) >= full;
    let mut hits = Vec::new();
    hits.push(kill_and_resume(&s, &out, &reference, &at_start, Duration::ZERO));
    hits.push(kill_and_resume(&s, &out, &reference, &running, Duration::ZERO));
    // Every run written: the sort and the summary follow within milliseconds.
    for delay_us in [0, 2_000, 6_000] {
        hits.push(kill_and_resume(&s, &out, &reference, &written, Duration::from_micros(delay_us)));
    }
    if long_tests() {
        // At least 20 kills at random moments of each phase.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..20 {
            let d = |max_us: u64, rng: &mut rand_chacha::ChaCha8Rng| Duration::from_micros(rng.random_range(0..max_us));
            hits.push(kill_and_resume(&s, &out, &reference, &at_start, d(3_000, &mut rng)));
            hits.push(kill_and_resume(&s, &out, &reference, &running, d(200_000, &mut rng)));
            hits.push(kill_and_resume(&s, &out, &reference, &written, d(40_000, &mut rng)));
        }
    }
    hits.sort();
    hits.dedup();
    eprintln!("phases hit: {hits:?}");
    assert!(hits.contains(&Phase::Running), "{hits:?}");
    assert!(hits.iter().any(|&p| p >= Phase::Sort), "no kill came after every run was written: {hits:?}");
}

#[test]
fn a_second_sweep_on_a_directory_in_use_is_refused_and_the_first_finishes_intact() {
    let t = tempfile::tempdir().expect("tempdir");
    let s = spec(t.path());
    let reference = t.path().join("reference");
    let o = ccsim().arg("sweep").arg(&s).arg("--out").arg(&reference).arg("--quiet").output().expect("runs");
    assert!(o.status.success());

    let out = t.path().join("shared");
    let first = start(&s, &out, false);
    let t0 = Instant::now();
    while size(&out.join("runs.jsonl")) == 0 {
        assert!(t0.elapsed() < Duration::from_secs(60), "the first sweep never started");
        std::thread::sleep(Duration::from_millis(1));
    }
    for resume in [false, true] {
        let o = start(&s, &out, resume).wait_with_output().expect("second runs");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        if resume {
            assert!(err.contains("in use by another ccsim process"), "{err}");
            assert!(err.contains(&format!("PID {}", first.id())), "names the holder: {err}");
        }
    }
    let o = first.wait_with_output().expect("first finishes");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for file in ["runs.jsonl", "summary.json"] {
        assert!(
            std::fs::read(out.join(file)).expect("first") == std::fs::read(reference.join(file)).expect("reference"),
            "{file} damaged by the refused second process"
        );
    }
}
