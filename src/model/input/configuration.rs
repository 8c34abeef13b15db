//! Service configurations: which site offers which service at which level.
//!
//! A configuration is a list of changes to a scenario's own (`current`)
//! configuration — units closed, opened or moved between sites — and
//! [`configure`] writes the scenario they give, moving the capacity, staff,
//! beds, waiting list and fixed costs that go with each unit by the rules
//! below (the same rules as the regulator's closures, [`unit_shares`]).
//!
//! - **A place** is a hospital site's id, or the id of a provider that lists
//!   no sites (it is then one site at its position).
//! - **Levels** are the model's three: `basic` (routine cases, moving during
//!   care those needing more, `transfers.basic_share`; a special care unit;
//!   only for a service that sets that share), `routine` (routine cases; a
//!   midwife-led unit, a local neonatal unit) and `complex` (routine and
//!   complex cases; an obstetric unit, a neonatal intensive care unit).
//!   `scu`, `midwife_led`, `lnu`, `obstetric` and `nicu` name them.
//!   A level is a site's: a trust's level for a service is the highest
//!   of its sites' (`providers[].services.<id>.capability`), and a site
//!   below it says so (`sites[].levels`: a freestanding midwife-led unit of
//!   a trust with an obstetric unit elsewhere). Naming a level at one site
//!   changes that site; the trust's level follows its highest site (raising
//!   it moves nothing; lowering it is **lowering** below). A site lowered
//!   while its trust keeps a site at the old level moves nothing: the
//!   cases it now sends away go to the nearest unit of the old level, often
//!   its own trust's other site, and the trust's capacity serves its sites
//!   together. A community provider cannot host the complex level.
//! - **Closing** a unit at one of several sites where its trust offers the
//!   service concentrates the service on the trust's other sites: capacity,
//!   staff and list stay with the trust, whose level becomes its highest
//!   remaining site's (a lowering when the closed site was its only one at
//!   its level). Closing a trust's last unit of a
//!   service moves the unit to the nearest other provider (straight-line
//!   distance from the closed site to that provider's nearest site offering
//!   the service) that offers it at the same level or higher as a general
//!   unit (never a specialist unit, which takes only its specialty; a
//!   specialist unit closed joins that general unit, as its specialty's
//!   referrals do) and is not closing it too: all its capacity and waiting list, its share of each
//!   staff group (by the staff hours its capacity needs), of the shared beds
//!   (by the bed-days its capacity needs) and of fixed costs (by the tariff
//!   value of its capacity; the receiver takes `1 − failure.closure_saving`
//!   of it, the rest is saved). The receiver keeps its own quality, level,
//!   staff age profile and pathway before the decision to admit. A network
//!   hub moves to the receiver.
//! - **Opening** a service at a site of a trust that offers it elsewhere
//!   adds the site (the trust's capacity is shared between its sites, as
//!   patients choose them); with a level, it sets the site's. A trust
//!   that does not offer the service needs a unit's capacity, staff and list:
//!   move one there.
//! - **Lowering** a unit sends the cases its new level sends away and its
//!   old did not to other units: a unit below the complex level sends its
//!   complex cases and the routine cases it will move during care (at the
//!   routine level `transfers.routine_share` of them; at the basic level
//!   `transfers.basic_share`, then `routine_share` of the rest), so
//!   `complex_share + (1 − complex_share) × routine_share` of its patients
//!   at the routine level. The part of the unit they need (the difference
//!   between the two levels' shares, of its capacity and of its shares of
//!   staff, beds and fixed costs, as a closure moves them, without its list)
//!   goes to the nearest unit of the old level or above that is not closing
//!   or being lowered below it too. Raising a level moves nothing.
//! - **Moving** a trust's only unit of a service to another site moves all
//!   of it (as a closure, to the named site's provider rather than the
//!   nearest; a specialist unit stays one); within one trust it only
//!   changes the site, which keeps its level.

use std::collections::{BTreeMap, BTreeSet};

use super::scenario::{
    Capability, Position, ProviderKind, ProviderServiceSpec, ProviderSpec, Scenario, ServiceSpec, StartList,
};

