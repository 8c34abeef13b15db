//! Which of a trust's hospitals sees which service: the curated site file
//! (`configs/source/site_services.csv`), one row per hospital site with its
//! emergency department, obstetric unit, neonatal unit level, inpatient
//! paediatrics and planned surgery, each with a stated source.
//!
//! The model's services map to them as: `emergency_medicine` at sites with
//! an (adult) emergency department, `maternity` at obstetric units,
//! `neonatal` at neonatal units of any level, `paediatrics` at inpatient
//! paediatric wards, `elective_surgery` at sites doing planned surgery, and
//! `gynaecology` at the trust's obstetric units (at its planned-surgery sites
//! when it has none), and `emergency_gynaecology` at obstetric units alone:
//! acute gynaecology is covered by the obstetrics and gynaecology on-call
//! team, which is where births are. Other services (community care) stay at
//! the trust's main site.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::BuildError;
use super::table::{Row, Table};
use crate::model::scenario::Capability;

/// Neonatal unit levels, lowest first (BAPM): special care unit, local
/// neonatal unit, neonatal intensive care unit.
pub const NEONATAL_LEVELS: [&str; 3] = ["SCU", "LNU", "NICU"];

/// One curated hospital site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteServices {
    /// The trust's ODS code.
    pub trust: String,
    /// The site's ODS code.
    pub site: String,
    /// A type 1 emergency department for adults.
    pub emergency_department: bool,
    /// A consultant-led obstetric unit.
    pub obstetric_unit: bool,
    /// The neonatal unit's level, if any.
    pub neonatal_unit: Option<&'static str>,
    /// Inpatient paediatric beds.
    pub inpatient_paediatrics: bool,
    /// Planned (elective) surgery.
    pub elective_surgery: bool,
    /// Line in the file, for messages.
    pub line: u64,
    /// The error to give if the site is not one of the trust's located sites
    /// (at the row's `site` field).
    pub not_found: BuildError,
}

fn yes_no(row: &Row<'_>, column: &str) -> Result<bool, BuildError> {
    match row.text(column).to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(row.error(column, format!("expected `yes` or `no`, found `{other}`"))),
    }
}

/// Reads the curated file; every row must name its source.
pub fn read(path: &Path) -> Result<Vec<SiteServices>, BuildError> {
    let columns = [
        "trust",
        "site",
        "emergency_department",
        "obstetric_unit",
        "neonatal_unit",
        "inpatient_paediatrics",
        "elective_surgery",
        "source",
    ];
    let table = Table::read(path, &columns)?;
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let (trust, site) = (row.text("trust"), row.text("site"));
        if trust.is_empty() {
            return Err(row.error("trust", "expected a trust code, found nothing"));
        }
        if site.is_empty() {
            return Err(row.error("site", "expected a site code, found nothing"));
        }
        row.first_for(&mut seen, "site", site)?;
        let level = row.text("neonatal_unit");
        let neonatal_unit = match NEONATAL_LEVELS.iter().find(|l| l.eq_ignore_ascii_case(level)) {
            Some(l) => Some(*l),
            None if level.eq_ignore_ascii_case("none") => None,
            None => {
                return Err(row.error("neonatal_unit", format!("expected SCU, LNU, NICU or none, found `{level}`")));
            }
        };
        if row.text("source").is_empty() {
            return Err(row.error("source", "expected where the row's facts come from, found nothing"));
        }
        out.push(SiteServices {
            trust: trust.to_owned(),
            site: site.to_owned(),
            emergency_department: yes_no(&row, "emergency_department")?,
            obstetric_unit: yes_no(&row, "obstetric_unit")?,
            neonatal_unit,
            inpatient_paediatrics: yes_no(&row, "inpatient_paediatrics")?,
            elective_surgery: yes_no(&row, "elective_surgery")?,
            line: row.line,
            not_found: row.error(
                "site",
                format!(
                    "`{site}` is not a site of trust {trust} (or of a trust it took over) with coordinates in the site list"
                ),
            ),
        });
    }
    Ok(out)
}

