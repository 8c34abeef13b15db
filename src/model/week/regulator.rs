//! Step 6 of a week: failure and regulator takeover, and the moves of
//! services between providers that closures and mergers cause.
//!
//! The same rules hold under any pooling. A provider whose cash stays below
//! minus `cash_threshold_weeks` of its weekly costs for `window_weeks` in a
//! row fails. The regulator turns its overdraft into an interest-bearing
//! loan (the money it lends is counted in the ledger). Its first
//! `recovery_plans` failures put it under a financial recovery plan that
//! cuts `recovery_cut` of its physical capacity (and the fixed costs that
//! capacity carries) or of its quality; a failure after those is a
//! takeover. The count of plans starts again once its cash is back above
//! zero. Under pooling a provider's cash carries its share of the system's
//! surplus or deficit (the risk pool), so a system in deficit puts its
//! providers under recovery together. At a takeover, with
//! `action: close_service` its least viable service (the lowest
//! contribution since the last decision) closes and moves to the nearest
//! open provider offering it; a provider down to its last service, or any
//! provider under `action: merge`, merges into the nearest open provider.
//! Everything moves without loss: waiting patients (keeping their referral
//! weeks), staff in post and posts, physical capacity, annual volume, and
//! on a merger cash and debt; the loan means a takeover does not drag the
//! acquirer straight into failure.

use super::engine::{Event, Simulation, Unit};
use crate::model::configuration::{Shares, unit_shares};
use crate::model::money::Money;
use crate::model::world::{ProviderId, ServiceId};

impl Simulation {
    /// Step 6: counts failing weeks and takes over providers at the end of their window.
    pub(super) fn regulate(&mut self) {
        let f = self.world.failure;
        let mut failed = Vec::new();
        for (pi, p) in self.providers.iter_mut().enumerate() {
            if !p.open {
                continue;
            }
            // The count starts again once cash is back above zero (the
            // regulator's loan leaves it at exactly zero).
            if p.cash > Money::ZERO {
                p.recovery_plans = 0;
            }
            let limit = -f.cash_threshold_weeks * p.week.costs().as_pounds();
            if p.cash.as_pounds() < limit {
                p.failing_weeks += 1;
            } else {
                p.failing_weeks = 0;
            }
            if p.failing_weeks >= f.window_weeks {
                failed.push(ProviderId(pi as u32));
            }
        }
        if failed.is_empty() {
            return;
        }
        let mut moved = false;
        for p in failed {
            let last_standing = self.receiver(p, None).is_none();
            let measuring = self.measuring();
            let state = &mut self.providers[p.index()];
            let recovering = state.recovery_plans < f.recovery_plans || last_standing;
            state.failing_weeks = 0;
            // The regulator turns the overdraft into an interest-bearing loan.
            let overdraft = Money(state.cash.0.min(0).abs());
            state.cash += overdraft;
            state.debt += overdraft;
            self.ledger.regulator_loans += overdraft;
            if measuring {
                self.metrics.regulator_loans += overdraft;
            }
            if recovering {
                // Nobody can take over the last provider standing: it recovers instead.
                state.recovery_plans += 1;
                self.recovery_plan(p);
                continue;
            }
            moved = true;
            let state = &self.providers[p.index()];
            let open_units = state.units.iter().flatten().count();
            self.events.push(Event {
                week: self.week,
                kind: "failure".into(),
                provider: self.world.providers[p.index()].id.clone(),
                service: None,
                to: None,
                detail: format!("cash below {} weeks of costs for {} weeks", f.cash_threshold_weeks, f.window_weeks),
            });
            let before = self.weighted_quality();
            if f.action == crate::model::params::FailureAction::Merge || open_units <= 1 {
                self.merge_provider(p, "taken over by the regulator");
            } else if let Some(s) = self.least_viable(p) {
                self.close_unit(p, s, "closed by the regulator");
            }
            if let (true, Some(before), Some(after)) = (measuring, before, self.weighted_quality()) {
                self.metrics.takeover_quality_change += after - before;
            }
        }
        if moved {
            self.rebuild_catchments();
        }
    }