/// One change to a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `PLACE:SERVICE`: the unit closes.
    Close {
        /// Site or provider id.
        place: String,
        /// Service id.
        service: String,
    },
    /// `PLACE:SERVICE[:LEVEL]`: the site offers the service (at a level).
    Open {
        /// Site or provider id.
        place: String,
        /// Service id.
        service: String,
        /// The site's level for the service, when given (the trust's is its
        /// highest site's).
        level: Option<Capability>,
    },
    /// `FROM:SERVICE:TO`: the unit moves to another site.
    Move {
        /// Site or provider id it leaves.
        from: String,
        /// Service id.
        service: String,
        /// Site or provider id it goes to.
        to: String,
    },
}

/// A level's name: `basic`, `routine` or `complex`, or a unit type that is one.
pub fn parse_level(name: &str) -> Result<Capability, String> {
    match name.to_ascii_lowercase().as_str() {
        "complex" | "obstetric" | "nicu" => Ok(Capability::Complex),
        "routine" | "midwife_led" | "lnu" => Ok(Capability::Routine),
        "basic" | "scu" => Ok(Capability::Basic),
        _ => Err(format!(
            "expected a level: `basic` (or `scu`), `routine` (or `midwife_led`, `lnu`) or `complex` (or `obstetric`, \
             `nicu`), found `{name}`"
        )),
    }
}

impl Change {
    /// Reads `--close PLACE:SERVICE`.
    pub fn close(arg: &str) -> Result<Change, String> {
        match parts(arg, "PLACE:SERVICE")?.as_slice() {
            [place, service] => Ok(Change::Close { place: place.clone(), service: service.clone() }),
            _ => Err(format!("expected PLACE:SERVICE, found `{arg}`")),
        }
    }

    /// Reads `--open PLACE:SERVICE[:LEVEL]`.
    pub fn open(arg: &str) -> Result<Change, String> {
        match parts(arg, "PLACE:SERVICE[:LEVEL]")?.as_slice() {
            [place, service] => Ok(Change::Open { place: place.clone(), service: service.clone(), level: None }),
            [place, service, level] => Ok(Change::Open {
                place: place.clone(),
                service: service.clone(),
                level: Some(parse_level(level).map_err(|e| format!("in `{arg}`: {e}"))?),
            }),
            _ => Err(format!("expected PLACE:SERVICE or PLACE:SERVICE:LEVEL, found `{arg}`")),
        }
    }

    /// Reads `--move FROM:SERVICE:TO`.
    pub fn moving(arg: &str) -> Result<Change, String> {
        match parts(arg, "FROM:SERVICE:TO")?.as_slice() {
            [from, service, to] => Ok(Change::Move { from: from.clone(), service: service.clone(), to: to.clone() }),
            _ => Err(format!("expected FROM:SERVICE:TO, found `{arg}`")),
        }
    }

    /// The service it changes.
    pub fn service(&self) -> &str {
        match self {
            Change::Close { service, .. } | Change::Open { service, .. } | Change::Move { service, .. } => service,
        }
    }

    /// The change as its flag gives it (`--close A:s`).
    pub fn flag(&self) -> String {
        match self {
            Change::Close { place, service } => format!("--close {place}:{service}"),
            Change::Open { place, service, level: None } => format!("--open {place}:{service}"),
            Change::Open { place, service, level: Some(l) } => format!("--open {place}:{service}:{}", l.name()),
            Change::Move { from, service, to } => format!("--move {from}:{service}:{to}"),
        }
    }
}

fn parts(arg: &str, form: &str) -> Result<Vec<String>, String> {
    let parts: Vec<String> = arg.split(':').map(|s| s.trim().to_owned()).collect();
    if parts.iter().any(String::is_empty) {
        return Err(format!("expected {form} with no empty part, found `{arg}`"));
    }
    Ok(parts)
}

/// What one unit of a provider needs, for apportioning its resources.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitLoad {
    /// Episodes a week at full capacity.
    pub throughput: f64,
    /// Staff hours per episode, by group.
    pub staff_hours: [f64; 4],
    /// £ per episode.
    pub tariff: f64,
    /// Shared bed-days per episode.
    pub bed_days: f64,
}

/// One unit's share of its provider's resources.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    /// Of each staff group, by the hours its capacity needs.
    pub staff: [f64; 4],
    /// Of fixed costs, by the tariff value of its capacity (all of them
    /// when no unit has any value).
    pub fixed: f64,
    /// Of the shared beds, by the bed-days its capacity needs.
    pub beds: f64,
}

