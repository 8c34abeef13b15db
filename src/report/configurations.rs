//! The service-configuration part of a sweep's report: which site offers
//! what under each configuration, the Pareto chart of travel against
//! adverse outcomes, and each configuration's measures against `current`
//! with their intervals.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde_json::Value;

use super::charts;
use super::input::SweepReport;
use super::page::{esc, figure};
use crate::model::Scenario;
use crate::model::run::{Map, map_localities, map_sites_at_start};
use crate::sweep::search::dominates;
use crate::sweep::spec::ConfigurationsSpec;
use crate::sweep::summary::PointSummary;

/// The section: maps, the Pareto chart and the table.
pub fn section(r: &SweepReport, points: &[PointSummary]) -> Result<String, String> {
    let mut b = String::from("<h2>Configurations against current</h2>\n");
    let (rows, shown) = table(points);
    b.push_str(&maps(r)?);
    b.push_str(&pareto(points, &shown)?);
    b.push_str(&rows);
    Ok(b)
}

/// Which site offers what under each configuration, for the services its
/// changes name: the sweep's first base scenario configured as the sweep
/// configures it, at the start of a run.
fn maps(r: &SweepReport) -> Result<String, String> {
    let Some(spec) = r.manifest.spec.get("configurations").filter(|v| !v.is_null()) else { return Ok(String::new()) };
    let spec: ConfigurationsSpec =
        serde_json::from_value(spec.clone()).map_err(|e| format!("the manifest's configurations: {e}"))?;
    let configurations = crate::sweep::configurations::resolve(Some(&spec))?;
    let Some(base) = r.manifest.bases.first() else { return Ok(String::new()) };
    let base: Scenario =
        serde_json::from_value(base.clone()).map_err(|e| format!("the manifest's base scenario: {e}"))?;
    let services: BTreeSet<&str> = configurations.iter().flat_map(|c| c.changes.iter().map(|x| x.service())).collect();
    let mut b = String::from("<h3>Which site offers what</h3>\n");
    for (i, c) in configurations.iter().enumerate() {
        let (scenario, _) = crate::model::configuration::configure(&base, &c.changes)?;
        let regime = scenario.regime.resolve().map_err(|e| e.to_string())?;
        let world = crate::model::World::build(&scenario, regime);
        let mut sites = map_sites_at_start(&world);
        for x in &mut sites {
            x.services.retain(|k, _| services.contains(k.as_str()));
        }
        sites.retain(|x| !x.services.is_empty());
        let count = sites.iter().map(|x| x.services.len()).sum();
        let map = Map { localities: map_localities(&world), providers: Vec::new(), flows: Vec::new(), sites };
        let svg = charts::service_map(&format!("{} — {}", c.name, scenario.name), &map)?;
        figure(
            &mut b,
            &format!("configuration-map-{i}"),
            "map",
            services.len(),
            count,
            &svg,
            &format!(
                "{}: each site offering the services the configurations change, at its level as a run starts (a \
                 filled square at the complex level, a ring at the routine level, a ring of another colour at the basic \
                 level).",
                c.name
            ),
        );
    }
    Ok(b)
}

/// For each service the table shows both for, the configurations' mean
/// 95th-percentile journey against their adverse rate, per arm: the Pareto
/// front is the configurations no other beats on both (lower is better on
/// both).
fn pareto(points: &[PointSummary], shown: &[String]) -> Result<String, String> {
    let arms: BTreeSet<&String> = points.iter().flat_map(|p| p.arms.keys()).collect();
    let mut b = String::new();
    for x in shown.iter().filter(|m| m.ends_with(".p95_minutes")) {
        let service = x.trim_end_matches(".p95_minutes").rsplit_once("by_service.").map_or("", |(_, s)| s);
        let Some(y) = shown.iter().find(|m| m.ends_with(&format!("by_service.{service}.adverse_rate"))) else {
            continue;
        };
        for arm in &arms {
            let measured: Vec<(&str, f64, f64)> = points
                .iter()
                .filter_map(|p| {
                    let a = p.arms.get(*arm)?;
                    let name = p.parameters.get("configuration").and_then(Value::as_str).unwrap_or("?");
                    Some((name, a.metrics.get(x)?.mean, a.metrics.get(y)?.mean))
                })
                .filter(|m| m.1.is_finite() && m.2.is_finite())
                .collect();
            if measured.len() < 2 {
                continue;
            }
            let front: Vec<&(&str, f64, f64)> =
                measured.iter().filter(|a| !measured.iter().any(|o| dominates(&[o.1, o.2], &[a.1, a.2]))).collect();
            let svg = charts::pareto(
                &format!("{service} under {arm}: travel against harm"),
                x,
                y,
                &measured.iter().map(|m| (m.1, m.2)).collect::<Vec<_>>(),
                &front.iter().map(|m| (m.1, m.2)).collect::<Vec<_>>(),
            )?;
            let names: Vec<&str> = front.iter().map(|m| m.0).collect();
            figure(
                &mut b,
                &format!("configuration-pareto-{service}-{arm}"),
                "pareto",
                2,
                measured.len(),
                &svg,
                &format!(
                    "Each configuration's mean {x} against {y} under {arm}; on the front (no other configuration \
                     lower on both): {}.",
                    names.join(", ")
                ),
            );
        }
    }
    Ok(b)
}

