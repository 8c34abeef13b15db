//! The model can go both ways. Two documented parameter sets of West
//! Mercia, each run under competition and collaboration with common random
//! numbers:
//!
//! - **Competition wins** when pathway standardisation is weak (0.01 a
//!   period), mutual aid reaches only 1 km, cost-efficiency is cheap to
//!   achieve (φ = 1,000), billing under the tariff costs nothing and
//!   patients weigh waits strongly (β_w = 0.12 a week): the tariff's margin
//!   buys efficiency effort, choice moves patients off long lists, and the
//!   network has too little standardisation and too short a reach to lower
//!   outcomes below what choice gives. With MSOA localities, hospital
//!   sites, road travel times and the choice weights fitted to real
//!   catchments, a random search confined to standardisation ≤ 0.05, mutual
//!   aid ≤ 10 km, billing ≤ £5, φ from 500 to 2,000 and β_w from 0.02 to 0.2
//!   found competition winning on both measures at 5 of 40 points (4 seeds,
//!   5 years each); this set is one of those, made compact. Since the
//!   planner's grants are scaled by the providers' size, competition's edge
//!   on outcomes shows only over ten years, so the check runs ten.
//! - **Collaboration wins** when efficiency is hard to achieve (φ = 20,000),
//!   billing under the tariff is dear (£60 an episode) and nurses are short
//!   (half the default nursing training places and none recruited from
//!   abroad): pathway
//!   standardisation at its default, mutual aid and the planner's grants to
//!   the providers that lag lower the adverse-outcome rate, and pooling
//!   saves the billing, the wage-premium bidding for scarce staff and the
//!   agency cover it brings. Money for quality is the same share under both
//!   regimes in both sets.

use serde_json::{Value, json};

use super::{CheckResult, Kind, Settings, describe, replicate, scenario, seeds, show};
use crate::load::builtin;
use crate::model::run::{output, scenario_hash};

/// West Mercia with changed fields, under a preset, for `years`.
fn west_mercia(changes: &[(&str, Value)], preset: &str, years: u32) -> crate::model::Scenario {
    let mut v = serde_json::to_value(builtin("west-mercia").expect("built-in scenario")).expect("serialises");
    for (path, value) in changes {
        *crate::sweep::paths::get_mut(&mut v, path).expect("a known path") = value.clone();
    }
    v["regime"] = json!(preset);
    v["time"]["horizon_weeks"] = json!(years * 52);
    scenario(v)
}

/// The parameter set where competition wins.
pub fn competition_wins() -> Vec<(&'static str, Value)> {
    vec![
        ("behaviour.standardisation", json!(0.01)),
        ("network.mutual_aid_radius_km", json!(1.0)),
        ("behaviour.efficiency_cost", json!(1000.0)),
        ("finance.transaction_cost", json!(0.0)),
        ("choice.beta_wait", json!(0.12)),
    ]
}

/// The parameter set where collaboration wins.
pub fn collaboration_wins() -> Vec<(&'static str, Value)> {
    vec![
        ("behaviour.efficiency_cost", json!(20000.0)),
        ("finance.transaction_cost", json!(60.0)),
        ("workforce.labour.markets.nursing.training.places_per_staff", json!(0.0435)),
        ("workforce.labour.markets.nursing.international.per_staff", json!(0.0)),
    ]
}

fn one_way(id: &str, name: &str, changes: &[(&str, Value)], sign: f64, check: u64, settings: Settings) -> CheckResult {
    // Ten years in the quick suite too: competition's edge on outcomes builds
    // over the years (5 years leave it inside the noise of 4 seeds).
    let years = 10;
    let seeds = seeds(check, settings.pick(4, 12));
    let figures = |preset: &str| {
        let s = west_mercia(changes, preset, years);
        let hash = scenario_hash(&s);
        replicate(&s, &seeds, |mut sim| {
            sim.run_to_end();
            let o = output(&sim, hash.clone(), 0).summary;
            (o.outcomes.overall.adverse_rate.unwrap_or(0.0), o.finance.cost_per_episode.unwrap_or(0.0))
        })
    };
    let (comp, collab) = (figures("competition"), figures("collaboration"));
    let adverse = describe(&collab.iter().zip(&comp).map(|(b, a)| b.0 - a.0).collect::<Vec<_>>());
    let cost = describe(&collab.iter().zip(&comp).map(|(b, a)| b.1 - a.1).collect::<Vec<_>>());
    let wins = |s: &crate::sweep::stats::Stat| {
        let [lo, hi] = s.ci95.unwrap_or([s.mean, s.mean]);
        if sign > 0.0 { lo > 0.0 } else { hi < 0.0 }
    };
    CheckResult {
        id: id.into(),
        name: name.into(),
        kind: Kind::BothWays,
        expected: if sign > 0.0 {
            "collaboration − competition > 0 in both"
        } else {
            "collaboration − competition < 0 in both"
        }
        .into(),
        simulated: format!("adverse rate {}; cost per episode £{}", show(&adverse, 5), show(&cost, 1)),
        tolerance: "both paired differences' 95% CIs on the stated side of zero".into(),
        pass: wins(&adverse) && wins(&cost),
    }
}

/// The both-ways checks.
pub fn checks(settings: Settings) -> Vec<CheckResult> {
    vec![
        one_way(
            "both_ways.competition",
            "west-mercia, weak standardisation, 1 km mutual aid, cheap efficiency, free billing, waits weighed: competition wins on outcomes and cost",
            &competition_wins(),
            1.0,
            60,
            settings,
        ),
        one_way(
            "both_ways.collaboration",
            "west-mercia, costly efficiency, £60 billing, half the nursing inflow: collaboration wins on outcomes and cost",
            &collaboration_wins(),
            -1.0,
            61,
            settings,
        ),
    ]
}
