//! The HTML report: one file, inline SVG charts, no scripts.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::charts::{self, Axis, Band, Mark, Ranked, Weekly};
use super::input::{Report, SweepReport};
use super::measures::{KEY_METRICS, Metric};
use super::page::{esc, figure, headline, num, page, pct};
use crate::model::RunOutput;
use crate::sweep::sensitivity::{Indices, TargetResult};
use crate::sweep::spec::Design;
use crate::sweep::stats::Stat;
use crate::sweep::summary::PointSummary;

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Most providers drawn in colour on a weekly chart; the rest are grey.
const MAX_HIGHLIGHTED: usize = 6;

/// With more than [`MAX_HIGHLIGHTED`] series, keeps in colour the three
/// highest and three lowest at the end and greys the rest; says which.
fn highlight_extremes(series: &mut [Weekly]) -> String {
    if series.len() <= MAX_HIGHLIGHTED {
        return String::new();
    }
    let last = |s: &Weekly| s.points.last().map_or(f64::NEG_INFINITY, |p| p.1);
    let mut order: Vec<usize> = (0..series.len()).collect();
    order.sort_by(|&a, &b| last(&series[b]).total_cmp(&last(&series[a])).then(a.cmp(&b)));
    let half = MAX_HIGHLIGHTED / 2;
    for (rank, &i) in order.iter().enumerate() {
        series[i].highlighted = rank < half || rank >= order.len() - half;
    }
    format!(
        ", the {half} highest and {half} lowest at the end in colour and the other {} in grey",
        series.len() - MAX_HIGHLIGHTED
    )
}

/// The page of a scenario discovery: the condition, the coverage–density
/// trade-off of the peeling (the chosen box marked) and the box's bounds.
pub fn discovery_page(d: &crate::sweep::discover::SweepDiscovery) -> Result<String, String> {
    let found = &d.discovery;
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<p>Where does <code>{}</code> of <code>{}</code> satisfy <code>{}</code>? It does at {} of {} design points. \
         PRIM (Friedman &amp; Fisher 1999) peels away {:.0}% of the box at a time, keeping the densest box; the chosen box \
         is the densest with coverage at least {:.0}%, then pasted.</p>",
        esc(&d.metric),
        esc(&d.target),
        esc(&d.condition.text()),
        d.hits,
        d.points,
        d.settings.alpha * 100.0,
        d.settings.min_coverage * 100.0
    );
    let trade: Vec<(f64, f64, f64, f64)> = found
        .trajectory
        .iter()
        .map(|f| (f.coverage * 100.0, f.density * 100.0, f.density * 100.0, f.density * 100.0))
        .collect();
    let chosen = &found.trajectory[found.chosen_step];
    let series = [
        Band { name: "peeling steps".into(), points: trade.clone() },
        Band {
            name: format!("chosen (step {})", found.chosen_step),
            points: vec![(
                chosen.coverage * 100.0,
                chosen.density * 100.0,
                chosen.density * 100.0,
                chosen.density * 100.0,
            )],
        },
        Band {
            name: "after pasting".into(),
            points: vec![(
                found.chosen.coverage * 100.0,
                found.chosen.density * 100.0,
                found.chosen.density * 100.0,
                found.chosen.density * 100.0,
            )],
        },
    ];
    let svg = charts::bands(
        "Coverage–density trade-off",
        "coverage (%)",
        "density (%)",
        &series,
        false,
        true,
        Axis::Percent,
    )?;
    figure(
        &mut b,
        "discover-tradeoff",
        "tradeoff",
        series.len(),
        trade.len() + 2,
        &svg,
        "Each peeling step's box: the share of the points where the condition holds that it holds (coverage) against the share of its points where it holds (density).",
    );
    let c = &found.chosen;
    let _ = writeln!(
        b,
        "<h2>The box</h2>\n<p>Coverage {:.2}, density {:.2}, {} points ({:.0}% of all).</p>\n<table><tr><th>parameter</th><th>lower</th><th>upper</th><th>range in the sweep</th><th>quasi-p</th></tr>",
        c.coverage,
        c.density,
        c.points,
        c.mass * 100.0
    );
    for r in &found.restrictions {
        let _ = writeln!(
            b,
            "<tr><td><code>{}</code></td><td>{:.4}</td><td>{:.4}</td><td>[{:.4}, {:.4}]</td><td>{:.2e}</td></tr>",
            esc(&d.parameters[r.parameter]),
            r.bounds[0],
            r.bounds[1],
            r.range[0],
            r.range[1],
            r.quasi_p
        );
    }
    b.push_str("</table>\n<p>A restriction's quasi-p is the chance that a box as dense would come from the box without it by drawing points at random (small: the restriction matters).</p>\n");
    Ok(page(&format!("Scenario discovery — {} {} {}", d.target, d.metric, d.condition.text()), &b))
}

