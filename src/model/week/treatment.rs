//! Step 3 of a week: treatment and its outcomes.
//!
//! Each unit treats its emergencies first, within its staffed capacity and
//! its provider's beds, and diverts those it cannot take to the
//! next-nearest capable provider with room within the diversion radius, or
//! out of the region; then each elective unit serves its waiting list by
//! clinical priority (urgent first, oldest first within a priority) with
//! the slots and beds left, giving slots cancelled for want of a bed again
//! within 28 days. Each treated cohort's adverse outcomes are
//! one binomial draw at the risk its provider's quality, volume, staffing
//! and the patients' journey and wait give ([`super::outcome`]), from a
//! keyed stream per provider, service and week; patients treated outside
//! the region are drawn at the outside's risk.

use super::draws::binomial;
use super::engine::Simulation;
use super::engine::{Overflow, Treated};
use super::outcome::{self, Conditions};
use super::queue::{Case, Cohort};
use super::rng::{Key, Stream};
use crate::model::metrics::{OutOfAreaRecord, TreatedRecord};
use crate::model::money::Money;
use crate::model::scenario::Capability;
use crate::model::world::{ProviderId, ServiceId};

/// Puts `treated` in (provider, service) order, keeping each unit's
/// cohorts in the order they were treated: a counting sort over the units,
/// the same order as a stable sort by unit.
fn in_unit_order(
    treated: &mut Vec<Treated>,
    scratch: &mut (Vec<Treated>, Vec<usize>),
    services: usize,
    providers: usize,
) {
    let unit = |t: &Treated| t.provider.index() * services + t.service.index();
    let (sorted, next) = scratch;
    next.clear();
    next.resize(providers * services + 1, 0);
    for t in treated.iter() {
        next[unit(t) + 1] += 1;
    }
    for k in 1..next.len() {
        next[k] += next[k - 1];
    }
    sorted.clear();
    sorted.extend_from_slice(treated);
    for t in treated.iter() {
        let at = &mut next[unit(t)];
        sorted[*at] = *t;
        *at += 1;
    }
    std::mem::swap(treated, sorted);
}

impl Simulation {
    /// Step 3: emergency arrivals first, each unit up to this week's
    /// staffed capacity and its provider's shared beds; emergencies beyond
    /// either go to the next-nearest capable provider with room, within the
    /// diversion radius, or leave the region. Then each elective unit serves
    /// its waiting list (urgent patients first, each priority oldest first)
    /// with the slots and beds left: its week's slots and those cancelled
    /// for want of a bed in the last four weeks, which it gives again as the
    /// NHS's 28-day standard asks (`Rebook`).
    pub(super) fn treatment(&mut self) {
        self.treated.clear();
        self.overflow.clear();
        let week = self.week;
        let measuring = self.measuring();
        let services = &self.world.services;
        for (pi, p) in self.providers.iter_mut().enumerate() {
            for (si, svc) in services.iter().enumerate() {
                if svc.is_elective() {
                    continue;
                }
                let bed_days = svc.bed_days;
                let mut arrivals = match p.units[si].as_mut() {
                    Some(u) => std::mem::take(&mut u.arrivals),
                    None => continue,
                };
                let (provider, service) = (ProviderId(pi as u32), ServiceId(si as u32));
                for mut cohort in arrivals.drain(..) {
                    let beds = p.bed_room(bed_days);
                    let u = p.units[si].as_mut().expect("offered");
                    u.pressure += cohort.count;
                    let take = cohort.count.min(u.slots - u.used).min(beds);
                    u.used += take;
                    p.use_beds(take, bed_days);
                    if take > 0 {
                        self.treated.push(Treated {
                            provider,
                            service,
                            cohort: Cohort { count: take, ..cohort },
                            wait: 0,
                        });
                    }
                    cohort.count -= take;
                    if cohort.count > 0 {
                        self.overflow.push(Overflow { origin: provider, service, cohort });
                    }
                }
                p.units[si].as_mut().expect("offered").arrivals = arrivals;
            }
        }
        let overflow = std::mem::take(&mut self.overflow);
        for o in &overflow {
            self.divert(o);
        }
        self.overflow = overflow;
        let services = &self.world.services;
        for (pi, p) in self.providers.iter_mut().enumerate() {
            let limit = self.world.providers[pi].elective_bed_limit;
            for (si, svc) in services.iter().enumerate() {
                if !svc.is_elective() {
                    continue;
                }
                let bed_days = svc.bed_days;
                let beds = p.elective_bed_room(bed_days, limit);
                let Some(u) = p.units[si].as_mut() else { continue };
                let (provider, service) = (ProviderId(pi as u32), ServiceId(si as u32));
                u.pressure = u.queue.len().min(u64::from(u32::MAX)) as u32;
                let treated = &mut self.treated;
                // This week's slots and those cancelled for want of a bed in
                // the last four weeks, as far as the beds allow.
                u.used = u.queue.serve((u.slots + u.rebook.due()).min(beds), &self.world.groups, |cohort| {
                    treated.push(Treated { provider, service, cohort, wait: cohort.wait_at(week) })
                });
                let used = u.used;
                // The week's own slots that had patients but no bed are
                // cancelled, to be given again within 28 days.
                let cancelled = u.slots.min(u.pressure).saturating_sub(used);
                let dropped = u.rebook.settle(week, used.saturating_sub(u.slots), cancelled);
                if measuring {
                    u.cancelled.for_beds += u64::from(cancelled);
                    u.cancelled.not_rebooked += u64::from(dropped);
                }
                p.use_beds(used, bed_days);
            }
            if measuring
                && p.open
                && let Some(b) = p.beds
            {
                let available = b * 7.0;
                p.bed_days_measured.0 += available - p.bed_days_left.min(available);
                p.bed_days_measured.1 += available;
            }
        }
    }