/// The share of unit `unit` among a provider's `units`.
pub fn unit_shares(units: &[UnitLoad], unit: usize) -> Shares {
    let u = units[unit];
    let ratio = |part: f64, whole: f64, none: f64| if whole > 0.0 { part / whole } else { none };
    let staff = std::array::from_fn(|g| {
        let whole: f64 = units.iter().map(|v| v.throughput * v.staff_hours[g]).sum();
        ratio(u.throughput * u.staff_hours[g], whole, 0.0)
    });
    let value: f64 = units.iter().map(|v| v.throughput * v.tariff).sum();
    let beds: f64 = units.iter().map(|v| v.throughput * v.bed_days).sum();
    Shares {
        staff,
        fixed: ratio(u.throughput * u.tariff, value, 1.0),
        beds: ratio(u.throughput * u.bed_days, beds, 0.0),
    }
}

/// Where a place is: its provider and, for a listed site, the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    provider: usize,
    site: Option<usize>,
}

/// The scenario `base` with `changes` applied in order, and one line per
/// change saying what moved. A change that cannot be made is refused with
/// the reason; the result is validated.
pub fn configure(base: &Scenario, changes: &[Change]) -> Result<(Scenario, Vec<String>), String> {
    let mut s = base.clone();
    // Services their trusts lose in this configuration (every place offering
    // one closes, or moves to another trust): no receiver is among them.
    let mut closing: BTreeMap<(usize, String), BTreeSet<Option<usize>>> = BTreeMap::new();
    for c in changes {
        if let Change::Close { place, service } | Change::Move { from: place, service, .. } = c {
            let at = find(&s, place).map_err(|e| format!("{}: {e}", c.flag()))?;
            if let Change::Move { to, .. } = c
                && find(&s, to).is_ok_and(|b| b.provider == at.provider)
            {
                continue;
            }
            closing.entry((at.provider, service.clone())).or_default().insert(at.site);
        }
    }
    // The levels named, by provider, service and place.
    let mut named: BTreeMap<(usize, String), BTreeMap<Option<usize>, Capability>> = BTreeMap::new();
    for c in changes {
        if let Change::Open { place, service, level: Some(l) } = c
            && let Ok(at) = find(&s, place)
        {
            named.entry((at.provider, service.clone())).or_default().insert(at.site, *l);
        }
    }
    let leaving: BTreeSet<(usize, String)> = closing
        .iter()
        .filter(|((p, service), closed)| {
            let sites = &s.providers[*p].sites;
            sites
                .iter()
                .enumerate()
                .filter(|(_, x)| x.services.contains(service))
                .all(|(j, _)| closed.contains(&Some(j)))
        })
        .map(|(key, _)| key.clone())
        .collect();
    // Units this configuration lowers, with their new level (the highest of
    // their places that stay, as named or as they are), by a level named or a
    // site closed: none receives cases of a level above it.
    let no_levels = BTreeMap::new();
    let keys: BTreeSet<&(usize, String)> = named.keys().chain(closing.keys()).collect();
    let lowered: BTreeMap<(usize, String), Capability> = keys
        .into_iter()
        .filter_map(|key @ (p, service)| {
            let offer = s.providers[*p].services.get(service)?;
            let closed = closing.get(key);
            let top = site_levels(&s, *p, service, named.get(key).unwrap_or(&no_levels))
                .into_iter()
                .filter(|(at, _)| closed.is_none_or(|c| !c.contains(at)))
                .map(|(_, level)| level)
                .max()?;
            (top < offer.capability).then(|| (key.clone(), top))
        })
        .collect();
    let not_receiving = NotReceiving { leaving, lowered };
    let mut log = Vec::new();
    for c in changes {
        let line = apply(&mut s, c, &not_receiving).map_err(|e| format!("{}: {e}", c.flag()))?;
        log.push(format!("{}: {line}", c.flag()));
    }
    s.validate().map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        format!("the configured scenario is not valid: {}", list.join("; "))
    })?;
    Ok((s, log))
}

