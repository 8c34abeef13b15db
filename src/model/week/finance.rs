//! Step 4 of a week: money.
//!
//! The commissioner pays the tariff share `1 − pooling` of each episode,
//! less the share `quality_share` it withholds and pays back as quality
//! payments (CQUIN), and splits `pooling` of its weekly budget between open
//! providers: first the planner's quality grants (`quality_share` of it),
//! then the rest in proportion to the tariff value of each provider's
//! capacity (a block contract). Money for quality is thus the same share
//! of what the commissioner pays under any regime; only who gets it
//! differs (see `decisions.rs`). The commissioner also pays tariff and
//! transfer for the week's patients treated out of the area. Providers pay
//! staff (with their wage premium), agency staff, variable costs (less
//! their efficiency savings), fixed costs (less integration savings),
//! network overhead, billing, interest, the upkeep of their quality and of
//! their efficiency effort, implementing standardised pathways, redeployed
//! staff's travel and integration's transition cost. Under pooling, the share `pooling` of each provider's
//! surplus or deficit is shared across the network by the same weights
//! (the soft budget constraint), so that at full pooling no provider
//! fails alone.

use super::engine::Simulation;
use crate::model::metrics::Accounts;
use crate::model::money::Money;

impl Simulation {
    /// The share of the integration ramp reached this week.
    fn integration_ramp(&self) -> f64 {
        let Some(start) = self.integration_start else {
            return 0.0;
        };
        let ramp = self.world.integration.ramp_weeks;
        if ramp == 0 { 1.0 } else { (f64::from(self.week - start) / f64::from(ramp)).min(1.0) }
    }

    /// Each provider's claim on pooled money: the tariff value of its
    /// capacity at its market forces factor (0 if closed).
    pub(super) fn pool_weights(&self) -> Vec<f64> {
        self.providers
            .iter()
            .zip(&self.world.providers)
            .map(|(p, spec)| {
                if !p.open {
                    return 0.0;
                }
                let value: f64 =
                    p.units.iter().zip(&self.tariffs).filter_map(|(u, t)| u.as_ref().map(|u| u.throughput() * t)).sum();
                value * spec.market_forces
            })
            .collect()
    }

