//! Emergency demand sized on what residents were admitted for: NHS
//! England's A&E statistics give each trust's emergency admissions by month,
//! and OHID's catchments the share of each trust's patients who came from
//! each district; together they give each district's residents' emergency
//! admissions in the sizing year (2022/23), at whichever trust they went to.
//! Brought to the reference year (2023/24) by England's growth, and divided
//! by what the services' national rates expect of the district's residents,
//! they give the district's rate ratio for the services the A&E figure
//! counts, [`AE_SERVICES`] (it leaves out births), which each of its
//! localities takes.
//!
//! Each trust's admissions in the sizing year fit its conveyance minutes,
//! with which the routing's distance decay sends it its share of them
//! (`plan::conveyance_minutes`), and share out the area's emergency capacity
//! (`plan::activity_factors`); its admissions in the reference year are the
//! check (`docs/calibration.py`).

use std::collections::BTreeMap;
use std::path::Path;

use super::BuildError;
use super::catchments::Observed;
use super::table::Table;

/// The model services whose episodes the A&E file's emergency admissions count.
pub const AE_SERVICES: [&str; 3] = ["emergency_medicine", "paediatrics", "emergency_gynaecology"];

/// [`AE_SERVICES`] as a phrase: `emergency_medicine, paediatrics and …`.
pub fn ae_services_named() -> String {
    let (last, rest) = AE_SERVICES.split_last().expect("three services");
    format!("{} and {last}", rest.join(", "))
}

/// The sizing year: April 2022 to March 2023.
pub const SIZING_YEAR: (&str, &str) = ("2022-04", "2023-03");
/// The reference year: April 2023 to March 2024.
pub const REFERENCE_YEAR: (&str, &str) = ("2023-04", "2024-03");
/// The range of a rate ratio; one outside it is held at the bound and said
/// (an assumption: districts' standardised emergency admission ratios lie
/// well inside it).
pub const RATIO_RANGE: (f64, f64) = (0.5, 2.0);

/// Emergency admissions by trust code and month (`2022-04`), and A&E
/// attendances with those over four hours where the month reports them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Admissions {
    by_trust: BTreeMap<String, BTreeMap<String, f64>>,
    attendances: BTreeMap<String, BTreeMap<String, (f64, f64)>>,
}

/// A trust's four-hour performance over a year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FourHours {
    /// Share of attendances within four hours.
    pub within: f64,
    /// Months reported.
    pub months: usize,
    /// Emergency admissions a month (a full year's mean).
    pub admissions_a_month: f64,
}

/// A trust's admissions over a year.
#[derive(Debug, Clone, PartialEq)]
pub struct Year {
    /// Admissions, annualised (× 12 / months) when months are missing.
    pub admissions: f64,
    /// Months of the year with a row (its own or a predecessor's).
    pub months: usize,
}

impl Admissions {
    /// Reads the A&E file (`provider_code`, `month` as `2022-04`,
    /// `total_emergency_admissions`, `total_attendances`,
    /// `attendances_over_4hours`): admissions a count ≥ 0 on every row, each
    /// trust and month once; attendances and those over four hours counts
    /// where given (empty or `NA` in months a trust did not report them, as
    /// the trusts testing new standards in 2019–23), no more over four hours
    /// than attended.
    pub fn read(path: &Path) -> Result<Admissions, BuildError> {
        let columns =
            ["provider_code", "month", "total_emergency_admissions", "total_attendances", "attendances_over_4hours"];
        let table = Table::read(path, &columns)?;
        let mut by_trust: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        let mut attendances: BTreeMap<String, BTreeMap<String, (f64, f64)>> = BTreeMap::new();
        let mut seen = BTreeMap::new();
        for row in table.rows() {
            let code = row.text(columns[0]);
            if code.is_empty() {
                return Err(row.error(columns[0], "expected a provider code, found nothing"));
            }
            let month = row.year_month(columns[1])?;
            row.first_for(&mut seen, columns[1], &format!("{code} {month}"))?;
            let n = row.count(columns[2])?;
            by_trust.entry(code.to_owned()).or_default().insert(month.to_owned(), n);
            let seen = row.number(columns[3])?;
            let over = row.number(columns[4])?;
            if let (Some(seen), Some(over)) = (seen, over) {
                if seen < 0.0 {
                    return Err(row.error(columns[3], format!("expected a number ≥ 0, found {seen}")));
                }
                if !(0.0..=seen).contains(&over) {
                    return Err(row.error(columns[4], format!("expected 0 to {seen} (the attendances), found {over}")));
                }
                attendances.entry(code.to_owned()).or_default().insert(month.to_owned(), (seen, over));
            }
        }
        Ok(Admissions { by_trust, attendances })
    }

