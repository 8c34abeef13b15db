//! Step 2 of a week: where referred patients go.
//!
//! Under `routing: choice` a patient (with the GP) chooses among capable
//! providers within the choice radius by multinomial logit on
//! `−β_t·minutes + β_q·quality − β_w·expected_wait` (minutes of road
//! travel). Under `routing: network` the network routes by pathway: routine
//! care to the nearest (quickest to reach) capable provider, complex care to
//! the designated hub, and, when
//! that provider's expected wait exceeds the network's threshold, to the
//! capable provider with the shortest wait within the mutual-aid radius.
//! Both read the waits published at the start of the week ([`Snapshot`]),
//! so the order in which localities are routed never changes a result.

use crate::model::scenario::Capability;
use crate::model::world::{LocalityId, ProviderId, ServiceId, World};

/// For each service, complexity and locality, the providers that can take
/// the case: those within the choice radius (road km) first, then the rest,
/// each part quickest first (ties by id); with how many lie within the
/// radius and each one's travel weight exp(−β·(t − t₀)) (β the service's:
/// `beta_minutes` under patient choice, else `beta_minutes_emergency`; t
/// the road minutes, less the unit's `conveyance_minutes` where patients do
/// not choose; t₀ the first's, less the most minutes any unit of the list
/// gains). "Nearest" below means first in this
/// order. Brought up to date ([`Catchments::update`]) whenever services
/// move between providers.
///
/// A list holds the providers within reach (the largest of the choice,
/// diversion and mutual-aid radii) and at least the [`MIN_LISTED`] nearest,
/// so that tables grow with what a locality can reach rather than with the
/// whole map; the rare patient whose listed providers are all closed goes
/// to the nearest open one found among all capable providers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catchments {
    localities: usize,
    /// Every provider that can take each service and complexity, `[s * 2 + k]`.
    capable_all: Vec<Vec<ProviderId>>,
    /// The localities' lists of each service and complexity, `[s * 2 + k]`.
    blocks: Vec<Lists>,
}

/// One service and complexity's lists, locality after locality in one
/// allocation each, so that a week's routing reads them in memory order.
#[derive(Debug, Clone, Default, PartialEq)]
struct Lists {
    /// Where each locality's list starts in `providers`, `weights` and
    /// `flags` (one more than the localities: the end of the last).
    start: Vec<usize>,
    providers: Vec<ProviderId>,
    weights: Vec<f64>,
    /// For each listed provider, whether it is within the diversion
    /// ([`WITHIN_DIVERSION`]) and the mutual-aid ([`WITHIN_MUTUAL_AID`]) radii.
    flags: Vec<u8>,
    /// Travel time to the first in each list, minutes, by locality.
    nearest_minutes: Vec<f64>,
    /// How many of each list lie within the choice radius, by locality.
    within: Vec<usize>,
}

impl Lists {
    fn with_localities(n: usize) -> Self {
        let mut start = Vec::with_capacity(n + 1);
        start.push(0);
        Lists { start, nearest_minutes: Vec::with_capacity(n), within: Vec::with_capacity(n), ..Lists::default() }
    }

    #[inline]
    fn range(&self, l: LocalityId) -> std::ops::Range<usize> {
        self.start[l.index()]..self.start[l.index() + 1]
    }

    /// Appends a copy of `other`'s list for `l`.
    fn copy(&mut self, other: &Lists, l: LocalityId) {
        let r = other.range(l);
        self.providers.extend_from_slice(&other.providers[r.clone()]);
        self.weights.extend_from_slice(&other.weights[r.clone()]);
        self.flags.extend_from_slice(&other.flags[r]);
        self.nearest_minutes.push(other.nearest_minutes[l.index()]);
        self.within.push(other.within[l.index()]);
        self.end();
    }

    /// Closes the list just appended.
    fn end(&mut self) {
        self.start.push(self.providers.len());
    }
}

