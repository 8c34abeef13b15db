//! Units below their service's minimum safe volume: for every service with
//! a minimum (`services.<id>.min_safe_volume`, and `min_safe_volume_routine`
//! for units of the routine level), how many open units treated fewer
//! episodes than their level's over the last year of the run, which, and what
//! share of the year's episodes they treated. The outcome model raises
//! their patients' risk (`outcome.volume`); this says how many there are,
//! so a configuration that closes or concentrates units shows the volumes
//! it leaves. A service with a minimum for complex cases
//! (`min_complex_volume`) is reported the same way for its units of the
//! complex level on their complex episodes (`complex`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::World;
use crate::model::provider::ProviderState;
use crate::model::scenario::Capability;

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
    /// Units of the complex level against the minimum for complex cases,
    /// on their complex episodes (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complex: Option<ComplexVolume>,
}

/// One service's units of the complex level against its minimum for
/// complex cases (`services.<id>.min_complex_volume`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplexVolume {
    /// The minimum, complex episodes a year.
    pub minimum: f64,
    /// Open units of the complex level at the end of the run.
    pub units: u32,
    /// Those that treated fewer complex episodes than the minimum over the
    /// last 52 weeks.
    pub below_minimum: u32,
    /// Share of the last 52 weeks' complex episodes treated at those units
    /// (`null` with none).
    pub episodes_below_share: Option<f64>,
    /// The providers whose units are below it, by id.
    pub providers_below: Vec<String>,
}

/// How many units are below a minimum, which, and their share of episodes.
#[derive(Default)]
struct Tally {
    units: u32,
    below_minimum: u32,
    all: u64,
    below: u64,
    providers_below: Vec<String>,
}

impl Tally {
    fn add(&mut self, id: &str, episodes: u64, minimum: f64) {
        self.units += 1;
        self.all += episodes;
        if (episodes as f64) < minimum {
            self.below_minimum += 1;
            self.below += episodes;
            self.providers_below.push(id.to_owned());
        }
    }

    fn share(&self) -> Option<f64> {
        (self.all > 0).then(|| self.below as f64 / self.all as f64)
    }
}

