//! Running tallies of the measured window and the run summary built from them.
//!
//! Patients are tallied by service and by locality group (urban, rural);
//! every figure overall, per group and per service is a sum over that grid,
//! so the groups always add up to the whole. Travel distances are tallied as
//! flows per (service, locality, provider) and waits as histograms in whole
//! weeks, which makes percentiles exact rather than estimated.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::accounts::Accounts;
use super::money::Money;
use crate::model::scenario::{Capability, Rurality};
use crate::model::world::{LocalityId, ProviderId, ServiceId, World};

/// The NHS referral-to-treatment standard, weeks.
pub const RTT_WEEKS: u32 = 18;
/// Weeks between waiting-list censuses: a four-week "month" (13 a year),
/// the list counted at its end as the NHS counts incomplete pathways at
/// month end.
pub const CENSUS_WEEKS: u32 = 4;
/// Weeks on the list beyond which a patient is a long waiter.
pub const LONG_WAIT_WEEKS: u32 = 52;
/// The access threshold of the summary, km.
pub const ACCESS_KM: f64 = 30.0;
/// The access threshold of the summary in road travel time, minutes.
pub const ACCESS_MINUTES: f64 = 30.0;
/// The locality groups in index order (see [`group`]).
const GROUPS: [Rurality; 2] = [Rurality::Urban, Rurality::Rural];
/// Providers with fewer episodes of a service are left out of its
/// between-provider variation (too few to say anything about them).
pub const MIN_EPISODES_FOR_VARIATION: u64 = 100;

/// Index of a locality group in per-group arrays.
pub fn group(r: Rurality) -> usize {
    usize::from(r.group())
}

/// Patient counts for one service and one locality group.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// New referrals.
    pub arrived: u64,
    /// Episodes treated.
    pub treated: u64,
    /// Adverse outcomes.
    pub adverse: u64,
    /// Σ baseline risk of the treated: adverse outcomes expected at an average provider.
    pub expected: f64,
    /// Σ modelled risk of the treated.
    pub modelled: f64,
    /// Elective episodes treated.
    pub elective_treated: u64,
    /// Σ weeks waited by elective patients treated.
    pub wait_weeks: u64,
    /// Elective patients treated within 18 weeks.
    pub within_rtt: u64,
    /// Emergency patients diverted from a full provider.
    pub diverted: u64,
    /// Patients who left the region untreated (no capable provider within
    /// reach), to be treated elsewhere.
    pub diverted_out: u64,
    /// Adverse outcomes of those treated elsewhere.
    pub out_of_area_adverse: u64,
    /// Σ baseline risk of those treated elsewhere.
    pub out_of_area_expected: f64,
    /// Σ modelled risk of those treated elsewhere.
    pub out_of_area_modelled: f64,
    /// Older people's referrals met by community care instead (integration).
    pub substituted: u64,
    /// Referrals of services with patient choice whose welfare is counted.
    pub choosers: u64,
    /// Σ their expected utility (log-sum when choosing, the utility of the
    /// provider they are sent to when routed).
    pub utility: f64,
    /// Weeks waited by elective patients treated: `histogram[w]` patients waited `w` weeks.
    pub wait_histogram: Vec<u64>,
    /// The waiting list at each census, summed over censuses.
    pub list: ListCount,
    /// The same by weeks waited (for the median): `list_histogram[w]`
    /// patients had waited `w` weeks.
    pub list_histogram: Vec<u64>,
}

/// Patients on waiting lists at censuses, summed over censuses: all of
/// them, those waiting 18 weeks or less and those waiting more than 52.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListCount {
    /// Patients listed.
    pub listed: u64,
    /// Of them, waiting [`RTT_WEEKS`] weeks or less.
    pub within_rtt: u64,
    /// Of them, waiting more than [`LONG_WAIT_WEEKS`] weeks.
    pub long: u64,
}

/// One measured week of the open providers, as the measures take it.
#[derive(Debug, Clone, Default)]
pub struct WeekFigures {
    /// Posts, WTE.
    pub establishment: f64,
    /// Vacant posts, WTE.
    pub vacancies: f64,
    /// Staff in post, WTE.
    pub staff: f64,
    /// Agency cover, WTE.
    pub agency: f64,
    /// The utilisation of each provider with capacity.
    pub utilisation: Vec<f64>,
    /// The providers' mean quality (none when no provider is open).
    pub mean_quality: Option<f64>,
}

