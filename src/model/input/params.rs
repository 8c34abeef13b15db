//! Parameters of provider behaviour: the labour market, decisions, failure
//! and integration. Each is a plain struct with serde defaults; every
//! field's doc gives its unit and default, and `configs/README.md` gives
//! the source or the reason for each default.

use serde::{Deserialize, Serialize};

use super::bounds::*;
use super::staff::StaffGroups;

/// Staff by age band, as shares summing to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeProfile {
    /// Share under 40.
    pub under_40: f64,
    /// Share aged 40–54.
    pub from_40_to_54: f64,
    /// Share aged 55 and over (who may retire).
    pub over_55: f64,
}

impl AgeProfile {
    /// The shares in band order, rescaled to sum to 1.
    pub fn shares(&self) -> [f64; 3] {
        let s = [self.under_40, self.from_40_to_54, self.over_55];
        let total: f64 = s.iter().sum();
        if total > 0.0 { s.map(|x| x / total) } else { [1.0, 0.0, 0.0] }
    }

    pub(crate) fn check(&self, path: &str, p: &mut Vec<Problem>) {
        let s = [self.under_40, self.from_40_to_54, self.over_55];
        for (name, v) in ["under_40", "from_40_to_54", "over_55"].iter().zip(s) {
            check_range(p, format_args!("{path}.{name}"), v, 0.0, 1.0);
        }
        let sum: f64 = s.iter().sum();
        if (sum - 1.0).abs() > 0.001 {
            p.push(Problem::new(path, format!("expected shares summing to 1 (±0.001), found {sum}")));
        }
    }
}

/// Training of a staff group's new staff in the region: places started
/// each year, arriving `years` later as qualified staff in the region's
/// pool.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Training {
    /// Training places started each year in the region, WTE. Default
    /// (`null`): `places_per_staff` × the starting staff in post.
    pub places: Option<f64>,
    /// Places a year per WTE in post at the start, where `places` is not
    /// given (England's ratio). Default: nursing 0.087.
    pub places_per_staff: f64,
    /// Years from starting training to joining the workforce. Default 3
    /// (medical 5).
    pub years: u32,
    /// Share of starters who qualify and join the region's NHS. Default 0.75.
    pub completion: f64,
}

impl Default for Training {
    fn default() -> Self {
        Training { places: None, places_per_staff: 0.087, years: 3, completion: 0.75 }
    }
}

/// Recruitment from abroad: providers fill the vacancies the region's pool
/// leaves unfilled, up to what can be recruited in a year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct International {
    /// Most staff the region's providers can recruit from abroad in a year,
    /// WTE. Default (`null`): `per_staff` × the starting staff in post.
    pub recruits: Option<f64>,
    /// Recruits a year per WTE in post at the start, where `recruits` is not
    /// given. Default: nursing 0.061.
    pub per_staff: f64,
    /// Cost to the recruiting provider per recruit (agency fees, visa,
    /// travel, exams, pastoral support), £. Default 10,000.
    pub cost: f64,
}

impl Default for International {
    fn default() -> Self {
        International { recruits: None, per_staff: 0.061, cost: 10_000.0 }
    }
}

/// The regional labour market of one staff group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabourMarket {
    /// The training pipeline.
    pub training: Training,
    /// Recruitment from abroad.
    pub international: International,
    /// Share of staff leaving their provider each year for reasons other
    /// than retirement or burnout. Default 0.13 (medical 0.08, allied 0.12).
    pub base_turnover: f64,
    /// Share of staff aged 55+ retiring each year. Default 0.12.
    pub retirement: f64,
    /// Share of turnover leavers who stay in the region's pool (move between
    /// providers) rather than leave the NHS. Default 0.4.
    pub mobility: f64,
    /// Age profile of staff in post where a provider does not give one.
    pub age_profile: AgeProfile,
}

impl Default for LabourMarket {
    fn default() -> Self {
        LabourMarket {
            training: Training::default(),
            international: International::default(),
            base_turnover: 0.13,
            retirement: 0.12,
            mobility: 0.4,
            age_profile: AgeProfile { under_40: 0.45, from_40_to_54: 0.35, over_55: 0.20 },
        }
    }
}

