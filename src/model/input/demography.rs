//! How the population changes from year to year: a cohort-component
//! projection of each district's residents by single year of age (deaths
//! from a Gompertz–Makeham life table fitted to published life expectancy,
//! births from a fertility schedule, net migration), carried to the
//! district's localities as a growth factor per age band.
//!
//! The projection is deterministic (expected numbers, no draws) and steps a
//! year at a time from the population's mid-year: residents aged x at one
//! mid-year are aged x + 1 at the next if they survive, which they do with
//! the life table's L(x+1)/L(x); the open group 90+ with T(91)/T(90);
//! the year's births with L(0). Internal migration between districts is
//! not modelled.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::bounds::{MAX_POPULATION, Problem, check_nonneg, check_range};

/// Single years of age held, 0–89, and the open group 90+.
pub const AGES: usize = 91;
/// The oldest age the life table runs to (everyone has died by 121).
const OLDEST: usize = 120;
/// Background (Makeham) hazard a year at every age: of the order of ONS
/// single-year death rates at ages 5–20 (0.0001–0.0004). Assumption.
const BACKGROUND_HAZARD: f64 = 0.000_1;
/// Average share of the first year lived by infants who die in it (the
/// usual a₀ of about 0.1). Assumption.
const INFANT_YEAR_LIVED: f64 = 0.1;
/// The Gompertz slopes a fitted table may have, per year of age: adult
/// death rates double every 5–14 years in human populations.
const SLOPES: (f64, f64) = (0.05, 0.14);
/// Youngest and oldest ages of mothers in the fertility schedule.
const MOTHERS: std::ops::RangeInclusive<usize> = 15..=49;
/// Standard deviation of mothers' ages at birth, years: a normal schedule
/// around the mean age. Assumption (ONS does not publish one figure; the
/// age-specific rates of 2023 spread about this much).
const MOTHERS_AGE_SD: f64 = 5.5;
/// Ages at which net migrants arrive, evenly: international migrants are
/// mostly young adults (ONS). Assumption on the exact range.
const MIGRANTS: std::ops::RangeInclusive<usize> = 18..=34;
/// Share of residents aged 15–49 who are women. Assumption (England's sex
/// ratio at these ages is close to 1).
const WOMEN_SHARE: f64 = 0.5;

/// The population model: residents by single year of age per district and
/// the national rates that age them. Absent (no districts), populations
/// hold still.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemographySpec {
    /// Residents by single year of age (0, 1, …, 89 and 90+: 91 numbers),
    /// by district code. Every locality's district must be listed when any
    /// is (a locality without one is refused at its `district`);
    /// a locality's residents in each age band grow as its district's do.
    pub districts: BTreeMap<String, Vec<f64>>,
    /// Period life expectancy at birth, years. Default 81.0: England and
    /// Wales 2021–2023, 79.0 for males and 83.0 for females (ONS national
    /// life tables), persons taken as their mean.
    pub life_expectancy_at_birth: f64,
    /// Period life expectancy at 65, years. Default 19.85: England and
    /// Wales 2021–2023, 18.6 for males and 21.1 for females (ONS).
    pub life_expectancy_at_65: f64,
    /// Deaths in the first year of life per live birth. Default 0.0039:
    /// England and Wales, 2022 (ONS, child and infant mortality).
    pub infant_mortality: f64,
    /// Yearly fall in death rates at every age.
    /// Default 0.011: the long-term improvement of ONS's 2022-based
    /// national population projections.
    pub mortality_improvement: f64,
    /// Total fertility rate, children per woman. Default 1.44: England and
    /// Wales, 2023 (ONS, births in England and Wales).
    pub fertility_rate: f64,
    /// Mean age of mothers at birth, years. Default 30.9 (ONS, 2023).
    pub mean_age_at_birth: f64,
    /// Net migration a year as a share of residents, arriving at ages
    /// 18–34. Default 0.005: the long-term 340,000 a year of ONS's
    /// 2022-based projections for the UK's 67.6 million. Range −0.01–0.015.
    pub net_migration: f64,
}

impl Default for DemographySpec {
    fn default() -> Self {
        DemographySpec {
            districts: BTreeMap::new(),
            life_expectancy_at_birth: 81.0,
            life_expectancy_at_65: 19.85,
            infant_mortality: 0.0039,
            mortality_improvement: 0.011,
            fertility_rate: 1.44,
            mean_age_at_birth: 30.9,
            net_migration: 0.005,
        }
    }
}