fn find(s: &Scenario, id: &str) -> Result<Place, String> {
    let mut found = Vec::new();
    for (i, p) in s.providers.iter().enumerate() {
        if p.sites.is_empty() && p.id == id {
            found.push(Place { provider: i, site: None });
        }
        for (j, x) in p.sites.iter().enumerate() {
            if x.id == id {
                found.push(Place { provider: i, site: Some(j) });
            }
        }
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => {
            let mut ids: Vec<&str> = s
                .providers
                .iter()
                .flat_map(|p| {
                    let own = p.sites.is_empty().then_some(p.id.as_str());
                    own.into_iter().chain(p.sites.iter().map(|x| x.id.as_str()))
                })
                .collect();
            ids.sort_unstable();
            Err(format!("no site, or provider listing no sites, is named `{id}`; the places are: {}", ids.join(", ")))
        }
        many => Err(format!("`{id}` names {} places; expected one", many.len())),
    }
}

fn offers(s: &Scenario, at: Place, service: &str) -> bool {
    let p = &s.providers[at.provider];
    p.services.contains_key(service) && at.site.is_none_or(|j| p.sites[j].services.iter().any(|x| x == service))
}

/// Whether `at` is the only place where its provider offers `service`.
fn last_place(s: &Scenario, at: Place, service: &str) -> bool {
    let p = &s.providers[at.provider];
    match at.site {
        None => true,
        Some(j) => !p.sites.iter().enumerate().any(|(k, x)| k != j && x.services.iter().any(|v| v == service)),
    }
}

fn position(s: &Scenario, at: Place) -> Position {
    let p = &s.providers[at.provider];
    at.site.map_or(p.position, |j| p.sites[j].position)
}

/// Straight-line km between two positions of one scenario (km, or degrees
/// on a sphere of the Earth's mean radius).
fn distance_km(a: Position, b: Position) -> f64 {
    match (a.x, a.y, b.x, b.y) {
        (Some(ax), Some(ay), Some(bx), Some(by)) => ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt(),
        _ => {
            let rad = |v: Option<f64>| v.unwrap_or(0.0).to_radians();
            let (la, lb) = (rad(a.lat), rad(b.lat));
            let (dlat, dlon) = (lb - la, rad(b.lon) - rad(a.lon));
            let h = (dlat / 2.0).sin().powi(2) + la.cos() * lb.cos() * (dlon / 2.0).sin().powi(2);
            2.0 * 6371.0 * h.sqrt().min(1.0).asin()
        }
    }
}

fn check_service(s: &Scenario, service: &str) -> Result<(), String> {
    if s.services.contains_key(service) {
        return Ok(());
    }
    let ids: Vec<&str> = s.services.keys().map(String::as_str).collect();
    Err(format!("no service is named `{service}`; the services are: {}", ids.join(", ")))
}

fn name(p: &ProviderSpec, at: Place) -> String {
    match at.site {
        Some(j) => format!("`{}` ({})", p.sites[j].id, p.id),
        None => format!("`{}`", p.id),
    }
}