/// Patients on one unit's list at a census who have waited the same whole
/// weeks and live in the same group of localities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    /// The provider's index.
    pub provider: usize,
    /// The service's index.
    pub service: usize,
    /// Whole weeks since their clocks started.
    pub weeks: u32,
    /// The group of their localities (0 or 1).
    pub group: usize,
    /// How many.
    pub patients: u64,
}

impl ListCount {
    /// Counts `n` patients who have waited `weeks`.
    pub fn add(&mut self, weeks: u32, n: u64) {
        self.listed += n;
        if weeks <= RTT_WEEKS {
            self.within_rtt += n;
        }
        if weeks > LONG_WAIT_WEEKS {
            self.long += n;
        }
    }

    fn merge(&mut self, o: &ListCount) {
        self.listed += o.listed;
        self.within_rtt += o.within_rtt;
        self.long += o.long;
    }

    /// Mean list size and long waiters per census, and the share within 18
    /// weeks, over `censuses` censuses.
    pub fn figures(&self, censuses: u32) -> (Option<f64>, Option<f64>, Option<f64>) {
        let censuses = f64::from(censuses);
        (
            ratio(self.listed as f64, censuses),
            ratio(self.within_rtt as f64, self.listed as f64),
            ratio(self.long as f64, censuses),
        )
    }
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.arrived += o.arrived;
        self.treated += o.treated;
        self.adverse += o.adverse;
        self.expected += o.expected;
        self.modelled += o.modelled;
        self.elective_treated += o.elective_treated;
        self.wait_weeks += o.wait_weeks;
        self.within_rtt += o.within_rtt;
        self.diverted += o.diverted;
        self.diverted_out += o.diverted_out;
        self.out_of_area_adverse += o.out_of_area_adverse;
        self.out_of_area_expected += o.out_of_area_expected;
        self.out_of_area_modelled += o.out_of_area_modelled;
        self.substituted += o.substituted;
        self.choosers += o.choosers;
        self.utility += o.utility;
        if self.wait_histogram.len() < o.wait_histogram.len() {
            self.wait_histogram.resize(o.wait_histogram.len(), 0);
        }
        for (a, b) in self.wait_histogram.iter_mut().zip(&o.wait_histogram) {
            *a += b;
        }
        self.list.merge(&o.list);
        if self.list_histogram.len() < o.list_histogram.len() {
            self.list_histogram.resize(o.list_histogram.len(), 0);
        }
        for (a, b) in self.list_histogram.iter_mut().zip(&o.list_histogram) {
            *a += b;
        }
    }
}

/// Outcome counts of one provider for one service.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProviderTally {
    /// Episodes treated.
    pub treated: u64,
    /// Adverse outcomes.
    pub adverse: u64,
    /// Σ baseline risk.
    pub expected: f64,
    /// Σ modelled risk.
    pub modelled: f64,
    /// The waiting list at each census, summed over censuses.
    pub list: ListCount,
}

impl ProviderTally {
    fn add(&mut self, o: &ProviderTally) {
        self.treated += o.treated;
        self.adverse += o.adverse;
        self.expected += o.expected;
        self.modelled += o.modelled;
        self.list.merge(&o.list);
    }
}

/// One treated cohort, as the metrics see it.
#[derive(Debug, Clone, Copy)]
pub struct TreatedRecord {
    /// Provider.
    pub provider: ProviderId,
    /// Service.
    pub service: ServiceId,
    /// Home locality.
    pub locality: LocalityId,
    /// Patients.
    pub count: u32,
    /// Weeks waited (elective; 0 for emergency).
    pub wait: u32,
    /// Adverse outcomes among them.
    pub adverse: u32,
    /// Baseline risk of their complexity.
    pub baseline_risk: f64,
    /// Modelled risk.
    pub risk: f64,
    /// The lowest level of the site they were treated at
    /// ([`crate::model::queue::Case::treated_at`]).
    pub at: Capability,
}

/// Patients of one week who left the region, as the metrics see them.
#[derive(Debug, Clone, Copy)]
pub struct OutOfAreaRecord {
    /// Service.
    pub service: ServiceId,
    /// Home locality.
    pub locality: LocalityId,
    /// Patients.
    pub count: u32,
    /// Adverse outcomes among them.
    pub adverse: u32,
    /// Baseline risk of their complexity.
    pub baseline_risk: f64,
    /// Modelled risk out of the area.
    pub risk: f64,
}

/// Levels of care a flow is kept by.
const LEVELS: usize = Capability::ALL.len();