/// Extra leaving when staff are stretched for a sustained period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Burnout {
    /// Utilisation (hours demanded over hours available) above which staff
    /// are stretched. Default 1.0.
    pub threshold: f64,
    /// Consecutive weeks stretched before burnout adds leavers. Default 8.
    pub weeks: u32,
    /// Extra share of staff leaving per year while burnt out. Default 0.10.
    pub extra_turnover: f64,
}

impl Default for Burnout {
    fn default() -> Self {
        Burnout { threshold: 1.0, weeks: 8, extra_turnover: 0.10 }
    }
}

/// Agency staff covering vacancies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Agency {
    /// Price premium over substantive pay, as a share. Default 0.6.
    pub premium: f64,
    /// Agency WTE available to a provider, as a share of its establishment. Default 0.08.
    pub availability: f64,
    /// Quality lost at a provider staffed wholly by agency staff (in
    /// proportion to the agency share of hours). Default 0.3.
    pub quality_penalty: f64,
}

impl Default for Agency {
    fn default() -> Self {
        Agency { premium: 0.6, availability: 0.08, quality_penalty: 0.3 }
    }
}

/// Competition for staff through a wage premium.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WageCompetition {
    /// Largest premium over national pay a provider offers, as a share. Default 0.05.
    pub max_premium: f64,
    /// How strongly recruits and movers prefer a better-paying provider:
    /// attractiveness ∝ (1 + premium)^elasticity. Default 10.
    pub elasticity: f64,
    /// Vacancy rate at which a provider offers its largest premium. Default 0.20.
    pub vacancy_reference: f64,
}

impl Default for WageCompetition {
    fn default() -> Self {
        WageCompetition { max_premium: 0.05, elasticity: 10.0, vacancy_reference: 0.20 }
    }
}

/// Staff dynamics beyond pay and hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabourParams {
    /// The labour market of each staff group.
    pub markets: StaffGroups<LabourMarket>,
    /// Age profile of recruits. Default 0.75 / 0.20 / 0.05.
    pub recruit_age: AgeProfile,
    /// Share of the unhired pool leaving the region each year. Default 0.5.
    pub pool_attrition: f64,
    /// Burnout.
    pub burnout: Burnout,
    /// Agency staff.
    pub agency: Agency,
    /// Wage competition.
    pub wage: WageCompetition,
    /// Largest share of needed staff hours a provider runs without before it
    /// cuts capacity (staff work stretched up to this). Default 0.15.
    pub stretch: f64,
    /// Travel and coordination cost of redeploying staff between providers,
    /// £ per hour redeployed. Default 12.
    pub sharing_cost_per_hour: f64,
}

impl Default for LabourParams {
    fn default() -> Self {
        let market = LabourMarket::default();
        LabourParams {
            markets: StaffGroups {
                medical: LabourMarket {
                    training: Training { places_per_staff: 0.058, years: 5, completion: 0.95, ..Training::default() },
                    international: International { per_staff: 0.05, ..International::default() },
                    base_turnover: 0.08,
                    age_profile: AgeProfile { under_40: 0.45, from_40_to_54: 0.40, over_55: 0.15 },
                    ..market
                },
                nursing: LabourMarket {
                    age_profile: AgeProfile { under_40: 0.42, from_40_to_54: 0.36, over_55: 0.22 },
                    ..market
                },
                midwifery: LabourMarket {
                    international: International { per_staff: 0.03, ..International::default() },
                    age_profile: AgeProfile { under_40: 0.40, from_40_to_54: 0.37, over_55: 0.23 },
                    ..market
                },
                allied: LabourMarket {
                    training: Training { places_per_staff: 0.082, completion: 0.85, ..Training::default() },
                    international: International { per_staff: 0.02, ..International::default() },
                    base_turnover: 0.12,
                    age_profile: AgeProfile { under_40: 0.50, from_40_to_54: 0.35, over_55: 0.15 },
                    ..market
                },
            },
            recruit_age: AgeProfile { under_40: 0.75, from_40_to_54: 0.20, over_55: 0.05 },
            pool_attrition: 0.5,
            burnout: Burnout::default(),
            agency: Agency::default(),
            wage: WageCompetition::default(),
            stretch: 0.15,
            sharing_cost_per_hour: 12.0,
        }
    }
}

