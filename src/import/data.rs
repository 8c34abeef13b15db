//! The public inputs of `ccsim scenario build`, read into typed rows: ONS
//! district populations by single year of age, ONS district centroids, ONS
//! small areas, NHS hospital sites, NHS England's monthly trust bed counts
//! and RTT waiting lists (formats in `configs/source/README.md`).

use std::collections::BTreeMap;
use std::path::Path;

use super::BuildError;
use super::table::{Row, Table};

/// A local authority district.
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    /// ONS code (`E06000049`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Residents (the file's `all`).
    pub population: f64,
    /// Residents aged 0–17, 18–64 and 65+, from the single years of age.
    pub bands: [f64; 3],
    /// Residents by single year of age, 0–89 and 90+.
    pub ages: Vec<f64>,
}

/// A hospital site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// ODS site code.
    pub code: String,
    /// Site name.
    pub name: String,
    /// Parent organisation's ODS code.
    pub trust: String,
    /// Parent organisation's name.
    pub trust_name: String,
    /// Town or city of the address.
    pub city: String,
    /// The file's sector (`NHS Sector` or `Independent Sector`; not to be
    /// trusted alone: major NHS hospitals are filed as independent).
    pub sector: String,
    /// Latitude and longitude, when the file gives them.
    pub position: Option<(f64, f64)>,
    /// Line in the site file, for messages.
    pub line: u64,
    /// Where the coordinates are missing, the error to give if the site is needed.
    pub missing: Option<BuildError>,
}

/// One trust's beds in one month (`NA` read as 0).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Beds {
    /// General and acute beds, adult and paediatric.
    pub general_acute: f64,
    /// Adult general and acute beds.
    pub adult: f64,
    /// Paediatric general and acute beds.
    pub paediatric: f64,
    /// Adult critical care beds.
    pub adult_critical_care: f64,
    /// Paediatric intensive care beds.
    pub paediatric_intensive_care: f64,
    /// Neonatal intensive care cots.
    pub neonatal_intensive_care: f64,
}

impl Beds {
    /// Every kind of bed × `share` (those of a trust's beds its patients from the area use).
    pub fn scaled(&self, share: f64) -> Beds {
        Beds {
            general_acute: self.general_acute * share,
            adult: self.adult * share,
            paediatric: self.paediatric * share,
            adult_critical_care: self.adult_critical_care * share,
            paediatric_intensive_care: self.paediatric_intensive_care * share,
            neonatal_intensive_care: self.neonatal_intensive_care * share,
        }
    }
}

/// The bed file: each trust's beds in the file's latest month, and the last
/// month each trust appears in.
#[derive(Debug, Clone)]
pub struct BedData {
    /// The latest month in the file (`August 2025`).
    pub month: String,
    /// Beds by trust code in that month.
    pub latest: BTreeMap<String, Beds>,
    /// The last month with a row, by trust code.
    pub last_month: BTreeMap<String, String>,
    /// Each trust's general and acute bed occupancy over the reference year
    /// (beds occupied over beds available, summed over its months with both).
    pub occupancy: BTreeMap<String, f64>,
    /// England's over the reference year (all trusts' rows), if any.
    pub national_occupancy: Option<f64>,
    /// Each trust's mean general and acute beds over its months in 2022/23
    /// (April 2022–March 2023, the file's first year).
    pub first_year: BTreeMap<String, f64>,
}

fn district_code(row: &Row<'_>, column: &str) -> Result<String, BuildError> {
    let code = row.text(column);
    let valid =
        code.len() == 9 && code.starts_with(['E', 'W', 'S', 'N']) && code[1..].bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(code.to_owned())
    } else {
        Err(row.error(column, format!("expected an ONS district code like E06000049, found `{code}`")))
    }
}

/// Reads `code,name,all,0,1,…,89,90+`.
pub fn population(path: &Path) -> Result<BTreeMap<String, District>, BuildError> {
    let ages: Vec<String> = (0..90).map(|a| a.to_string()).chain(["90+".to_owned()]).collect();
    let mut required = vec!["code", "name", "all"];
    required.extend(ages.iter().map(String::as_str));
    let table = Table::read(path, &required)?;
    let mut out = BTreeMap::new();
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let code = district_code(&row, "code")?;
        row.first_for(&mut seen, "code", &code)?;
        let population = row.count("all")?;
        let by_age = ages.iter().map(|column| row.count(column)).collect::<Result<Vec<f64>, _>>()?;
        let bands = crate::model::input::demography::bands(&by_age);
        out.insert(code.clone(), District { code, name: row.text("name").to_owned(), population, bands, ages: by_age });
    }
    Ok(out)
}

