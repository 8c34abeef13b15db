//! `ccsim calibrate`: recovering known parameters from the model's own
//! output, the same bytes at any thread count and after a kill, and clear
//! refusals of bad specs.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::ccsim;

const SPEC: &str = "configs/calibration/duopoly.json";
const FILES: [&str; 3] = ["simulations.jsonl", "posterior.json", "calibrated.json"];

fn calibrate(spec: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    ccsim()
        .args(["calibrate", spec.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8"), "--quiet"])
        .args(extra)
        .output()
        .expect("runs")
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("exists")).expect("JSON")
}

fn same_files(a: &Path, b: &Path, what: &str) {
    for f in FILES {
        let (x, y) = (std::fs::read(a.join(f)).expect("a"), std::fs::read(b.join(f)).expect("b"));
        assert!(x == y, "{f} differs {what}");
    }
}

/// The duopoly's own output at older residents' referral rate 190 and
/// `choice.beta_minutes` 0.22 is the data: the posterior must hold both,
/// pin the rate (which sets how many are treated) to a few percent, and
/// leave the choice parameter wide where travel hardly moves with it
/// (above about 0.2 nearly everyone goes to the nearer provider).
#[test]
fn known_parameters_are_recovered_with_their_uncertainty() {
    let t = tempfile::tempdir().expect("temp");
    let out = t.path().join("one");
    let o = calibrate(Path::new(SPEC), &out, &["-j", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let post = read(&out.join("posterior.json"));
    let param = |path: &str| {
        post["parameters"].as_array().expect("list").iter().find(|p| p["path"] == path).expect("there")["posterior"]
            .clone()
    };
    let rate = param("services.elective_surgery.referral_rate.older");
    let (lo, median, hi) =
        (rate["q05"].as_f64().unwrap(), rate["median"].as_f64().unwrap(), rate["q95"].as_f64().unwrap());
    assert!(lo < 190.0 && 190.0 < hi, "90% interval [{lo}, {hi}] misses 190");
    assert!((median - 190.0).abs() < 190.0 * 0.05, "median {median}");
    // The data's sd (400 of 21,435 treated, 1.9%) alone allows the rate ± 3.5;
    // an interval far narrower would ignore the observation error.
    assert!(hi - lo > 2.0 * 1.645 * 3.5 * 0.7 && hi - lo < 60.0, "90% interval [{lo}, {hi}]");
    let beta = param("choice.beta_minutes");
    let (blo, bhi) = (beta["q05"].as_f64().unwrap(), beta["q95"].as_f64().unwrap());
    assert!(blo < 0.22 && 0.22 < bhi, "choice interval [{blo}, {bhi}] misses 0.22");
    assert!(blo > 0.05, "low choice weights send patients past the nearer provider: [{blo}, {bhi}]");
    // Tolerances shrink; weights sum to one; every point is recorded once.
    let gens = post["generations"].as_array().expect("list");
    for pair in gens.windows(2) {
        assert!(pair[1]["tolerance"].as_f64() <= pair[0]["tolerance"].as_f64());
    }
    let total: f64 = post["particles"].as_array().expect("list").iter().map(|p| p["weight"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9);
    let lines = std::fs::read_to_string(out.join("simulations.jsonl")).expect("lines");
    let simulated: u64 = gens.iter().map(|g| g["simulations"].as_u64().unwrap()).sum();
    assert_eq!(lines.lines().count() as u64, simulated);
    assert_eq!(post["simulations"].as_u64(), Some(simulated));
    // The fit: observed against the posterior's simulated values.
    for target in post["targets"].as_array().expect("list") {
        let s = &target["simulated"];
        let observed = target["observed"].as_f64().unwrap();
        let sd = target["sd"].as_f64().unwrap();
        assert!((s["median"].as_f64().unwrap() - observed).abs() < 2.0 * sd, "{target}");
    }
    // The calibrated scenario runs, at the posterior medians, naming its calibration.
    let cal = read(&out.join("calibrated.json"));
    assert_eq!(cal["services"]["elective_surgery"]["referral_rate"]["older"].as_f64(), Some(median));
    assert_eq!(cal["name"], "duopoly-calibrated");
    let sources = cal["sources"].as_array().expect("list");
    assert!(sources.last().and_then(Value::as_str).is_some_and(|s| s.starts_with("Calibrated by `ccsim calibrate`")));
    let o = ccsim().args(["check", out.join("calibrated.json").to_str().unwrap()]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The same bytes on two threads, and after a resume of a cut-short file.
    let two = t.path().join("two");
    assert!(calibrate(Path::new(SPEC), &two, &["-j", "2"]).status.success());
    same_files(&out, &two, "between 1 and 2 threads");
    let lines: Vec<&str> = lines.lines().collect();
    let cut = t.path().join("cut");
    std::fs::create_dir(&cut).expect("dir");
    std::fs::copy(out.join("manifest.json"), cut.join("manifest.json")).expect("copy");
    // A third of the points, then half a line, as a kill mid-write leaves it.
    let keep = lines.len() / 3;
    let mut text: String = lines[..keep].iter().map(|l| format!("{l}\n")).collect();
    text.push_str(&lines[keep][..lines[keep].len() / 2]);
    std::fs::write(cut.join("simulations.jsonl"), text).expect("write");
    let o = ccsim().args(["calibrate", SPEC, "--out", cut.to_str().unwrap(), "--resume"]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains(&format!("{} already recorded", keep)), "{said}");
    same_files(&out, &cut, "after a resume");
}

#[test]
fn a_killed_calibration_resumes_to_the_same_bytes() {
    let t = tempfile::tempdir().expect("temp");
    let reference = t.path().join("reference");
    assert!(calibrate(Path::new(SPEC), &reference, &[]).status.success());
    let out = t.path().join("killed");
    for delay in [50u64, 150, 300] {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ccsim"))
            .args(["calibrate", SPEC, "--out", out.to_str().unwrap(), "--quiet"])
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let resume = if out.join("manifest.json").exists() { &["--resume"][..] } else { &[][..] };
        let o = calibrate(Path::new(SPEC), &out, resume);
        assert!(o.status.success(), "after a kill at {delay} ms: {}", String::from_utf8_lossy(&o.stderr));
        same_files(&reference, &out, &format!("after a kill at {delay} ms"));
    }
}

fn spec_with(change: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let mut v = read(Path::new(SPEC));
    change(&mut v);
    let t = tempfile::tempdir().expect("temp");
    let path = t.path().join("spec.json");
    std::fs::write(&path, serde_json::to_vec(&v).expect("JSON")).expect("write");
    (t, path)
}

fn refused(change: impl FnOnce(&mut Value), expected: &[&str]) {
    let (t, spec) = spec_with(change);
    let out = t.path().join("out");
    let o = calibrate(&spec, &out, &[]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("spec.json"), "names the file: {e}");
    for x in expected {
        assert!(e.contains(x), "expected `{x}` in: {e}");
    }
    assert!(!out.exists() || std::fs::read_dir(&out).expect("dir").count() == 0, "wrote something: {e}");
}

#[test]
fn bad_specs_are_refused_with_the_field_and_nothing_written() {
    refused(
        |v| v["parameters"]["choice.beta_minute"] = json!({"min": 0.1, "max": 1}),
        &["unknown parameter path `choice.beta_minute`", "choice.beta_minutes"],
    );
    refused(|v| v["targets"][0]["sd"] = json!(0), &["at `targets[0].sd`", "above 0"]);
    refused(
        |v| v["targets"][1]["metric"] = json!("summary.access.overall.mean_minute"),
        &["at `targets[1].metric`", "summary.access.overall.mean_minutes"],
    );
    refused(|v| v["targets"][1]["metric"] = json!("access.overall"), &["at `targets[1].metric`", "`summary`"]);
    refused(|v| v["parameters"]["regime.pooling"] = json!({"min": 0, "max": 1}), &["regime knob", "`regime`"]);
    refused(|v| v["alpha"] = json!(1.0), &["at `alpha`"]);
    refused(
        |v| v["parameters"]["choice.beta_minutes"] = json!({"min": 1, "max": 0.02}),
        &["at `parameters.choice.beta_minutes`", "min ≤ max"],
    );
    refused(
        |v| v["targets"][0].as_object_mut().unwrap().remove("sd").map(|_| ()).unwrap(),
        &["`sd` or its 95% `interval`"],
    );
    refused(
        |v| v["parameters"]["choice.beta_minutes"] = json!({"values": [0.1, 0.2]}),
        &["at `parameters.choice.beta_minutes`", "`min` and `max`"],
    );
    refused(
        |v| v["parameters"]["services.elective_surgery.tariff"] = json!({"min": -100, "max": 1000}),
        &["the priors' lower ends", "tariff"],
    );
    refused(|v| v["targets"][0].as_object_mut().unwrap().remove("source").map(|_| ()).unwrap(), &["source"]);
}

#[test]
fn a_directory_with_other_files_is_left_alone() {
    let t = tempfile::tempdir().expect("temp");
    let out = t.path().join("out");
    std::fs::create_dir(&out).expect("dir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    let o = calibrate(Path::new(SPEC), &out, &[]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not empty"));
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 1);
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).expect("kept"), "mine");
}

/// A sweep over a calibration's posterior: its points are the particles,
/// drawn by weight, and its summary spreads each measure over them, wider
/// than one point's seed noise where the parameters are uncertain.
#[test]
fn a_posterior_design_carries_parameter_uncertainty_into_a_comparison() {
    let t = tempfile::tempdir().expect("temp");
    let cal = t.path().join("cal");
    assert!(calibrate(Path::new(SPEC), &cal, &[]).status.success());
    let posterior = read(&cal.join("posterior.json"));
    let particles: Vec<Value> =
        posterior["particles"].as_array().expect("list").iter().map(|p| p["parameters"].clone()).collect();
    let spec = t.path().join("sweep.json");
    let sweep = json!({
        "scenario": "builtin:duopoly", "arms": ["competition", "collaboration"], "design": "posterior",
        "posterior": cal.join("posterior.json"), "samples": 30, "replicates": 2, "years": 1, "seed": 5,
        "metrics": ["waiting.overall", "outcomes.overall"]
    });
    std::fs::write(&spec, serde_json::to_vec(&sweep).expect("JSON")).expect("write");
    let out = t.path().join("sweep");
    let o = ccsim()
        .args(["sweep", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = read(&out.join("summary.json"));
    let points = summary["points"].as_array().expect("list");
    assert_eq!(points.len(), 30);
    for p in points {
        assert!(particles.contains(&p["parameters"]), "a point that is no particle: {}", p["parameters"]);
    }
    let post = &summary["posterior"];
    let treated = &post["arms"]["competition"]["waiting.overall.elective_treated"];
    let [lo, hi] = [treated["interval95"][0].as_f64().unwrap(), treated["interval95"][1].as_f64().unwrap()];
    assert!(lo < 21435.0 && 21435.0 < hi, "[{lo}, {hi}]");
    // The rate's posterior (about ±7 of 190) moves treated by about ±800;
    // one point's two seeds differ by about √21,435 ≈ 150.
    let seed_half: f64 = points
        .iter()
        .filter_map(|p| p["arms"]["competition"]["metrics"]["waiting.overall.elective_treated"]["sd"].as_f64())
        .sum::<f64>()
        / 30.0;
    assert!(hi - lo > 4.0 * seed_half, "interval {lo}..{hi} against seed sd {seed_half}");
    let diff = &post["differences"]["collaboration - competition"]["outcomes.overall.adverse_rate"];
    let share = diff["above_zero"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&share) && diff["points"] == 30);
    // The manifest holds the drawn points: the sweep no longer needs the posterior file.
    std::fs::remove_file(cal.join("posterior.json")).expect("remove");
    let o = ccsim().args(["rerun", out.to_str().unwrap(), "3"]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `ccsim report` on a calibration directory: the generations, each
/// parameter's posterior against its prior, and the fit, in HTML and Markdown.
#[test]
fn a_calibration_directory_is_reported() {
    let t = tempfile::tempdir().expect("temp");
    let out = t.path().join("cal");
    assert!(calibrate(Path::new(SPEC), &out, &[]).status.success());
    let o = ccsim().args(["report", out.to_str().unwrap()]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).expect("written");
    for id in [
        "tolerance",
        "acceptance",
        "posterior-choice.beta_minutes",
        "posterior-services.elective_surgery.referral_rate.older",
        "fit",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "no figure {id}");
    }
    assert!(html.contains("log-uniform [0.02000, 1.000]"), "the prior as written");
    assert!(html.contains("elective patients treated") && html.contains("synthetic: the duopoly itself"));
    let o = ccsim().args(["report", out.to_str().unwrap(), "--format", "md"]).output().expect("runs");
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains("| services.elective\\_surgery.referral\\_rate.older |"), "{md}");
    assert!(md.contains("| elective patients treated | 21435 |"), "{md}");
    // Before it has finished, the report says how to finish it.
    std::fs::remove_file(out.join("posterior.json")).expect("remove");
    let o = ccsim().args(["report", out.to_str().unwrap()]).output().expect("runs");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
}

const REGIONS: [&str; 2] = ["cheshire-merseyside", "west-mercia"];

/// The shipped regional calibration specs load (their targets read on a
/// short run), and the calibrated scenarios beside the defaults are valid,
/// named as calibrated, and differ from their defaults only in the
/// calibrated parameters (at values inside their priors) and the sources.
#[test]
fn shipped_calibrations_and_calibrated_scenarios_hold_together() {
    for region in REGIONS {
        let spec_path = PathBuf::from(format!("configs/calibration/{region}.json"));
        let cal = ccsim::calibrate::spec::load(&spec_path).expect("the shipped spec loads");
        let calibrated = read(Path::new(&format!("configs/calibrated/{region}.json")));
        let o = ccsim().args(["check", &format!("configs/calibrated/{region}.json")]).output().expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(calibrated["name"], format!("{region}-calibrated"));
        // The default as loaded (defaults filled in), which the calibration started from.
        let (default, _) =
            ccsim::load::from_path_or_builtin(Path::new(&format!("configs/{region}.json"))).expect("loads");
        let mut loaded = serde_json::to_value(default).expect("JSON");
        let mut shipped = calibrated.clone();
        for (path, prior) in cal.parameters.iter().zip(&cal.priors) {
            let v = ccsim::sweep::paths::get_mut(&mut shipped, path).expect("there").as_f64().expect("a number");
            let (lo, hi) = (prior.quantile(0.0), prior.quantile(1.0));
            assert!(lo <= v && v <= hi, "{region}: {path} = {v} outside its prior [{lo}, {hi}]");
            let d = ccsim::sweep::paths::get_mut(&mut loaded, path).expect("there").clone();
            *ccsim::sweep::paths::get_mut(&mut shipped, path).expect("there") = d;
        }
        for v in [&mut shipped, &mut loaded] {
            for k in ["sources", "name"] {
                v.as_object_mut().expect("object").remove(k);
            }
        }
        assert!(
            shipped == loaded,
            "{region}: the calibrated scenario differs from its default beyond the calibrated parameters"
        );
    }
}

/// With `CCSIM_LONG_TESTS=1`: both regional calibrations run again from
/// their specs and give the shipped calibrated scenarios to the byte.
#[test]
fn the_shipped_calibrated_scenarios_are_what_their_calibrations_give() {
    if !crate::common::long_tests() {
        return;
    }
    let t = tempfile::tempdir().expect("temp");
    for region in REGIONS {
        let out = t.path().join(region);
        let spec = PathBuf::from(format!("configs/calibration/{region}.json"));
        let o = calibrate(&spec, &out, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (a, b) = (
            std::fs::read(out.join("calibrated.json")).expect("written"),
            std::fs::read(format!("configs/calibrated/{region}.json")).expect("shipped"),
        );
        assert!(a == b, "{region}: the calibration no longer gives the shipped calibrated scenario");
    }
}

/// One synthetic recovery: the truth drawn from the middle of each prior,
/// data from ccsim at the truth plus a draw of the stated observation
/// error, a calibration; for each parameter whether its 90% interval holds
/// the truth, and the interval's width over the prior's.
fn recover(
    scenario_ref: &str,
    base: &Value,
    priors: &[(&str, f64, f64)],
    targets: &[(&str, f64)],
    data_set: u64,
    particles: usize,
) -> Vec<(bool, f64)> {
    use rand::{RngExt, SeedableRng};
    use rand_distr::Distribution;
    let mut rng = ccsim::model::rng::SimRng::seed_from_u64(data_set);
    let truth: Vec<f64> = priors.iter().map(|(_, lo, hi)| lo + (hi - lo) * (0.1 + 0.8 * rng.random::<f64>())).collect();
    // Data: one run at the truth (its own seed) plus observation error.
    let mut v = base.clone();
    for ((path, _, _), x) in priors.iter().zip(&truth) {
        *ccsim::sweep::paths::get_mut(&mut v, path).expect("a path of the base") = json!(x);
    }
    let mut scenario: ccsim::model::Scenario = serde_json::from_value(v).expect("valid");
    scenario.time.horizon_weeks = 52;
    let result = ccsim::calibrate::targets::metrics(&ccsim::model::run(&scenario, 1_000 + data_set, false), &scenario);
    let observed: Vec<(f64, f64)> = targets
        .iter()
        .map(|(path, relative_sd)| {
            let t = ccsim::calibrate::targets::Target {
                name: (*path).into(),
                base: 0,
                paths: vec![(*path).into()],
                weights: None,
                observed: 0.0,
                sd: 1.0,
            };
            let x = ccsim::calibrate::targets::value(&result, &t).expect("a target");
            let sd = relative_sd * x.abs();
            let error: f64 = rand_distr::StandardNormal.sample(&mut rng);
            (x + sd * error, sd)
        })
        .collect();
    let spec = json!({
        "scenario": scenario_ref,
        "parameters": priors.iter().map(|(p, lo, hi)| ((*p).to_owned(), json!({"min": lo, "max": hi}))).collect::<serde_json::Map<_, _>>(),
        "targets": targets.iter().zip(&observed).map(|((p, _), (o, sd))| json!({
            "metric": p, "observed": o, "sd": sd, "source": "synthetic", "period": "a year"})).collect::<Vec<_>>(),
        "particles": particles, "generations": 30, "seed": data_set, "years": 1
    });
    let t = tempfile::tempdir().expect("temp");
    let spec_path = t.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).expect("write");
    let cal = ccsim::calibrate::spec::load(&spec_path).expect("loads");
    let opts = ccsim::calibrate::runner::Options { threads: 2, resume: false };
    ccsim::calibrate::runner::run(&cal, &t.path().join("out"), opts, &()).expect("runs");
    let post = read(&t.path().join("out/posterior.json"));
    priors
        .iter()
        .zip(&truth)
        .map(|((path, lo, hi), x)| {
            let p = post["parameters"].as_array().expect("list").iter().find(|p| p["path"] == *path).expect("there");
            let (a, b) = (p["posterior"]["q05"].as_f64().unwrap(), p["posterior"]["q95"].as_f64().unwrap());
            (a <= *x && *x <= b, (b - a) / (hi - lo))
        })
        .collect()
}

/// Recovery over synthetic data sets: every parameter's 90% interval holds
/// the truth in at least 80% of the sets and is at most half as wide as its
/// prior (on average). Three free parameters (older residents' elective
/// referral rate, the elective tariff, and patients' weight on travel in
/// the duopoly, adults' birth rate in West Mercia), three targets (elective
/// patients treated and tariff income, sd 2%; mean travel, sd 1%, or
/// births, sd 2%, and the waiting list, sd 5%, where demand can pass capacity). The default run takes 5 sets of the duopoly; with
/// `CCSIM_LONG_TESTS=1`, 20 sets of the duopoly and 20 of West Mercia.
#[test]
fn known_parameters_are_recovered_over_synthetic_data_sets() {
    let duopoly = serde_json::to_value(ccsim::load::builtin("duopoly").expect("built in")).expect("JSON");
    let elective = ("services.elective_surgery.referral_rate.older", 100.0, 300.0);
    let tariff = ("services.elective_surgery.tariff", 1000.0, 2500.0);
    let treated = ("summary.waiting.overall.elective_treated", 0.02);
    let income = ("summary.finance.accounts.tariff_income", 0.02);
    let long = crate::common::long_tests();
    let mut cases = vec![(
        "builtin:duopoly",
        duopoly,
        vec![elective, tariff, ("choice.beta_minutes", 0.02, 0.2)],
        vec![treated, income, ("summary.access.overall.mean_minutes", 0.01)],
        if long { 20 } else { 5 },
    )];
    if long {
        // Patients' weight on travel hardly moves West Mercia's mean travel
        // (few providers within reach of its rural residents): births instead.
        let wm = serde_json::to_value(ccsim::load::builtin("west-mercia").expect("built in")).expect("JSON");
        cases.push((
            "builtin:west-mercia",
            wm,
            vec![elective, tariff, ("services.maternity.referral_rate.adults", 8.0, 25.0)],
            vec![
                treated,
                income,
                ("summary.access.by_service.maternity.treated", 0.02),
                // Demand beyond capacity shows in the list, not in the treated.
                ("summary.waiting.overall.list_size", 0.05),
            ],
            20,
        ));
    }
    for (name, base, priors, targets, sets) in cases {
        let outcomes: Vec<Vec<(bool, f64)>> =
            (0..sets).map(|s| recover(name, &base, &priors, &targets, s, 60)).collect();
        for (k, (path, _, _)) in priors.iter().enumerate() {
            let held = outcomes.iter().filter(|o| o[k].0).count();
            let width = outcomes.iter().map(|o| o[k].1).sum::<f64>() / sets as f64;
            eprintln!(
                "{name}, {path}: truth inside the 90% interval in {held} of {sets} sets; mean width {width:.2} of the prior"
            );
            assert!(held as f64 >= 0.8 * sets as f64, "{name}, {path}: {held} of {sets}");
            assert!(width <= 0.5, "{name}, {path}: intervals {width:.2} of the prior's width");
        }
    }
}

/// Two base scenarios in one calibration: a parameter both have moves
/// both, one only the second has moves only it, and each target is read
/// from its own base — here a catchment share (`catchments.<provider>.
/// <district>`) of the second, generated by the model at the truth.
#[test]
fn several_base_scenarios_share_their_common_parameters() {
    let t = tempfile::tempdir().expect("temp");
    let mut twin = read(Path::new("configs/duopoly.json"));
    twin["name"] = json!("duopoly-twin");
    twin["providers"][1]["id"] = json!("c");
    let capacity = twin["providers"][1]["services"]["elective_surgery"]["capacity"].as_f64().expect("a capacity");
    let twin_path = t.path().join("twin.json");
    std::fs::write(&twin_path, serde_json::to_vec(&twin).expect("JSON")).expect("write");
    let o = ccsim()
        .args(["run", twin_path.to_str().unwrap(), "--seed", "1", "--years", "1", "--compact"])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let from = |locality: Option<&str>| -> f64 {
        let flows = run["map"]["flows"].as_array().expect("flows");
        flows
            .iter()
            .filter(|f| f["provider"] == "c" && locality.is_none_or(|l| f["locality"] == l))
            .map(|f| f["patients"].as_f64().unwrap())
            .sum()
    };
    let share = from(Some("east")) / from(None);
    assert!(share > 0.5 && share < 1.0, "c's patients mostly from the east: {share}");
    let target = |name: &str, scenario: &str, metric: &str, observed: f64, sd: f64| {
        json!({"name": name, "scenario": scenario, "metric": metric, "observed": observed, "sd": sd,
               "source": "synthetic", "period": "the first measured year"})
    };
    let spec = json!({
        "scenario": ["builtin:duopoly", "twin.json"],
        "regime": "competition",
        "parameters": {
            "services.elective_surgery.referral_rate.older": {"min": 50, "max": 400},
            "providers.c.services.elective_surgery.capacity": {"min": 0.5 * capacity, "max": 1.5 * capacity}
        },
        "targets": [
            target("elective patients treated", "duopoly", "summary.waiting.overall.elective_treated", 21435.0, 400.0),
            target("c's share from the east", "duopoly-twin", "catchments.c.east", share, 0.02)
        ],
        "particles": 40, "alpha": 0.5, "generations": 6, "seed": 3, "years": 1
    });
    let spec_path = t.path().join("spec.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).expect("JSON")).expect("write");
    let out = t.path().join("out");
    let o = calibrate(&spec_path, &out, &["-j", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.join("calibrated.json").exists());
    let (a, b) = (read(&out.join("calibrated-duopoly.json")), read(&out.join("calibrated-duopoly-twin.json")));
    let rate = |v: &Value| v["services"]["elective_surgery"]["referral_rate"]["older"].as_f64().unwrap();
    assert_eq!(rate(&a), rate(&b), "the shared parameter at one median in both");
    assert!((rate(&a) - 190.0).abs() < 190.0 * 0.1, "the rate found again: {}", rate(&a));
    assert_eq!(a["providers"][1]["services"]["elective_surgery"]["capacity"].as_f64(), Some(capacity), "untouched");
    assert_ne!(b["providers"][1]["services"]["elective_surgery"]["capacity"].as_f64(), Some(capacity), "moved");
    assert_eq!((a["name"].as_str(), b["name"].as_str()), (Some("duopoly-calibrated"), Some("duopoly-twin-calibrated")));
    let post = read(&out.join("posterior.json"));
    assert_eq!(post["scenarios"], json!(["duopoly", "duopoly-twin"]));
    let fit = post["targets"].as_array().expect("list");
    assert_eq!(fit[1]["scenario"], "duopoly-twin");
    let simulated = fit[1]["simulated"]["median"].as_f64().unwrap();
    assert!((simulated - share).abs() < 2.0 * 0.02, "the catchment share reproduced: {simulated} against {share}");
    // The report's fit says which base each target was read from.
    let o = ccsim().args(["report", out.to_str().unwrap(), "--format", "md"]).output().expect("runs");
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.contains("| target | scenario | observed |") && md.contains("| c's share from the east | duopoly-twin |"),
        "{md}"
    );

    // Which base a target is read from must be said, and be one of them;
    // a parameter must be some base's.
    let refuse = |change: &dyn Fn(&mut Value), expected: &str| {
        let mut s = spec.clone();
        change(&mut s);
        std::fs::write(&spec_path, serde_json::to_vec(&s).expect("JSON")).expect("write");
        let o = calibrate(&spec_path, &t.path().join("refused"), &[]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && e.contains(expected), "expected `{expected}` in: {e}");
        assert!(!t.path().join("refused").exists());
    };
    refuse(&|s| drop(s["targets"][0].as_object_mut().unwrap().remove("scenario")), "name the one this target");
    refuse(&|s| s["targets"][0]["scenario"] = json!("triopoly"), "no base scenario is named `triopoly`");
    refuse(
        &|s| s["parameters"]["providers.d.services.elective_surgery.capacity"] = json!({"min": 1, "max": 2}),
        "unknown parameter path `providers.d.services.elective_surgery.capacity`",
    );
    refuse(
        &|s| s["targets"][1]["metric"] = json!("catchments.c.north"),
        "`catchments.c.north` is not in a run's result",
    );
}
