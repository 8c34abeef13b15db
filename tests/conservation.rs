//! Nothing is lost: patients and money balance in every week of every
//! built-in scenario under every preset.

use ccsim::load::{BUILTIN, builtin};
use ccsim::model::money::Money;
use ccsim::model::{PRESETS, RegimeSpec, Simulation, World};

#[test]
fn patients_and_money_balance_every_week() {
    for (name, _) in BUILTIN {
        for preset in PRESETS {
            let mut s = builtin(name).expect("built-in scenario");
            s.regime = RegimeSpec::Preset(preset.into());
            s.time.horizon_weeks = 156;
            let world = World::build(&s, s.regime.resolve().expect("preset"));
            let mut sim = Simulation::new(world, 42, false);
            let cash0: Money = sim.providers().iter().map(|p| p.cash).sum();
            let staff0 = sim.staff_in_region();
            while !sim.finished() {
                sim.step();
                let l = sim.ledger();
                let week = sim.week();
                assert_eq!(
                    l.arrived,
                    l.treated + l.diverted_out + sim.waiting(),
                    "{name}/{preset} week {week}: patients arrived ≠ treated + diverted out + waiting"
                );
                assert_eq!(
                    l.commissioner_paid, l.providers_received,
                    "{name}/{preset} week {week}: money paid ≠ received"
                );
                assert_eq!(
                    l.risk_pool_net,
                    Money::ZERO,
                    "{name}/{preset} week {week}: the risk pool leaked"
                );
                let cash: Money = sim.providers().iter().map(|p| p.cash).sum();
                assert_eq!(
                    cash - cash0,
                    l.providers_received - l.provider_costs + l.regulator_loans,
                    "{name}/{preset} week {week}: cash moved by more than income minus costs"
                );
                let staff = staff0 + l.staff_entered - l.staff_left;
                assert!(
                    (sim.staff_in_region() - staff).abs() < 1e-6 * staff,
                    "{name}/{preset} week {week}: staff {} ≠ {staff}",
                    sim.staff_in_region()
                );
            }
            assert!(sim.ledger().treated > 0);
        }
    }
}

#[test]
fn the_run_summary_reports_balanced_books() {
    for (name, _) in BUILTIN {
        let mut s = builtin(name).expect("built-in scenario");
        s.time.horizon_weeks = 104;
        let r = ccsim::model::run(&s, 5, false);
        let b = &r.summary.bookkeeping;
        assert!(b.patients.balanced && b.money.balanced, "{name}: {b:?}");
        assert_eq!(
            b.patients.waiting_at_start + b.patients.arrived,
            b.patients.treated + b.patients.diverted_out + b.patients.waiting_at_end
        );
        // Groups and services add up to the whole.
        let o = &r.summary.outcomes;
        assert_eq!(o.overall.episodes, o.urban.episodes + o.rural.episodes);
        assert_eq!(
            o.overall.episodes,
            o.by_service.values().map(|v| v.episodes).sum::<u64>()
        );
    }
}