impl Catchments {
    /// Builds the lists from what each provider offers now.
    pub fn build(world: &World, offers: impl Fn(ProviderId, ServiceId) -> Option<Capability>) -> Self {
        let nl = world.localities.len();
        let mut c = Catchments { localities: nl, capable_all: Vec::new(), blocks: Vec::new() };
        for s in world.service_ids() {
            for k in 0..2 {
                let capable = capable(world, &offers, s, k);
                let is_capable = flags_of(&capable, world.providers.len());
                let mut lists = Lists::with_localities(nl);
                for l in world.locality_ids() {
                    push_list(world, (s, k), l, &capable, &is_capable, &mut lists);
                }
                c.capable_all.push(capable);
                c.blocks.push(lists);
            }
        }
        c
    }

    /// Brings the lists up to date after services move, giving the same
    /// lists as [`Catchments::build`]. A service and complexity whose
    /// capable providers are unchanged keeps its lists; when providers only
    /// left it, a locality's list is worked out again only if it listed one
    /// of them or its nearest was beyond the list (nothing else in a list
    /// depends on an unlisted provider); when one joined, every locality's is.
    pub fn update(&mut self, world: &World, offers: impl Fn(ProviderId, ServiceId) -> Option<Capability>) {
        let np = world.providers.len();
        for s in world.service_ids() {
            for k in 0..2 {
                let b = s.index() * 2 + k;
                let capable = capable(world, &offers, s, k);
                if capable == self.capable_all[b] {
                    continue;
                }
                let is_capable = flags_of(&capable, np);
                let was_capable = flags_of(&self.capable_all[b], np);
                let joined = capable.iter().any(|p| !was_capable[p.index()]);
                let old = &self.blocks[b];
                let mut lists = Lists::with_localities(self.localities);
                for l in world.locality_ids() {
                    let list = &old.providers[old.range(l)];
                    let stale = joined
                        || list.iter().any(|p| !is_capable[p.index()])
                        || list.first().is_none_or(|&p| {
                            world.minutes(l, p, s, Capability::taking(k)) != old.nearest_minutes[l.index()]
                        });
                    if stale {
                        push_list(world, (s, k), l, &capable, &is_capable, &mut lists);
                    } else {
                        lists.copy(old, l);
                    }
                }
                self.capable_all[b] = capable;
                self.blocks[b] = lists;
            }
        }
    }

    /// The quickest to reach open capable provider beyond the list (ties by
    /// id), for when every listed one is closed.
    fn nearest_beyond(
        &self,
        world: &World,
        snap: &Snapshot,
        l: LocalityId,
        s: ServiceId,
        k: usize,
    ) -> Option<ProviderId> {
        let level = Capability::taking(k);
        self.capable_all[s.index() * 2 + k].iter().copied().filter(|&p| snap.is_open(p, s)).min_by(|a, b| {
            world
                .minutes(l, *a, s, level)
                .total_cmp(&world.minutes(l, *b, s, level))
                .then_with(|| world.providers[a.index()].id.cmp(&world.providers[b.index()].id))
        })
    }

    #[inline]
    fn block(&self, s: ServiceId, k: usize) -> &Lists {
        &self.blocks[s.index() * 2 + k]
    }

    /// How many of [`Catchments::capable`] lie within the choice radius.
    #[inline]
    pub fn within_radius(&self, s: ServiceId, k: usize, l: LocalityId) -> usize {
        self.block(s, k).within[l.index()]
    }

    /// Providers that can take complexity `k` of service `s`, in the order above.
    #[inline]
    pub fn capable(&self, s: ServiceId, k: usize, l: LocalityId) -> &[ProviderId] {
        let b = self.block(s, k);
        &b.providers[b.range(l)]
    }

    /// The listed providers within the choice radius with their travel
    /// weights, and the minutes to the first listed.
    #[inline]
    fn within_weighted(&self, s: ServiceId, k: usize, l: LocalityId) -> (&[ProviderId], &[f64], f64) {
        let b = self.block(s, k);
        let r = b.range(l);
        let r = r.start..r.start + b.within[l.index()];
        (&b.providers[r.clone()], &b.weights[r], b.nearest_minutes[l.index()])
    }

