//! Short plain-text views for people at a terminal.

use std::fmt::Write;

use crate::model::scenario::{Capability, ServiceSpec};
use crate::model::{RunOutput, Scenario};
use crate::sweep::discover::SweepDiscovery;
use crate::sweep::sensitivity::{Indices, SensitivityReport};
use crate::validate::catchments::{FitReport, ScenarioReport};
use crate::validate::{CheckResult, Kind};

fn opt(v: Option<f64>, scale: f64, decimals: usize) -> String {
    v.map_or_else(|| "–".to_owned(), |v| grouped(v * scale, decimals))
}

/// A count with thousands separators: 1,234,567.
pub fn thousands(n: u64) -> String {
    grouped(n as f64, 0)
}

/// A number to `decimals` places with thousands separators: 34,677,980.2.
pub fn grouped(v: f64, decimals: usize) -> String {
    let plain = format!("{:.*}", decimals, v.abs());
    let (whole, fraction) = plain.split_once('.').map_or((plain.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    let negative = v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0');
    if negative { format!("-{out}") } else { out }
}

/// A few headline figures of a run, as an aligned table.
pub fn run_table(r: &RunOutput) -> String {
    let s = &r.summary;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} · regime {} · seed {} · {} weeks measured after {} weeks' warm-up",
        r.scenario.name, r.regime.name, r.seed, r.time.horizon_weeks, r.time.warmup_weeks
    );
    let rows: [(&str, String); 12] = [
        ("episodes treated", thousands(s.outcomes.overall.episodes)),
        ("adverse-outcome rate (%)", opt(s.outcomes.overall.adverse_rate, 100.0, 3)),
        ("mean elective wait (weeks)", opt(s.waiting.overall.mean_wait_weeks, 1.0, 2)),
        ("elective within 18 weeks (%)", opt(s.waiting.overall.share_within_18_weeks, 100.0, 1)),
        ("emergency diversions", thousands(s.waiting.overall.diversions)),
        ("mean travel (minutes)", opt(s.access.overall.mean_minutes, 1.0, 1)),
        ("95th-percentile travel (minutes)", opt(s.access.overall.p95_minutes, 1.0, 1)),
        ("mean travel (km)", opt(s.access.overall.mean_km, 1.0, 1)),
        ("95th-percentile travel (km)", opt(s.access.overall.p95_km, 1.0, 1)),
        ("system cost per year (£m)", grouped(s.finance.system_cost_per_year / 1e6, 1)),
        ("cost per episode (£)", opt(s.finance.cost_per_episode, 1.0, 0)),
        ("providers in deficit", thousands(u64::from(s.finance.providers_in_deficit))),
    ];
    for (label, value) in rows {
        let _ = writeln!(t, "  {label:<34} {value:>12}");
    }
    t
}

