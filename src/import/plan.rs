//! Sizing providers: the load each would expect, its capacity from that
//! load and its beds, its staff from its capacity, and fixed costs and cash
//! that let it break even at planned activity.

use std::collections::BTreeMap;

use super::data::Beds;
use super::defaults::{ACTIVITY_FACTOR, BED_FACTOR, BedGroup, CASH_WEEKS, OCCUPANCY, VACANCY, bed_use, headroom};
use super::emergency::AE_SERVICES;
use crate::model::Scenario;
use crate::model::scenario::{Capability, Rurality, STAFF_GROUPS, StartList, Urgency};
use crate::model::week::peaks::peak_capacity;
use crate::model::world::travel;

/// A locality for planning: position (km), spread (km), residents by age
/// band and road travel as the engine will see it.
#[derive(Debug, Clone)]
pub struct PlanLocality {
    /// East and north, km.
    pub xy: (f64, f64),
    /// Mean distance from a resident to the centre, km.
    pub spread: f64,
    /// Residents aged 0–17, 18–64, 65+.
    pub residents: [f64; 3],
    /// Urban or rural (for the travel-time model).
    pub rurality: Rurality,
    /// Listed road minutes by site id (or site-less provider id).
    pub minutes: BTreeMap<String, f64>,
    /// Rate ratio of the services the A&E figures count (1: national rates).
    pub emergency_ratio: f64,
    /// Share of each service's demand treated outside the area (`border`).
    pub elsewhere: BTreeMap<&'static str, f64>,
}

/// A provider for planning.
#[derive(Debug, Clone)]
pub struct PlanProvider {
    /// Id (ties in travel time go to the smaller id).
    pub id: String,
    /// East and north, km.
    pub xy: (f64, f64),
    /// Hospital sites (id; east and north, km) and the services each sees;
    /// none: every service at `xy`.
    pub sites: Vec<(String, (f64, f64), Vec<&'static str>)>,
    /// Services and levels.
    pub offers: BTreeMap<&'static str, Capability>,
    /// Beds, for a trust inside the area (`None`: sized by load alone).
    pub beds: Option<Beds>,
    /// A specialist trust (women's, children's, specialist elective).
    pub specialist: bool,
    /// The services it offers as a specialist unit, with the share of the
    /// area's referrals that are its specialty's (written as
    /// `specialty_share`); none: a general unit.
    pub specialty: BTreeMap<&'static str, f64>,
}

/// What planning decides for one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Sized {
    /// Episodes a week by service.
    pub capacity: BTreeMap<&'static str, f64>,
    /// Planned activity (capacity over headroom), episodes a week by service.
    pub activity: BTreeMap<&'static str, f64>,
    /// Staff in post and establishment by group (groups with posts only).
    pub staff: Vec<(&'static str, f64, f64)>,
    /// Income at planned activity under the tariff, £ a week.
    pub income: f64,
    /// Income less the costs that follow activity and staff (staff in
    /// post, agency cover, variable costs net of efficiency and its cost,
    /// quality bought with the quality payment, billing), £ a week.
    pub operating: f64,
    /// Cash at the start, £.
    pub cash: f64,
}

/// Which routing capacity, staff and beds are planned at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Plan {
    /// The reference year's routing: patient choice on road distance, the
    /// distance decay for services without choice, complex cases at no hub —
    /// the NHS's capacity where its patients go today, which a network must
    /// move to its hubs.
    #[default]
    Today,
    /// Half at the network's routing (the nearest capable provider, complex
    /// cases to the hub) and half at patient choice's, so that neither
    /// regime starts with the capacity its own routing needs.
    Neutral,
}

/// Fixed costs by one rule for every provider of the area: the same share
/// φ of each one's planned income, φ set so that the area's providers
/// together plan the position `margin` (a share of income; negative is a
/// deficit). Returns φ and each provider's fixed costs, £ a week.
pub fn fixed_costs(sized: &[Sized], margin: f64) -> (f64, Vec<f64>) {
    let income: f64 = sized.iter().map(|s| s.income).sum();
    let operating: f64 = sized.iter().map(|s| s.operating).sum();
    let share = if income > 0.0 { (operating / income - margin).max(0.0) } else { 0.0 };
    (share, sized.iter().map(|s| multiple(share * s.income, 100.0)).collect())
}

fn beds_of(beds: &Beds, group: BedGroup) -> f64 {
    match group {
        BedGroup::Adult => beds.adult,
        BedGroup::Paediatric => beds.paediatric,
        BedGroup::Neonatal => beds.neonatal_intensive_care,
    }
}

