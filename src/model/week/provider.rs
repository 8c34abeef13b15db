//! A provider's state: its units (one per service it offers: capacity,
//! waiting list, volume), its staff by group, its money and its choices.

use serde::{Deserialize, Serialize};

use super::before_decision::Before;
use super::queue::{Cohort, WaitingList};
use super::routing::NO_CAPACITY_WAIT;
use crate::model::accounts::Accounts;
use crate::model::configuration::UnitLoad;
use crate::model::metrics::{Listed, WeekFigures};
use crate::model::money::Money;
use crate::model::scenario::Capability;
use crate::model::world::Service;

/// Weeks in the trailing window that defines a unit's annual volume.
const VOLUME_WINDOW: usize = 52;

/// Weeks within which an elective episode cancelled for want of a bed is
/// given again: the NHS's 28-day standard for operations cancelled on the
/// day for non-clinical reasons (NHS Constitution handbook).
pub const REBOOK_WEEKS: usize = 4;

/// Elective episodes cancelled for want of a bed, as the NHS counts
/// operations cancelled for non-clinical reasons: how many, and how many of
/// them were not given again within 28 days.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cancelled {
    /// Cancelled for want of a bed.
    pub for_beds: u64,
    /// Of them, not given again within 28 days.
    pub not_rebooked: u64,
}

/// Elective episodes cancelled for want of a bed in each of the last
/// [`REBOOK_WEEKS`] weeks and not yet given again, by week (a ring: week
/// `w`'s at `w % REBOOK_WEEKS`).
#[derive(Debug, Clone, Default)]
pub(super) struct Rebook([u32; REBOOK_WEEKS]);

impl Rebook {
    /// Episodes still to be given again at week `week` (those of weeks
    /// `week − REBOOK_WEEKS` to `week − 1`).
    pub(super) fn due(&self) -> u32 {
        self.0.iter().sum()
    }

    /// Gives `n` of them again at week `week`, the oldest first, and records
    /// the week's own cancellations; what is left of the oldest week's
    /// passes its 28 days and is dropped. Returns how many were dropped.
    pub(super) fn settle(&mut self, week: u32, mut n: u32, cancelled: u32) -> u32 {
        for k in 0..REBOOK_WEEKS {
            let i = (week as usize + k) % REBOOK_WEEKS;
            let take = self.0[i].min(n);
            self.0[i] -= take;
            n -= take;
        }
        let i = week as usize % REBOOK_WEEKS;
        std::mem::replace(&mut self.0[i], cancelled)
    }

    /// Takes over another unit's cancellations, week by week.
    fn absorb(&mut self, other: &Rebook) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// Treated episodes over the last 52 weeks.
#[derive(Debug, Clone)]
pub(super) struct VolumeWindow {
    weeks: [u32; VOLUME_WINDOW],
    next: usize,
    sum: u64,
}

impl VolumeWindow {
    /// A window primed as if the unit had run at `weekly` episodes a week
    /// (the planned activity), so the first year does not read as tiny.
    fn primed(weekly: f64) -> Self {
        let w = weekly.round().max(0.0) as u32;
        VolumeWindow { weeks: [w; VOLUME_WINDOW], next: 0, sum: u64::from(w) * VOLUME_WINDOW as u64 }
    }

    pub(super) fn push(&mut self, n: u32) {
        self.sum -= u64::from(self.weeks[self.next]);
        self.weeks[self.next] = n;
        self.sum += u64::from(n);
        self.next = (self.next + 1) % VOLUME_WINDOW;
    }