/// What a scenario holds: counts, population, services and who offers them.
pub fn describe(s: &Scenario) -> String {
    let mut t = String::new();
    let population: f64 = s.localities.iter().map(|l| l.population).sum();
    let regime = s.regime.resolve().map(|r| r.name).unwrap_or_else(|p| p.to_string());
    let _ = writeln!(t, "scenario {}: valid", s.name);
    let districts: std::collections::BTreeSet<&str> =
        s.localities.iter().filter_map(|l| l.district.as_deref()).collect();
    let within = if districts.is_empty() { String::new() } else { format!(" in {} districts", districts.len()) };
    let _ = writeln!(
        t,
        "  localities: {}{within} ({} residents)",
        thousands(s.localities.len() as u64),
        grouped(population, 0)
    );
    let sites: usize = s.providers.iter().map(|p| p.sites.len()).sum();
    let sited = s.providers.iter().filter(|p| !p.sites.is_empty()).count();
    if sites > 0 {
        let _ = writeln!(t, "  providers:  {} ({sited} with {sites} hospital sites)", s.providers.len());
    } else {
        let _ = writeln!(t, "  providers:  {}", s.providers.len());
    }
    // Sites offering a service below their provider's level (freestanding units).
    let own_levels: Vec<String> = s
        .providers
        .iter()
        .flat_map(|p| p.sites.iter())
        .flat_map(|x| x.levels.iter().map(move |(service, level)| format!("{} {service} {}", x.id, level.name())))
        .collect();
    if !own_levels.is_empty() {
        let n = own_levels.len();
        let sites = if n == 1 { "1 site below its trust's" } else { "sites below their trusts'" };
        let count = if n == 1 { String::new() } else { format!("{n} ") };
        let _ = writeln!(t, "  levels:     {count}{sites} level ({})", own_levels.join(", "));
    }
    let listed: usize = s.localities.iter().map(|l| l.minutes.len()).sum();
    let with_times = s.localities.iter().filter(|l| !l.minutes.is_empty()).count();
    let _ = writeln!(
        t,
        "  travel:     {}",
        if listed > 0 {
            format!(
                "{} road times listed for {with_times} localities; other journeys modelled",
                thousands(listed as u64)
            )
        } else {
            "modelled road times (no listed times)".to_owned()
        }
    );
    let _ = writeln!(t, "  services:   {}", s.services.len());
    let _ = writeln!(t, "  regime:     {regime}");
    let _ = writeln!(
        t,
        "  time:       {} weeks measured after {} weeks' warm-up; decisions every {} weeks",
        s.time.horizon_weeks, s.time.warmup_weeks, s.time.decision_interval
    );
    let elsewhere = s.localities.iter().any(|l| !l.elsewhere.is_empty());
    let urgent = s.services.values().any(|v| v.urgent_share > 0.0);
    let _ = write!(t, "  {:<22} {:>9} {:>9} {:>14}", "service", "providers", "complex", "capacity/week");
    let _ = write!(t, "{}", if urgent { "  listed urgent" } else { "" });
    let _ = writeln!(t, "{}", if elsewhere { "  treated outside" } else { "" });
    for (id, spec) in &s.services {
        let offers: Vec<_> = s.providers.iter().filter_map(|p| p.services.get(id)).collect();
        let complex = offers.iter().filter(|o| o.capability == Capability::Complex).count();
        let capacity: f64 = offers.iter().map(|o| o.capacity).sum();
        let _ = write!(t, "  {id:<22} {:>9} {complex:>9} {:>14}", offers.len(), grouped(capacity, 1));
        if urgent {
            let share = spec.urgent_share;
            let _ = write!(t, "{:>16}", if share > 0.0 { format!("{:.0}%", 100.0 * share) } else { "–".to_owned() });
        }
        let _ = writeln!(
            t,
            "{}",
            if elsewhere { format!("{:>16.1}%", 100.0 * treated_outside(s, id, spec)) } else { String::new() }
        );
    }
    t
}

/// The share of the residents' expected referrals for service `id` (at
/// national rates × each locality's rate ratio) that its localities'
/// `elsewhere` sends to hospitals outside the scenario.
fn treated_outside(s: &Scenario, id: &str, spec: &ServiceSpec) -> f64 {
    let rates = spec.referral_rate.by_band();
    let (mut away, mut all) = (0.0, 0.0);
    for l in &s.localities {
        let mix = [l.age_mix.children, l.age_mix.adults, l.age_mix.older];
        let ratio = l.rate_ratio.get(id).copied().unwrap_or(1.0);
        let n: f64 = l.population * ratio * mix.iter().zip(rates).map(|(m, r)| m * r).sum::<f64>();
        all += n;
        away += n * l.elsewhere.get(id).copied().unwrap_or(0.0);
    }
    if all > 0.0 { away / all } else { 0.0 }
}

/// The validation results as aligned text, a block per check.
pub fn validation_table(results: &[CheckResult]) -> String {
    let mut t = String::new();
    for r in results {
        let verdict = match (r.kind, r.pass) {
            (Kind::Evidence, true) => "AGREES",
            (Kind::Evidence, false) => "DIFFERS",
            (_, true) => "PASS",
            (_, false) => "FAIL",
        };
        let _ = writeln!(t, "{verdict:<8}{}  {}", r.id, r.name);
        let _ = writeln!(t, "        expected {}  simulated {}", r.expected, r.simulated);
        let _ = writeln!(t, "        tolerance: {}", r.tolerance);
    }
    let gating: Vec<_> = results.iter().filter(|r| r.kind != Kind::Evidence).collect();
    let failed = gating.iter().filter(|r| !r.pass).count();
    let differ = results.iter().filter(|r| r.kind == Kind::Evidence && !r.pass).count();
    let _ = writeln!(
        t,
        "{} of {} checks passed; {} evidence check{} differ{} from the published effect",
        gating.len() - failed,
        gating.len(),
        differ,
        if differ == 1 { "" } else { "s" },
        if differ == 1 { "s" } else { "" }
    );
    t
}