    /// Where a case of service `s` that presented at place `at` is
    /// transferred: the nearest open provider at level `level` or above
    /// that `accepts` (not the one it leaves unless that has a site of the
    /// level; straight-line km to its nearest place seeing the service at
    /// that level; ties by id), with that distance.
    pub fn transfer_to(
        &self,
        world: &World,
        snap: &Snapshot,
        at: (f64, f64),
        s: ServiceId,
        level: Capability,
        accepts: impl Fn(ProviderId) -> bool,
    ) -> Option<(ProviderId, f64)> {
        self.capable_all[s.index() * 2 + level.level()]
            .iter()
            .filter(|&&q| snap.is_open(q, s) && accepts(q))
            .map(|&q| (q, world.straight_km_to(at, q, s, level)))
            .min_by(|a, b| {
                a.1.total_cmp(&b.1).then_with(|| world.providers[a.0.index()].id.cmp(&world.providers[b.0.index()].id))
            })
    }

    /// The same providers with their flags ([`WITHIN_DIVERSION`],
    /// [`WITHIN_MUTUAL_AID`]).
    #[inline]
    pub fn capable_flagged(&self, s: ServiceId, k: usize, l: LocalityId) -> (&[ProviderId], &[u8]) {
        let b = self.block(s, k);
        let r = b.range(l);
        (&b.providers[r.clone()], &b.flags[r])
    }
}

/// The providers that offer complexity `k` of service `s` now, by index.
fn capable(
    world: &World,
    offers: &impl Fn(ProviderId, ServiceId) -> Option<Capability>,
    s: ServiceId,
    k: usize,
) -> Vec<ProviderId> {
    (0..world.providers.len() as u32)
        .map(ProviderId)
        .filter(|&p| offers(p, s).is_some_and(|c| k == 0 || c == Capability::Complex))
        .collect()
}

/// Membership of `of` among `n` providers, by index.
fn flags_of(of: &[ProviderId], n: usize) -> Vec<bool> {
    let mut v = vec![false; n];
    for p in of {
        v[p.index()] = true;
    }
    v
}

/// Appends locality `l`'s list for service `s` and complexity `k` to `out`,
/// from the providers capable of it (`capable`, and `is_capable` by
/// provider index), with the journeys to their sites taking it.
fn push_list(
    world: &World,
    (s, k): (ServiceId, usize),
    l: LocalityId,
    capable: &[ProviderId],
    is_capable: &[bool],
    out: &mut Lists,
) {
    let level = Capability::taking(k);
    let beta = if world.services[s.index()].patient_choice {
        world.choice.beta_minutes
    } else {
        world.choice.beta_minutes_emergency
    };
    let reach = world.reach_km();
    // (outside the radius, beyond reach, minutes, provider, flags): those within
    // reach, or every capable provider when fewer than the fewest listed are.
    let entry = |p: ProviderId, km: f64, minutes: f64| {
        let diversion = if km <= world.geography.diversion_radius_km { WITHIN_DIVERSION } else { 0 };
        let aid = if km <= world.network.mutual_aid_radius_km { WITHIN_MUTUAL_AID } else { 0 };
        let f = diversion | aid;
        (km > world.choice.radius_km, km > reach, minutes, p, f)
    };
    let mut v: Vec<(bool, bool, f64, ProviderId, u8)> = world
        .within_reach(l, s, level)
        .filter(|(p, _, _)| is_capable[p.index()])
        .map(|(p, km, minutes)| entry(p, km, minutes))
        .collect();
    if v.len() < MIN_LISTED.min(capable.len()) {
        v = capable.iter().map(|&p| entry(p, world.distance(l, p, s, level), world.minutes(l, p, s, level))).collect();
    }
    v.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.2.total_cmp(&b.2))
            .then_with(|| world.providers[a.3.index()].id.cmp(&world.providers[b.3.index()].id))
    });
    let first = v.first().map_or(0.0, |x| x.2);
    out.within.push(v.iter().take_while(|x| !x.0).count());
    // Keep those within reach, and the quickest beyond it up to the fewest listed.
    let mut extra = MIN_LISTED.saturating_sub(v.iter().filter(|x| !x.1).count());
    v.retain(|x| {
        let keep = !x.1 || extra > 0;
        extra -= usize::from(x.1 && keep);
        keep
    });
    out.nearest_minutes.push(first);
    // Where patients do not choose, each unit draws as if its conveyance
    // minutes nearer, weighed from the nearest less the most minutes any
    // unit gains (so no weight grows beyond what travel alone allows).
    let choice = world.services[s.index()].patient_choice;
    let nearer = |p: ProviderId| {
        if choice {
            0.0
        } else {
            world.providers[p.index()].offers[s.index()].as_ref().map_or(0.0, |o| o.conveyance_minutes)
        }
    };
    let gain = v.iter().map(|x| nearer(x.3)).fold(0.0, f64::max);
    out.weights.extend(v.iter().map(|x| (-beta * (x.2 - nearer(x.3) - (first - gain))).exp()));
    out.flags.extend(v.iter().map(|x| x.4));
    out.providers.extend(v.iter().map(|x| x.3));
    out.end();
}

