//! The report of a calibration directory: the generations (tolerance and
//! acceptance), each parameter's posterior against its prior, the pairs of
//! parameters the data tie together, and each target's fit.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::charts::{self, Axis, Band, Ranked};
use super::page::{esc, figure, md, page};
use crate::sweep::inputs::Input;
use crate::sweep::spec::ParamSpec;

/// A finished calibration's outputs.
#[derive(Debug, Clone)]
pub struct CalibrationReport {
    /// The directory.
    pub dir: PathBuf,
    /// Its `posterior.json`.
    pub posterior: Value,
}

/// Bins of a posterior histogram: equal prior probability each.
const BINS: usize = 20;
/// Pairs drawn as scatter plots: those with a weighted correlation at least this strong.
const STRONG: f64 = 0.3;
/// Most pairs drawn.
const MOST_PAIRS: usize = 6;

/// One parameter: path, prior, particle values.
struct Parameter {
    path: String,
    prior: Option<Input>,
    posterior: Value,
    values: Vec<f64>,
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// A number with four significant figures.
fn sig(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{x:.digits$}")
}

impl CalibrationReport {
    /// Reads a calibration directory's posterior.
    pub fn read(dir: &Path) -> Result<CalibrationReport, String> {
        let path = dir.join(crate::calibrate::runner::POSTERIOR);
        if !path.exists() {
            return Err(format!(
                "no {} yet: the calibration has not finished; continue it with `ccsim calibrate SPEC --out {} --resume`",
                crate::calibrate::runner::POSTERIOR,
                dir.display()
            ));
        }
        let text = crate::input::read_text(&path, crate::input::MAX_JSON_BYTES)?;
        let posterior: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a calibration posterior ({e})", path.display()))?;
        if !posterior.get("particles").is_some_and(Value::is_array)
            || !posterior.get("targets").is_some_and(Value::is_array)
        {
            return Err(format!("{}: not a calibration posterior (no particles or targets)", path.display()));
        }
        Ok(CalibrationReport { dir: dir.to_owned(), posterior })
    }

    /// Whether the calibration had several base scenarios (its targets then name theirs).
    fn several_bases(&self) -> bool {
        self.posterior.get("scenarios").is_some_and(|s| s.as_array().is_some_and(|a| a.len() > 1))
    }

    fn weights(&self) -> Vec<f64> {
        self.particles().iter().map(|p| f(&p["weight"])).collect()
    }

    fn particles(&self) -> &[Value] {
        self.posterior["particles"].as_array().map_or(&[], Vec::as_slice)
    }

    fn parameters(&self) -> Vec<Parameter> {
        self.posterior["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let path = p["path"].as_str().unwrap_or_default().to_owned();
                let prior = serde_json::from_value::<ParamSpec>(p["prior"].clone())
                    .ok()
                    .and_then(|spec| Input::from_spec(&path, &spec).ok());
                let values = self.particles().iter().map(|q| f(&q["parameters"][&path])).collect();
                Parameter { path, prior, posterior: p["posterior"].clone(), values }
            })
            .collect()
    }

    fn title(&self) -> String {
        format!(
            "Calibration — {} under {}",
            self.posterior["scenario"].as_str().unwrap_or("?"),
            self.posterior["regime"].as_str().unwrap_or("?")
        )
    }

    fn intro(&self) -> String {
        let p = &self.posterior;
        let gens = p["generations"].as_array().map_or(0, Vec::len);
        let last = p["generations"].as_array().and_then(|g| g.last()).map_or(f64::NAN, |g| f(&g["tolerance"]));
        format!(
            "{} particles kept from {} simulated points over {} generations (seed {}); stopped because {}; last tolerance {} \
             (the root mean square, over targets, of each simulated value's distance from the observed in the target's sd, \
             with a draw of its observation error).",
            p["settings"]["particles"],
            p["simulations"],
            gens,
            p["seed"],
            if p["stopped"] == "acceptance" {
                "the share of new points inside the previous tolerance fell below the minimum"
            } else {
                "the generation cap was reached"
            },
            sig(last)
        )
    }
}