/// Measures a configuration comparison shows, by how their paths end.
const CONFIGURATION_MEASURES: [&str; 9] = [
    "p95_minutes",
    "within_30_minutes.overall",
    "adverse_rate",
    "unmet",
    "between_levels",
    "ahead.patients",
    "during_care.patients",
    "below_minimum",
    "system_cost_per_year",
];

/// The service configurations against `current`: every configuration and
/// arm, each shown measure's mean and its paired difference from `current`
/// with the 95% interval.
fn table(points: &[PointSummary]) -> (String, Vec<String>) {
    let mut b = String::new();
    let Some(first) = points.first().and_then(|p| p.arms.values().next()) else { return (b, Vec::new()) };
    let mut shown: Vec<&String> = first
        .metrics
        .keys()
        .filter(|k| {
            CONFIGURATION_MEASURES.iter().any(|m| k.ends_with(m))
                && !k.ends_with("ahead.adverse_rate")
                && !k.ends_with("during_care.adverse_rate")
                && !k.contains("by_district")
                && !k.contains(".urban")
                && !k.contains(".rural")
        })
        .filter(|k| {
            // Only what some configuration or arm changes.
            let mut means =
                points.iter().flat_map(|p| p.arms.values()).filter_map(|a| a.metrics.get(*k)).map(|m| m.mean);
            means.next().is_some_and(|first| means.any(|m| m != first))
        })
        .collect();
    shown.truncate(16);
    let _ = writeln!(
        b,
        "<p>Each configuration's mean, and (under any but <code>current</code>) its paired difference from \
         <code>current</code> under the same arm and seeds, with the 95% interval. {} of the sweep's measures \
         that differ between configurations or arms (travel, nearness to any unit and to one of the complex \
         level, adverse outcomes, unmet need, transfers between levels and before birth, units below minimum \
         volume, cost); <code>summary.json</code> holds every one.</p>",
        shown.len()
    );
    b.push_str("<table id=\"configurations\"><tr><th>configuration</th><th>arm</th>");
    for m in &shown {
        let _ = write!(b, "<th><code>{}</code></th>", esc(m));
    }
    b.push_str("</tr>\n");
    for p in points {
        let name = p.parameters.get("configuration").and_then(Value::as_str).unwrap_or("?");
        for (arm, a) in &p.arms {
            let _ = write!(b, "<tr><td>{}</td><td>{}</td>", esc(name), esc(arm));
            for m in &shown {
                let mean = a.metrics.get(*m).map_or_else(|| "–".to_owned(), |s| sig(s.mean));
                let diff = p.against_current.get(arm).and_then(|d| d.metrics.get(*m)).map(|d| match d.ci95 {
                    Some([lo, hi]) => format!(" ({} [{}, {}])", sig(d.mean), sig(lo), sig(hi)),
                    None => format!(" ({})", sig(d.mean)),
                });
                let _ = write!(b, "<td>{}{}</td>", mean, diff.unwrap_or_default());
            }
            b.push_str("</tr>\n");
        }
    }
    b.push_str("</table>\n");
    let shown = shown.into_iter().cloned().collect();
    (b, shown)
}

/// A number to three significant figures (whole numbers as they are).
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}
