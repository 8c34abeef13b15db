//! Steps 1 and 2 of a week: referrals and where they go.
//!
//! Each locality's referrals for each service are Poisson counts by age
//! band and complexity (each week's mean from its residents, the service's
//! rates and their growth); under integration a share of older people's
//! referrals for substitutable services goes to community care instead;
//! specialist units take their specialty's share first. The rest are split
//! between providers by patient choice, the emergency distance decay or the
//! network's pathways ([`super::routing`]), and each provider's part joins
//! its unit: emergencies to be treated this week, elective patients onto
//! its waiting list with the weeks their clock ran before the decision to
//! admit ([`super::before_decision`]). Patients moved between levels of
//! care, and those the region cannot take, leave from here too.

use super::draws::binomial;
use super::engine::Simulation;
use super::queue::{Case, Cohort};
use super::rng::{Key, Stream};
use super::routing;
use crate::model::scenario::Capability;
use crate::model::world::{LocalityId, OLDER, ProviderId, ServiceId};

/// Localities whose referral streams are computed together (their first
/// blocks: a few kilobytes, kept in the fastest cache).
const PREPARED_LOCALITIES: u32 = 16;

impl Simulation {
    /// The share of older people's substitutable emergency demand met by
    /// community care this week.
    pub(super) fn substitution_share(&self) -> f64 {
        let Some(start) = self.integration_start else {
            return 0.0;
        };
        let p = &self.world.integration;
        let ramp =
            if p.ramp_weeks == 0 { 1.0 } else { (f64::from(self.week - start) / f64::from(p.ramp_weeks)).min(1.0) };
        self.regime.integration * p.max_substitution * ramp
    }

    /// Steps 1 and 2: Poisson referrals per locality × service × age band ×
    /// complexity, then each week's referrals split between providers.
    /// Under integration a share of older people's referrals for
    /// substitutable services goes to community care instead.
    pub(super) fn demand_and_routing(&mut self) {
        let measuring = self.measuring();
        let substitution = self.substitution_share();
        let community = self.world.community;
        let ns = self.world.services.len();
        let week = self.week;
        let localities = self.world.localities.len() as u32;
        for l in self.world.locality_ids() {
            if l.0.is_multiple_of(PREPARED_LOCALITIES) {
                // The referral streams of the next few localities, computed together.
                let next = l.0..(l.0 + PREPARED_LOCALITIES).min(localities);
                let services = ns as u32;
                self.rng.prepare(next.clone().flat_map(|l| {
                    (0..services).map(move |s| Key { purpose: Stream::Demand, first: l, second: s, week })
                }));
                let elective = &self.elective_services;
                self.decision_rng.prepare(next.flat_map(|l| {
                    elective.iter().map(move |s| Key { purpose: Stream::Decision, first: l, second: s.0, week })
                }));
            }
            let g = usize::from(self.world.groups[l.index()]);
            let residents = self.residents[l.index()];
            for s in self.world.service_ids() {
                let svc = &self.world.services[s.index()];
                let unplanned_share = svc.unplanned_share;
                let moves_between_levels = svc.moves_between_levels();
                let multiplier = self.demand_multiplier[l.index() * ns + s.index()] * self.rate_growth[s.index()];
                // One stream for this locality, service and week: every
                // referral is drawn before anything is routed, so however
                // differently two runs route, they meet the same referrals.
                let rng = self.rng.at(Key { purpose: Stream::Demand, first: l.0, second: s.0, week });
                // The weeks before the decision to admit of those listed, from a stream of their own.
                self.decision_key = Some(Key { purpose: Stream::Decision, first: l.0, second: s.0, week });
                let tables = &mut self.demand_tables[(l.index() * self.world.services.len() + s.index()) * 2..][..2];
                // A sum of Poisson counts is Poisson with the summed mean:
                // one draw per complexity over the age bands.
                let by_band: [f64; 3] = std::array::from_fn(|b| residents[b] * svc.weekly_rate[b] * multiplier);
                let mean: f64 = by_band.iter().sum();
                let drawn: [u32; 2] = std::array::from_fn(|k| {
                    let share = if k == 1 { svc.complex_share } else { 1.0 - svc.complex_share };
                    tables[k].draw(rng, mean * share)
                });
                for (k, &n) in drawn.iter().enumerate() {
                    if n == 0 {
                        continue;
                    }
                    self.ledger.arrived += u64::from(n);
                    self.counts.arrived += u64::from(n);
                    if measuring {
                        self.metrics.tally(s, g).arrived += u64::from(n);
                        self.metrics.locality_arrived[l.index()] += u64::from(n);
                    }
                    let substituted = match community {
                        Some(c) if c != s && k == 0 && substitution > 0.0 && self.world.substitutable[s.index()] => {
                            // Older people's share of the referrals, and the share of theirs substituted.
                            let older = if mean > 0.0 { by_band[OLDER] / mean } else { 0.0 };
                            binomial(self.rng.current(), n, older * substitution)
                        }
                        _ => 0,
                    };
                    if let (Some(c), true) = (community, substituted > 0) {
                        self.counts.substituted += u64::from(substituted);
                        if measuring {
                            self.metrics.tally(s, g).substituted += u64::from(substituted);
                        }
                        self.route(l, c, 0, Case::Routine, substituted, s);
                    }
                    let n = self.send_to_specialists(l, s, k, n - substituted);
                    if measuring && k == 1 && moves_between_levels {
                        self.metrics.transfers[s.index()].complex += u64::from(n);
                    }
                    if k == 0 || unplanned_share == 0.0 {
                        self.route(l, s, k, Case::of_level(k), n, s);
                        continue;
                    }
                    // Complex cases not recognised in time go where a routine case would.
                    let unplanned = binomial(self.rng.current(), n, unplanned_share);
                    self.route(l, s, 0, Case::Unplanned, unplanned, s);
                    self.route(l, s, 1, Case::Complex, n - unplanned, s);
                }
            }
        }
    }

