//! Timed changes: policy switches and shocks applied at the start of a week.
//!
//! A scenario's `timeline` lists changes as `{"week": W, "set": PATH,
//! "value": V}`. The paths are a small fixed vocabulary, checked when the
//! scenario is validated:
//!
//! | path | value |
//! |---|---|
//! | `regime` | a preset name: all knobs switch to it |
//! | `regime.pooling`, `regime.staff_sharing`, `regime.integration` | a number in [0, 1] |
//! | `regime.routing` | `"choice"`, `"network"` or a network share in [0, 1] |
//! | `regime.coordination_cost` | £ per provider per week, ≥ 0 |
//! | `regime.payment` | payment rates, as the regime knob: `{"elective": {"above": a, "below": b}, "emergency": {...}}`, shares in [0, 1] (a class not given is paid by results) |
//! | `services.<service>.tariff` | £ per episode, ≥ 0 |
//! | `workforce.<group>.training_places` | places started a year, WTE, ≥ 0 (qualified staff arrive the training's years later) |
//! | `workforce.<group>.international_recruits` | most recruited from abroad a year, WTE, ≥ 0 |
//! | `demand.<service>` or `demand.<service>.<locality>` (`*` for every service) | a multiplier of referrals, ≥ 0 |
//! | `close.<provider>` or `close.<provider>.<service>` | `true`: the regulator closes it and moves its patients, staff and capacity |

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::bounds::Problem;
use super::bounds::{MAX_DEMAND_MULTIPLIER, MAX_INFLOW, MAX_MONEY};
use super::regime::{PRESETS, Payment, Regime, Routing};
use super::staff::STAFF_GROUPS;

/// What a change may name: the ids a scenario defines. The scenario hands
/// them over ([`super::scenario::Scenario::names`]), so that the timeline
/// reads no scenario.
#[derive(Debug, Clone, Default)]
pub struct Names<'a> {
    /// Service ids, in the scenario's order.
    pub services: Vec<&'a str>,
    /// Locality ids.
    pub localities: Vec<&'a str>,
    /// Provider ids, each with the ids of the services it offers.
    pub providers: Vec<(&'a str, Vec<&'a str>)>,
}

/// One change as written in a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedChange {
    /// Week at whose start the change applies (0 is the first week of the warm-up).
    pub week: u32,
    /// What changes (see the module docs).
    pub set: String,
    /// The new value.
    pub value: Value,
}

/// A regime knob.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Knob {
    /// `pooling`.
    Pooling(f64),
    /// `staff_sharing`.
    StaffSharing(f64),
    /// `integration`.
    Integration(f64),
    /// `coordination_cost`.
    CoordinationCost(f64),
    /// `routing`.
    Routing(Routing),
    /// `payment`.
    Payment(Payment),
}

/// A validated change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Every knob switches to a preset.
    Regime(Regime),
    /// One knob changes.
    Knob(Knob),
    /// A service's tariff.
    Tariff {
        /// Service id.
        service: String,
        /// £ per episode.
        value: f64,
    },
    /// A staff group's training places started a year.
    TrainingPlaces {
        /// Index in [`STAFF_GROUPS`].
        group: usize,
        /// WTE per year.
        value: f64,
    },
    /// The most of a staff group recruited from abroad a year.
    InternationalRecruits {
        /// Index in [`STAFF_GROUPS`].
        group: usize,
        /// WTE per year.
        value: f64,
    },
    /// A demand multiplier (a surge or a fall).
    Demand {
        /// Service id, or `None` for every service.
        service: Option<String>,
        /// Locality id, or `None` for every locality.
        locality: Option<String>,
        /// Multiplier of referrals.
        multiplier: f64,
    },
    /// A closure ordered by the regulator.
    Close {
        /// Provider id.
        provider: String,
        /// Service id, or `None` for the whole provider.
        service: Option<String>,
    },
}

fn number(value: &Value, at: &str, lo: f64, hi: f64) -> Result<f64, Problem> {
    let v = value.as_f64().ok_or_else(|| Problem::new(at, format!("expected a number, found {value}")))?;
    if v.is_finite() && v >= lo && v <= hi {
        Ok(v)
    } else {
        Err(Problem::new(at, super::bounds::out_of_range(v, lo, hi)))
    }
}

impl TimedChange {
    /// Parses `PATH=VALUE@WEEK` (as given to `ccsim run --set`); VALUE is
    /// read as JSON when it parses as JSON, else as a string.
    pub fn from_flag(flag: &str) -> Result<TimedChange, String> {
        let (assignment, week) =
            flag.rsplit_once('@').ok_or_else(|| format!("expected PATH=VALUE@WEEK, found `{flag}` (no @WEEK)"))?;
        let week: u32 = week.parse().map_err(|_| format!("expected a whole week number after @, found `{week}`"))?;
        let (path, value) =
            assignment.split_once('=').ok_or_else(|| format!("expected PATH=VALUE@WEEK, found `{flag}` (no =)"))?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        Ok(TimedChange { week, set: path.to_owned(), value })
    }

