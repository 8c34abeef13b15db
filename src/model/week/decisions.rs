//! Step 6 of a week, every `decision_interval` weeks: what each provider
//! decides.
//!
//! **Quality.** A provider values profit and, with weight α, its patients'
//! benefit from quality. Holding quality q costs κ·V·q²/2 a week (V its
//! physical capacity). Raising quality brings patients under choice: with
//! logit choice ∂D/∂q = β_q Σ N·P(1 − P) over the patients who choose, in
//! closed form. Its best response sets marginal benefit equal to marginal
//! cost:
//!
//! q_own = [(1 − pooling) · Σ_s m_s · ∂D_s/∂q + α · Σ_s D_s] / (κ · V),
//!
//! where m_s = tariff·(1 − quality_share) − variable cost·(1 − effort) −
//! staff cost·(1 + wage premium) is the margin per episode and D_s the
//! expected weekly demand.
//! Money for quality F buys more quality at the same cost curve:
//! q* = sqrt(q_own² + 2F/(κ·V)), capped at `max_quality`. It is the same
//! share `quality_share` of the commissioner's payments under any regime,
//! allocated two ways: the planner's grant from the pooled budget (to the
//! providers with the worst outcomes and waits) and the quality payment
//! from the tariff (each provider's own withheld share of its contract
//! value, paid back for quality, as CQUIN was); plus the share
//! `reinvest_share` of the provider's own surplus over the last period,
//! the same rule under any regime. The withheld share is not profit, so
//! the margin on an extra episode is the tariff less that share. Quality
//! moves a share θ (`damping`) of the way to q* each period (so it decays when the
//! incentive to hold it goes), and then, under network routing, a share
//! `standardisation × network share × ramp` of the way to the network's
//! best (for each of its services, the best quality among providers running
//! that service, weighted by its capacity) — never beyond it. The ramp
//! grows from 0 to 1 over `standardisation_lag_weeks` of network routing.
//! Quality reached by standardisation costs its upkeep, and implementing it
//! costs `standardisation_cost_weeks` of that upkeep, paid over the next
//! period.
//!
//! **Efficiency.** Effort e saves the share e of variable cost and costs
//! φ·V·e²/2 a week. The provider keeps (1 − pooling) + pooling·w of what it
//! saves (w its share of the pooled weights; the rest is shared by the
//! network's risk pool), so e* = keep · Σ_s vc_s · D_s / (φ · V).
//!
//! A unit already at its physical capacity gains nothing from more demand,
//! so its revenue term counts only while expected demand is below capacity.
//!
//! **Capacity.** Each unit wants recent demand plus slack, plus what clears
//! its elective backlog over `backlog_weeks`; a unit of an emergency service
//! wants at least what meets its weekly arrivals in a share `peak_cover` of
//! weeks (their Poisson quantile, [`super::peaks`]). Physical capacity moves
//! towards that by at most `capacity_growth` of itself a period (and of
//! `elective_capacity_growth` for a unit of an elective service), and fixed
//! costs follow at `capital_charge` of the tariff per episode-a-week added
//! or shed: providers that attract patients grow, those that lose them
//! shrink. Shared general and acute beds follow the bed-days the units'
//! expected activity takes (recent demand and the backlog's clearance,
//! within each unit's capacity, without the slack), at the occupancy the
//! trust plans at (its own, `occupancy`, or else `elective_bed_limit`), by
//! at most `capacity_growth` of themselves a period. The establishment
//! moves a share θ towards the staff the wanted activity needs (within
//! physical capacity).
//!
//! **Wage premium.** Under the tariff a provider bids for staff with a
//! premium rising with its vacancy rate, up to `max_premium`; the pooled
//! share of income removes the bid (network pay).
//!
//! The symmetric equilibrium of these rules in the duopoly is derived in
//! `docs/EQUILIBRIUM.md`.

use super::engine::Simulation;
use super::peaks::peak_capacity;
use super::routing;
use crate::model::world::{LocalityId, ProviderId, ServiceId};

/// Buffers reused by [`Simulation::expected_routes`].
#[derive(Debug, Default)]
pub(super) struct RouteScratch {
    probs: Vec<(ProviderId, f64)>,
    targets: Vec<ProviderId>,
}

