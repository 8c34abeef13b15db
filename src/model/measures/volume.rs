//! Units below their service's minimum safe volume: for every service with
//! a minimum (`services.<id>.min_safe_volume`, and `min_safe_volume_routine`
//! for units of the routine level), how many open units treated fewer
//! episodes than their level's over the last year of the run, which, and what
//! share of the year's episodes they treated. The outcome model raises
//! their patients' risk (`outcome.volume`); this says how many there are,
//! so a configuration that closes or concentrates units shows the volumes
//! it leaves.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::World;
use crate::model::provider::ProviderState;

/// One service's units against its minimum safe volume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    /// The minimum safe volume, episodes a year (of a unit of the complex level).
    pub minimum: f64,
    /// The minimum of a unit of the routine level.
    pub minimum_routine: f64,
    /// Open units of the service at the end of the run.
    pub units: u32,
    /// Units that treated fewer episodes than the minimum over the last
    /// 52 weeks.
    pub below_minimum: u32,
    /// Share of the last 52 weeks' episodes treated at those units (`null`
    /// with no episodes).
    pub episodes_below_share: Option<f64>,
    /// The providers whose units are below the minimum, by id.
    pub providers_below: Vec<String>,
}

/// Every service with a minimum safe volume, at the end of a run.
pub fn volumes(world: &World, providers: &[ProviderState]) -> BTreeMap<String, Volume> {
    world
        .service_ids()
        .filter(|s| world.services[s.index()].min_safe_volume.iter().any(|&m| m > 0.0))
        .map(|s| {
            let minimums = world.services[s.index()].min_safe_volume;
            let mut v = Volume { minimum: minimums[1], minimum_routine: minimums[0], ..Volume::default() };
            let (mut all, mut below) = (0u64, 0u64);
            for (p, state) in world.providers.iter().zip(providers) {
                let Some(u) = state.units[s.index()].as_ref().filter(|_| state.open) else { continue };
                let n = u.annual_volume();
                v.units += 1;
                all += n;
                if (n as f64) < minimums[u.capability.level()] {
                    v.below_minimum += 1;
                    below += n;
                    v.providers_below.push(p.id.clone());
                }
            }
            v.episodes_below_share = (all > 0).then(|| below as f64 / all as f64);
            (world.services[s.index()].id.clone(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::model::Scenario;

    /// Two providers of one elective service with a minimum of 1,000 a year:
    /// one with capacity for about 1,560 a year, one for about 520.
    #[test]
    fn the_small_unit_is_counted_below_the_minimum() {
        let v = serde_json::json!({
            "name": "volumes",
            "time": {"horizon_weeks": 52, "warmup_weeks": 52},
            "localities": [{"id": "l", "position": {"x": 0, "y": 0}, "population": 100000,
                            "age_mix": {"children": 0, "adults": 1, "older": 0}}],
            "services": {"s": {"urgency": "emergency", "referral_rate": {"adults": 20.8},
                               "complex_share": 0, "tariff": 1000, "min_safe_volume": 1000}},
            "providers": [
                {"id": "big", "kind": "dgh", "position": {"x": 1, "y": 0}, "services": {"s": {"capacity": 30}}},
                {"id": "small", "kind": "dgh", "position": {"x": 2, "y": 0}, "services": {"s": {"capacity": 10}}}
            ]
        });
        let s: Scenario = serde_json::from_value(v).expect("parses");
        s.validate().expect("valid");
        let out = crate::model::run(&s, 1, false);
        let vol = &out.summary.volume["s"];
        assert_eq!((vol.units, vol.minimum), (2, 1000.0));
        let treated: Vec<u64> = out.providers.iter().map(|p| p.services["s"].annual_volume).collect();
        let expected_below = treated.iter().filter(|&&n| (n as f64) < 1000.0).count() as u32;
        assert_eq!(vol.below_minimum, expected_below, "{treated:?}");
        assert!(vol.providers_below.contains(&"small".to_owned()), "{treated:?}");
        let share = treated[1] as f64 / treated.iter().sum::<u64>() as f64;
        assert!((vol.episodes_below_share.expect("episodes") - share).abs() < 1e-12);
    }

    /// A unit of the routine level is held to its level's minimum: with
    /// `min_safe_volume_routine` 0 the small routine unit is not below the
    /// minimum and its patients carry no volume term (a strong one here,
    /// `outcome.volume` 3, odds × 7 at half the minimum), while without it
    /// the same unit is below and its patients' risk rises. A negative
    /// routine minimum is refused at its path.
    #[test]
    fn a_routine_unit_is_held_to_its_own_level_s_minimum() {
        let build = |routine: Option<f64>| {
            let mut v = serde_json::json!({
                "name": "volumes by level",
                "time": {"horizon_weeks": 104, "warmup_weeks": 52},
                "outcome": {"volume": 3.0},
                "localities": [{"id": "l", "position": {"x": 0, "y": 0}, "population": 100000,
                                "age_mix": {"children": 0, "adults": 1, "older": 0}}],
                "services": {"s": {"urgency": "emergency", "referral_rate": {"adults": 20.8},
                                   "complex_share": 0, "tariff": 1000, "min_safe_volume": 1000,
                                   "baseline_risk": {"routine": 0.01, "complex": 0.05}}},
                "providers": [
                    {"id": "big", "kind": "dgh", "position": {"x": 1, "y": 0},
                     "services": {"s": {"capacity": 30, "capability": "complex"}}},
                    {"id": "small", "kind": "dgh", "position": {"x": 2, "y": 0},
                     "services": {"s": {"capacity": 10, "capability": "routine"}}}
                ]
            });
            if let Some(r) = routine {
                v["services"]["s"]["min_safe_volume_routine"] = serde_json::json!(r);
            }
            serde_json::from_value::<Scenario>(v).expect("parses")
        };
        let small_rate = |out: &crate::model::RunOutput| {
            let p = out.providers.iter().find(|p| p.id == "small").expect("small");
            let u = &p.services["s"];
            (u.adverse_rate.expect("treated"), u.treated as f64)
        };
        let held = crate::model::run(&build(Some(0.0)), 1, false);
        let vol = &held.summary.volume["s"];
        assert_eq!((vol.minimum, vol.minimum_routine, vol.below_minimum), (1000.0, 0.0, 0));
        let (rate, n) = small_rate(&held);
        assert!(n > 500.0, "{n} episodes");
        assert!((rate - 0.01).abs() < 4.0 * (0.01 * 0.99 / n).sqrt(), "no volume term: {rate}");
        let penalised = crate::model::run(&build(None), 1, false);
        assert_eq!(penalised.summary.volume["s"].providers_below, ["small"]);
        let (rate, _) = small_rate(&penalised);
        assert!(rate > 0.03, "the volume term raises the small unit's risk: {rate}");
        let problems = build(Some(-1.0)).validate().expect_err("a negative minimum");
        assert!(problems.iter().any(|p| p.path == "services.s.min_safe_volume_routine"), "{problems:?}");
    }
}
