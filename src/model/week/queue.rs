//! Patients and waiting lists.
//!
//! Patients are held as cohorts: the patients of one week from one locality
//! with the same complexity, who are indistinguishable to every later step.
//! Every random draw made for a cohort (its size, its split between
//! providers, its adverse outcomes) has exactly the distribution of the draws
//! for its members one by one (Poisson thinning, multinomial splitting,
//! binomial outcomes), so cohorts change the speed of a run, not its model.

use std::collections::VecDeque;

use crate::model::scenario::Capability;
use crate::model::world::LocalityId;

/// Patients who arrived in the same week from the same locality with the
/// same complexity, waiting for or receiving the same service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cohort {
    /// Week of referral (negative for patients already on a list when the
    /// run starts).
    pub arrival: i32,
    /// Where the patients live.
    pub locality: LocalityId,
    /// What they need, and whether they were moved for it.
    pub case: Case,
    /// The service whose baseline risk the patients carry: the one they
    /// were referred for (for patients whom integration moved to community
    /// care, the acute service they would have had).
    pub risk_of: u16,
    /// Weeks their referral-to-treatment clock had run when they joined
    /// the list (the pathway before the decision to admit; 0 for patients
    /// whose `arrival` is already their clock start).
    pub before: u8,
    /// Number of patients.
    pub count: u32,
}

/// What a cohort's patients need, and whether they have been moved for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Any unit of the service can treat them.
    Routine,
    /// Only a unit at the complex level can treat them.
    Complex,
    /// Complex, not recognised in time: they present where a routine case
    /// would (`transfers.unplanned_share`), at the site of their unit they
    /// reach first, and a site below the complex level transfers them.
    Unplanned,
    /// Complex, and transferred from a unit of the routine level where they
    /// first presented (`services.<id>.transfers`).
    Transferred,
    /// Complex, recognised in time and taken straight to a unit of the
    /// complex level past the nearest unit, which is of the routine level
    /// (for neonatal care, an in-utero transfer: the mother moved before the
    /// birth). Their odds carry no transfer term.
    Ahead,
    /// Routine, and moved during care to the nearest unit of the complex
    /// level from one below it (`transfers.routine_share`; for maternity,
    /// an intrapartum transfer from a midwife-led unit). They keep the
    /// routine risk, with no transfer term, and are not moved again.
    RoutineMoved,
    /// Routine, and moved during care from a unit of the basic level to the
    /// nearest of the routine level or above (`transfers.basic_share`; a
    /// baby needing high-dependency care at a special care unit), as
    /// [`Case::RoutineMoved`].
    BasicMoved,
}

impl Case {
    /// The case of level `k` (0 routine, 1 complex) that has not moved.
    pub fn of_level(k: usize) -> Case {
        if k == 0 { Case::Routine } else { Case::Complex }
    }

    /// The level of care it needs: 0 routine, 1 complex.
    #[inline]
    pub fn level(self) -> usize {
        usize::from(!matches!(self, Case::Routine | Case::RoutineMoved | Case::BasicMoved))
    }

    /// The lowest level of the site where they are treated: any for a
    /// routine case that has not moved, the level it was moved to for one
    /// moved during care, the complex level for a complex case.
    pub fn treated_at(self) -> Capability {
        match self {
            Case::Routine => Capability::Basic,
            Case::BasicMoved => Capability::Routine,
            _ => Capability::Complex,
        }
    }
}

impl Cohort {
    /// Weeks waited by week `now`, from the start of the referral-to-treatment clock.
    pub fn wait_at(&self, now: u32) -> u32 {
        weeks_since(now, self.clock_start())
    }

    /// The week their referral-to-treatment clock started.
    fn clock_start(&self) -> i32 {
        self.arrival - i32::from(self.before)
    }
}

/// Weeks from a clock started in week `start` to week `now` (0 at least).
fn weeks_since(now: u32, start: i32) -> u32 {
    (i64::from(now) - i64::from(start)).max(0) as u32
}