    /// Adds another unit's history, week by week.
    pub(super) fn absorb(&mut self, other: &VolumeWindow) {
        for i in 0..VOLUME_WINDOW {
            self.weeks[(self.next + i) % VOLUME_WINDOW] += other.weeks[(other.next + i) % VOLUME_WINDOW];
        }
        self.sum += other.sum;
    }
}

/// One service at one provider.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Routine only, or routine and complex.
    pub capability: Capability,
    /// Physical capacity: episodes per week, or beds for a service with a
    /// length of stay.
    pub capacity: f64,
    /// Mean length of stay, weeks (0: capacity is episodes a week).
    pub stay: f64,
    /// Beds occupied (services with a length of stay).
    pub occupied: u32,
    /// Capacity this week given the staff available, episodes per week.
    pub staffed: f64,
    /// Episodes a week the provider staffs the unit for: its wanted
    /// activity within physical capacity at the last decision (physical
    /// capacity until the first), what its establishment is planned on.
    pub(super) staffed_for: f64,
    /// Elective waiting list.
    pub queue: WaitingList,
    /// Weeks of the pathway before the decision to admit, for patients joining the list.
    pub before: Before,
    /// Fractional capacity carried to the next week (so 2.5 a week is 2, 3, 2, 3, ...).
    pub(super) carry: f64,
    /// Whole episodes available this week.
    pub(super) slots: u32,
    /// Elective episodes cancelled for want of a bed, to be given again
    /// within 28 days.
    pub(super) rebook: Rebook,
    /// Elective episodes cancelled for want of a bed in the measured
    /// window, and of them those not given again within 28 days.
    pub cancelled: Cancelled,
    /// Episodes given this week.
    pub(super) used: u32,
    /// Patients asking for this unit this week (elective list before
    /// treatment, or emergency arrivals): the pressure on its staff.
    pub(super) pressure: u32,
    /// Emergency arrivals this week.
    pub(super) arrivals: Vec<Cohort>,
    /// Trailing annual volume.
    pub(super) volume: VolumeWindow,
    /// Trailing annual volume of complex cases.
    pub(super) complex_volume: VolumeWindow,
    /// Complex cases treated this week.
    pub(super) complex_used: u32,
    /// The contract's baseline, episodes a week: the unit's activity over
    /// the last contract year (`None` in the first, when every episode is
    /// paid).
    pub(super) baseline: Option<f64>,
    /// Episodes given since the contract year began.
    pub(super) year_used: u64,
    /// Patients routed here since the last decision.
    pub(super) interval_arrivals: u64,
    /// Contribution (tariff income less direct costs) since the last decision, £.
    pub(super) interval_contribution: f64,
    /// Episodes treated in the measured window.
    pub treated: u64,
}

impl Unit {
    /// A unit at the start of a run. Its volume windows are primed at its
    /// planned activity, the complex one at the service's complex share of
    /// it for a unit of the complex level (none for the routine level).
    pub(super) fn new(capability: Capability, capacity: f64, stay: f64, complex_share: f64, before: Before) -> Self {
        let weekly = if stay > 0.0 { capacity / stay } else { capacity };
        let complex = if capability == Capability::Complex { weekly * complex_share } else { 0.0 };
        Unit {
            capability,
            capacity,
            stay,
            occupied: 0,
            staffed: capacity,
            staffed_for: weekly,
            queue: WaitingList::default(),
            before,
            carry: 0.0,
            slots: 0,
            rebook: Rebook::default(),
            cancelled: Cancelled::default(),
            used: 0,
            pressure: weekly.round() as u32,
            arrivals: Vec::new(),
            volume: VolumeWindow::primed(weekly),
            complex_volume: VolumeWindow::primed(complex),
            complex_used: 0,
            baseline: None,
            year_used: 0,
            interval_arrivals: 0,
            interval_contribution: 0.0,
            treated: 0,
        }
    }

    /// Places of capacity an episode a week takes: its length of stay in
    /// beds for a service with one, else one episode.
    pub(super) fn places_per_episode(&self) -> f64 {
        if self.stay > 0.0 { self.stay } else { 1.0 }
    }

    /// Episodes a week at a given capacity (beds turn over once per length of stay).
    pub(super) fn per_week(&self, capacity: f64) -> f64 {
        if self.stay > 0.0 { capacity / self.stay } else { capacity }
    }

    /// Episodes a week at physical capacity.
    pub fn throughput(&self) -> f64 {
        self.per_week(self.capacity)
    }