impl Simulation {
    /// Expected weekly demand and its derivative with respect to the
    /// provider's own quality, `[provider * services + service]`, from the
    /// referral rates and the choice probabilities published this week.
    pub(super) fn expected_demand(&mut self) -> (Vec<f64>, Vec<f64>) {
        let (np, ns, nl) = (self.providers.len(), self.world.services.len(), self.world.localities.len());
        let mut demand = vec![0.0; np * ns];
        let mut slope = vec![0.0; np * ns];
        let mut scratch = RouteScratch::default();
        for l in (0..nl as u32).map(LocalityId) {
            for s in (0..ns as u32).map(ServiceId) {
                self.expected_routes(l, s, &mut scratch, |p, _, n, dn| {
                    demand[p.index() * ns + s.index()] += n;
                    slope[p.index() * ns + s.index()] += dn;
                });
            }
        }
        (demand, slope)
    }

    /// This week's expected referrals from locality `l` for service `s`,
    /// split as routing would split them: `visit(provider, complexity,
    /// patients, ∂patients/∂provider's quality)` for each share.
    pub(super) fn expected_routes(
        &self,
        l: LocalityId,
        s: ServiceId,
        scratch: &mut RouteScratch,
        mut visit: impl FnMut(ProviderId, usize, f64, f64),
    ) {
        let ns = self.world.services.len();
        let network_share = self.regime.network_share();
        let beta_q = self.world.choice.beta_quality;
        let residents = self.residents[l.index()];
        let svc = &self.world.services[s.index()];
        let referrals: f64 = residents.iter().zip(svc.weekly_rate).map(|(r, x)| r * x).sum::<f64>()
            * self.demand_multiplier[l.index() * ns + s.index()]
            * self.rate_growth[s.index()];
        for k in 0..2 {
            let n = referrals * if k == 1 { svc.complex_share } else { 1.0 - svc.complex_share };
            if n <= 0.0 {
                continue;
            }
            let w = if routing::network_routes(&self.world, s, k) { network_share } else { 0.0 };
            if w > 0.0 {
                routing::network_targets(&self.world, &self.catchments, &self.snapshot, l, s, k, &mut scratch.targets);
                for t in &scratch.targets {
                    visit(*t, k, w * n / scratch.targets.len() as f64, 0.0);
                }
            }
            if w >= 1.0 {
                continue;
            }
            if svc.patient_choice {
                routing::choice_probabilities(
                    &self.world,
                    &self.catchments,
                    &self.snapshot,
                    l,
                    s,
                    k,
                    &mut scratch.probs,
                );
                for &(p, prob) in &scratch.probs {
                    visit(p, k, (1.0 - w) * n * prob, (1.0 - w) * n * beta_q * prob * (1.0 - prob));
                }
            } else {
                routing::emergency_probabilities(
                    &self.world,
                    &self.catchments,
                    &self.snapshot,
                    l,
                    s,
                    k,
                    &mut scratch.probs,
                );
                for &(p, prob) in &scratch.probs {
                    visit(p, k, (1.0 - w) * n * prob, 0.0);
                }
            }
        }
    }