/// A prior as a reader writes it.
fn prior_text(i: Input) -> String {
    match i {
        Input::Uniform(lo, hi) => format!("uniform [{}, {}]", sig(lo), sig(hi)),
        Input::LogUniform(lo, hi) => format!("log-uniform [{}, {}]", sig(lo), sig(hi)),
        Input::Normal(m, sd) => format!("normal, mean {}, sd {}", sig(m), sig(sd)),
        Input::TruncatedNormal(m, sd, lo, hi) => {
            format!("normal, mean {}, sd {}, cut to [{}, {}]", sig(m), sig(sd), sig(lo), sig(hi))
        }
        Input::Triangular(lo, mode, hi) => format!("triangular [{}, {}], mode {}", sig(lo), sig(hi), sig(mode)),
    }
}

/// Weighted correlation of two columns.
fn correlation(x: &[f64], y: &[f64], w: &[f64]) -> f64 {
    let total: f64 = w.iter().sum();
    let mean = |v: &[f64]| v.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / total;
    let (mx, my) = (mean(x), mean(y));
    let cov: f64 = x.iter().zip(y).zip(w).map(|((a, b), c)| c * (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().zip(w).map(|(a, c)| c * (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().zip(w).map(|(b, c)| c * (b - my).powi(2)).sum();
    if vx > 0.0 && vy > 0.0 { cov / (vx * vy).sqrt() } else { 0.0 }
}

/// A histogram bin: its lower and upper edge and the density inside.
type Bin = (f64, f64, f64);

/// A posterior histogram and the prior's density as a stepped line over the same bins.
struct Histogram {
    bins: Vec<Bin>,
    prior: Vec<(f64, f64)>,
}

/// The histogram of a parameter's particles in bins of equal prior
/// probability, and the prior's density over the same bins.
fn histogram(p: &Parameter, weights: &[f64]) -> Option<Histogram> {
    let prior = p.prior?;
    let (lo_q, hi_q) = if prior.bounded() { (0.0, 1.0) } else { (0.001, 0.999) };
    let edges: Vec<f64> = (0..=BINS).map(|i| prior.quantile(lo_q + (hi_q - lo_q) * i as f64 / BINS as f64)).collect();
    let total: f64 = weights.iter().sum();
    let mut bins = Vec::with_capacity(BINS);
    let mut curve = Vec::with_capacity(2 * BINS);
    for i in 0..BINS {
        let (lo, hi) = (edges[i], edges[i + 1]);
        let width = (hi - lo).max(f64::MIN_POSITIVE);
        let inside = |v: f64| v >= lo && (v < hi || (i == BINS - 1 && v <= hi));
        let mass: f64 = p.values.iter().zip(weights).filter(|(v, _)| inside(**v)).map(|(_, w)| w).sum::<f64>() / total;
        bins.push((lo, hi, mass / width));
        let prior_density = (hi_q - lo_q) / BINS as f64 / width;
        curve.extend([(lo, prior_density), (hi, prior_density)]);
    }
    Some(Histogram { bins, prior: curve })
}

/// The HTML page of a calibration.
pub fn html(r: &CalibrationReport) -> Result<String, String> {
    let mut b = String::new();
    let _ = writeln!(b, "<p>{}</p>", esc(&r.intro()));
    let gens: Vec<&Value> = r.posterior["generations"].as_array().into_iter().flatten().collect();
    let _ = writeln!(
        b,
        "<h2>Generations</h2>\n<table><tr><th>generation</th><th>points</th><th>tolerance</th><th>acceptance</th><th>effective sample size</th></tr>"
    );
    for g in &gens {
        let acceptance = g["acceptance"].as_f64().map_or_else(|| "–".to_owned(), |a| format!("{:.0}%", 100.0 * a));
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{acceptance}</td><td>{:.1}</td></tr>",
            g["generation"],
            g["simulations"],
            sig(f(&g["tolerance"])),
            f(&g["effective_size"])
        );
    }
    b.push_str("</table>\n");
    let line = |name: &str, pick: &dyn Fn(&Value) -> Option<f64>| Band {
        name: name.to_owned(),
        points: gens.iter().filter_map(|g| pick(g).map(|v| (f(&g["generation"]), v, v, v))).collect::<Vec<_>>(),
    };
    let tol = [line("tolerance", &|g| g["tolerance"].as_f64())];
    let svg =
        charts::bands("Tolerance by generation", "generation", "tolerance (sd)", &tol, false, false, Axis::Fitted)?;
    figure(
        &mut b,
        "tolerance",
        "bands",
        1,
        gens.len(),
        &svg,
        "The distance of the last particle kept, generation by generation.",
    );
    let acc = [line("acceptance", &|g| g["acceptance"].as_f64().map(|a| 100.0 * a))];
    let svg = charts::bands(
        "Acceptance by generation",
        "generation",
        "new points inside the tolerance (%)",
        &acc,
        false,
        false,
        Axis::Percent,
    )?;
    figure(
        &mut b,
        "acceptance",
        "bands",
        1,
        gens.len().saturating_sub(1),
        &svg,
        "The share of each generation's new points that fell inside the previous tolerance; the calibration stops when it falls below the minimum.",
    );

    let weights = r.weights();
    let params = r.parameters();
    b.push_str("<h2>Parameters</h2>\n<table><tr><th>parameter</th><th>prior</th><th>posterior median</th><th>90% interval</th></tr>\n");
    for p in &params {
        let prior = p.prior.map_or_else(|| "–".to_owned(), prior_text);
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td></tr>",
            esc(&p.path),
            esc(&prior),
            sig(f(&p.posterior["median"])),
            sig(f(&p.posterior["q05"])),
            sig(f(&p.posterior["q95"]))
        );
    }
    b.push_str("</table>\n");
    for p in &params {
        let Some(h) = histogram(p, &weights) else { continue };
        let svg = charts::histogram(&p.path, &p.path, &h.bins, &h.prior, ("posterior (weighted particles)", "prior"))?;
        let caption = format!(
            "{}: the particles' weighted histogram in {BINS} bins of equal prior probability, against the prior's density. \
             Where the two agree the targets say little about it.",
            p.path
        );
        figure(&mut b, &format!("posterior-{}", p.path), "histogram", 2, BINS, &svg, &caption);
    }

    let mut pairs = Vec::new();
    for i in 0..params.len() {
        for j in i + 1..params.len() {
            pairs.push((correlation(&params[i].values, &params[j].values, &weights), i, j));
        }
    }
    pairs.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let strong: Vec<_> = pairs.iter().filter(|p| p.0.abs() >= STRONG).take(MOST_PAIRS).collect();
    let _ = writeln!(
        b,
        "<h2>Parameters the data tie together</h2>\n<p>{} of {} pairs have a weighted correlation of {STRONG} or more in size{}.</p>",
        pairs.iter().filter(|p| p.0.abs() >= STRONG).count(),
        pairs.len(),
        if strong.is_empty() { "" } else { "; the strongest are drawn" }
    );
    for &&(rho, i, j) in &strong {
        let points: Vec<(f64, f64, f64)> =
            params[i].values.iter().zip(&params[j].values).zip(&weights).map(|((x, y), w)| (*x, *y, *w)).collect();
        let svg = charts::scatter(
            &format!("{} and {} (r = {rho:.2})", params[i].path, params[j].path),
            &params[i].path,
            &params[j].path,
            &points,
        )?;
        let caption =
            format!("The particles of {} against {}, weighted correlation {rho:.2}.", params[i].path, params[j].path);
        figure(&mut b, &format!("pair-{i}-{j}"), "scatter", 1, points.len(), &svg, &caption);
    }

    let targets: Vec<&Value> = r.posterior["targets"].as_array().into_iter().flatten().collect();
    let several = r.several_bases();
    let _ = writeln!(
        b,
        "<h2>Fit</h2>\n<table><tr><th>target</th>{}<th>observed</th><th>sd</th><th>simulated median</th><th>90% interval</th><th>gap (sd)</th><th>source, period</th></tr>",
        if several { "<th>scenario</th>" } else { "" }
    );
    let mut rows = Vec::new();
    let (mut observed, mut simulated) = (Vec::new(), Vec::new());
    for t in &targets {
        let (o, sd, s) = (f(&t["observed"]), f(&t["sd"]), &t["simulated"]);
        let _ = writeln!(
            b,
            "<tr><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td><td>[{}, {}]</td><td>{:+.1}</td><td>{}, {}</td></tr>",
            esc(t["name"].as_str().unwrap_or("")),
            if several { format!("<td>{}</td>", esc(t["scenario"].as_str().unwrap_or(""))) } else { String::new() },
            sig(o),
            sig(sd),
            sig(f(&s["median"])),
            sig(f(&s["q05"])),
            sig(f(&s["q95"])),
            (f(&s["median"]) - o) / sd,
            esc(t["source"].as_str().unwrap_or("")),
            esc(t["period"].as_str().unwrap_or(""))
        );
        rows.push(t["name"].as_str().unwrap_or("").to_owned());
        observed.push((0.0, Some([-1.96, 1.96])));
        let z = |v: f64| (v - o) / sd;
        simulated.push((z(f(&s["median"])), Some([z(f(&s["q05"])), z(f(&s["q95"]))])));
    }
    b.push_str("</table>\n");
    let series = [
        Ranked { name: "observed, 95% interval".into(), values: observed },
        Ranked { name: "simulated, median and 90%".into(), values: simulated },
    ];
    let svg = charts::ranked("Fit: simulated against observed", "distance from the observed (its sd)", &rows, &series)?;
    figure(
        &mut b,
        "fit",
        "ranked",
        2,
        rows.len(),
        &svg,
        "Each target's posterior simulated values (median, 5% to 95%) against its observed value's 95% interval, in units of the target's sd.",
    );
    Ok(page(&r.title(), &b))
}

/// The Markdown summary of a calibration.
pub fn markdown(r: &CalibrationReport) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# {}\n\n{}\n", md(&r.title()), md(&r.intro()));
    t.push_str("| parameter | posterior median | 90% interval |\n|---|---|---|\n");
    for p in r.parameters() {
        let _ = writeln!(
            t,
            "| {} | {} | [{}, {}] |",
            md(&p.path),
            sig(f(&p.posterior["median"])),
            sig(f(&p.posterior["q05"])),
            sig(f(&p.posterior["q95"]))
        );
    }
    let several = r.several_bases();
    if several {
        t.push_str(
            "\n| target | scenario | observed | sd | simulated median | 90% interval |\n|---|---|---|---|---|---|\n",
        );
    } else {
        t.push_str("\n| target | observed | sd | simulated median | 90% interval |\n|---|---|---|---|---|\n");
    }
    for x in r.posterior["targets"].as_array().into_iter().flatten() {
        let s = &x["simulated"];
        let scenario = if several { format!(" {} |", md(x["scenario"].as_str().unwrap_or(""))) } else { String::new() };
        let _ = writeln!(
            t,
            "| {} |{scenario} {} | {} | {} | [{}, {}] |",
            md(x["name"].as_str().unwrap_or("")),
            sig(f(&x["observed"])),
            sig(f(&x["sd"])),
            sig(f(&s["median"])),
            sig(f(&s["q05"])),
            sig(f(&s["q95"]))
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_significant_figures_whatever_the_number() {
        assert_eq!(sig(0.0), "0", "a prior's lower end of 0 (a share) is written, not a crash");
        assert_eq!(sig(-0.0), "0");
        assert_eq!(sig(1234.5), "1234");
        assert_eq!(sig(0.012345), "0.01235");
        assert_eq!(sig(-2.5), "-2.500");
        assert_eq!(sig(f64::NAN), "–");
    }

    #[test]
    fn correlations_and_prior_bins() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((correlation(&x, &[2.0, 4.0, 6.0, 8.0], &[1.0; 4]) - 1.0).abs() < 1e-12);
        assert!((correlation(&x, &[8.0, 6.0, 4.0, 2.0], &[1.0; 4]) + 1.0).abs() < 1e-12);
        // Particles drawn from the prior fill its bins evenly: the histogram matches the prior's density.
        let p = Parameter {
            path: "a".into(),
            prior: Some(Input::LogUniform(0.01, 1.0)),
            posterior: Value::Null,
            values: (0..2000).map(|i| Input::LogUniform(0.01, 1.0).quantile((i as f64 + 0.5) / 2000.0)).collect(),
        };
        let h = histogram(&p, &[1.0; 2000]).expect("a prior");
        for (k, (lo, hi, d)) in h.bins.iter().enumerate() {
            assert!((d - h.prior[2 * k].1).abs() / d < 1e-9, "bin [{lo}, {hi}]: {d} against {}", h.prior[2 * k].1);
        }
        let mass: f64 = h.bins.iter().map(|(lo, hi, d)| (hi - lo) * d).sum();
        assert!((mass - 1.0).abs() < 1e-9);
    }
}
