//! Real catchments: OHID's modelled acute trust catchments (2022 release),
//! for each trust the share of its patients who came from each district
//! (`nhs_trust22_code,ltla21_code,proportion_trust_came_from_ltla`).
//!
//! A trust formed by a merger since is compared with its predecessors'
//! catchments weighted by their general and acute beds in 2022/23 (the file
//! holds no patient totals); a district formed since 2021 takes its
//! predecessors' shares.

use std::collections::BTreeMap;
use std::path::Path;

use super::BuildError;
use super::regions::{DISTRICT_PREDECESSORS, predecessors};
use super::table::Table;

/// The observed catchments, by trust code and then by district code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    shares: BTreeMap<String, BTreeMap<String, f64>>,
}

/// The district (current code) a 2021 district lies in.
fn current(district: &str) -> &str {
    DISTRICT_PREDECESSORS.iter().find(|(_, before)| before.contains(&district)).map_or(district, |(now, _)| now)
}

impl Observed {
    /// Reads the OHID catchment file; shares must lie in [0, 1] and each
    /// (trust, district) appear once.
    pub fn read(path: &Path) -> Result<Observed, BuildError> {
        let columns = ["nhs_trust22_code", "ltla21_code", "proportion_trust_came_from_ltla"];
        let table = Table::read(path, &columns)?;
        let mut shares: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        let mut seen = BTreeMap::new();
        for row in table.rows() {
            let (trust, district) = (row.text(columns[0]), row.text(columns[1]));
            if trust.is_empty() {
                return Err(row.error(columns[0], "expected a trust code, found nothing"));
            }
            if district.is_empty() {
                return Err(row.error(columns[1], "expected a district code, found nothing"));
            }
            row.first_for(&mut seen, columns[1], &format!("{trust} {district}"))?;
            let share = row.count(columns[2])?;
            if share > 1.0 {
                return Err(row.error(columns[2], format!("expected a share in [0, 1], found {share}")));
            }
            *shares.entry(trust.to_owned()).or_default().entry(current(district).to_owned()).or_insert(0.0) += share;
        }
        Ok(Observed { shares })
    }

    /// The share of `trust`'s patients from each district among `districts`
    /// (summing to 1 over them), with its predecessors' catchments weighted
    /// by `beds`; `None` when the file has no row for it or none of its
    /// patients come from those districts.
    pub fn shares(
        &self,
        trust: &str,
        districts: &[&str],
        beds: &BTreeMap<String, f64>,
    ) -> Option<BTreeMap<String, f64>> {
        let codes: Vec<&str> = std::iter::once(trust)
            .chain(predecessors(trust).iter().copied())
            .filter(|c| self.shares.contains_key(*c))
            .collect();
        let weight = |c: &str| if codes.len() == 1 { 1.0 } else { beds.get(c).copied().unwrap_or(0.0) };
        let mut out: BTreeMap<String, f64> = districts.iter().map(|d| ((*d).to_owned(), 0.0)).collect();
        for c in &codes {
            for (d, v) in out.iter_mut() {
                *v += weight(c) * self.shares[*c].get(d).copied().unwrap_or(0.0);
            }
        }
        let total: f64 = out.values().sum();
        (total > 0.0).then(|| out.into_iter().map(|(d, v)| (d, v / total)).collect())
    }
}

impl Observed {
    /// The shares of `trust`'s own patients by district, as the file has
    /// them (no predecessors); `None` when it has no row.
    pub fn of(&self, trust: &str) -> Option<&BTreeMap<String, f64>> {
        self.shares.get(trust)
    }

    /// Catchments from `(trust, district, share)` rows, for tests.
    #[cfg(test)]
    pub(crate) fn from_shares(rows: &[(&str, &str, f64)]) -> Observed {
        let mut shares: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for (t, d, v) in rows {
            shares.entry((*t).to_owned()).or_default().insert((*d).to_owned(), *v);
        }
        Observed { shares }
    }
}

/// Each trust's mean general and acute beds over 2022/23, from the monthly
/// bed file.
pub fn first_year_beds(path: &Path) -> Result<BTreeMap<String, f64>, BuildError> {
    Ok(super::data::beds(path)?.first_year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_trust_is_its_predecessors_weighted_by_beds() {
        // Mersey and West Lancashire (RBN) took over Southport and Ormskirk (RVY).
        let mut o = Observed::default();
        o.shares.insert("RBN".into(), BTreeMap::from([("A".to_owned(), 1.0)]));
        o.shares.insert("RVY".into(), BTreeMap::from([("A".to_owned(), 0.2), ("B".to_owned(), 0.8)]));
        let beds = BTreeMap::from([("RBN".to_owned(), 300.0), ("RVY".to_owned(), 100.0)]);
        let s = o.shares("RBN", &["A", "B"], &beds).unwrap();
        assert!((s["A"] - (300.0 + 20.0) / 400.0).abs() < 1e-12 && (s["B"] - 80.0 / 400.0).abs() < 1e-12, "{s:?}");
        // Shares are renormalised over the districts asked for.
        let s = o.shares("RVY", &["B"], &beds).unwrap();
        assert_eq!(s["B"], 1.0);
        assert!(o.shares("RXX", &["A"], &beds).is_none());
    }

    #[test]
    fn districts_formed_since_2021_take_their_predecessors_shares() {
        assert_eq!(current("E07000026"), "E06000063");
        assert_eq!(current("E06000049"), "E06000049");
    }
}