/// Expected wait reported for a closed or capacity-less unit, weeks.
pub const NO_CAPACITY_WAIT: f64 = 520.0;

/// What patients and the network know at the start of a week.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    services: usize,
    /// Quality by provider.
    pub quality: Vec<f64>,
    /// Expected wait in weeks, `[provider * services + service]`.
    pub wait: Vec<f64>,
    /// Whether the unit takes patients, `[provider * services + service]`.
    pub open: Vec<bool>,
    /// exp(β_q·quality − β_w·expected wait − scale), `[provider * services + service]`.
    appeal: Vec<f64>,
    /// The scale factored out of each service's appeal: the largest
    /// β_q·quality − β_w·wait over its open units.
    pub appeal_scale: Vec<f64>,
}

impl Snapshot {
    /// An empty snapshot for `providers × services` units.
    pub fn new(providers: usize, services: usize) -> Self {
        Snapshot {
            services,
            quality: vec![0.0; providers],
            wait: vec![0.0; providers * services],
            open: vec![false; providers * services],
            appeal: vec![0.0; providers * services],
            appeal_scale: vec![0.0; services],
        }
    }

    /// A unit's weight in patient choice this week, apart from travel.
    #[inline]
    pub fn appeal(&self, p: ProviderId, s: ServiceId) -> f64 {
        self.appeal[p.index() * self.services + s.index()]
    }

    /// Works out the units' appeal from their quality and waits, once the
    /// week's figures are set.
    pub fn settle(&mut self, world: &World) {
        let c = &world.choice;
        let np = self.quality.len();
        for (si, svc) in world.services.iter().enumerate() {
            let value = |pi: usize| {
                let wait = if svc.is_elective() { self.wait[pi * self.services + si] } else { 0.0 };
                c.beta_quality * self.quality[pi] - c.beta_wait * wait
            };
            let scale =
                (0..np).filter(|&pi| self.open[pi * self.services + si]).map(value).fold(f64::NEG_INFINITY, f64::max);
            let scale = if scale.is_finite() { scale } else { 0.0 };
            self.appeal_scale[si] = scale;
            for pi in 0..np {
                self.appeal[pi * self.services + si] = (value(pi) - scale).exp();
            }
        }
    }

    /// Expected wait at a unit, weeks.
    #[inline]
    pub fn wait(&self, p: ProviderId, s: ServiceId) -> f64 {
        self.wait[p.index() * self.services + s.index()]
    }

    /// Whether a unit takes patients.
    #[inline]
    pub fn is_open(&self, p: ProviderId, s: ServiceId) -> bool {
        self.open[p.index() * self.services + s.index()]
    }

    /// Sets a unit's published figures.
    pub fn set(&mut self, p: ProviderId, s: ServiceId, open: bool, wait: f64) {
        let i = p.index() * self.services + s.index();
        self.open[i] = open;
        self.wait[i] = wait;
    }
}