/// Every service with a minimum safe volume, at the end of a run.
pub fn volumes(world: &World, providers: &[ProviderState]) -> BTreeMap<String, Volume> {
    world
        .service_ids()
        .filter(|s| {
            let svc = &world.services[s.index()];
            svc.min_safe_volume.iter().any(|&m| m > 0.0) || svc.min_complex_volume > 0.0
        })
        .map(|s| {
            let svc = &world.services[s.index()];
            let minimums = svc.min_safe_volume;
            let (mut all, mut complex) = (Tally::default(), Tally::default());
            for (p, state) in world.providers.iter().zip(providers) {
                let Some(u) = state.units[s.index()].as_ref().filter(|_| state.open) else { continue };
                all.add(&p.id, u.annual_volume(), minimums[u.capability.level()]);
                if u.capability == Capability::Complex {
                    complex.add(&p.id, u.annual_complex_volume(), svc.min_complex_volume);
                }
            }
            let v = Volume {
                minimum: minimums[1],
                minimum_routine: minimums[0],
                units: all.units,
                below_minimum: all.below_minimum,
                episodes_below_share: all.share(),
                complex: (svc.min_complex_volume > 0.0).then(|| ComplexVolume {
                    minimum: svc.min_complex_volume,
                    units: complex.units,
                    below_minimum: complex.below_minimum,
                    episodes_below_share: complex.share(),
                    providers_below: complex.providers_below,
                }),
                providers_below: all.providers_below,
            };
            (svc.id.clone(), v)
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

    /// A unit of the complex level is held to the complex minimum on its
    /// complex episodes. One complex unit of a service with a tenth of its
    /// referrals complex (about 2,070 of 20,700 a year) and a complex minimum
    /// of 8,320, about four times that, with `outcome.volume` 1 and quality
    /// held at 0: its complex cases' odds are 8,320 / 2,070 times the
    /// baseline's (risk about 0.175 against 0.05) and its routine cases keep
    /// theirs, so the unit's rate is 0.9 × 0.01 + 0.1 × 0.175 = 0.0265
    /// against 0.014 without the minimum; the summary counts it below, and
    /// the unit of the routine level far away is not counted. A negative
    /// minimum is refused at its path.
    #[test]
    fn complex_cases_are_held_to_the_complex_minimum_on_complex_episodes() {
        let build = |minimum: f64| {
            let v = serde_json::json!({
                "name": "complex volume",
                "time": {"horizon_weeks": 104, "warmup_weeks": 52},
                "outcome": {"volume": 1.0},
                "behaviour": {"damping": 0},
                "localities": [{"id": "l", "position": {"x": 0, "y": 0}, "population": 1000000,
                                "age_mix": {"children": 0, "adults": 1, "older": 0}}],
                "services": {"s": {"urgency": "emergency", "referral_rate": {"adults": 20.8},
                                   "complex_share": 0.1, "tariff": 1000, "min_complex_volume": minimum,
                                   "baseline_risk": {"routine": 0.01, "complex": 0.05}}},
                "providers": [
                    {"id": "centre", "kind": "dgh", "position": {"x": 1, "y": 0},
                     "services": {"s": {"capacity": 450, "capability": "complex"}}},
                    {"id": "local", "kind": "dgh", "position": {"x": 80, "y": 0},
                     "services": {"s": {"capacity": 50, "capability": "routine"}}}
                ]
            });
            serde_json::from_value::<Scenario>(v).expect("parses")
        };
        let rate = |out: &crate::model::RunOutput, id: &str| {
            let u = &out.providers.iter().find(|p| p.id == id).expect("provider").services["s"];
            (u.adverse_rate.expect("treated"), u.treated as f64, u.annual_volume, u.annual_complex_volume)
        };
        let held = crate::model::run(&build(8320.0), 1, false);
        let (r, n, all, complex) = rate(&held, "centre");
        // A tenth of the year's episodes, as the run's demand brought them.
        let expected_complex = 0.1 * all as f64;
        let complex = complex.expect("a complex unit reports its complex volume") as f64;
        assert!((complex / expected_complex - 1.0).abs() < 0.15, "{complex} complex of {all} episodes a year");
        let odds = 0.05 / 0.95 * 8320.0 / expected_complex;
        let expected = 0.9 * 0.01 + 0.1 * odds / (1.0 + odds);
        let se = (expected * (1.0 - expected) / n).sqrt();
        assert!((r - expected).abs() < 4.0 * se, "{r} against {expected} (se {se})");
        let c = held.summary.volume["s"].complex.as_ref().expect("a complex minimum is reported");
        assert_eq!((c.minimum, c.units, c.below_minimum), (8320.0, 1, 1));
        assert_eq!(c.providers_below, ["centre"]);
        assert_eq!(c.episodes_below_share, Some(1.0));
        assert_eq!(held.summary.volume["s"].below_minimum, 0, "no minimum on all episodes");
        let local = &held.providers.iter().find(|p| p.id == "local").expect("local").services["s"];
        assert_eq!(local.annual_complex_volume, None, "a unit of the routine level has no complex volume");
        let free = crate::model::run(&build(0.0), 1, false);
        let (r0, n0, _, _) = rate(&free, "centre");
        let expected0 = 0.9 * 0.01 + 0.1 * 0.05;
        assert!((r0 - expected0).abs() < 4.0 * (expected0 * (1.0 - expected0) / n0).sqrt(), "{r0}");
        assert!(!free.summary.volume.contains_key("s"), "no minimum, no volume entry");
        let problems = build(-1.0).validate().expect_err("a negative minimum");
        assert!(problems.iter().any(|p| p.path == "services.s.min_complex_volume"), "{problems:?}");
    }
}