/// A waiting list served by clinical priority, then first come, first
/// served: urgent patients (`services.<id>.urgent_share`) before routine
/// ones, each in the order they joined.
///
/// Beside its cohorts a list keeps its patients counted by the week their
/// clock started and their locality's group ([`Clocks`]), so that a census
/// reads the list's weeks rather than every cohort.
#[derive(Debug, Clone, Default)]
pub struct WaitingList {
    /// The urgent cohorts, in the order they joined.
    urgent: VecDeque<Cohort>,
    /// The routine cohorts, in the order they joined.
    routine: VecDeque<Cohort>,
    len: u64,
    clocks: Clocks,
}

/// Patients counted by the week their referral-to-treatment clock started
/// (`arrival − before`) and the group of their locality (0 urban, 1 rural,
/// as the measures split them), in a table indexed by week from the
/// earliest start held: a run's weeks are few, so the table grows at its
/// end and keeps its emptied weeks at the front, skipped from `first`.
#[derive(Debug, Clone, Default)]
pub struct Clocks {
    /// The clock start of `counts[0]`.
    base: i32,
    /// `counts[i][g]`: patients of group `g` whose clock started in week `base + i`.
    counts: Vec<[u64; 2]>,
    /// The first index that may hold patients (every one before it is empty).
    first: usize,
}

impl Clocks {
    #[inline]
    fn add(&mut self, start: i32, group: u8, n: u64) {
        let i = start.wrapping_sub(self.base) as u32 as usize;
        match self.counts.get_mut(i) {
            Some(c) => {
                c[usize::from(group)] += n;
                self.first = self.first.min(i);
            }
            None => self.add_outside(start, group, n),
        }
    }

    /// [`Clocks::add`] for a clock start before the first or after the last held.
    #[cold]
    fn add_outside(&mut self, start: i32, group: u8, n: u64) {
        if self.counts.is_empty() {
            self.base = start;
        }
        if start < self.base {
            let before = (self.base - start) as usize;
            self.counts.splice(0..0, std::iter::repeat_n([0; 2], before));
            self.base = start;
            self.first += before;
        }
        let i = (start - self.base) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, [0; 2]);
        }
        self.counts[i][usize::from(group)] += n;
        self.first = self.first.min(i);
    }

    #[inline]
    fn remove(&mut self, start: i32, group: u8, n: u64) {
        let i = (start - self.base) as usize;
        self.counts[i][usize::from(group)] -= n;
        if i == self.first {
            while self.counts.get(self.first) == Some(&[0; 2]) {
                self.first += 1;
            }
        }
    }

    /// Patients by weeks waited at week `now` (the clock's weeks, 0 at
    /// least) and group, longest first; a wait may repeat only at 0.
    pub fn by_wait(&self, now: u32) -> impl Iterator<Item = (u32, [u64; 2])> + '_ {
        self.held().map(move |(start, n)| (weeks_since(now, start), n))
    }

    /// The weeks holding patients: each clock start with its counts by group.
    fn held(&self) -> impl Iterator<Item = (i32, [u64; 2])> + '_ {
        let first = self.first.min(self.counts.len());
        (self.base + first as i32..).zip(&self.counts[first..]).filter(|(_, n)| **n != [0; 2]).map(|(s, n)| (s, *n))
    }
}

impl WaitingList {
    /// Patients waiting.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nobody waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The cohorts waiting, in the order they will be served.
    pub fn cohorts(&self) -> impl Iterator<Item = &Cohort> {
        self.urgent.iter().chain(&self.routine)
    }

    /// The patients counted by clock start and group.
    pub fn clocks(&self) -> &Clocks {
        &self.clocks
    }

    /// Adds patients at the back of their priority, urgent or routine;
    /// `groups[l]` is locality `l`'s group.
    pub fn push(&mut self, c: Cohort, urgent: bool, groups: &[u8]) {
        if c.count > 0 {
            self.len += u64::from(c.count);
            self.clocks.add(c.clock_start(), groups[c.locality.index()], u64::from(c.count));
            if urgent { &mut self.urgent } else { &mut self.routine }.push_back(c);
        }
    }

