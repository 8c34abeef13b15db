//! `ccsim explain`: the decomposition's end points are the two regimes'
//! own runs, its contributions add up to the difference, it is the same at
//! any thread count, and bad requests are refused with nothing written.

use ccsim::explain::{self, Player};
use ccsim::load::builtin;
use ccsim::model::{self, RegimeSpec};
use serde_json::Value;

use crate::common::ccsim;

fn summary(s: &ccsim::model::Scenario, seed: u64) -> Value {
    serde_json::to_value(model::run(s, seed, false).summary).expect("serialises")
}

#[test]
fn the_empty_and_full_coalitions_are_the_two_regimes_runs() {
    let mut s = builtin("west-mercia").expect("built in");
    s.time.horizon_weeks = 104;
    let a = RegimeSpec::Preset("competition".into()).resolve().expect("preset");
    let b = RegimeSpec::Preset("collaboration".into()).resolve().expect("preset");
    let players = explain::players(&s, &a, &b);
    assert_eq!(
        players,
        [
            Player::PooledPayment,
            Player::Billing,
            Player::WageBidding,
            Player::NetworkRouting,
            Player::Hubs,
            Player::MutualAid,
            Player::Standardisation,
            Player::StaffSharing,
            Player::CoordinationCost
        ]
    );
    let under = |preset: &str| {
        let mut x = s.clone();
        x.regime = RegimeSpec::Preset(preset.into());
        summary(&x, 5)
    };
    let all = (1u32 << players.len()) - 1;
    let coalition = |mask: u32| {
        let (scenario, regime) = explain::coalition(&s, &a, &b, &players, mask);
        serde_json::to_value(explain::run(&scenario, &regime, 5).summary).expect("serialises")
    };
    assert_eq!(coalition(0), under("competition"));
    assert_eq!(coalition(all), under("collaboration"));
    // Switching on the network's own mechanisms without network routing changes nothing.
    let bit = |p: Player| 1u32 << players.iter().position(|q| *q == p).expect("a player");
    let network_only = bit(Player::Hubs) | bit(Player::MutualAid) | bit(Player::Standardisation);
    assert_eq!(coalition(network_only), under("competition"));
    // One run stands for several coalitions only when they are the same
    // scenario and regime: every coalition builds exactly what its stand-in
    // builds, and exactly the coalitions without network routing share.
    let inputs = |mask: u32| explain::coalition(&s, &a, &b, &players, mask);
    let mut shared = 0;
    for mask in 0..=all {
        let stand_in = explain::canonical(&a, &b, &players, mask);
        assert_eq!(inputs(mask), inputs(stand_in), "coalition {mask:b} and its stand-in {stand_in:b}");
        let routed = mask & bit(Player::NetworkRouting) != 0;
        assert_eq!(stand_in == mask, routed || mask & network_only == 0, "coalition {mask:b}");
        shared += usize::from(stand_in != mask);
    }
    // 2^9 coalitions, of which the 2^5 settings of the other players without
    // routing each stand for 2^3 − 1 more.
    assert_eq!(shared, 32 * 7);
    // Billing: under competition every treated episode is billed at the
    // billing cost; switched alone to collaboration's setting, none is.
    let billing = |mask: u32| {
        let (scenario, regime) = explain::coalition(&s, &a, &b, &players, mask);
        let r = explain::run(&scenario, &regime, 5);
        let billed: f64 = r.providers.iter().map(|p| p.accounts.transaction.as_pounds()).sum();
        let treated: u64 = r.providers.iter().flat_map(|p| p.services.values()).map(|u| u.treated).sum();
        (billed, treated as f64)
    };
    let (billed, treated) = billing(0);
    assert!(treated > 0.0);
    assert!((billed - s.finance.transaction_cost * treated).abs() < 0.01, "{billed} vs {treated} episodes");
    assert_eq!(billing(bit(Player::Billing)).0, 0.0);
}