    /// Sends each open specialist unit of `s` its specialty's share of `n`
    /// referrals of level `k` from `l` (a multinomial split as a chain of
    /// binomials; a closed unit's share stays with the rest), and returns
    /// how many are left for the general units.
    fn send_to_specialists(&mut self, l: LocalityId, s: ServiceId, k: usize, n: u32) -> u32 {
        let mut left = n;
        let mut mass = 1.0;
        for i in 0..self.world.specialists[s.index()].len() {
            let (p, share) = self.world.specialists[s.index()][i];
            if left == 0 {
                break;
            }
            if !self.snapshot.is_open(p, s) {
                continue;
            }
            let take = binomial(self.rng.current(), left, (share / mass).min(1.0));
            mass -= share;
            left -= take;
            if take > 0 {
                let cohort = self.referred(l, Case::of_level(k), s, take);
                self.deliver(Some(p), s, cohort);
            }
        }
        left
    }

    /// `count` patients from `l` referred this week, needing `case` and
    /// carrying the baseline risk of service `risk_of`.
    fn referred(&self, l: LocalityId, case: Case, risk_of: ServiceId, count: u32) -> Cohort {
        let risk_of = u16::try_from(risk_of.0).expect("at most MAX_SERVICES services (checked on load)");
        Cohort { arrival: self.week as i32, locality: l, case, risk_of, before: 0, count }
    }

    /// Splits `n` referrals between the network's pathway and patient choice
    /// by the regime's routing mix, then between providers able to take
    /// cases of level `k`. `case` is what the patients need, and `risk_of`
    /// the service whose baseline risk they carry.
    fn route(&mut self, l: LocalityId, s: ServiceId, k: usize, case: Case, n: u32, risk_of: ServiceId) {
        if n == 0 {
            return;
        }
        let cohort = self.referred(l, case, risk_of, 0);
        // Patients' welfare where patients could choose: the log-sum of their
        // choice set when they choose, the utility of where they are sent
        // when the network routes them.
        let choice = self.world.services[s.index()].patient_choice;
        let welfare = self.measuring() && choice;
        // Complex cases recognised in time pass a nearest unit of the routine level.
        let passed = if case == Case::Complex && k == 1 { self.routine_nearest(l, s) } else { None };
        let routed = routing::network_routes(&self.world, s, k);
        let by_network = if routed { binomial(self.rng.current(), n, self.regime.network_share()) } else { 0 };
        if by_network > 0 {
            let mut targets = std::mem::take(&mut self.targets);
            routing::network_targets(&self.world, &self.catchments, &self.snapshot, l, s, k, &mut targets);
            if targets.is_empty() {
                self.deliver(None, s, Cohort { count: by_network, ..cohort });
            }
            // Equal shares between equally near providers.
            let mut left = by_network;
            for (i, &p) in targets.iter().enumerate() {
                let take = binomial(self.rng.current(), left, 1.0 / (targets.len() - i) as f64);
                left -= take;
                if welfare && take > 0 {
                    let u = routing::utility(&self.world, &self.snapshot, (l, k), p, s);
                    self.record_welfare(l, s, take, u);
                }
                let c = Cohort { count: take, ..cohort };
                let c = if let Some(from) = passed { self.moved_ahead(from, p, s, c) } else { c };
                self.deliver(Some(p), s, c);
            }
            self.targets = targets;
        }
        let by_choice = n - by_network;
        if by_choice == 0 {
            return;
        }
        let mut probs = std::mem::take(&mut self.probs);
        if choice {
            let logsum =
                routing::choice_probabilities(&self.world, &self.catchments, &self.snapshot, l, s, k, &mut probs);
            if let (true, Some(u)) = (welfare, logsum) {
                self.record_welfare(l, s, by_choice, u);
            }
        } else {
            routing::emergency_probabilities(&self.world, &self.catchments, &self.snapshot, l, s, k, &mut probs);
        }
        if probs.is_empty() {
            self.deliver(None, s, Cohort { count: by_choice, ..cohort });
        }
        // Multinomial split as a chain of conditional binomials.
        let mut left = by_choice;
        let mut mass = 1.0;
        for (i, &(p, prob)) in probs.iter().enumerate() {
            if left == 0 {
                break;
            }
            let take =
                if i + 1 == probs.len() { left } else { binomial(self.rng.current(), left, (prob / mass).min(1.0)) };
            mass -= prob;
            left -= take;
            let c = Cohort { count: take, ..cohort };
            let c = if let Some(from) = passed { self.moved_ahead(from, p, s, c) } else { c };
            self.deliver(Some(p), s, c);
        }
        self.probs = probs;
    }