/// The HTML page of a report.
pub fn render(report: &Report) -> Result<String, String> {
    match report {
        Report::Run(r) => run_page(r),
        Report::Sweep(s) => sweep_page(s),
        Report::Explain(e) => explain_page(e),
        Report::Calibration(c) => super::calibration::html(c),
        Report::Search(r) => super::search::html(r),
    }
}

/// The page of a `ccsim explain` result: for each measure the two regimes'
/// values and difference, and each mechanism's contribution as a bar with
/// its 95% interval, largest first.
fn explain_page(e: &crate::explain::Explanation) -> Result<String, String> {
    let k = e.players.len();
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<p>{} seeds × {} combinations of {} mechanisms ({} runs with common seeds; combinations without network routing share one). Each bar is a mechanism's \
         Shapley value — its effect averaged over every order of switching the mechanisms from {}'s setting to {}'s — \
         with its 95% interval over seeds; the bars add up to the difference exactly.</p>",
        e.seeds.len(),
        1u64 << k,
        k,
        e.runs,
        esc(&e.from),
        esc(&e.to)
    );
    for d in &e.measures {
        let (scale, unit, _) = crate::explain::display(&d.metric);
        let label = if scale == 100.0 { format!("{} (%)", d.label) } else { d.label.clone() };
        let shown = |s: &crate::sweep::stats::Stat| crate::explain::shown(&d.metric, s);
        let _ = writeln!(
            b,
            "<h2>{}</h2>\n<table><tr><th>{}</th><th>{}</th><th>difference ({unit})</th></tr><tr><td>{}</td><td>{}</td><td>{}</td></tr></table>",
            esc(&label),
            esc(&e.from),
            esc(&e.to),
            shown(&d.from),
            shown(&d.to),
            shown(&d.total)
        );
        let rows: Vec<String> = d.contributions.iter().map(|(p, _)| p.label().to_owned()).collect();
        let series = vec![charts::Ranked {
            name: "contribution".into(),
            values: d
                .contributions
                .iter()
                .map(|(_, s)| (scale * s.mean, s.ci95.map(|[lo, hi]| [scale * lo, scale * hi])))
                .collect(),
        }];
        let x_label = format!("contribution to the difference ({unit})");
        let svg = charts::ranked(&format!("{} — {} → {}", d.label, e.from, e.to), &x_label, &rows, &series)?;
        let caption = format!(
            "{}: each mechanism's contribution to the {} − {} difference, with 95% intervals over seeds.",
            d.label, e.to, e.from
        );
        figure(&mut b, &format!("explain-{}", d.metric), "explain", 1, rows.len(), &svg, &caption);
    }
    Ok(page(&format!("Why {} and {} differ — {}", e.to, e.from, e.scenario), &b))
}