/// Fewest providers a catchment list keeps, however far.
pub const MIN_LISTED: usize = 4;
/// Flag of a listed provider within the diversion radius (road km).
pub const WITHIN_DIVERSION: u8 = 1;
/// Flag of a listed provider within the mutual-aid radius (road km).
pub const WITHIN_MUTUAL_AID: u8 = 2;

/// The nearest open provider that can take complexity `k` of service `s`.
pub fn nearest(
    world: &World,
    c: &Catchments,
    snap: &Snapshot,
    l: LocalityId,
    s: ServiceId,
    k: usize,
) -> Option<ProviderId> {
    c.capable(s, k, l).iter().copied().find(|&p| snap.is_open(p, s)).or_else(|| c.nearest_beyond(world, snap, l, s, k))
}

/// A patient's systematic utility of a provider under logit choice, for a
/// case of complexity `k`: −β_t·minutes (to its quickest site taking the
/// case) + β_q·quality − β_w·expected wait (electives only).
pub fn utility(world: &World, snap: &Snapshot, (l, k): (LocalityId, usize), p: ProviderId, s: ServiceId) -> f64 {
    let c = &world.choice;
    let wait = if world.services[s.index()].is_elective() { snap.wait(p, s) } else { 0.0 };
    -c.beta_minutes * world.minutes(l, p, s, Capability::taking(k)) + c.beta_quality * snap.quality[p.index()]
        - c.beta_wait * wait
}

/// Patient choice: fills `out` with each candidate and its logit
/// probability (summing to 1); leaves it empty when no provider is open.
/// Returns the expected utility of the chosen provider less Euler's
/// constant — the log-sum ln Σ exp(u) — or, when nobody is within the
/// choice radius and the nearest open provider takes the patient, that
/// provider's utility (`None` when no provider is open).
///
/// exp(u) is the product of the catchment's travel weight and the unit's
/// weight this week ([`Snapshot::appeal`]); the log-sum adds back what each
/// factors out.
pub fn choice_probabilities(
    world: &World,
    catchments: &Catchments,
    snap: &Snapshot,
    l: LocalityId,
    s: ServiceId,
    k: usize,
    out: &mut Vec<(ProviderId, f64)>,
) -> Option<f64> {
    let (listed, weights, nearest_minutes) = catchments.within_weighted(s, k, l);
    let total = split(listed, weights, snap, s, out, |p| snap.appeal(p, s));
    match total {
        Some(t) if t > 0.0 && t.is_finite() => {
            Some(t.ln() + snap.appeal_scale[s.index()] - world.choice.beta_minutes * nearest_minutes)
        }
        Some(_) => exact_logit(world, catchments, snap, (l, s, k), out),
        None => {
            out.clear();
            let p = nearest(world, catchments, snap, l, s, k)?;
            out.push((p, 1.0));
            Some(utility(world, snap, (l, k), p, s))
        }
    }
}

/// Where emergency patients go (conveyance and self-presentation): among
/// the open capable providers within the choice radius, in proportion to
/// exp(−β_e·(minutes − m)) (`choice.beta_minutes_emergency`, m the unit's
/// `conveyance_minutes`); the nearest open one when none is within it. Fills `out` as [`choice_probabilities`].
pub fn emergency_probabilities(
    world: &World,
    catchments: &Catchments,
    snap: &Snapshot,
    l: LocalityId,
    s: ServiceId,
    k: usize,
    out: &mut Vec<(ProviderId, f64)>,
) {
    let (listed, weights, _) = catchments.within_weighted(s, k, l);
    if split(listed, weights, snap, s, out, |_| 1.0).is_none() {
        out.clear();
        out.extend(nearest(world, catchments, snap, l, s, k).map(|p| (p, 1.0)));
    }
}