    fn divert(&mut self, o: &Overflow) {
        let c = o.cohort;
        let (s, l) = (o.service, c.locality);
        self.counts.diversions += u64::from(c.count);
        if self.measuring() {
            let g = usize::from(self.world.groups[l.index()]);
            self.metrics.tally(s, g).diverted += u64::from(c.count);
        }
        let mut left = c.count;
        let (listed, flags) = self.catchments.capable_flagged(s, c.case.level(), l);
        for (&q, &f) in listed.iter().zip(flags) {
            if left == 0 {
                break;
            }
            if q == o.origin || f & crate::model::routing::WITHIN_DIVERSION == 0 {
                continue;
            }
            let bed_days = self.world.services[s.index()].bed_days;
            let receiver = &mut self.providers[q.index()];
            let beds = receiver.bed_room(bed_days);
            let Some(u) = receiver.units[s.index()].as_mut() else {
                continue;
            };
            let take = left.min(u.slots - u.used).min(beds);
            u.pressure += left;
            if take > 0 {
                u.used += take;
                receiver.use_beds(take, bed_days);
                left -= take;
                self.treated.push(Treated { provider: q, service: s, cohort: Cohort { count: take, ..c }, wait: 0 });
            }
        }
        self.leave_region(s, Cohort { count: left, ..c });
    }