/// Adds `n` patients at provider `p` to a list of flows kept in provider order.
fn add_flow(flows: &mut Vec<(ProviderId, u64)>, p: ProviderId, n: u64) {
    match flows.binary_search_by_key(&p, |x| x.0) {
        Ok(i) => flows[i].1 += n,
        Err(i) => flows.insert(i, (p, n)),
    }
}

/// The tallies of the measured window.
#[derive(Debug, Clone)]
pub struct Metrics {
    services: usize,
    localities: usize,
    providers: usize,
    /// `[service * 2 + group]`.
    tallies: Vec<Tally>,
    /// Patients treated, `[(service * localities + locality) * 3 + level]`:
    /// each provider that treated any of them, in provider order, with their
    /// number (a locality reaches few of the map's providers); by the lowest
    /// level of the site they were treated at for a service some site offers
    /// below its provider's level (`sites[].levels`), else all at level 0.
    flows: Vec<Vec<(ProviderId, u64)>>,
    /// Referrals by home locality.
    pub locality_arrived: Vec<u64>,
    /// Patients sent out of the region by home locality.
    pub locality_diverted_out: Vec<u64>,
    /// `[provider * services + service]`.
    provider_tallies: Vec<ProviderTally>,
    /// By provider.
    pub accounts: Vec<Accounts>,
    /// Commissioner's payments, £.
    pub commissioner_paid: Money,
    /// Commissioner's budget over the window, £.
    pub commissioner_budget: Money,
    /// Lent by the regulator to failing providers, £.
    pub regulator_loans: Money,
    /// Paid for patients treated outside the region, £.
    pub out_of_area_paid: Money,
    /// Σ over takeovers of the change they made to capacity-weighted quality.
    pub takeover_quality_change: f64,
    /// Waiting-list censuses taken (every [`CENSUS_WEEKS`] weeks).
    pub censuses: u32,
    /// Patients waiting when the window opened.
    pub waiting_at_start: u64,
    /// Weeks measured.
    pub weeks: u32,
    /// Σ over weeks of the vacancy rate (for the mean).
    pub vacancy_rate_sum: f64,
    /// Σ over weeks of WTE in post.
    pub staff_weeks: f64,
    /// Σ over weeks of agency WTE.
    pub agency_weeks: f64,
    /// Staff who left their provider, WTE.
    pub leavers: f64,
    /// Newly qualified staff joining the region's pool, WTE.
    pub qualified: f64,
    /// Staff recruited from abroad, WTE.
    pub recruited_abroad: f64,
    /// Σ over weeks of the coefficient of variation of utilisation across providers.
    pub utilisation_cv_sum: f64,
    /// Σ over weeks of mean quality across open providers.
    pub quality_sum: f64,
    /// Transfers between levels of care, by service.
    pub transfers: Vec<super::transfers::TransferTally>,
}

impl Metrics {
    /// Empty tallies for a world.
    pub fn new(world: &World) -> Self {
        let (s, l, p) = (world.services.len(), world.localities.len(), world.providers.len());
        Metrics {
            services: s,
            localities: l,
            providers: p,
            tallies: vec![Tally::default(); s * 2],
            flows: vec![Vec::new(); s * l * LEVELS],
            locality_arrived: vec![0; l],
            locality_diverted_out: vec![0; l],
            provider_tallies: vec![ProviderTally::default(); p * s],
            accounts: vec![Accounts::default(); p],
            commissioner_paid: Money::ZERO,
            commissioner_budget: Money::ZERO,
            regulator_loans: Money::ZERO,
            out_of_area_paid: Money::ZERO,
            takeover_quality_change: 0.0,
            censuses: 0,
            waiting_at_start: 0,
            weeks: 0,
            vacancy_rate_sum: 0.0,
            staff_weeks: 0.0,
            agency_weeks: 0.0,
            leavers: 0.0,
            qualified: 0.0,
            recruited_abroad: 0.0,
            utilisation_cv_sum: 0.0,
            quality_sum: 0.0,
            transfers: vec![super::transfers::TransferTally::default(); s],
        }
    }

    /// Adds one measured week of staff and provider figures.
    pub fn record_week(&mut self, f: &WeekFigures) {
        self.weeks += 1;
        if f.establishment > 0.0 {
            self.vacancy_rate_sum += f.vacancies / f.establishment;
        }
        self.staff_weeks += f.staff;
        self.agency_weeks += f.agency;
        self.utilisation_cv_sum += coefficient_of_variation(&f.utilisation).unwrap_or(0.0);
        if let Some(q) = f.mean_quality {
            self.quality_sum += q;
        }
    }