fn apply(s: &mut Scenario, change: &Change, not: &NotReceiving) -> Result<String, String> {
    match change {
        Change::Close { place, service } => {
            check_service(s, service)?;
            let at = find(s, place)?;
            if !offers(s, at, service) {
                return Err(format!("{} does not offer `{service}`", name(&s.providers[at.provider], at)));
            }
            if !last_place(s, at, service) {
                let p = &mut s.providers[at.provider];
                let j = at.site.expect("a provider without sites has one place");
                p.sites[j].services.retain(|x| x != service);
                p.sites[j].levels.remove(service);
                let rest: Vec<&str> =
                    p.sites.iter().filter(|x| x.services.iter().any(|v| v == service)).map(|x| x.id.as_str()).collect();
                let mut line = vec![format!(
                    "{} keeps its capacity, staff and list at its other sites ({})",
                    p.id,
                    rest.join(", ")
                )];
                // The trust's level is its highest remaining site's.
                let levels = site_levels(s, at.provider, service, &BTreeMap::new());
                line.extend(relevel(s, at, service, &levels, not)?);
                return Ok(line.join("; "));
            }
            let to = receiver(s, at, service, not)?;
            move_unit(s, at.provider, service, to)
        }
        Change::Open { place, service, level } => {
            check_service(s, service)?;
            let at = find(s, place)?;
            let p = &s.providers[at.provider];
            if !p.services.contains_key(service) {
                return Err(format!(
                    "`{}` does not offer `{service}`, so a unit there needs another's capacity, staff and list: move one with --move FROM:{service}:{place}",
                    p.id
                ));
            }
            let here = offers(s, at, service);
            if here && level.is_none_or(|l| l == site_level(s, at, service)) {
                return Err(format!(
                    "{} already offers `{service}` at level {}",
                    name(p, at),
                    site_level(s, at, service).name()
                ));
            }
            let mut line = Vec::new();
            if !here {
                let j = at.site.expect("a provider without sites offers its services at its one place");
                s.providers[at.provider].sites[j].services.push(service.clone());
                line.push(format!("{} shares its trust's capacity for it", name(&s.providers[at.provider], at)));
            }
            if let Some(l) = level {
                line.extend(set_site_level(s, at, service, *l, not)?);
            }
            Ok(line.join("; "))
        }
        Change::Move { from, service, to } => {
            check_service(s, service)?;
            let (a, b) = (find(s, from)?, find(s, to)?);
            if a == b {
                return Err("expected two different places".into());
            }
            if !offers(s, a, service) {
                return Err(format!("{} does not offer `{service}`", name(&s.providers[a.provider], a)));
            }
            if offers(s, b, service) {
                return Err(format!(
                    "{} already offers `{service}`: close the unit instead",
                    name(&s.providers[b.provider], b)
                ));
            }
            let line = if a.provider == b.provider {
                let j = a.site.expect("two places of one provider are sites");
                let sites = &mut s.providers[a.provider].sites;
                sites[j].services.retain(|x| x != service);
                // The unit keeps its level at its new site.
                if let (Some(level), Some(k)) = (sites[j].levels.remove(service), b.site) {
                    sites[k].levels.insert(service.clone(), level);
                }
                format!("{} moves the unit between its sites", s.providers[a.provider].id)
            } else if !last_place(s, a, service) {
                return Err(format!(
                    "`{}` offers `{service}` at several sites and its capacity is the trust's: close this one, or move the last",
                    s.providers[a.provider].id
                ));
            } else {
                let level = s.providers[a.provider].services[service].capability;
                if level == Capability::Complex && s.providers[b.provider].kind == ProviderKind::Community {
                    return Err(format!(
                        "`{}` is a community provider and cannot host the complex level",
                        s.providers[b.provider].id
                    ));
                }
                move_unit(s, a.provider, service, b.provider)?
            };
            if let Some(j) = b.site {
                s.providers[b.provider].sites[j].services.push(service.clone());
            }
            Ok(line)
        }
    }
}

/// Units that take no other's patients in a configuration.
struct NotReceiving {
    /// Services their trusts lose (every place offering one closes, or
    /// moves to another trust).
    leaving: BTreeSet<(usize, String)>,
    /// Units lowered, with their new level: they take no cases of a level
    /// above it.
    lowered: BTreeMap<(usize, String), Capability>,
}

/// The share of a unit's patients of `v` that a unit of `level` sends to
/// others: at a level below the complex its complex cases, and the routine
/// cases it moves during care (at the basic level `transfers.basic_share`
/// of them, then `transfers.routine_share` of the rest).
fn sent_away(v: &ServiceSpec, level: Capability) -> f64 {
    let moved = match level {
        Capability::Complex => return 0.0,
        Capability::Routine => v.transfers.routine_share,
        Capability::Basic => v.transfers.basic_share + (1.0 - v.transfers.basic_share) * v.transfers.routine_share,
    };
    v.complex_share + (1.0 - v.complex_share) * moved
}

/// The level at which `at` offers `service` (or would, opened there): its
/// own when it has one, else its provider's.
fn site_level(s: &Scenario, at: Place, service: &str) -> Capability {
    let p = &s.providers[at.provider];
    at.site
        .and_then(|j| p.sites[j].levels.get(service).copied())
        .unwrap_or_else(|| p.services.get(service).map_or(Capability::Routine, |o| o.capability))
}