fn run_page(r: &RunOutput) -> Result<String, String> {
    let title = format!("{} · regime {} · seed {}", r.scenario.name, r.regime.name, r.seed);
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<p>ccsim {} · {} weeks measured after {} weeks' warm-up · scenario hash <code>{}</code>{}</p>",
        esc(&r.ccsim_version),
        r.time.horizon_weeks,
        r.time.warmup_weeks,
        esc(&r.scenario.hash),
        if r.regime_at_end.name != r.regime.name {
            format!(" · regime at the end: {}", esc(&r.regime_at_end.name))
        } else {
            String::new()
        }
    );
    b.push_str("<h2>Headline figures</h2>\n<table><tr><th>measure</th><th>value</th></tr>\n");
    for (label, value) in headline(r) {
        let _ = writeln!(b, "<tr><td>{label}</td><td>{}</td></tr>", esc(&value));
    }
    b.push_str("</table>\n<h2>Providers over time</h2>\n");
    match &r.timeseries {
        None => b.push_str(
            "<p class=\"note\">This run was made without <code>--timeseries</code>: no weekly series to show.</p>\n",
        ),
        Some(ts) => {
            // The end of the warm-up and every timed change (switch or shock) are marked.
            let mut marks = vec![Mark { week: f64::from(r.time.warmup_weeks), label: "warm-up ends".into() }];
            marks.extend(
                r.events
                    .iter()
                    .filter(|e| e.kind == "timeline")
                    .map(|e| Mark { week: f64::from(e.week), label: e.detail.clone() }),
            );
            let changed = match r.events.iter().find(|e| e.kind == "timeline" && e.detail.starts_with("regime")) {
                Some(e) if r.regime_at_end.name != r.regime.name => {
                    format!(": regime {} → {} at week {}", r.regime.name, r.regime_at_end.name, e.week)
                }
                _ => String::new(),
            };
            // A series shorter than the weeks (a damaged or hand-edited
            // file) is drawn as far as it goes.
            type Pick = fn(&crate::model::engine::ProviderSeries, usize) -> Option<f64>;
            let panels: [(&str, &str, &str, Axis, Pick); 4] = [
                ("waits", "waiting list", "patients", Axis::Count, |p, w| p.waiting.get(w).map(|&x| x as f64)),
                ("quality", "quality", "index, 0 = the baseline risks' level", Axis::Fitted, |p, w| {
                    p.quality.get(w).copied()
                }),
                ("cash", "cash", "£m", Axis::Fitted, |p, w| p.cash.get(w).map(|c| c.as_pounds() / 1e6)),
                ("staff", "staff in post", "WTE", Axis::Fitted, |p, w| p.staff_wte.get(w).copied()),
            ];
            for (id, what, unit, axis, pick) in panels {
                let mut series: Vec<Weekly> = ts
                    .providers
                    .iter()
                    .map(|p| {
                        let points =
                            ts.week.iter().enumerate().filter_map(|(w, &wk)| Some((f64::from(wk), pick(p, w)?)));
                        Weekly { name: p.id.clone(), points: points.collect(), highlighted: true }
                    })
                    .collect();
                let shown = highlight_extremes(&mut series);
                let svg = charts::weekly(
                    &format!("{} by provider{changed}", capitalised(what)),
                    &format!("{what} ({unit})"),
                    &series,
                    &marks,
                    axis,
                )?;
                let points = series.iter().map(|s| s.points.len()).sum();
                figure(
                    &mut b,
                    &format!("run-{id}"),
                    "timeseries",
                    series.len(),
                    points,
                    &svg,
                    &format!(
                        "Weekly {what} of each provider ({unit}){shown}; dashed lines mark the end of the warm-up and each timed change."
                    ),
                );
            }
        }
    }
    b.push_str("<h2>Where patients went</h2>\n");
    let svg = charts::map(&format!("Localities, providers and flows — {title}"), &r.map)?;
    figure(
        &mut b,
        "run-map",
        "map",
        3,
        r.map.flows.len() + r.map.localities.len() + r.map.providers.len(),
        &svg,
        "Localities (circles, area by residents) and providers (squares) at their coordinates; lines from each \
         locality to the providers that treated its patients in the measured window, as wide as the number of patients.",
    );
    if !r.map.sites.is_empty() {
        b.push_str("<h2>Which site offers what</h2>\n");
        let svg = charts::service_map(&format!("Services by site at the end of the run — {title}"), &r.map)?;
        let services: std::collections::BTreeSet<&String> =
            r.map.sites.iter().flat_map(|s| s.services.keys()).collect();
        figure(
            &mut b,
            "run-sites",
            "map",
            services.len(),
            r.map.sites.iter().map(|s| s.services.len()).sum(),
            &svg,
            "One map per service: each hospital site (or provider listing no sites) offering it at the end of the run, \
             a filled square at the complex level (an obstetric unit, a neonatal intensive care unit, complex cases), a ring \
             at the routine level (a midwife-led unit, freestanding where its trust has an obstetric unit elsewhere; a local \
             neonatal unit) and a ring of another colour at the basic level (a special care unit); grey dots are localities.",
        );
    }
    if !r.summary.transfers.is_empty() {
        b.push_str(
            "<h2>Transfers</h2>\n<p>Complex cases that first presented at a unit of the routine level and were \
             transferred to the nearest open unit of the complex level, with the road between the two units and the \
             harm among those transferred; complex cases recognised in time and taken past a nearest unit of the \
             routine level (for neonatal care, in-utero transfers), with the road from that unit; routine cases \
             that began care at a unit of the routine level and were moved during it to the nearest of the complex \
             level (for maternity, intrapartum transfers from midwife-led units), their share of those who began \
             there; and emergency patients moved on from a full unit (for room).</p>\n\
             <table><tr><th>service</th><th>complex cases</th><th>transferred</th><th>share</th><th>mean minutes</th>\
             <th>mean km</th><th>adverse rate</th><th>moved ahead</th><th>share</th><th>mean minutes</th>\
             <th>adverse rate</th><th>moved during care</th><th>share</th><th>mean minutes</th><th>adverse rate</th>\
             <th>for room</th></tr>\n",
        );
        for (service, t) in &r.summary.transfers {
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(service),
                t.complex_cases,
                t.between_levels,
                pct(t.share_of_complex, 1),
                num(t.mean_minutes, 1),
                num(t.mean_km, 1),
                pct(t.adverse_rate, 1),
                t.ahead.patients,
                pct(t.ahead.share_of_complex, 1),
                num(t.ahead.mean_minutes, 1),
                pct(t.ahead.adverse_rate, 1),
                t.during_care.patients,
                pct(t.during_care.share, 1),
                num(t.during_care.mean_minutes, 1),
                pct(t.during_care.adverse_rate, 1),
                t.for_room
            );
        }
        b.push_str(
            "</table>\n<table><tr><th>service</th><th>moved</th><th>from</th><th>to</th><th>patients</th>\
             <th>mean minutes</th></tr>\n",
        );
        for (service, t) in &r.summary.transfers {
            let kinds = [("complex, after presenting", &t.routes), ("routine, during care", &t.during_care.routes)];
            for (kind, routes) in kinds {
                for route in routes {
                    let _ = writeln!(
                        b,
                        "<tr><td>{}</td><td>{kind}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td></tr>",
                        esc(service),
                        esc(&route.from),
                        esc(&route.to),
                        route.transfers,
                        route.mean_minutes
                    );
                }
            }
        }
        b.push_str("</table>\n");
    }
    if !r.summary.coverage.is_empty() {
        b.push_str(
            "<h2>Near a service</h2>\n<p>Share of residents whose quickest open site offering each service is within \
             30 or 60 minutes' road travel, at the end of the run.</p>\n<table><tr><th>service</th>\
             <th>within 30 min</th><th>urban</th><th>rural</th><th>within 60 min</th><th>urban</th><th>rural</th></tr>\n",
        );
        for (service, c) in &r.summary.coverage {
            let (a, b60) = (&c.within_30_minutes, &c.within_60_minutes);
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(service),
                pct(a.overall, 1),
                pct(a.urban, 1),
                pct(a.rural, 1),
                pct(b60.overall, 1),
                pct(b60.urban, 1),
                pct(b60.rural, 1)
            );
        }
        b.push_str("</table>\n");
    }
    if !r.summary.volume.is_empty() {
        b.push_str(
            "<h2>Volume</h2>\n<p>Units that treated fewer episodes than their service's minimum safe volume for their \
             level over the last year of the run, and the share of that year's episodes they treated.</p>\n\
             <table><tr><th>service</th><th>minimum a year (routine level)</th><th>units</th><th>below it</th>\
             <th>their episodes</th><th>providers below</th></tr>\n",
        );
        // One row per minimum: all episodes, and complex ones where the service sets it.
        let mut row = |name: String, minimum: String, units: u32, below: u32, share: Option<f64>, ids: &[String]| {
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{minimum}</td><td>{units}</td><td>{below}</td><td>{}</td><td>{}</td></tr>",
                esc(&name),
                pct(share, 1),
                esc(&ids.join(", "))
            );
        };
        for (service, v) in &r.summary.volume {
            let minimum = if v.minimum_routine == v.minimum {
                format!("{:.0}", v.minimum)
            } else {
                format!("{:.0} ({:.0})", v.minimum, v.minimum_routine)
            };
            row(service.clone(), minimum, v.units, v.below_minimum, v.episodes_below_share, &v.providers_below);
            if let Some(c) = &v.complex {
                row(
                    format!("{service} (complex cases, on complex episodes)"),
                    format!("{:.0}", c.minimum),
                    c.units,
                    c.below_minimum,
                    c.episodes_below_share,
                    &c.providers_below,
                );
            }
        }
        b.push_str("</table>\n");
    }
    if !r.summary.staffing.is_empty() {
        b.push_str(
            "<h2>Staffing standards</h2>\n<p>Episodes over the last year per WTE of a staff group (in post and agency, \
             each provider's by the hours each unit needs), against the standard set for the service.</p>\n\
             <table><tr><th>service</th><th>staff group</th><th>standard a year</th><th>units</th>\
             <th>episodes per WTE</th><th>above it</th><th>providers above</th></tr>\n",
        );
        for (service, groups) in &r.summary.staffing {
            for (group, s) in groups {
                let _ = writeln!(
                    b,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(service),
                    esc(group),
                    s.standard,
                    s.units,
                    num(s.episodes_per_wte, 1),
                    s.above_standard,
                    esc(&s.providers_above.join(", "))
                );
            }
        }
        b.push_str("</table>\n");
    }
    b.push_str("<h2>Events</h2>\n");
    if r.events.is_empty() {
        b.push_str("<p>No failures, closures, mergers or timed changes.</p>\n");
    } else {
        b.push_str(
            "<table><tr><th>week</th><th>event</th><th>provider</th><th>service</th><th>to</th><th>detail</th></tr>\n",
        );
        for e in &r.events {
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e.week,
                esc(&e.kind),
                esc(&e.provider),
                esc(e.service.as_deref().unwrap_or("")),
                esc(e.to.as_deref().unwrap_or("")),
                esc(&e.detail)
            );
        }
        b.push_str("</table>\n");
    }
    Ok(page(&title, &b))
}

