//! Sensitivity analysis against analytic answers, through the same sampler
//! (`sweep::design`) and estimators (`sweep::sensitivity`) that model
//! sweeps use; then the command on a real sweep.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use ccsim::sweep::design;
use ccsim::sweep::sensitivity::{self, Indices, SensitivityReport, SobolIndex};
use ccsim::sweep::spec::{Design, SweepSpec};
use serde_json::{Value, json};

use crate::common::ccsim;

fn spec(design: Design, ranges: &[(&str, f64, f64)], samples: Option<u32>, trajectories: Option<u32>) -> SweepSpec {
    let mut v = json!({"design": design, "seed": 7, "parameters": {}});
    for (name, lo, hi) in ranges {
        v["parameters"][*name] = json!({"min": lo, "max": hi});
    }
    if let Some(n) = samples {
        v["samples"] = json!(n);
    }
    if let Some(r) = trajectories {
        v["trajectories"] = json!(r);
    }
    serde_json::from_value(v).expect("spec")
}

/// The design's points (scaled to the ranges), as the sweep would run them.
fn points(s: &SweepSpec) -> Vec<Vec<f64>> {
    let names: Vec<String> = s.parameters.keys().cloned().collect();
    design::points(s, &names, &Value::Null)
        .expect("design")
        .into_iter()
        .map(|p| p.iter().map(|v| v.as_f64().expect("number")).collect())
        .collect()
}

fn assert_within(index: &SobolIndex, first: f64, total: f64) {
    let inside = |x: f64, [lo, hi]: [f64; 2]| lo - 1e-9 <= x && x <= hi + 1e-9;
    for (name, estimate, ci, analytic) in
        [("S1", index.first, index.first_ci, first), ("ST", index.total, index.total_ci, total)]
    {
        assert!(inside(analytic, ci), "{}: {name} {estimate:.4} {ci:?}, analytic {analytic:.4}", index.parameter);
    }
}

/// Ishigami: f = sin x1 + a sin² x2 + b x3⁴ sin x1, xi ~ U(−π, π), a = 7, b = 0.1.
/// V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2; V1 = (1 + bπ⁴/5)²/2; V2 = a²/8; V13 = b²π⁸(1/18 − 1/50).
#[test]
fn sobol_indices_of_the_ishigami_function() {
    let (a, b) = (7.0, 0.1);
    let s = spec(Design::Sobol, &[("x1", -PI, PI), ("x2", -PI, PI), ("x3", -PI, PI)], Some(4096), None);
    let y: Vec<f64> =
        points(&s).iter().map(|x| x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()).collect();
    let names = vec!["x1".to_owned(), "x2".to_owned(), "x3".to_owned()];
    let (_, indices, _) = sensitivity::sobol(&y, 3, &names, 7);
    let v = a * a / 8.0 + b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 18.0 + 0.5;
    let v1 = (1.0 + b * PI.powi(4) / 5.0).powi(2) / 2.0;
    let v2 = a * a / 8.0;
    let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let find = |n: &str| indices.iter().find(|i| i.parameter == n).expect("indexed");
    assert_within(find("x1"), v1 / v, (v1 + v13) / v);
    assert_within(find("x2"), v2 / v, v2 / v);
    assert_within(find("x3"), 0.0, v13 / v);
    assert_eq!(indices[0].parameter, "x1", "ranked by total order");
}