/// The level of each site of provider `p` offering `service`, or named in
/// `named` (`None` for a provider listing no sites): as named, else as it is.
fn site_levels(
    s: &Scenario,
    p: usize,
    service: &str,
    named: &BTreeMap<Option<usize>, Capability>,
) -> Vec<(Option<usize>, Capability)> {
    let provider = &s.providers[p];
    let places: Vec<Option<usize>> = if provider.sites.is_empty() {
        vec![None]
    } else {
        (0..provider.sites.len())
            .filter(|&j| provider.sites[j].services.iter().any(|v| v == service) || named.contains_key(&Some(j)))
            .map(Some)
            .collect()
    };
    places
        .into_iter()
        .map(|at| {
            (at, named.get(&at).copied().unwrap_or_else(|| site_level(s, Place { provider: p, site: at }, service)))
        })
        .collect()
}

/// Puts `at`'s `service` at level `level`: the trust's level becomes the
/// highest of its sites' ([`relevel`]).
fn set_site_level(
    s: &mut Scenario,
    at: Place,
    service: &str,
    level: Capability,
    not: &NotReceiving,
) -> Result<Vec<String>, String> {
    let levels = site_levels(s, at.provider, service, &BTreeMap::from([(at.site, level)]));
    let mut line = relevel(s, at, service, &levels, not)?;
    let trust = s.providers[at.provider].services[service].capability;
    if at.site.is_some() && level < trust {
        let p = &s.providers[at.provider];
        line.push(format!("{} is at level {}, below its trust's {}", name(p, at), level.name(), trust.name()));
    }
    Ok(line)
}

/// Gives provider `at.provider`'s `service` the highest of its sites'
/// `levels` (moving, when that lowers it, the part of the unit the cases it
/// now sends away need to the nearest unit of the old level, as the module
/// docs say) and writes each site's own level where it is below that.
fn relevel(
    s: &mut Scenario,
    at: Place,
    service: &str,
    levels: &[(Option<usize>, Capability)],
    not: &NotReceiving,
) -> Result<Vec<String>, String> {
    let p = at.provider;
    let old = s.providers[p].services[service].capability;
    let Some(new) = levels.iter().map(|x| x.1).max() else { return Ok(Vec::new()) };
    let mut line = Vec::new();
    if new != old {
        let lowered = (new < old).then(|| {
            let v = &s.services[service];
            sent_away(v, new) - sent_away(v, old)
        });
        let to = match lowered {
            Some(part) if part > 0.0 => Some((receiver(s, at, service, not)?, part)),
            _ => None,
        };
        set_level(s, p, service, new)?;
        line.push(format!("{}'s `{service}` is now at level {}", s.providers[p].id, new.name()));
        if let Some((to, part)) = to {
            line.push(move_part(s, p, service, to, part));
        }
    }
    for &(j, level) in levels {
        if let Some(j) = j {
            let own = &mut s.providers[p].sites[j].levels;
            if level < new {
                own.insert(service.to_owned(), level);
            } else {
                own.remove(service);
            }
        }
    }
    Ok(line)
}

/// The nearest other provider offering `service` at `at`'s provider's level
/// or higher as a general unit (a specialist unit takes only its specialty,
/// so capacity moved into it would be lost to the rest), not losing it in
/// this configuration and not lowered below that level in it.
fn receiver(s: &Scenario, at: Place, service: &str, not: &NotReceiving) -> Result<usize, String> {
    let from = position(s, at);
    let level = s.providers[at.provider].services[service].capability;
    let mut best: Option<(f64, usize)> = None;
    for (q, p) in s.providers.iter().enumerate() {
        let Some(offer) = p.services.get(service) else { continue };
        if q == at.provider
            || offer.capability < level
            || !offer.is_general()
            || not.leaving.contains(&(q, service.to_owned()))
            || not.lowered.get(&(q, service.to_owned())).is_some_and(|new| *new < level)
        {
            continue;
        }
        let places: Vec<Position> = if p.sites.is_empty() {
            vec![p.position]
        } else {
            p.sites.iter().filter(|x| x.services.iter().any(|v| v == service)).map(|x| x.position).collect()
        };
        // A service at none of its sites is at the provider's position.
        let km = places.into_iter().map(|x| distance_km(from, x)).fold(distance_km(from, p.position), f64::min);
        if best.is_none_or(|(d, _)| km < d) {
            best = Some((km, q));
        }
    }
    best.map(|(_, q)| q).ok_or_else(|| {
        format!(
            "it is the last unit of `{service}` at level {} with no other provider to take its patients: keep it, or open another first",
            level.name()
        )
    })
}