    /// The tally of one service and locality group.
    pub fn tally(&mut self, s: ServiceId, group: usize) -> &mut Tally {
        &mut self.tallies[s.index() * 2 + group]
    }

    /// One service's tally over both locality groups.
    pub fn tally_of(&self, s: ServiceId) -> Tally {
        self.selection(Some(s), None)
    }

    /// Records a treated cohort.
    pub fn record_treated(&mut self, world: &World, r: &TreatedRecord) {
        let n = u64::from(r.count);
        let elective = world.services[r.service.index()].is_elective();
        let t = self.tally(r.service, usize::from(world.groups[r.locality.index()]));
        t.treated += n;
        t.adverse += u64::from(r.adverse);
        t.expected += n as f64 * r.baseline_risk;
        t.modelled += n as f64 * r.risk;
        if elective {
            t.elective_treated += n;
            t.wait_weeks += n * u64::from(r.wait);
            if r.wait <= RTT_WEEKS {
                t.within_rtt += n;
            }
            let w = r.wait as usize;
            if t.wait_histogram.len() <= w {
                t.wait_histogram.resize(w + 1, 0);
            }
            t.wait_histogram[w] += n;
        }
        let level = if world.has_site_levels(r.service) { r.at as usize } else { 0 };
        let at = (r.service.index() * self.localities + r.locality.index()) * LEVELS + level;
        add_flow(&mut self.flows[at], r.provider, n);
        let pt = &mut self.provider_tallies[r.provider.index() * self.services + r.service.index()];
        pt.treated += n;
        pt.adverse += u64::from(r.adverse);
        pt.expected += n as f64 * r.baseline_risk;
        pt.modelled += n as f64 * r.risk;
    }

    /// Starts a census of the elective waiting lists at a month end (RTT
    /// incomplete pathways): [`Metrics::record_listed`] then counts every
    /// waiting patient by how long their clock has run.
    pub fn begin_census(&mut self) {
        self.censuses += 1;
    }

    /// Counts patients on a list at the census.
    pub fn record_listed(&mut self, l: Listed) {
        let (w, n) = (l.weeks, l.patients);
        let t = &mut self.tallies[l.service * 2 + l.group];
        t.list.add(w, n);
        let h = &mut t.list_histogram;
        if h.len() <= w as usize {
            h.resize(w as usize + 1, 0);
        }
        h[w as usize] += n;
        self.provider_tallies[l.provider * self.services + l.service].list.add(w, n);
    }

    /// Records the outcomes of patients treated outside the region (their
    /// count is already in `diverted_out`).
    pub fn record_out_of_area(&mut self, world: &World, r: &OutOfAreaRecord) {
        let n = f64::from(r.count);
        let t = self.tally(r.service, usize::from(world.groups[r.locality.index()]));
        t.out_of_area_adverse += u64::from(r.adverse);
        t.out_of_area_expected += n * r.baseline_risk;
        t.out_of_area_modelled += n * r.risk;
    }

    /// The flow lists of service `si` from locality `l`, one per level.
    fn flow_lists(&self, si: usize, l: usize) -> &[Vec<(ProviderId, u64)>] {
        &self.flows[(si * self.localities + l) * LEVELS..][..LEVELS]
    }

    /// Patients of service `s` treated from each locality at each provider,
    /// by the lowest level of the site they were treated at (all at
    /// [`Capability::Basic`] for a service no site offers below its
    /// provider's level), as `(locality, provider, level, patients)`.
    pub fn flows_by_level(&self, s: ServiceId) -> Vec<(LocalityId, ProviderId, Capability, u64)> {
        let mut out = Vec::new();
        for l in 0..self.localities {
            for (level, list) in Capability::ALL.iter().zip(self.flow_lists(s.index(), l)) {
                out.extend(list.iter().filter(|x| x.1 > 0).map(|&(p, n)| (LocalityId(l as u32), p, *level, n)));
            }
        }
        out
    }