    /// Step 6: every provider's decisions, then the planner's grants for the
    /// next period.
    pub(super) fn decide(&mut self) {
        let (demand, slope) = self.expected_demand();
        let ns = self.world.services.len();
        let b = self.world.behaviour;
        let pooling = self.regime.pooling;
        let bidding = self.regime.bidding_share();
        let theta = b.damping;
        let interval = f64::from(self.world.time.decision_interval);
        let hours_per_wte = self.world.workforce.hours_per_wte;
        let wage = self.world.workforce.labour.wage;
        let weights = self.pool_weights();
        let weight_total: f64 = weights.iter().sum();

        let mut quality: Vec<f64> = self.providers.iter().map(|p| p.quality).collect();
        for (pi, p) in self.providers.iter_mut().enumerate() {
            let capacity = p.capacity();
            if !p.open || capacity <= 0.0 {
                continue;
            }
            let (mut revenue, mut patients, mut savings) = (0.0, 0.0, 0.0);
            for (si, u) in p.units.iter().enumerate() {
                let Some(u) = u else { continue };
                let svc = &self.world.services[si];
                let d = demand[pi * ns + si];
                let staff = self.world.staff_cost_per_episode(ServiceId(si as u32)) * (1.0 + p.premium);
                // What one more episode earns under the contract's rates.
                let earns = self.regime.payment.rates(svc.is_elective()).marginal(d, u.baseline);
                let margin = (self.tariffs[si] * earns * (1.0 - b.quality_share)
                    - svc.variable_cost * (1.0 - p.efficiency)
                    - staff)
                    * self.world.providers[pi].market_forces;
                // A unit already at capacity gains nothing from more demand but a longer list.
                if d < u.throughput() {
                    revenue += margin * slope[pi * ns + si];
                }
                patients += d;
                savings += svc.variable_cost * d;
            }
            let kappa = self.world.providers[pi].quality_cost;
            let own =
                (((1.0 - pooling) * revenue + b.altruism * patients) / (kappa * capacity)).clamp(0.0, b.max_quality);
            let reinvested = b.reinvest_share * p.interval_surplus.max(0.0) / interval;
            let money = p.grant + p.quality_payment + reinvested;
            let target = (own * own + 2.0 * money / (kappa * capacity)).sqrt().min(b.max_quality);
            quality[pi] = p.quality + theta * (target - p.quality);

            let keep = (1.0 - pooling) + if weight_total > 0.0 { pooling * weights[pi] / weight_total } else { 0.0 };
            let effort = b.efficiency_effort(keep * savings, capacity);
            p.efficiency += theta * (effort - p.efficiency);

            let mut target_hours = [0.0; 4];
            let mut capital = 0.0;
            let mut bed_days_wanted = 0.0;
            for (si, u) in p.units.iter_mut().enumerate() {
                let Some(u) = u else { continue };
                let recent = u.interval_arrivals as f64 / interval;
                let backlog = u.queue.len() as f64 / b.backlog_weeks;
                let wanted = recent * (1.0 + b.capacity_slack) + backlog;
                // Physical capacity is beds where there is a length of stay.
                let places = u.places_per_episode();
                let elective = self.world.services[si].is_elective();
                let mut wanted_capacity = wanted * places;
                if !elective {
                    // Emergency patients cannot wait: room for the weeks' peaks.
                    wanted_capacity = wanted_capacity.max(peak_capacity(recent * places, b.peak_cover));
                }
                let growth =
                    if elective { b.capacity_growth.min(b.elective_capacity_growth) } else { b.capacity_growth };
                let step = growth * u.capacity;
                let change = (wanted_capacity - u.capacity).clamp(-step, step);
                u.capacity = (u.capacity + change).max(0.0);
                let added = u.per_week(change);
                capital += added * self.tariffs[si] * b.capital_charge;
                // Beds are planned for the activity the unit can take on
                // (within its capacity) without the slack: the empty beds of
                // the planned occupancy are the headroom.
                bed_days_wanted += (recent + backlog).min(u.throughput()) * self.world.services[si].bed_days;
                let staffed = wanted.min(u.throughput());
                u.staffed_for = staffed;
                for (t, h) in target_hours.iter_mut().zip(self.world.services[si].staff_hours) {
                    *t += staffed * h;
                }
            }
            for (st, hours) in p.staff.iter_mut().zip(target_hours) {
                st.establishment += theta * (hours / hours_per_wte - st.establishment);
            }
            p.fixed_cost = (p.fixed_cost + capital).max(0.0);
            // Shared beds follow the bed-days the units want, at the occupancy
            // the trust plans at (their capital is in the units' charge above).
            if let Some(beds) = p.beds.as_mut() {
                let wanted_beds = bed_days_wanted / 7.0 / self.world.providers[pi].planned_occupancy;
                let step = b.capacity_growth * *beds;
                *beds = (*beds + (wanted_beds - *beds).clamp(-step, step)).max(0.0);
            }

            let establishment = p.establishment();
            let vacancy_rate = if establishment > 0.0 { p.vacancies() / establishment } else { 0.0 };
            let premium = bidding * wage.max_premium * (vacancy_rate / wage.vacancy_reference).clamp(0.0, 1.0);
            p.premium += theta * (premium - p.premium);
        }

        // Pathway standardisation: each provider moves towards the best
        // quality among the providers running the same services (the
        // capacity-weighted mean over its services of each service's best).
        let ramp = match self.network_start {
            Some(start) if b.standardisation_lag_weeks > 0.0 => {
                (f64::from(self.week - start) / b.standardisation_lag_weeks).min(1.0)
            }
            Some(_) => 1.0,
            None => 0.0,
        };
        let pull = b.standardisation * self.regime.network_share() * ramp;
        let mut best = vec![f64::NEG_INFINITY; ns];
        for (p, q) in self.providers.iter().zip(&quality) {
            for (si, u) in p.units.iter().enumerate() {
                if p.open && u.is_some() {
                    best[si] = best[si].max(*q);
                }
            }
        }
        for ((p, q), spec) in self.providers.iter_mut().zip(&quality).zip(&self.world.providers) {
            let capacity = p.capacity();
            p.standardising = 0.0;
            if !p.open || capacity <= 0.0 {
                continue;
            }
            let target: f64 =
                p.units.iter().zip(&best).filter_map(|(u, b)| u.as_ref().map(|u| u.throughput() * b)).sum::<f64>()
                    / capacity;
            let reached = q + pull * (target - q).max(0.0);
            let upkeep_added = spec.quality_cost * capacity * (reached * reached - q * q).max(0.0) / 2.0;
            p.standardising = b.standardisation_cost_weeks * upkeep_added / interval;
            p.quality = reached;
        }

        self.set_grants();
        for p in &mut self.providers {
            p.interval_risk = (0.0, 0.0);
            p.interval_tariff = 0.0;
            p.interval_surplus = 0.0;
            for u in p.units.iter_mut().flatten() {
                u.interval_arrivals = 0;
                u.interval_contribution = 0.0;
            }
        }
    }

