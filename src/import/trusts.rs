//! From sites and beds to trusts: which trusts are acute or community
//! providers, where each one's main site is, and which services it offers at
//! which level, inferred from its beds (and, for specialist trusts, its name).

use std::collections::{BTreeMap, BTreeSet};

use super::data::{Beds, Site};
use super::defaults::{COMPLEX_CRITICAL_CARE, COMPLEX_NICU};
use crate::model::scenario::{Capability, ProviderKind};

/// Words of a site name that mark a minor site (not a trust's main hospital).
const MINOR: [&str; 18] = [
    "community",
    "memorial",
    "clinic",
    "centre",
    "center",
    "unit",
    "house",
    "lodge",
    "court",
    "day hospital",
    "rehabilitation",
    "dental",
    "eye",
    "intermediate care",
    "spire",
    "nuffield",
    "bmi",
    "treatment centre",
];

/// Words of a site name that mark a main hospital.
const MAJOR: [&str; 4] = ["general", "royal", "university", "district"];

/// Whether `name` holds any of `words` (or phrases) as whole words, ignoring case.
fn has(name: &str, words: &[&str]) -> bool {
    let spaced: String = name.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    let spaced = format!(" {} ", spaced.split_whitespace().collect::<Vec<_>>().join(" "));
    words.iter().any(|w| spaced.contains(&format!(" {w} ")))
}

/// The main site of trust `trust`: `chosen` if given, else, among its
/// located sites, a major hospital (`major`: one with a stroke unit) before
/// others, its own before those of trusts it took over, then the one whose
/// name looks most like a main hospital (0: minor words such as `community`
/// or `clinic`; 2: `general`, `royal`, `university`, `district`; 1:
/// otherwise), then the lowest site code.
pub fn main_site<'a>(
    trust: &str,
    sites: &[&'a Site],
    chosen: Option<&str>,
    major: &BTreeSet<String>,
) -> Option<&'a Site> {
    let located = sites.iter().copied().filter(|s| s.position.is_some());
    if let Some(code) = chosen {
        return located.clone().find(|s| s.code == code);
    }
    let score = |s: &Site| {
        let name = if has(&s.name, &MINOR) {
            0
        } else if has(&s.name, &MAJOR) {
            2
        } else {
            1
        };
        (major.contains(&s.code), s.trust == trust, name)
    };
    located.max_by(|a, b| score(a).cmp(&score(b)).then_with(|| b.code.cmp(&a.code)))
}

/// A trust's or site's name reduced for comparison: lower case, `&` as
/// `and`, punctuation as spaces, without `NHS (Foundation) Trust` or a
/// leading `The`.
fn plain(name: &str) -> String {
    let lower = name.to_lowercase().replace('&', "and");
    let spaced: String = lower.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    let mut words: Vec<&str> = spaced.split_whitespace().collect();
    for tail in [["nhs", "foundation", "trust"].as_slice(), &["nhs", "trust"], &["foundation", "trust"]] {
        if words.ends_with(tail) {
            words.truncate(words.len() - tail.len());
            break;
        }
    }
    if words.first() == Some(&"the") {
        words.remove(0);
    }
    words.join(" ")
}

