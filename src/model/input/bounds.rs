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
//! validation with the field, the value and the range.

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
/// A provider's capacity for one service, episodes (or beds) a week.
pub const MAX_CAPACITY: f64 = 1e7;
/// A minimum safe volume, episodes a year.
pub const MAX_VOLUME: f64 = 1e8;
/// Newly trained staff entering a region a year, WTE per group.
pub const MAX_INFLOW: f64 = 1e6;
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