/// Fills `out` with the open providers of `listed` (those of a catchment
/// within the radius) and their shares of travel weight × `factor`;
/// returns the summed weight, or `None` when none is open.
fn split(
    listed: &[ProviderId],
    weights: &[f64],
    snap: &Snapshot,
    s: ServiceId,
    out: &mut Vec<(ProviderId, f64)>,
    factor: impl Fn(ProviderId) -> f64,
) -> Option<f64> {
    out.clear();
    let mut total = 0.0;
    for (&p, &weight) in listed.iter().zip(weights) {
        if snap.is_open(p, s) {
            let w = weight * factor(p);
            total += w;
            out.push((p, w));
        }
    }
    if out.is_empty() {
        return None;
    }
    if total > 0.0 && total.is_finite() {
        for x in out.iter_mut() {
            x.1 /= total;
        }
    }
    Some(total)
}

/// The logit computed from the utilities themselves, for when the factored
/// weights underflow or overflow (extreme quality or wait weights).
fn exact_logit(
    world: &World,
    catchments: &Catchments,
    snap: &Snapshot,
    (l, s, k): (LocalityId, ServiceId, usize),
    out: &mut Vec<(ProviderId, f64)>,
) -> Option<f64> {
    out.clear();
    for &p in catchments.within_weighted(s, k, l).0 {
        if snap.is_open(p, s) {
            out.push((p, utility(world, snap, (l, k), p, s)));
        }
    }
    let max = out.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for x in out.iter_mut() {
        x.1 = (x.1 - max).exp();
        total += x.1;
    }
    for x in out.iter_mut() {
        x.1 /= total;
    }
    Some(max + total.ln())
}

/// Whether the network routes patients of service `s` at complexity `k`:
/// every patient of a service with patient choice, but of the others
/// (emergency conveyance and self-presentation, alike under every regime)
/// only the complex cases of a service with a hub.
pub fn network_routes(world: &World, s: ServiceId, k: usize) -> bool {
    world.services[s.index()].patient_choice || (k == 1 && world.hub(s).is_some())
}

/// Network pathway routing: the providers the network sends a patient to,
/// in equal shares (more than one only when several are equally near).
///
/// Complex cases go to the service's hub when it has one; others to the
/// nearest capable provider. When every such provider's expected wait
/// exceeds the threshold (elective services), the patient goes instead to
/// the capable provider with the shortest wait within the mutual-aid
/// radius, the nearer on ties.
pub fn network_targets(
    world: &World,
    catchments: &Catchments,
    snap: &Snapshot,
    l: LocalityId,
    s: ServiceId,
    k: usize,
    out: &mut Vec<ProviderId>,
) {
    out.clear();
    if let Some(h) = world.hub(s).filter(|&h| k == 1 && snap.is_open(h, s)) {
        out.push(h);
    } else {
        let mut nearest = None;
        for &p in catchments.capable(s, k, l) {
            if !snap.is_open(p, s) {
                continue;
            }
            let d = world.minutes(l, p, s, Capability::taking(k));
            match nearest {
                None => nearest = Some(d),
                Some(n) if d > n + TIE_MINUTES => break,
                Some(_) => {}
            }
            out.push(p);
        }
        if out.is_empty() {
            out.extend(catchments.nearest_beyond(world, snap, l, s, k));
        }
    }
    let threshold = world.network.wait_threshold_weeks;
    if !world.services[s.index()].is_elective() || out.iter().any(|&p| snap.wait(p, s) <= threshold) {
        out.retain(|&p| snap.wait(p, s) <= threshold || !world.services[s.index()].is_elective());
        return;
    }
    // Mutual aid: the shortest wait within reach, the nearer on ties.
    let Some(&first) = out.first() else { return };
    let mut best = first;
    let (listed, flags) = catchments.capable_flagged(s, k, l);
    for (&p, &f) in listed.iter().zip(flags) {
        if f & WITHIN_MUTUAL_AID == 0 {
            continue;
        }
        if snap.is_open(p, s) && snap.wait(p, s) < snap.wait(best, s) {
            best = p;
        }
    }
    out.clear();
    out.push(best);
}

/// Providers this close in travel time count as equally near, minutes.
const TIE_MINUTES: f64 = 1e-9;