/// Independent-sector records that bear another NHS trust's name (the site
/// file has one named "Oxford University Hospitals", in Oxford, with
/// Cambridge University Hospitals as its parent): not the parent's site.
pub fn misfiled(sites: &[Site]) -> BTreeSet<usize> {
    let mut trusts: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for s in sites.iter().filter(|s| s.trust.starts_with('R')) {
        trusts.entry(plain(&s.trust_name)).or_default().insert(s.trust.as_str());
    }
    sites
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.sector == "Independent Sector"
                && trusts.get(&plain(&s.name)).is_some_and(|codes| !codes.contains(s.trust.as_str()))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Name words of trusts whose beds are for specialist elective work
/// (cardiothoracic, neurosciences, orthopaedics, cancer, eyes).
const SPECIALIST_ELECTIVE: [&str; 13] = [
    "heart",
    "chest",
    "cardiothoracic",
    "orthopaedic",
    "neurology",
    "neurosciences",
    "walton centre",
    "cancer",
    "christie",
    "marsden",
    "papworth",
    "moorfields",
    "eye",
];

/// Whether a non-acute trust is a community provider, by its name.
pub fn is_community(name: &str) -> bool {
    has(name, &["community", "health and care"])
}

/// The services an acute trust offers, from its name and beds:
/// - a children's trust: paediatrics (complex with paediatric intensive
///   care beds) and neonatal care if it has neonatal cots;
/// - a women's trust: maternity, gynaecology and emergency gynaecology
///   (complex) and neonatal care;
///   a women's and children's trust both;
/// - a specialist elective trust (heart, chest, neurosciences, orthopaedics,
///   cancer, eyes): complex elective surgery only;
/// - any other: emergency medicine, elective surgery and gynaecology
///   (complex with at least [`COMPLEX_CRITICAL_CARE`] adult critical care
///   beds), maternity and emergency gynaecology (complex) where it has
///   paediatric beds or neonatal cots,
///   paediatrics where it has paediatric beds, neonatal care where it has
///   cots, and community care where it runs a community hospital.
///
/// Neonatal care is complex (a neonatal intensive care unit) with at least
/// [`COMPLEX_NICU`] cots; maternity is complex (an obstetric unit) at every
/// trust with maternity beds; paediatrics with any paediatric intensive
/// care bed. The curated site file overrides maternity and neonatal levels
/// for the trusts it covers, and takes away a service none of a covered
/// trust's sites has the unit for (`sites::set_levels`).
pub fn acute_offers(name: &str, beds: &Beds, sites: &[&Site]) -> (ProviderKind, BTreeMap<&'static str, Capability>) {
    use Capability::{Complex, Routine};
    let level = |complex: bool| if complex { Complex } else { Routine };
    let neonatal = level(beds.neonatal_intensive_care >= COMPLEX_NICU);
    let mut offers = BTreeMap::new();
    let children = has(name, &["children", "childrens"]);
    let women = has(name, &["women", "womens"]);
    if children || women {
        if children {
            offers.insert("paediatrics", level(beds.paediatric_intensive_care > 0.0));
        }
        if women {
            offers.insert("maternity", Complex);
            offers.insert("gynaecology", Complex);
            offers.insert("emergency_gynaecology", Complex);
        }
        if beds.neonatal_intensive_care > 0.0 {
            offers.insert("neonatal", neonatal);
        }
        return (ProviderKind::Specialist, offers);
    }
    if has(name, &SPECIALIST_ELECTIVE) {
        offers.insert("elective_surgery", Complex);
        return (ProviderKind::Specialist, offers);
    }
    let adult = level(beds.adult_critical_care >= COMPLEX_CRITICAL_CARE);
    for s in ["emergency_medicine", "elective_surgery", "gynaecology"] {
        offers.insert(s, adult);
    }
    if beds.paediatric > 0.0 || beds.neonatal_intensive_care > 0.0 {
        offers.insert("maternity", Complex);
        offers.insert("emergency_gynaecology", Complex);
    }
    if beds.paediatric > 0.0 {
        offers.insert("paediatrics", level(beds.paediatric_intensive_care > 0.0));
    }
    if beds.neonatal_intensive_care > 0.0 {
        offers.insert("neonatal", neonatal);
    }
    if sites.iter().any(|s| has(&s.name, &["community hospital"])) {
        offers.insert("community_care", Routine);
    }
    (ProviderKind::Dgh, offers)
}

/// A trust's sites: its own and those of the trusts it took over
/// (`predecessors`), less the
/// sites `transfers` gives to another trust, plus those it gives to this one.
pub fn sites_of<'a>(
    code: &str,
    by_trust: &BTreeMap<&str, Vec<&'a Site>>,
    predecessors: &[&str],
    transfers: &[(&str, &str)],
) -> Vec<&'a Site> {
    let mut codes: BTreeSet<&str> = BTreeSet::from([code]);
    codes.extend(predecessors.iter().copied());
    let elsewhere = |s: &Site| transfers.iter().any(|(site, to)| *site == s.code && *to != code);
    let mut out: Vec<&Site> =
        codes.iter().flat_map(|c| by_trust.get(c).cloned().unwrap_or_default()).filter(|s| !elsewhere(s)).collect();
    for (site, to) in transfers {
        if *to == code && !out.iter().any(|s| s.code == *site) {
            out.extend(by_trust.values().flatten().filter(|s| s.code == *site).copied());
        }
    }
    out
}