fn latitude_longitude(row: &Row<'_>, lat: &str, lon: &str) -> Result<Option<(f64, f64)>, BuildError> {
    let (la, lo) = (row.number(lat)?, row.number(lon)?);
    match (la, lo) {
        (Some(la), Some(lo)) => {
            if !(-90.0..=90.0).contains(&la) {
                return Err(row.error(lat, format!("expected a latitude in [-90, 90], found {la}")));
            }
            if !(-180.0..=180.0).contains(&lo) {
                return Err(row.error(lon, format!("expected a longitude in [-180, 180], found {lo}")));
            }
            Ok(Some((la, lo)))
        }
        _ => Ok(None),
    }
}

/// A small area (LSOA 2011) with its population-weighted centroid.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallArea {
    /// LSOA code (`E01000001`).
    pub code: String,
    /// LSOA name (`City of London 001A`).
    pub name: String,
    /// The MSOA it lies in (`E02000001`).
    pub msoa: String,
    /// The district (2021 code) it lies in.
    pub district: String,
    /// Latitude and longitude of the population-weighted centroid.
    pub position: (f64, f64),
    /// Residents aged 0–17, 18–64 and 65+.
    pub bands: [f64; 3],
}

/// The small-area file's age bands, with the model's band each falls in.
const SMALL_AREA_BANDS: [(&str, usize); 7] = [
    ("age_0_4", 0),
    ("age_5_17", 0),
    ("age_18_44", 1),
    ("age_45_64", 1),
    ("age_65_74", 2),
    ("age_75_84", 2),
    ("age_85_plus", 2),
];

/// Reads `lsoa11_code,lsoa11_name,pwc_lon,pwc_lat,msoa11_code,ltla21_code`
/// and the seven age bands; every row must have a district, an MSOA and
/// both coordinates.
pub fn small_areas(path: &Path) -> Result<Vec<SmallArea>, BuildError> {
    let mut required = vec!["lsoa11_code", "lsoa11_name", "pwc_lon", "pwc_lat", "msoa11_code", "ltla21_code"];
    required.extend(SMALL_AREA_BANDS.iter().map(|b| b.0));
    let table = Table::read(path, &required)?;
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let code = row.text("lsoa11_code");
        if code.is_empty() {
            return Err(row.error("lsoa11_code", "expected an LSOA code like E01000001, found nothing"));
        }
        row.first_for(&mut seen, "lsoa11_code", code)?;
        let msoa = row.text("msoa11_code");
        if msoa.is_empty() {
            return Err(row.error("msoa11_code", format!("expected the MSOA of {code}, found nothing")));
        }
        let district = district_code(&row, "ltla21_code")?;
        let Some(position) = latitude_longitude(&row, "pwc_lat", "pwc_lon")? else {
            let column = if row.number("pwc_lat")?.is_none() { "pwc_lat" } else { "pwc_lon" };
            return Err(row.error(column, format!("missing coordinate of {code}")));
        };
        let mut bands = [0.0; 3];
        for (column, band) in SMALL_AREA_BANDS {
            bands[band] += row.count(column)?;
        }
        out.push(SmallArea {
            code: code.to_owned(),
            name: row.text("lsoa11_name").to_owned(),
            msoa: msoa.to_owned(),
            district,
            position,
            bands,
        });
    }
    Ok(out)
}

/// A hospital with a stroke unit (the stroke-unit list).
#[derive(Debug, Clone, PartialEq)]
pub struct StrokeUnit {
    /// Its postcode, the key of the travel file.
    pub postcode: String,
    /// Its name (`stroke_team`).
    pub name: String,
    /// Whether it is in England.
    pub england: bool,
    /// Latitude and longitude.
    pub position: (f64, f64),
    /// Line in the file, for messages.
    pub line: u64,
}

/// Reads the stroke-unit list (`postcode`, `stroke_team`, `country`,
/// `Latitude`, `Longitude`): every row, each with both coordinates.
pub fn stroke_units(path: &Path) -> Result<Vec<StrokeUnit>, BuildError> {
    let table = Table::read(path, &["postcode", "stroke_team", "country", "Latitude", "Longitude"])?;
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let postcode = row.text("postcode");
        if postcode.is_empty() {
            return Err(row.error("postcode", "expected the unit's postcode, found nothing"));
        }
        row.first_for(&mut seen, "postcode", postcode)?;
        let Some(position) = latitude_longitude(&row, "Latitude", "Longitude")? else {
            let column = if row.number("Latitude")?.is_none() { "Latitude" } else { "Longitude" };
            return Err(row.error(column, "missing coordinate"));
        };
        out.push(StrokeUnit {
            postcode: postcode.to_owned(),
            name: row.text("stroke_team").to_owned(),
            england: row.text("country") == "England",
            position,
            line: row.line,
        });
    }
    Ok(out)
}