/// Gives `service` at `level` to provider `p`; a downgrade needs another
/// provider at the old level, and a community provider cannot host `complex`.
fn set_level(s: &mut Scenario, p: usize, service: &str, level: Capability) -> Result<(), String> {
    if level == Capability::Complex && s.providers[p].kind == ProviderKind::Community {
        return Err(format!("`{}` is a community provider and cannot host the complex level", s.providers[p].id));
    }
    let old = s.providers[p].services[service].capability;
    if level < old
        && !s
            .providers
            .iter()
            .enumerate()
            .any(|(q, v)| q != p && v.services.get(service).is_some_and(|o| o.capability >= old))
    {
        return Err(format!(
            "`{}` has the last unit of `{service}` at level {}: no other provider could take its complex cases",
            s.providers[p].id,
            old.name()
        ));
    }
    s.providers[p].services.get_mut(service).expect("offered").capability = level;
    Ok(())
}

/// The loads of provider `p`'s units, in service order.
fn loads(s: &Scenario, p: usize) -> Vec<(String, UnitLoad)> {
    s.providers[p]
        .services
        .iter()
        .map(|(id, offer)| {
            let v = &s.services[id];
            let throughput =
                if v.length_of_stay_weeks > 0.0 { offer.capacity / v.length_of_stay_weeks } else { offer.capacity };
            (
                id.clone(),
                UnitLoad { throughput, staff_hours: v.staff_hours.by_group(), tariff: v.tariff, bed_days: v.bed_days },
            )
        })
        .collect()
}

/// Moves provider `from`'s unit of `service` to provider `to` by the rules
/// of the module docs.
fn move_unit(s: &mut Scenario, from: usize, service: &str, to: usize) -> Result<String, String> {
    if s.providers[from].services.len() <= 1 {
        return Err(format!(
            "it is the only service of `{}`; a provider with no services is not a configuration",
            s.providers[from].id
        ));
    }
    Ok(move_part(s, from, service, to, 1.0))
}

/// Moves the part `part` (in (0, 1]) of provider `from`'s unit of
/// `service` — that share of its capacity and of its share of each staff
/// group, the beds and fixed costs — to provider `to`; all of it (`part`
/// 1) takes the unit, its waiting list and its sites with it.
fn move_part(s: &mut Scenario, from: usize, service: &str, to: usize, part: f64) -> String {
    let units = loads(s, from);
    let k = units.iter().position(|(id, _)| id == service).expect("offered");
    let loads: Vec<UnitLoad> = units.iter().map(|(_, l)| *l).collect();
    let share = unit_shares(&loads, k);
    let saving = s.failure.closure_saving;
    let whole = part >= 1.0;

    let donor = &mut s.providers[from];
    let offer = if whole {
        for x in &mut donor.sites {
            x.services.retain(|v| v != service);
            x.levels.remove(service);
        }
        donor.services.remove(service).expect("offered")
    } else {
        let mine = donor.services.get_mut(service).expect("offered");
        let moved = mine.capacity * part;
        mine.capacity -= moved;
        ProviderServiceSpec { capacity: moved, waiting_list: None, ..*mine }
    };
    let mut staff = [(0.0, 0.0); 4];
    for (g, st) in donor.staff.by_group_mut().into_iter().enumerate() {
        let (in_post, funded) = (st.in_post * share.staff[g] * part, st.establishment() * share.staff[g] * part);
        st.in_post -= in_post;
        st.establishment = st.establishment.map(|e| e - funded);
        staff[g] = (in_post, funded);
    }
    let fixed = donor.fixed_cost * share.fixed * part;
    donor.fixed_cost -= fixed;
    let beds = match (donor.beds, s.providers[to].beds) {
        (Some(b), Some(_)) => b * share.beds * part,
        _ => 0.0,
    };
    if let Some(b) = s.providers[from].beds.as_mut() {
        *b -= beds;
    }
    let from_id = s.providers[from].id.clone();

    let receiver = &mut s.providers[to];
    for (g, st) in receiver.staff.by_group_mut().into_iter().enumerate() {
        let had = st.in_post;
        st.in_post += staff[g].0;
        st.establishment = match st.establishment {
            Some(e) => Some(e + staff[g].1),
            None if staff[g].1 != staff[g].0 => Some(had + staff[g].1),
            None => None,
        };
    }
    receiver.fixed_cost += fixed * (1.0 - saving);
    if let Some(b) = receiver.beds.as_mut() {
        *b += beds;
    }
    let to_id = receiver.id.clone();
    match receiver.services.get_mut(service) {
        Some(mine) => {
            mine.capacity += offer.capacity;
            mine.capability = mine.capability.max(offer.capability);
            mine.waiting_list = merge_lists(mine.waiting_list, offer.waiting_list);
        }
        None => {
            receiver.services.insert(service.to_owned(), offer);
        }
    }
    if whole && s.network.hubs.get(service) == Some(&from_id) {
        s.network.hubs.insert(service.to_owned(), to_id.clone());
    }
    format!(
        "{from_id}'s unit {} to {to_id}: capacity {:.1}, {} on the list, {:.1} WTE, {:.1} beds, fixed costs £{:.0} a week ({:.0}% saved)",
        if whole { "moves".to_owned() } else { format!("moves {:.1}% of itself", part * 100.0) },
        offer.capacity,
        offer.waiting_list.map_or(0, |l| l.patients),
        staff.iter().map(|x| x.0).sum::<f64>(),
        beds,
        fixed,
        saving * 100.0
    )
}