    /// Expected wait for a new elective patient, weeks: the list over this
    /// week's staffed episodes a week.
    pub fn expected_wait(&self) -> f64 {
        let weekly = self.per_week(self.staffed);
        if weekly <= 0.0 { NO_CAPACITY_WAIT } else { (self.queue.len() as f64 / weekly).min(NO_CAPACITY_WAIT) }
    }

    /// Episodes in the last 52 weeks.
    pub fn annual_volume(&self) -> u64 {
        self.volume.sum
    }

    /// Complex episodes in the last 52 weeks.
    pub fn annual_complex_volume(&self) -> u64 {
        self.complex_volume.sum
    }

    /// Takes over another unit: its capacity, the activity its staff are
    /// planned for, capability, patients (in arrival order), volume history
    /// and the episodes it treated in the measured window.
    pub(super) fn absorb(&mut self, other: Unit) {
        self.capacity += other.capacity;
        self.staffed += other.staffed;
        self.staffed_for += other.staffed_for;
        self.occupied += other.occupied;
        self.capability = self.capability.max(other.capability);
        self.queue.merge(other.queue);
        self.volume.absorb(&other.volume);
        self.complex_volume.absorb(&other.complex_volume);
        self.complex_used += other.complex_used;
        self.baseline = match (self.baseline, other.baseline) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        self.year_used += other.year_used;
        self.interval_arrivals += other.interval_arrivals;
        self.treated += other.treated;
        self.rebook.absorb(&other.rebook);
        self.cancelled.for_beds += other.cancelled.for_beds;
        self.cancelled.not_rebooked += other.cancelled.not_rebooked;
    }
}

/// One staff group at one provider.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Staff {
    /// WTE in post by age band (under 40, 40–54, 55+).
    pub bands: [f64; 3],
    /// Funded WTE: the recruitment target.
    pub establishment: f64,
    /// Agency WTE covering vacancies this week.
    pub agency: f64,
    /// Hours redeployed here from other providers this week.
    pub shared_in: f64,
    /// Hours redeployed from here to other providers this week.
    pub shared_out: f64,
    /// Hours this week's patients would need (capped at physical capacity).
    pub needed: f64,
}

impl Staff {
    /// WTE in post.
    pub fn in_post(&self) -> f64 {
        self.bands.iter().sum()
    }

    /// Funded posts not filled by staff in post, WTE.
    pub fn vacancies(&self) -> f64 {
        (self.establishment - self.in_post()).max(0.0)
    }

    /// Clinical hours available this week: own staff, agency, and redeployment.
    pub fn hours(&self, hours_per_wte: f64) -> f64 {
        (self.in_post() + self.agency) * hours_per_wte + self.shared_in - self.shared_out
    }

    /// Moves a share of this group (staff in post and establishment) out.
    pub(super) fn split_off(&mut self, share: f64) -> Staff {
        let moved = Staff {
            bands: self.bands.map(|b| b * share),
            establishment: self.establishment * share,
            ..Staff::default()
        };
        for (b, m) in self.bands.iter_mut().zip(moved.bands) {
            *b -= m;
        }
        self.establishment -= moved.establishment;
        moved
    }

    /// Adds moved staff.
    pub(super) fn join(&mut self, moved: &Staff) {
        for (b, m) in self.bands.iter_mut().zip(moved.bands) {
            *b += m;
        }
        self.establishment += moved.establishment;
    }
}