    /// Serves up to `slots` patients, urgent first, each priority oldest
    /// first, handing each served (part of a) cohort to `served`. Returns
    /// patients served. `groups[l]` is locality `l`'s group.
    pub fn serve(&mut self, slots: u32, groups: &[u8], mut served: impl FnMut(Cohort)) -> u32 {
        let mut left = slots;
        for queue in [&mut self.urgent, &mut self.routine] {
            while left > 0 {
                let Some(front) = queue.front_mut() else {
                    break;
                };
                let take = front.count.min(left);
                served(Cohort { count: take, ..*front });
                front.count -= take;
                left -= take;
                self.len -= u64::from(take);
                self.clocks.remove(front.clock_start(), groups[front.locality.index()], u64::from(take));
                if front.count == 0 {
                    queue.pop_front();
                }
            }
        }
        slots - left
    }

    /// Takes every patient of `other`, keeping the order of service: urgent
    /// patients first, each priority first come, first served by referral
    /// week (this list's patients first among equals).
    pub fn merge(&mut self, other: WaitingList) {
        if other.is_empty() {
            return;
        }
        for (mine, theirs) in [(&mut self.urgent, other.urgent), (&mut self.routine, other.routine)] {
            let mut a = std::mem::take(mine).into_iter().peekable();
            let mut b = theirs.into_iter().peekable();
            loop {
                let take_a = match (a.peek(), b.peek()) {
                    (Some(x), Some(y)) => x.arrival <= y.arrival,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                let next = if take_a { a.next() } else { b.next() };
                mine.extend(next);
            }
        }
        self.len += other.len;
        for (start, n) in other.clocks.held() {
            for (g, &n) in n.iter().enumerate().filter(|(_, n)| **n > 0) {
                self.clocks.add(start, g as u8, n);
            }
        }
    }

    /// Weeks waited so far by the patient served next, at week `now`.
    pub fn oldest_wait(&self, now: u32) -> u32 {
        self.cohorts().next().map_or(0, |c| c.wait_at(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cohort(arrival: i32, count: u32) -> Cohort {
        Cohort { arrival, locality: LocalityId(0), case: Case::Routine, risk_of: 0, before: 0, count }
    }

    #[test]
    fn serves_oldest_first_and_splits_cohorts() {
        let mut q = WaitingList::default();
        q.push(cohort(0, 3), false, &[0]);
        q.push(cohort(1, 4), false, &[0]);
        let mut got = Vec::new();
        assert_eq!(q.serve(5, &[0], |c| got.push((c.arrival, c.count))), 5);
        assert_eq!(got, [(0, 3), (1, 2)]);
        assert_eq!(q.len(), 2);
        assert_eq!(q.oldest_wait(4), 3);
        assert_eq!(q.serve(10, &[0], |_| {}), 2);
        assert!(q.is_empty());
    }

    #[test]
    fn merged_lists_keep_referral_order_and_every_patient() {
        let mut a = WaitingList::default();
        a.push(cohort(1, 2), false, &[0]);
        a.push(cohort(5, 1), false, &[0]);
        let mut b = WaitingList::default();
        b.push(cohort(0, 4), false, &[0]);
        b.push(cohort(5, 3), false, &[0]);
        a.merge(b);
        assert_eq!(a.len(), 10);
        let order: Vec<(i32, u32)> = a.cohorts().map(|c| (c.arrival, c.count)).collect();
        assert_eq!(order, [(0, 4), (1, 2), (5, 1), (5, 3)]);
    }

    #[test]
    fn urgent_patients_are_served_before_routine_ones_each_in_order() {
        let mut q = WaitingList::default();
        q.push(cohort(0, 3), false, &[0]);
        q.push(cohort(4, 2), true, &[0]);
        q.push(cohort(1, 1), false, &[0]);
        q.push(cohort(5, 1), true, &[0]);
        let mut got = Vec::new();
        assert_eq!(q.serve(4, &[0], |c| got.push((c.arrival, c.count))), 4);
        assert_eq!(got, [(4, 2), (5, 1), (0, 1)]);
        // An urgent referral joining later still goes before the routine patients left.
        q.push(cohort(6, 1), true, &[0]);
        got.clear();
        assert_eq!(q.serve(10, &[0], |c| got.push((c.arrival, c.count))), 4);
        assert_eq!(got, [(6, 1), (0, 2), (1, 1)]);
        assert!(q.is_empty());
    }

    #[test]
    fn merged_lists_keep_urgent_patients_first() {
        let mut a = WaitingList::default();
        a.push(cohort(0, 2), false, &[0]);
        a.push(cohort(7, 1), true, &[0]);
        let mut b = WaitingList::default();
        b.push(cohort(1, 4), false, &[0]);
        b.push(cohort(3, 2), true, &[0]);
        a.merge(b);
        assert_eq!(a.len(), 9);
        let order: Vec<i32> = a.cohorts().map(|c| c.arrival).collect();
        assert_eq!(order, [3, 7, 0, 1]);
        let mut served = Vec::new();
        a.serve(3, &[0], |c| served.push(c.arrival));
        assert_eq!(served, [3, 7]);
        a.push(cohort(8, 1), true, &[0]);
        assert_eq!(a.cohorts().next().map(|c| c.arrival), Some(8));
    }

    /// Patients counted by clock start and group, recounted from the
    /// cohorts themselves: the counts a census reads are the list's, after
    /// any mix of joining, serving and merging, with clocks started before
    /// the decision to admit and in both groups.
    #[test]
    fn the_clock_counts_are_the_cohorts_counted() {
        use crate::model::rng::SimRng;
        use rand::{RngExt, SeedableRng};
        let groups = [0u8, 1, 1, 0];
        let recount = |q: &WaitingList, now: u32| {
            let mut by_wait = std::collections::BTreeMap::<u32, [u64; 2]>::new();
            for c in q.cohorts() {
                by_wait.entry(c.wait_at(now)).or_default()[usize::from(groups[c.locality.index()])] +=
                    u64::from(c.count);
            }
            by_wait
        };
        let counted = |q: &WaitingList, now: u32| {
            let mut by_wait = std::collections::BTreeMap::<u32, [u64; 2]>::new();
            for (w, n) in q.clocks().by_wait(now) {
                let e = by_wait.entry(w).or_default();
                e[0] += n[0];
                e[1] += n[1];
            }
            by_wait
        };
        let mut rng = SimRng::seed_from_u64(5);
        let join = |q: &mut WaitingList, week: i32, rng: &mut SimRng| {
            for _ in 0..rng.random_range(0..6) {
                let c = Cohort {
                    arrival: week,
                    locality: LocalityId(rng.random_range(0..4)),
                    case: Case::Routine,
                    risk_of: 0,
                    before: rng.random_range(0..30),
                    count: rng.random_range(0..5),
                };
                q.push(c, rng.random_bool(0.2), &groups);
            }
        };
        let (mut a, mut b) = (WaitingList::default(), WaitingList::default());
        for week in -10..120 {
            join(&mut a, week, &mut rng);
            join(&mut b, week, &mut rng);
            let now = week.max(0) as u32;
            a.serve(rng.random_range(0..12), &groups, |_| {});
            b.serve(rng.random_range(0..12), &groups, |_| {});
            if week % 37 == 0 {
                a.merge(std::mem::take(&mut b));
            }
            assert_eq!(counted(&a, now), recount(&a, now), "week {week}");
            assert_eq!(counted(&b, now), recount(&b, now), "week {week}");
            assert_eq!(a.clocks().by_wait(now).map(|(_, n)| n[0] + n[1]).sum::<u64>(), a.len());
        }
        assert!(!a.is_empty(), "the list kept patients to count");
    }
}