    /// The nearest open unit of `s` to `l` when it is of the routine level
    /// and `s` has transfers between levels: the unit that complex cases
    /// recognised in time are taken past.
    fn routine_nearest(&self, l: LocalityId, s: ServiceId) -> Option<ProviderId> {
        if self.world.services[s.index()].unplanned_share <= 0.0 {
            return None;
        }
        let nearest = self.catchments.capable(s, 0, l).iter().copied().find(|&q| self.snapshot.is_open(q, s))?;
        (self.level_where(nearest, s, l)? < Capability::Complex).then_some(nearest)
    }

    /// The level at which patients from `l` who present where a routine
    /// case would are cared for at `p`'s unit of `s`: its site's own level
    /// (`sites[].levels`) where it has one below the unit's, else the
    /// unit's (`None`: `p` does not offer `s`).
    fn level_where(&self, p: ProviderId, s: ServiceId, l: LocalityId) -> Option<Capability> {
        let unit = self.providers[p.index()].units[s.index()].as_ref()?.capability;
        Some(self.world.site_level(l, p, s).map_or(unit, |site| site.min(unit)))
    }

    /// Complex cases taken past `from`, their nearest unit (of the routine
    /// level), to `to`: counted with the road between the two units, and
    /// marked [`Case::Ahead`].
    fn moved_ahead(&mut self, from: ProviderId, to: ProviderId, s: ServiceId, c: Cohort) -> Cohort {
        if self.measuring() && c.count > 0 {
            let at = self.world.place_of(c.locality, from, s);
            let straight = self.world.straight_km_to(at, to, s, Capability::Complex);
            let geo = &self.world.geography;
            let rurality = self.world.localities[c.locality.index()].rurality;
            let minutes = geo.travel_time.minutes(rurality, straight);
            self.metrics.transfers[s.index()].ahead.record(c.count, minutes, geo.circuity * straight);
        }
        Cohort { case: Case::Ahead, ..c }
    }

    fn record_welfare(&mut self, l: LocalityId, s: ServiceId, n: u32, utility: f64) {
        let g = usize::from(self.world.groups[l.index()]);
        let t = self.metrics.tally(s, g);
        t.choosers += u64::from(n);
        t.utility += f64::from(n) * utility;
    }