/// The hub of each service with complex cases: among the complex-capable
/// providers, specialist trusts first, then the one with the most of the
/// service's beds (neonatal cots for maternity), then the first by id; none
/// where no one takes complex cases.
pub fn hubs(s: &Scenario, providers: &[PlanProvider]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (service, spec) in &s.services {
        if spec.complex_share <= 0.0 {
            continue;
        }
        let group = match bed_use(service) {
            Some((g, _)) => g,
            None if service == "maternity" => BedGroup::Neonatal,
            None => BedGroup::Adult,
        };
        let beds = |p: &PlanProvider| p.beds.map_or(0.0, |b| beds_of(&b, group));
        let general_complex = |p: &&PlanProvider| {
            p.offers.get(service.as_str()) == Some(&Capability::Complex) && !p.specialty.contains_key(service.as_str())
        };
        let best = providers.iter().filter(general_complex).max_by(|a, b| {
            a.specialist.cmp(&b.specialist).then(beds(a).total_cmp(&beds(b))).then_with(|| b.id.cmp(&a.id))
        });
        if let Some(p) = best {
            out.insert(service.clone(), p.id.clone());
        }
    }
    out
}

/// As the engine: (minutes, km) from a locality to the quickest of the
/// provider's sites seeing `service`, else to its position.
pub fn road(s: &Scenario, l: &PlanLocality, p: &PlanProvider, service: &str) -> (f64, f64) {
    let go = |xy: (f64, f64), key: Option<&str>| {
        let listed = key.and_then(|k| l.minutes.get(k).copied());
        travel(&s.geography, l.rurality, (l.xy.0 - xy.0, l.xy.1 - xy.1), l.spread, listed)
    };
    p.sites
        .iter()
        .filter(|(_, _, here)| here.contains(&service))
        .map(|(id, xy, _)| go(*xy, Some(id)))
        .reduce(|a, b| if b.0 < a.0 { b } else { a })
        .unwrap_or_else(|| go(p.xy, p.sites.is_empty().then_some(p.id.as_str())))
}

/// Expected episodes a week at each provider and service. With `network`
/// `None` ([`Plan::Today`]), under today's routing: patient choice (a logit
/// on road minutes within the choice radius, as the engine's choice with
/// equal quality and no waits), and the engine's distance decay for
/// services without choice. With the hubs of `network` ([`Plan::Neutral`]),
/// half so and half under the network's rule (the nearest capable
/// provider; complex cases to the hub), so that neither regime starts with
/// the capacity its own routing needs.
///
/// `conveyance` gives the minutes by which each provider draws patients of
/// the services the A&E figures count ([`AE_SERVICES`]) as if nearer (0 for
/// a provider not in it), as the engine's `conveyance_minutes`.
pub fn loads(
    s: &Scenario,
    localities: &[PlanLocality],
    providers: &[PlanProvider],
    network: Option<&BTreeMap<String, String>>,
    conveyance: &BTreeMap<usize, f64>,
) -> BTreeMap<(usize, &'static str), f64> {
    let half = if network.is_some() { 0.5 } else { 0.0 };
    let mut load = BTreeMap::new();
    let road = |l: &PlanLocality, p: &PlanProvider, service: &str| road(s, l, p, service);
    for (service, spec) in &s.services {
        let Some(key) = providers.iter().flat_map(|p| p.offers.keys()).find(|k| **k == service.as_str()).copied()
        else {
            continue;
        };
        let rates = spec.referral_rate.by_band();
        // Specialist units take their specialty's share of every locality's referrals; general units the rest.
        let specialists: Vec<(usize, f64)> =
            providers.iter().enumerate().filter_map(|(i, p)| Some((i, *p.specialty.get(key)?))).collect();
        let general = 1.0 - specialists.iter().map(|x| x.1).sum::<f64>();
        for l in localities {
            let ratio = if AE_SERVICES.contains(&key) { l.emergency_ratio } else { 1.0 };
            let ratio = ratio * (1.0 - l.elsewhere.get(key).copied().unwrap_or(0.0));
            let per_week: f64 = l.residents.iter().zip(rates).map(|(n, r)| n * r * ratio / 1000.0 / 52.0).sum();
            for complex in [false, true] {
                let share = if complex { spec.complex_share } else { 1.0 - spec.complex_share };
                if per_week * share <= 0.0 {
                    continue;
                }
                for &(i, specialty) in &specialists {
                    *load.entry((i, key)).or_insert(0.0) += per_week * share * specialty;
                }
                let demand = per_week * share * general;
                // (outside the choice radius, minutes, provider), in the engine's order.
                let mut capable: Vec<(bool, f64, usize)> = providers
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| {
                        !p.specialty.contains_key(key)
                            && p.offers.get(key).is_some_and(|c| !complex || *c == Capability::Complex)
                    })
                    .map(|(i, p)| {
                        let (minutes, km) = road(l, p, key);
                        (km > s.choice.radius_km, minutes, i)
                    })
                    .collect();
                if capable.is_empty() {
                    continue;
                }
                capable.sort_by(|a, b| {
                    a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then_with(|| providers[a.2].id.cmp(&providers[b.2].id))
                });
                let nearest = capable[0].2;
                let hub = network.and_then(|n| n.get(service)).and_then(|h| providers.iter().position(|p| &p.id == h));
                // The engine's logit over the capable providers within the radius (the nearest alone when none is).
                let spread = |load: &mut BTreeMap<(usize, &'static str), f64>, beta: f64, weight: f64| {
                    let within: Vec<(f64, usize)> =
                        capable.iter().filter(|(out, _, _)| !out).map(|(_, t, i)| (*t, *i)).collect();
                    let within = if within.is_empty() { vec![(capable[0].1, capable[0].2)] } else { within };
                    let conveyed = !spec.patient_choice() && AE_SERVICES.contains(&key);
                    let drawn: Vec<f64> = within
                        .iter()
                        .map(|(t, i)| t - if conveyed { conveyance.get(i).copied().unwrap_or(0.0) } else { 0.0 })
                        .collect();
                    let quickest = drawn.iter().copied().fold(f64::INFINITY, f64::min);
                    let weights: Vec<f64> = drawn.iter().map(|t| (-beta * (t - quickest)).exp()).collect();
                    let total: f64 = weights.iter().sum();
                    for ((_, i), w) in within.iter().zip(weights) {
                        *load.entry((*i, key)).or_insert(0.0) += weight * demand * w / total;
                    }
                };
                if !spec.patient_choice() {
                    // Emergency patients go by distance decay; the network sends complex cases to its hub.
                    match hub.filter(|_| complex) {
                        Some(h) => {
                            spread(&mut load, s.choice.beta_minutes_emergency, 1.0 - half);
                            *load.entry((h, key)).or_insert(0.0) += half * demand;
                        }
                        None => spread(&mut load, s.choice.beta_minutes_emergency, 1.0),
                    }
                    continue;
                }
                let network = if complex { hub.unwrap_or(nearest) } else { nearest };
                *load.entry((network, key)).or_insert(0.0) += half * demand;
                spread(&mut load, s.choice.beta_minutes, 1.0 - half);
            }
        }
    }
    move_beyond_basic(s, providers, &mut load);
    load
}