    /// A financial recovery plan: `recovery_cut` of every unit's physical
    /// capacity goes, with the fixed costs it carried (the capital charge
    /// per episode-a-week, as when providers shed capacity), or that share
    /// of quality.
    fn recovery_plan(&mut self, p: ProviderId) {
        let f = self.world.failure;
        let charge = self.world.behaviour.capital_charge;
        let state = &mut self.providers[p.index()];
        match f.recovery_action {
            crate::model::params::RecoveryAction::Capacity => {
                let mut saved = 0.0;
                for (si, u) in state.units.iter_mut().enumerate() {
                    let Some(u) = u else { continue };
                    let cut = u.capacity * f.recovery_cut;
                    u.capacity -= cut;
                    saved += u.per_week(cut) * self.tariffs[si] * charge;
                }
                state.fixed_cost = (state.fixed_cost - saved).max(0.0);
            }
            crate::model::params::RecoveryAction::Quality => state.quality *= 1.0 - f.recovery_cut,
        }
        let what = match f.recovery_action {
            crate::model::params::RecoveryAction::Capacity => "capacity",
            crate::model::params::RecoveryAction::Quality => "quality",
        };
        self.events.push(Event {
            week: self.week,
            kind: "recovery_plan".into(),
            provider: self.world.providers[p.index()].id.clone(),
            service: None,
            to: None,
            detail: format!(
                "cash below {} weeks of costs for {} weeks: {what} cut by {}",
                f.cash_threshold_weeks, f.window_weeks, f.recovery_cut
            ),
        });
    }

    /// Open providers' quality weighted by their physical capacity: the
    /// quality at which a unit of capacity is run.
    fn weighted_quality(&self) -> Option<f64> {
        let (sum, weight) = self
            .providers
            .iter()
            .filter(|p| p.open)
            .fold((0.0, 0.0), |(s, w), p| (s + p.quality * p.capacity(), w + p.capacity()));
        (weight > 0.0).then(|| sum / weight)
    }