/// Reads `code,longitude,latitude`; every row must have both.
pub fn centroids(path: &Path) -> Result<BTreeMap<String, (f64, f64)>, BuildError> {
    let table = Table::read(path, &["code", "longitude", "latitude"])?;
    let mut out = BTreeMap::new();
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let code = district_code(&row, "code")?;
        row.first_for(&mut seen, "code", &code)?;
        let Some(position) = latitude_longitude(&row, "latitude", "longitude")? else {
            let column = if row.number("latitude")?.is_none() { "latitude" } else { "longitude" };
            return Err(row.error(column, "missing coordinate"));
        };
        out.insert(code, position);
    }
    Ok(out)
}

/// Reads `code,area_km2`.
pub fn areas(path: &Path) -> Result<BTreeMap<String, f64>, BuildError> {
    let table = Table::read(path, &["code", "area_km2"])?;
    let mut out = BTreeMap::new();
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let code = district_code(&row, "code")?;
        row.first_for(&mut seen, "code", &code)?;
        let area = row.count("area_km2")?;
        if area <= 0.0 {
            return Err(row.error("area_km2", format!("expected an area > 0, found {area}")));
        }
        out.insert(code, area);
    }
    Ok(out)
}

/// Reads the NHS site list (`OrganisationCode`, `OrganisationName`,
/// `ParentODSCode`, `ParentName`, `City`, `Sector`, `Latitude`, `Longitude`; other
/// columns are ignored). A site without coordinates is kept without a position.
pub fn sites(path: &Path) -> Result<Vec<Site>, BuildError> {
    let table = Table::read(
        path,
        &[
            "OrganisationCode",
            "OrganisationName",
            "ParentODSCode",
            "ParentName",
            "City",
            "Sector",
            "Latitude",
            "Longitude",
        ],
    )?;
    let mut out = Vec::new();
    for row in table.rows() {
        let code = row.text("OrganisationCode");
        if code.is_empty() {
            return Err(row.error("OrganisationCode", "expected a site code, found nothing"));
        }
        let position = latitude_longitude(&row, "Latitude", "Longitude")?;
        let missing = position.is_none().then(|| {
            let column = if row.number("Latitude")?.is_none() { "Latitude" } else { "Longitude" };
            Ok::<_, BuildError>(row.error(column, "missing coordinate"))
        });
        out.push(Site {
            code: code.to_owned(),
            name: row.text("OrganisationName").to_owned(),
            trust: row.text("ParentODSCode").to_owned(),
            trust_name: row.text("ParentName").to_owned(),
            city: row.text("City").to_owned(),
            sector: row.text("Sector").to_owned(),
            position,
            line: row.line,
            missing: missing.transpose()?,
        });
    }
    Ok(out)
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `April 2022` as (2022, 4).
fn month(row: &Row<'_>, column: &str) -> Result<(i32, usize), BuildError> {
    let text = row.text(column);
    let parsed = text.split_once(' ').and_then(|(m, y)| {
        let m = MONTHS.iter().position(|name| name.eq_ignore_ascii_case(m.trim()))?;
        Some((y.trim().parse::<i32>().ok()?, m + 1))
    });
    parsed.ok_or_else(|| row.error(column, format!("expected a month like `April 2022`, found `{text}`")))
}

/// The reference year's months, (year, month) from and to: 2023/24.
pub const REFERENCE_YEAR: ((i32, usize), (i32, usize)) = ((2023, 4), (2024, 3));

/// Reads the monthly trust bed file: each trust's beds in the latest month,
/// and general and acute occupancy over the reference year
/// (`general_acute_beds_occupied`, optional outside it).
pub fn beds(path: &Path) -> Result<BedData, BuildError> {
    let columns = [
        "nhs_trust22_code",
        "date",
        "general_acute_beds_available",
        "general_acute_beds_occupied",
        "adult_general_acute_beds_available",
        "paediatric_general_acute_beds_available",
        "adult_critical_care_beds_available",
        "paediatric_intensive_cared_beds_available",
        "neonatal_intensive_care_bed_available",
    ];
    let table = Table::read(path, &columns)?;
    let mut rows: Vec<(String, (i32, usize), String, Beds)> = Vec::new();
    let mut occupied: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut first_year: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for row in table.rows() {
        let trust = row.text("nhs_trust22_code");
        if trust.is_empty() {
            return Err(row.error("nhs_trust22_code", "expected a trust code, found nothing"));
        }
        let when = month(&row, "date")?;
        let count = |c: &str| -> Result<f64, BuildError> {
            match row.number(c)? {
                Some(v) if v < 0.0 => Err(row.error(c, format!("expected a number ≥ 0, found {v}"))),
                v => Ok(v.unwrap_or(0.0)),
            }
        };
        let beds = Beds {
            general_acute: count(columns[2])?,
            adult: count(columns[4])?,
            paediatric: count(columns[5])?,
            adult_critical_care: count(columns[6])?,
            paediatric_intensive_care: count(columns[7])?,
            neonatal_intensive_care: count(columns[8])?,
        };
        if (REFERENCE_YEAR.0..=REFERENCE_YEAR.1).contains(&when)
            && let Some(used) = row.number("general_acute_beds_occupied")?
        {
            if used < 0.0 {
                return Err(row.error("general_acute_beds_occupied", format!("expected a number ≥ 0, found {used}")));
            }
            if beds.general_acute > 0.0 {
                let o = occupied.entry(trust.to_owned()).or_insert((0.0, 0.0));
                o.0 += used;
                o.1 += beds.general_acute;
            }
        }
        if ((2022, 4)..=(2023, 3)).contains(&when) {
            let b = first_year.entry(trust.to_owned()).or_insert((0.0, 0.0));
            b.0 += beds.general_acute;
            b.1 += 1.0;
        }
        rows.push((trust.to_owned(), when, row.text("date").to_owned(), beds));
    }
    let national = occupied.values().fold((0.0, 0.0), |(u, a), o| (u + o.0, a + o.1));
    let Some(latest) = rows.iter().map(|r| r.1).max() else {
        return Err(BuildError::file(path, "holds no rows"));
    };
    let label = |(y, m): (i32, usize)| {
        let name = MONTHS[m - 1];
        format!("{}{} {y}", name[..1].to_uppercase(), &name[1..])
    };
    let mut last: BTreeMap<String, (i32, usize)> = BTreeMap::new();
    let mut by_trust = BTreeMap::new();
    for (trust, when, _, beds) in &rows {
        let seen = last.entry(trust.clone()).or_insert(*when);
        *seen = (*seen).max(*when);
        if *when == latest {
            by_trust.insert(trust.clone(), *beds);
        }
    }
    Ok(BedData {
        month: label(latest),
        latest: by_trust,
        last_month: last.into_iter().map(|(t, w)| (t, label(w))).collect(),
        occupancy: occupied.into_iter().map(|(t, (u, a))| (t, u / a)).collect(),
        national_occupancy: (national.1 > 0.0).then(|| national.0 / national.1),
        first_year: first_year.into_iter().map(|(t, (b, n))| (t, b / n)).collect(),
    })
}

/// One provider's pathways in one RTT part and month.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pathways {
    /// Pathways.
    pub total: f64,
    /// Of which waiting (or waited) more than 18 weeks.
    pub over_18: f64,
    /// Of which more than 52 weeks.
    pub over_52: f64,
}