/// The model services each of a trust's curated sites sees, by the rules
/// above, among those the trust offers (sites seeing none are left out).
pub fn services_at<'a>(
    rows: &[&'a SiteServices],
    offers: &[&'static str],
) -> Vec<(&'a SiteServices, Vec<&'static str>)> {
    let any_obstetric = rows.iter().any(|r| r.obstetric_unit);
    rows.iter()
        .map(|r| {
            let here: Vec<&'static str> = offers.iter().copied().filter(|s| sees(r, s, any_obstetric)).collect();
            (*r, here)
        })
        .filter(|(_, here)| !here.is_empty())
        .collect()
}

/// Whether a curated site sees `service` by the rules above; `any_obstetric`:
/// whether any of its trust's sites has an obstetric unit (gynaecology goes
/// to the planned-surgery sites of a trust without one).
fn sees(r: &SiteServices, service: &str, any_obstetric: bool) -> bool {
    match service {
        "emergency_medicine" => r.emergency_department,
        "maternity" => r.obstetric_unit,
        "neonatal" => r.neonatal_unit.is_some(),
        "paediatrics" => r.inpatient_paediatrics,
        "elective_surgery" => r.elective_surgery,
        "gynaecology" => r.obstetric_unit || (!any_obstetric && r.elective_surgery),
        "emergency_gynaecology" => r.obstetric_unit,
        _ => false,
    }
}

/// A curated trust's maternity and neonatal care as its sites' units say:
/// maternity and emergency gynaecology (complex: an obstetric unit, and the
/// on-call team that operates on an ectopic pregnancy) where one of them
/// has an obstetric unit, neonatal care where one has a neonatal unit, at its
/// highest unit's level: complex for a neonatal intensive care unit,
/// routine for a local neonatal unit, basic for a special care unit when
/// the scenario's neonatal care has three levels (`neonatal_basic`) and
/// routine otherwise; neither where none has one. Only services in `built`
/// (the scenario's) are added. Emergency medicine,
/// paediatrics, elective surgery and gynaecology keep the level the beds
/// gave them, but a trust none of whose sites has the unit they need (an
/// emergency department, inpatient paediatrics, planned surgery, an
/// obstetric unit or planned surgery) does not offer them.
pub fn set_levels(
    rows: &[&SiteServices],
    built: &BTreeSet<String>,
    neonatal_basic: bool,
    offers: &mut BTreeMap<&'static str, Capability>,
) {
    let any_obstetric = rows.iter().any(|r| r.obstetric_unit);
    for service in ["emergency_medicine", "paediatrics", "elective_surgery", "gynaecology"] {
        if !rows.iter().any(|r| sees(r, service, any_obstetric)) {
            offers.remove(service);
        }
    }
    let obstetric = rows.iter().any(|r| r.obstetric_unit).then_some(Capability::Complex);
    let neonatal = rows.iter().filter_map(|r| r.neonatal_unit).map(|l| neonatal_level(l, neonatal_basic)).max();
    for (service, level) in [("maternity", obstetric), ("emergency_gynaecology", obstetric), ("neonatal", neonatal)] {
        match level {
            Some(level) if built.contains(service) => {
                offers.insert(service, level);
            }
            _ => {
                offers.remove(service);
            }
        }
    }
}

/// The level of a neonatal unit (`SCU`, `LNU` or `NICU`): complex for a
/// neonatal intensive care unit, routine for a local neonatal unit, basic
/// for a special care unit when the scenario's neonatal care has three
/// levels (`three_levels`) and routine otherwise.
fn neonatal_level(unit: &str, three_levels: bool) -> Capability {
    match NEONATAL_LEVELS.iter().position(|x| *x == unit) {
        Some(2) => Capability::Complex,
        Some(0) if three_levels => Capability::Basic,
        _ => Capability::Routine,
    }
}

/// A curated site's own levels where they are below its trust's (`offers`,
/// as [`set_levels`] left them): a neonatal unit below the trust's highest
/// (Ormskirk's special care unit beside Whiston's local neonatal unit).
/// The file says nothing of midwife-led units, so maternity has none.
pub fn site_levels(
    row: &SiteServices,
    offers: &BTreeMap<&'static str, Capability>,
    neonatal_basic: bool,
) -> BTreeMap<&'static str, Capability> {
    let mut out = BTreeMap::new();
    if let (Some(unit), Some(&trust)) = (row.neonatal_unit, offers.get("neonatal")) {
        let level = neonatal_level(unit, neonatal_basic);
        if level < trust {
            out.insert("neonatal", level);
        }
    }
    out
}

