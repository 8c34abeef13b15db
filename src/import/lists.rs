//! Waiting lists from NHS England's referral-to-treatment (RTT) statistics:
//! each acute trust's admitted list (`Incomplete Pathways with DTA`, with
//! its predecessors'), brought from the file's month to the reference year.
//!
//! The model's elective services are admitted care, so their lists start
//! from the admitted part of the RTT list. The file is a COVID-era snapshot
//! (2021); a trust's list is scaled by England's list in the reference month
//! over England's list in the file's month, and its shares over 18 and over
//! 52 weeks by the same ratios of England's shares — each trust keeps its
//! place relative to England, England moves to the reference year.
//!
//! A patient on an admitted list has already waited through outpatients and
//! diagnostics before the decision to admit. How long, the model takes from
//! the trust's non-admitted pathways (the whole list less the admitted
//! part): for a stage left at a constant rate, the time waited by those
//! still in it is exponential with the stage's mean, so the share over 18
//! weeks is exp(−18 / mean). England's non-admitted list in March 2021 fits
//! this well: 29.7% over 18 weeks gives a mean of 14.8 weeks and 3.0% over
//! 52 weeks, against 5.2% observed.
//!
//! Lists are not served in the order patients joined: clinically urgent
//! patients go first. England's admitted pathways show it: in March 2021,
//! 67.6% of those completed had waited within 18 weeks, against 41.0% of
//! those still waiting, where a list served in order would complete its
//! longest waiters. The share of listed patients who are urgent is taken
//! from the two ([`urgent_share`]).

use std::collections::BTreeMap;

use super::data::{Pathways, RttData, Site};
use super::defaults::{REFERENCE_LIST, REFERENCE_MONTH, REFERENCE_OVER_18, REFERENCE_OVER_52};
use crate::model::scenario::{StartList, largest_remainder};

/// A trust's admitted list in the file and at the reference year.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustList {
    /// As the file has it (own and predecessors' rows summed).
    pub observed: Pathways,
    /// Patients at the reference year.
    pub patients: f64,
    /// Share within 18 weeks at the reference year.
    pub within_18_weeks: f64,
    /// Share over 52 weeks at the reference year.
    pub over_52_weeks: f64,
    /// Mean weeks of the pathway before the decision to admit, at the
    /// reference year (England's when the trust has too few non-admitted
    /// pathways).
    pub weeks_before_decision: f64,
    /// What was read, for the scenario's sources.
    pub from: String,
    /// Where `weeks_before_decision` comes from, for the sources.
    pub before_from: String,
}

/// Fewest non-admitted pathways a trust's own pathway before the decision
/// is taken from; with fewer, England's.
pub const MIN_NON_ADMITTED: f64 = 100.0;

/// Longest mean pathway before the decision to admit that a list gives, weeks.
pub const MAX_BEFORE_DECISION: f64 = 52.0;

/// The mean of an exponential stage from the share over 18 weeks of those
/// in it, `p` (non-admitted pathways), with that share brought to the
/// reference year by England's ratio (as the admitted lists' shares).
fn before_decision(rtt: &RttData, p: Pathways) -> f64 {
    let national = rtt.national.over_18 / rtt.national.total;
    let over_18 = (p.over_18 / p.total * REFERENCE_OVER_18 / national).clamp(1e-9, 1.0 - 1e-9);
    (-18.0 / over_18.ln()).min(MAX_BEFORE_DECISION)
}

/// England's mean weeks before the decision to admit, from its
/// non-admitted pathways (the whole list less the admitted one) in the
/// file's month.
pub fn national_before_decision(rtt: &RttData) -> f64 {
    before_decision(rtt, non_admitted(&rtt.national, &rtt.national_admitted))
}

