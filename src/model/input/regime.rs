//! Regimes are points in a small continuous space of knobs, not labels.
//!
//! A scenario names a preset (`"competition"`), or a preset with some knobs
//! changed (`{"preset": "collaboration", "pooling": 0.5}`), or knobs alone
//! (missing knobs then take the `competition` values). [`Regime`] is the
//! resolved point that the engine reads.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::bounds::Problem;

/// How patients reach a provider.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Routing {
    /// Every patient chooses by multinomial logit.
    Choice,
    /// Every patient follows the network's pathways.
    Network,
    /// This share of patients (in [0, 1]) follows the network; the rest choose.
    Mix(f64),
}

impl Routing {
    /// The share of patients routed by the network.
    pub fn network_share(self) -> f64 {
        match self {
            Routing::Choice => 0.0,
            Routing::Network => 1.0,
            Routing::Mix(w) => w,
        }
    }
}

impl Serialize for Routing {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Routing::Choice => s.serialize_str("choice"),
            Routing::Network => s.serialize_str("network"),
            Routing::Mix(w) => s.serialize_f64(*w),
        }
    }
}

impl<'de> Deserialize<'de> for Routing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Routing;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"choice\", \"network\" or a network share in [0, 1]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Routing, E> {
                match v {
                    "choice" => Ok(Routing::Choice),
                    "network" => Ok(Routing::Network),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Routing, E> {
                Ok(Routing::Mix(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Routing, E> {
                Ok(Routing::Mix(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Routing, E> {
                Ok(Routing::Mix(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// What the tariff share pays for one class of service: activity against
/// the contract's baseline (each unit's episodes over the last contract
/// year). Above the baseline an episode earns `above` of the tariff; below
/// it an episode not given costs `below` of the tariff; the baseline itself
/// is paid in full as a fixed sum. `{1, 1}` is payment by results (every
/// episode at the tariff), `{0, 0}` a block contract, `{0.3, 1}` the
/// marginal rate emergency tariff of 2010/11–2018/19, `{0.2, 0.2}` the
/// blended payment of 2019/20.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    /// Share of the tariff paid for an episode above the baseline, [0, 1].
    pub above: f64,
    /// Share of the tariff deducted for an episode short of the baseline, [0, 1].
    pub below: f64,
}

impl Rates {
    /// Payment by results.
    pub const ACTIVITY: Rates = Rates { above: 1.0, below: 1.0 };

    /// Whether every episode is paid at the tariff.
    pub fn is_activity(&self) -> bool {
        *self == Rates::ACTIVITY
    }

    /// The contract's value this week, in episodes at the tariff, for `used`
    /// episodes against `baseline` a week (`None`: no baseline yet, every
    /// episode paid).
    pub fn paid_episodes(&self, used: f64, baseline: Option<f64>) -> f64 {
        match baseline {
            Some(b) if !self.is_activity() => {
                let d = used - b;
                b + if d > 0.0 { self.above * d } else { self.below * d }
            }
            _ => used,
        }
    }

    /// What one more episode earns, as a share of the tariff, at `used`
    /// episodes a week against `baseline`.
    pub fn marginal(&self, used: f64, baseline: Option<f64>) -> f64 {
        match baseline {
            Some(b) if used < b => self.below,
            Some(_) => self.above,
            None => 1.0,
        }
    }
}

/// How the tariff share of a provider's income follows its activity, by
/// class of service (see [`Rates`]); a class not given is paid by results.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Payment {
    /// Elective services.
    pub elective: Rates,
    /// Emergency services (everything that must start within the week).
    pub emergency: Rates,
}

impl Payment {
    /// Payment by results for everything.
    pub const ACTIVITY: Payment = Payment { elective: Rates::ACTIVITY, emergency: Rates::ACTIVITY };

    /// Whether every episode is paid at the tariff.
    pub fn is_activity(&self) -> bool {
        *self == Payment::ACTIVITY
    }

    /// The rates for elective (`true`) or emergency services.
    pub fn rates(&self, elective: bool) -> Rates {
        if elective { self.elective } else { self.emergency }
    }

    /// Every rate in [0, 1], or the first that is not, named under `path`.
    pub fn check(&self, path: &str) -> Result<(), Problem> {
        for (class, r) in [("elective", self.elective), ("emergency", self.emergency)] {
            check_share(&format!("{path}.{class}.above"), r.above)?;
            check_share(&format!("{path}.{class}.below"), r.below)?;
        }
        Ok(())
    }
}

impl Default for Payment {
    fn default() -> Self {
        Payment::ACTIVITY
    }
}

/// The resolved regime: the knobs the engine reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regime {
    /// The preset it started from, or `custom`.
    pub name: String,
    /// Share of provider income from the pooled budget instead of the tariff, [0, 1].
    pub pooling: f64,
    /// Share of staff time the network may redeploy across providers, [0, 1].
    pub staff_sharing: f64,
    /// Patient choice, network pathways, or a mix.
    pub routing: Routing,
    /// Strength of community substitution and single-management savings, [0, 1].
    pub integration: f64,
    /// Management overhead that collaboration adds, £ per provider per week.
    pub coordination_cost: f64,
    /// How the tariff share follows activity (payment by results unless set).
    #[serde(default, skip_serializing_if = "Payment::is_activity")]
    pub payment: Payment,
    /// The pooled share that billing follows, when set apart from `pooling`
    /// (only `ccsim explain` does, to switch billing on its own). Not part
    /// of the scenario format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_pooling: Option<f64>,
    /// The pooled share that wage bidding follows, when set apart from
    /// `pooling` (as for `billing_pooling`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bidding_pooling: Option<f64>,
}

/// The named presets.
pub const PRESETS: [&str; 4] = ["competition", "collaboration", "integrated", "aligned"];

impl Regime {
    /// A named preset, or `None` for an unknown name.
    ///
    /// The collaboration overhead (£4,000 per provider per week, about
    /// £210,000 a year: a share of a network's clinical leads, programme
    /// team and meetings) is an assumption stated in `configs/README.md`.
    /// `aligned` is the NHS Payment Scheme of 2023/24 (aligned payment and
    /// incentive): competition's choice and tariff, with emergency care paid
    /// as a fixed sum and elective activity at the full price above and
    /// below its baseline.
    pub fn preset(name: &str) -> Option<Regime> {
        let r = match name {
            "competition" => Regime {
                name: name.into(),
                pooling: 0.0,
                staff_sharing: 0.0,
                routing: Routing::Choice,
                integration: 0.0,
                coordination_cost: 0.0,
                payment: Payment::ACTIVITY,
                billing_pooling: None,
                bidding_pooling: None,
            },
            "collaboration" => Regime {
                name: name.into(),
                pooling: 1.0,
                staff_sharing: 0.2,
                routing: Routing::Network,
                integration: 0.0,
                coordination_cost: 4_000.0,
                payment: Payment::ACTIVITY,
                billing_pooling: None,
                bidding_pooling: None,
            },
            "integrated" => Regime {
                name: name.into(),
                pooling: 1.0,
                staff_sharing: 0.2,
                routing: Routing::Network,
                integration: 1.0,
                coordination_cost: 4_000.0,
                payment: Payment::ACTIVITY,
                billing_pooling: None,
                bidding_pooling: None,
            },
            "aligned" => Regime {
                name: name.into(),
                payment: Payment { elective: Rates::ACTIVITY, emergency: Rates { above: 0.0, below: 0.0 } },
                ..Regime::preset("competition")?
            },
            _ => return None,
        };
        Some(r)
    }

    /// The share of episodes billed (charged the billing cost): the tariff share.
    pub fn billing_share(&self) -> f64 {
        1.0 - self.billing_pooling.unwrap_or(self.pooling)
    }

    /// The share of the wage premium a provider bids: the tariff share.
    pub fn bidding_share(&self) -> f64 {
        1.0 - self.bidding_pooling.unwrap_or(self.pooling)
    }

    /// The share of patients routed by the network.
    pub fn network_share(&self) -> f64 {
        self.routing.network_share()
    }
}

/// The regime as written in a scenario: a preset name or knobs.
#[derive(Debug, Clone, PartialEq)]
pub enum RegimeSpec {
    /// A named preset.
    Preset(String),
    /// Knobs, optionally on top of a preset.
    Knobs(RegimeKnobs),
}

impl Default for RegimeSpec {
    fn default() -> Self {
        RegimeSpec::Preset("competition".into())
    }
}

/// Knobs as written; unset ones come from `preset` (default `competition`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeKnobs {
    /// Preset the knobs modify. Default `competition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// See [`Regime::pooling`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooling: Option<f64>,
    /// See [`Regime::staff_sharing`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_sharing: Option<f64>,
    /// See [`Regime::routing`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    /// See [`Regime::integration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<f64>,
    /// See [`Regime::coordination_cost`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordination_cost: Option<f64>,
    /// See [`Regime::payment`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
}

impl Serialize for RegimeSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RegimeSpec::Preset(name) => s.serialize_str(name),
            RegimeSpec::Knobs(k) => k.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for RegimeSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RegimeSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a preset name ({}) or an object of regime knobs", PRESETS.join(", "))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RegimeSpec, E> {
                Ok(RegimeSpec::Preset(v.to_owned()))
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<RegimeSpec, M::Error> {
                RegimeKnobs::deserialize(de::value::MapAccessDeserializer::new(m)).map(RegimeSpec::Knobs)
            }
        }
        d.deserialize_any(V)
    }
}

fn unknown_preset(path: &str, name: &str) -> Problem {
    Problem::new(path, format!("expected a preset ({}), found `{name}`", PRESETS.join(", ")))
}

fn check_share(path: &str, v: f64) -> Result<f64, Problem> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Problem::new(path, format!("expected a number in [0, 1], found {v}")))
    }
}