/// The validation results as a Markdown table.
pub fn validation_markdown(results: &[CheckResult]) -> String {
    let mut t = String::from(
        "| check | what | expected | simulated (95% CI) | tolerance | result |\n|---|---|---|---|---|---|\n",
    );
    for r in results {
        let verdict = match (r.kind, r.pass) {
            (Kind::Evidence, true) => "agrees",
            (Kind::Evidence, false) => "differs",
            (_, true) => "pass",
            (_, false) => "**fail**",
        };
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} | {} | {} |",
            r.id, r.name, r.expected, r.simulated, r.tolerance, verdict
        );
    }
    t
}

/// `validate --catchments`: each scenario's distance from the real
/// catchments beside the baselines, its worst providers, and the fit.
pub fn catchments_table(reports: &[ScenarioReport], fit: Option<&FitReport>, markdown: bool) -> String {
    let mut t = String::new();
    let row = |t: &mut String, cells: &[String]| {
        if markdown {
            let _ = writeln!(t, "| {} |", cells.join(" | "));
        } else {
            let _ = writeln!(
                t,
                "{:<22} {:>9} {:>8} {:>12} {:>14}  {}",
                cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]
            );
        }
    };
    let head: Vec<String> = ["scenario", "providers", "model", "nearest site", "gravity (β)", "result"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    row(&mut t, &head);
    if markdown {
        t.push_str("|---|---|---|---|---|---|\n");
    }
    for r in reports {
        let verdict = if r.model < r.nearest {
            format!("pass: {:.0}% below the nearest site", 100.0 * (1.0 - r.model / r.nearest))
        } else {
            "fail: not below the nearest site".to_owned()
        };
        row(
            &mut t,
            &[
                r.scenario.clone(),
                r.providers.to_string(),
                format!("{:.3}", r.model),
                format!("{:.3}", r.nearest),
                format!("{:.3} ({:.3})", r.gravity, r.gravity_beta),
                verdict,
            ],
        );
    }
    t.push('\n');
    for r in reports {
        let worst: Vec<String> =
            r.worst.iter().map(|(id, m, n)| format!("{id} {m:.2} (nearest site {n:.2})")).collect();
        let _ = writeln!(t, "{}: furthest: {}", r.scenario, worst.join("; "));
    }
    if let Some(f) = fit {
        let _ = writeln!(
            t,
            "\nfitted on all districts: choice.beta_minutes_emergency {:.4}, choice.beta_minutes {:.4} per minute \
             (summed distance {:.4}; at the scenarios' own weights {:.4}, {:+.1}%)",
            f.beta_emergency,
            f.beta_elective,
            f.loss,
            f.loss_at_own,
            100.0 * (f.loss_at_own / f.loss - 1.0)
        );
        for (i, (be, bd, held)) in f.folds.iter().enumerate() {
            let _ = writeln!(
                t,
                "fold {}: fitted on one half β_e {be:.4}, β_t {bd:.4}; distance on the other {held:.3}",
                i + 1
            );
        }
        let _ = writeln!(
            t,
            "held out (mean of the folds): model {:.3}, nearest site {:.3}, gravity {:.3}; model {:.0}% below the nearest site",
            f.held_out_model,
            f.held_out_nearest,
            f.held_out_gravity,
            100.0 * (1.0 - f.held_out_model / f.held_out_nearest)
        );
    }
    t
}

