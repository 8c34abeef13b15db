//! The scenario's localities: one per district, per MSOA or per LSOA.
//!
//! Small areas come from ONS's population-weighted LSOA centroids with
//! their mid-2020 residents in seven age bands. Each district's small areas
//! are scaled, band by band, to the district's residents in the population
//! file (mid-2023), so every geography has the same residents by district
//! and age band. An MSOA sits at the population-weighted mean of its LSOAs'
//! centroids, and its residents' spread around that point is the weighted
//! root-mean-square distance of those centroids from it; an LSOA's residents
//! are taken to live at its centroid.

use std::collections::BTreeMap;

use super::BuildError;
use super::data::{District, SmallArea};
use super::regions;
use super::travel::Member;
use crate::model::world::project_latlon;

/// How finely residents are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// One locality per district, at its centroid.
    District,
    /// One locality per middle layer super output area (about 8,000 residents).
    #[default]
    Msoa,
    /// One locality per lower layer super output area (about 1,600 residents).
    Lsoa,
}

impl Level {
    /// The unit's name in text.
    pub fn unit(self) -> &'static str {
        match self {
            Level::District => "district",
            Level::Msoa => "MSOA",
            Level::Lsoa => "LSOA",
        }
    }
}

/// How far a locality's residents live from its position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Extent {
    /// A land area, km² (written as `area_km2`).
    Area(f64),
    /// A spread, km (written as `spread_km`).
    Spread(f64),
}

/// A locality to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Id: the district, MSOA or LSOA code.
    pub id: String,
    /// Name.
    pub name: String,
    /// The district (population file code) it belongs to.
    pub district: String,
    /// Latitude and longitude.
    pub position: (f64, f64),
    /// Residents aged 0–17, 18–64, 65+.
    pub residents: [f64; 3],
    /// How far its residents live from the position.
    pub extent: Extent,
    /// Its small areas (none for a district), for travel times.
    pub members: Vec<Member>,
}

/// The district codes of the small-area file that make up `district`:
/// itself, else (formed after 2021) its predecessors.
fn parts<'a>(district: &'a str, known: &BTreeMap<&str, Vec<&SmallArea>>) -> Vec<&'a str> {
    match regions::DISTRICT_PREDECESSORS.iter().find(|(c, _)| *c == district) {
        Some((_, before)) if !known.contains_key(district) => before.to_vec(),
        _ => vec![district],
    }
}

/// An MSOA's name from one of its LSOAs' (`Halton 001A` → `Halton 001`).
fn msoa_name(lsoa: &str) -> String {
    match lsoa.strip_suffix(|c: char| c.is_ascii_uppercase()) {
        Some(stem) if stem.ends_with(|c: char| c.is_ascii_digit()) => stem.to_owned(),
        _ => lsoa.to_owned(),
    }
}