/// Two start lists as one: sizes add, shares are weighted by size.
fn merge_lists(a: Option<StartList>, b: Option<StartList>) -> Option<StartList> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let n = f64::from(a.patients) + f64::from(b.patients);
            let mean = |x: f64, y: f64| {
                if n > 0.0 { (x * f64::from(a.patients) + y * f64::from(b.patients)) / n } else { x }
            };
            Some(StartList {
                patients: a.patients + b.patients,
                within_18_weeks: mean(a.within_18_weeks, b.within_18_weeks),
                over_52_weeks: mean(a.over_52_weeks, b.over_52_weeks),
            })
        }
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_flags_read_back() {
        assert_eq!(parse_level("NICU"), Ok(Capability::Complex));
        assert_eq!(parse_level("midwife_led"), Ok(Capability::Routine));
        assert!(parse_level("level3").unwrap_err().contains("found `level3`"));
        for (arg, make) in [
            ("A:s", Change::close as fn(&str) -> Result<Change, String>),
            ("A:s:complex", Change::open),
            ("A:s", Change::open),
            ("A:s:B", Change::moving),
        ] {
            let c = make(arg).expect("valid");
            assert!(c.flag().ends_with(arg), "{}", c.flag());
        }
        assert!(Change::close("A:").unwrap_err().contains("no empty part"));
        assert!(Change::close("A:s:x").unwrap_err().contains("expected PLACE:SERVICE"));
    }

    #[test]
    fn shares_follow_hours_value_and_bed_days() {
        let unit = |throughput, medical, tariff, bed_days| UnitLoad {
            throughput,
            staff_hours: [medical, 1.0, 0.0, 0.0],
            tariff,
            bed_days,
        };
        let units = [unit(10.0, 2.0, 1000.0, 3.0), unit(30.0, 1.0, 2000.0, 0.0)];
        let s = unit_shares(&units, 0);
        assert!((s.staff[0] - 20.0 / 50.0).abs() < 1e-12);
        assert!((s.staff[1] - 10.0 / 40.0).abs() < 1e-12);
        assert_eq!(s.staff[2], 0.0);
        assert!((s.fixed - 10_000.0 / 70_000.0).abs() < 1e-12);
        assert_eq!(s.beds, 1.0);
        assert_eq!(unit_shares(&units, 1).beds, 0.0);
    }

    #[test]
    fn lists_merge_by_size() {
        let a = StartList { patients: 100, within_18_weeks: 0.6, over_52_weeks: 0.1 };
        let b = StartList { patients: 300, within_18_weeks: 0.8, over_52_weeks: 0.0 };
        let m = merge_lists(Some(a), Some(b)).expect("both");
        assert_eq!(m.patients, 400);
        assert!((m.within_18_weeks - 0.75).abs() < 1e-12);
        assert!((m.over_52_weeks - 0.025).abs() < 1e-12);
        assert_eq!(merge_lists(None, Some(b)), Some(b));
    }
}