/// Moves the routine cases that units of the basic level move during care
/// (`transfers.basic_share` of their load, all routine: complex cases go
/// to the complex level) to where the engine moves them: the nearest other
/// general unit of the routine level or above, by straight-line km from the
/// unit's first place seeing the service to the other's nearest.
fn move_beyond_basic(s: &Scenario, providers: &[PlanProvider], load: &mut BTreeMap<(usize, &'static str), f64>) {
    let places = |p: &PlanProvider, key: &str| -> Vec<(f64, f64)> {
        let seeing: Vec<(f64, f64)> =
            p.sites.iter().filter(|(_, _, here)| here.contains(&key)).map(|(_, xy, _)| *xy).collect();
        if seeing.is_empty() { vec![p.xy] } else { seeing }
    };
    for (service, spec) in &s.services {
        let share = spec.transfers.basic_share;
        if share <= 0.0 {
            continue;
        }
        for (i, p) in providers.iter().enumerate() {
            let Some((&key, _)) = p.offers.get_key_value(service.as_str()).filter(|(_, c)| **c == Capability::Basic)
            else {
                continue;
            };
            let Some(&here) = load.get(&(i, key)) else { continue };
            let from = places(p, key)[0];
            let km = |xy: &(f64, f64)| (xy.0 - from.0).hypot(xy.1 - from.1);
            let to = providers
                .iter()
                .enumerate()
                .filter(|(q, o)| {
                    *q != i
                        && !o.specialty.contains_key(key)
                        && o.offers.get(key).is_some_and(|c| *c >= Capability::Routine)
                })
                .map(|(q, o)| (places(o, key).iter().map(km).fold(f64::INFINITY, f64::min), q))
                .min_by(|a, b| a.0.total_cmp(&b.0).then_with(|| providers[a.1].id.cmp(&providers[b.1].id)));
            if let Some((_, q)) = to {
                load.insert((i, key), here * (1.0 - share));
                *load.entry((q, key)).or_insert(0.0) += here * share;
            }
        }
    }
}

/// Each trust's conveyance minutes for the services the A&E figures count
/// ([`AE_SERVICES`]), so that the engine's distance decay sends each trust
/// with admissions (`admissions`, by provider index) its share of the area's
/// emergency admissions: with every case routed by the decay (no hub), each
/// trust's minutes move by half of ln(its admissions ÷ its expected
/// episodes, both as shares of the trusts fitted) ÷ β_e, the minutes that
/// would close the gap, then all by their mean (so they sum to 0), until
/// every share agrees to [`CONVEYANCE_TOLERANCE`] or
/// [`CONVEYANCE_ROUNDS`] have passed; held within ±[`CONVEYANCE_RANGE`] and
/// rounded to 0.01 minute. Providers without admissions or without such a
/// load keep 0. Returns the minutes and the largest gap left, a share of a
/// trust's admissions.
pub fn conveyance_minutes(
    s: &Scenario,
    localities: &[PlanLocality],
    providers: &[PlanProvider],
    admissions: &BTreeMap<usize, f64>,
) -> (BTreeMap<usize, f64>, f64) {
    let beta = s.choice.beta_minutes_emergency;
    // Each round needs the A&E services' loads alone (a service's load never depends on another's).
    let mut emergency = s.clone();
    emergency.services.retain(|k, _| AE_SERVICES.contains(&k.as_str()));
    let expected = |minutes: &BTreeMap<usize, f64>| {
        let load = loads(&emergency, localities, providers, None, minutes);
        let rows: Vec<(usize, f64, f64)> = admissions
            .iter()
            .map(|(&i, &a)| (i, a, AE_SERVICES.iter().filter_map(|k| load.get(&(i, *k))).sum::<f64>()))
            .filter(|&(_, a, l)| a > 0.0 && l > 0.0)
            .collect();
        let (a, l) = rows.iter().fold((0.0, 0.0), |(a, l), r| (a + r.1, l + r.2));
        // (provider, ln(real share / expected share))
        rows.iter().map(|r| (r.0, ((r.1 / a) / (r.2 / l)).ln())).collect::<Vec<(usize, f64)>>()
    };
    let gap = |rows: &[(usize, f64)]| rows.iter().map(|r| r.1.exp_m1().abs()).fold(0.0, f64::max);
    let mut minutes: BTreeMap<usize, f64> = expected(&BTreeMap::new()).iter().map(|r| (r.0, 0.0)).collect();
    if beta > 0.0 {
        for _ in 0..CONVEYANCE_ROUNDS {
            let rows = expected(&minutes);
            if gap(&rows) < CONVEYANCE_TOLERANCE {
                break;
            }
            for &(i, log_ratio) in &rows {
                *minutes.entry(i).or_insert(0.0) += 0.5 * log_ratio / beta;
            }
            let mean = minutes.values().sum::<f64>() / minutes.len().max(1) as f64;
            for m in minutes.values_mut() {
                *m = (*m - mean).clamp(-CONVEYANCE_RANGE, CONVEYANCE_RANGE);
            }
        }
    }
    for m in minutes.values_mut() {
        *m = round_to(*m, 2);
    }
    let left = gap(&expected(&minutes));
    (minutes, left)
}

/// Rounds of [`conveyance_minutes`]' fit, at most.
const CONVEYANCE_ROUNDS: usize = 400;
/// The fit stops when every trust's expected share of the area's emergency
/// admissions is within this share of its real one.
const CONVEYANCE_TOLERANCE: f64 = 1e-3;
/// The minutes a trust's conveyance is held within, either way (an
/// assumption: a department drawing as if an hour nearer or further than it
/// is would be a mistake in the data, not a protocol).
pub const CONVEYANCE_RANGE: f64 = 60.0;

/// How each provider's beds move its capacity, by bed group: its available
/// bed-days (beds × 7 × [`OCCUPANCY`]) over the bed-days its planned load
/// needs, divided by the same ratio over all providers with beds (so beds
/// set how capacity is shared, and demand its total), bounded by
/// [`BED_FACTOR`]. 1 where there are no beds to go by.
pub fn bed_factors(
    providers: &[PlanProvider],
    load: &BTreeMap<(usize, &'static str), f64>,
) -> BTreeMap<(usize, BedGroup), f64> {
    let mut need: BTreeMap<(usize, BedGroup), f64> = BTreeMap::new();
    for (&(i, service), &l) in load {
        if let (Some((group, days)), Some(_)) = (bed_use(service), providers[i].beds) {
            *need.entry((i, group)).or_insert(0.0) += l * days;
        }
    }
    let available = |i: usize, g: BedGroup| providers[i].beds.map_or(0.0, |b| beds_of(&b, g)) * 7.0 * OCCUPANCY;
    let mut totals: BTreeMap<BedGroup, (f64, f64)> = BTreeMap::new();
    for (&(i, g), &n) in &need {
        let t = totals.entry(g).or_insert((0.0, 0.0));
        t.0 += available(i, g);
        t.1 += n;
    }
    need.iter()
        .map(|(&(i, g), &n)| {
            let (all_available, all_needed) = totals[&g];
            let overall = all_available / all_needed;
            let factor = if n > 0.0 && overall > 0.0 { available(i, g) / n / overall } else { 1.0 };
            ((i, g), factor.clamp(BED_FACTOR.0, BED_FACTOR.1))
        })
        .collect()
}

/// How each trust's real emergency activity moves the capacity of the
/// services the A&E figures count ([`AE_SERVICES`]): its area residents'
/// admissions a year (`admissions`, by provider index) over its planned
/// load of those services, divided by the same ratio over every provider
/// with both (so real activity sets how emergency capacity is shared, and
/// demand its total), bounded by [`ACTIVITY_FACTOR`]. Providers without
/// admissions or without such a load get none (their beds decide).
pub fn activity_factors(
    admissions: &BTreeMap<usize, f64>,
    load: &BTreeMap<(usize, &'static str), f64>,
) -> BTreeMap<usize, f64> {
    let planned = |i: usize| AE_SERVICES.iter().map(|s| load.get(&(i, *s)).copied().unwrap_or(0.0)).sum::<f64>();
    let both: Vec<(usize, f64, f64)> =
        admissions.iter().map(|(&i, &a)| (i, a, planned(i))).filter(|&(_, a, l)| a > 0.0 && l > 0.0).collect();
    let (all_admitted, all_planned) = both.iter().fold((0.0, 0.0), |(a, l), x| (a + x.1, l + x.2));
    both.iter()
        .map(|&(i, a, l)| (i, (a / l / (all_admitted / all_planned)).clamp(ACTIVITY_FACTOR.0, ACTIVITY_FACTOR.1)))
        .collect()
}

/// `v` to `decimals` decimal places.
pub fn round_to(v: f64, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (v * k).round() / k
}

/// `v` to a multiple of `step` (a whole number).
fn multiple(v: f64, step: f64) -> f64 {
    (v / step).round() * step
}

/// Capacity (planned load × headroom × bed factor — for the services the
/// A&E figures count, the trust's activity factor where it has one
/// ([`activity_factors`]), such a unit planning its activity at the smaller
/// of capacity over headroom and its load — at least 1 episode a week, and
/// for an emergency service at least what meets its planned activity in a
/// share `behaviour.peak_cover` of weeks ([`peak_capacity`]); the
/// elective services of a trust with a waiting list, `lists`, at their load
/// alone, with neither headroom nor bed factor), an establishment for the
/// activity providers staff — their own decision rule at the start:
/// planned load × (1 +
/// `behaviour.capacity_slack`) plus the start list over
/// `behaviour.backlog_weeks`, within capacity — at the base scenario's
/// hours, staff in post at the vacancy rates, income and operating costs
/// at planned activity (for [`fixed_costs`]; with the quality payment
/// spent on quality and efficiency at the providers' own rule), and
/// [`CASH_WEEKS`] of income in cash.
pub fn size(
    s: &Scenario,
    i: usize,
    p: &PlanProvider,
    load: &BTreeMap<(usize, &'static str), f64>,
    factors: &BTreeMap<(usize, BedGroup), f64>,
    activity_factor: Option<f64>,
    lists: Option<&BTreeMap<&'static str, StartList>>,
) -> Sized {
    let listed = lists.is_some();
    let b = &s.behaviour;
    let mut capacity = BTreeMap::new();
    let mut planned_activity = BTreeMap::new();
    let mut hours = [0.0; 4];
    let (mut income, mut variable, mut activity_total) = (0.0, 0.0, 0.0);
    for &service in p.offers.keys() {
        let spec = &s.services[service];
        let beds = || bed_use(service).and_then(|(g, _)| factors.get(&(i, g))).copied().unwrap_or(1.0);
        let by_activity = activity_factor.filter(|_| AE_SERVICES.contains(&service));
        // A unit with a waiting list has neither idle slots nor too few: its capacity is
        // planned at its referrals (its list holds), whatever its beds.
        let at_referrals = listed && spec.urgency == Urgency::Elective;
        let factor = if at_referrals { 1.0 } else { by_activity.unwrap_or_else(beds) };
        let planned = load.get(&(i, service)).copied().unwrap_or(0.0);
        let headroom = if at_referrals { 1.0 } else { headroom(service) };
        let c = round_to(planned * headroom * factor, 1).max(1.0);
        // Where real activity sized the unit, it plans on the patients the routing brings it
        // when they are fewer (a unit sized above them would plan income nobody brings).
        let activity = if by_activity.is_some() { (c / headroom).min(planned) } else { c / headroom };
        // Emergency patients cannot wait: room for the weeks' peaks, as the providers' own rule.
        let c = if spec.urgency == Urgency::Elective { c } else { c.max(peak_capacity(activity, b.peak_cover)) };
        capacity.insert(service, c);
        planned_activity.insert(service, activity);
        activity_total += activity;
        income += activity * spec.tariff;
        variable += activity * spec.variable_cost;
        let backlog = lists.and_then(|l| l.get(service)).map_or(0.0, |l| f64::from(l.patients)) / b.backlog_weeks;
        let staffed = (planned * (1.0 + b.capacity_slack) + backlog).min(c);
        for (h, per) in hours.iter_mut().zip(spec.staff_hours.by_group()) {
            *h += staffed * per;
        }
    }
    let labour = &s.workforce;
    let agency = &labour.labour.agency;
    let mut staff = Vec::new();
    let mut staff_cost = 0.0;
    for (g, name) in STAFF_GROUPS.iter().enumerate() {
        let establishment = hours[g] / labour.hours_per_wte;
        if establishment <= 0.0 {
            continue;
        }
        let in_post = establishment * (1.0 - VACANCY[g]);
        let cover = (establishment - in_post).min(agency.availability * establishment);
        staff_cost += (in_post + cover * (1.0 + agency.premium)) * labour.annual_cost.by_group()[g] / 52.0;
        staff.push((*name, round_to(in_post, 1), round_to(establishment, 1)));
    }
    // The providers' own rules at planned activity: the tariff's withheld share comes back as the
    // quality payment and is spent on quality, and efficiency e = savings / (efficiency_cost ×
    // capacity) cuts variable costs by e for efficiency_cost × capacity × e²/2.
    let quality = b.withheld_share() * income;
    let total: f64 = capacity.values().sum();
    let efficiency = if total > 0.0 { b.efficiency_effort(variable, total) } else { 0.0 };
    let variable = variable * (1.0 - efficiency) + b.efficiency_upkeep(total, efficiency);
    let operating = income - staff_cost - variable - quality - s.finance.transaction_cost * activity_total;
    Sized {
        capacity,
        activity: planned_activity,
        staff,
        income,
        operating,
        cash: multiple(CASH_WEEKS * income, 1000.0),
    }
}

/// Planning fixtures the import's unit tests share.
#[cfg(test)]
pub(super) mod fixtures {
    use super::*;
    use crate::model::scenario::Rurality;

    /// The built scenarios' services (emergency medicine has complex cases).
    pub fn scenario() -> Scenario {
        let v = serde_json::json!({"name": "t", "localities": [], "providers": [], "services": super::super::defaults::services()});
        serde_json::from_value(v).expect("a scenario")
    }

    /// A provider `x` km east of the origin offering `offers`, its road minutes listed by id.
    pub fn provider(id: &str, x: f64, offers: &[(&'static str, Capability)]) -> PlanProvider {
        PlanProvider {
            id: id.into(),
            xy: (x, 0.0),
            sites: Vec::new(),
            offers: offers.iter().copied().collect(),
            beds: None,
            specialist: false,
            specialty: BTreeMap::new(),
        }
    }

    /// 3,000 residents at the origin with road `minutes` to providers by id.
    pub fn locality(minutes: &[(&str, f64)]) -> PlanLocality {
        PlanLocality {
            xy: (0.0, 0.0),
            spread: 1.0,
            residents: [1000.0, 1000.0, 1000.0],
            rurality: Rurality::Urban,
            minutes: minutes.iter().map(|(k, m)| (k.to_string(), *m)).collect(),
            emergency_ratio: 1.0,
            elsewhere: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{locality, provider, scenario};
    use super::*;

    fn sized(income: f64, operating: f64) -> Sized {
        Sized { capacity: BTreeMap::new(), activity: BTreeMap::new(), staff: Vec::new(), income, operating, cash: 0.0 }
    }

    #[test]
    fn fixed_costs_are_one_share_of_income_that_gives_the_area_its_position() {
        // Operating surpluses of 25% and 15% of income: 1,000,000 and 3,000,000 a week.
        let (a, b) = (sized(1_000_000.0, 250_000.0), sized(3_000_000.0, 450_000.0));
        let (share, fixed) = fixed_costs(&[a, b], -0.02);
        // 700,000 / 4,000,000 = 17.5% operating, so 19.5% leaves −2%.
        assert!((share - 0.195).abs() < 1e-12, "{share}");
        assert_eq!(fixed, vec![195_000.0, 585_000.0]);
        let position = (250_000.0 + 450_000.0 - fixed.iter().sum::<f64>()) / 4_000_000.0;
        assert!((position + 0.02).abs() < 1e-12);
        // Each provider's own position follows from its own costs: +5.5% and −4.5%.
        assert!(((250_000.0 - fixed[0]) / 1_000_000.0 - 0.055).abs() < 1e-12);
        // An area whose operating costs exceed its income has no fixed costs to cut.
        assert_eq!(fixed_costs(&[sized(100.0, -50.0)], 0.0), (0.0, vec![0.0]));
    }

    /// One locality 10 minutes from trust A and 12 from B, both taking
    /// every emergency case; A admits three times B's patients. The decay
    /// exp(−β_e·(minutes − m)) gives A three times B's when m_A − m_B =
    /// ln 3 / β_e − 2, and the minutes sum to 0; C, without admissions,
    /// keeps 0; the planned load then splits 3 : 1.
    #[test]
    fn conveyance_minutes_give_each_trust_its_share_of_admissions_in_closed_form() {
        let s = scenario();
        let offers = [("emergency_medicine", Capability::Complex), ("paediatrics", Capability::Complex)];
        let locality = locality(&[("a", 10.0), ("b", 12.0), ("c", 40.0)]);
        let providers = [provider("a", 0.0, &offers), provider("b", 0.0, &offers), provider("c", 0.0, &offers)];
        let admissions = BTreeMap::from([(0, 3_000.0), (1, 1_000.0)]);
        let (minutes, gap) = conveyance_minutes(&s, std::slice::from_ref(&locality), &providers, &admissions);
        let beta = s.choice.beta_minutes_emergency;
        let a = (3f64.ln() / beta - 2.0) / 2.0;
        assert!((minutes[&0] - a).abs() < 0.006 && (minutes[&1] + a).abs() < 0.006, "{minutes:?}, expected ±{a:.3}");
        assert!(!minutes.contains_key(&2), "no admissions, no minutes");
        assert!(gap < 0.05, "gap left {gap}");
        let load = loads(&s, &[locality], &providers, None, &minutes);
        let at = |i: usize| load.get(&(i, "emergency_medicine")).copied().unwrap_or(0.0);
        // Minutes rounded to 0.01 move each weight by at most e^(0.005 β_e).
        let rounding = (0.01 * beta).exp() - 1.0;
        assert!((at(0) / at(1) / 3.0 - 1.0).abs() <= rounding, "{} : {}", at(0), at(1));
    }

    /// One locality 10 minutes from A and 12 from B, the hub; both take
    /// every elective case. Planned half under each routing, A expects half
    /// the routine cases (the network's nearest) and half of its logit share
    /// of all, 1 / (1 + e^(−2β)); planned at today's routing alone
    /// (`--plan today`, the default), its logit share of all.
    #[test]
    fn today_s_plan_is_choice_alone_and_the_neutral_plan_half_the_network_s() {
        let s = scenario();
        let offers = [("elective_surgery", Capability::Complex)];
        let locality = locality(&[("a", 10.0), ("b", 12.0)]);
        let providers = [provider("a", 0.0, &offers), provider("b", 0.0, &offers)];
        let hubs = BTreeMap::from([("elective_surgery".to_owned(), "b".to_owned())]);
        let share_of_a = |network: Option<&BTreeMap<String, String>>| {
            let load = loads(&s, std::slice::from_ref(&locality), &providers, network, &BTreeMap::new());
            let at = |i: usize| load[&(i, "elective_surgery")];
            at(0) / (at(0) + at(1))
        };
        let logit = 1.0 / (1.0 + (-2.0 * s.choice.beta_minutes).exp());
        let complex = s.services["elective_surgery"].complex_share;
        assert!(complex > 0.0);
        assert!((share_of_a(None) - logit).abs() < 1e-12, "{} against {logit}", share_of_a(None));
        let neutral = 0.5 * (1.0 - complex) + 0.5 * logit;
        assert!((share_of_a(Some(&hubs)) - neutral).abs() < 1e-12, "{} against {neutral}", share_of_a(Some(&hubs)));
    }

    #[test]
    fn real_admissions_share_emergency_capacity_and_demand_sets_its_total() {
        // Four trusts each planned 100 emergency episodes a week (emergency medicine and
        // paediatrics together); their residents' admissions a year differ.
        let mut load = BTreeMap::new();
        for i in 0..4 {
            load.insert((i, "emergency_medicine"), 80.0);
            load.insert((i, "paediatrics"), 20.0);
            load.insert((i, "elective_surgery"), 500.0);
        }
        let admissions = BTreeMap::from([(0, 6_000.0), (1, 4_000.0), (2, 3_000.0), (3, 3_000.0)]);
        let f = activity_factors(&admissions, &load);
        // The area's 16,000 over 400 planned: 40 each; trust 0 has 60 per planned episode.
        assert!((f[&0] - 1.5).abs() < 1e-12 && (f[&1] - 1.0).abs() < 1e-12 && (f[&2] - 0.75).abs() < 1e-12);
        // Bounded either way, and a trust without admissions or without the services gets none.
        let lopsided = BTreeMap::from([(0, 100_000.0), (1, 1_000.0), (2, 1_000.0), (3, 0.0), (7, 500.0)]);
        let f = activity_factors(&lopsided, &load);
        assert_eq!((f[&0], f[&1]), (ACTIVITY_FACTOR.1, ACTIVITY_FACTOR.0));
        assert!(!f.contains_key(&3) && !f.contains_key(&7));
    }

    #[test]
    fn a_special_care_unit_s_high_dependency_babies_are_planned_at_the_nearest_local_unit() {
        use Capability::{Basic, Complex, Routine};
        let with = scenario();
        let share = with.services["neonatal"].transfers.basic_share;
        assert!(share > 0.0, "the built neonatal care has three levels");
        let mut without = with.clone();
        without.services.get_mut("neonatal").expect("built").transfers.basic_share = 0.0;
        let providers = [
            provider("scu", 2.0, &[("neonatal", Basic)]),
            provider("lnu", 30.0, &[("neonatal", Routine)]),
            provider("far", 60.0, &[("neonatal", Routine)]),
            provider("nicu", 90.0, &[("neonatal", Complex)]),
        ];
        let places = [locality(&[("scu", 5.0), ("lnu", 35.0), ("far", 65.0), ("nicu", 95.0)])];
        let load = |s: &Scenario| loads(s, &places, &providers, None, &BTreeMap::new());
        let (a, b) = (load(&without), load(&with));
        let at = |m: &BTreeMap<(usize, &'static str), f64>, i: usize| m.get(&(i, "neonatal")).copied().unwrap_or(0.0);
        assert!(at(&a, 0) > 0.0);
        // The special care unit keeps 1 − share of its (routine) load; the nearest local unit takes the rest.
        assert!((at(&b, 0) - at(&a, 0) * (1.0 - share)).abs() < 1e-9);
        assert!((at(&b, 1) - at(&a, 1) - at(&a, 0) * share).abs() < 1e-9);
        assert!((at(&b, 2) - at(&a, 2)).abs() < 1e-12 && (at(&b, 3) - at(&a, 3)).abs() < 1e-12);
        let total = |m: &BTreeMap<(usize, &'static str), f64>| (0..4).map(|i| at(m, i)).sum::<f64>();
        assert!((total(&b) - total(&a)).abs() < 1e-9, "nothing lost");
    }

    #[test]
    fn emergency_units_have_room_for_their_peaks_and_plan_their_mean() {
        use Capability::{Complex, Routine};
        let s = scenario();
        let offers =
            [("emergency_gynaecology", Routine), ("emergency_medicine", Complex), ("elective_surgery", Routine)];
        let p = provider("a", 0.0, &offers);
        let load = BTreeMap::from([
            ((0, "emergency_gynaecology"), 2.5),
            ((0, "emergency_medicine"), 1000.0),
            ((0, "elective_surgery"), 3.0),
        ]);
        let sized = size(&s, 0, &p, &load, &BTreeMap::new(), None, None);
        // 2.5 a week: P(X ≤ 4) = 0.891, P(X ≤ 5) = 0.958 for Poisson(2.5), so 5 at 95%, not 2.5 × 1.12.
        assert_eq!(sized.capacity["emergency_gynaecology"], 5.0);
        // A thousand: the 95th percentile (about 1,053) is within the headroom (1,120).
        assert_eq!(sized.capacity["emergency_medicine"], 1120.0);
        // An elective service's patients wait for the next slot: load × headroom alone.
        assert_eq!(sized.capacity["elective_surgery"], 3.1);
        // The plan's income is at the mean, whatever the room for peaks.
        assert!((sized.activity["emergency_gynaecology"] - 2.5).abs() < 1e-9);
        let mut no_peaks = s.clone();
        no_peaks.behaviour.peak_cover = 0.0;
        let sized = size(&no_peaks, 0, &p, &load, &BTreeMap::new(), None, None);
        assert_eq!(sized.capacity["emergency_gynaecology"], 2.8);
    }

    /// The plan's operating margin spends the quality payment (the tariff's
    /// withheld share) and takes efficiency at the providers' rule,
    /// e = S / (c K) for variable costs S and capacity K, whose net saving
    /// at that optimum is S² / (2 c K): against a plan with neither, the
    /// margin differs by exactly −share × income + S² / (2 c K).
    #[test]
    fn the_plan_spends_the_quality_payment_and_saves_by_the_efficiency_rule() {
        let s = scenario();
        let offers = [("emergency_medicine", Capability::Complex), ("elective_surgery", Capability::Routine)];
        let p = provider("a", 0.0, &offers);
        let load = BTreeMap::from([((0, "emergency_medicine"), 400.0), ((0, "elective_surgery"), 150.0)]);
        let sized = size(&s, 0, &p, &load, &BTreeMap::new(), None, None);
        let mut neither = s.clone();
        neither.behaviour.quality_share = 0.0;
        neither.behaviour.efficiency_cost = 1e12;
        let bare = size(&neither, 0, &p, &load, &BTreeMap::new(), None, None);
        let variable: f64 = sized.activity.iter().map(|(k, a)| a * s.services[*k].variable_cost).sum();
        let capacity: f64 = sized.capacity.values().sum();
        let c = s.behaviour.efficiency_cost;
        assert!(variable / (c * capacity) < s.behaviour.max_efficiency, "the rule's optimum is inside its cap");
        let expected = -s.behaviour.quality_share * sized.income + variable * variable / (2.0 * c * capacity);
        let gap = sized.operating - bare.operating;
        assert!((gap - expected).abs() < 1e-6 * sized.income, "{gap} against {expected}");
        assert!(gap < 0.0, "the quality payment's spending outweighs efficiency's net saving here");
    }
}
