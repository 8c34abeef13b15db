//! The population model: the life table and fertility schedule against
//! England's real deaths and births, residents and referrals growing as the
//! projection says, the budget following them, and bad demography refused
//! by field.

use ccsim::model::input::demography::{AGES, DemographySpec, bands};
use serde_json::{Value, json};

use crate::common::{elective_service, frozen, run, scenario};

/// England's residents by single year of age, mid-2023 (the ONS file's
/// 296 English districts, all in the test extract).
fn england() -> Vec<f64> {
    let path = std::path::Path::new("tests/data/ons-nhs/lad_population_single_year_age_mye.csv");
    let districts = ccsim::import::data::population(path).expect("the extract reads");
    let mut ages = vec![0.0; AGES];
    for d in districts.values().filter(|d| d.code.starts_with('E')) {
        ages.iter_mut().zip(&d.ages).for_each(|(a, n)| *a += n);
    }
    ages
}

#[test]
fn the_life_table_and_fertility_give_englands_deaths_and_births() {
    let ages = england();
    let total: f64 = ages.iter().sum();
    assert!((total - 57.69e6).abs() < 0.1e6, "England mid-2023: {total}");
    let d = DemographySpec::default();
    let year = &d.project(&d.life_table(), &ages, 0)[0];
    // ONS: 544,054 deaths registered in England in 2023. The table is
    // fitted to life expectancy only, so this is a check, not an echo.
    let deaths = year.deaths;
    assert!((deaths / 544_054.0 - 1.0).abs() < 0.08, "deaths {deaths:.0} against 544,054");
    // ONS: 591,072 live births in England and Wales in 2023, England's
    // share by residents (57.7 of 60.9 million) about 560,000.
    let births = year.births;
    assert!((births / 560_000.0 - 1.0).abs() < 0.10, "births {births:.0} against about 560,000");
}

/// One locality in district `D` whose residents are all aged 65+ (so the
/// older band's growth is the whole locality's), referred to one emergency
/// service at `growth` a year per resident, frozen, 10 years without warm-up.
fn ageing(growth: f64) -> (Value, Vec<f64>) {
    let ages = england();
    let older: f64 = bands(&ages)[2];
    let mut service = elective_service(0.0);
    service["urgency"] = json!("emergency");
    service["referral_rate"] = json!({"older": 100.0});
    service["growth"] = json!(growth);
    let v = frozen(json!({
        "name": "ageing",
        "time": {"horizon_weeks": 520, "warmup_weeks": 0},
        "localities": [{
            "id": "l", "district": "D", "position": {"x": 0.0, "y": 0.0},
            "population": older / 100.0,
            "age_mix": {"children": 0.0, "adults": 0.0, "older": 1.0}
        }],
        "services": {"emergency": service},
        "providers": [{
            "id": "p", "kind": "dgh", "position": {"x": 0.0, "y": 0.0},
            "services": {"emergency": {"capability": "complex", "capacity": 1.0e6}}
        }],
        "demography": {"districts": {"D": ages.clone()}}
    }));
    (v, ages)
}

#[test]
fn referrals_and_the_budget_follow_the_projection_year_by_year() {
    let g = 0.02;
    let (v, ages) = ageing(g);
    let s = scenario(v);
    let growth: Vec<f64> = s.demography.band_growth(9)["D"].iter().map(|b| b[2]).collect();
    assert!(growth[9] > 1.1, "England's 65+ grow by more than a tenth in nine years: {}", growth[9]);
    let out = ccsim::model::run(&s, 7, true);
    let arrived = &out.timeseries.as_ref().expect("series").arrived;
    // 576,000 × 100 per 1,000 a year: about 1,100 referrals a week.
    let per_resident = 100.0 / 1000.0 / 52.0;
    let start = bands(&ages)[2] / 100.0;
    for year in [0usize, 4, 9] {
        let got: f64 = arrived[year * 52..(year + 1) * 52].iter().map(|&n| n as f64).sum();
        let want = 52.0 * start * per_resident * growth[year] * (1.0 + g).powi(year as i32);
        // Poisson: sd √57,000 ≈ 240, 0.4%; four sd.
        assert!((got / want - 1.0).abs() < 0.017, "year {year}: {got} referrals, expected {want:.0}");
    }
    // The commissioner's budget: the tariff value of the expected referrals, year by year.
    let budget: f64 =
        (0..10).map(|y| 52.0 * start * per_resident * growth[y] * (1.0 + g).powi(y as i32) * 1000.0).sum();
    let paid = out.summary.finance.commissioner_budget.as_pounds();
    assert!((paid / budget - 1.0).abs() < 1e-9, "budget {paid} against {budget}");
    let p = out.summary.population.as_ref().expect("a growing population is reported");
    assert!((p.at_end[2] / (start * growth[9]) - 1.0).abs() < 1e-12, "{:?}", p.at_end);
    assert!((p.rate_growth["emergency"] - (1.0 + g).powi(9)).abs() < 1e-12);

    // Without demography or growth nothing changes and nothing is reported.
    let (mut still, _) = ageing(0.0);
    still.as_object_mut().expect("object").remove("demography");
    let out = run(&scenario(still), 7);
    assert!(out.summary.population.is_none());
}

#[test]
fn bad_demography_is_refused_by_field() {
    let problems = |edit: &dyn Fn(&mut Value)| -> Vec<String> {
        let (mut v, _) = ageing(0.0);
        edit(&mut v);
        let s: ccsim::model::Scenario = serde_json::from_value(v).expect("parses");
        s.validate().expect_err("refused").iter().map(ToString::to_string).collect()
    };
    let short = problems(&|v| v["demography"]["districts"]["D"] = json!([1.0, 2.0]));
    assert!(short.iter().any(|p| p.contains("`demography.districts.D`") && p.contains("91")), "{short:?}");
    let negative = problems(&|v| v["demography"]["districts"]["D"][40] = json!(-3.0));
    assert!(negative.iter().any(|p| p.contains("`demography.districts.D[40]`")), "{negative:?}");
    let stranger = problems(&|v| v["demography"]["districts"]["X"] = json!(vec![1.0; AGES]));
    assert!(stranger.iter().any(|p| p.contains("no locality lies in district `X`")), "{stranger:?}");
    let missing = problems(&|v| v["localities"][0]["district"] = json!("E"));
    assert!(missing.iter().any(|p| p.contains("`localities[0].district`") && p.contains("`E`")), "{missing:?}");
    let impossible = problems(&|v| v["demography"]["life_expectancy_at_65"] = json!(39.0));
    assert!(impossible.iter().any(|p| p.contains("`demography.life_expectancy_at_")), "{impossible:?}");
    let fast = problems(&|v| v["services"]["emergency"]["growth"] = json!(0.5));
    assert!(fast.iter().any(|p| p.contains("`services.emergency.growth`")), "{fast:?}");
}