impl Pathways {
    fn add(&mut self, o: &Pathways) {
        self.total += o.total;
        self.over_18 += o.over_18;
        self.over_52 += o.over_52;
    }
}

/// The RTT file: each provider's admitted waiting list (`Incomplete
/// Pathways with DTA`) and whole list (`Incomplete Pathways`) in the file's
/// latest month, and England's whole and admitted lists in that month (the
/// sums over every provider).
#[derive(Debug, Clone)]
pub struct RttData {
    /// The latest month (`2021-03`).
    pub month: String,
    /// Admitted list by provider code, with the month it is from: the latest
    /// month, or the provider's own latest when it has no row then.
    pub admitted: BTreeMap<String, (String, Pathways)>,
    /// Whole list by provider code, with its month, as `admitted`.
    pub whole: BTreeMap<String, (String, Pathways)>,
    /// Provider names by code.
    pub names: BTreeMap<String, String>,
    /// England's whole list (`Incomplete Pathways`) in the latest month.
    pub national: Pathways,
    /// England's admitted list in the latest month.
    pub national_admitted: Pathways,
    /// England's admitted pathways completed in the latest month (clock
    /// stops by admission); all zero when the file has none.
    pub national_completed: Pathways,
    /// Admitted pathways completed a month by provider code: the mean over
    /// the months the provider has a row in.
    pub completed: BTreeMap<String, f64>,
}

