//! Care across the area's border: residents near its edge are admitted to
//! hospitals outside it (Macclesfield's north to Stockport and Wythenshawe,
//! Bromsgrove's north to Birmingham). The area's providers never see those
//! patients, so they are not simulated: each locality's `elsewhere` is the
//! share of each service's demand treated outside.
//!
//! *Where* in a district patients leave is the engine's own choice rule
//! ([`shares`]): the share it would send to the trusts outside, had they
//! been in the scenario — the providers within the choice radius weighted
//! by exp(−β·minutes) (β the service's: `choice.beta_minutes_emergency`
//! without patient choice, else `choice.beta_minutes`; equal quality and no
//! waits), the nearest alone when none is within it, each complexity among
//! the providers that take it. The outside trusts are those of the curated
//! site file (every acute trust with an emergency department) with a site
//! within reach, each site seeing what the file says. *How many* leave is
//! the data's where it is given ([`anchor`]): the share of the district's
//! residents' admissions that were at trusts outside the area (the A&E
//! file × OHID's catchments), the same for every service, since the
//! catchments count all admissions. Travel time alone overstates leaving
//! where a county's ambulance and referral pathways keep patients in it
//! (Wyre Forest's nearest emergency department is Dudley's, yet 85% of its
//! residents' admissions are in the area) and misses those admitted far
//! away (specialist centres).
//!
//! The share is fixed for a run (an assumption: a regime inside the area
//! cannot win those patients back or lose more to the outside).

use std::collections::{BTreeMap, BTreeSet};

use super::emergency::AE_SERVICES;
use super::plan::{PlanLocality, PlanProvider, road};
use crate::model::Scenario;
use crate::model::scenario::Capability;

/// The share of each service's demand from locality `l` that goes to the
/// `outside` providers under the choice rule (see the module), for every
/// service some outside provider offers; `l.minutes` lists road minutes to
/// the outside sites as well as to the area's.
pub fn shares(
    s: &Scenario,
    l: &PlanLocality,
    inside: &[PlanProvider],
    outside: &[PlanProvider],
) -> BTreeMap<&'static str, f64> {
    let mut out = BTreeMap::new();
    for p in inside {
        for &key in p.offers.keys() {
            if out.contains_key(key) || !outside.iter().any(|o| o.offers.contains_key(key)) {
                continue;
            }
            let spec = &s.services[key];
            let beta = if spec.patient_choice() { s.choice.beta_minutes } else { s.choice.beta_minutes_emergency };
            let share_of = |complex: bool| -> f64 {
                let takes = |p: &PlanProvider| p.offers.get(key).is_some_and(|c| !complex || *c == Capability::Complex);
                // (outside the choice radius, minutes, outside the area, id), in the engine's order.
                let mut capable: Vec<(bool, f64, bool, &str)> = inside
                    .iter()
                    .map(|p| (p, false))
                    .chain(outside.iter().map(|p| (p, true)))
                    .filter(|(p, _)| takes(p))
                    .map(|(p, away)| {
                        let (minutes, km) = road(s, l, p, key);
                        (km > s.choice.radius_km, minutes, away, p.id.as_str())
                    })
                    .collect();
                capable.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then_with(|| a.3.cmp(b.3)));
                let Some(first) = capable.first().copied() else { return 0.0 };
                if first.0 {
                    return if first.2 { 1.0 } else { 0.0 };
                }
                let (mut away, mut all) = (0.0, 0.0);
                for (_, minutes, outside, _) in capable.iter().take_while(|c| !c.0) {
                    let w = (-beta * (minutes - first.1)).exp();
                    all += w;
                    if *outside {
                        away += w;
                    }
                }
                away / all
            };
            let c = spec.complex_share;
            out.insert(key, (1.0 - c) * share_of(false) + if c > 0.0 { c * share_of(true) } else { 0.0 });
        }
    }
    out
}

