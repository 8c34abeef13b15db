//! What changes with the calendar: each new year's residents, referral
//! rates, prices and inputs; each contract year's baselines; and the
//! timeline's changes, applied at the start of their week.

use super::engine::{Event, Simulation};
use crate::model::timeline::{Change, Knob};

impl Simulation {
    /// A new year of the measured window (the warm-up and the first
    /// measured year are the scenario's own year): residents aged and grown
    /// by the projection, referral rates per resident grown, the tariff
    /// moved by the payment scheme's uplift and efficiency factor against
    /// cost inflation, the inputs an episode takes by productivity growth,
    /// and the commissioner's budget following residents, rates and tariff.
    pub(super) fn new_year(&mut self) {
        let year = (self.week - self.world.time.warmup_weeks) / 52;
        if self.grows {
            for (r, l) in self.residents.iter_mut().zip(&self.world.localities) {
                *r = l.residents_in(year as usize);
            }
            for (g, s) in self.rate_growth.iter_mut().zip(&self.world.services) {
                *g = (1.0 + s.growth).powi(year as i32);
            }
        }
        let prices = self.world.finance.prices;
        if prices.productivity_growth != 0.0 {
            let level = prices.input_level(year);
            for (svc, (hours, variable)) in self.world.services.iter_mut().zip(&self.inputs_at_start) {
                svc.staff_hours = hours.map(|h| h * level);
                svc.variable_cost = variable * level;
            }
        }
        self.tariff_level = prices.tariff_level(year);
        for (t, set) in self.tariffs.iter_mut().zip(&self.tariff_set) {
            *t = set * self.tariff_level;
        }
        self.weekly_budget = self.world.weekly_budget_for(&self.residents, &self.rate_growth) * self.tariff_level;
    }

    /// A new contract year (starting with each measured year): each unit's
    /// baseline becomes its activity over the year just ended.
    pub(super) fn new_contract_year(&mut self) {
        let weeks = f64::from(self.week.min(52));
        for u in self.providers.iter_mut().flat_map(|p| p.units.iter_mut().flatten()) {
            u.baseline = Some(std::mem::take(&mut u.year_used) as f64 / weeks);
        }
    }

    /// Applies the timed changes due this week, in the order written.
    pub(super) fn apply_timeline(&mut self) {
        while let Some((week, change)) = self.world.timeline.get(self.next_change).cloned() {
            if week > self.week {
                break;
            }
            self.next_change += 1;
            let detail = self.apply(&change);
            self.events.push(Event {
                week: self.week,
                kind: "timeline".into(),
                provider: String::new(),
                service: None,
                to: None,
                detail,
            });
        }
        match (self.regime.network_share() > 0.0, self.network_start) {
            (true, None) => self.network_start = Some(self.week),
            (false, Some(_)) => self.network_start = None,
            _ => {}
        }
        // Integration starts no earlier than the end of the warm-up, so that
        // its transition (and its first year's cost) is measured.
        if self.regime.integration > 0.0
            && self.integration_start.is_none()
            && self.week >= self.world.time.warmup_weeks
        {
            self.integration_start = Some(self.week);
            self.integration_at_start = self.regime.integration;
        }
    }

    fn apply(&mut self, change: &Change) -> String {
        match change {
            Change::Regime(r) => {
                self.regime = r.clone();
                format!("regime switched to {}", r.name)
            }
            Change::Knob(k) => {
                let r = &mut self.regime;
                r.name = format!("{}*", r.name.trim_end_matches('*'));
                match *k {
                    Knob::Pooling(v) => r.pooling = v,
                    Knob::StaffSharing(v) => r.staff_sharing = v,
                    Knob::Integration(v) => r.integration = v,
                    Knob::CoordinationCost(v) => r.coordination_cost = v,
                    Knob::Routing(v) => r.routing = v,
                    Knob::Payment(v) => r.payment = v,
                }
                format!("regime knob changed: {k:?}")
            }
            Change::Tariff { service, value } => {
                let s = self.world.service(service).expect("validated service");
                self.tariff_set[s.index()] = *value;
                self.tariffs[s.index()] = *value * self.tariff_level;
                format!("tariff of {service} set to £{value}")
            }
            Change::TrainingPlaces { group, value } => {
                self.places[*group] = *value;
                format!("training places of {} set to {value} WTE a year", crate::model::scenario::STAFF_GROUPS[*group])
            }
            Change::InternationalRecruits { group, value } => {
                self.international[*group] = *value;
                format!(
                    "international recruitment of {} limited to {value} WTE a year",
                    crate::model::scenario::STAFF_GROUPS[*group]
                )
            }
            Change::Demand { service, locality, multiplier } => {
                let ns = self.world.services.len();
                for s in self.world.service_ids() {
                    if service.as_deref().is_some_and(|id| id != self.world.services[s.index()].id) {
                        continue;
                    }
                    for l in self.world.locality_ids() {
                        if locality.as_deref().is_some_and(|id| id != self.world.localities[l.index()].id) {
                            continue;
                        }
                        let ratio = self.world.localities[l.index()].rate_ratio[s.index()];
                        self.demand_multiplier[l.index() * ns + s.index()] = ratio * multiplier;
                    }
                }
                format!(
                    "demand for {} in {} multiplied by {multiplier}",
                    service.as_deref().unwrap_or("every service"),
                    locality.as_deref().unwrap_or("every locality")
                )
            }
            Change::Close { provider, service } => {
                let p = self.world.provider(provider).expect("validated provider");
                if !self.providers[p.index()].open {
                    return format!("closure of {provider} ordered, but it had already closed: nothing to do");
                }
                if let Some(sid) = service
                    && self.world.service(sid).is_some_and(|s| self.providers[p.index()].units[s.index()].is_none())
                {
                    return format!(
                        "closure of {provider} {sid} ordered, but that unit had already closed: nothing to do"
                    );
                }
                match service {
                    Some(sid) => {
                        let s = self.world.service(sid).expect("validated service");
                        self.close_unit(p, s, "closed by the timeline");
                    }
                    None => self.merge_provider(p, "closed by the timeline"),
                }
                self.rebuild_catchments();
                format!(
                    "closure of {provider}{} ordered",
                    service.as_deref().map(|s| format!(" {s}")).unwrap_or_default()
                )
            }
        }
    }
}
