//! Units below their service's minimum safe volume: for every service with
//! a minimum (`services.<id>.min_safe_volume`), how many open units treated
//! fewer episodes than it over the last year of the run, which, and what
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
    /// The minimum safe volume, episodes a year.
    pub minimum: f64,
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
        .filter(|s| world.services[s.index()].min_safe_volume > 0.0)
        .map(|s| {
            let minimum = world.services[s.index()].min_safe_volume;
            let mut v = Volume { minimum, ..Volume::default() };
            let (mut all, mut below) = (0u64, 0u64);
            for (p, state) in world.providers.iter().zip(providers) {
                let Some(u) = state.units[s.index()].as_ref().filter(|_| state.open) else { continue };
                let n = u.annual_volume();
                v.units += 1;
                all += n;
                if (n as f64) < minimum {
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
}