/// Sensitivity indices as ranked text tables, one per target and metric.
pub fn sensitivity_table(r: &SensitivityReport) -> String {
    let mut t = String::new();
    for result in &r.results {
        let noise = match result.noise_share {
            Some(share) => format!("replicate noise {:.0}% of the variance between points", share * 100.0),
            None => "replicate noise unknown with one replicate".to_owned(),
        };
        if result.noisy {
            let _ = writeln!(
                t,
                "{} · {}: not ranked — {noise}, more than {:.0}%: the indices would rank noise; add replicates\n",
                result.target,
                result.metric,
                crate::sweep::sensitivity::NOISE_LIMIT * 100.0
            );
            continue;
        }
        match &result.indices {
            Indices::Morris { parameters } => {
                let _ = writeln!(t, "{} · {} (Morris; {noise})", result.target, result.metric);
                let _ =
                    writeln!(t, "  {:<4} {:<44} {:>32} {:>12} {:>12}", "rank", "parameter", "μ* [95% CI]", "μ", "σ");
                for (i, p) in parameters.iter().enumerate() {
                    let [lo, hi] = p.mu_star_ci;
                    let mu_star = format!("{} [{}, {}]", significant(p.mu_star), significant(lo), significant(hi));
                    let _ = writeln!(
                        t,
                        "  {:<4} {:<44} {mu_star:>32} {:>12} {:>12}",
                        i + 1,
                        p.parameter,
                        significant(p.mu),
                        significant(p.sigma)
                    );
                }
            }
            Indices::Sobol { variance, parameters, undefined, convergence, second_order } => {
                let _ = writeln!(t, "{} · {} (Sobol; variance {variance:.4e}; {noise})", result.target, result.metric);
                if let Some(why) = undefined {
                    let _ = writeln!(t, "  indices undefined: {why}");
                    t.push('\n');
                    continue;
                }
                let _ = writeln!(
                    t,
                    "  {:<4} {:<44} {:>26} {:>26}",
                    "rank", "parameter", "first order [95% CI]", "total order [95% CI]"
                );
                for (i, p) in parameters.iter().enumerate() {
                    let first = format!("{:.3} [{:.3}, {:.3}]", p.first, p.first_ci[0], p.first_ci[1]);
                    let total = format!("{:.3} [{:.3}, {:.3}]", p.total, p.total_ci[0], p.total_ci[1]);
                    let _ = writeln!(t, "  {:<4} {:<44} {first:>26} {total:>26}", i + 1, p.parameter);
                }
                if let (Some(top), false) = (parameters.first(), convergence.len() < 2) {
                    let steps: Vec<String> =
                        convergence.iter().map(|c| format!("{} rows {:.3}", c.rows, c.total[0])).collect();
                    let _ = writeln!(t, "  convergence of {}'s total order: {}", top.parameter, steps.join(", "));
                }
                if !second_order.is_empty() {
                    let _ = writeln!(t, "  {:<4} {:<70} {:>26}", "rank", "pair", "second order [95% CI]");
                    for (i, p) in second_order.iter().take(10).enumerate() {
                        let pair = format!("{} × {}", p.parameters[0], p.parameters[1]);
                        let s = format!("{:.3} [{:.3}, {:.3}]", p.index, p.ci[0], p.ci[1]);
                        let _ = writeln!(t, "  {:<4} {pair:<70} {s:>26}", i + 1);
                    }
                }
            }
        }
        t.push('\n');
    }
    t
}

/// A discovery: the condition, the chosen box and its restrictions, and
/// the coverage–density trade-off of the peeling.
pub fn discovery_table(d: &SweepDiscovery) -> String {
    let mut t = String::new();
    let found = &d.discovery;
    let c = &found.chosen;
    let _ = writeln!(
        t,
        "{} · {} {} at {} of {} points",
        d.target,
        d.metric,
        d.condition.text(),
        thousands(d.hits as u64),
        thousands(d.points as u64)
    );
    let _ = writeln!(
        t,
        "box: coverage {:.2}, density {:.2}, {} points ({:.0}% of all); peeling step {} of {}, then pasted",
        c.coverage,
        c.density,
        thousands(c.points as u64),
        c.mass * 100.0,
        found.chosen_step,
        found.trajectory.len() - 1
    );
    if found.restrictions.is_empty() {
        let _ = writeln!(t, "  no parameter is restricted: the condition is as common everywhere");
    } else {
        let _ = writeln!(t, "  {:<44} {:>12} {:>12}   {:<26} {:>9}", "parameter", "lower", "upper", "range", "quasi-p");
        for r in &found.restrictions {
            let range = format!("[{}, {}]", significant(r.range[0]), significant(r.range[1]));
            let _ = writeln!(
                t,
                "  {:<44} {:>12} {:>12}   {range:<26} {:>9.2e}",
                d.parameters[r.parameter],
                significant(r.bounds[0]),
                significant(r.bounds[1]),
                r.quasi_p
            );
        }
    }
    let _ = writeln!(t, "trade-off (step: coverage, density):");
    let n = found.trajectory.len();
    let every = n.div_ceil(10).max(1);
    for (i, f) in found.trajectory.iter().enumerate().filter(|(i, _)| i % every == 0 || *i + 1 == n) {
        let mark = if i == found.chosen_step { "  ← chosen" } else { "" };
        let _ = writeln!(t, "  {i:>4}: {:.2}, {:.2}{mark}", f.coverage, f.density);
    }
    t
}