/// How providers decide every `decision_interval` weeks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BehaviourParams {
    /// α: value a provider puts on its patients' benefit from quality,
    /// £ per patient per week per unit of quality. Default 60.
    pub altruism: f64,
    /// κ: cost of quality, £ per episode of capacity per unit of quality²;
    /// holding quality q costs κ·capacity·q²/2 a week. Default 300.
    pub quality_cost: f64,
    /// Highest quality a provider can reach. Default 3.
    pub max_quality: f64,
    /// φ: cost of efficiency effort, £ per episode of capacity per unit of
    /// effort²; effort e cuts variable cost per episode by the share e and
    /// costs φ·capacity·e²/2 a week. Default 3,000.
    pub efficiency_cost: f64,
    /// Largest efficiency effort (share of variable cost saved). Default 0.3.
    pub max_efficiency: f64,
    /// θ: share of the way to its best response a provider moves each
    /// decision period: 0 holds quality, effort, staff establishment and
    /// wage premium (physical capacity still follows demand; `freeze` holds
    /// everything). Default 0.5.
    pub damping: f64,
    /// Freezes providers: no decisions (quality, effort, capacity,
    /// establishment, premium, standardisation), no money for quality (no
    /// grants, nothing withheld), no workforce flows (leavers, ageing,
    /// training, recruitment; agency cover and staff sharing still act
    /// each week) and no failures — for like-for-like comparisons with
    /// static models and for isolating the routing and payment mechanisms.
    /// Default false.
    pub freeze: bool,
    /// Money for quality, as a share of what the commissioner pays, the same
    /// under every regime: the pooled part (`pooling` of the budget) gives
    /// this share as the planner's grants to the providers with the worst
    /// waits and outcomes; the tariff part withholds this share of each
    /// provider's tariff income and pays it back as a quality payment (CQUIN)
    /// that buys quality. Default 0.025: CQUIN's 2.5% of contract value,
    /// 2012/13–2018/19.
    pub quality_share: f64,
    /// Share of a provider's surplus over a decision period that it
    /// reinvests in quality (the rest is held as cash), under every regime.
    /// Default 0: surpluses are held (assumption, not sourced; range 0–1).
    pub reinvest_share: f64,
    /// Pathway standardisation: share of the gap to the network's best
    /// quality closed each decision period, times the network routing share
    /// (never beyond the best). Default 0.2 (assumption, range 0–0.5).
    pub standardisation: f64,
    /// What standardising costs: the quality it adds costs this many weeks
    /// of that quality's upkeep to implement, paid over the next decision
    /// period. Default 13 (assumption, not sourced; range 0–52).
    pub standardisation_cost_weeks: f64,
    /// Weeks of network routing before standardisation reaches its full
    /// strength (it grows linearly from the week the network share first
    /// turns positive). Default 52 (assumption, not sourced; range 0–156).
    pub standardisation_lag_weeks: f64,
    /// Staff establishment targets this much capacity above recent demand. Default 0.05.
    pub capacity_slack: f64,
    /// Share of weeks in which a unit of an emergency service (no waiting
    /// list) has room for all its arrivals: it wants at least the Poisson
    /// quantile at this share of its recent weekly arrivals (of its
    /// occupancy, arrivals × stay, for a unit with a length of stay), since
    /// its patients cannot wait for next week (`model::week::peaks`). 0
    /// leaves it at recent demand plus slack. Default 0.95 (assumption, not
    /// sourced: a planning share of weeks; range 0.9–0.99).
    pub peak_cover: f64,
    /// Weeks over which a provider plans to clear its elective backlog. Default 26.
    pub backlog_weeks: f64,
    /// Largest share by which a unit's physical capacity grows or shrinks
    /// in a decision period, towards recent demand plus slack. Default 0.01
    /// (about 4% a year: the growth of general and acute beds at the
    /// 90th-percentile trust in England, 2022–2025).
    pub capacity_growth: f64,
    /// A tighter limit for the units of elective services (those with a
    /// waiting list): they change by at most the smaller of the two.
    /// Default 0.00275 (1.1% a year: the growth of general and acute beds at
    /// the median trust in England, 2022–2025, a proxy for the beds,
    /// theatres and staff electives take; England's emergency admissions
    /// grew 4.4% a year over the same years, within `capacity_growth`).
    /// Range 0–0.01.
    pub elective_capacity_growth: f64,
    /// Fixed cost of physical capacity added (or saved when it is shed), £
    /// per week per episode-a-week of capacity, as a share of the tariff. Default 0.12.
    pub capital_charge: f64,
    /// Share of a provider's shared beds that elective admissions may fill:
    /// electives take only the bed-days left above `1 − limit` of the week's,
    /// while emergencies may fill every bed (an elective with no bed is
    /// cancelled and given again within 28 days when beds allow). Shared
    /// beds of a provider without its own `occupancy` follow the activity
    /// the units want at this occupancy, by at most `capacity_growth` of
    /// themselves a decision period. Default 1: electives are cancelled only
    /// when every bed is taken.
    pub elective_bed_limit: f64,
}

