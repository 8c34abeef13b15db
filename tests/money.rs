//! Money as trusts see it: the tariff's yearly efficiency factor and cost
//! uplift against cost inflation, productivity growth, contracts paid
//! against a baseline (block, aligned payment, payment by results), the
//! market forces factor.

use ccsim::model::RunOutput;
use serde_json::{Value, json};

use crate::common::{adults, elective_service, frozen, run, scenario};

/// One provider offering an elective and an emergency service (100
/// referrals a week each) with room for every patient, a 52-week warm-up
/// and `years` measured years; `changes` is its timeline.
fn hospital(years: u32, changes: Value) -> Value {
    let surgery = elective_service(100.0);
    let mut emergency = elective_service(100.0);
    emergency["urgency"] = json!("emergency");
    emergency["tariff"] = json!(1500.0);
    frozen(json!({
        "name": "hospital",
        "time": {"horizon_weeks": 52 * years, "warmup_weeks": 52},
        "localities": [adults("l", 0.0)],
        "services": {"surgery": surgery, "emergency": emergency},
        "providers": [{
            "id": "p", "kind": "dgh", "position": {"x": 0.0, "y": 0.0},
            "services": {
                "surgery": {"capability": "complex", "capacity": 1000.0},
                "emergency": {"capability": "complex", "capacity": 1000.0}
            }
        }],
        "timeline": changes,
    }))
}

fn ran(v: Value) -> RunOutput {
    run(&scenario(v), 5)
}

#[test]
fn the_tariff_moves_by_uplift_and_efficiency_against_inflation() {
    let mut v = hospital(3, json!([]));
    v["finance"] = json!({"prices": {
        "cost_uplift": 0.03, "efficiency_factor": 0.02, "cost_inflation": 0.01, "productivity_growth": 0.05
    }});
    let moved = ran(v);
    let still = ran(hospital(3, json!([])));
    let level = 1.03 * 0.98 / 1.01;
    let f = &moved.summary.finance;
    // The third measured year's tariff, and inputs an episode takes, in the first year's prices.
    let tariff = f.by_service["surgery"].tariff;
    assert!((tariff - 1000.0 * level * level).abs() < 1e-9, "tariff {tariff}");
    let cost = f.by_service["surgery"].direct_cost_per_episode;
    assert!((cost - 200.0 * 0.95 * 0.95).abs() < 1e-9, "variable cost {cost}");
    // The commissioner's budget follows the tariff year by year.
    let ratio = f.commissioner_budget.as_pounds() / still.summary.finance.commissioner_budget.as_pounds();
    let expected = (1.0 + level + level * level) / 3.0;
    assert!((ratio - expected).abs() < 1e-7, "budget ratio {ratio}, expected {expected}");
    assert_eq!(still.summary.finance.by_service["surgery"].tariff, 1000.0);
}

/// The measured year's tariff income with and without 50% more referrals of
/// `surged` from its first week, under `payment` (`None`: payment by
/// results), and the extra episodes of `surged` the surge brought.
fn income_with_surge(payment: Option<Value>, surged: &str) -> (f64, f64, f64) {
    let at = |changes: Value| {
        let mut v = hospital(1, changes);
        if let Some(p) = &payment {
            v["regime"] = json!({"payment": p});
        }
        let r = ran(v);
        (r.summary.finance.accounts.tariff_income.as_pounds(), r.providers[0].services[surged].treated as f64)
    };
    let (base, before) = at(json!([]));
    let (surge, after) = at(json!([{"week": 52, "set": format!("demand.{surged}"), "value": 1.5}]));
    (base, surge, after - before)
}

#[test]
fn a_block_contract_pays_last_years_activity_whatever_happens() {
    let block = json!({"elective": {"above": 0, "below": 0}, "emergency": {"above": 0, "below": 0}});
    let (base, surge, extra) = income_with_surge(Some(block), "emergency");
    assert!(extra > 2000.0, "the surge brought {extra} more episodes");
    assert_eq!(base, surge, "a block contract pays the baseline set by the warm-up year");
    // Paid by results every extra episode earns its £1,500.
    let (base, surge, extra) = income_with_surge(None, "emergency");
    assert!((surge - base - extra * 1500.0).abs() < 1e-3, "{} for {extra} episodes", surge - base);
}