impl RegimeSpec {
    /// The point in knob space this spec names.
    pub fn resolve(&self) -> Result<Regime, Problem> {
        match self {
            RegimeSpec::Preset(name) => Regime::preset(name).ok_or_else(|| unknown_preset("regime", name)),
            RegimeSpec::Knobs(k) => {
                let base_name = k.preset.as_deref().unwrap_or("competition");
                let mut r = Regime::preset(base_name).ok_or_else(|| unknown_preset("regime.preset", base_name))?;
                let changed = k.pooling.is_some()
                    || k.staff_sharing.is_some()
                    || k.routing.is_some()
                    || k.integration.is_some()
                    || k.coordination_cost.is_some()
                    || k.payment.is_some();
                if let Some(v) = k.pooling {
                    r.pooling = check_share("regime.pooling", v)?;
                }
                if let Some(v) = k.staff_sharing {
                    r.staff_sharing = check_share("regime.staff_sharing", v)?;
                }
                if let Some(v) = k.routing {
                    if let Routing::Mix(w) = v {
                        check_share("regime.routing", w)?;
                    }
                    r.routing = v;
                }
                if let Some(v) = k.integration {
                    r.integration = check_share("regime.integration", v)?;
                }
                if let Some(v) = k.coordination_cost {
                    let max = super::bounds::MAX_MONEY;
                    if !(v.is_finite() && (0.0..=max).contains(&v)) {
                        return Err(Problem::new(
                            "regime.coordination_cost",
                            format!("expected a number in [0, {max}] (£ per provider per week), found {v}"),
                        ));
                    }
                    r.coordination_cost = v;
                }
                if let Some(v) = k.payment {
                    v.check("regime.payment")?;
                    r.payment = v;
                }
                if changed {
                    r.name = if k.preset.is_some() { format!("{base_name}*") } else { "custom".into() };
                }
                Ok(r)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> RegimeSpec {
        serde_json::from_str(json).expect("regime parses")
    }

    #[test]
    fn presets_resolve_to_their_knobs() {
        let c = parse(r#""collaboration""#).resolve().expect("preset");
        assert_eq!(c.pooling, 1.0);
        assert_eq!(c.routing, Routing::Network);
        let k = parse(r#"{"preset": "collaboration", "pooling": 0.5, "routing": 0.25}"#).resolve().expect("knobs");
        assert_eq!(k.pooling, 0.5);
        assert_eq!(k.network_share(), 0.25);
        assert_eq!(k.staff_sharing, 0.2, "unset knobs keep the preset's value");
        assert_eq!(k.name, "collaboration*");
    }

    #[test]
    fn contracts_pay_the_baseline_and_a_share_of_the_difference() {
        let mret = Rates { above: 0.3, below: 1.0 };
        // 120 episodes against a baseline of 100: the baseline and 30% of the 20 above it.
        assert_eq!(mret.paid_episodes(120.0, Some(100.0)), 106.0);
        // 80 against 100: every episode short of the baseline is lost in full.
        assert_eq!(mret.paid_episodes(80.0, Some(100.0)), 80.0);
        assert_eq!(mret.marginal(80.0, Some(100.0)), 1.0);
        assert_eq!(mret.marginal(120.0, Some(100.0)), 0.3);
        let block = Rates { above: 0.0, below: 0.0 };
        assert_eq!(block.paid_episodes(80.0, Some(100.0)), 100.0);
        assert_eq!(block.paid_episodes(80.0, None), 80.0, "no baseline yet: activity is paid");
        assert_eq!(Rates::ACTIVITY.paid_episodes(80.0, Some(100.0)), 80.0);
        let aligned = Regime::preset("aligned").expect("a preset");
        assert_eq!(aligned.payment.rates(true), Rates::ACTIVITY);
        assert_eq!(aligned.payment.rates(false), block);
        assert_eq!((aligned.pooling, aligned.routing), (0.0, Routing::Choice));
        let e =
            parse(r#"{"payment": {"elective": {"above": 1, "below": 1}, "emergency": {"above": 1.5, "below": 0}}}"#)
                .resolve()
                .expect_err("out of range");
        assert_eq!(e.path, "regime.payment.emergency.above");
    }

    #[test]
    fn bad_knobs_name_their_path() {
        let e = parse(r#"{"pooling": 1.5}"#).resolve().expect_err("out of range");
        assert_eq!(e.path, "regime.pooling");
        let e = parse(r#""anarchy""#).resolve().expect_err("unknown preset");
        assert!(e.message.contains("competition, collaboration, integrated, aligned"));
        assert!(serde_json::from_str::<RegimeSpec>(r#"{"pooling": 0.5, "colour": 1}"#).is_err());
        assert!(serde_json::from_str::<RegimeSpec>(r#"{"routing": "lottery"}"#).is_err());
    }

    #[test]
    fn round_trips_through_json() {
        for json in [r#""integrated""#, r#"{"preset":"competition","routing":"network"}"#] {
            let spec = parse(json);
            assert_eq!(serde_json::to_string(&spec).expect("serialises"), json);
        }
    }
}