/// Shares as written: to three decimals, those that round to 0 left out.
pub fn written(shares: &BTreeMap<&'static str, f64>) -> BTreeMap<&'static str, f64> {
    shares.iter().map(|(k, v)| (*k, (v * 1000.0).round() / 1000.0)).filter(|(_, v)| *v > 0.0).collect()
}

/// A district's localities' shares brought to the district's `target`:
/// `items` are each locality's (demand, share under the choice rule), and
/// each share becomes min(1, k·share) with one k for the district, so that
/// the demand-weighted mean is the target. When the rule sends no one out,
/// every locality takes the target; when the target is more than the
/// localities the rule sends anyone from can give, they all leave and the
/// rest are shared evenly by the others.
pub fn anchor(items: &[(f64, f64)], target: f64) -> Vec<f64> {
    let target = target.clamp(0.0, 1.0);
    let total: f64 = items.iter().map(|(w, _)| w).sum();
    let reached: f64 = items.iter().filter(|(_, p)| *p > 0.0).map(|(w, _)| w).sum();
    if total <= 0.0 || reached <= 0.0 {
        return vec![target; items.len()];
    }
    if target * total >= reached {
        let rest = if total > reached { (target * total - reached) / (total - reached) } else { 0.0 };
        return items.iter().map(|(_, p)| if *p > 0.0 { 1.0 } else { rest }).collect();
    }
    let mean = |k: f64| items.iter().map(|(w, p)| w * (k * p).min(1.0)).sum::<f64>() / total;
    // mean(k) rises from 0 to reached/total > target: bisect on k.
    let (mut lo, mut hi) = (0.0, 1.0);
    while mean(hi) < target {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if mean(mid) < target { lo = mid } else { hi = mid }
    }
    items.iter().map(|(_, p)| (hi * p).min(1.0)).collect()
}

/// Brings the shares of each district's localities (`districts`: its code,
/// the indices of its localities in `localities`, and the share of its
/// residents' admissions at trusts outside the area) to that share for
/// every service ([`anchor`]), weighting localities by their demand;
/// returns each district's [`Check`], `services` its emergency services.
pub fn bring_to_data(
    s: &Scenario,
    localities: &mut [PlanLocality],
    districts: &[(String, Vec<usize>, f64)],
    services: &[&str],
) -> Vec<Check> {
    let mut checks = Vec::new();
    for (district, of_district, data) in districts {
        let (mut away, mut all) = (0.0, 0.0);
        for &i in of_district {
            for service in services {
                let n = demand(s, &localities[i], service);
                all += n;
                away += n * localities[i].elsewhere.get(service).copied().unwrap_or(0.0);
            }
        }
        checks.push(Check { district: district.clone(), data: *data, rule: if all > 0.0 { away / all } else { 0.0 } });
        let keys: BTreeSet<&'static str> =
            of_district.iter().flat_map(|&i| localities[i].elsewhere.keys().copied()).collect();
        for key in keys {
            let items: Vec<(f64, f64)> = of_district
                .iter()
                .map(|&i| (demand(s, &localities[i], key), localities[i].elsewhere.get(key).copied().unwrap_or(0.0)))
                .collect();
            for (&i, share) in of_district.iter().zip(anchor(&items, *data)) {
                localities[i].elsewhere.insert(key, share);
            }
        }
    }
    checks
}

/// One district's care across the border: the share of its residents'
/// admissions at trusts outside the area in the data (what its shares are
/// brought to) and the share of its emergency demand the choice rule alone
/// sends there.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// District code.
    pub district: String,
    /// Share of its residents' admissions at trusts outside the area (data).
    pub data: f64,
    /// Share of its emergency demand the choice rule alone sends outside.
    pub rule: f64,
}

/// Expected referrals a week from `l` for `service` before any leave: its
/// residents × the national rates × its emergency ratio for the A&E
/// services.
pub fn demand(s: &Scenario, l: &PlanLocality, service: &str) -> f64 {
    let ratio = if AE_SERVICES.contains(&service) { l.emergency_ratio } else { 1.0 };
    let rates = s.services[service].referral_rate.by_band();
    l.residents.iter().zip(rates).map(|(n, r)| n * r * ratio / 1000.0 / 52.0).sum()
}