/// The RTT part read as each provider's admitted waiting list.
pub const RTT_ADMITTED: &str = "Incomplete Pathways with DTA";
/// The RTT part that is the whole waiting list.
pub const RTT_LIST: &str = "Incomplete Pathways";
/// The RTT part counting pathways that ended in an admission in the month.
pub const RTT_COMPLETED_ADMITTED: &str = "Completed Pathways For Admitted Patients";

/// Reads NHS England's RTT statistics by provider and part (`month` as
/// `2021-03`, `provider_code`, `provider_name`, `rtt_type`, `total_pathways`,
/// `count_wait_more_18_weeks`, `count_wait_more_52_weeks`). Counts must be
/// whole numbers ≥ 0 with over 52 ≤ over 18 ≤ total; a provider and part
/// appears once a month.
pub fn rtt(path: &Path) -> Result<RttData, BuildError> {
    let columns = [
        "month",
        "provider_code",
        "provider_name",
        "rtt_type",
        "total_pathways",
        "count_wait_more_18_weeks",
        "count_wait_more_52_weeks",
    ];
    let table = Table::read(path, &columns)?;
    let mut rows: Vec<(String, String, String, Pathways)> = Vec::new();
    let mut names = BTreeMap::new();
    let mut seen = BTreeMap::new();
    for row in table.rows() {
        let month = row.year_month("month")?;
        let code = row.text("provider_code");
        if code.is_empty() {
            return Err(row.error("provider_code", "expected a provider code, found nothing"));
        }
        let part = row.text("rtt_type");
        if ![RTT_ADMITTED, RTT_LIST, RTT_COMPLETED_ADMITTED].contains(&part) {
            continue;
        }
        row.first_for(&mut seen, "provider_code", &format!("{code} {part} {month}"))?;
        let whole = |c: &str| -> Result<f64, BuildError> {
            let v = row.count(c)?;
            if v.fract() != 0.0 {
                return Err(row.error(c, format!("expected a whole number of pathways, found {v}")));
            }
            Ok(v)
        };
        let p = Pathways {
            total: whole("total_pathways")?,
            over_18: whole("count_wait_more_18_weeks")?,
            over_52: whole("count_wait_more_52_weeks")?,
        };
        if p.over_18 > p.total {
            return Err(row.error(
                "count_wait_more_18_weeks",
                format!("expected at most total_pathways ({}), found {}", p.total, p.over_18),
            ));
        }
        if p.over_52 > p.over_18 {
            return Err(row.error(
                "count_wait_more_52_weeks",
                format!("expected at most count_wait_more_18_weeks ({}), found {}", p.over_18, p.over_52),
            ));
        }
        names.insert(code.to_owned(), row.text("provider_name").to_owned());
        rows.push((month.to_owned(), code.to_owned(), part.to_owned(), p));
    }
    let Some(month) = rows.iter().map(|r| r.0.clone()).max() else {
        return Err(BuildError::file(path, format!("holds no `{RTT_LIST}` or `{RTT_ADMITTED}` rows")));
    };
    let [mut national, mut national_admitted, mut national_completed] = [Pathways::default(); 3];
    let mut admitted: BTreeMap<String, (String, Pathways)> = BTreeMap::new();
    let mut whole = admitted.clone();
    let mut completed: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (m, code, part, p) in &rows {
        if *m == month {
            match part.as_str() {
                RTT_LIST => &mut national,
                RTT_ADMITTED => &mut national_admitted,
                _ => &mut national_completed,
            }
            .add(p);
        }
        if part == RTT_COMPLETED_ADMITTED {
            let c = completed.entry(code.clone()).or_insert((0.0, 0.0));
            c.0 += p.total;
            c.1 += 1.0;
            continue;
        }
        let by_code = if part == RTT_ADMITTED { &mut admitted } else { &mut whole };
        if by_code.get(code).is_none_or(|(had, _)| m > had) {
            by_code.insert(code.clone(), (m.clone(), *p));
        }
    }
    if national.total <= 0.0 {
        return Err(BuildError::file(path, format!("no `{RTT_LIST}` pathways in {month}: England's list is needed")));
    }
    let completed = completed.into_iter().map(|(code, (sum, months))| (code, sum / months)).collect();
    Ok(RttData { month, admitted, whole, names, national, national_admitted, national_completed, completed })
}