    /// Checks the change against the names a scenario defines; `at` names
    /// it in messages.
    pub fn parse(&self, names: &Names, at: &str) -> Result<Change, Problem> {
        let set_at = format!("{at}.set");
        let value_at = format!("{at}.value");
        let parts: Vec<&str> = self.set.splitn(3, '.').collect();
        let unknown = |what: &str, name: &str, choices: Vec<&str>| {
            Problem::new(&set_at, format!("expected a defined {what} ({}), found `{name}`", choices.join(", ")))
        };
        let services = &names.services;
        let service = |name: &str| -> Result<String, Problem> {
            if services.contains(&name) { Ok(name.to_owned()) } else { Err(unknown("service", name, services.clone())) }
        };
        let v = &self.value;
        match parts.as_slice() {
            ["regime"] => {
                let name = v.as_str().ok_or_else(|| {
                    Problem::new(&value_at, format!("expected a preset name ({}), found {v}", PRESETS.join(", ")))
                })?;
                Regime::preset(name).map(Change::Regime).ok_or_else(|| {
                    Problem::new(&value_at, format!("expected a preset name ({}), found `{name}`", PRESETS.join(", ")))
                })
            }
            ["regime", knob] => {
                let k = match *knob {
                    "pooling" => Knob::Pooling(number(v, &value_at, 0.0, 1.0)?),
                    "staff_sharing" => Knob::StaffSharing(number(v, &value_at, 0.0, 1.0)?),
                    "integration" => Knob::Integration(number(v, &value_at, 0.0, 1.0)?),
                    "coordination_cost" => Knob::CoordinationCost(number(v, &value_at, 0.0, MAX_MONEY)?),
                    "routing" => Knob::Routing(match v {
                        Value::String(r) if r == "choice" => Routing::Choice,
                        Value::String(r) if r == "network" => Routing::Network,
                        _ => Routing::Mix(number(v, &value_at, 0.0, 1.0).map_err(|_| {
                            Problem::new(
                                &value_at,
                                format!("expected \"choice\", \"network\" or a number in [0, 1], found {v}"),
                            )
                        })?),
                    }),
                    "payment" => {
                        let p: Payment = serde_json::from_value(v.clone()).map_err(|e| {
                            Problem::new(
                                &value_at,
                                format!(
                                    "expected payment rates {{\"elective\": {{\"above\": a, \"below\": b}}, \"emergency\": \
                                     {{...}}}} with shares in [0, 1]: {e}"
                                ),
                            )
                        })?;
                        p.check(&value_at)?;
                        Knob::Payment(p)
                    }
                    other => {
                        return Err(unknown(
                            "regime knob",
                            other,
                            vec!["pooling", "staff_sharing", "routing", "integration", "coordination_cost", "payment"],
                        ));
                    }
                };
                Ok(Change::Knob(k))
            }
            ["services", name, "tariff"] => {
                Ok(Change::Tariff { service: service(name)?, value: number(v, &value_at, 0.0, MAX_MONEY)? })
            }
            ["workforce", group, flow @ ("training_places" | "international_recruits")] => {
                let g = STAFF_GROUPS
                    .iter()
                    .position(|x| x == group)
                    .ok_or_else(|| unknown("staff group", group, STAFF_GROUPS.to_vec()))?;
                let value = number(v, &value_at, 0.0, MAX_INFLOW)?;
                Ok(if *flow == "training_places" {
                    Change::TrainingPlaces { group: g, value }
                } else {
                    Change::InternationalRecruits { group: g, value }
                })
            }
            ["demand", rest @ ..] if !rest.is_empty() => {
                let svc = if rest[0] == "*" { None } else { Some(service(rest[0])?) };
                let locality = match rest.get(1) {
                    None => None,
                    Some(l) if names.localities.contains(l) => Some((*l).to_owned()),
                    Some(l) => {
                        return Err(Problem::new(&set_at, format!("expected a defined locality id, found `{l}`")));
                    }
                };
                Ok(Change::Demand {
                    service: svc,
                    locality,
                    multiplier: number(v, &value_at, 0.0, MAX_DEMAND_MULTIPLIER)?,
                })
            }
            ["close", provider, rest @ ..] => {
                if v != &Value::Bool(true) {
                    return Err(Problem::new(&value_at, format!("expected true, found {v}")));
                }
                let Some((_, offered)) = names.providers.iter().find(|(id, _)| id == provider) else {
                    return Err(Problem::new(&set_at, format!("expected a defined provider id, found `{provider}`")));
                };
                let svc = match rest.first() {
                    None => None,
                    Some(name) if offered.contains(name) => Some((*name).to_owned()),
                    Some(name) => {
                        return Err(Problem::new(
                            &set_at,
                            format!("expected a service that `{provider}` offers, found `{name}`"),
                        ));
                    }
                };
                Ok(Change::Close { provider: (*provider).to_owned(), service: svc })
            }
            _ => Err(Problem::new(
                &set_at,
                format!(
                    "expected one of regime, regime.<knob>, services.<id>.tariff, workforce.<group>.training_places, workforce.<group>.international_recruits, \
                     demand.<service>[.<locality>], close.<provider>[.<service>]; found `{}`",
                    self.set
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_into_changes() {
        let c = TimedChange::from_flag("regime.pooling=0.5@260").expect("parses");
        assert_eq!(c, TimedChange { week: 260, set: "regime.pooling".into(), value: serde_json::json!(0.5) });
        let c = TimedChange::from_flag("regime=collaboration@10").expect("parses");
        assert_eq!(c.value, Value::String("collaboration".into()));
        assert!(TimedChange::from_flag("regime.pooling=0.5").is_err());
        assert!(TimedChange::from_flag("regime.pooling=0.5@soon").is_err());
    }
}