/// The scenario's source line: the rule, the trusts outside within reach,
/// the share of the area's demand for each service treated outside, and
/// each district's emergency share against the data (`checks`).
pub fn source(s: &Scenario, localities: &[PlanLocality], outside: &[PlanProvider], checks: &[Check]) -> String {
    let mut shares = Vec::new();
    for service in s.services.keys().filter(|k| outside.iter().any(|o| o.offers.contains_key(k.as_str()))) {
        let (mut away, mut all) = (0.0, 0.0);
        for l in localities {
            let d = demand(s, l, service);
            all += d;
            away += d * l.elsewhere.get(service.as_str()).copied().unwrap_or(0.0);
        }
        if all > 0.0 {
            shares.push(format!("{service} {:.1}%", 100.0 * away / all));
        }
    }
    let trusts: Vec<&str> = outside.iter().map(|o| o.id.as_str()).collect();
    let rule = "the share of each service's demand that the engine's choice rule (the providers within the choice radius in \
                proportion to exp(−β·minutes), β the service's, equal quality and no waits; each complexity among those that take \
                it) sends to trusts outside the area, had they been in the scenario";
    let trusts = format!(
        "the curated trusts with a site within {:.0} km of a locality ({}), each site seeing what \
         configs/source/site_services.csv says, road minutes as for the area's sites",
        2.0 * s.choice.radius_km,
        trusts.join(", ")
    );
    let how = if checks.is_empty() {
        format!("a locality's `elsewhere` is {rule}: {trusts}")
    } else {
        let said: Vec<String> = checks
            .iter()
            .map(|c| format!("{} {:.1}% (the rule alone: {:.1}%)", c.district, 100.0 * c.data, 100.0 * c.rule))
            .collect();
        format!(
            "each district's residents treated outside are the share of their 2022/23 emergency admissions that were at trusts \
             outside the area (the A&E file × OHID's catchments, as for the emergency rates; the catchments count all \
             admissions, so the same share for every service), shared among its localities in proportion to {rule} (one scale \
             for the district, no locality above 1; evenly where the rule sends no one): {trusts}. By district, emergency \
             admissions outside: {}",
            said.join("; ")
        )
    };
    format!(
        "Care across the border: {how}. Those patients are not simulated, and the shares are fixed for a run (a regime \
         cannot win them back or lose more). Share of the area's demand treated outside: {}.",
        shares.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::plan::fixtures::{locality, provider, scenario};

    /// One provider inside 10 minutes away and one outside 15 minutes away,
    /// both within the radius and both taking complex elective cases: the
    /// outside one's share is the logit's, 1 / (1 + exp(5β)), at the
    /// service's β; emergency complex cases, which only the outside one
    /// takes, all leave; a service only the inside one offers has none.
    #[test]
    fn the_share_outside_is_the_choice_rules() {
        let s = scenario();
        let inside = [provider(
            "in",
            5.0,
            &[("emergency_medicine", Capability::Routine), ("elective_surgery", Capability::Complex)],
        )];
        let outside = [provider(
            "away",
            -5.0,
            &[("emergency_medicine", Capability::Complex), ("elective_surgery", Capability::Complex)],
        )];
        let l = locality(&[("in", 10.0), ("away", 15.0)]);
        let got = shares(&s, &l, &inside, &outside);
        let logit = |beta: f64| 1.0 / (1.0 + (5.0 * beta).exp());
        assert!((got["elective_surgery"] - logit(s.choice.beta_minutes)).abs() < 1e-12);
        let c = s.services["emergency_medicine"].complex_share;
        assert!(c > 0.0);
        let emergency = (1.0 - c) * logit(s.choice.beta_minutes_emergency) + c;
        assert!((got["emergency_medicine"] - emergency).abs() < 1e-12);
        // Nearer outside than in: most leave.
        let l = locality(&[("in", 15.0), ("away", 10.0)]);
        let got = shares(&s, &l, &inside, &outside);
        assert!((got["elective_surgery"] - (1.0 - logit(s.choice.beta_minutes))).abs() < 1e-12);
        // Nobody outside offers it: no share.
        let inside = [provider("in", 5.0, &[("gynaecology", Capability::Complex)])];
        assert!(shares(&s, &l, &inside, &outside).is_empty());
        // Written to three decimals, a share that rounds to 0 left out.
        let written = written(&[("a", 0.12345), ("b", 0.0004)].into_iter().collect());
        assert_eq!(written.into_iter().collect::<Vec<_>>(), vec![("a", 0.123)]);
    }

    /// Beyond the radius the nearest takes everyone: all leave when it is
    /// outside, none when it is inside.
    #[test]
    fn beyond_the_radius_the_nearest_takes_all() {
        let s = scenario();
        let far = s.choice.radius_km + 30.0;
        let inside = [provider("in", far + 20.0, &[("elective_surgery", Capability::Complex)])];
        let outside = [provider("away", -far, &[("elective_surgery", Capability::Complex)])];
        let got = shares(&s, &locality(&[]), &inside, &outside);
        assert_eq!(got.get("elective_surgery"), Some(&1.0));
        let got = shares(&s, &locality(&[]), &outside, &inside);
        assert_eq!(got.get("elective_surgery"), Some(&0.0));
    }

    /// Three localities of demand 1, 2, 1 with rule shares 0.1, 0.4, 0: one
    /// scale k brings the mean to the target, (0.1k + 0.8k)/4 = 0.18 gives
    /// k = 0.8; a target above what they can give (3 of 4) sends them all
    /// and the rest from the third; a rule sending no one gives everyone
    /// the target.
    #[test]
    fn anchoring_scales_the_rule_to_the_districts_share() {
        let items = [(1.0, 0.1), (2.0, 0.4), (1.0, 0.0)];
        let got = anchor(&items, 0.18);
        let want = [0.08, 0.32, 0.0];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{got:?}");
        }
        // Target 0.6 (2.4 of 4): 0.9k = 2.4 would put the second above 1, so
        // it is held at 1 and 0.1k + 2 = 2.4 gives k = 4.
        let got = anchor(&items, 0.6);
        assert!((got[1] - 1.0).abs() < 1e-9 && (got[0] - 0.4).abs() < 1e-9 && got[2] == 0.0, "{got:?}");
        let got = anchor(&items, 0.9);
        assert_eq!(got[..2], [1.0, 1.0]);
        assert!((got[2] - 0.6).abs() < 1e-9, "{got:?}");
        assert_eq!(anchor(&[(1.0, 0.0), (3.0, 0.0)], 0.05), vec![0.05, 0.05]);
    }
}
