//! Conservation: in every week of a long run, patients, money and staff
//! balance — nothing lost or created by routing, diversion, closures,
//! mergers or the risk pool.

use super::{CheckResult, Kind, Settings};
use crate::load::builtin;
use crate::model::money::Money;
use crate::model::timeline::TimedChange;
use crate::model::{PRESETS, RegimeSpec, Scenario, Simulation};

/// Runs a scenario to the end, checking every week that listed at start +
/// arrived = treated + diverted out + waiting; paid by the commissioner =
/// received by providers; risk-pool transfers net to zero; the providers'
/// cash moved by exactly income − costs + regulator loans; and staff in
/// post and in the pool = at start + entered − left (to 1e-6 relative).
pub fn run_checked(s: &Scenario, seed: u64) -> Result<Simulation, String> {
    let mut sim = Simulation::from_scenario(s, seed, false);
    let cash0: Money = sim.providers().iter().map(|p| p.cash).sum();
    let staff0 = sim.staff_in_region();
    while !sim.finished() {
        sim.step();
        let l = sim.ledger();
        let week = sim.week();
        let waiting = sim.waiting();
        if l.listed_at_start + l.arrived != l.treated + l.diverted_out + waiting {
            return Err(format!(
                "week {week}: listed at start {} + arrived {} ≠ treated {} + diverted out {} + waiting {waiting}",
                l.listed_at_start, l.arrived, l.treated, l.diverted_out
            ));
        }
        if l.commissioner_paid != l.providers_received + l.out_of_area_paid || l.risk_pool_net != Money::ZERO {
            return Err(format!(
                "week {week}: money paid {:?} ≠ received {:?} + out of area {:?}",
                l.commissioner_paid, l.providers_received, l.out_of_area_paid
            ));
        }
        let cash: Money = sim.providers().iter().map(|p| p.cash).sum();
        if cash - cash0 != l.providers_received - l.provider_costs + l.regulator_loans {
            return Err(format!("week {week}: cash moved by more than income − costs + loans"));
        }
        let staff = staff0 + l.staff_entered - l.staff_left;
        if (sim.staff_in_region() - staff).abs() > 1e-6 * staff.max(1.0) {
            return Err(format!("week {week}: staff {} ≠ {staff}", sim.staff_in_region()));
        }
    }
    Ok(sim)
}

fn check(id: String, name: String, s: &Scenario) -> CheckResult {
    let outcome = run_checked(s, 17);
    let simulated = match &outcome {
        Ok(sim) => {
            let events = sim.events().iter().filter(|e| e.kind != "timeline").count();
            format!(
                "balanced in all {} weeks ({} patients, {events} structural events)",
                sim.week(),
                sim.ledger().arrived
            )
        }
        Err(e) => e.clone(),
    };
    CheckResult {
        id,
        name,
        kind: Kind::Mechanics,
        expected: "balanced every week".into(),
        simulated,
        tolerance: "exact for patients and money (pence); 1e-6 relative for staff".into(),
        pass: outcome.is_ok(),
    }
}

/// The conservation checks.
pub fn checks(settings: Settings) -> Vec<CheckResult> {
    let weeks = settings.pick(104, 520);
    let mut out = Vec::new();
    for name in ["cheshire-merseyside", "west-mercia"] {
        for preset in PRESETS {
            let mut s = builtin(name).expect("built-in scenario");
            s.regime = RegimeSpec::Preset(preset.into());
            s.time.horizon_weeks = weeks;
            out.push(check(format!("conservation.{name}.{preset}"), format!("{name} under {preset}"), &s));
        }
    }
    // With failures, a merger and a timed closure.
    let mut s = builtin("west-mercia").expect("built-in scenario");
    s.time.horizon_weeks = weeks;
    s.failure.action = crate::model::params::FailureAction::Merge;
    if let Some(p) = s.providers.iter_mut().find(|p| p.id == "wye-valley") {
        p.fixed_cost *= 3.0;
    }
    s.timeline.push(TimedChange::from_flag("close.shrewsbury-and-telford.gynaecology=true@60").expect("flag"));
    out.push(check(
        "conservation.takeovers".into(),
        "west-mercia under competition with a provider failing and merging, and a timed closure".into(),
        &s,
    ));
    out
}