/// Residents aged 0–17, 18–64 and 65+ in a single-year profile.
pub fn bands(ages: &[f64]) -> [f64; 3] {
    let mut b = [0.0; 3];
    for (age, n) in ages.iter().enumerate() {
        b[match age {
            0..18 => 0,
            18..65 => 1,
            _ => 2,
        }] += n;
    }
    b
}

/// Survivorship `l(x)` for x = 0..=OLDEST+1 of a Gompertz–Makeham table
/// with hazard `a + b·e^{c·x}` after the first year, scaled by `scale`.
fn survivors(infant: f64, b: f64, c: f64, scale: f64) -> Vec<f64> {
    let mut l = vec![0.0; OLDEST + 2];
    l[0] = 1.0;
    l[1] = 1.0 - infant;
    for x in 1..=OLDEST {
        let hazard = scale * (BACKGROUND_HAZARD + b * (c * (x as f64 + 0.5)).exp());
        l[x + 1] = l[x] * (-hazard).exp();
    }
    l[OLDEST + 1] = 0.0;
    l
}

/// Years lived between exact ages x and x + 1, `L(x)`, per person born.
fn lived(l: &[f64]) -> Vec<f64> {
    (0..=OLDEST)
        .map(|x| if x == 0 { l[1] + INFANT_YEAR_LIVED * (l[0] - l[1]) } else { (l[x] + l[x + 1]) / 2.0 })
        .collect()
}

/// Life expectancy at exact age `x`.
fn expectancy(l: &[f64], x: usize) -> f64 {
    let big_l = lived(l);
    big_l[x..].iter().sum::<f64>() / l[x]
}