/// A parameter value as a number, if it is one.
fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if x.fract() == 0.0 && x.abs() < 1e12 { format!("{x:.0}") } else { format!("{x:.4}") }
        }
        other => other.to_string(),
    }
}

/// Points grouped for charts against `param`: by the values of every other parameter.
fn facets<'a>(points: &'a [PointSummary], param: &str) -> BTreeMap<String, Vec<&'a PointSummary>> {
    let mut out: BTreeMap<String, Vec<&PointSummary>> = BTreeMap::new();
    for p in points {
        let key: Vec<String> = p
            .parameters
            .iter()
            .filter(|(k, _)| k.as_str() != param)
            .map(|(k, v)| format!("{k} = {}", show_value(v)))
            .collect();
        out.entry(key.join(", ")).or_default().push(p);
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| {
            let (x, y) = (a.parameters.get(param).and_then(number), b.parameters.get(param).and_then(number));
            x.unwrap_or(f64::NAN).total_cmp(&y.unwrap_or(f64::NAN))
        });
    }
    out
}

fn band_point(x: f64, s: &Stat, scale: f64) -> (f64, f64, f64, f64) {
    let [lo, hi] = s.ci95.unwrap_or([s.mean, s.mean]);
    (x, s.mean * scale, lo * scale, hi * scale)
}

