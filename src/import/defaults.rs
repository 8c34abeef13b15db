//! Figures `ccsim scenario build` sets when the base scenario does not:
//! the eight services (sources in `configs/README.md`), and the planning
//! assumptions that turn demand and beds into capacity, staff and money.

use serde_json::{Value, json};

/// The eight services: referral rates per 1,000 residents of an age band a
/// year, staff hours per episode, costs, tariffs, risks, the general and
/// acute bed-days an episode takes ([`bed_use`]; none for neonatal cots)
/// and the yearly growth of rates per resident ([`growth`]).
pub fn services() -> Value {
    let mut v = eight();
    if let Value::Object(m) = &mut v {
        for (id, spec) in m.iter_mut() {
            if let Some((BedGroup::Adult | BedGroup::Paediatric, days)) = bed_use(id) {
                spec["bed_days"] = json!(days);
            }
            if let Some(g) = growth(id) {
                spec["growth"] = json!(g);
            }
        }
    }
    v
}

/// Yearly growth of admissions per resident beyond population size and
/// age–sex structure, England 2011–2019: the health-status and residual
/// factors (1 + H)(1 + R) − 1 of the decomposition of hospital episode
/// statistics in "Decomposing the effects of changes of population size,
/// age-sex profile, health status and residual factors on growth in hospital
/// activity in English hospitals" (elective H −0.03%, R 0.73%; non-elective
/// H 0.18%, R 1.65%; maternity H 0, R −1.02%), emergency gynaecology's the
/// non-elective figure. Neonatal and community care have no figure there:
/// none.
pub fn growth(service: &str) -> Option<f64> {
    match service {
        "elective_surgery" | "gynaecology" => Some(0.0070),
        "emergency_medicine" | "paediatrics" | "emergency_gynaecology" => Some(0.0183),
        "maternity" => Some(-0.0102),
        _ => None,
    }
}

fn eight() -> Value {
    json!({
        "maternity": {
            "name": "Maternity (births)",
            "urgency": "emergency",
            "patient_choice": true,
            "referral_rate": {"children": 0.7, "adults": 16.8, "older": 0.0},
            "complex_share": 0.15,
            "staff_hours": {"medical": 6, "nursing": 4, "midwifery": 55, "allied": 1},
            "variable_cost": 500,
            "tariff": 3700,
            "baseline_risk": {"routine": 0.004, "complex": 0.025},
            "min_safe_volume": 2000,
            "min_safe_volume_routine": 0,
            "transfers": {"routine_share": 0.219},
            "episodes_per_wte": {"midwifery": 28}
        },
        "gynaecology": {
            "name": "Gynaecology",
            "urgency": "elective",
            "referral_rate": {"children": 0.5, "adults": 15.0, "older": 12.0},
            "complex_share": 0.1,
            "staff_hours": {"medical": 4, "nursing": 10, "midwifery": 0, "allied": 2},
            "variable_cost": 350,
            "tariff": 1400,
            "baseline_risk": {"routine": 0.003, "complex": 0.03},
            "min_safe_volume": 500
        },
        "emergency_gynaecology": {
            "name": "Emergency gynaecology (admissions)",
            "urgency": "emergency",
            "referral_rate": {"children": 0.2, "adults": 2.3, "older": 0.3},
            "complex_share": 0.13,
            "staff_hours": {"medical": 4, "nursing": 10, "midwifery": 0, "allied": 1},
            "variable_cost": 300,
            "tariff": 1300,
            "baseline_risk": {"routine": 0.002, "complex": 0.02},
            "min_safe_volume": 0
        },
        "neonatal": {
            "name": "Neonatal care",
            "urgency": "emergency",
            "referral_rate": {"children": 6.7, "adults": 0.0, "older": 0.0},
            "complex_share": 0.2,
            "staff_hours": {"medical": 15, "nursing": 120, "midwifery": 0, "allied": 4},
            "variable_cost": 1200,
            "tariff": 8000,
            "baseline_risk": {"routine": 0.01, "complex": 0.08},
            "min_safe_volume": 250,
            "min_complex_volume": 200,
            "transfers": {"unplanned_share": 0.31, "risk_odds": 1.67, "basic_share": 0.13}
        },
        "paediatrics": {
            "name": "Paediatrics (emergency admissions)",
            "urgency": "emergency",
            "referral_rate": {"children": 64.0, "adults": 0.0, "older": 0.0},
            "complex_share": 0.08,
            "staff_hours": {"medical": 3, "nursing": 14, "midwifery": 0, "allied": 1},
            "variable_cost": 250,
            "tariff": 1100,
            "baseline_risk": {"routine": 0.001, "complex": 0.015},
            "min_safe_volume": 1500
        },
        "elective_surgery": {
            "name": "Elective surgery",
            "urgency": "elective",
            "referral_rate": {"children": 12.0, "adults": 55.0, "older": 190.0},
            "complex_share": 0.1,
            "staff_hours": {"medical": 4, "nursing": 12, "midwifery": 0, "allied": 3},
            "variable_cost": 450,
            "tariff": 1620,
            "baseline_risk": {"routine": 0.004, "complex": 0.03},
            "min_safe_volume": 1000
        },
        "emergency_medicine": {
            "name": "Emergency medicine (admissions)",
            "urgency": "emergency",
            "referral_rate": {"children": 0.0, "adults": 72.7, "older": 299.7},
            "complex_share": 0.06,
            "staff_hours": {"medical": 4, "nursing": 20, "midwifery": 0, "allied": 3},
            "variable_cost": 300,
            "tariff": 1590,
            "baseline_risk": {"routine": 0.025, "complex": 0.1},
            "min_safe_volume": 8000
        },
        "community_care": {
            "name": "Community and intermediate care",
            "urgency": "emergency",
            "referral_rate": {"children": 0.0, "adults": 2.0, "older": 20.0},
            "complex_share": 0.0,
            "staff_hours": {"medical": 0.5, "nursing": 12, "midwifery": 0, "allied": 8},
            "variable_cost": 150,
            "tariff": 1000,
            "baseline_risk": {"routine": 0.02, "complex": 0.05},
            "min_safe_volume": 0
        }
    })
}