/// The root of an increasing (`rising`) or decreasing function on [lo, hi] by bisection.
fn bisect(mut lo: f64, mut hi: f64, rising: bool, f: impl Fn(f64) -> f64) -> f64 {
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if (f(mid) > 0.0) == rising {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A life table fitted to life expectancy at birth and at 65.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifeTable {
    infant: f64,
    /// Gompertz level.
    b: f64,
    /// Gompertz slope, per year of age.
    c: f64,
}

impl LifeTable {
    /// Fits the Gompertz level and slope so that the table's life
    /// expectancy is `e0` at birth and `e65` at 65 (the background hazard
    /// and infant mortality given). The last fit is kept (per thread): a
    /// sweep validates every point, and most leave the table as it was.
    pub fn fitted(e0: f64, e65: f64, infant: f64) -> LifeTable {
        thread_local! {
            static LAST: Cell<Option<([u64; 3], LifeTable)>> = const { Cell::new(None) };
        }
        let key = [e0.to_bits(), e65.to_bits(), infant.to_bits()];
        LAST.with(|last| match last.get() {
            Some((k, table)) if k == key => table,
            _ => {
                let table = Self::newton(e0, e65, infant).unwrap_or_else(|| Self::bisected(e0, e65, infant));
                last.set(Some((key, table)));
                table
            }
        })
    }

    /// Newton's method on (ln b, c) from a human-like table: a few dozen
    /// tables where bisection needs thousands. None if it does not settle
    /// inside the slopes allowed.
    fn newton(e0: f64, e65: f64, infant: f64) -> Option<LifeTable> {
        let gap = |ln_b: f64, c: f64| {
            let l = survivors(infant, ln_b.exp(), c, 1.0);
            [expectancy(&l, 0) - e0, expectancy(&l, 65) - e65]
        };
        let (mut ln_b, mut c) = ((2e-5f64).ln(), 0.1);
        for _ in 0..40 {
            let f = gap(ln_b, c);
            if f[0].abs().max(f[1].abs()) < 1e-9 {
                return Some(LifeTable { infant, b: ln_b.exp(), c });
            }
            let (h_b, h_c) = (1e-6, 1e-7);
            let fb = gap(ln_b + h_b, c);
            let fc = gap(ln_b, c + h_c);
            let j = [[(fb[0] - f[0]) / h_b, (fc[0] - f[0]) / h_c], [(fb[1] - f[1]) / h_b, (fc[1] - f[1]) / h_c]];
            let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
            if det.abs() < 1e-300 || !det.is_finite() {
                return None;
            }
            let d_b = (f[0] * j[1][1] - f[1] * j[0][1]) / det;
            let d_c = (f[1] * j[0][0] - f[0] * j[1][0]) / det;
            ln_b -= d_b.clamp(-2.0, 2.0);
            c -= d_c.clamp(-0.02, 0.02);
            if !(SLOPES.0..=SLOPES.1).contains(&c) || !ln_b.is_finite() {
                return None;
            }
        }
        None
    }

    /// Nested bisection: for each slope the level that gives e65, and the
    /// slope (in the human range) that then gives e0.
    fn bisected(e0: f64, e65: f64, infant: f64) -> LifeTable {
        // For a slope, the level that gives e65 (e65 falls as the level rises).
        let level = |c: f64| {
            bisect((1e-12f64).ln(), 0.0, false, |ln_b| expectancy(&survivors(infant, ln_b.exp(), c, 1.0), 65) - e65)
                .exp()
        };
        // A steeper slope at the same e65 means lower death rates before 65
        // and a higher e0. Slopes are held to the human adult range, death
        // rates doubling every 5 to 14 years of age.
        let c = bisect(SLOPES.0, SLOPES.1, true, |c| expectancy(&survivors(infant, level(c), c, 1.0), 0) - e0);
        LifeTable { infant, b: level(c), c }
    }

    /// Life expectancy at exact age `x` with death rates scaled by `scale`.
    pub fn expectancy(&self, x: usize, scale: f64) -> f64 {
        expectancy(&survivors(self.infant, self.b, self.c, scale), x)
    }

    /// Survival over a year of residents aged 0, …, 89 and 90+ at
    /// mid-year, and of the year's births to the next mid-year.
    fn survival(&self, scale: f64) -> ([f64; AGES], f64) {
        let l = survivors(self.infant * scale, self.b, self.c, scale);
        let big_l = lived(&l);
        let mut s = [0.0; AGES];
        for (x, v) in s.iter_mut().enumerate().take(AGES - 1) {
            *v = big_l[x + 1] / big_l[x];
        }
        let open: f64 = big_l[AGES - 1..].iter().sum();
        s[AGES - 1] = big_l[AGES..].iter().sum::<f64>() / open;
        (s, big_l[0])
    }
}

/// One year of a projection: the population a year on, and the year's
/// births and deaths.
#[derive(Debug, Clone, PartialEq)]
pub struct Year {
    /// Residents by single year of age at the year's mid-year.
    pub ages: Vec<f64>,
    /// Live births over the following year.
    pub births: f64,
    /// Deaths over the following year (of residents and of the year's births).
    pub deaths: f64,
}

impl DemographySpec {
    /// Whether this is the default: no districts, so populations hold still.
    pub fn is_still(&self) -> bool {
        *self == DemographySpec::default()
    }

    /// The fitted life table.
    pub fn life_table(&self) -> LifeTable {
        LifeTable::fitted(self.life_expectancy_at_birth, self.life_expectancy_at_65, self.infant_mortality)
    }

    /// Births a year per woman of each age of the schedule.
    fn fertility(&self) -> [f64; AGES] {
        let mut f = [0.0; AGES];
        for x in MOTHERS {
            // Mothers aged x at mid-year are x + 0.5 on average over the year.
            let z = (x as f64 + 0.5 - self.mean_age_at_birth) / MOTHERS_AGE_SD;
            f[x] = (-0.5 * z * z).exp();
        }
        let total: f64 = f.iter().sum();
        if total > 0.0 {
            f.iter_mut().for_each(|v| *v *= self.fertility_rate / total);
        }
        f
    }

    /// Projects `ages` (91 single years) `years` years on: each year's
    /// population, births and deaths (`[0]` is the start, with its
    /// first year's births and deaths).
    pub fn project(&self, table: &LifeTable, ages: &[f64], years: usize) -> Vec<Year> {
        self.project_at(&self.rates(table, years), ages)
    }

    /// Each year's survival by age and of births (the life table with that
    /// year's mortality improvement), and the fertility schedule: the same
    /// for every district, so worked out once per projection.
    fn rates(&self, table: &LifeTable, years: usize) -> (Vec<([f64; AGES], f64)>, [f64; AGES]) {
        let survival = (0..=years).map(|y| table.survival((1.0 - self.mortality_improvement).powi(y as i32))).collect();
        (survival, self.fertility())
    }

    /// Projects `ages` with the years' `rates`.
    fn project_at(&self, rates: &(Vec<([f64; AGES], f64)>, [f64; AGES]), ages: &[f64]) -> Vec<Year> {
        let (by_year, fertility) = rates;
        let mut out = Vec::with_capacity(by_year.len());
        let mut now = ages.to_vec();
        for (survival, born_alive) in by_year {
            let births: f64 = now.iter().zip(fertility).map(|(n, f)| n * WOMEN_SHARE * f).sum();
            let mut next = vec![0.0; AGES];
            next[0] = births * born_alive;
            for x in 0..AGES - 1 {
                next[x + 1] += now[x] * survival[x];
            }
            next[AGES - 1] += now[AGES - 1] * survival[AGES - 1];
            let deaths = now.iter().sum::<f64>() + births - next.iter().sum::<f64>();
            let migrants = self.net_migration * now.iter().sum::<f64>() / MIGRANTS.clone().count() as f64;
            for v in &mut next[MIGRANTS] {
                *v = (*v + migrants).max(0.0);
            }
            out.push(Year { ages: std::mem::replace(&mut now, next), births, deaths });
        }
        out
    }

    /// Each district's residents by age band, year by year for `years`
    /// years (`[0]` the start), relative to the start (1 where a band starts empty).
    pub fn band_growth(&self, years: usize) -> BTreeMap<&str, Vec<[f64; 3]>> {
        if self.districts.is_empty() {
            return BTreeMap::new();
        }
        let rates = self.rates(&self.life_table(), years);
        self.districts
            .iter()
            .map(|(code, ages)| {
                let path = self.project_at(&rates, ages);
                let start = bands(ages);
                let growth = path
                    .iter()
                    .map(|y| {
                        let b = bands(&y.ages);
                        std::array::from_fn(|i| if start[i] > 0.0 { b[i] / start[i] } else { 1.0 })
                    })
                    .collect();
                (code.as_str(), growth)
            })
            .collect()
    }

    pub(crate) fn check(&self, districts: &BTreeSet<&str>, p: &mut Vec<Problem>) {
        let at = |f: &str| format!("demography.{f}");
        check_range(p, at("life_expectancy_at_birth"), self.life_expectancy_at_birth, 20.0, 100.0);
        check_range(p, at("life_expectancy_at_65"), self.life_expectancy_at_65, 1.0, 40.0);
        check_range(p, at("infant_mortality"), self.infant_mortality, 0.0, 0.2);
        check_range(p, at("mortality_improvement"), self.mortality_improvement, -0.05, 0.1);
        check_range(p, at("fertility_rate"), self.fertility_rate, 0.0, 8.0);
        check_range(p, at("mean_age_at_birth"), self.mean_age_at_birth, 20.0, 40.0);
        check_range(p, at("net_migration"), self.net_migration, -0.05, 0.05);
        if p.iter().any(|x| x.path.starts_with("demography.")) {
            return;
        }
        // A table exists for these expectancies only if the Gompertz fit reaches them.
        let table = self.life_table();
        for (x, e, name) in [
            (0, self.life_expectancy_at_birth, "life_expectancy_at_birth"),
            (65, self.life_expectancy_at_65, "life_expectancy_at_65"),
        ] {
            let fitted = table.expectancy(x, 1.0);
            if (fitted - e).abs() > 0.05 {
                p.push(Problem::new(
                    at(name),
                    format!(
                        "no Gompertz–Makeham life table gives life expectancy {} at birth and {} at 65 (nearest: {fitted:.2} here); expected a pair like England's, 81.0 and 19.85",
                        self.life_expectancy_at_birth, self.life_expectancy_at_65
                    ),
                ));
                return;
            }
        }
        for (code, ages) in &self.districts {
            let path = at(&format!("districts.{code}"));
            if ages.len() != AGES {
                p.push(Problem::new(
                    &path,
                    format!("expected {AGES} residents by single year of age (0–89 and 90+), found {}", ages.len()),
                ));
                continue;
            }
            for (age, &n) in ages.iter().enumerate() {
                check_nonneg(p, format_args!("{path}[{age}]"), n, MAX_POPULATION);
            }
            if !districts.contains(&code.as_str()) {
                p.push(Problem::new(&path, format!("no locality lies in district `{code}`")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fitted_table_gives_both_expectancies_and_the_modal_age_at_death() {
        let t = DemographySpec::default().life_table();
        assert!((t.expectancy(0, 1.0) - 81.0).abs() < 0.01, "{}", t.expectancy(0, 1.0));
        assert!((t.expectancy(65, 1.0) - 19.85).abs() < 0.01, "{}", t.expectancy(65, 1.0));
        // Not fitted: ONS put the modal age at death in 2020 at 87.1 for
        // males and 89.3 for females.
        assert!((0.08..0.12).contains(&t.c), "slope {}: death rates double every {:.1} years", t.c, 2f64.ln() / t.c);
        let l = survivors(t.infant, t.b, t.c, 1.0);
        let deaths: Vec<f64> = (0..=OLDEST).map(|x| l[x] - l[x + 1]).collect();
        let mode = (1..=OLDEST).max_by(|&a, &b| deaths[a].total_cmp(&deaths[b])).expect("ages");
        assert!((86..=91).contains(&mode), "modal age at death {mode}");
        // Slower death rates lengthen life.
        assert!(t.expectancy(0, 0.9) > t.expectancy(0, 1.0));
    }

    #[test]
    fn newton_and_bisection_find_the_same_table() {
        for (e0, e65) in [(81.0, 19.85), (79.0, 18.6), (83.0, 21.1), (75.0, 16.0)] {
            let n = LifeTable::newton(e0, e65, 0.0039).expect("settles");
            let b = LifeTable::bisected(e0, e65, 0.0039);
            assert!((n.c - b.c).abs() < 1e-7 && (n.b / b.b - 1.0).abs() < 1e-5, "{n:?} {b:?}");
        }
        // Out of reach: Newton gives up and the check refuses what bisection finds.
        assert!(LifeTable::newton(81.0, 39.0, 0.0039).is_none());
    }

    #[test]
    fn a_stationary_population_holds_its_size_and_shape() {
        // Births replacing deaths exactly: with the population the life
        // table's own L(x) and births of one a year, nothing changes.
        let d = DemographySpec {
            fertility_rate: 0.0,
            net_migration: 0.0,
            mortality_improvement: 0.0,
            ..Default::default()
        };
        let t = d.life_table();
        let l = survivors(t.infant, t.b, t.c, 1.0);
        let big_l = lived(&l);
        let mut ages: Vec<f64> = big_l[..AGES - 1].to_vec();
        ages.push(big_l[AGES - 1..].iter().sum());
        let path = d.project(&t, &ages, 1);
        // Without births the first age empties and everyone else moves up a year.
        for (x, (got, want)) in path[1].ages.iter().zip(&ages).enumerate().skip(1) {
            assert!((got - want).abs() < 1e-12, "age {x}: {got} vs {want}");
        }
        // Deaths over the year of those alive at mid-year: T₀ − T₁ = L₀
        // (the rest of a stationary population's one death a year per
        // birth falls on the year's own births).
        assert!((path[0].deaths - big_l[0]).abs() < 1e-9, "{} vs {}", path[0].deaths, big_l[0]);
    }

    #[test]
    fn births_follow_the_fertility_rate_and_migrants_add_young_adults() {
        let d = DemographySpec { mortality_improvement: 0.0, net_migration: 0.0, ..Default::default() };
        let t = d.life_table();
        // 1,000 residents at every age: 500 women at each of the 35 ages of
        // the schedule have 500 × TFR children a year.
        let ages = vec![1000.0; AGES];
        let path = d.project(&t, &ages, 1);
        assert!((path[0].births - 500.0 * 1.44).abs() < 1e-9, "{}", path[0].births);
        let moved = DemographySpec { net_migration: 0.01, ..d.clone() }.project(&t, &ages, 1);
        let added: f64 = moved[1].ages.iter().sum::<f64>() - path[1].ages.iter().sum::<f64>();
        assert!((added - 0.01 * 91_000.0).abs() < 1e-6, "{added}");
        assert_eq!(bands(&moved[1].ages)[2], bands(&path[1].ages)[2], "migrants are not old");
    }
}