    /// Patients treated from each locality at each provider, for service `s`
    /// (or all services), as `(locality, provider, patients)`.
    pub fn flows(&self, s: Option<ServiceId>) -> Vec<(LocalityId, ProviderId, u64)> {
        let mut out = Vec::new();
        let mut by_provider = Vec::new();
        for l in 0..self.localities {
            by_provider.clear();
            for si in (0..self.services).filter(|&si| s.is_none_or(|s| s.index() == si)) {
                for list in self.flow_lists(si, l) {
                    for &(p, n) in list {
                        add_flow(&mut by_provider, p, n);
                    }
                }
            }
            out.extend(by_provider.iter().filter(|x| x.1 > 0).map(|&(p, n)| (LocalityId(l as u32), p, n)));
        }
        out
    }

    /// One provider's tally for one service.
    pub fn provider_tally(&self, p: ProviderId, s: ServiceId) -> ProviderTally {
        self.provider_tallies[p.index() * self.services + s.index()]
    }

    fn selection(&self, s: Option<ServiceId>, g: Option<usize>) -> Tally {
        let mut t = Tally::default();
        for si in 0..self.services {
            for gi in 0..2 {
                if s.is_none_or(|s| s.index() == si) && g.is_none_or(|g| g == gi) {
                    t.add(&self.tallies[si * 2 + gi]);
                }
            }
        }
        t
    }

    /// Every (service, locality, provider) with patients treated, with its
    /// journey: one lookup each, shared by every selection's figures.
    fn flow_journeys(&self, world: &World) -> Vec<FlowJourney> {
        let mut out = Vec::new();
        for si in 0..self.services {
            for l in world.locality_ids() {
                let group = usize::from(world.groups[l.index()]);
                for (level, list) in Capability::ALL.iter().zip(self.flow_lists(si, l.index())) {
                    for &(p, n) in list {
                        if n > 0 {
                            let (km, minutes) = world.km_and_minutes(l, p, ServiceId(si as u32), *level);
                            out.push(FlowJourney { service: si, group, locality: l, km, minutes, n });
                        }
                    }
                }
            }
        }
        out
    }

    /// The summary figures of one selection (service and/or group); travel
    /// figures from `journeys` (`None`: left out, for a caller that needs
    /// outcomes only).
    fn block(&self, world: &World, s: Option<ServiceId>, g: Option<usize>, journeys: Option<&[FlowJourney]>) -> Block {
        let t = self.selection(s, g);
        let wait_pairs: Vec<(f64, u64)> =
            t.wait_histogram.iter().enumerate().filter(|(_, n)| **n > 0).map(|(w, n)| (w as f64, *n)).collect();
        let away = t.diverted_out;
        let all = (t.treated + away) as f64;
        let away_km = world.out_of_area_km;
        // Patients treated out of the area, by group, at that group's modelled minutes.
        let away_minutes: Vec<(f64, u64)> = (0..2)
            .filter(|&gi| g.is_none_or(|g| g == gi))
            .map(|gi| {
                let n = (0..self.services)
                    .filter(|&si| s.is_none_or(|s| s.index() == si))
                    .map(|si| self.tallies[si * 2 + gi].diverted_out)
                    .sum();
                (world.out_of_area_minutes(GROUPS[gi]), n)
            })
            .collect();
        let ((mean_km, p95_km, share_within_30km), (mean_minutes, p95_minutes, share_within_30_minutes)) =
            match journeys {
                Some(journeys) => {
                    let chosen = journeys
                        .iter()
                        .filter(|j| s.is_none_or(|s| s.index() == j.service) && g.is_none_or(|g| g == j.group));
                    let (mut km, mut minutes): TravelPairs = chosen.map(|j| ((j.km, j.n), (j.minutes, j.n))).unzip();
                    km.push((away_km, away));
                    minutes.extend(away_minutes);
                    (travel_summary(km, ACCESS_KM), travel_summary(minutes, ACCESS_MINUTES))
                }
                None => ((None, None, None), (None, None, None)),
            };
        let access = Access {
            treated: t.treated,
            unmet: ratio(away as f64, t.arrived as f64),
            mean_km,
            p95_km,
            share_within_30km,
            mean_minutes,
            p95_minutes,
            share_within_30_minutes,
            choice_welfare_minutes: ratio(t.utility, t.choosers as f64)
                .filter(|_| world.choice.beta_minutes > 0.0)
                .map(|u| u / world.choice.beta_minutes),
        };
        let list_pairs: Vec<(f64, u64)> =
            t.list_histogram.iter().enumerate().filter(|(_, n)| **n > 0).map(|(w, n)| (w as f64, *n)).collect();
        let (list_size, list_within_18_weeks, list_over_52_weeks) = t.list.figures(self.censuses);
        let waiting = Waiting {
            list_size,
            list_median_weeks: weighted_percentile(&list_pairs, 0.5),
            list_within_18_weeks,
            list_over_52_weeks,
            elective_treated: t.elective_treated,
            mean_wait_weeks: ratio(t.wait_weeks as f64, t.elective_treated as f64),
            p95_wait_weeks: weighted_percentile(&wait_pairs, 0.95),
            share_within_18_weeks: ratio(t.within_rtt as f64, t.elective_treated as f64),
            diversions: t.diverted,
            diverted_out: t.diverted_out,
            waiting_at_end: None,
        };
        let adverse = t.adverse + t.out_of_area_adverse;
        let expected = t.expected + t.out_of_area_expected;
        let outcomes = Outcomes {
            episodes: t.treated,
            out_of_area_episodes: away,
            adverse,
            out_of_area_adverse: t.out_of_area_adverse,
            adverse_rate: ratio(adverse as f64, all),
            expected_rate: ratio(expected, all),
            modelled_rate: ratio(t.modelled + t.out_of_area_modelled, all),
            risk_ratio: ratio(adverse as f64, expected),
            between_provider_cv: None,
            between_provider_cv_observed: None,
            urban_rural_gap: None,
        };
        Block { arrived: t.arrived, access, waiting, outcomes }
    }