/// A provider id from a trust name: lower case, words joined by hyphens,
/// without `NHS`, `Foundation`, `Trust`, `Hospital(s)` and `The`.
pub fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .replace(['\'', '’'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !matches!(w.as_str(), "nhs" | "foundation" | "trust" | "the" | "hospital" | "hospitals"))
        .collect();
    words.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::regions::{SITE_TRANSFERS, TRUST_PREDECESSORS, predecessors};

    fn site(code: &str, trust: &str) -> Site {
        Site {
            code: code.into(),
            name: code.into(),
            trust: trust.into(),
            trust_name: trust.into(),
            city: String::new(),
            sector: "NHS Sector".into(),
            position: Some((53.5, -2.2)),
            line: 1,
            missing: None,
        }
    }

    #[test]
    fn an_independent_record_bearing_another_trust_s_name_is_misfiled() {
        let named = |code: &str, name: &str, trust: &str, trust_name: &str, sector: &str| Site {
            name: name.into(),
            trust_name: trust_name.into(),
            sector: sector.into(),
            ..site(code, trust)
        };
        let sites = [
            named(
                "RTH08",
                "John Radcliffe Hospital",
                "RTH",
                "Oxford University Hospitals NHS Foundation Trust",
                "NHS Sector",
            ),
            named("RGT01", "Addenbrooke's", "RGT", "Cambridge University Hospitals NHS Foundation Trust", "NHS Sector"),
            named(
                "RGT2V",
                "Oxford University Hospitals",
                "RGT",
                "Cambridge University Hospitals NHS Foundation Trust",
                "Independent Sector",
            ),
            // Filed as independent but the trust's own hospital: kept.
            named(
                "R0A02",
                "Manchester Royal Infirmary",
                "R0A",
                "Manchester University NHS Foundation Trust",
                "Independent Sector",
            ),
            // Another trust's name on an NHS record (a community site): kept.
            named(
                "RW5LC",
                "Queen Victoria Hospital",
                "RW5",
                "Lancashire & South Cumbria NHS Foundation Trust",
                "NHS Sector",
            ),
            named(
                "RPC01",
                "Queen Victoria Hospital",
                "RPC",
                "Queen Victoria Hospital NHS Foundation Trust",
                "NHS Sector",
            ),
        ];
        assert_eq!(misfiled(&sites), BTreeSet::from([2]));
    }

    #[test]
    fn a_split_trust_s_sites_go_to_each_successor() {
        let sites = [site("RW601", "RW6"), site("RW602", "RW6"), site("RM301", "RM3"), site("R0A01", "R0A")];
        let mut by_trust: BTreeMap<&str, Vec<&Site>> = BTreeMap::new();
        for s in &sites {
            by_trust.entry(s.trust.as_str()).or_default().push(s);
        }
        let codes = |trust: &str| -> Vec<String> {
            let mut v: Vec<String> = sites_of(trust, &by_trust, predecessors(trust), &SITE_TRANSFERS)
                .iter()
                .map(|s| s.code.clone())
                .collect();
            v.sort();
            v
        };
        // Pennine Acute's sites go to the Northern Care Alliance, but North
        // Manchester General to Manchester University.
        assert_eq!(codes("RM3"), ["RM301", "RW601"]);
        assert_eq!(codes("R0A"), ["R0A01", "RW602"]);
        // Every predecessor named is another trust.
        for (to, before) in TRUST_PREDECESSORS {
            assert!(!before.contains(&to), "{to}");
        }
    }
}