/// A provider's changing state.
#[derive(Debug, Clone)]
pub struct ProviderState {
    /// Whether the provider still exists (not merged away).
    pub open: bool,
    /// Latent quality (0 is the level the baseline risks refer to).
    pub quality: f64,
    /// Cost-efficiency effort: share of variable cost saved.
    pub efficiency: f64,
    /// Wage premium over national pay, as a share.
    pub premium: f64,
    /// Planner's quality grant this decision period, £ per week.
    pub grant: f64,
    /// Quality payment (the tariff's withheld share paid back for quality)
    /// this decision period, £ per week.
    pub quality_payment: f64,
    /// Implementing the quality standardisation added at the last decision,
    /// £ per week over this decision period.
    pub standardising: f64,
    /// Units by service index (`None`: not offered).
    pub units: Vec<Option<Unit>>,
    /// Staff by group.
    pub staff: [Staff; 4],
    /// Cash, £ (negative: overdraft).
    pub cash: Money,
    /// Debt, £.
    pub debt: Money,
    /// £ per week, before integration savings.
    pub fixed_cost: f64,
    /// Share of needed staff hours not covered this week.
    pub staffing_shortfall: f64,
    /// Cost of this week's recruits from abroad, £, paid next week.
    pub(super) recruitment_due: f64,
    /// Hours demanded over hours available this week.
    pub utilisation: f64,
    /// Consecutive weeks with utilisation above the burnout threshold.
    pub stretched_weeks: u32,
    /// Consecutive weeks with cash below the failure threshold.
    pub failing_weeks: u32,
    /// Recovery plans since the provider's cash was last non-negative.
    pub recovery_plans: u32,
    /// Shared general and acute beds (`None`: no limit).
    pub beds: Option<f64>,
    /// Bed-days left this week (infinite without a limit).
    pub(super) bed_days_left: f64,
    /// Bed-days used and available in the measured weeks.
    pub bed_days_measured: (f64, f64),
    /// Accounts of the current week.
    pub week: Accounts,
    /// Σ baseline and modelled risk of patients treated since the last
    /// decision, for the planner's view of outcomes.
    pub(super) interval_risk: (f64, f64),
    /// Tariff income before withholding (contract value) since the last
    /// decision, £.
    pub(super) interval_tariff: f64,
    /// Surplus (income and risk-pool transfers less costs) since the last
    /// decision, £.
    pub(super) interval_surplus: f64,
}

impl ProviderState {
    /// What each of its units needs at full capacity (no throughput for a
    /// service it does not offer), in service order, valuing an episode at
    /// `tariffs[s]`: the basis of a unit's share of staff, beds and fixed
    /// costs ([`unit_shares`](crate::model::configuration::unit_shares)).
    pub fn unit_loads(&self, services: &[Service], tariffs: impl Fn(usize) -> f64) -> Vec<UnitLoad> {
        self.units
            .iter()
            .zip(services)
            .enumerate()
            .map(|(si, (u, v))| UnitLoad {
                throughput: u.as_ref().map_or(0.0, Unit::throughput),
                staff_hours: v.staff_hours,
                tariff: tariffs(si),
                bed_days: v.bed_days,
            })
            .collect()
    }

    /// How many episodes that take `bed_days` each the beds left this week
    /// allow (no limit for a service without bed-days or a provider without beds).
    pub(super) fn bed_room(&self, bed_days: f64) -> u32 {
        self.room_above(0.0, bed_days)
    }

    /// How many elective episodes of `bed_days` each the beds allow this
    /// week when electives may fill only the share `limit` of them.
    pub(super) fn elective_bed_room(&self, bed_days: f64, limit: f64) -> u32 {
        self.room_above(self.beds.map_or(0.0, |b| (1.0 - limit) * b * 7.0), bed_days)
    }

    /// How many episodes of `bed_days` each fit in this week's bed-days
    /// left beyond `reserve` of them.
    fn room_above(&self, reserve: f64, bed_days: f64) -> u32 {
        if bed_days <= 0.0 || self.bed_days_left.is_infinite() {
            u32::MAX
        } else {
            ((self.bed_days_left - reserve).max(0.0) / bed_days).floor().clamp(0.0, f64::from(u32::MAX)) as u32
        }
    }

    /// Takes the beds of `n` episodes of `bed_days` each.
    pub(super) fn use_beds(&mut self, n: u32, bed_days: f64) {
        if bed_days > 0.0 && self.bed_days_left.is_finite() {
            self.bed_days_left = (self.bed_days_left - f64::from(n) * bed_days).max(0.0);
        }
    }

