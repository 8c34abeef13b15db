//! Patients and waiting lists.
//!
//! Patients are held as cohorts: the patients of one week from one locality
//! with the same complexity, who are indistinguishable to every later step.
//! Every random draw made for a cohort (its size, its split between
//! providers, its adverse outcomes) has exactly the distribution of the draws
//! for its members one by one (Poisson thinning, multinomial splitting,
//! binomial outcomes), so cohorts change the speed of a run, not its model.

use std::collections::VecDeque;

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
    /// Complex, and transferred from a unit of the routine level where they
    /// first presented (`services.<id>.transfers`).
    Transferred,
}

impl Case {
    /// The case of level `k` (0 routine, 1 complex) that has not moved.
    pub fn of_level(k: usize) -> Case {
        if k == 0 { Case::Routine } else { Case::Complex }
    }

    /// The level of care it needs: 0 routine, 1 complex.
    #[inline]
    pub fn level(self) -> usize {
        usize::from(self != Case::Routine)
    }
}

impl Cohort {
    /// Weeks waited by week `now`, from the start of the referral-to-treatment clock.
    pub fn wait_at(&self, now: u32) -> u32 {
        (i64::from(now) - i64::from(self.arrival) + i64::from(self.before)).max(0) as u32
    }
}

/// A first-come-first-served waiting list.
#[derive(Debug, Clone, Default)]
pub struct WaitingList {
    cohorts: VecDeque<Cohort>,
    len: u64,
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

    /// The cohorts waiting, oldest first.
    pub fn cohorts(&self) -> impl Iterator<Item = &Cohort> {
        self.cohorts.iter()
    }

    /// Adds patients at the back.
    pub fn push(&mut self, c: Cohort) {
        if c.count > 0 {
            self.len += u64::from(c.count);
            self.cohorts.push_back(c);
        }
    }

    /// Serves up to `slots` patients from the front, oldest first, handing
    /// each served (part of a) cohort to `served`. Returns patients served.
    pub fn serve(&mut self, slots: u32, mut served: impl FnMut(Cohort)) -> u32 {
        let mut left = slots;
        while left > 0 {
            let Some(front) = self.cohorts.front_mut() else {
                break;
            };
            let take = front.count.min(left);
            served(Cohort { count: take, ..*front });
            front.count -= take;
            left -= take;
            self.len -= u64::from(take);
            if front.count == 0 {
                self.cohorts.pop_front();
            }
        }
        slots - left
    }

    /// Takes every patient of `other`, keeping first-come-first-served order
    /// by referral week (this list's patients first among equals).
    pub fn merge(&mut self, other: WaitingList) {
        if other.is_empty() {
            return;
        }
        let mine = std::mem::take(&mut self.cohorts);
        let mut a = mine.into_iter().peekable();
        let mut b = other.cohorts.into_iter().peekable();
        loop {
            let take_a = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => x.arrival <= y.arrival,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = if take_a { a.next() } else { b.next() };
            self.cohorts.extend(next);
        }
        self.len += other.len;
    }

    /// The waiting cohorts, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Cohort> {
        self.cohorts.iter()
    }

    /// Weeks waited so far by the patient at the front, at week `now`.
    pub fn oldest_wait(&self, now: u32) -> u32 {
        self.cohorts.front().map_or(0, |c| c.wait_at(now))
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
        q.push(cohort(0, 3));
        q.push(cohort(1, 4));
        let mut got = Vec::new();
        assert_eq!(q.serve(5, |c| got.push((c.arrival, c.count))), 5);
        assert_eq!(got, [(0, 3), (1, 2)]);
        assert_eq!(q.len(), 2);
        assert_eq!(q.oldest_wait(4), 3);
        assert_eq!(q.serve(10, |_| {}), 2);
        assert!(q.is_empty());
    }

    #[test]
    fn merged_lists_keep_referral_order_and_every_patient() {
        let mut a = WaitingList::default();
        a.push(cohort(1, 2));
        a.push(cohort(5, 1));
        let mut b = WaitingList::default();
        b.push(cohort(0, 4));
        b.push(cohort(5, 3));
        a.merge(b);
        assert_eq!(a.len(), 10);
        let order: Vec<(i32, u32)> = a.iter().map(|c| (c.arrival, c.count)).collect();
        assert_eq!(order, [(0, 4), (1, 2), (5, 1), (5, 3)]);
    }
}