    /// Money for quality for the next period. The quality payments: each
    /// provider's withheld share of its contract value over the last period,
    /// a week's worth. The planner's grants: the share `quality_share` of
    /// the pooled budget, to providers in proportion to how far their
    /// modelled risk (over expected) exceeds the network's and their waits
    /// exceed the network's threshold, times the tariff value of their
    /// capacity (so that a unit of capacity as far behind gets as much,
    /// whatever the provider's size) — or, when no provider is behind the
    /// network, in proportion to that value alone, so that the planner's
    /// share is spent on quality whatever the spread.
    fn set_grants(&mut self) {
        let share = self.world.behaviour.quality_share;
        let interval = f64::from(self.world.time.decision_interval);
        for p in &mut self.providers {
            p.quality_payment = if p.open { share * p.interval_tariff / interval } else { 0.0 };
        }
        let budget = self.regime.pooling * share * self.weekly_budget;
        let threshold = self.world.network.wait_threshold_weeks.max(1.0);
        let (expected, modelled) = self
            .providers
            .iter()
            .filter(|p| p.open)
            .fold((0.0, 0.0), |(e, m), p| (e + p.interval_risk.0, m + p.interval_risk.1));
        let network = if expected > 0.0 { modelled / expected } else { 1.0 };
        let weights = self.pool_weights();
        let need: Vec<f64> = self
            .providers
            .iter()
            .zip(&weights)
            .map(|(p, size)| {
                if !p.open || p.interval_risk.0 <= 0.0 {
                    return 0.0;
                }
                let risk = (p.interval_risk.1 / p.interval_risk.0 - network).max(0.0) / network;
                let waits: Vec<f64> = p
                    .units
                    .iter()
                    .enumerate()
                    .filter_map(|(si, u)| {
                        u.as_ref().filter(|_| self.world.services[si].is_elective()).map(|u| u.expected_wait())
                    })
                    .collect();
                let wait = if waits.is_empty() { 0.0 } else { waits.iter().sum::<f64>() / waits.len() as f64 };
                (risk + (wait / threshold - 1.0).max(0.0)) * size
            })
            .collect();
        let total: f64 = need.iter().sum();
        let (need, total) = if total > 0.0 {
            (need, total)
        } else {
            let total = weights.iter().sum();
            (weights, total)
        };
        for (p, n) in self.providers.iter_mut().zip(need) {
            p.grant = if total > 0.0 { budget * n / total } else { 0.0 };
        }
    }
}