/// The share of patients put on an admitted list who are clinically
/// urgent, from England's admitted pathways in the file's month: a share c
/// of those completed had waited within 18 weeks, a share l of those still
/// waiting. Taking urgent patients to complete within 18 weeks and routine
/// ones with the list's share, c = u + (1 − u)·l, so u = (c − l)/(1 − l),
/// within [0, 1]. (Routine patients served in order complete as the list's
/// longest waiters, fewer within 18 weeks than l, so this is at the low end
/// of what the two shares allow.) `None` when the file has no admitted
/// completions that month, or no admitted list over 18 weeks.
pub fn urgent_share(rtt: &RttData) -> Option<f64> {
    let (done, waiting) = (&rtt.national_completed, &rtt.national_admitted);
    if done.total <= 0.0 || waiting.total <= 0.0 || waiting.over_18 <= 0.0 {
        return None;
    }
    let c = 1.0 - done.over_18 / done.total;
    let l = 1.0 - waiting.over_18 / waiting.total;
    Some(((c - l) / (1.0 - l)).clamp(0.0, 1.0))
}

fn non_admitted(whole: &Pathways, admitted: &Pathways) -> Pathways {
    Pathways {
        total: whole.total - admitted.total,
        over_18: whole.over_18 - admitted.over_18,
        over_52: whole.over_52 - admitted.over_52,
    }
}

/// The admitted list of trust `code` and its predecessors, at the reference
/// year; `None` when the file has no admitted row for any of them.
pub fn trust_list(rtt: &RttData, code: &str, predecessors: &[&str]) -> Option<TrustList> {
    let mut observed = Pathways::default();
    let mut before = Pathways::default();
    let mut inconsistent = Vec::new();
    let mut parts = Vec::new();
    for c in std::iter::once(code).chain(predecessors.iter().copied()) {
        if let Some((month, p)) = rtt.admitted.get(c) {
            observed.total += p.total;
            observed.over_18 += p.over_18;
            observed.over_52 += p.over_52;
            if let Some((_, whole)) = rtt.whole.get(c).filter(|(m, _)| m == month) {
                let n = non_admitted(whole, p);
                if n.total < 0.0 || n.over_18 < 0.0 {
                    inconsistent.push(c);
                } else {
                    before.total += n.total;
                    before.over_18 += n.over_18;
                }
            }
            let fallback =
                if *month == rtt.month { String::new() } else { format!(", from {month}: no row in {}", rtt.month) };
            parts.push(format!("{c} {:.0}{fallback}", p.total));
        }
    }
    if parts.is_empty() {
        return None;
    }
    let national = rtt.national;
    let share = |n: f64| if observed.total > 0.0 { n / observed.total } else { 0.0 };
    let over_18 = (share(observed.over_18) * REFERENCE_OVER_18 / (national.over_18 / national.total)).min(1.0);
    let over_52 = (share(observed.over_52) * (REFERENCE_OVER_52 / REFERENCE_LIST)
        / (national.over_52 / national.total))
        .min(over_18);
    let (weeks, mut before_from) =
        if inconsistent.is_empty() && before.total >= MIN_NON_ADMITTED && before.over_18 > 0.0 {
            let share = 100.0 * before.over_18 / before.total;
            (
                before_decision(rtt, before),
                format!("its {:.0} non-admitted pathways, {share:.1}% over 18 weeks", before.total),
            )
        } else {
            (national_before_decision(rtt), format!("England's: {:.0} non-admitted pathways of its own", before.total))
        };
    if !inconsistent.is_empty() {
        before_from
            .push_str(&format!(", the whole list of {} being smaller than its admitted list", inconsistent.join(", ")));
    }
    Some(TrustList {
        observed,
        patients: observed.total * REFERENCE_LIST / national.total,
        within_18_weeks: 1.0 - over_18,
        over_52_weeks: over_52,
        weeks_before_decision: weeks,
        from: parts.join(", "),
        before_from,
    })
}