    /// The unit with the lowest contribution since the last decision.
    fn least_viable(&self, p: ProviderId) -> Option<ServiceId> {
        self.providers[p.index()]
            .units
            .iter()
            .enumerate()
            .filter_map(|(si, u)| u.as_ref().map(|u| (si, u.interval_contribution)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(si, _)| ServiceId(si as u32))
    }

    fn site_distance(&self, a: ProviderId, b: ProviderId) -> f64 {
        let (pa, pb) = (&self.world.providers[a.index()], &self.world.providers[b.index()]);
        ((pa.x - pb.x).powi(2) + (pa.y - pb.y).powi(2)).sqrt()
    }

    /// The nearest other open provider that offers `service` (or, with
    /// `None`, any of `from`'s services); failing that, the nearest at all.
    fn receiver(&self, from: ProviderId, service: Option<ServiceId>) -> Option<ProviderId> {
        let mine: Vec<ServiceId> = match service {
            Some(s) => vec![s],
            None => (0..self.world.services.len() as u32)
                .map(ServiceId)
                .filter(|s| self.providers[from.index()].units[s.index()].is_some())
                .collect(),
        };
        // A specialist unit takes only its specialty: a unit moved into one would be lost to the rest.
        let fits = |q: ProviderId| mine.iter().all(|&s| !self.world.is_specialist(q, s));
        let offers = |q: ProviderId| mine.iter().any(|s| self.providers[q.index()].units[s.index()].is_some());
        let nearest = |must_offer: bool| {
            (0..self.providers.len() as u32)
                .map(ProviderId)
                .filter(|&q| q != from && self.providers[q.index()].open && fits(q) && (!must_offer || offers(q)))
                .min_by(|a, b| {
                    self.site_distance(from, *a)
                        .total_cmp(&self.site_distance(from, *b))
                        .then_with(|| self.world.providers[a.index()].id.cmp(&self.world.providers[b.index()].id))
                })
        };
        nearest(true).or_else(|| nearest(false))
    }

    /// Moves unit `s` of `from` to `to` with its share of staff and fixed costs.
    fn move_unit(&mut self, from: ProviderId, s: ServiceId, to: ProviderId, fixed_saving: f64) {
        let donor = &self.providers[from.index()];
        if donor.units[s.index()].is_none() {
            return;
        }
        // Its shares of staff, fixed costs and beds, by the rules of a configuration.
        let loads = donor.unit_loads(&self.world.services, |si| self.tariffs[si]);
        let Shares { staff: staff_share, fixed: fixed_share, beds: bed_share } = unit_shares(&loads, s.index());
        let donor = &mut self.providers[from.index()];
        let unit: Unit = donor.units[s.index()].take().expect("checked above");
        let moved: Vec<_> = (0..4).map(|g| donor.staff[g].split_off(staff_share[g])).collect();
        let fixed = donor.fixed_cost * fixed_share;
        donor.fixed_cost -= fixed;
        let beds = donor.beds.map_or(0.0, |b| b * bed_share);
        if let Some(b) = donor.beds.as_mut() {
            *b -= beds;
        }

        let receiver = &mut self.providers[to.index()];
        for (st, m) in receiver.staff.iter_mut().zip(&moved) {
            st.join(m);
        }
        receiver.fixed_cost += fixed * (1.0 - fixed_saving);
        if let Some(b) = receiver.beds.as_mut() {
            *b += beds;
        }
        match receiver.units[s.index()].as_mut() {
            Some(u) => u.absorb(unit),
            None => receiver.units[s.index()] = Some(unit),
        }
    }

    /// Closes one service of a provider; it moves to the nearest provider
    /// offering it (or the nearest provider at all).
    pub(super) fn close_unit(&mut self, p: ProviderId, s: ServiceId, why: &str) {
        if self.providers[p.index()].units[s.index()].is_none() {
            return;
        }
        if self.providers[p.index()].units.iter().flatten().count() <= 1 {
            self.merge_provider(p, why);
            return;
        }
        let Some(to) = self.receiver(p, Some(s)) else {
            return;
        };
        self.move_unit(p, s, to, self.world.failure.closure_saving);
        self.events.push(Event {
            week: self.week,
            kind: "closure".into(),
            provider: self.world.providers[p.index()].id.clone(),
            service: Some(self.world.services[s.index()].id.clone()),
            to: Some(self.world.providers[to.index()].id.clone()),
            detail: format!("{why}; patients, staff and capacity moved"),
        });
    }

    /// Merges a whole provider into the nearest open provider.
    pub(super) fn merge_provider(&mut self, p: ProviderId, why: &str) {
        // A provider merges once: a later order for it finds nothing to move.
        if !self.providers[p.index()].open {
            return;
        }
        let Some(to) = self.receiver(p, None) else {
            return;
        };
        let services: Vec<ServiceId> = self.providers[p.index()]
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.is_some())
            .map(|(si, _)| ServiceId(si as u32))
            .collect();
        for &s in &services {
            self.move_unit(p, s, to, self.world.failure.merger_saving);
            self.events.push(Event {
                week: self.week,
                kind: "service_move".into(),
                provider: self.world.providers[p.index()].id.clone(),
                service: Some(self.world.services[s.index()].id.clone()),
                to: Some(self.world.providers[to.index()].id.clone()),
                detail: "moved on merger".into(),
            });
        }
        // Whatever is left (staff of groups no unit needed, cash, debt, fixed costs).
        let donor = &mut self.providers[p.index()];
        let staff: Vec<_> = donor.staff.iter_mut().map(|st| st.split_off(1.0)).collect();
        let (cash, debt, fixed) = (donor.cash, donor.debt, donor.fixed_cost);
        donor.cash = Money::ZERO;
        donor.debt = Money::ZERO;
        donor.fixed_cost = 0.0;
        donor.open = false;
        donor.grant = 0.0;
        donor.quality_payment = 0.0;
        donor.standardising = 0.0;
        let saving = self.world.failure.merger_saving;
        let receiver = &mut self.providers[to.index()];
        for (st, m) in receiver.staff.iter_mut().zip(&staff) {
            st.join(m);
        }
        receiver.cash += cash;
        receiver.debt += debt;
        receiver.fixed_cost += fixed * (1.0 - saving);
        self.events.push(Event {
            week: self.week,
            kind: "merger".into(),
            provider: self.world.providers[p.index()].id.clone(),
            service: None,
            to: Some(self.world.providers[to.index()].id.clone()),
            detail: format!("{why}; merged with cash, debt, staff and services"),
        });
    }
}