#[test]
fn aligned_payment_fixes_emergency_income_and_pays_elective_activity() {
    let aligned =
        serde_json::to_value(ccsim::model::Regime::preset("aligned").expect("a preset").payment).expect("serialises");
    let (base, surge, extra) = income_with_surge(Some(aligned.clone()), "emergency");
    assert!(extra > 2000.0, "the surge brought {extra} more episodes");
    assert_eq!(base, surge, "emergency care is a fixed sum");
    let (base, surge, extra) = income_with_surge(Some(aligned), "surgery");
    assert!(extra > 2000.0, "the surge brought {extra} more episodes");
    assert!((surge - base - extra * 1000.0).abs() < 1e-3, "{} for {extra} episodes", surge - base);
}

#[test]
fn the_market_forces_factor_scales_a_providers_money_not_its_activity() {
    let two = |factor: f64| {
        let mut v = hospital(1, json!([]));
        let mut other = v["providers"][0].clone();
        other["id"] = json!("q");
        other["position"] = json!({"x": 5.0, "y": 0.0});
        other["services"]["surgery"]["capacity"] = json!(3000.0);
        v["providers"][0]["market_forces_factor"] = json!(factor);
        v["providers"][0]["staff"] = json!({"nursing": {"in_post": 100.0}});
        v["providers"].as_array_mut().expect("providers").push(other);
        ran(v)
    };
    let (at_one, raised) = (two(1.0), two(1.2));
    let (a, b) = (&at_one.providers[0], &raised.providers[0]);
    assert_eq!(a.services["surgery"].treated, b.services["surgery"].treated, "activity is untouched");
    for (what, x, y) in [
        ("tariff income", a.accounts.tariff_income, b.accounts.tariff_income),
        ("variable costs", a.accounts.variable, b.accounts.variable),
        ("staff", a.accounts.staff, b.accounts.staff),
    ] {
        // Exact but for the weekly rounding to the penny.
        let r = y.as_pounds() / x.as_pounds();
        assert!((r - 1.2).abs() < 1e-6, "{what} × {r}");
    }
    let accounts = |r: &RunOutput| serde_json::to_value(r.providers[1].accounts).expect("serialises");
    assert_eq!(accounts(&at_one), accounts(&raised), "the other provider is untouched");
    // The commissioner values referrals at the capacity-weighted mean factor:
    // p holds 1,000 + 1,000 × 1.5 of the tariff value, q 3,000 + 1,000 × 1.5.
    let budget =
        raised.summary.finance.commissioner_budget.as_pounds() / at_one.summary.finance.commissioner_budget.as_pounds();
    let expected = (2500.0 * 1.2 + 4500.0) / 7000.0;
    assert!((budget - expected).abs() < 1e-7, "budget × {budget}, expected {expected}");
}

#[test]
fn a_timed_change_moves_the_payment_rates() {
    let block = json!({"elective": {"above": 0, "below": 0}, "emergency": {"above": 0, "below": 0}});
    let at = |surge: bool| {
        let mut changes = vec![json!({"week": 52, "set": "regime.payment", "value": block})];
        if surge {
            changes.push(json!({"week": 52, "set": "demand.emergency", "value": 1.5}));
        }
        let r = ran(hospital(1, Value::Array(changes)));
        (r.summary.finance.accounts.tariff_income.as_pounds(), r.regime.payment, r.regime_at_end.payment)
    };
    let (base, before, after) = at(false);
    let (surge, _, _) = at(true);
    assert_eq!(base, surge, "from week 52 a block contract pays the warm-up year's activity");
    assert!(before.is_activity() && after.emergency.above == 0.0, "{before:?} → {after:?}");
    // Rates outside [0, 1] are refused by the timeline entry's path.
    let v =
        hospital(1, json!([{"week": 52, "set": "regime.payment", "value": {"emergency": {"above": 2, "below": 0}}}]));
    let s: ccsim::model::Scenario = serde_json::from_value(v).expect("parses");
    let problems = s.validate().expect_err("refused");
    assert!(problems.iter().any(|p| p.path.ends_with("value.emergency.above")), "{problems:?}");
}