/// A linear model y = Σ aᵢxᵢ with xᵢ ~ U(0, 1): Sᵢ = STᵢ = aᵢ²/Σaⱼ².
#[test]
fn sobol_indices_of_a_linear_model() {
    let coefficients = [4.0, 2.0, 1.0, 0.0];
    let s =
        spec(Design::Sobol, &[("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 0.0, 1.0), ("d", 0.0, 1.0)], Some(2048), None);
    let y: Vec<f64> = points(&s).iter().map(|x| x.iter().zip(coefficients).map(|(x, a)| a * x).sum()).collect();
    let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    let (_, indices, _) = sensitivity::sobol(&y, 4, &names, 3);
    let total: f64 = coefficients.iter().map(|a| a * a).sum();
    for (name, a) in names.iter().zip(coefficients) {
        let index = indices.iter().find(|i| &i.parameter == name).expect("indexed");
        assert_within(index, a * a / total, a * a / total);
    }
}

/// Morris on y = 10x₁ + 5x₂² + 0·x₃ + 0.1x₄ over [0, 1]⁴: μ* ranks x₁, x₂, x₄, x₃,
/// with μ* exactly 10 for the linear x₁ and 0 for the inert x₃.
#[test]
fn morris_ranks_influential_and_inert_inputs() {
    let s =
        spec(Design::Morris, &[("x1", 0.0, 1.0), ("x2", 0.0, 1.0), ("x3", 0.0, 1.0), ("x4", 0.0, 1.0)], None, Some(20));
    let unit = design::unit_points(&s, 4).expect("unit points");
    let y: Vec<f64> = points(&s).iter().map(|x| 10.0 * x[0] + 5.0 * x[1] * x[1] + 0.1 * x[3]).collect();
    let m = sensitivity::morris(&unit, &y, 4);
    assert!((m[0].1 - 10.0).abs() < 1e-9 && m[0].2 < 1e-9, "x1 {:?}", m[0]);
    assert_eq!(m[2].1, 0.0, "x3 is inert");
    assert!(m[0].1 > m[1].1 && m[1].1 > m[3].1 && m[3].1 > m[2].1, "{m:?}");
    // Every trajectory moves every parameter once, by Δ = 2/3 on a 4-level grid.
    assert_eq!(unit.len(), 20 * 5);
}

#[test]
fn the_same_spec_gives_the_same_design() {
    let s = spec(Design::Sobol, &[("x", 0.0, 1.0), ("y", 2.0, 3.0)], Some(64), None);
    assert_eq!(points(&s), points(&s));
}

/// The Sobol estimators see only deviations: adding 10⁶ to a model whose
/// spread is about 1 moves no index (the uncentred first-order estimator
/// loses every digit there).
#[test]
fn a_constant_offset_changes_no_sobol_index() {
    let s = spec(Design::Sobol, &[("a", 0.0, 1.0), ("b", 0.0, 1.0)], Some(256), None);
    let y: Vec<f64> = points(&s).iter().map(|x| 2.0 * x[0] + x[1] + x[0] * x[1]).collect();
    let shifted: Vec<f64> = y.iter().map(|v| v + 1e6).collect();
    let names = vec!["a".to_owned(), "b".to_owned()];
    let (_, plain, _) = sensitivity::sobol(&y, 2, &names, 1);
    let (_, offset, _) = sensitivity::sobol(&shifted, 2, &names, 1);
    for (p, o) in plain.iter().zip(&offset) {
        assert!((p.first - o.first).abs() < 1e-6 && (p.total - o.total).abs() < 1e-6, "{p:?} vs {o:?}");
    }
}

/// A sweep of `design` over duopoly where one metric echoes one parameter
/// (the elective tariff paid) and the rest are real model responses.
fn model_sweep(dir: &Path, design: &str, threads: &str) -> PathBuf {
    let mut v = json!({
        "scenario": "configs/duopoly.json",
        "arms": ["competition", "collaboration"],
        "parameters": {
            "services.elective_surgery.tariff": {"min": 1200, "max": 1800},
            "choice.beta_quality": {"min": 0.0, "max": 1.0},
            "behaviour.altruism": {"min": 0.0, "max": 100.0}
        },
        "design": design,
        "replicates": 2,
        "seed": 11,
        "years": 1
    });
    if design == "morris" {
        v["trajectories"] = json!(6);
    } else {
        v["samples"] = json!(16);
    }
    let spec = dir.join(format!("{design}.json"));
    std::fs::write(&spec, serde_json::to_vec(&v).expect("json")).expect("spec");
    let out = dir.join(format!("{design}-j{threads}"));
    let o =
        ccsim().arg("sweep").arg(&spec).arg("--out").arg(&out).args(["--quiet", "-j", threads]).output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

const ECHO: &str = "finance.by_service.elective_surgery.tariff";

fn analyse(dir: &Path, metrics: &[&str], json: &Path) -> SensitivityReport {
    let mut c = ccsim();
    c.arg("sensitivity").arg(dir).arg("--json").arg(json);
    for m in metrics {
        c.args(["--metric", m]);
    }
    let o = c.output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("rank parameter") || table.contains("indices undefined"), "{table}");
    serde_json::from_slice(&std::fs::read(json).expect("json")).expect("report")
}

#[test]
fn morris_on_the_model_finds_the_one_input_a_metric_echoes() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = model_sweep(t.path(), "morris", "2");
    let r = analyse(&out, &[ECHO, "competition:providers.mean_quality"], &t.path().join("m.json"));
    assert_eq!(r.results.len(), 2 + 1 + 1, "two arms and one difference of the echo, then one target");
    let Indices::Morris { parameters } = &r.results[0].indices else { panic!("morris") };
    assert_eq!(parameters[0].parameter, "services.elective_surgery.tariff");
    assert!((parameters[0].mu_star - 600.0).abs() < 1e-6 && parameters[0].sigma < 1e-6, "{:?}", parameters[0]);
    assert!(parameters[1..].iter().all(|p| p.mu_star == 0.0), "{parameters:?}");
    assert_eq!(r.results[0].noise_share, Some(0.0), "the tariff paid has no noise");
    // The paired difference of an echo is zero everywhere: nothing moves it.
    let Indices::Morris { parameters } = &r.results[2].indices else { panic!("morris") };
    assert!(parameters.iter().all(|p| p.mu_star == 0.0));
    // A real response moves with more than one input, and is noisy.
    let Indices::Morris { parameters } = &r.results[3].indices else { panic!("morris") };
    assert!(parameters.iter().filter(|p| p.mu_star > 0.0).count() >= 2, "{parameters:?}");
    assert!(r.results[3].noise_share.is_some_and(|s| s > 0.0 && s <= 1.0));
}

#[test]
fn sobol_on_the_model_is_reproducible_and_finds_the_echoed_input() {
    let t = tempfile::tempdir().expect("tempdir");
    let (one, two) = (model_sweep(t.path(), "sobol", "1"), model_sweep(t.path(), "sobol", "2"));
    let (a, b) = (t.path().join("one.json"), t.path().join("two.json"));
    let r = analyse(&one, &[], &a);
    analyse(&two, &[], &b);
    assert!(std::fs::read(&a).expect("a") == std::fs::read(&b).expect("b"), "indices differ with the thread count");
    assert!(r.results.len() >= 9, "the key metrics for every target: {}", r.results.len());
    let echo = analyse(&one, &[&format!("competition:{ECHO}")], &a);
    let Indices::Sobol { parameters, .. } = &echo.results[0].indices else { panic!("sobol") };
    assert_eq!(parameters[0].parameter, "services.elective_surgery.tariff");
    let [lo, hi] = parameters[0].total_ci;
    assert!(lo <= 1.0 && 1.0 <= hi && parameters[0].first_ci[0] <= 1.0 && 1.0 <= parameters[0].first_ci[1]);
    for p in &parameters[1..] {
        assert_eq!((p.first, p.total), (0.0, 0.0), "{} does not move the tariff", p.parameter);
    }
    // A target's bootstrap intervals are its own: asking for other metrics
    // first (or not) changes nothing.
    let quality = "competition:providers.mean_quality";
    let alone = analyse(&one, &[quality], &a);
    let among =
        analyse(&one, &[&format!("competition:{ECHO}"), "competition:waiting.overall.mean_wait_weeks", quality], &b);
    assert_eq!(alone.results[0], among.results[2]);
    // The paired difference of the echo is zero up to nothing: no index is defined, and the
    // table and the JSON say so.
    let flat = analyse(&one, &[&format!("collaboration - competition:{ECHO}")], &a);
    let Indices::Sobol { parameters, undefined, .. } = &flat.results[0].indices else { panic!("sobol") };
    assert!(parameters.is_empty() && undefined.as_deref().is_some_and(|w| w.contains("does not vary")));
}

#[test]
fn sensitivity_refuses_other_designs_and_unknown_metrics() {
    let t = tempfile::tempdir().expect("tempdir");
    let out = model_sweep(t.path(), "morris", "2");
    let cases: [(&[&str], &str); 3] = [
        (&["--metric", "outcomes.overall.adverse_rat"], "nearest valid metrics are: outcomes.overall.adverse_rate"),
        (&["--metric", "monopoly:outcomes.overall.adverse_rate"], "valid targets are: competition, collaboration"),
        (
            &["--metric", ECHO, "--json", "/nonexistent/dir/x.json"],
            "cannot create a temporary file in /nonexistent/dir",
        ),
    ];
    for (extra, expected) in cases {
        let o = ccsim().arg("sensitivity").arg(&out).args(extra).output().expect("runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
    let grid = t.path().join("grid.json");
    std::fs::write(
        &grid,
        json!({"scenario": "configs/duopoly.json", "parameters": {"regime.pooling": {"values": [0, 1]}}, "years": 1})
            .to_string(),
    )
    .expect("spec");
    let o = ccsim().arg("sweep").arg(&grid).arg("--out").arg(t.path().join("g")).arg("--quiet").output().expect("runs");
    assert!(o.status.success());
    let o = ccsim().arg("sensitivity").arg(t.path().join("g")).output().expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sensitivity needs a `morris` or `sobol` design"));
    assert!(o.stdout.is_empty());
}

#[test]
fn the_report_of_a_sensitivity_sweep_ranks_the_parameters_with_intervals() {
    let t = tempfile::tempdir().expect("tempdir");
    for design in ["morris", "sobol"] {
        let out = model_sweep(t.path(), design, "2");
        let doc = crate::report::render(&out, &t.path().join(format!("{design}.html")));
        let charts: Vec<_> = crate::report::figures(&doc).into_iter().filter(|f| f.1 == "sensitivity").collect();
        let id = "sensitivity-finance.system_cost_per_year-collaboration-competition";
        let f = charts.iter().find(|f| f.0 == id).unwrap_or_else(|| panic!("{design}: no chart {id}: {charts:?}"));
        // Three parameters, two bars each, whiskers with caps.
        assert_eq!(f.2, 3, "{design}: rows");
        assert!(f.3 >= 6 + 3 * 3, "{design}: {} marks", f.3);
        let text = doc.root_element().text().collect::<String>();
        // Six key measures with differences; a measure that is mostly noise is noted, not charted.
        let noted = text.split("Not ranked").nth(1).map_or(0, |rest| rest.split("): noise").count() - 1);
        assert!(charts.len() + noted >= 6, "{design}: {} sensitivity charts, {noted} noted as noise", charts.len());
        assert!(text.contains("Which parameters matter") && text.contains("Replicate noise share"), "{design}");
        let md = ccsim().arg("report").arg(&out).args(["--format", "md"]).output().expect("runs");
        assert!(String::from_utf8_lossy(&md.stdout).contains("## Which parameters matter"), "{design}");
    }
}

/// With one replicate per row, the rows of a Saltelli block share their
/// seeds, so replicate noise cancels: a parameter the model does not read in
/// this configuration (the network's wait threshold, under patient choice)
/// gets no total-order index, while altruism, which drives quality and so
/// outcomes, gets a large one. (With a seed per row the inert parameter got
/// 0.25 here, all of it noise.)
#[test]
fn shared_seeds_in_a_saltelli_block_give_an_inert_parameter_no_index() {
    let t = tempfile::tempdir().expect("tempdir");
    let v = json!({
        "scenario": "configs/duopoly.json",
        "arms": ["competition"],
        "parameters": {
            "network.wait_threshold_weeks": {"min": 4, "max": 40},
            "behaviour.altruism": {"min": 0, "max": 200}
        },
        "design": "sobol", "samples": 32, "replicates": 1, "seed": 5, "years": 2
    });
    let spec = t.path().join("inert.json");
    std::fs::write(&spec, serde_json::to_vec(&v).expect("json")).expect("spec");
    let out = t.path().join("inert");
    let o = ccsim().arg("sweep").arg(&spec).arg("--out").arg(&out).arg("--quiet").output().expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = analyse(&out, &["competition:outcomes.overall.adverse_rate"], &t.path().join("i.json"));
    let Indices::Sobol { parameters, .. } = &r.results[0].indices else { panic!("sobol") };
    let total = |name: &str| parameters.iter().find(|p| p.parameter == name).expect("analysed").total;
    assert!(total("network.wait_threshold_weeks") < 0.05, "{parameters:?}");
    assert!(total("behaviour.altruism") > 0.2, "{parameters:?}");
}

/// Morris steps go up from the lower half of the grid and down from the
/// upper half, each by exactly Δ, and every level of every parameter is a
/// base value somewhere (the earlier design stepped only upwards).
#[test]
fn morris_steps_go_both_ways_by_delta_and_visit_every_level() {
    let s = spec(Design::Morris, &[("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 0.0, 1.0)], None, Some(50));
    let unit = design::unit_points(&s, 3).expect("unit points");
    let (mut up, mut down) = (0, 0);
    for t in unit.chunks(4) {
        for w in t.windows(2) {
            let moved: Vec<f64> = (0..3).map(|j| w[1][j] - w[0][j]).filter(|d| d.abs() > 1e-12).collect();
            assert_eq!(moved.len(), 1, "one parameter a step");
            assert!((moved[0].abs() - 2.0 / 3.0).abs() < 1e-12, "a step of Δ = 2/3, found {}", moved[0]);
            if moved[0] > 0.0 { up += 1 } else { down += 1 }
        }
    }
    assert!(up > 30 && down > 30, "{up} steps up, {down} down");
    for j in 0..3 {
        for level in 0..4 {
            let x = f64::from(level) / 3.0;
            assert!(unit.iter().any(|p| (p[j] - x).abs() < 1e-12), "parameter {j} never at level {level}");
        }
    }
}

/// An integer parameter takes the integers of its range, each on an equal
/// slice of the unit interval: 8 Latin-hypercube strata over 0..=3 put each
/// integer in exactly 2, and a Sobol design's A rows are balanced the same way.
#[test]
fn integer_parameters_take_integers_that_exist_equally_often() {
    let base = json!({"n": 0, "x": 0.5});
    let names = vec!["n".to_owned(), "x".to_owned()];
    for (design, samples, stride) in [(Design::LatinHypercube, 8, 1), (Design::Sobol, 64, 4)] {
        let s = spec(design, &[("n", 0.0, 3.0), ("x", 0.0, 1.0)], Some(samples), None);
        let pts = design::points(&s, &names, &base).expect("design");
        let mut counts = [0; 4];
        for p in pts.iter().step_by(stride) {
            let n = p[0].as_i64().expect("an integer");
            counts[usize::try_from(n).expect("in range")] += 1;
        }
        let each = samples / 4;
        assert_eq!(counts, [each; 4], "{design:?}: counts of 0, 1, 2, 3");
    }
}

/// On a 4-level grid over 0..=13 an integer parameter's levels are 0, 4, 9
/// and 13, so its steps are 9 (not the nominal 8.67): with the step actually
/// taken, the elementary effects of y = 3n + x are all exactly 3 × 13 = 39;
/// with the nominal step they would be 40.5.
#[test]
fn an_integer_parameter_s_effect_is_divided_by_the_step_it_took() {
    let base = json!({"n": 0, "x": 0.5});
    let names = vec!["n".to_owned(), "x".to_owned()];
    let s = spec(Design::Morris, &[("n", 0.0, 13.0), ("x", 0.0, 1.0)], None, Some(30));
    let pts = design::points(&s, &names, &base).expect("design");
    let y: Vec<f64> = pts.iter().map(|p| 3.0 * p[0].as_f64().expect("n") + p[1].as_f64().expect("x")).collect();
    let ran: Vec<std::collections::BTreeMap<String, Value>> =
        pts.iter().map(|p| names.iter().cloned().zip(p.iter().cloned()).collect()).collect();
    let unit = design::unit_of_values(&s, &names, ran.iter()).expect("unit coordinates");
    let m = sensitivity::morris(&unit, &y, 2);
    assert!((m[0].1 - 39.0).abs() < 1e-9 && m[0].2 < 1e-9, "n: {:?}", m[0]);
    assert!((m[1].1 - 1.0).abs() < 1e-9, "x: {:?}", m[1]);
    let nominal = sensitivity::morris(&design::unit_points(&s, 2).expect("unit"), &y, 2);
    assert!((nominal[0].1 - 40.5).abs() < 1e-9, "the nominal step overstates it: {:?}", nominal[0]);
}

/// Campolongo's selection keeps trajectories that cover the space: of 8
/// random candidates, the 4 kept spread at least as widely as 95% of all 70
/// possible choices of 4; and a design with `candidates` has exactly
/// `trajectories` trajectories.
#[test]
fn campolongo_selection_spreads_the_trajectories_out() {
    let s = spec(Design::Morris, &[("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 0.0, 1.0)], None, Some(8));
    let unit = design::unit_points(&s, 3).expect("unit points");
    let all: Vec<Vec<Vec<f64>>> = unit.chunks(4).map(<[Vec<f64>]>::to_vec).collect();
    let kept = design::spread_out(&all, 4);
    assert_eq!(kept.len(), 4);
    let mut spreads = Vec::new();
    for a in 0..8 {
        for b in a + 1..8 {
            for c in b + 1..8 {
                for d in c + 1..8 {
                    spreads.push(design::spread(&all, &[a, b, c, d]));
                }
            }
        }
    }
    spreads.sort_by(f64::total_cmp);
    let chosen = design::spread(&all, &kept);
    assert!(chosen >= spreads[(spreads.len() * 95) / 100 - 1], "kept {chosen}, the 95th percentile {}", spreads[66]);
    let mut with = spec(Design::Morris, &[("a", 0.0, 1.0), ("b", 0.0, 1.0), ("c", 0.0, 1.0)], None, Some(10));
    with.candidates = Some(40);
    assert_eq!(design::unit_points(&with, 3).expect("unit points").len(), 10 * 4);
}

/// Under competition alone, without integration, pathway standardisation
/// and integration's transition cost do nothing (no network routing, no
/// transition), so a Morris design over them sees the adverse rate differ
/// between points by replicate noise only: the measure is flagged and left
/// unranked in the table, the JSON and the report. Over altruism and the
/// quality payment's share, which move quality and so outcomes, it is
/// ranked.
#[test]
fn a_measure_that_is_mostly_noise_is_not_ranked() {
    let t = tempfile::tempdir().expect("tempdir");
    let mut shares = Vec::new();
    let inert = json!({"behaviour.standardisation": {"min": 0.0, "max": 0.5}, "integration.transition_cost_per_capita": {"min": 0.0, "max": 50.0}});
    let driven =
        json!({"behaviour.quality_share": {"min": 0.0, "max": 0.05}, "behaviour.altruism": {"min": 0.0, "max": 300.0}});
    for (name, parameters) in [("inert", inert), ("driven", driven)] {
        let spec = t.path().join(format!("{name}.json"));
        std::fs::write(
            &spec,
            serde_json::to_vec(&json!({
                "scenario": "builtin:duopoly", "arms": ["competition"],
                "parameters": parameters,
                "design": "morris", "trajectories": 6, "replicates": 3, "seed": 4, "years": 1
            }))
            .expect("json"),
        )
        .expect("write");
        let out = t.path().join(name);
        let o = ccsim().arg("sweep").arg(&spec).arg("--out").arg(&out).arg("--quiet").output().expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let json = t.path().join(format!("{name}-s.json"));
        let o = ccsim()
            .arg("sensitivity")
            .arg(&out)
            .args(["--metric", "outcomes.overall.adverse_rate", "--json"])
            .arg(&json)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        let r: SensitivityReport = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("report");
        let html = t.path().join(format!("{name}.html"));
        let o = ccsim().arg("report").arg(&out).arg("--out").arg(&html).output().expect("runs");
        assert!(o.status.success());
        let page = std::fs::read_to_string(&html).expect("html");
        shares.push((
            r.results[0].noisy,
            r.results[0].noise_share,
            text.contains(": not ranked"),
            page.contains("adverse-outcome rate (competition): noise"),
        ));
    }
    assert!(
        shares[0].0 && shares[0].1.expect("replicates") > 0.5 && shares[0].2 && shares[0].3,
        "inert: {:?}",
        shares[0]
    );
    assert!(!shares[1].0 && !shares[1].2 && !shares[1].3, "driven: {:?}", shares[1]);
}

/// A design's spec with one parameter object per name, as written.
fn spec_with(design: Design, parameters: Value, samples: Option<u32>, trajectories: Option<u32>) -> SweepSpec {
    let mut v = json!({"design": design, "seed": 7, "parameters": parameters});
    if let Some(n) = samples {
        v["samples"] = json!(n);
    }
    if let Some(r) = trajectories {
        v["trajectories"] = json!(r);
    }
    serde_json::from_value(v).expect("spec")
}

/// A Latin hypercube stratifies each input's distribution itself: over
/// 1,000 points a normal's mean and sd, a log-uniform's median, a
/// triangular's mean and a truncated normal's mean match their closed forms.
#[test]
fn non_uniform_inputs_have_their_distributions() {
    let s = spec_with(
        Design::LatinHypercube,
        json!({
            "a": {"distribution": "normal", "mean": 5.0, "sd": 2.0},
            "b": {"distribution": "log_uniform", "min": 1.0, "max": 100.0},
            "c": {"distribution": "triangular", "min": 0.0, "mode": 1.0, "max": 4.0},
            "d": {"distribution": "truncated_normal", "mean": 0.0, "sd": 1.0, "min": -0.5, "max": 2.0}
        }),
        Some(1000),
        None,
    );
    let xs = points(&s);
    let column = |j: usize| xs.iter().map(|x| x[j]).collect::<Vec<f64>>();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let a = column(0);
    let sd = (a.iter().map(|x| (x - mean(&a)).powi(2)).sum::<f64>() / 999.0).sqrt();
    assert!((mean(&a) - 5.0).abs() < 0.01 && (sd - 2.0).abs() < 0.02, "normal: mean {} sd {sd}", mean(&a));
    let below = column(1).iter().filter(|&&x| x < 10.0).count();
    assert_eq!(below, 500, "log-uniform on [1, 100]: half below 10");
    assert!((mean(&column(2)) - 5.0 / 3.0).abs() < 0.005, "triangular mean {}", mean(&column(2)));
    let d = column(3);
    let phi = |z: f64| (-z * z / 2.0).exp() / (2.0 * PI).sqrt();
    let n = statrs::distribution::Normal::new(0.0, 1.0).expect("normal");
    use statrs::distribution::ContinuousCDF;
    let expected = (phi(-0.5) - phi(2.0)) / (n.cdf(2.0) - n.cdf(-0.5));
    assert!(d.iter().all(|&x| (-0.5..=2.0).contains(&x)), "truncated normal within its bounds");
    assert!((mean(&d) - expected).abs() < 0.005, "truncated normal mean {} against {expected}", mean(&d));
}

/// y = x1 + x2 with x1 ~ N(0, 1) and x2 ~ N(0, 2): V1 = 1, V2 = 4, so
/// S1 = ST1 = 0.2 and S2 = ST2 = 0.8 — inside the bootstrap intervals.
#[test]
fn sobol_indices_with_normal_inputs() {
    let s = spec_with(
        Design::Sobol,
        json!({"x1": {"distribution": "normal", "mean": 0.0, "sd": 1.0}, "x2": {"distribution": "normal", "mean": 0.0, "sd": 2.0}}),
        Some(2048),
        None,
    );
    let y: Vec<f64> = points(&s).iter().map(|x| x[0] + x[1]).collect();
    let names = vec!["x1".to_owned(), "x2".to_owned()];
    let (_, indices, _) = sensitivity::sobol(&y, 2, &names, 3);
    let find = |n: &str| indices.iter().find(|i| i.parameter == n).expect("indexed");
    assert_within(find("x1"), 0.2, 0.2);
    assert_within(find("x2"), 0.8, 0.8);
}

/// Morris effects are taken in probability coordinates: for y = ln x with x
/// log-uniform on [1, e⁴], y = 4u, so every effect is exactly 4. A normal
/// input on a Morris grid is refused (its grid would reach infinity).
#[test]
fn morris_effects_of_a_log_uniform_input_are_in_probability_units() {
    let s = spec_with(
        Design::Morris,
        json!({"x": {"distribution": "log_uniform", "min": 1.0, "max": 4f64.exp()}}),
        None,
        Some(10),
    );
    let names = vec!["x".to_owned()];
    let pts = design::points(&s, &names, &Value::Null).expect("design");
    let y: Vec<f64> = pts.iter().map(|p| p[0].as_f64().expect("x").ln()).collect();
    let ran: Vec<std::collections::BTreeMap<String, Value>> =
        pts.iter().map(|p| names.iter().cloned().zip(p.iter().cloned()).collect()).collect();
    let unit = design::unit_of_values(&s, &names, ran.iter()).expect("unit");
    let m = sensitivity::morris(&unit, &y, 1);
    assert!((m[0].1 - 4.0).abs() < 1e-9 && m[0].2 < 1e-9, "{:?}", m[0]);
    let normal =
        spec_with(Design::Morris, json!({"x": {"distribution": "normal", "mean": 0.0, "sd": 1.0}}), None, Some(10));
    let err = design::points(&normal, &names, &Value::Null).expect_err("refused");
    assert!(err.contains("parameters.x.distribution") && err.contains("truncated_normal"), "{err}");
}

/// Convergence: indices from the first 8, 16, … base rows end at the
/// full estimate, and for a linear model they close in on the analytic
/// shares (within 0.02 from 256 rows on).
#[test]
fn sobol_convergence_ends_at_the_full_estimate_and_closes_in() {
    let s = spec(Design::Sobol, &[("x1", 0.0, 1.0), ("x2", 0.0, 1.0)], Some(1024), None);
    let y: Vec<f64> = points(&s).iter().map(|x| x[0] + 2.0 * x[1]).collect();
    let names = vec!["x1".to_owned(), "x2".to_owned()];
    let (_, indices, _, steps) = sensitivity::sobol_with_convergence(&y, 2, &names, 3);
    assert_eq!(steps.iter().map(|c| c.rows).collect::<Vec<_>>(), [8, 16, 32, 64, 128, 256, 512, 1024]);
    let last = steps.last().expect("steps");
    assert_eq!(last.total[0], indices[0].total);
    assert_eq!(last.first[1], indices[1].first);
    // Ranked: x2 (share 4/5) first.
    assert_eq!(indices[0].parameter, "x2");
    for c in steps.iter().filter(|c| c.rows >= 256) {
        assert!((c.total[0] - 0.8).abs() < 0.02 && (c.total[1] - 0.2).abs() < 0.02, "{c:?}");
    }
}

fn second_order_spec(ranges: &[(&str, f64, f64)], samples: u32) -> SweepSpec {
    let mut s = spec(Design::Sobol, ranges, Some(samples), None);
    s.second_order = Some(true);
    s
}

/// Second order on Ishigami: x1 and x3 interact (S13 = V13/V ≈ 0.244),
/// x1·x2 and x2·x3 do not; every analytic value lies in its interval, and
/// first and total orders stay right with the BA rows in the design.
#[test]
fn second_order_sobol_indices_of_the_ishigami_function() {
    let (a, b) = (7.0, 0.1);
    let s = second_order_spec(&[("x1", -PI, PI), ("x2", -PI, PI), ("x3", -PI, PI)], 4096);
    let pts = points(&s);
    assert_eq!(pts.len(), 4096 * 8, "2k + 2 points a base row");
    let y: Vec<f64> = pts.iter().map(|x| x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()).collect();
    let names = vec!["x1".to_owned(), "x2".to_owned(), "x3".to_owned()];
    let r = sensitivity::sobol_analysis(&y, 3, &names, 7, true);
    let v = a * a / 8.0 + b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 18.0 + 0.5;
    let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let pair =
        |i: &str, j: &str| r.second_order.iter().find(|p| p.parameters == [i.to_owned(), j.to_owned()]).expect("pair");
    for (i, j, analytic) in [("x1", "x3", v13 / v), ("x1", "x2", 0.0), ("x2", "x3", 0.0)] {
        let p = pair(i, j);
        assert!(
            p.ci[0] - 1e-9 <= analytic && analytic <= p.ci[1] + 1e-9,
            "S_{i}{j} {:.4} {:?}, analytic {analytic:.4}",
            p.index,
            p.ci
        );
    }
    assert_eq!(r.second_order[0].parameters, ["x1".to_owned(), "x3".to_owned()], "the one interaction ranks first");
    let find = |n: &str| r.indices.iter().find(|i| i.parameter == n).expect("indexed");
    let v1 = (1.0 + b * PI.powi(4) / 5.0).powi(2) / 2.0;
    assert_within(find("x1"), v1 / v, (v1 + v13) / v);
}

/// Second order on the Sobol G function, g = Π (|4xᵢ − 2| + aᵢ)/(1 + aᵢ)
/// with a = (0, 1, 4.5, 9): Vᵢ = 1/(3(1 + aᵢ)²), V = Π(1 + Vᵢ) − 1 and,
/// with no third-order term in a pair, Vᵢⱼ = VᵢVⱼ. Each analytic Sᵢⱼ lies in
/// its interval.
#[test]
fn second_order_sobol_indices_of_the_g_function() {
    let a = [0.0, 1.0, 4.5, 9.0];
    let names: Vec<String> = (1..=4).map(|i| format!("x{i}")).collect();
    let ranges: Vec<(&str, f64, f64)> = names.iter().map(|n| (n.as_str(), 0.0, 1.0)).collect();
    let s = second_order_spec(&ranges, 8192);
    let y: Vec<f64> = points(&s)
        .iter()
        .map(|x| x.iter().zip(&a).map(|(xi, ai)| ((4.0 * xi - 2.0).abs() + ai) / (1.0 + ai)).product())
        .collect();
    let r = sensitivity::sobol_analysis(&y, 4, &names, 11, true);
    let vi: Vec<f64> = a.iter().map(|ai| 1.0 / (3.0 * (1.0 + ai) * (1.0 + ai))).collect();
    let v = vi.iter().map(|x| 1.0 + x).product::<f64>() - 1.0;
    for p in &r.second_order {
        let i: usize = p.parameters[0][1..].parse::<usize>().expect("index") - 1;
        let j: usize = p.parameters[1][1..].parse::<usize>().expect("index") - 1;
        let analytic = vi[i] * vi[j] / v;
        assert!(
            p.ci[0] - 1e-9 <= analytic && analytic <= p.ci[1] + 1e-9,
            "S_{}{}: {:.4} {:?}, analytic {analytic:.4}",
            i + 1,
            j + 1,
            p.index,
            p.ci
        );
    }
    assert_eq!(r.second_order.len(), 6);
    // First order Vᵢ/V and total order Vᵢ Π_{j≠i}(1 + Vⱼ)/V.
    for (i, name) in names.iter().enumerate() {
        let others: f64 = vi.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, x)| 1.0 + x).product();
        let index = r.indices.iter().find(|x| x.parameter == *name).expect("indexed");
        assert_within(index, vi[i] / v, vi[i] * others / v);
    }
}

/// Grouped parameters move together and share one index: for
/// y = x1 + x2 + 2·x3 with x1 and x2 in group `g`, the group contributes
/// 2u and x3 2u, so S_g = ST_g = S_x3 = ST_x3 = 0.5; a Morris trajectory
/// moves both members of the group in the same step.
#[test]
fn grouped_parameters_are_one_factor() {
    let ranges = json!({
        "x1": {"min": 0.0, "max": 1.0, "group": "g"},
        "x2": {"min": 0.0, "max": 1.0, "group": "g"},
        "x3": {"min": 0.0, "max": 1.0}
    });
    let s = spec_with(Design::Sobol, ranges.clone(), Some(1024), None);
    let names = vec!["x1".to_owned(), "x2".to_owned(), "x3".to_owned()];
    let (factor_names, factor_of) = design::factors(&s, &names);
    assert_eq!((factor_names.clone(), factor_of), (vec!["g".to_owned(), "x3".to_owned()], vec![0, 0, 1]));
    let pts = points(&s);
    assert_eq!(pts.len(), 1024 * 4, "two factors: k + 2 = 4 points a base row");
    assert!(pts.iter().all(|p| p[0] == p[1]), "group members move together");
    let y: Vec<f64> = pts.iter().map(|x| x[0] + x[1] + 2.0 * x[2]).collect();
    let (_, indices, _) = sensitivity::sobol(&y, 2, &factor_names, 5);
    let find = |n: &str| indices.iter().find(|i| i.parameter == n).expect("indexed");
    assert_within(find("g"), 0.5, 0.5);
    assert_within(find("x3"), 0.5, 0.5);
    let m = spec_with(Design::Morris, ranges, None, Some(10));
    let unit = design::unit_points(&m, 2).expect("unit");
    assert_eq!(unit.len(), 10 * 3, "two factors: three points a trajectory");
}

/// The new designs run to the same bytes at one and two threads: a
/// second-order Sobol design and a Latin hypercube with non-uniform,
/// grouped and integer inputs, and a Morris design chosen by Campolongo's
/// selection.
#[test]
fn new_designs_give_the_same_bytes_at_one_and_two_threads() {
    let t = tempfile::tempdir().expect("tempdir");
    let specs = [
        json!({"design": "sobol", "samples": 4, "second_order": true,
               "parameters": {"regime.pooling": {"min": 0.0, "max": 1.0}, "behaviour.altruism": {"min": 0.0, "max": 100.0}}}),
        json!({"design": "latin_hypercube", "samples": 6,
               "parameters": {"behaviour.altruism": {"distribution": "triangular", "min": 0.0, "mode": 20.0, "max": 100.0, "group": "b"},
                              "behaviour.quality_cost": {"distribution": "log_uniform", "min": 100.0, "max": 1000.0, "group": "b"},
                              "time.decision_interval": {"min": 4, "max": 26}}}),
        json!({"design": "morris", "trajectories": 3, "candidates": 12,
               "parameters": {"regime.pooling": {"min": 0.0, "max": 1.0}, "behaviour.altruism": {"distribution": "truncated_normal", "mean": 40.0, "sd": 20.0, "min": 0.0, "max": 100.0}}}),
    ];
    for (i, v) in specs.into_iter().enumerate() {
        let mut v = v;
        v["scenario"] = json!("builtin:duopoly");
        v["arms"] = json!(["competition", "collaboration"]);
        v["years"] = json!(1);
        v["seed"] = json!(13);
        let spec = t.path().join(format!("s{i}.json"));
        std::fs::write(&spec, serde_json::to_vec(&v).expect("json")).expect("write");
        let mut runs = Vec::new();
        for threads in ["1", "2"] {
            let out = t.path().join(format!("s{i}-j{threads}"));
            let o = ccsim()
                .arg("sweep")
                .arg(&spec)
                .arg("--out")
                .arg(&out)
                .args(["--quiet", "-j", threads])
                .output()
                .expect("runs");
            assert!(o.status.success(), "spec {i}: {}", String::from_utf8_lossy(&o.stderr));
            runs.push((
                std::fs::read(out.join("runs.jsonl")).expect("runs"),
                std::fs::read(out.join("summary.json")).expect("summary"),
            ));
        }
        assert!(runs[0] == runs[1], "spec {i}: -j 1 and -j 2 differ");
    }
}