    /// Coefficient of variation across providers of the modelled and the
    /// observed risk ratio (modelled or observed over expected), for service
    /// `s` or all services; providers with fewer than
    /// [`MIN_EPISODES_FOR_VARIATION`] episodes are left out.
    fn between_provider_cv(&self, s: Option<ServiceId>) -> (Option<f64>, Option<f64>) {
        let mut modelled = Vec::new();
        let mut observed = Vec::new();
        for p in 0..self.providers {
            let mut t = ProviderTally::default();
            for si in 0..self.services {
                if s.is_none_or(|s| s.index() == si) {
                    t.add(&self.provider_tallies[p * self.services + si]);
                }
            }
            if t.treated >= MIN_EPISODES_FOR_VARIATION && t.expected > 0.0 {
                modelled.push(t.modelled / t.expected);
                observed.push(t.adverse as f64 / t.expected);
            }
        }
        (coefficient_of_variation(&modelled), coefficient_of_variation(&observed))
    }

    /// Builds the patient-side figures: access, waiting and outcomes, each
    /// overall, per locality group and per service.
    pub fn patient_summary(&self, world: &World) -> (Grouped<Access>, Grouped<Waiting>, Grouped<Outcomes>, u64) {
        let mut access = Grouped::default();
        let mut waiting = Grouped::default();
        let mut outcomes = Grouped::default();
        let mut arrived = 0;
        let with_variation = |s: Option<ServiceId>, mut b: Block| {
            let (cv, cv_obs) = self.between_provider_cv(s);
            b.outcomes.between_provider_cv = cv;
            b.outcomes.between_provider_cv_observed = cv_obs;
            let rate = |g| self.block(world, s, Some(g), None).outcomes.adverse_rate;
            b.outcomes.urban_rural_gap = match (rate(1), rate(0)) {
                (Some(r), Some(u)) => Some(r - u),
                _ => None,
            };
            b
        };
        let journeys = self.flow_journeys(world);
        let overall = with_variation(None, self.block(world, None, None, Some(&journeys)));
        arrived += overall.arrived;
        access.overall = overall.access;
        waiting.overall = overall.waiting;
        outcomes.overall = overall.outcomes;
        let urban = self.block(world, None, Some(0), Some(&journeys));
        let rural = self.block(world, None, Some(1), Some(&journeys));
        (access.urban, waiting.urban, outcomes.urban) = (urban.access, urban.waiting, urban.outcomes);
        (access.rural, waiting.rural, outcomes.rural) = (rural.access, rural.waiting, rural.outcomes);
        for s in world.service_ids() {
            let b = with_variation(Some(s), self.block(world, Some(s), None, Some(&journeys)));
            let id = world.services[s.index()].id.clone();
            access.by_service.insert(id.clone(), b.access);
            waiting.by_service.insert(id.clone(), b.waiting);
            outcomes.by_service.insert(id, b.outcomes);
        }
        access.by_district = self.access_by_district(world, &journeys);
        (access, waiting, outcomes, arrived)
    }