/// The small-area localities of `districts` (each with its residents by
/// band from the population file), in district order and then by code.
/// `file` names the small-area file in errors.
pub fn small_area_places(
    level: Level,
    areas: &[SmallArea],
    districts: &[&District],
    file: &std::path::Path,
) -> Result<Vec<Place>, BuildError> {
    let mut by_district: BTreeMap<&str, Vec<&SmallArea>> = BTreeMap::new();
    for a in areas {
        by_district.entry(a.district.as_str()).or_default().push(a);
    }
    let mut places = Vec::new();
    for d in districts {
        let mine: Vec<&SmallArea> = parts(&d.code, &by_district)
            .iter()
            .flat_map(|p| by_district.get(p).into_iter().flatten().copied())
            .collect();
        if mine.is_empty() {
            return Err(BuildError::file(
                file,
                format!("no small area lies in district {} ({}): no row has it as `ltla21_code`", d.code, d.name),
            ));
        }
        // Band by band to the district's residents (the whole when a band has none).
        let mut sums = [0.0; 3];
        for a in &mine {
            for (s, b) in sums.iter_mut().zip(a.bands) {
                *s += b;
            }
        }
        let total: f64 = sums.iter().sum();
        let factor: [f64; 3] = std::array::from_fn(|b| {
            if sums[b] > 0.0 {
                d.bands[b] / sums[b]
            } else if total > 0.0 {
                d.population / total
            } else {
                0.0
            }
        });
        let scaled = |a: &SmallArea| -> [f64; 3] { std::array::from_fn(|b| a.bands[b] * factor[b]) };
        let member =
            |a: &SmallArea| Member { code: a.code.clone(), position: a.position, residents: scaled(a).iter().sum() };
        match level {
            Level::District => unreachable!("district localities are not small areas"),
            Level::Lsoa => {
                let mut mine = mine;
                mine.sort_by(|a, b| a.code.cmp(&b.code));
                places.extend(mine.iter().map(|a| Place {
                    id: a.code.clone(),
                    name: a.name.clone(),
                    district: d.code.clone(),
                    position: a.position,
                    residents: scaled(a),
                    extent: Extent::Spread(0.0),
                    members: vec![member(a)],
                }));
            }
            Level::Msoa => {
                let mut msoas: BTreeMap<&str, Vec<&SmallArea>> = BTreeMap::new();
                for a in &mine {
                    msoas.entry(a.msoa.as_str()).or_default().push(a);
                }
                for (code, lsoas) in msoas {
                    let residents: Vec<[f64; 3]> = lsoas.iter().map(|a| scaled(a)).collect();
                    let weight: Vec<f64> = residents.iter().map(|r| r.iter().sum::<f64>()).collect();
                    let w: f64 = weight.iter().sum();
                    let n = lsoas.len() as f64;
                    // Weighted mean position (the plain mean when nobody lives there).
                    let mean = |f: fn(&SmallArea) -> f64| -> f64 {
                        if w > 0.0 {
                            lsoas.iter().zip(&weight).map(|(a, x)| f(a) * x).sum::<f64>() / w
                        } else {
                            lsoas.iter().map(|a| f(a)).sum::<f64>() / n
                        }
                    };
                    let centre = (mean(|a| a.position.0), mean(|a| a.position.1));
                    let points: Vec<(f64, f64)> = lsoas.iter().map(|a| a.position).collect();
                    let xy = project_latlon(&points, centre);
                    let square: f64 = if w > 0.0 {
                        xy.iter().zip(&weight).map(|((x, y), k)| (x * x + y * y) * k).sum::<f64>() / w
                    } else {
                        0.0
                    };
                    let first = lsoas.iter().min_by(|a, b| a.code.cmp(&b.code)).expect("an MSOA has an LSOA");
                    places.push(Place {
                        id: code.to_owned(),
                        name: msoa_name(&first.name),
                        district: d.code.clone(),
                        position: centre,
                        residents: std::array::from_fn(|b| residents.iter().map(|r| r[b]).sum()),
                        extent: Extent::Spread(square.sqrt()),
                        members: lsoas.iter().map(|a| member(a)).collect(),
                    });
                }
            }
        }
    }
    Ok(places)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(code: &str, msoa: &str, district: &str, position: (f64, f64), bands: [f64; 3]) -> SmallArea {
        SmallArea {
            code: code.into(),
            name: format!("{district} 001{}", &code[code.len() - 1..]),
            msoa: msoa.into(),
            district: district.into(),
            position,
            bands,
        }
    }

    fn district(code: &str, bands: [f64; 3]) -> District {
        District { code: code.into(), name: code.into(), population: bands.iter().sum(), bands, ages: Vec::new() }
    }

    #[test]
    fn msoas_keep_the_district_residents_and_sit_at_the_weighted_centre() {
        let areas = [
            area("E0100000A", "E0200001", "E06000006", (53.30, -2.70), [100.0, 300.0, 100.0]),
            area("E0100000B", "E0200001", "E06000006", (53.40, -2.70), [300.0, 900.0, 300.0]),
            area("E0100000C", "E0200002", "E06000006", (53.50, -2.70), [100.0, 100.0, 0.0]),
        ];
        // The district has 10% more children than its small areas, and 20% more adults.
        let d = district("E06000006", [550.0, 1560.0, 400.0]);
        let places = small_area_places(Level::Msoa, &areas, &[&d], std::path::Path::new("f.csv")).unwrap();
        assert_eq!(places.len(), 2);
        for b in 0..3 {
            let sum: f64 = places.iter().map(|p| p.residents[b]).sum();
            assert!((sum - d.bands[b]).abs() < 1e-9, "band {b}: {sum}");
        }
        let first = &places[0];
        assert_eq!(first.name, "E06000006 001");
        // Weights 1/4 and 3/4 (the scaling is the same in both): 53.375°N.
        assert!((first.position.0 - 53.375).abs() < 1e-12);
        // RMS distance from the centre: √(¼·(0.075°)² + ¾·(0.025°)²) of 111.2 km a degree.
        let expected =
            (0.25f64 * 0.075 * 0.075 + 0.75 * 0.025 * 0.025).sqrt() * 6371.0088 * std::f64::consts::PI / 180.0;
        match first.extent {
            Extent::Spread(s) => assert!((s - expected).abs() < 1e-9, "{s} against {expected}"),
            Extent::Area(_) => panic!("an MSOA has a spread"),
        }
    }

    #[test]
    fn a_district_formed_after_2021_takes_its_predecessors_small_areas() {
        // Cumberland (E06000063) from Allerdale, Carlisle and Copeland.
        let areas = [
            area("E0100000A", "E0200001", "E07000026", (54.6, -3.4), [1.0, 1.0, 1.0]),
            area("E0100000B", "E0200002", "E07000028", (54.9, -2.9), [1.0, 1.0, 1.0]),
            area("E0100000C", "E0200003", "E07000029", (54.5, -3.5), [1.0, 1.0, 1.0]),
        ];
        let d = district("E06000063", [3.0, 3.0, 3.0]);
        let places = small_area_places(Level::Lsoa, &areas, &[&d], std::path::Path::new("f.csv")).unwrap();
        assert_eq!(places.len(), 3);
        assert!(places.iter().all(|p| p.district == "E06000063" && p.extent == Extent::Spread(0.0)));
    }

    #[test]
    fn a_district_without_small_areas_is_an_error_naming_it() {
        let d = district("E06000049", [1.0, 1.0, 1.0]);
        let e = small_area_places(Level::Msoa, &[], &[&d], std::path::Path::new("small.csv")).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("small.csv") && text.contains("E06000049"), "{text}");
    }
}