    /// Hands patients to a provider's unit; with no provider they leave the
    /// region. Complex emergency cases at a unit of the routine level are
    /// transferred.
    fn deliver(&mut self, p: Option<ProviderId>, s: ServiceId, mut c: Cohort) {
        if c.count == 0 {
            return;
        }
        let Some(p) = p else {
            self.leave_region(s, c);
            return;
        };
        let svc = &self.world.services[s.index()];
        let elective = svc.is_elective();
        let (basic_share, routine_share) = (svc.basic_transfer_share, svc.routine_transfer_share);
        // Planned complex cases reach a site of the complex level; the others
        // present at the unit's site they reach first.
        let capability = match c.case {
            Case::Routine | Case::Unplanned => self.level_where(p, s, c.locality),
            _ => self.providers[p.index()].units[s.index()].as_ref().map(|u| u.capability),
        }
        .expect("routing only picks providers offering the service");
        if capability < Capability::Complex {
            if matches!(c.case, Case::Complex | Case::Unplanned) {
                self.transfer(p, s, c);
                return;
            }
            // Routine cases beginning care where some will be moved during it:
            // at the basic level those needing the routine level's care, then
            // at either level those needing the complex level's.
            let basic = capability == Capability::Basic && basic_share > 0.0;
            if c.case == Case::Routine && (basic || routine_share > 0.0) {
                if self.measuring() {
                    self.metrics.transfers[s.index()].routine_at_routine_level += u64::from(c.count);
                }
                if basic {
                    c = self.move_during_care(p, s, c, basic_share, Capability::Routine);
                }
                if routine_share > 0.0 {
                    c = self.move_during_care(p, s, c, routine_share, Capability::Complex);
                }
                if c.count == 0 {
                    return;
                }
            }
        }
        let unit = self.providers[p.index()].units[s.index()].as_mut().expect("offered");
        unit.interval_arrivals += u64::from(c.count);
        if elective {
            let queue = &mut unit.queue;
            let groups = &self.world.groups;
            let urgent = self.urgent_draws[s.index()].as_mut();
            if unit.before.is_none() && urgent.is_none() {
                queue.push(c, false, groups);
            } else {
                let rng = match self.decision_key.take() {
                    Some(key) => self.decision_rng.at(key),
                    None => self.decision_rng.current(),
                };
                unit.before
                    .split(rng, &mut self.band_draws, urgent, c, |part, urgent| queue.push(part, urgent, groups));
            }
        } else {
            unit.arrivals.push(c);
        }
    }

    /// Moves complex cases that presented at `from`, at a site below the
    /// complex level, to the nearest open unit of the complex level (out of
    /// the region when there is none; `from` itself when it has a site of
    /// that level), counting the transfer and the road between the two
    /// sites. The unit they leave gives them no episode.
    fn transfer(&mut self, from: ProviderId, s: ServiceId, c: Cohort) {
        let Some((to, minutes, km)) = self.unit_from(from, s, c.locality, Capability::Complex) else {
            self.leave_region(s, c);
            return;
        };
        if self.measuring() {
            self.metrics.transfers[s.index()].record(from, to, c.count, minutes, km);
        }
        self.deliver(Some(to), s, Cohort { case: Case::Transferred, ..c });
    }

    /// The nearest open unit of `s` of level `level` or above to where
    /// patients from `l` see provider `from` (`from` itself, at another
    /// site, when its unit is of the level and that site below it), with the
    /// road minutes and km between the two sites (`None`: there is none in
    /// the region).
    fn unit_from(
        &self,
        from: ProviderId,
        s: ServiceId,
        l: LocalityId,
        level: Capability,
    ) -> Option<(ProviderId, f64, f64)> {
        let at = self.world.place_of(l, from, s);
        let providers = &self.providers;
        // The unit they leave takes them at another of its sites when it has one of the level.
        let accepts =
            |q: ProviderId| providers[q.index()].units[s.index()].as_ref().is_some_and(|u| u.capability >= level);
        let (to, straight) = self.catchments.transfer_to(&self.world, &self.snapshot, at, s, level, accepts)?;
        let geo = &self.world.geography;
        let minutes = geo.travel_time.minutes(self.world.localities[l.index()].rurality, straight);
        Some((to, minutes, geo.circuity * straight))
    }

    /// Routine cases beginning care at `at`, a unit below `level`: the
    /// share `share` of them are moved during care to the nearest open unit
    /// of `level` or above (out of the region when there is none), counted
    /// with the road between the two units; returns those who stay. A draw
    /// from the stream routing them.
    fn move_during_care(&mut self, at: ProviderId, s: ServiceId, c: Cohort, share: f64, level: Capability) -> Cohort {
        if c.count == 0 {
            return c;
        }
        let moved = binomial(self.rng.current(), c.count, share);
        if moved == 0 {
            return c;
        }
        let case = if level == Capability::Complex { Case::RoutineMoved } else { Case::BasicMoved };
        let going = Cohort { count: moved, case, ..c };
        match self.unit_from(at, s, c.locality, level) {
            Some((to, minutes, km)) => {
                if self.measuring() {
                    self.metrics.transfers[s.index()].record_during_care(at, to, moved, minutes, km);
                }
                self.deliver(Some(to), s, going);
            }
            None => self.leave_region(s, going),
        }
        Cohort { count: c.count - moved, ..c }
    }

    pub(super) fn leave_region(&mut self, s: ServiceId, c: Cohort) {
        if c.count == 0 {
            return;
        }
        self.leaving.push((s, c));
        let n = u64::from(c.count);
        self.ledger.diverted_out += n;
        self.counts.diverted_out += n;
        if self.measuring() {
            let g = usize::from(self.world.groups[c.locality.index()]);
            self.metrics.tally(s, g).diverted_out += n;
            self.metrics.locality_diverted_out[c.locality.index()] += n;
        }
    }
}