    /// Travel by the patients' home district (every service): treated,
    /// unmet, mean, 95th percentile and share within 30 km, counting
    /// patients sent out of the region as in the other groups; no choice
    /// welfare.
    fn access_by_district(&self, world: &World, journeys: &[FlowJourney]) -> BTreeMap<String, Access> {
        /// A district's (km, patients) and (minutes, patients) pairs,
        /// referrals and patients sent away.
        #[derive(Default)]
        struct Home {
            pairs: Vec<(f64, u64)>,
            minutes: Vec<(f64, u64)>,
            arrived: u64,
            away: u64,
        }
        let mut by: BTreeMap<&str, Home> = BTreeMap::new();
        for l in world.locality_ids() {
            let d = by.entry(world.localities[l.index()].district.as_str()).or_default();
            let away = self.locality_diverted_out[l.index()];
            d.arrived += self.locality_arrived[l.index()];
            d.away += away;
            if away > 0 {
                d.minutes.push((world.out_of_area_minutes(world.localities[l.index()].rurality), away));
            }
        }
        for j in journeys {
            let d = by.get_mut(world.localities[j.locality.index()].district.as_str()).expect("every district listed");
            d.pairs.push((j.km, j.n));
            d.minutes.push((j.minutes, j.n));
        }
        by.into_iter()
            .map(|(district, Home { mut pairs, minutes, arrived, away })| {
                let treated: u64 = pairs.iter().map(|x| x.1).sum();
                if away > 0 {
                    pairs.push((world.out_of_area_km, away));
                }
                let (mean_km, p95_km, share_within_30km) = travel_summary(pairs, ACCESS_KM);
                let (mean_minutes, p95_minutes, share_within_30_minutes) = travel_summary(minutes, ACCESS_MINUTES);
                let access = Access {
                    treated,
                    unmet: ratio(away as f64, arrived as f64),
                    mean_km,
                    p95_km,
                    share_within_30km,
                    mean_minutes,
                    p95_minutes,
                    share_within_30_minutes,
                    choice_welfare_minutes: None,
                };
                (district.to_owned(), access)
            })
            .collect()
    }
}

struct Block {
    arrived: u64,
    access: Access,
    waiting: Waiting,
    outcomes: Outcomes,
}

/// (km or minutes, patients) pairs.
type TravelPairs = (Vec<(f64, u64)>, Vec<(f64, u64)>);

/// Patients of one service from one locality treated by one provider, and
/// their journey.
struct FlowJourney {
    service: usize,
    group: usize,
    locality: LocalityId,
    km: f64,
    minutes: f64,
    n: u64,
}

/// The mean, 95th percentile and share within `threshold` of (value,
/// patients) pairs (pairs without patients count for nothing).
fn travel_summary(mut pairs: Vec<(f64, u64)>, threshold: f64) -> (Option<f64>, Option<f64>, Option<f64>) {
    pairs.retain(|x| x.1 > 0);
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let all = pairs.iter().map(|x| x.1).sum::<u64>() as f64;
    let sum: f64 = pairs.iter().map(|(d, n)| d * *n as f64).sum();
    let near: u64 = pairs.iter().filter(|(d, _)| *d <= threshold).map(|x| x.1).sum();
    (ratio(sum, all), weighted_percentile(&pairs, 0.95), ratio(near as f64, all))
}

/// `a / b`, or `None` when `b` is zero.
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// The smallest value whose cumulative weight reaches `q` of the total
/// (nearest rank), from `(value, weight)` pairs sorted by value.
pub fn weighted_percentile(sorted: &[(f64, u64)], q: f64) -> Option<f64> {
    let total: u64 = sorted.iter().map(|x| x.1).sum();
    if total == 0 {
        return None;
    }
    let rank = (q * total as f64).ceil().max(1.0) as u64;
    let mut cum = 0;
    for &(v, n) in sorted {
        cum += n;
        if cum >= rank {
            return Some(v);
        }
    }
    sorted.last().map(|x| x.0)
}

/// Standard deviation over mean (population form), `None` for fewer than two values.
pub fn coefficient_of_variation(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return None;
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    Some(var.sqrt() / mean)
}

/// A figure overall, per locality group and per service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Grouped<T> {
    /// All patients.
    pub overall: T,
    /// Patients from urban localities.
    pub urban: T,
    /// Patients from rural localities.
    pub rural: T,
    /// By service id.
    pub by_service: BTreeMap<String, T>,
    /// By the patients' home district (locality `district`); filled for
    /// access only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_district: BTreeMap<String, T>,
}

