//! Scenario discovery (PRIM): a known box recovered from a synthetic rule,
//! and `ccsim discover` on a real sweep, the same bytes at any thread count.

use std::path::Path;

use ccsim::sweep::design;
use ccsim::sweep::discover::{Settings, prim};
use ccsim::sweep::spec::SweepSpec;
use serde_json::{Value, json};

use crate::common::ccsim;

/// y = 1 where x1 > 0.6 and x2 < 0.3, on 1,000 Latin-hypercube points in
/// the unit cube with an inert third input: PRIM's box is x1 ≥ about 0.6
/// and x2 ≤ about 0.3, with coverage and density at least 0.9, and it
/// leaves x3 alone (or restricts it insignificantly).
#[test]
fn prim_recovers_a_known_box() {
    let spec: SweepSpec = serde_json::from_value(json!({
        "design": "latin_hypercube", "samples": 1000, "seed": 5,
        "parameters": {"x1": {"min": 0, "max": 1}, "x2": {"min": 0, "max": 1}, "x3": {"min": 0, "max": 1}}
    }))
    .expect("spec");
    let names = vec!["x1".to_owned(), "x2".to_owned(), "x3".to_owned()];
    let xs: Vec<Vec<f64>> = design::points(&spec, &names, &Value::Null)
        .expect("design")
        .into_iter()
        .map(|p| p.iter().map(|v| v.as_f64().expect("number")).collect())
        .collect();
    let y: Vec<bool> = xs.iter().map(|x| x[0] > 0.6 && x[1] < 0.3).collect();
    let d = prim(&xs, &y, Settings::default()).expect("a box");
    let c = &d.chosen;
    assert!(c.coverage >= 0.9 && c.density >= 0.9, "coverage {} density {}", c.coverage, c.density);
    assert!((c.bounds[0][0] - 0.6).abs() < 0.05 && c.bounds[0][1] > 0.99, "x1 {:?}", c.bounds[0]);
    assert!((c.bounds[1][1] - 0.3).abs() < 0.05 && c.bounds[1][0] < 0.01, "x2 {:?}", c.bounds[1]);
    for r in &d.restrictions {
        if r.parameter == 2 {
            assert!(r.quasi_p > 0.05, "x3 is inert but restricted with quasi-p {}", r.quasi_p);
        } else {
            assert!(r.quasi_p < 1e-6, "{r:?}");
        }
    }
    // The trajectory trades coverage for density, starting from the whole box.
    assert_eq!(d.trajectory[0].mass, 1.0);
    assert!(d.trajectory.windows(2).all(|w| w[1].points < w[0].points));
    assert!(d.trajectory.last().expect("steps").density >= 0.9);
}

fn sweep(dir: &Path, name: &str, threads: &str) -> std::path::PathBuf {
    let spec = dir.join("lhs.json");
    std::fs::write(
        &spec,
        serde_json::to_vec(&json!({
            "scenario": "builtin:duopoly",
            "arms": ["competition", "collaboration"],
            "parameters": {"regime.pooling": {"min": 0.0, "max": 1.0}, "behaviour.altruism": {"min": 0.0, "max": 150.0}},
            "design": "latin_hypercube", "samples": 40, "replicates": 2, "seed": 8, "years": 1
        }))
        .expect("json"),
    )
    .expect("write");
    let out = dir.join(name);
    let o =
        ccsim().arg("sweep").arg(&spec).arg("--out").arg(&out).args(["--quiet", "-j", threads]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn discover_on_a_sweep_is_the_same_at_any_thread_count_and_refuses_bad_conditions() {
    let t = tempfile::tempdir().expect("tempdir");
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let dir = sweep(t.path(), &format!("j{threads}"), threads);
        let json = t.path().join(format!("d{threads}.json"));
        let o = ccsim()
            .arg("discover")
            .arg(&dir)
            .args(["--metric", "providers.mean_quality", "--where", "> 0"])
            .arg("--json")
            .arg(&json)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(text.contains("collaboration - competition") && text.contains("coverage"), "{text}");
        outputs.push(std::fs::read(&json).expect("json written"));
    }
    assert!(outputs[0] == outputs[1], "the discovery differs between -j 1 and -j 2");
    let d: Value = serde_json::from_slice(&outputs[0]).expect("JSON");
    assert_eq!(d["points"], 40);
    let dir = t.path().join("j1");
    for (flag, expected) in [("= 0", "expected a comparison"), ("> x", "expected a number")] {
        let o = ccsim()
            .arg("discover")
            .arg(&dir)
            .args(["--metric", "providers.mean_quality", "--where", flag])
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains(expected), "{}", String::from_utf8_lossy(&o.stderr));
    }
}