/// Which arm a paired difference (second minus first) favours for a metric.
fn verdict(diff: &Stat, m: &Metric, first: &str, second: &str) -> String {
    let Some([lo, hi]) = diff.ci95 else { return "unclear (one replicate)".into() };
    let second_lower = hi < 0.0;
    let second_higher = lo > 0.0;
    match (second_lower, second_higher, m.lower_is_better) {
        (true, _, true) | (_, true, false) => second.to_owned(),
        (_, true, true) | (true, _, false) => first.to_owned(),
        _ => "no clear difference".into(),
    }
}

fn sweep_page(r: &SweepReport) -> Result<String, String> {
    let layout = &r.summary.layout;
    let spec = &r.manifest.spec;
    let scenarios: Vec<&str> = r.manifest.scenarios.iter().map(|s| s.name.as_str()).collect();
    let title = format!(
        "Sweep of {} — arms {} — seed {}",
        scenarios.join(" and "),
        layout.arms.join(" vs "),
        spec.get("seed").map_or_else(|| "?".into(), ToString::to_string)
    );
    let design = spec.get("design").and_then(Value::as_str).unwrap_or("grid");
    let mut b = String::new();
    let (replicates, runs) = match &r.manifest.adaptive {
        Some(a) => {
            let counts = r.summary.points.iter().map(|p| p.replicates);
            let (lo, hi) = (counts.clone().min().unwrap_or(0), counts.max().unwrap_or(0));
            let target = a.target.as_ref().map(|t| format!("{t}: ")).unwrap_or_default();
            (
                format!("{lo}–{hi} replicates (adaptive: 95% CI of {target}{} at most {} wide)", a.metric, a.width),
                r.summary.runs,
            )
        }
        None => (format!("{} replicates", layout.replicates), r.manifest.total_runs),
    };
    let _ = writeln!(
        b,
        "<p>ccsim {} · {} design · {} points × {} × {} arms = {} runs · parameters: {} · started {}{}</p>",
        esc(&r.manifest.ccsim_version),
        esc(design),
        layout.points,
        esc(&replicates),
        layout.arms.len(),
        runs,
        esc(&if layout.parameters.is_empty() { "none".into() } else { layout.parameters.join(", ") }),
        esc(&r.manifest.started),
        r.manifest.finished.as_ref().map(|f| format!(" · finished {}", esc(f))).unwrap_or_default()
    );
    if let Some(note) = &r.partial {
        let _ = writeln!(b, "<p class=\"note\">{}</p>", esc(note));
    }
    let points = &r.summary.points;
    let present = |m: &Metric| points.iter().any(|p| p.arms.values().any(|a| a.metrics.contains_key(m.path)));
    let metrics: Vec<&Metric> = KEY_METRICS.iter().filter(|m| present(m)).collect();
    let sensitivity_design = matches!(design, "morris" | "sobol");
    let numeric: Vec<&String> = layout
        .parameters
        .iter()
        .filter(|_| !sensitivity_design)
        .filter(|p| {
            let values: Vec<f64> = points.iter().filter_map(|pt| pt.parameters.get(*p).and_then(number)).collect();
            values.len() == points.len() && values.iter().any(|v| *v != values[0])
        })
        .collect();
    let bars = design != "grid";
    if sensitivity_design {
        b.push_str(&sensitivity_section(r, &metrics)?);
        b.push_str(
            "<p>Charts against each parameter are left out for sensitivity designs (their points are scattered \
             along trajectories or Sobol rows); <code>summary.json</code> holds every point.</p>\n",
        );
    }
    let mut flips = Vec::new();
    const MAX_FACETS: usize = 6;
    for param in &numeric {
        // Scattered designs have no neighbours sharing the other parameters: chart every point at once.
        let groups = if bars {
            BTreeMap::from([(String::new(), facets(points, param).into_values().flatten().collect())])
        } else {
            facets(points, param)
        };
        let _ = writeln!(b, "<h2>Against <code>{}</code></h2>", esc(param));
        if groups.len() > MAX_FACETS {
            let _ = writeln!(
                b,
                "<p class=\"note\">{} combinations of the other parameters; the first {MAX_FACETS} are shown.</p>",
                groups.len()
            );
        }
        for (f, (facet, pts)) in groups.iter().take(MAX_FACETS).enumerate() {
            let facet_label = if facet.is_empty() { String::new() } else { format!(" ({facet})") };
            for m in &metrics {
                let series: Vec<Band> = layout
                    .arms
                    .iter()
                    .map(|arm| Band {
                        name: arm.clone(),
                        points: pts
                            .iter()
                            .filter_map(|p| {
                                let x = p.parameters.get(*param).and_then(number)?;
                                p.arms.get(arm)?.metrics.get(m.path).map(|s| band_point(x, s, m.scale))
                            })
                            .collect(),
                    })
                    .filter(|s| !s.points.is_empty())
                    .collect();
                if series.is_empty() {
                    continue;
                }
                let chart_title = format!("{}{facet_label}", m.label);
                let y = format!("{} ({})", m.label, m.unit);
                let svg = charts::bands(&chart_title, param, &y, &series, false, bars, m.axis)?;
                let n = series.iter().map(|s| s.points.len()).sum();
                figure(
                    &mut b,
                    &format!("sweep-{}-{param}-{f}", m.path),
                    "arms",
                    series.len(),
                    n,
                    &svg,
                    &format!(
                        "Mean {} by arm against {param}{facet_label}, with 95% confidence bands over replicates.",
                        m.label
                    ),
                );
                let diffs: Vec<Band> = pts
                    .first()
                    .map(|p| p.differences.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|key| Band {
                        points: pts
                            .iter()
                            .filter_map(|p| {
                                let x = p.parameters.get(*param).and_then(number)?;
                                p.differences.get(&key)?.metrics.get(m.path).map(|s| band_point(x, s, m.scale))
                            })
                            .collect(),
                        name: key,
                    })
                    .filter(|s| !s.points.is_empty())
                    .collect();
                if diffs.is_empty() {
                    continue;
                }
                let svg = charts::bands(
                    &format!("Paired difference in {}{facet_label}", m.label),
                    param,
                    &format!("difference in {} ({})", m.label, m.difference_unit()),
                    &diffs,
                    true,
                    bars,
                    Axis::Fitted,
                )?;
                let n = diffs.iter().map(|s| s.points.len()).sum();
                figure(
                    &mut b,
                    &format!("sweep-diff-{}-{param}-{f}", m.path),
                    "difference",
                    diffs.len(),
                    n,
                    &svg,
                    &format!(
                        "Paired difference between arms (same seeds) in {}{facet_label}, with its 95% confidence band; \
                         above zero the first-named arm is higher.",
                        m.label
                    ),
                );
                if layout.arms.len() >= 2 {
                    let key = format!("{} - {}", layout.arms[1], layout.arms[0]);
                    let mut last: Option<(f64, String)> = None;
                    for p in pts {
                        let (Some(x), Some(d)) = (
                            p.parameters.get(*param).and_then(number),
                            p.differences.get(&key).and_then(|d| d.metrics.get(m.path)),
                        ) else {
                            continue;
                        };
                        let now = verdict(d, m, &layout.arms[0], &layout.arms[1]);
                        if let Some((x0, before)) = &last
                            && *before != now
                        {
                            flips.push((
                                m.label,
                                param.to_string(),
                                facet.clone(),
                                *x0,
                                x,
                                before.clone(),
                                now.clone(),
                            ));
                        }
                        last = Some((x, now));
                    }
                }
            }
        }
    }
    if !layout.configurations.is_empty() {
        b.push_str(&super::configurations::section(r, points)?);
    }
    b.push_str("<h2>Where the answer flips</h2>\n");
    if flips.is_empty() {
        b.push_str("<p>The better arm (by the paired difference's 95% interval) does not change between neighbouring points.</p>\n");
    } else {
        b.push_str(
            "<table id=\"flips\"><tr><th>measure</th><th>parameter</th><th>other parameters</th><th>between</th>\
             <th>better before</th><th>better after</th></tr>\n",
        );
        for (label, param, facet, x0, x1, before, after) in &flips {
            let _ = writeln!(
                b,
                "<tr><td>{label}</td><td><code>{}</code></td><td>{}</td><td>{x0} and {x1}</td><td>{}</td><td>{}</td></tr>",
                esc(param),
                if facet.is_empty() { "—".to_owned() } else { esc(facet) },
                esc(before),
                esc(after)
            );
        }
        b.push_str("</table>\n");
    }
    const MAX_TABLE_POINTS: usize = 200;
    if points.len() <= MAX_TABLE_POINTS {
        b.push_str("<h2>Every point</h2>\n");
        b.push_str(&point_table(r, &metrics));
    } else {
        let _ = writeln!(
            b,
            "<h2>Every point</h2>\n<p>{} points are too many for a table here; <code>summary.json</code> holds each \
             point's statistics and <code>ccsim report {} --format md</code> prints them.</p>",
            points.len(),
            esc(&r.dir.display().to_string())
        );
    }
    Ok(page(&title, &b))
}