/// Largest `behaviour.peak_cover`: capacity planned for the weeks' peaks,
/// not for every week there could be.
pub const MAX_PEAK_COVER: f64 = 0.999;

impl Default for BehaviourParams {
    fn default() -> Self {
        BehaviourParams {
            altruism: 60.0,
            quality_cost: 300.0,
            max_quality: 3.0,
            efficiency_cost: 3000.0,
            max_efficiency: 0.3,
            damping: 0.5,
            freeze: false,
            quality_share: 0.025,
            reinvest_share: 0.0,
            standardisation: 0.2,
            standardisation_cost_weeks: 13.0,
            standardisation_lag_weeks: 52.0,
            capacity_slack: 0.05,
            peak_cover: 0.95,
            backlog_weeks: 26.0,
            capacity_growth: 0.01,
            elective_capacity_growth: 0.00275,
            capital_charge: 0.12,
            elective_bed_limit: 1.0,
        }
    }
}

/// What the regulator does to a failing provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureAction {
    /// Close its least viable service; its patients, staff and capacity move
    /// to the nearest provider offering the service.
    #[default]
    CloseService,
    /// Merge the whole provider into the nearest open provider.
    Merge,
}

/// What a financial recovery plan cuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryAction {
    /// Physical capacity of every unit, and the fixed costs it carries.
    #[default]
    Capacity,
    /// Quality, and so its upkeep.
    Quality,
}

/// Failure, financial recovery and regulator takeover: the same rules under
/// any pooling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FailureParams {
    /// A provider is failing while its cash is below minus this many weeks
    /// of its costs. Default 8.
    pub cash_threshold_weeks: f64,
    /// Consecutive failing weeks before the regulator takes over. Default 26.
    pub window_weeks: u32,
    /// What the regulator does at a takeover. Default `close_service`.
    pub action: FailureAction,
    /// Financial recovery plans a failing provider is put under before a
    /// failure ends in a takeover. Default 1 (assumption: NHS England's
    /// recovery support comes before structural change).
    pub recovery_plans: u32,
    /// What a recovery plan cuts. Default `capacity`.
    pub recovery_action: RecoveryAction,
    /// Share of capacity (or of quality) a recovery plan cuts. Default 0.05
    /// (assumption, not sourced; range 0–0.2).
    pub recovery_cut: f64,
    /// Share of a closed unit's fixed costs that closing saves. Default 0.5.
    pub closure_saving: f64,
    /// Share of the failing provider's fixed costs a merger saves. Default 0.1.
    pub merger_saving: f64,
}

