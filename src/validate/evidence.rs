//! The direction of published NHS evidence, with the model's defaults.
//!
//! - Cooper et al. (2011) and Gaynor, Moreno-Serra & Propper (2013): after
//!   the 2006 choice reform, under fixed prices, mortality fell faster in
//!   more competitive markets. Here: one town served by 1, 2 or 4 identical
//!   providers within reach, under competition; more providers should give
//!   a lower adverse-outcome rate.
//! - Gaynor, Laudicella & Propper (2012): hospital mergers did not improve
//!   outcomes (activity and staffing fell, waits rose). Here: the duopoly
//!   with one provider merged into the other from the start, against the
//!   same duopoly unmerged; the merged market should not have a lower rate.
//!
//! These checks report whether the model agrees; they never fail the suite.

use serde_json::{Value, json};

use super::quality::duopoly;
use super::{CheckResult, Kind, Settings, describe, replicate, scenario, seeds, show};
use crate::model::Scenario;
use crate::model::run::{output, scenario_hash};

/// One town of 300,000 at the centre of `n` identical providers 8 km away,
/// each with the duopoly's elective service and a share of its capacity and staff.
fn market(n: usize, years: u32) -> Scenario {
    let mut v = duopoly();
    let template: Value = v["providers"][0].clone();
    let capacity = 2.0 * template["services"]["elective_surgery"]["capacity"].as_f64().unwrap_or(0.0) / n as f64;
    let providers: Vec<Value> = (0..n)
        .map(|i| {
            let angle = std::f64::consts::TAU * i as f64 / n as f64;
            let mut p = template.clone();
            p["id"] = json!(format!("p{i}"));
            p["name"] = json!(format!("Provider {i}"));
            p["position"] = json!({"x": 8.0 * angle.cos(), "y": 8.0 * angle.sin()});
            p["services"]["elective_surgery"]["capacity"] = json!(capacity);
            for group in ["medical", "nursing", "midwifery", "allied"] {
                for field in ["in_post", "establishment"] {
                    if let Some(x) = p["staff"][group][field].as_f64() {
                        p["staff"][group][field] = json!(x * 2.0 / n as f64);
                    }
                }
            }
            p["fixed_cost"] = json!(p["fixed_cost"].as_f64().unwrap_or(0.0) * 2.0 / n as f64);
            p
        })
        .collect();
    v["localities"] =
        json!([{"id": "town", "position": {"x": 0.0, "y": 0.0}, "population": 300000.0, "area_km2": 150.0}]);
    v["providers"] = json!(providers);
    v["time"]["horizon_weeks"] = json!(years * 52);
    scenario(v)
}

fn adverse_rates(s: &Scenario, check: u64, settings: Settings) -> Vec<f64> {
    let hash = scenario_hash(s);
    replicate(s, &seeds(check, settings.pick(6, 30)), |mut sim| {
        sim.run_to_end();
        output(&sim, hash.clone(), 0).summary.outcomes.overall.adverse_rate.unwrap_or(0.0)
    })
}

/// The evidence checks.
pub fn checks(settings: Settings) -> Vec<CheckResult> {
    let years = settings.pick(5, 10);
    let rates: Vec<Vec<f64>> = [1, 2, 4].iter().map(|&n| adverse_rates(&market(n, years), 50, settings)).collect();
    let stats: Vec<_> = rates.iter().map(|r| describe(r)).collect();
    let paired = describe(&rates[2].iter().zip(&rates[0]).map(|(four, one)| four - one).collect::<Vec<_>>());
    let competition = CheckResult {
        id: "evidence.competition".into(),
        name: "adverse-outcome rate with 1, 2 and 4 providers within reach, under competition \
               (Cooper et al. 2011; Gaynor, Moreno-Serra & Propper 2013)"
            .into(),
        kind: Kind::Evidence,
        expected: "lower with more providers".into(),
        simulated: format!(
            "{} / {} / {}; 4 minus 1: {}",
            show(&stats[0], 5),
            show(&stats[1], 5),
            show(&stats[2], 5),
            show(&paired, 5)
        ),
        tolerance: "the paired difference's 95% CI below zero".into(),
        pass: paired.ci95.map_or(paired.mean < 0.0, |c| c[1] < 0.0),
    };

    let mut merged = duopoly();
    merged["time"]["horizon_weeks"] = json!(years * 52);
    let mut separate = merged.clone();
    merged["timeline"] = json!([{"week": 0, "set": "close.b", "value": true}]);
    separate["timeline"] = json!([]);
    let (apart, together) =
        (adverse_rates(&scenario(separate), 51, settings), adverse_rates(&scenario(merged), 51, settings));
    let diff = describe(&together.iter().zip(&apart).map(|(m, s)| m - s).collect::<Vec<_>>());
    let merger = CheckResult {
        id: "evidence.merger".into(),
        name:
            "the duopoly merged into one provider from the start, against unmerged (Gaynor, Laudicella & Propper 2012)"
                .into(),
        kind: Kind::Evidence,
        expected: "no improvement in outcomes".into(),
        simulated: format!(
            "{} merged vs {} apart; difference {}",
            show(&describe(&together), 5),
            show(&describe(&apart), 5),
            show(&diff, 5)
        ),
        tolerance: "the difference's 95% CI not wholly below zero".into(),
        pass: diff.ci95.map_or(diff.mean >= 0.0, |c| c[1] >= 0.0),
    };
    vec![competition, merger]
}
