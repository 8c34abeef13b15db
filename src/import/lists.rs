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
    /// What was read, for the scenario's sources.
    pub from: String,
}

/// The admitted list of trust `code` and its predecessors, at the reference
/// year; `None` when the file has no admitted row for any of them.
pub fn trust_list(rtt: &RttData, code: &str, predecessors: &[&str]) -> Option<TrustList> {
    let mut observed = Pathways::default();
    let mut parts = Vec::new();
    for c in std::iter::once(code).chain(predecessors.iter().copied()) {
        if let Some((month, p)) = rtt.admitted.get(c) {
            observed.total += p.total;
            observed.over_18 += p.over_18;
            observed.over_52 += p.over_52;
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
    Some(TrustList {
        observed,
        patients: observed.total * REFERENCE_LIST / national.total,
        within_18_weeks: 1.0 - over_18,
        over_52_weeks: over_52,
        from: parts.join(", "),
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
         0–18, 19–52 and 53–78 weeks. Elective capacity of a trust with a list is planned at its expected referrals (no headroom).",
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
            names: BTreeMap::new(),
            national: Pathways { total: 5.0e6, over_18: 1.75e6, over_52: 4.0e5 },
            national_admitted: Pathways { total: 1.0e6, over_18: 5.0e5, over_52: 2.0e5 },
        }
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

    #[test]
    fn a_split_keeps_every_patient() {
        let r = rtt(&[("RAA", "2021-03", 999.0, 500.0, 100.0)]);
        let list = trust_list(&r, "RAA", &[]).unwrap();
        let parts = split(&list, &[("elective_surgery", 300.0), ("gynaecology", 50.0)]);
        let total: u32 = parts.values().map(|s| s.patients).sum();
        assert_eq!(total, list.patients.round() as u32);
        assert!(parts["elective_surgery"].patients > 5 * parts["gynaecology"].patients);
    }
}
