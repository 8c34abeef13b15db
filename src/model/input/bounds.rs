//! The plausible range of every number a scenario may hold.
//!
//! Each bound is far beyond any real health economy (England has 57 million
//! residents; the largest trust employs about 20,000 staff; no NHS tariff
//! exceeds £100,000) yet small enough that no count, sum or amount of money
//! in a run can overflow or lose its meaning: with at most
//! [`MAX_WEEKLY_REFERRALS`] referrals a week, [`MAX_MONEY`] per episode and
//! [`MAX_WEEKS`] weeks, the largest sum of money is below 10^26 pence, far
//! inside [`Money`](crate::model::money::Money)'s ±1.7·10^38, and every weekly count
//! fits a `u32` with room to spare. A value outside its range is refused by
//! validation with the field, the value and the range. The [`Problem`] type
//! and the range checks every part of a scenario uses live here too.

use std::fmt;

/// Minutes a unit may draw as if nearer or further than its road time
/// (`providers[].services.<id>.conveyance_minutes`): two hours.
pub const MAX_CONVEYANCE_MINUTES: f64 = 120.0;
/// Residents of one locality, people (England: 5.7·10^7).
pub const MAX_POPULATION: f64 = 1e9;
/// Referrals per 1,000 residents per year, per age band (10 per person a year).
pub const MAX_REFERRAL_RATE: f64 = 1e4;
/// Expected referrals a week across the whole scenario, after any timed
/// demand multiplier (England's hospital activity is about 10^6 a week).
pub const MAX_WEEKLY_REFERRALS: f64 = 1e8;
/// A timed demand multiplier.
pub const MAX_DEMAND_MULTIPLIER: f64 = 100.0;
/// Land area of a locality, km² (England: 1.3·10^5).
pub const MAX_AREA_KM2: f64 = 1e7;
/// Any distance, km (half the Earth's circumference).
pub const MAX_KM: f64 = 20_000.0;
/// A price or cost per episode, or per person, £ (tariffs: £10^7).
pub const MAX_MONEY: f64 = 1e7;
/// An annual cost of one WTE, £.
pub const MAX_ANNUAL_COST: f64 = 1e7;
/// A provider's cash or debt, £ (the NHS's whole budget is about £1.8·10^11 a year).
pub const MAX_BALANCE: f64 = 1e13;
/// A provider's fixed costs, £ a week.
pub const MAX_FIXED_COST: f64 = 1e10;
/// Staff of one group at one provider, WTE.
pub const MAX_STAFF: f64 = 1e6;
/// Staff hours per episode, per group.
pub const MAX_STAFF_HOURS: f64 = 1e4;
/// A staffing standard, episodes a year per WTE.
pub const MAX_EPISODES_PER_WTE: f64 = 1e6;
/// A provider's capacity for one service, episodes (or beds) a week.
pub const MAX_CAPACITY: f64 = 1e7;
/// A minimum safe volume, episodes a year.
pub const MAX_VOLUME: f64 = 1e8;
/// Newly trained staff entering a region a year, WTE per group.
pub const MAX_INFLOW: f64 = 1e6;
/// Longest training pipeline, years.
pub const MAX_TRAINING_YEARS: u32 = 15;
/// Any span of time in weeks: 1,000 years, the same as `--years` allows.
pub const MAX_WEEKS: u32 = 52_000;
/// A behavioural weight or cost scale (altruism, the cost of quality or efficiency).
pub const MAX_WEIGHT: f64 = 1e9;
/// The sharing cost of one redeployed staff hour, £.
pub const MAX_HOURLY_COST: f64 = 1e4;
/// Localities in one scenario (England has 32,844 LSOAs).
pub const MAX_LOCALITIES: usize = 1_000_000;
/// Providers in one scenario.
pub const MAX_PROVIDERS: usize = 1_000_000;
/// Services in one scenario.
pub const MAX_SERVICES: usize = 4_000;

/// One problem found in a scenario: where it is and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted field path, e.g. `providers[2].services.maternity.capacity`.
    pub path: String,
    /// What was expected and what was found.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

/// A field of one entry of a map or list, written as its path only when a
/// problem needs it: `services.maternity.tariff`, `providers[2].quality`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldOf<'k, 'f> {
    /// `{map}.{key}.{field}`.
    Keyed(&'static str, &'k str, &'f str),
    /// `{list}[{index}].{field}`.
    Indexed(&'static str, usize, &'f str),
}

/// `at`, as a closure that takes a field of any lifetime.
pub(crate) fn fields_of<'k, F: for<'f> Fn(&'f str) -> FieldOf<'k, 'f>>(at: F) -> F {
    at
}

impl fmt::Display for FieldOf<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldOf::Keyed(map, key, field) => write!(f, "{map}.{key}.{field}"),
            FieldOf::Indexed(list, index, field) => write!(f, "{list}[{index}].{field}"),
        }
    }
}

impl From<FieldOf<'_, '_>> for String {
    fn from(path: FieldOf<'_, '_>) -> String {
        path.to_string()
    }
}

/// Adds a problem unless `value` is finite and in `[lo, hi]`.
/// `path` is anything that writes the field's path (a `&str`, or
/// `format_args!` so that it is written only when there is a problem: a
/// large scenario has tens of thousands of fields, nearly all good).
pub(crate) fn check_range(problems: &mut Vec<Problem>, path: impl fmt::Display, value: f64, lo: f64, hi: f64) {
    if !(value.is_finite() && value >= lo && value <= hi) {
        problems.push(Problem::new(path.to_string(), out_of_range(value, lo, hi)));
    }
}

/// Adds a problem unless `weeks` is in `[min, MAX_WEEKS]` (1,000 years).
pub(crate) fn check_weeks(problems: &mut Vec<Problem>, path: impl fmt::Display, weeks: u32, min: u32) {
    if !(min..=MAX_WEEKS).contains(&weeks) {
        problems.push(Problem::new(
            path.to_string(),
            format!("expected a whole number of weeks in [{min}, {MAX_WEEKS}] (1,000 years), found {weeks}"),
        ));
    }
}

/// "expected a number in [lo, hi], found value", with very large or small
/// numbers in scientific notation.
pub(crate) fn out_of_range(value: f64, lo: f64, hi: f64) -> String {
    format!("expected a number in [{}, {}], found {}", show(lo), show(hi), show(value))
}

/// A number as a person reads it: `1e308` rather than 309 digits.
pub(crate) fn show(v: f64) -> String {
    if v != 0.0 && v.is_finite() && (v.abs() >= 1e7 || v.abs() < 1e-4) { format!("{v:e}") } else { format!("{v}") }
}

/// Adds a problem unless `value` is finite and in `[0, max]`.
pub(crate) fn check_nonneg(problems: &mut Vec<Problem>, path: impl fmt::Display, value: f64, max: f64) {
    check_range(problems, path, value, 0.0, max);
}