impl Default for FailureParams {
    fn default() -> Self {
        FailureParams {
            cash_threshold_weeks: 8.0,
            window_weeks: 26,
            action: FailureAction::CloseService,
            recovery_plans: 1,
            recovery_action: RecoveryAction::Capacity,
            recovery_cut: 0.05,
            closure_saving: 0.5,
            merger_saving: 0.1,
        }
    }
}

/// Patients who leave the region untreated (no capable provider within
/// reach, or a full one and none with room within the diversion radius)
/// are treated elsewhere: the commissioner pays for them, they travel
/// further and they carry their own risk. They count in the outcome, cost
/// and access measures as patients of the region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutOfAreaParams {
    /// Transfer to the out-of-area provider, £ per patient, paid by the
    /// commissioner on top of the national tariff. Default 200: of the order
    /// of an emergency ambulance call (£182 in 2003/04 in a published
    /// costing, Emerg Med J; not uprated). Assumption, range 0–500.
    pub transfer_cost: f64,
    /// Road distance travelled to the out-of-area provider, km. Default:
    /// the diversion radius (`geography.diversion_radius_km`), a lower bound
    /// (the region had nothing with room within it).
    pub distance_km: Option<f64>,
    /// Extra weeks before treatment out of the area. Default 0 (assumption:
    /// those who leave are emergencies; range 0–4).
    pub extra_wait_weeks: f64,
    /// Odds ratio of an adverse outcome out of the area against an average
    /// provider of the region (quality 0, no volume or staffing penalty).
    /// Default 1 (assumption, not sourced; range 1–1.5, for the transfer).
    pub risk_odds: f64,
}

impl Default for OutOfAreaParams {
    fn default() -> Self {
        OutOfAreaParams { transfer_cost: 200.0, distance_km: None, extra_wait_weeks: 0.0, risk_odds: 1.0 }
    }
}

impl OutOfAreaParams {
    pub(crate) fn check(&self, p: &mut Vec<Problem>) {
        check_range(p, "out_of_area.transfer_cost", self.transfer_cost, 0.0, super::bounds::MAX_MONEY);
        if let Some(d) = self.distance_km {
            check_range(p, "out_of_area.distance_km", d, 0.0, super::bounds::MAX_KM);
        }
        check_range(p, "out_of_area.extra_wait_weeks", self.extra_wait_weeks, 0.0, 520.0);
        check_range(p, "out_of_area.risk_odds", self.risk_odds, 1e-3, 1e3);
    }
}

/// Integration: community substitution and single-management savings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntegrationParams {
    /// The service that substituted patients receive. Default: `community_care` if defined.
    pub community_service: Option<String>,
    /// Services whose older patients' emergency demand may be substituted.
    /// Default: `emergency_medicine` if defined.
    pub substitutable: Option<Vec<String>>,
    /// Share of older people's substitutable demand met in the community at
    /// full integration after the ramp. Default 0.06.
    pub max_substitution: f64,
    /// Weeks for substitution and savings to ramp up from the start of integration. Default 104.
    pub ramp_weeks: u32,
    /// Up-front transition cost, £ per resident at full integration. Default 10.
    pub transition_cost_per_capita: f64,
    /// Weeks over which the transition cost is spent. Default 52.
    pub transition_weeks: u32,
    /// Share of fixed costs saved by single management at full integration. Default 0.04.
    pub fixed_cost_saving: f64,
}

impl Default for IntegrationParams {
    fn default() -> Self {
        IntegrationParams {
            community_service: None,
            substitutable: None,
            max_substitution: 0.06,
            ramp_weeks: 104,
            transition_cost_per_capita: 10.0,
            transition_weeks: 52,
            fixed_cost_saving: 0.04,
        }
    }
}

