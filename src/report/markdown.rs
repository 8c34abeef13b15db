//! The Markdown summary of a report, for a terminal or a notebook.

use std::fmt::Write;

use super::input::Report;
use super::measures::KEY_METRICS;
use super::page::{headline, md};

/// Markdown tables of a run's headline figures and events, or of a sweep's
/// key metrics per point and arm.
pub fn render(report: &Report) -> String {
    let mut t = String::new();
    match report {
        Report::Calibration(c) => t.push_str(&super::calibration::markdown(c)),
        Report::Search(r) => t.push_str(&super::search::markdown(r)),
        Report::Explain(e) => {
            let _ = writeln!(t, "# Why {} and {} differ · {}\n", md(&e.to), md(&e.from), md(&e.scenario));
            for d in &e.measures {
                let _ = writeln!(t, "## {}\n", md(&d.label));
                let _ = writeln!(
                    t,
                    "{} {:.6} → {} {:.6}; difference {:.6}\n",
                    md(&e.from),
                    d.from.mean,
                    md(&e.to),
                    d.to.mean,
                    d.total.mean
                );
                t.push_str("| mechanism | contribution | 95% CI |\n|---|---|---|\n");
                for (p, s) in &d.contributions {
                    let ci = s.ci95.map_or_else(|| "–".to_owned(), |[lo, hi]| format!("[{lo:.6}, {hi:.6}]"));
                    let _ = writeln!(t, "| {} | {:.6} | {ci} |", p.label(), s.mean);
                }
                t.push('\n');
            }
        }
        Report::Run(r) => {
            let _ = writeln!(t, "# {} · regime {} · seed {}\n", md(&r.scenario.name), md(&r.regime.name), r.seed);
            t.push_str("| measure | value |\n|---|---|\n");
            for (label, value) in headline(r) {
                let _ = writeln!(t, "| {} | {} |", md(label), md(&value));
            }
            if !r.events.is_empty() {
                t.push_str("\n| week | event | provider | service | to |\n|---|---|---|---|---|\n");
                for e in &r.events {
                    let _ = writeln!(
                        t,
                        "| {} | {} | {} | {} | {} |",
                        e.week,
                        md(&e.kind),
                        md(&e.provider),
                        md(e.service.as_deref().unwrap_or("")),
                        md(e.to.as_deref().unwrap_or(""))
                    );
                }
            }
        }
        Report::Sweep(s) => {
            let layout = &s.summary.layout;
            let names: Vec<String> = s.manifest.scenarios.iter().map(|x| md(&x.name)).collect();
            let arms: Vec<String> = layout.arms.iter().map(|a| md(a)).collect();
            let _ = writeln!(t, "# Sweep of {} — arms {}\n", names.join(" and "), arms.join(" vs "));
            if let Some(note) = &s.partial {
                let _ = writeln!(t, "> {}\n", md(note));
            }
            let design = s.manifest.spec.get("design").and_then(|d| d.as_str()).unwrap_or("grid");
            if matches!(design, "morris" | "sobol") && s.partial.is_none() {
                match s.sensitivity(&[]) {
                    Ok(a) => {
                        let _ = writeln!(
                            t,
                            "## Which parameters matter\n\n```text\n{}```\n",
                            crate::text::sensitivity_table(&a)
                        );
                    }
                    Err(e) => {
                        let _ = writeln!(t, "> sensitivity indices unavailable: {}\n", md(&e.to_string()));
                    }
                }
            }
            let metrics: Vec<_> = KEY_METRICS
                .iter()
                .filter(|m| s.summary.points.iter().any(|p| p.arms.values().any(|a| a.metrics.contains_key(m.path))))
                .collect();
            t.push_str("| point | replicates | parameters | arm |");
            for m in &metrics {
                let _ = write!(t, " {} ({}) |", m.label, m.unit);
            }
            t.push_str("\n|---|---|---|---|");
            t.push_str(&"---|".repeat(metrics.len()));
            t.push('\n');
            for p in &s.summary.points {
                let params: Vec<String> = p.parameters.iter().map(|(k, v)| md(&format!("{k} = {v}"))).collect();
                for (arm, a) in p.arms.iter().chain(p.differences.iter()) {
                    let _ = write!(t, "| {} | {} | {} | {} |", p.point, p.replicates, params.join(", "), md(arm));
                    for m in &metrics {
                        match a.metrics.get(m.path) {
                            Some(st) => {
                                let [lo, hi] = st.ci95.unwrap_or([st.mean, st.mean]);
                                let _ =
                                    write!(t, " {:.3} [{:.3}, {:.3}] |", st.mean * m.scale, lo * m.scale, hi * m.scale);
                            }
                            None => t.push_str(" – |"),
                        }
                    }
                    t.push('\n');
                }
            }
        }
    }
    t
}