    /// Step 4.
    pub(super) fn money(&mut self) {
        let regime = self.regime.clone();
        let pooling = regime.pooling;
        let tariff_share = 1.0 - pooling;
        let weights = self.pool_weights();
        let weight_total: f64 = weights.iter().sum();
        let world = &self.world;
        let behaviour = world.behaviour;
        let labour = world.workforce.labour;
        let pay = world.workforce.annual_cost.by_group();

        // The pooled budget: planner grants first, the rest by weight.
        let pooled = Money::pounds(pooling * self.weekly_budget);
        let mut grants: Vec<Money> =
            self.providers.iter().map(|p| Money::pounds(if p.open { p.grant } else { 0.0 })).collect();
        let granted: Money = grants.iter().copied().sum();
        if granted > pooled {
            // The pooled share fell since the grants were set: scale them down.
            let scale: Vec<f64> = grants.iter().map(|g| g.as_pounds()).collect();
            pooled.split(&scale, &mut grants);
        }
        let granted: Money = grants.iter().copied().sum();
        let mut parts = Vec::new();
        (pooled - granted).split(&weights, &mut parts);
        let pooled_paid = if weight_total > 0.0 { pooled } else { granted };

        // Integration's transition cost, shared by weight.
        let mut transition = Vec::new();
        let transition_total = match self.integration_start {
            Some(start) if self.week - start < world.integration.transition_weeks => Money::pounds(
                self.integration_at_start * world.integration.transition_cost_per_capita * world.population
                    / f64::from(world.integration.transition_weeks),
            ),
            _ => Money::ZERO,
        };
        transition_total.split(&weights, &mut transition);
        let fixed_factor = 1.0 - regime.integration * world.integration.fixed_cost_saving * self.integration_ramp();

        // Frozen providers buy no quality, so nothing is withheld for it.
        let withheld = behaviour.withheld_share();
        let mut tariff_paid = Money::ZERO;
        for (pi, p) in self.providers.iter_mut().enumerate() {
            let mut a = Accounts::default();
            if !p.open {
                p.week = a;
                p.recruitment_due = 0.0;
                continue;
            }
            let mut episodes = 0u64;
            let capacity = p.capacity();
            let mff = world.providers[pi].market_forces;
            for (si, u) in p.units.iter_mut().enumerate() {
                let Some(u) = u else { continue };
                let svc = &world.services[si];
                let n = f64::from(u.used);
                episodes += u64::from(u.used);
                u.year_used += u64::from(u.used);
                let paid = regime.payment.rates(svc.is_elective()).paid_episodes(n, u.baseline);
                let contract = tariff_share * self.tariffs[si] * mff * paid;
                p.interval_tariff += contract;
                let income = Money::pounds(contract * (1.0 - withheld));
                let variable = Money::pounds(svc.variable_cost * (1.0 - p.efficiency) * mff * n);
                a.tariff_income += income;
                a.variable += variable;
                let staff_cost =
                    world.staff_cost_per_episode(crate::model::world::ServiceId(si as u32)) * (1.0 + p.premium) * mff;
                u.interval_contribution += income.as_pounds() - variable.as_pounds() - staff_cost * n;
            }
            a.quality_payment_income = Money::pounds(p.quality_payment);
            tariff_paid += a.tariff_income + a.quality_payment_income;
            a.pooled_income = parts[pi];
            a.grant_income = grants[pi];
            a.staff = Money::pounds(
                (0..4).map(|g| p.staff[g].in_post() * pay[g]).sum::<f64>() / 52.0 * (1.0 + p.premium) * mff,
            );
            a.agency = Money::pounds(
                (0..4).map(|g| p.staff[g].agency * pay[g]).sum::<f64>() / 52.0 * (1.0 + labour.agency.premium) * mff,
            );
            a.recruitment = Money::pounds(std::mem::take(&mut p.recruitment_due));
            a.fixed = Money::pounds(p.fixed_cost * fixed_factor);
            a.coordination = Money::pounds(regime.coordination_cost);
            a.transaction = Money::pounds(regime.billing_share() * world.finance.transaction_cost * episodes as f64);
            let borrowed = p.debt + Money(p.cash.0.min(0).abs());
            a.interest = Money::pounds(borrowed.as_pounds() * world.finance.interest_rate / 52.0);
            a.quality = Money::pounds(world.providers[pi].quality_cost * capacity * p.quality * p.quality / 2.0);
            a.standardisation = Money::pounds(p.standardising);
            a.efficiency = Money::pounds(behaviour.efficiency_upkeep(capacity, p.efficiency));
            a.sharing = Money::pounds(p.staff.iter().map(|s| s.shared_in).sum::<f64>() * labour.sharing_cost_per_hour);
            a.integration = transition.get(pi).copied().unwrap_or(Money::ZERO);
            p.week = a;
        }

        // Risk sharing: `pooling` of each surplus or deficit is pooled and shared by weight.
        let contributions: Vec<Money> = self
            .providers
            .iter()
            .map(|p| {
                if p.open {
                    Money::pounds(pooling * (p.week.income() - p.week.costs()).as_pounds())
                } else {
                    Money::ZERO
                }
            })
            .collect();
        let mut shares = Vec::new();
        let total: Money = contributions.iter().copied().sum();
        if weight_total > 0.0 {
            total.split(&weights, &mut shares);
        } else {
            shares.clone_from(&contributions);
        }
        for ((p, c), s) in self.providers.iter_mut().zip(&contributions).zip(&shares) {
            p.week.risk_pool = *s - *c;
            p.cash += p.week.income() - p.week.costs() + p.week.risk_pool;
            p.interval_surplus += p.week.surplus().as_pounds();
        }

        let out_of_area = self.out_of_area_paid;
        let paid = tariff_paid + pooled_paid + out_of_area;
        self.ledger.out_of_area_paid += out_of_area;
        let received: Money = self.providers.iter().map(|p| p.week.income()).sum();
        let costs: Money = self.providers.iter().map(|p| p.week.costs()).sum();
        self.ledger.commissioner_paid += paid;
        self.ledger.providers_received += received;
        self.ledger.risk_pool_net += self.providers.iter().map(|p| p.week.risk_pool).sum::<Money>();
        self.ledger.provider_costs += costs;
        self.counts.commissioner_paid = paid;
        self.counts.system_cost = costs;
        if self.measuring() {
            self.metrics.commissioner_paid += paid;
            self.metrics.out_of_area_paid += out_of_area;
            self.metrics.commissioner_budget += Money::pounds(self.weekly_budget);
            for (acc, p) in self.metrics.accounts.iter_mut().zip(&self.providers) {
                acc.add(&p.week);
            }
        }
    }
}