/// Four significant figures, in plain or scientific notation by magnitude.
fn significant(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_owned()
    } else if (1e-3..1e6).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

/// `ccsim explain`'s table: for each measure, the two regimes' values, the
/// paired difference and each mechanism's contribution, largest first, with
/// 95% intervals over seeds. Rates are shown in percentage points.
pub fn explanation(e: &crate::explain::Explanation) -> String {
    let k = e.players.len();
    let mut out = format!(
        "{} → {} in {}: {} seeds × {} combinations of {} mechanisms ({} runs, common seeds; combinations without network routing share one)\n",
        e.from,
        e.to,
        e.scenario,
        e.seeds.len(),
        1u64 << k,
        k,
        thousands(e.runs as u64)
    );
    for d in &e.measures {
        let (scale, _, _) = crate::explain::display(&d.metric);
        let rate = scale == 100.0;
        let unit = if rate { " points" } else { "" };
        let show = |s: &crate::sweep::stats::Stat| crate::explain::shown(&d.metric, s);
        let level = if rate { " (%)" } else { "" };
        let _ = writeln!(
            out,
            "\n{}{level}: {} → {}, difference {}{unit}",
            d.label,
            show(&d.from),
            show(&d.to),
            show(&d.total)
        );
        if d.undefined > 0 {
            let _ = writeln!(out, "  ({} seeds left out: the measure is undefined in one of their runs)", d.undefined);
        }
        let _ = writeln!(out, "  {:<4} {:<20} contribution [95% CI]", "rank", "mechanism");
        for (i, (p, s)) in d.contributions.iter().enumerate() {
            let _ = writeln!(out, "  {:<4} {:<20} {}", i + 1, p.label(), show(s));
        }
    }
    out.push_str(
        "\nEach contribution is the mechanism's Shapley value: its effect averaged over every order of \
         switching the mechanisms from the first regime's setting to the second's, from runs of all \
         the combinations; the contributions add up to the difference exactly, seed by seed.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(2_580_000), "2,580,000");
        assert_eq!(grouped(34_677_980.149, 1), "34,677,980.1");
        assert_eq!(grouped(-1234.5, 0), "-1,234");
        assert_eq!(grouped(-0.04, 1), "0.0");
        assert_eq!(grouped(0.0123, 3), "0.012");
    }

    /// A site offering a service below its trust's level is named with it;
    /// a scenario with none says nothing of levels.
    #[test]
    fn sites_below_their_trust_s_level_are_listed() {
        let mut s = crate::load::builtin("west-mercia").expect("built-in");
        assert!(!describe(&s).contains("levels:"));
        let site = s.providers.iter_mut().flat_map(|p| p.sites.iter_mut()).find(|x| x.id == "RXWAS").expect("site");
        site.services.push("maternity".into());
        site.levels.insert("maternity".into(), Capability::Routine);
        assert!(describe(&s).contains("levels:     1 site below its trust's level (RXWAS maternity routine)"));
    }

    /// Two localities of 1,000 residents, all adults, at national rates: one
    /// sends half its elective demand elsewhere, the other none, so a quarter
    /// of the residents' demand is treated outside; at twice the rate ratio
    /// the first weighs twice, 2 × 0.5 / 3 = a third.
    #[test]
    fn the_share_treated_outside_weighs_localities_by_their_demand() {
        let mut s = crate::load::builtin("duopoly").expect("built-in");
        s.localities.truncate(2);
        for l in &mut s.localities {
            l.population = 1000.0;
            l.age_mix = crate::model::scenario::AgeMix { children: 0.0, adults: 1.0, older: 0.0 };
        }
        s.localities[0].elsewhere.insert("elective_surgery".into(), 0.5);
        let spec = s.services["elective_surgery"].clone();
        assert!((treated_outside(&s, "elective_surgery", &spec) - 0.25).abs() < 1e-12);
        s.localities[0].rate_ratio.insert("elective_surgery".into(), 2.0);
        assert!((treated_outside(&s, "elective_surgery", &spec) - 1.0 / 3.0).abs() < 1e-12);
        assert!(describe(&s).contains("treated outside"));
        assert!(!describe(&s).contains("listed urgent"));
        s.services.get_mut("elective_surgery").expect("a service").urgent_share = 0.45;
        let shown = describe(&s);
        let row = shown.lines().find(|l| l.trim_start().starts_with("elective_surgery")).expect("a row");
        assert!(shown.contains("listed urgent") && row.contains("45%"), "{shown}");
    }
}