impl LabourParams {
    pub(crate) fn check(&self, p: &mut Vec<Problem>) {
        for (g, m) in super::staff::STAFF_GROUPS.iter().zip(self.markets.by_group()) {
            let at = |f: &str| format!("workforce.labour.markets.{g}.{f}");
            if let Some(v) = m.training.places {
                check_range(p, at("training.places"), v, 0.0, MAX_INFLOW);
            }
            check_range(p, at("training.places_per_staff"), m.training.places_per_staff, 0.0, 1.0);
            if m.training.years > MAX_TRAINING_YEARS {
                p.push(Problem::new(
                    at("training.years"),
                    format!("expected 0 to {MAX_TRAINING_YEARS} years, found {}", m.training.years),
                ));
            }
            check_range(p, at("training.completion"), m.training.completion, 0.0, 1.0);
            if let Some(v) = m.international.recruits {
                check_range(p, at("international.recruits"), v, 0.0, MAX_INFLOW);
            }
            check_range(p, at("international.per_staff"), m.international.per_staff, 0.0, 1.0);
            check_range(p, at("international.cost"), m.international.cost, 0.0, MAX_MONEY);
            check_range(p, at("base_turnover"), m.base_turnover, 0.0, 1.0);
            check_range(p, at("retirement"), m.retirement, 0.0, 1.0);
            check_range(p, at("mobility"), m.mobility, 0.0, 1.0);
            m.age_profile.check(&at("age_profile"), p);
        }
        self.recruit_age.check("workforce.labour.recruit_age", p);
        check_range(p, "workforce.labour.pool_attrition", self.pool_attrition, 0.0, 1.0);
        check_range(p, "workforce.labour.burnout.threshold", self.burnout.threshold, 0.0, 10.0);
        check_weeks(p, "workforce.labour.burnout.weeks", self.burnout.weeks, 1);
        check_range(p, "workforce.labour.burnout.extra_turnover", self.burnout.extra_turnover, 0.0, 1.0);
        check_range(p, "workforce.labour.agency.premium", self.agency.premium, 0.0, 10.0);
        check_range(p, "workforce.labour.agency.availability", self.agency.availability, 0.0, 1.0);
        check_range(p, "workforce.labour.agency.quality_penalty", self.agency.quality_penalty, 0.0, 10.0);
        check_range(p, "workforce.labour.wage.max_premium", self.wage.max_premium, 0.0, 1.0);
        check_range(p, "workforce.labour.wage.elasticity", self.wage.elasticity, 0.0, 100.0);
        check_range(p, "workforce.labour.wage.vacancy_reference", self.wage.vacancy_reference, 1e-6, 1.0);
        check_range(p, "workforce.labour.stretch", self.stretch, 0.0, 0.9);
        check_range(p, "workforce.labour.sharing_cost_per_hour", self.sharing_cost_per_hour, 0.0, MAX_HOURLY_COST);
    }
}

impl BehaviourParams {
    /// The share of a provider's tariff income withheld and paid back as
    /// the quality payment: `quality_share`, none when providers are frozen.
    pub fn withheld_share(&self) -> f64 {
        if self.freeze { 0.0 } else { self.quality_share }
    }

    /// The efficiency effort a provider's rule chooses for `savings` (£ of
    /// variable cost a week it would keep at full effort) and `capacity`
    /// (episodes a week): savings / (φ·capacity), within 0 and
    /// `max_efficiency`.
    pub fn efficiency_effort(&self, savings: f64, capacity: f64) -> f64 {
        (savings / (self.efficiency_cost * capacity)).clamp(0.0, self.max_efficiency)
    }

    /// What effort `e` costs a week at `capacity`: φ·capacity·e²/2.
    pub fn efficiency_upkeep(&self, capacity: f64, e: f64) -> f64 {
        self.efficiency_cost * capacity * e * e / 2.0
    }