/// Splits a trust's list between its elective services in proportion to
/// their planned loads, as start lists (shares rounded to 4 decimals).
pub fn split(list: &TrustList, loads: &[(&'static str, f64)]) -> BTreeMap<&'static str, StartList> {
    let weights: Vec<f64> = loads.iter().map(|(_, l)| l.max(0.0)).collect();
    let counts = largest_remainder(list.patients.round() as u32, &weights);
    let round4 = |v: f64| (v * 1e4).round() / 1e4;
    loads
        .iter()
        .zip(counts)
        .map(|((s, _), patients)| {
            let within = round4(list.within_18_weeks);
            let over = round4(list.over_52_weeks).min(1.0 - within);
            (*s, StartList { patients, within_18_weeks: within, over_52_weeks: over })
        })
        .collect()
}

/// The scenario's source line for waiting lists.
pub fn source(rtt: &RttData, file: &str) -> String {
    let n = rtt.national;
    format!(
        "Waiting lists: each acute trust's admitted RTT waiting list (`Incomplete Pathways with DTA`, with its predecessors'; \
         NHS England RTT statistics, {month}, {file}, OGL v3.0) brought to the reference year, the end of 2023/24 ({REFERENCE_MONTH}): \
         patients × {REFERENCE_LIST:.0} / {total:.0} (England's whole list then and in {month}), the share over 18 weeks × {o18:.3} / {n18:.3} \
         and over 52 weeks × {o52:.4} / {n52:.4} (England's shares then and in {month}); England's admitted list in {month} was {adm:.0}. \
         A trust's list is split between its elective services by planned load, spread evenly over weeks waited within the bands \
         0–18, 19–52 and 53–78 weeks. Elective capacity of a trust with a list is planned at its expected referrals (no headroom). \
         Patients joining an admitted list have waited through the pathway before the decision to admit, exponential with a mean \
         from the non-admitted pathways (whole list less admitted) still waiting: share over 18 weeks s brought to the reference year \
         as above, mean −18 / ln s (at most {max:.0} weeks); England's {nb:.1} weeks ({ns:.1}% over 18 weeks in {month}) for every \
         elective service, a trust's own where it has at least {min:.0} such pathways. {urgent}",
        urgent = match urgent_share(rtt) {
            Some(u) => {
                let d = &rtt.national_completed;
                format!(
                    "Clinical priority: a share {u:.2} of the patients put on a list are urgent and treated before routine ones \
                     (`urgent_share`), from England's admitted pathways in {month}: {c:.1}% of the {d:.0} completed had \
                     waited within 18 weeks, {l:.1}% of those waiting; u = (c − l) / (1 − l).",
                    u = super::plan::round_to(u, 2),
                    month = rtt.month,
                    c = 100.0 * (1.0 - d.over_18 / d.total),
                    d = d.total,
                    l = 100.0 * (1.0 - rtt.national_admitted.over_18 / rtt.national_admitted.total),
                )
            }
            None => format!(
                "Clinical priority: none (every listed patient served in order): the file has no admitted pathways \
                 completed in {}.",
                rtt.month
            ),
        },
        max = MAX_BEFORE_DECISION,
        nb = national_before_decision(rtt),
        ns = 100.0 * (n.over_18 - rtt.national_admitted.over_18) / (n.total - rtt.national_admitted.total),
        min = MIN_NON_ADMITTED,
        month = rtt.month,
        total = n.total,
        o18 = REFERENCE_OVER_18,
        n18 = n.over_18 / n.total,
        o52 = REFERENCE_OVER_52 / REFERENCE_LIST,
        n52 = n.over_52 / n.total,
        adm = rtt.national_admitted.total,
    )
}

/// Notes for the admitted lists of providers in the area that are not the
/// scenario's: independent-sector hospitals (found by site code, or by
/// parent code when all that organisation's located sites are in the area)
/// and NHS trusts without general and acute beds in the bed file. `used`
/// holds the codes whose lists the scenario's providers took (their own and
/// their predecessors').
pub fn outside_providers(rtt: &RttData, sites: &[Site], used: &[&str], in_area: impl Fn(&Site) -> bool) -> Vec<String> {
    let mut notes = Vec::new();
    for (code, (month, p)) in &rtt.admitted {
        if p.total <= 0.0 || used.contains(&code.as_str()) {
            continue;
        }
        let own: Vec<&Site> =
            sites.iter().filter(|s| s.position.is_some() && (s.code == *code || s.trust == *code)).collect();
        if !own.is_empty() && own.iter().all(|s| in_area(s)) {
            let name = rtt.names.get(code).map_or("", String::as_str);
            let what = if code.starts_with('R') {
                "at an NHS trust in the area with no general and acute beds in the bed file"
            } else {
                "at an independent-sector provider in the area"
            };
            notes.push(format!(
                "{code} {name}: {:.0} admitted pathways waiting in {month}, {what}; not one of the scenario's \
                 providers, its list is not modelled",
                p.total
            ));
        }
    }
    notes
}

/// A trust's admitted pathways completed a month (its own and its
/// predecessors'), as the file has them; `None` with no row.
pub fn completed(rtt: &RttData, code: &str, predecessors: &[&str]) -> Option<f64> {
    let months: Vec<f64> = std::iter::once(code)
        .chain(predecessors.iter().copied())
        .filter_map(|c| rtt.completed.get(c).copied())
        .collect();
    (!months.is_empty()).then(|| months.iter().sum())
}

/// The specialty shares of an area's specialist units of one service: each
/// one's admitted pathways completed a month for the area's residents over
/// those of every unit of the service in the area (`units`: index, its
/// pathways completed a month for the area's residents, or `None` without
/// a row; and whether it is a specialist unit). A specialist unit without a
/// row gets none (it stays a general unit); so does every unit when none of
/// the general units has a row.
pub fn specialty_shares(units: &[(usize, Option<f64>, bool)]) -> BTreeMap<usize, f64> {
    let total: f64 = units.iter().filter_map(|u| u.1).sum();
    if total <= 0.0 || !units.iter().any(|u| !u.2 && u.1.is_some_and(|n| n > 0.0)) {
        return BTreeMap::new();
    }
    units.iter().filter(|u| u.2).filter_map(|&(i, n, _)| Some((i, n.filter(|n| *n > 0.0)? / total))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtt(admitted: &[(&str, &str, f64, f64, f64)]) -> RttData {
        RttData {
            month: "2021-03".into(),
            admitted: admitted
                .iter()
                .map(|(c, m, t, a, b)| {
                    (c.to_string(), (m.to_string(), Pathways { total: *t, over_18: *a, over_52: *b }))
                })
                .collect(),
            // Each whole list: the admitted one and 4,000 non-admitted pathways, a fifth over 18 weeks.
            whole: admitted
                .iter()
                .map(|(c, m, t, a, b)| {
                    let p = Pathways { total: t + 4000.0, over_18: a + 800.0, over_52: *b };
                    (c.to_string(), (m.to_string(), p))
                })
                .collect(),
            names: BTreeMap::new(),
            national: Pathways { total: 5.0e6, over_18: 1.75e6, over_52: 4.0e5 },
            national_admitted: Pathways { total: 1.0e6, over_18: 5.0e5, over_52: 2.0e5 },
            national_completed: Pathways { total: 2.0e5, over_18: 6.0e4, over_52: 1.0e4 },
            completed: BTreeMap::new(),
        }
    }

    /// 70% of completions within 18 weeks and 50% of the list: c = u + (1 − u)·l
    /// gives u = 0.2 / 0.5 = 0.4; with no completions, none.
    #[test]
    fn the_urgent_share_is_what_completions_have_within_18_weeks_beyond_the_list() {
        let mut r = rtt(&[]);
        assert!((urgent_share(&r).unwrap() - 0.4).abs() < 1e-12);
        r.national_completed = Pathways::default();
        assert_eq!(urgent_share(&r), None);
        assert!(source(&r, "rtt.csv").contains("Clinical priority: none"));
        // Completions no younger than the list: no urgent share.
        r.national_completed = Pathways { total: 100.0, over_18: 60.0, over_52: 0.0 };
        assert_eq!(urgent_share(&r), Some(0.0));
    }

    #[test]
    fn a_list_is_scaled_by_england_and_keeps_its_place() {
        let r = rtt(&[("RAA", "2021-03", 1000.0, 500.0, 100.0), ("RBB", "2021-01", 1000.0, 100.0, 0.0)]);
        let a = trust_list(&r, "RAA", &[]).unwrap();
        assert!((a.patients - 1000.0 * 7.54e6 / 5.0e6).abs() < 1e-6);
        // Half over 18 weeks where England had 35%: 0.5 × 0.428 / 0.35.
        assert!((1.0 - a.within_18_weeks - 0.5 * 0.428 / 0.35).abs() < 1e-12);
        assert!((a.over_52_weeks - 0.1 * (309_300.0 / 7.54e6) / 0.08).abs() < 1e-12);
        // A successor takes its predecessors' rows; an older month is said.
        let both = trust_list(&r, "RAA", &["RBB"]).unwrap();
        assert_eq!(both.observed.total, 2000.0);
        assert!(both.from.contains("RBB 1000, from 2021-01"), "{}", both.from);
        assert!(trust_list(&r, "RCC", &[]).is_none());
    }

    /// A fifth of the non-admitted list over 18 weeks where England's
    /// whole less admitted list had 1.25 m of 4 m: the share at the
    /// reference year is 0.2 × 0.428 / 0.35, and the exponential's mean
    /// −18 / ln of it.
    #[test]
    fn the_pathway_before_the_decision_is_the_non_admitted_lists_exponential_mean() {
        let r = rtt(&[("RAA", "2021-03", 1000.0, 500.0, 100.0), ("RBB", "2021-03", 10.0, 5.0, 0.0)]);
        let a = trust_list(&r, "RAA", &[]).unwrap();
        let share: f64 = 0.2 * 0.428 / 0.35;
        assert!((a.weeks_before_decision + 18.0 / share.ln()).abs() < 1e-9, "{}", a.weeks_before_decision);
        let england = national_before_decision(&r);
        let share: f64 = 1.25e6 / 4.0e6 * 0.428 / 0.35;
        assert!((england + 18.0 / share.ln()).abs() < 1e-9, "{england}");
        // Predecessors' non-admitted lists count too; a whole list from another month does not.
        let mut r = r;
        r.whole.get_mut("RBB").unwrap().1.over_18 = 4005.0;
        let both = trust_list(&r, "RAA", &["RBB"]).unwrap();
        assert!(both.weeks_before_decision > a.weeks_before_decision);
        r.whole.get_mut("RBB").unwrap().0 = "2021-01".into();
        assert_eq!(trust_list(&r, "RAA", &["RBB"]).unwrap().weeks_before_decision, a.weeks_before_decision);
        // A whole list smaller than the admitted one (as some providers' in the real file) falls back to England's, said.
        r.whole.get_mut("RAA").unwrap().1.over_18 = 400.0;
        let odd = trust_list(&r, "RAA", &[]).unwrap();
        assert_eq!(odd.weeks_before_decision, england);
        assert!(
            odd.before_from.contains("England's") && odd.before_from.contains("RAA being smaller"),
            "{}",
            odd.before_from
        );
    }

    #[test]
    fn a_split_keeps_every_patient() {
        let r = rtt(&[("RAA", "2021-03", 999.0, 500.0, 100.0)]);
        let list = trust_list(&r, "RAA", &[]).unwrap();
        let parts = split(&list, &[("elective_surgery", 300.0), ("gynaecology", 50.0)]);
        let total: u32 = parts.values().map(|s| s.patients).sum();
        assert_eq!(total, list.patients.round() as u32);
        assert!(parts["elective_surgery"].patients > 5 * parts["gynaecology"].patients);
    }

    #[test]
    fn a_specialist_unit_s_share_is_its_part_of_the_area_s_completed_pathways() {
        // Two general units (300 and 500 a month) and two specialists (150, and one with no row).
        let units = [(0, Some(300.0), false), (1, Some(150.0), true), (2, Some(500.0), false), (3, None, true)];
        let shares = specialty_shares(&units);
        assert_eq!(shares.len(), 1, "a specialist without a row stays general: {shares:?}");
        assert!((shares[&1] - 150.0 / 950.0).abs() < 1e-12);
        // With no general unit's pathways there is nothing to share the referrals with.
        assert!(specialty_shares(&[(0, None, false), (1, Some(150.0), true)]).is_empty());
    }
}