fn explain_json(jobs: &str) -> Value {
    let o = ccsim()
        .args(["explain", "configs/duopoly.json", "--from", "competition", "--to", "integrated"])
        .args(["--seeds", "4", "--years", "2", "--quiet", "--json", "-", "-j", jobs])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn contributions_add_up_and_do_not_depend_on_threads() {
    let one = explain_json("1");
    assert_eq!(one, explain_json("2"), "the same at -j 1 and -j 2");
    let measures = one["measures"].as_array().expect("measures");
    assert_eq!(measures.len(), explain::MEASURES.len());
    for m in measures {
        let total = m["total"]["mean"].as_f64().expect("total");
        let sum: f64 =
            m["contributions"].as_array().expect("list").iter().map(|c| c[1]["mean"].as_f64().expect("mean")).sum();
        assert!((sum - total).abs() <= 1e-9 * total.abs().max(1.0), "{}: {sum} vs {total}", m["metric"]);
        let to_less_from = m["to"]["mean"].as_f64().expect("to") - m["from"]["mean"].as_f64().expect("from");
        assert!((to_less_from - total).abs() <= 1e-9 * total.abs().max(1.0));
    }
    let players: Vec<&str> = one["players"].as_array().expect("players").iter().filter_map(Value::as_str).collect();
    assert!(players.contains(&"integration") && players.contains(&"pooled_payment"), "{players:?}");
}

#[test]
fn bad_requests_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("out.json");
    for (args, message) in [
        (
            vec!["--from", "competition", "--to", "markets"],
            "--to: expected one of competition, collaboration, integrated, aligned, found `markets`",
        ),
        (vec!["--from", "collaboration", "--to", "collaboration"], "--from and --to are both `collaboration`"),
        (vec!["--from", "competition", "--to", "collaboration", "--seeds", "1"], "--seeds: expected at least 2"),
        (
            vec!["--from", "competition", "--to", "collaboration", "--years", "0"],
            "--years: expected a number of years in (0, 1000]",
        ),
    ] {
        refused(&json, "configs/duopoly.json", &args, message);
    }
    // A scenario whose timeline switches the regime cannot be decomposed.
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string("configs/duopoly.json").expect("read")).expect("json");
    v["timeline"] = serde_json::json!([{"week": 60, "set": "regime", "value": "collaboration"}]);
    let switching = dir.path().join("switching.json");
    std::fs::write(&switching, v.to_string()).expect("written");
    refused(
        &json,
        switching.to_str().expect("utf-8"),
        &["--from", "competition", "--to", "collaboration"],
        "the scenario's timeline changes the regime (`regime` at week 60)",
    );
}

fn refused(json: &std::path::Path, config: &str, args: &[&str], message: &str) {
    let o = ccsim().args(["explain", config, "--quiet", "--json"]).arg(json).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{args:?} succeeded");
    assert!(stderr.contains(message), "{args:?}: {stderr}");
    assert!(!json.exists(), "{args:?} wrote a file");
}

#[test]
fn an_explanation_is_reported_as_charts_and_markdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("explain.json");
    let o = ccsim()
        .args(["explain", "configs/duopoly.json", "--from", "competition", "--to", "collaboration"])
        .args(["--seeds", "3", "--years", "1", "--quiet", "--json"])
        .arg(&json)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let players = serde_json::from_slice::<Value>(&std::fs::read(&json).expect("written")).expect("json")["players"]
        .as_array()
        .expect("players")
        .len();
    let doc = crate::report::render(&json, &dir.path().join("explain.html"));
    let charts = crate::report::figures(&doc);
    assert_eq!(charts.len(), explain::MEASURES.len());
    for (id, kind, points, marks) in &charts {
        assert_eq!(kind, "explain", "{id}");
        assert_eq!(*points, players, "{id}: one bar a mechanism");
        assert!(*marks > *points, "{id}: bars drawn");
    }
    let md = ccsim().args(["report", "--format", "md"]).arg(&json).output().expect("runs");
    let text = String::from_utf8_lossy(&md.stdout);
    assert!(text.starts_with("# Why collaboration and competition differ"), "{text}");
    assert!(text.contains("| pooled payment |"), "{text}");
}
