//! Step 5 of a week: the workforce.
//!
//! Staff in post are held in three age bands per group and provider. Each
//! week some leave (base turnover; retirement from the 55+ band; burnout
//! while a provider has been stretched for a sustained period), and the
//! bands age. Leavers who stay in the region join its pool, as do the
//! trainees finishing this week: the region's training places started
//! the training's years ago, times the share completing (a change in places
//! reaches the workforce only after that lag). Providers recruit from the
//! pool to fill their vacancies, each getting a share in proportion to its
//! vacancies times `(1 + wage premium)^elasticity` — so a premium poaches
//! recruits from the others, and when all pay it, only costs rise. The
//! vacancies the pool leaves are filled from abroad, by the same rule, up to
//! the week's share of what can be recruited abroad in a year, each recruit
//! costing the provider a fee. Unhired staff drift out of the region.
//!
//! Then next week's staffing is planned: agency staff cover vacancies up
//! to what agencies can supply, and with `staff_sharing` > 0 the network
//! redeploys staff time from under-used to over-stretched providers —
//! towards every provider working at the network's utilisation (hours
//! demanded over hours available) — with no donor giving more than that
//! share of its hours. Staff flows are
//! expected values (WTE are continuous): the randomness of a run is in its
//! patients.

use super::engine::Simulation;

/// Years an average member of staff spends in the under-40 band.
const YEARS_UNDER_40: f64 = 22.0;
/// Years in the 40–54 band.
const YEARS_40_TO_54: f64 = 15.0;
/// Utilisation reported for a provider with demand but no staff hours.
const MAX_UTILISATION: f64 = 10.0;

impl Simulation {
    /// Step 5: staff flows (none for frozen providers), then next week's
    /// agency cover and redeployment.
    pub(super) fn workforce(&mut self) {
        if !self.world.behaviour.freeze {
            self.staff_flows();
        }
        self.plan_staffing();
    }

    /// Leavers, retirements, ageing, trainees finishing, recruitment from
    /// the regional pool and from abroad, and the pool's attrition.
    fn staff_flows(&mut self) {
        let labour = self.world.workforce.labour;
        let markets = labour.markets.by_group();
        let recruit_age = labour.recruit_age.shares();
        let measuring = self.measuring();
        // How strongly each provider draws recruits: the same for every group and source this week.
        let pull: Vec<f64> = self.providers.iter().map(|p| (1.0 + p.premium).powf(labour.wage.elasticity)).collect();
        for (g, market) in markets.iter().enumerate() {
            let mut to_pool = 0.0;
            let mut exits = 0.0;
            for p in self.providers.iter_mut().filter(|p| p.open) {
                let burnt_out = p.stretched_weeks >= labour.burnout.weeks;
                let rate = (market.base_turnover + if burnt_out { labour.burnout.extra_turnover } else { 0.0 }) / 52.0;
                let st = &mut p.staff[g];
                let mut left = 0.0;
                for b in &mut st.bands {
                    let leaving = *b * rate;
                    *b -= leaving;
                    left += leaving;
                }
                let retiring = st.bands[2] * market.retirement / 52.0;
                st.bands[2] -= retiring;
                to_pool += left * market.mobility;
                exits += left * (1.0 - market.mobility) + retiring;
                if measuring {
                    self.metrics.leavers += left + retiring;
                }
                let up = st.bands[0] / (YEARS_UNDER_40 * 52.0);
                let older = st.bands[1] / (YEARS_40_TO_54 * 52.0);
                st.bands[0] -= up;
                st.bands[1] += up - older;
                st.bands[2] += older;
            }
            let qualified = self.training[g].advance(self.places[g] / 52.0) * market.training.completion;
            self.pool[g] += to_pool + qualified;
            self.ledger.staff_entered += qualified;
            self.ledger.staff_left += exits;
            self.pool[g] = self.fill_vacancies(g, self.pool[g], &pull, recruit_age, 0.0);
            let abroad = self.international[g] / 52.0;
            let recruited = abroad - self.fill_vacancies(g, abroad, &pull, recruit_age, market.international.cost);
            self.ledger.staff_entered += recruited;
            if measuring {
                self.metrics.qualified += qualified;
                self.metrics.recruited_abroad += recruited;
            }
            let drift = self.pool[g] * labour.pool_attrition / 52.0;
            self.pool[g] -= drift;
            self.ledger.staff_left += drift;
        }
    }