    /// Step 3, outcomes: the staffing shortfall of each provider this week,
    /// then one binomial draw of adverse outcomes per treated cohort.
    pub(super) fn outcomes(&mut self) {
        let hours_per_wte = self.world.workforce.hours_per_wte;
        let penalty = self.world.workforce.labour.agency.quality_penalty;
        let mut effective_quality = vec![0.0; self.providers.len()];
        for (p, q) in self.providers.iter_mut().zip(effective_quality.iter_mut()) {
            let mut needed = [0.0; 4];
            for (si, u) in p.units.iter().enumerate() {
                if let Some(u) = u {
                    for (n, h) in needed.iter_mut().zip(self.world.services[si].staff_hours) {
                        *n += f64::from(u.used) * h;
                    }
                }
            }
            let total: f64 = needed.iter().sum();
            let uncovered: f64 = (0..4).map(|g| (needed[g] - p.staff[g].hours(hours_per_wte)).max(0.0)).sum();
            p.staffing_shortfall = if total > 0.0 { uncovered / total } else { 0.0 };
            let own: f64 = p.staff.iter().map(|s| s.in_post() * hours_per_wte).sum();
            let agency: f64 = p.staff.iter().map(|s| s.agency * hours_per_wte).sum();
            let agency_share = if own + agency > 0.0 { agency / (own + agency) } else { 0.0 };
            *q = p.quality - penalty * agency_share;
        }
        let measuring = self.measuring();
        let mut treated = std::mem::take(&mut self.treated);
        // One keyed stream per provider, service and week: the cohorts of
        // each are drawn together, in the order they were treated.
        if !treated.is_sorted_by_key(|t| (t.provider, t.service)) {
            in_unit_order(&mut treated, &mut self.by_unit, self.world.services.len(), self.providers.len());
        }
        let mut selected = None;
        for t in &treated {
            if selected != Some((t.provider, t.service)) {
                selected = Some((t.provider, t.service));
                let key = Key { purpose: Stream::Outcomes, first: t.provider.0, second: t.service.0, week: self.week };
                self.rng.at(key);
            }
            let svc = &self.world.services[t.service.index()];
            let p = &self.providers[t.provider.index()];
            let u = p.units[t.service.index()].as_ref().expect("treated at an offered unit");
            let k = t.cohort.case.level();
            // Complex cases are held to the complex minimum on the unit's
            // complex episodes where the service sets one.
            let (annual_volume, min_safe_volume) = if k == 1 && svc.min_complex_volume > 0.0 {
                (u.annual_complex_volume(), svc.min_complex_volume)
            } else {
                (u.annual_volume(), svc.min_safe_volume[u.capability.level()])
            };
            let conditions = Conditions {
                quality: effective_quality[t.provider.index()],
                annual_volume: annual_volume as f64,
                min_safe_volume,
                staffing_shortfall: p.staffing_shortfall,
            };
            // Patients carry the baseline risk of the service they were referred for.
            let own = &self.world.services[usize::from(t.cohort.risk_of)];
            let transferred = t.cohort.case == Case::Transferred;
            let moved = if transferred { svc.transfer_log_odds } else { 0.0 };
            let road_km = if k == 1 && own.travel_log_odds_per_km != 0.0 {
                self.world.distance(t.cohort.locality, t.provider, t.service, Capability::Complex)
            } else {
                0.0
            };
            let journey = outcome::journey_logit(own, k, road_km, self.world.geography.circuity);
            let z = outcome::provider_logit(&self.world.outcome, own.baseline_logit[k], &conditions) + moved + journey;
            let risk = outcome::probability(&self.world.outcome, z, t.wait);
            let adverse = binomial(self.rng.current(), t.cohort.count, risk);
            if measuring && transferred {
                self.metrics.transfers[t.service.index()].after.record_treated(t.cohort.count, adverse);
            } else if measuring && t.cohort.case == Case::Ahead {
                self.metrics.transfers[t.service.index()].ahead.record_treated(t.cohort.count, adverse);
            } else if measuring && matches!(t.cohort.case, Case::RoutineMoved | Case::BasicMoved) {
                self.metrics.transfers[t.service.index()].during_care.record_treated(t.cohort.count, adverse);
            }
            let n = u64::from(t.cohort.count);
            self.ledger.treated += n;
            self.counts.treated += n;
            self.counts.adverse += u64::from(adverse);
            let p = &mut self.providers[t.provider.index()];
            if k == 1 {
                let u = p.units[t.service.index()].as_mut().expect("treated at an offered unit");
                u.complex_used += t.cohort.count;
            }
            p.interval_risk.0 += n as f64 * own.baseline_risk[k];
            p.interval_risk.1 += n as f64 * risk;
            if svc.is_elective() {
                self.counts.elective_treated += n;
                self.counts.wait_weeks += n * u64::from(t.wait);
            }
            if measuring {
                let record = TreatedRecord {
                    provider: t.provider,
                    service: t.service,
                    locality: t.cohort.locality,
                    count: t.cohort.count,
                    wait: t.wait,
                    adverse,
                    baseline_risk: own.baseline_risk[k],
                    risk,
                    at: t.cohort.case.treated_at(),
                };
                self.metrics.record_treated(&self.world, &record);
            }
        }
        self.treated = treated;
        self.out_of_area(measuring);
        for p in &mut self.providers {
            for u in p.units.iter_mut().flatten() {
                if u.stay > 0.0 {
                    u.occupied += u.used;
                }
                u.volume.push(u.used);
                u.complex_volume.push(std::mem::take(&mut u.complex_used));
                if measuring {
                    u.treated += u64::from(u.used);
                }
            }
        }
    }

