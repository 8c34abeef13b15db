//! Nothing is lost: patients and money balance in every week of every
//! built-in scenario under every preset.

use ccsim::load::{BUILTIN, builtin};
use ccsim::model::{PRESETS, RegimeSpec};

use crate::common::run_conserving;

#[test]
fn patients_money_and_staff_balance_every_week() {
    for (name, _) in BUILTIN {
        for preset in PRESETS {
            let mut s = builtin(name).expect("built-in scenario");
            s.regime = RegimeSpec::Preset(preset.into());
            s.time.horizon_weeks = 156;
            let sim = run_conserving(&s, 42, &format!("{name}/{preset}"));
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
        assert_eq!(o.overall.episodes, o.by_service.values().map(|v| v.episodes).sum::<u64>());
    }
}