/// Travel to treatment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Access {
    /// Patients treated in the region.
    pub treated: u64,
    /// Share of referrals not met in the region (sent out of the area),
    /// the NHS's "unmet need" of the region's providers.
    #[serde(default)]
    pub unmet: Option<f64>,
    /// Mean road distance, km, of every patient treated: in the region and
    /// out of the area (at `out_of_area` distance).
    pub mean_km: Option<f64>,
    /// 95th-percentile road distance, km, of the same.
    pub p95_km: Option<f64>,
    /// Share of the same treated within 30 km of home.
    pub share_within_30km: Option<f64>,
    /// Mean road travel time, minutes, of every patient treated: in the
    /// region and out of the area (at the modelled time for
    /// `out_of_area` distance).
    #[serde(default)]
    pub mean_minutes: Option<f64>,
    /// 95th-percentile road travel time, minutes, of the same.
    #[serde(default)]
    pub p95_minutes: Option<f64>,
    /// Share of the same treated within 30 minutes' road travel of home.
    #[serde(default)]
    pub share_within_30_minutes: Option<f64>,
    /// Patients' welfare where they may choose (services with patient
    /// choice): the mean expected utility per referral — the logit log-sum
    /// when patients choose, the utility of the provider they are sent to
    /// when the network routes them — divided by β_minutes, so in minutes of
    /// travel: higher is better, and the difference between two regimes is
    /// the extra travel time a patient would accept for the better one.
    #[serde(default)]
    pub choice_welfare_minutes: Option<f64>,
}

/// Waiting and diversions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Waiting {
    /// The elective waiting list (RTT incomplete pathways) at the end of
    /// each four-week month, mean over the window's censuses.
    #[serde(default)]
    pub list_size: Option<f64>,
    /// Median weeks waited so far by patients on the list (all censuses).
    #[serde(default)]
    pub list_median_weeks: Option<f64>,
    /// Share of the list waiting 18 weeks or less (standard: 0.92).
    #[serde(default)]
    pub list_within_18_weeks: Option<f64>,
    /// Patients on the list waiting more than 52 weeks, mean over censuses.
    #[serde(default)]
    pub list_over_52_weeks: Option<f64>,
    /// Elective patients treated.
    pub elective_treated: u64,
    /// Mean wait of elective patients treated, weeks.
    pub mean_wait_weeks: Option<f64>,
    /// 95th-percentile wait of elective patients treated, weeks.
    pub p95_wait_weeks: Option<f64>,
    /// Share of elective patients treated within 18 weeks (standard: 0.92).
    pub share_within_18_weeks: Option<f64>,
    /// Emergency patients diverted from a full provider.
    pub diversions: u64,
    /// Patients who left the region untreated.
    pub diverted_out: u64,
    /// Patients on waiting lists at the end of the run.
    pub waiting_at_end: Option<u64>,
}

/// Adverse outcomes of every patient of the region, treated in it or out
/// of the area.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcomes {
    /// Episodes treated in the region.
    pub episodes: u64,
    /// Episodes treated out of the area (the patients diverted out).
    #[serde(default)]
    pub out_of_area_episodes: u64,
    /// Adverse outcomes, in the region and out of the area.
    pub adverse: u64,
    /// Adverse outcomes out of the area.
    #[serde(default)]
    pub out_of_area_adverse: u64,
    /// Adverse outcomes per episode, in the region and out of the area.
    pub adverse_rate: Option<f64>,
    /// Rate expected at an average provider for this case mix.
    pub expected_rate: Option<f64>,
    /// Mean modelled risk (the rate without sampling noise).
    pub modelled_rate: Option<f64>,
    /// Observed over expected.
    pub risk_ratio: Option<f64>,
    /// Coefficient of variation across providers of modelled/expected risk
    /// (overall and per service only).
    pub between_provider_cv: Option<f64>,
    /// The same for observed/expected (includes sampling noise).
    pub between_provider_cv_observed: Option<f64>,
    /// Rural minus urban adverse-outcome rate (overall and per service only).
    pub urban_rural_gap: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let pairs = [(1.0, 50), (2.0, 45), (9.0, 5)];
        assert_eq!(weighted_percentile(&pairs, 0.95), Some(2.0));
        assert_eq!(weighted_percentile(&pairs, 0.96), Some(9.0));
        assert_eq!(weighted_percentile(&[], 0.5), None);
    }

    #[test]
    fn cv_of_known_values() {
        let cv = coefficient_of_variation(&[1.0, 3.0]).expect("two values");
        assert!((cv - 0.5).abs() < 1e-12);
    }
}