    /// The share of A&E attendances of `code` and its predecessors within
    /// four hours over the months `year`, with the months reported and the
    /// mean emergency admissions a month; `None` without an attendance then.
    pub fn four_hours(&self, code: &str, predecessors: &[&str], year: (&str, &str)) -> Option<FourHours> {
        let months = by_month(&self.attendances, code, predecessors, year, |e: &mut (f64, f64), (a, b)| {
            e.0 += a;
            e.1 += b;
        });
        let (seen, over) = months.values().fold((0.0, 0.0), |(s, o), (a, b)| (s + a, o + b));
        let admitted = self.year(code, predecessors, year).map_or(0.0, |y| y.admissions / 12.0);
        (seen > 0.0).then(|| FourHours {
            within: 1.0 - over / seen,
            months: months.len(),
            admissions_a_month: admitted,
        })
    }

    /// Trust codes in the file.
    pub fn trusts(&self) -> impl Iterator<Item = &str> {
        self.by_trust.keys().map(String::as_str)
    }

    /// Admissions of `code` and its predecessors over the months `year`
    /// (first and last, inclusive); `None` when none of them has a row then.
    pub fn year(&self, code: &str, predecessors: &[&str], year: (&str, &str)) -> Option<Year> {
        let months = by_month(&self.by_trust, code, predecessors, year, |e: &mut f64, n| *e += n);
        let total: f64 = months.values().sum();
        (!months.is_empty()).then(|| Year { admissions: total * 12.0 / months.len() as f64, months: months.len() })
    }

    /// England's growth from the sizing year to the reference year: total
    /// admissions in the reference year over the sizing year, over the
    /// trusts with all twelve months in both; with the number of trusts.
    pub fn growth(&self) -> Option<(f64, usize)> {
        let (mut before, mut after, mut trusts) = (0.0, 0.0, 0);
        for code in self.by_trust.keys() {
            if let (Some(a), Some(b)) = (self.year(code, &[], SIZING_YEAR), self.year(code, &[], REFERENCE_YEAR))
                && a.months == 12
                && b.months == 12
            {
                before += a.admissions;
                after += b.admissions;
                trusts += 1;
            }
        }
        (before > 0.0).then(|| (after / before, trusts))
    }
}

/// The rows of `code` and its predecessors in the months `year` (first and
/// last, inclusive), each month's added together with `add`.
fn by_month<'a, T: Copy + Default>(
    rows: &'a BTreeMap<String, BTreeMap<String, T>>,
    code: &str,
    predecessors: &[&str],
    year: (&str, &str),
    add: impl Fn(&mut T, T),
) -> BTreeMap<&'a str, T> {
    let mut months: BTreeMap<&str, T> = BTreeMap::new();
    for c in std::iter::once(code).chain(predecessors.iter().copied()) {
        for (m, v) in rows.get(c).into_iter().flatten() {
            if m.as_str() >= year.0 && m.as_str() <= year.1 {
                add(months.entry(m.as_str()).or_default(), *v);
            }
        }
    }
    months
}