/// Capacity planned over expected demand, by service (spare for peaks).
pub fn headroom(service: &str) -> f64 {
    match service {
        "maternity" | "community_care" => 1.15,
        "neonatal" => 1.30,
        "paediatrics" => 1.20,
        "emergency_medicine" | "emergency_gynaecology" => 1.12,
        _ => 1.03,
    }
}

/// Which of a trust's bed counts a service uses, and the bed-days an
/// episode takes (means over day cases and stays, NHS Digital Hospital
/// Episode Statistics 2022-23, rounded; emergency gynaecology's 1.5 an
/// assumption, short stays for early pregnancy loss and pelvic pain with a
/// few surgical ones): `None` where the bed file has no beds for the
/// service (maternity, community care).
pub fn bed_use(service: &str) -> Option<(BedGroup, f64)> {
    match service {
        "emergency_medicine" => Some((BedGroup::Adult, 5.5)),
        "elective_surgery" | "gynaecology" => Some((BedGroup::Adult, 1.0)),
        "emergency_gynaecology" => Some((BedGroup::Adult, 1.5)),
        "paediatrics" => Some((BedGroup::Paediatric, 1.5)),
        "neonatal" => Some((BedGroup::Neonatal, 10.0)),
        _ => None,
    }
}

/// A kind of bed in the bed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BedGroup {
    /// Adult general and acute.
    Adult,
    /// Paediatric general and acute.
    Paediatric,
    /// Neonatal intensive care.
    Neonatal,
}

/// Share of beds planned to be occupied.
pub const OCCUPANCY: f64 = 0.92;
/// How far beds may move a trust's capacity from its planned load, either way.
pub const BED_FACTOR: (f64, f64) = (0.8, 1.25);
/// How far a trust's real emergency admissions may move its emergency
/// capacity from its planned load, either way (the district rate ratios' range).
pub const ACTIVITY_FACTOR: (f64, f64) = (0.5, 2.0);
/// Adult critical care beds from which a trust takes complex adult cases.
pub const COMPLEX_CRITICAL_CARE: f64 = 15.0;
/// Neonatal intensive care cots from which a unit takes complex births and babies.
pub const COMPLEX_NICU: f64 = 8.0;
/// Residents per km² below which a district counts as rural.
pub const RURAL_DENSITY: f64 = 400.0;

/// Vacancy rates by staff group (medical, nursing, midwifery, allied):
/// nursing at the reference year's end (about 31,000 vacancies beside
/// 366,000 nurses in March 2024, NHS Vacancy Statistics as summarised by
/// the Nuffield Trust, July 2024); the others NHS England vacancy
/// statistics 2021-22 (no 2023/24 figure by group to hand).
pub const VACANCY: [f64; 4] = [0.07, 0.078, 0.08, 0.08];
/// A reported financial position of the reference year (2023/24): the
/// surplus (negative: deficit) as a share of income of a group of NHS
/// trusts, from the Nuffield Trust's analysis of the trusts' accounts
/// (February 2025: England's trusts −0.9% of income, £1.2 billion).
#[derive(Debug, Clone, Copy)]
pub struct Position {
    /// Surplus over income.
    pub margin: f64,
    /// The trusts it is of.
    pub of: &'static str,
}

impl Position {
    /// The figure and its source, for a scenario's `sources`.
    pub fn source(&self) -> String {
        format!(
            "{} {} of {:.1}% of income in 2023/24 (Nuffield Trust analysis of NHS trusts' accounts, February \
             2025; England's trusts a deficit of 0.9%, £1.2 billion)",
            self.of,
            if self.margin < 0.0 { "deficit" } else { "surplus" },
            100.0 * self.margin.abs()
        )
    }
}

/// The tariff's efficiency factor in the reference year: 1.1% (NHS Payment
/// Scheme 2023/25, 2023/24 prices; the cost uplift factor was 2.9%).
pub const EFFICIENCY_FACTOR: f64 = 0.011;

/// England's long-run growth of healthcare productivity a year: 1.0% (ONS
/// public service productivity, healthcare, England, financial years 1996
/// to 2018; the Centre for Health Economics, York, found 1.1–1.6% a year
/// for 2004/05–2013/14).
pub const PRODUCTIVITY_GROWTH: f64 = 0.010;

/// England's acute trusts' position in the reference year.
pub const ACUTE_POSITION: Position = Position { margin: -0.012, of: "England's acute trusts'" };
/// Weeks of income held as cash at the start.
pub const CASH_WEEKS: f64 = 4.0;

/// The reference year of the waiting lists: the end of 2023/24.
pub const REFERENCE_MONTH: &str = "March 2024";
/// England's RTT waiting list at the end of March 2024 (incomplete
/// pathways; NHS England, Consultant-led Referral to Treatment Waiting
/// Times, March 2024).
pub const REFERENCE_LIST: f64 = 7.54e6;
/// Its share waiting more than 18 weeks (57.2% within 18 weeks, ibid.).
pub const REFERENCE_OVER_18: f64 = 0.428;
/// Its pathways waiting more than 52 weeks (309,300, ibid.).
pub const REFERENCE_OVER_52: f64 = 309_300.0;