    /// Share of the measured weeks' bed-days used (`None` without beds).
    pub fn bed_occupancy(&self) -> Option<f64> {
        let (used, available) = self.bed_days_measured;
        (available > 0.0).then(|| used / available)
    }

    /// Patients on all this provider's waiting lists.
    pub fn waiting(&self) -> u64 {
        self.units.iter().flatten().map(|u| u.queue.len()).sum()
    }

    /// Total WTE in post.
    pub fn staff_wte(&self) -> f64 {
        self.staff.iter().map(Staff::in_post).sum()
    }

    /// Total funded WTE.
    pub fn establishment(&self) -> f64 {
        self.staff.iter().map(|s| s.establishment).sum()
    }

    /// Total vacancies, WTE.
    pub fn vacancies(&self) -> f64 {
        self.staff.iter().map(Staff::vacancies).sum()
    }

    /// Physical capacity of all units, episodes per week.
    pub fn capacity(&self) -> f64 {
        self.units.iter().flatten().map(Unit::throughput).sum()
    }
}

/// One measured week's figures of the open providers, for the measures.
pub(super) fn week_figures(providers: &[ProviderState]) -> WeekFigures {
    let open: Vec<_> = providers.iter().filter(|p| p.open).collect();
    WeekFigures {
        establishment: open.iter().map(|p| p.establishment()).sum(),
        vacancies: open.iter().map(|p| p.vacancies()).sum(),
        staff: open.iter().map(|p| p.staff_wte()).sum(),
        agency: open.iter().map(|p| p.staff.iter().map(|s| s.agency).sum::<f64>()).sum(),
        utilisation: open.iter().filter(|p| p.capacity() > 0.0).map(|p| p.utilisation).collect(),
        mean_quality: (!open.is_empty()).then(|| open.iter().map(|p| p.quality).sum::<f64>() / open.len() as f64),
    }
}

/// Hands `each` every open provider's waiting patients at the end of
/// `week`, by unit, whole weeks waited and group of localities.
pub(super) fn each_listed(providers: &[ProviderState], week: u32, mut each: impl FnMut(Listed)) {
    for (provider, p) in providers.iter().enumerate().filter(|(_, p)| p.open) {
        for (service, u) in p.units.iter().enumerate() {
            let Some(u) = u else { continue };
            for (weeks, by_group) in u.queue.clocks().by_wait(week) {
                for (group, &patients) in by_group.iter().enumerate().filter(|(_, n)| **n > 0) {
                    each(Listed { provider, service, weeks, group, patients });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit that takes over another is staffed for both units' work, as
    /// the two were, so the staff who move with it cover the same activity.
    #[test]
    fn a_unit_taken_over_brings_the_work_its_staff_are_planned_for() {
        let unit = |capacity| Unit::new(Capability::Routine, capacity, 0.0, 0.0, Before::exponential(0.0));
        let (mut a, mut b) = (unit(6.0), unit(4.0));
        a.staffed_for = 5.0;
        b.staffed_for = 3.5;
        a.absorb(b);
        assert_eq!((a.capacity, a.staffed, a.staffed_for), (10.0, 10.0, 8.5));
    }

    /// Cancellations are given again oldest first, and what is still owed
    /// four weeks on is dropped.
    #[test]
    fn rebooking_gives_the_oldest_first_and_drops_them_after_four_weeks() {
        let mut r = Rebook::default();
        assert_eq!(r.settle(10, 0, 5), 0);
        assert_eq!(r.settle(11, 0, 3), 0);
        assert_eq!(r.due(), 8);
        // Week 12 gives 6 again: week 10's 5, then 1 of week 11's.
        assert_eq!(r.settle(12, 6, 0), 0);
        assert_eq!(r.due(), 2);
        assert_eq!(r.settle(13, 0, 0), 0);
        assert_eq!(r.settle(14, 0, 0), 0);
        // Week 11's last 2 are still owed at week 15 and dropped after it.
        assert_eq!(r.due(), 2);
        assert_eq!(r.settle(15, 0, 4), 2);
        assert_eq!(r.due(), 4);
    }
}