/// The scenario's source line for emergency demand: the files, England's
/// growth, the admissions of trusts without a catchment and each
/// district's ratio as worked (`districts`).
pub fn source(file: &str, flows: &str, growth: f64, trusts: usize, residence: &Residence, districts: &str) -> String {
    let (unassigned, total) = (residence.unassigned, residence.total);
    let annualised = if residence.annualised.is_empty() {
        "every trust reported all twelve months".to_owned()
    } else {
        let listed: Vec<String> = residence.annualised.iter().map(|(c, m)| format!("{c} {m}")).collect();
        format!("trusts with fewer months annualised (× 12 / months): {}", listed.join(", "))
    };
    format!(
        "Emergency demand: each district's residents' emergency admissions of April 2022–March 2023, at every trust in England \
         (NHS England A&E attendances and emergency admissions, {file}: each trust's admissions × the share of its patients from \
         the district, OHID acute trust catchments, 2022 release, {flows}; {unassigned:.0} of England's {total:.0} admissions are at \
         trusts with no catchment and go to no district; {annualised}), brought to 2023/24 by England's growth ({growth:.4}, the {trusts} trusts \
         with all twelve months of both years), over what the national rates of {services} expect of its residents (births are not \
         in the A&E figure): the district's rate ratio for those services, which each of its localities takes (held within \
         {lo}–{hi}). Admissions of residents ÷ expected: {districts}. Which trust takes them: the distance decay, weighted by each \
         trust's conveyance minutes (below); each trust's 2023/24 admissions are the check (docs/VALIDATION.md).",
        services = ae_services_named(),
        lo = RATIO_RANGE.0,
        hi = RATIO_RANGE.1,
    )
}

/// Each district's residents' emergency admissions in the sizing year: Σ
/// over every trust with A&E rows of its admissions (annualised where
/// months are missing) × the share of its patients who came from the
/// district (OHID catchments).
#[derive(Debug, Clone, PartialEq)]
pub struct Residence {
    /// Admissions of each district's residents.
    pub by_district: BTreeMap<String, f64>,
    /// Admissions at trusts with no catchment, assigned to no district.
    pub unassigned: f64,
    /// England's admissions.
    pub total: f64,
    /// Trusts with fewer than twelve months in the year, annualised, and their months.
    pub annualised: Vec<(String, usize)>,
}

/// Each district's residents' emergency admissions in the sizing year (see [`Residence`]).
pub fn by_residence(ae: &Admissions, observed: &Observed, districts: &[&str]) -> Residence {
    let mut out: BTreeMap<String, f64> = districts.iter().map(|d| ((*d).to_owned(), 0.0)).collect();
    let (mut unassigned, mut total) = (0.0, 0.0);
    let mut annualised = Vec::new();
    for code in ae.by_trust.keys() {
        let Some(year) = ae.year(code, &[], SIZING_YEAR) else { continue };
        if year.months < 12 {
            annualised.push((code.clone(), year.months));
        }
        total += year.admissions;
        match observed.of(code) {
            Some(shares) => {
                for (d, n) in out.iter_mut() {
                    *n += year.admissions * shares.get(d).copied().unwrap_or(0.0);
                }
            }
            None => unassigned += year.admissions,
        }
    }
    Residence { by_district: out, unassigned, total, annualised }
}

/// Admissions in the sizing year at the trusts `codes` (each with its own
/// rows) of district `d`'s residents: each one's admissions × its share of
/// patients from `d`.
pub fn admitted_at(ae: &Admissions, observed: &Observed, codes: &[&str], d: &str) -> f64 {
    codes
        .iter()
        .filter_map(|code| {
            let year = ae.year(code, &[], SIZING_YEAR)?;
            Some(year.admissions * observed.of(code)?.get(d).copied().unwrap_or(0.0))
        })
        .sum()
}