/// Rows for a trust the curated file does not cover: each of its major
/// hospitals (`major`) sees all its services (an emergency department,
/// obstetric, neonatal, paediatric and planned-surgery units). Empty when
/// it has no major hospital, so that everything stays at its main site.
pub fn from_major(
    trust: &str,
    sites: &[super::data::Site],
    major: &std::collections::BTreeSet<String>,
) -> Vec<SiteServices> {
    sites
        .iter()
        .filter(|s| major.contains(&s.code) && s.position.is_some())
        .map(|s| SiteServices {
            trust: trust.to_owned(),
            site: s.code.clone(),
            emergency_department: true,
            obstetric_unit: true,
            neonatal_unit: Some(NEONATAL_LEVELS[0]),
            inpatient_paediatrics: true,
            elective_surgery: true,
            line: s.line,
            not_found: BuildError::Input(format!("{} is not a located site of trust {trust}", s.code)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(site: &str, ed: bool, obstetric: bool, elective: bool) -> SiteServices {
        SiteServices {
            trust: "T".into(),
            site: site.into(),
            emergency_department: ed,
            obstetric_unit: obstetric,
            neonatal_unit: obstetric.then_some("LNU"),
            inpatient_paediatrics: obstetric,
            elective_surgery: elective,
            line: 2,
            not_found: BuildError::Input(format!("{site} is not a site of T")),
        }
    }

    #[test]
    fn the_highest_neonatal_unit_sets_the_level_and_an_obstetric_unit_makes_maternity_complex() {
        let built: BTreeSet<String> = ["maternity", "neonatal"].map(String::from).into();
        let (mut a, mut b) = (row("A", true, true, true), row("B", false, false, true));
        a.neonatal_unit = Some("SCU");
        b.neonatal_unit = Some("NICU");
        let mut offers =
            BTreeMap::from([("maternity", Capability::Routine), ("elective_surgery", Capability::Complex)]);
        set_levels(&[&a, &b], &built, false, &mut offers);
        assert_eq!(offers["maternity"], Capability::Complex);
        assert_eq!(offers["neonatal"], Capability::Complex, "a trust with one intensive care unit is complex");
        b.neonatal_unit = Some("LNU");
        set_levels(&[&a, &b], &built, false, &mut offers);
        assert_eq!(offers["neonatal"], Capability::Routine);
        // A special care unit alone: the basic level where neonatal care has three.
        a.neonatal_unit = Some("SCU");
        b.neonatal_unit = None;
        set_levels(&[&a, &b], &built, true, &mut offers);
        assert_eq!(offers["neonatal"], Capability::Basic);
        set_levels(&[&a, &b], &built, false, &mut offers);
        assert_eq!(offers["neonatal"], Capability::Routine, "two levels: a special care unit is routine");
        b.neonatal_unit = Some("LNU");
        set_levels(&[&a, &b], &built, true, &mut offers);
        assert_eq!(offers["neonatal"], Capability::Routine, "a trust with a local neonatal unit is routine");
        // Its special care unit keeps its own level at its site; with two levels it has none below.
        assert_eq!(site_levels(&a, &offers, true), BTreeMap::from([("neonatal", Capability::Basic)]));
        assert!(site_levels(&b, &offers, true).is_empty(), "the local unit is at the trust's level");
        assert!(site_levels(&a, &offers, false).is_empty(), "two levels: a special care unit is routine");
        assert!(site_levels(&row("E", true, false, true), &offers, true).is_empty(), "no unit, no level");
        // No unit: the service goes, whatever the beds said; others stay.
        let c = row("C", true, false, true);
        set_levels(&[&c], &built, false, &mut offers);
        assert!(!offers.contains_key("maternity") && !offers.contains_key("neonatal"));
        assert_eq!(offers["elective_surgery"], Capability::Complex);
        // No emergency department or planned surgery on any site: neither service.
        let d = row("D", false, false, false);
        offers.insert("emergency_medicine", Capability::Routine);
        set_levels(&[&d], &built, false, &mut offers);
        assert!(!offers.contains_key("emergency_medicine") && !offers.contains_key("elective_surgery"));
        offers.insert("emergency_medicine", Capability::Complex);
        set_levels(&[&a], &built, false, &mut offers);
        assert_eq!(offers["emergency_medicine"], Capability::Complex, "a site with one keeps the beds' level");
        // A service the scenario leaves out is never added.
        let only: BTreeSet<String> = ["maternity"].map(String::from).into();
        set_levels(&[&a, &b], &only, false, &mut offers);
        assert!(offers.contains_key("maternity") && !offers.contains_key("neonatal"));
    }

    #[test]
    fn services_follow_the_units_on_each_site() {
        let (a, b, c) = (row("A", true, false, true), row("B", false, true, false), row("C", false, false, false));
        let offers =
            ["elective_surgery", "emergency_medicine", "gynaecology", "maternity", "neonatal", "community_care"];
        let got = services_at(&[&a, &b, &c], &offers);
        assert_eq!(got.len(), 2, "a site seeing nothing the trust offers is left out");
        assert_eq!(got[0].1, vec!["elective_surgery", "emergency_medicine"]);
        assert_eq!(got[1].1, vec!["gynaecology", "maternity", "neonatal"]);
        // Without an obstetric unit, gynaecology goes where planned surgery is.
        let got = services_at(&[&a], &offers);
        assert_eq!(got[0].1, vec!["elective_surgery", "emergency_medicine", "gynaecology"]);
    }
}