    pub(crate) fn check(&self, p: &mut Vec<Problem>) {
        check_range(p, "behaviour.altruism", self.altruism, 0.0, MAX_WEIGHT);
        check_range(p, "behaviour.quality_cost", self.quality_cost, 1e-9, MAX_WEIGHT);
        check_range(p, "behaviour.max_quality", self.max_quality, 0.0, 10.0);
        check_range(p, "behaviour.efficiency_cost", self.efficiency_cost, 1e-9, MAX_WEIGHT);
        check_range(p, "behaviour.max_efficiency", self.max_efficiency, 0.0, 1.0);
        check_range(p, "behaviour.damping", self.damping, 0.0, 1.0);
        check_range(p, "behaviour.quality_share", self.quality_share, 0.0, 1.0);
        check_range(p, "behaviour.reinvest_share", self.reinvest_share, 0.0, 1.0);
        check_range(p, "behaviour.standardisation", self.standardisation, 0.0, 1.0);
        check_range(p, "behaviour.standardisation_cost_weeks", self.standardisation_cost_weeks, 0.0, 520.0);
        check_range(p, "behaviour.standardisation_lag_weeks", self.standardisation_lag_weeks, 0.0, 1e6);
        check_range(p, "behaviour.capacity_slack", self.capacity_slack, 0.0, 10.0);
        check_range(p, "behaviour.peak_cover", self.peak_cover, 0.0, MAX_PEAK_COVER);
        check_range(p, "behaviour.backlog_weeks", self.backlog_weeks, 1.0, 1e6);
        check_range(p, "behaviour.capacity_growth", self.capacity_growth, 0.0, 1.0);
        check_range(p, "behaviour.elective_capacity_growth", self.elective_capacity_growth, 0.0, 1.0);
        check_range(p, "behaviour.elective_bed_limit", self.elective_bed_limit, 0.5, 1.0);
        check_range(p, "behaviour.capital_charge", self.capital_charge, 0.0, 10.0);
    }
}

impl FailureParams {
    pub(crate) fn check(&self, p: &mut Vec<Problem>) {
        check_range(p, "failure.cash_threshold_weeks", self.cash_threshold_weeks, 0.0, f64::from(MAX_WEEKS));
        if self.window_weeks == 0 {
            p.push(Problem::new("failure.window_weeks", "expected a window of at least 1 week"));
        }
        check_range(p, "failure.closure_saving", self.closure_saving, 0.0, 1.0);
        check_range(p, "failure.merger_saving", self.merger_saving, 0.0, 1.0);
        check_range(p, "failure.recovery_cut", self.recovery_cut, 0.0, 0.9);
    }
}

impl IntegrationParams {
    pub(crate) fn check(&self, services: &[&str], p: &mut Vec<Problem>) {
        let list = services.join(", ");
        if let Some(c) = &self.community_service
            && !services.contains(&c.as_str())
        {
            p.push(Problem::new(
                "integration.community_service",
                format!("expected a defined service ({list}), found `{c}`"),
            ));
        }
        for (i, s) in self.substitutable.iter().flatten().enumerate() {
            if !services.contains(&s.as_str()) {
                p.push(Problem::new(
                    format!("integration.substitutable[{i}]"),
                    format!("expected a defined service ({list}), found `{s}`"),
                ));
            }
        }
        check_range(p, "integration.max_substitution", self.max_substitution, 0.0, 1.0);
        check_range(p, "integration.transition_cost_per_capita", self.transition_cost_per_capita, 0.0, MAX_MONEY);
        check_range(p, "integration.fixed_cost_saving", self.fixed_cost_saving, 0.0, 1.0);
        check_weeks(p, "integration.ramp_weeks", self.ramp_weeks, 0);
        check_weeks(p, "integration.transition_weeks", self.transition_weeks, 0);
    }

    /// The community service id: the one given, or `community_care` if defined.
    pub fn community_service<'a>(&'a self, services: &[&'a str]) -> Option<&'a str> {
        match &self.community_service {
            Some(c) => Some(c.as_str()),
            None => services.iter().copied().find(|s| *s == "community_care"),
        }
    }

    /// The substitutable service ids: those given, or `emergency_medicine` if defined.
    pub fn substitutable<'a>(&'a self, services: &[&'a str]) -> Vec<&'a str> {
        match &self.substitutable {
            Some(v) => v.iter().map(String::as_str).collect(),
            None => services.iter().copied().filter(|s| *s == "emergency_medicine").collect(),
        }
    }
}