/// A trust's patients from `districts`, over it and its predecessors
/// (`codes`) that have a catchment: its admissions of their residents in the
/// sizing year (each code's admissions × its share of patients from them;
/// `None` when no such code has A&E rows), and its share of patients from
/// them (OHID's catchments), weighted by the codes' admissions, or their
/// plain mean when none has A&E rows (`None` when none has a catchment).
pub fn from_area(
    ae: &Admissions,
    observed: &Observed,
    codes: &[&str],
    districts: &[&str],
) -> (Option<f64>, Option<f64>) {
    // (admissions in the sizing year, if any; share from the area) of each code with a catchment.
    let parts: Vec<(Option<f64>, f64)> = codes
        .iter()
        .filter_map(|code| {
            let shares = observed.of(code)?;
            let year = ae.year(code, &[], SIZING_YEAR).map(|y| y.admissions);
            Some((year, districts.iter().map(|d| shares.get(*d).copied().unwrap_or(0.0)).sum::<f64>()))
        })
        .collect();
    let admitted =
        parts.iter().any(|(w, _)| w.is_some()).then(|| parts.iter().filter_map(|(w, a)| w.map(|w| w * a)).sum());
    let weights: f64 = parts.iter().filter_map(|(w, _)| *w).sum();
    let share = if weights > 0.0 {
        admitted.map(|n: f64| n / weights)
    } else {
        (!parts.is_empty()).then(|| parts.iter().map(|(_, a)| a).sum::<f64>() / parts.len() as f64)
    };
    (admitted, share.map(|a| a.min(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admissions(rows: &[(&str, &str, f64)]) -> Admissions {
        let mut a = Admissions::default();
        for (c, m, n) in rows {
            a.by_trust.entry(c.to_string()).or_default().insert(m.to_string(), *n);
        }
        a
    }

    #[test]
    fn a_year_sums_a_trust_and_its_predecessors_and_annualises_missing_months() {
        let mut rows = Vec::new();
        let months = ["2022-04", "2022-05", "2022-06", "2022-07", "2022-08", "2022-09", "2022-10", "2022-11"];
        let more = ["2022-12", "2023-01", "2023-02", "2023-03"];
        for m in months.iter().chain(&more) {
            rows.push(("RAA", *m, 100.0));
        }
        for m in months {
            rows.push(("RBB", m, 10.0));
        }
        rows.push(("RAA", "2023-04", 5000.0));
        let a = admissions(&rows);
        assert_eq!(a.year("RAA", &[], SIZING_YEAR), Some(Year { admissions: 1200.0, months: 12 }));
        assert_eq!(a.year("RAA", &["RBB"], SIZING_YEAR), Some(Year { admissions: 1280.0, months: 12 }));
        // Eight months of 10: 80 × 12 / 8.
        assert_eq!(a.year("RBB", &[], SIZING_YEAR), Some(Year { admissions: 120.0, months: 8 }));
        assert_eq!(a.year("RCC", &[], SIZING_YEAR), None);
        // Only RAA has both years whole... it has one month of 2023/24: no trust qualifies.
        assert_eq!(a.growth(), None);
    }

    /// Two trusts: RAA (1,200 a year) has 3/4 of its patients from A and
    /// 1/4 from B; RBB (600) all from B; RCC (120) has no catchment.
    #[test]
    fn residents_admissions_are_trusts_admissions_by_catchment_share() {
        let months = ["2022-04", "2022-05", "2022-06", "2022-07", "2022-08", "2022-09"];
        let more = ["2022-10", "2022-11", "2022-12", "2023-01", "2023-02", "2023-03"];
        let mut rows = Vec::new();
        for m in months.iter().chain(&more) {
            rows.extend([("RAA", *m, 100.0), ("RBB", *m, 50.0), ("RCC", *m, 10.0)]);
        }
        let a = admissions(&rows);
        let o = Observed::from_shares(&[("RAA", "A", 0.75), ("RAA", "B", 0.25), ("RBB", "B", 1.0)]);
        let r = by_residence(&a, &o, &["A", "B"]);
        assert_eq!(r.by_district["A"], 900.0);
        assert_eq!(r.by_district["B"], 300.0 + 600.0);
        assert_eq!((r.unassigned, r.total), (120.0, 1920.0));
        assert!(r.annualised.is_empty());
        // RAA and RBB as one trust, from A alone: 1,200 × 0.75 + 600 × 0 = 900 of 1,800.
        assert_eq!(from_area(&a, &o, &["RAA", "RBB"], &["A"]), (Some(900.0), Some(0.5)));
        assert_eq!(from_area(&a, &o, &["RAA", "RBB"], &["A", "B"]), (Some(1800.0), Some(1.0)));
        assert_eq!(from_area(&a, &o, &["RAA"], &["A"]), (Some(900.0), Some(0.75)));
        assert_eq!(from_area(&a, &o, &["RCC"], &["A"]), (None, None), "no catchment");
        assert_eq!(admitted_at(&a, &o, &["RAA", "RBB"], "B"), 300.0 + 600.0);
    }
}