/// Which parameters matter: Morris μ* and σ, or Sobol first- and
/// total-order indices, with 95% intervals, for each key metric and target
/// (the paired differences first).
fn sensitivity_section(r: &SweepReport, metrics: &[&Metric]) -> Result<String, String> {
    let mut b = String::from("<h2>Which parameters matter</h2>\n");
    if r.partial.is_some() {
        b.push_str(
            "<p class=\"note\">Sensitivity indices need every point of the design; finish the sweep first.</p>\n",
        );
        return Ok(b);
    }
    let selectors: Vec<String> = metrics.iter().map(|m| m.path.to_owned()).collect();
    let analysis = r.sensitivity(&selectors)?;
    let morris = analysis.design == Design::Morris;
    let _ = writeln!(
        b,
        "<p>{} Each chart ranks the parameters for one measure; {}. The noise share is the part of the variance \
         between design points that replicate noise alone would give (near 0 the indices describe the model; \
         near 1 more replicates are needed). <code>ccsim sensitivity {}</code> prints the same figures.</p>",
        if morris {
            "Morris elementary effects: μ* is the mean absolute change in the measure when one parameter moves, \
             scaled to the whole of its range; σ, the spread of those changes, is large where the parameter \
             interacts with others or acts non-linearly."
        } else {
            "Sobol indices: the first-order index is the share of the measure's variance over the design that the \
             parameter explains alone, the total-order index the share it has a hand in, interactions included."
        },
        if morris { "whiskers are bootstrap 95% intervals of μ*" } else { "whiskers are bootstrap 95% intervals" },
        esc(&r.dir.display().to_string())
    );
    let mut flat = Vec::new();
    let mut noisy = Vec::new();
    let mut order: Vec<&TargetResult> = analysis.results.iter().collect();
    order.sort_by_key(|t| (metrics.iter().position(|m| m.path == t.metric), !t.target.contains(" - ")));
    for t in order {
        let Some(m) = metrics.iter().find(|m| m.path == t.metric) else { continue };
        let noise =
            t.noise_share.map_or_else(|| "unknown (one replicate)".to_owned(), |s| format!("{:.0}%", s * 100.0));
        if t.noisy {
            noisy.push(format!("{} ({}): noise {noise}", m.label, t.target));
            continue;
        }
        let (rows, series, x_label) = match &t.indices {
            Indices::Morris { parameters } => {
                let scaled = |v: f64| v * m.scale;
                let rows: Vec<String> = parameters.iter().map(|p| p.parameter.clone()).collect();
                let series = vec![
                    Ranked {
                        name: "μ*".into(),
                        values: parameters
                            .iter()
                            .map(|p| (scaled(p.mu_star), Some(p.mu_star_ci.map(scaled))))
                            .collect(),
                    },
                    Ranked { name: "σ".into(), values: parameters.iter().map(|p| (scaled(p.sigma), None)).collect() },
                ];
                (rows, series, format!("{} ({}) per whole range of the parameter", m.label, m.difference_unit()))
            }
            Indices::Sobol { parameters, .. } => {
                let rows: Vec<String> = parameters.iter().map(|p| p.parameter.clone()).collect();
                let series = vec![
                    Ranked {
                        name: "first order".into(),
                        values: parameters.iter().map(|p| (p.first, Some(p.first_ci))).collect(),
                    },
                    Ranked {
                        name: "total order".into(),
                        values: parameters.iter().map(|p| (p.total, Some(p.total_ci))).collect(),
                    },
                ];
                (rows, series, "share of variance (fraction, 0 to 1)".to_owned())
            }
        };
        let caption = format!(
            "{}, {}: {}. Replicate noise share {noise}.",
            m.label,
            t.target,
            if morris {
                "μ* (bars, with 95% intervals) and σ"
            } else {
                "first- and total-order Sobol indices with 95% intervals"
            }
        );
        if series.iter().all(|s| s.values.iter().all(|(v, _)| *v == 0.0)) {
            flat.push(format!("{} ({})", m.label, t.target));
            continue;
        }
        let svg = charts::ranked(&format!("{} — {}", m.label, t.target), &x_label, &rows, &series)?;
        let id = format!("sensitivity-{}-{}", m.path, t.target.replace(' ', ""));
        figure(&mut b, &id, "sensitivity", series.len(), rows.len(), &svg, &caption);
        if let Indices::Sobol { second_order, .. } = &t.indices
            && !second_order.is_empty()
        {
            let _ = writeln!(
                b,
                "<table><tr><th>pair ({}, {})</th><th>second-order index [95% CI]</th></tr>",
                esc(m.label),
                esc(&t.target)
            );
            for p in second_order.iter().take(10) {
                let _ = writeln!(
                    b,
                    "<tr><td><code>{}</code> × <code>{}</code></td><td>{:.3} [{:.3}, {:.3}]</td></tr>",
                    esc(&p.parameters[0]),
                    esc(&p.parameters[1]),
                    p.index,
                    p.ci[0],
                    p.ci[1]
                );
            }
            b.push_str("</table>\n");
        }
        if let Indices::Sobol { parameters, convergence, .. } = &t.indices
            && convergence.len() >= 2
        {
            // The leading parameters' total-order indices from 8, 16, 32… base rows.
            let lines: Vec<Band> = parameters
                .iter()
                .take(4)
                .enumerate()
                .map(|(i, p)| Band {
                    name: p.parameter.clone(),
                    points: convergence
                        .iter()
                        .map(|c| {
                            let x = (c.rows as f64).log2();
                            (x, c.total[i], c.total[i], c.total[i])
                        })
                        .collect(),
                })
                .collect();
            let svg = charts::bands(
                &format!("Convergence — {} — {}", m.label, t.target),
                "base rows, log₂ (3 = 8 rows, 4 = 16, ...)",
                "total-order index (fraction, 0 to 1)",
                &lines,
                false,
                false,
                Axis::Fitted,
            )?;
            let n = lines.iter().map(|l| l.points.len()).sum();
            figure(
                &mut b,
                &format!("{id}-convergence"),
                "convergence",
                lines.len(),
                n,
                &svg,
                &format!(
                    "{}, {}: total-order indices of the leading parameters from the first 8, 16, 32… base rows; \
                     flat lines at the right mean there were enough base rows.",
                    m.label, t.target
                ),
            );
        }
    }
    if !flat.is_empty() {
        let _ = writeln!(b, "<p>These do not vary over the design: {}.</p>", esc(&flat.join("; ")));
    }
    if !noisy.is_empty() {
        let _ = writeln!(
            b,
            "<p class=\"note\">Not ranked, because replicate noise is more than {:.0}% of the variance between \
             points (their indices would rank noise; add replicates): {}.</p>",
            crate::sweep::sensitivity::NOISE_LIMIT * 100.0,
            esc(&noisy.join("; "))
        );
    }
    Ok(b)
}

/// Mean [95% CI] of the key metrics per point and arm, as an HTML table.
fn point_table(r: &SweepReport, metrics: &[&Metric]) -> String {
    let mut t = String::from("<table><tr><th>point</th><th>replicates</th><th>parameters</th><th>arm</th>");
    for m in metrics {
        let _ = write!(t, "<th>{} ({})</th>", m.label, m.unit);
    }
    t.push_str("</tr>\n");
    for p in &r.summary.points {
        let params: Vec<String> = p.parameters.iter().map(|(k, v)| format!("{k} = {}", show_value(v))).collect();
        for (arm, a) in p.arms.iter().chain(p.differences.iter()) {
            let _ = write!(
                t,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                p.point,
                p.replicates,
                esc(&params.join(", ")),
                esc(arm)
            );
            for m in metrics {
                let cell = a.metrics.get(m.path).map_or_else(
                    || "–".into(),
                    |s| {
                        let (_, mean, lo, hi) = band_point(0.0, s, m.scale);
                        format!("{mean:.3} [{lo:.3}, {hi:.3}]")
                    },
                );
                let _ = write!(t, "<td>{cell}</td>");
            }
            t.push_str("</tr>\n");
        }
    }
    t.push_str("</table>\n");
    t
}