    /// Step 3, outcomes out of the area: the patients who left the region
    /// this week are treated elsewhere at an average provider's risk (times
    /// `out_of_area.risk_odds`, after `extra_wait_weeks`); the commissioner
    /// pays their tariff and transfer. One keyed stream per service and week,
    /// as for a provider (the out-of-area provider's index is one past the
    /// region's).
    fn out_of_area(&mut self, measuring: bool) {
        self.out_of_area_paid = Money::ZERO;
        if self.leaving.is_empty() {
            return;
        }
        let mut leaving = std::mem::take(&mut self.leaving);
        leaving.sort_by_key(|(s, _)| *s);
        let ooa = self.world.out_of_area;
        let elsewhere = self.providers.len() as u32;
        let mut selected = None;
        let mut paid = 0.0;
        for (s, c) in &leaving {
            if selected != Some(*s) {
                selected = Some(*s);
                self.rng.at(Key { purpose: Stream::Outcomes, first: elsewhere, second: s.0, week: self.week });
            }
            let own = &self.world.services[usize::from(c.risk_of)];
            let k = c.case.level();
            let journey = outcome::journey_logit(own, k, self.world.out_of_area_km, self.world.geography.circuity);
            let z =
                own.baseline_logit[k] + ooa.risk_odds.ln() + self.world.outcome.wait * ooa.extra_wait_weeks + journey;
            let risk = outcome::probability(&self.world.outcome, z, 0);
            let adverse = binomial(self.rng.current(), c.count, risk);
            self.counts.adverse += u64::from(adverse);
            paid += f64::from(c.count) * (self.tariffs[s.index()] + ooa.transfer_cost);
            if measuring {
                let record = OutOfAreaRecord {
                    service: *s,
                    locality: c.locality,
                    count: c.count,
                    adverse,
                    baseline_risk: own.baseline_risk[k],
                    risk,
                };
                self.metrics.record_out_of_area(&self.world, &record);
            }
        }
        leaving.clear();
        self.leaving = leaving;
        self.out_of_area_paid = Money::pounds(paid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::queue::Case;
    use crate::model::rng::SimRng;
    use crate::model::world::LocalityId;
    use rand::{RngExt, SeedableRng};

    /// The counting sort gives the stable sort's order: units in order,
    /// each unit's cohorts as they came (told apart by their arrival week).
    #[test]
    fn treated_cohorts_are_put_in_unit_order_as_a_stable_sort_would() {
        let mut rng = SimRng::seed_from_u64(9);
        let (providers, services) = (5, 3);
        let mut scratch = (Vec::new(), Vec::new());
        for n in [0usize, 1, 7, 200] {
            let treated: Vec<Treated> = (0..n)
                .map(|i| Treated {
                    provider: ProviderId(rng.random_range(0..providers as u32)),
                    service: ServiceId(rng.random_range(0..services as u32)),
                    cohort: Cohort {
                        arrival: i as i32,
                        locality: LocalityId(0),
                        case: Case::Routine,
                        risk_of: 0,
                        before: 0,
                        count: 1,
                    },
                    wait: 0,
                })
                .collect();
            let mut stable = treated.clone();
            stable.sort_by_key(|t| (t.provider, t.service));
            let mut counted = treated.clone();
            in_unit_order(&mut counted, &mut scratch, services, providers);
            let key = |v: &[Treated]| v.iter().map(|t| (t.provider, t.service, t.cohort.arrival)).collect::<Vec<_>>();
            assert_eq!(key(&counted), key(&stable), "{n} cohorts");
        }
    }
}