    /// Fills vacancies of group `g` from `available` WTE: shares in
    /// proportion to vacancies × `pull` (each provider's (1 +
    /// premium)^elasticity), never above a provider's vacancies (what one
    /// cannot use goes to the others); each hire costs its provider `cost`,
    /// paid next week. Returns what is left.
    fn fill_vacancies(&mut self, g: usize, mut available: f64, pull: &[f64], recruit_age: [f64; 3], cost: f64) -> f64 {
        let mut wanted: Vec<f64> =
            self.providers.iter().map(|p| if p.open { p.staff[g].vacancies() } else { 0.0 }).collect();
        for _ in 0..4 {
            let total: f64 = wanted.iter().zip(pull).map(|(w, a)| w * a).sum();
            if total <= 0.0 || available <= 1e-12 {
                break;
            }
            let mut hired_now = 0.0;
            for ((p, w), a) in self.providers.iter_mut().zip(wanted.iter_mut()).zip(pull) {
                let hires = (available * *w * a / total).min(*w);
                if hires <= 0.0 {
                    continue;
                }
                for (b, share) in p.staff[g].bands.iter_mut().zip(recruit_age) {
                    *b += hires * share;
                }
                p.recruitment_due += hires * cost;
                *w -= hires;
                hired_now += hires;
            }
            available -= hired_now;
        }
        available.max(0.0)
    }

    /// Next week's staffing: agency cover for vacancies and the network's
    /// redeployment of staff time; then each provider's utilisation.
    pub(super) fn plan_staffing(&mut self) {
        let hours_per_wte = self.world.workforce.hours_per_wte;
        let labour = self.world.workforce.labour;
        let sharing = self.regime.staff_sharing;
        for p in &mut self.providers {
            let mut needed = [0.0; 4];
            for (si, u) in p.units.iter().enumerate() {
                if let Some(u) = u {
                    let demand = u.throughput().min(f64::from(u.pressure));
                    for (n, h) in needed.iter_mut().zip(self.world.services[si].staff_hours) {
                        *n += demand * h;
                    }
                }
            }
            for (st, n) in p.staff.iter_mut().zip(needed) {
                st.agency =
                    if p.open { st.vacancies().min(labour.agency.availability * st.establishment) } else { 0.0 };
                st.needed = n;
                st.shared_in = 0.0;
                st.shared_out = 0.0;
            }
        }
        if sharing > 0.0 {
            for g in 0..4 {
                let own: Vec<f64> = self
                    .providers
                    .iter()
                    .map(|p| if p.open { (p.staff[g].in_post() + p.staff[g].agency) * hours_per_wte } else { 0.0 })
                    .collect();
                let need: Vec<f64> =
                    self.providers.iter().map(|p| if p.open { p.staff[g].needed } else { 0.0 }).collect();
                let (total_own, total_need): (f64, f64) = (own.iter().sum(), need.iter().sum());
                if total_own <= 0.0 || total_need <= 0.0 {
                    continue;
                }
                // Hours each provider would hold if every one ran at the network's utilisation.
                let level = total_need / total_own;
                let gain: Vec<f64> = need.iter().zip(&own).map(|(n, o)| (n / level - o).max(0.0)).collect();
                let give: Vec<f64> =
                    need.iter().zip(&own).map(|(n, o)| (o - n / level).max(0.0).min(sharing * o)).collect();
                let (wanted, spare): (f64, f64) = (gain.iter().sum(), give.iter().sum());
                let moved = wanted.min(spare);
                if moved <= 0.0 {
                    continue;
                }
                for ((p, gi), si) in self.providers.iter_mut().zip(&gain).zip(&give) {
                    p.staff[g].shared_in = gi * moved / wanted;
                    p.staff[g].shared_out = si * moved / spare;
                }
            }
        }
        let threshold = labour.burnout.threshold;
        for p in &mut self.providers {
            let needed: f64 = p.staff.iter().map(|s| s.needed).sum();
            let hours: f64 = p.staff.iter().map(|s| s.hours(hours_per_wte)).sum();
            p.utilisation = if hours > 0.0 {
                (needed / hours).min(MAX_UTILISATION)
            } else if needed > 0.0 {
                MAX_UTILISATION
            } else {
                0.0
            };
            if p.open && p.utilisation > threshold {
                p.stretched_weeks += 1;
            } else {
                p.stretched_weeks = 0;
            }
        }
    }
}
