//! The service configurations of a sweep (`"configurations"` in a spec):
//! the scenario's own (`current`) first, then the listed ones, then every
//! subset of candidate sites, each as the changes `ccsim scenario
//! configure` would make.

use super::spec::{ConfigurationsSpec, SubsetsSpec};
use crate::model::configuration::Change;

/// The name of the scenario's own configuration.
pub const CURRENT: &str = "current";

/// Most configurations one sweep may compare.
pub const MAX_CONFIGURATIONS: u64 = 10_000;

/// One configuration: a name and the changes it makes, in the order they apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// Name in results.
    pub name: String,
    /// Where the spec gives it (`configurations.listed[2]`), for errors.
    pub origin: String,
    /// Opens, then moves, then closures.
    pub changes: Vec<Change>,
}

/// The configurations a spec names, `current` first; empty when it names none.
pub fn resolve(spec: Option<&ConfigurationsSpec>) -> Result<Vec<Configuration>, String> {
    let Some(spec) = spec else { return Ok(Vec::new()) };
    let mut out = vec![Configuration { name: CURRENT.into(), origin: "configurations".into(), changes: Vec::new() }];
    for (i, c) in spec.listed.iter().enumerate() {
        let origin = format!("configurations.listed[{i}]");
        if c.name.trim().is_empty() {
            return Err(format!("at `{origin}.name`: expected a name"));
        }
        let read = |field: &str, args: &[String], make: fn(&str) -> Result<Change, String>| {
            args.iter()
                .enumerate()
                .map(|(j, a)| make(a).map_err(|e| format!("at `{origin}.{field}[{j}]`: {e}")))
                .collect::<Result<Vec<_>, _>>()
        };
        let mut changes = read("open", &c.open, Change::open)?;
        changes.extend(read("move", &c.moves, Change::moving)?);
        changes.extend(read("close", &c.close, Change::close)?);
        if changes.is_empty() {
            return Err(format!("at `{origin}`: expected at least one change (`open`, `move` or `close`)"));
        }
        push(&mut out, Configuration { name: c.name.clone(), origin: origin.clone(), changes }, &origin)?;
    }
    if let Some(sub) = &spec.subsets {
        for c in subsets(sub)? {
            let origin = "configurations.subsets".to_owned();
            push(&mut out, c, &origin)?;
        }
    }
    if out.len() == 1 {
        return Err("at `configurations`: expected `listed` configurations or `subsets`".into());
    }
    Ok(out)
}

fn push(out: &mut Vec<Configuration>, c: Configuration, origin: &str) -> Result<(), String> {
    if out.iter().any(|x| x.name == c.name) {
        return Err(format!(
            "at `{origin}`: expected a unique configuration name, found `{}` twice (`current` is the scenario's own)",
            c.name
        ));
    }
    out.push(c);
    Ok(())
}

/// n choose k (k ≤ n), or `None` when it does not fit in a `u64`.
pub fn binomial(n: u64, k: u64) -> Option<u64> {
    let mut c: u64 = 1;
    for i in 0..k.min(n - k) {
        c = c.checked_mul(n - i)? / (i + 1);
    }
    Some(c)
}

/// Every subset of `keep` of the candidate sites, in lexicographic order of
/// the sites' positions in the list; each closes the sites it leaves out, or
/// lowers them (`others`), and closes there the services that go `with` it.
fn subsets(spec: &SubsetsSpec) -> Result<Vec<Configuration>, String> {
    let at = "at `configurations.subsets";
    let n = spec.sites.len();
    if n == 0 {
        return Err(format!("{at}.sites`: expected at least one candidate site"));
    }
    if let Some(i) = (1..n).find(|&i| spec.sites[..i].contains(&spec.sites[i])) {
        return Err(format!("{at}.sites[{i}]`: `{}` is listed twice", spec.sites[i]));
    }
    let keep = spec.keep as usize;
    if keep == 0 || keep >= n {
        return Err(format!(
            "{at}.keep`: expected from 1 to {} (fewer than the {n} candidate sites), found {keep}",
            n.saturating_sub(1)
        ));
    }
    if binomial(n as u64, keep as u64).is_none_or(|c| c > MAX_CONFIGURATIONS) {
        return Err(format!(
            "{at}.keep`: {keep} of {n} sites is more than the {MAX_CONFIGURATIONS} configurations one sweep may compare"
        ));
    }
    let mut out = Vec::new();
    let mut pick: Vec<usize> = (0..keep).collect();
    loop {
        let kept: Vec<&str> = pick.iter().map(|&i| spec.sites[i].as_str()).collect();
        let changes = (0..n)
            .filter(|i| !pick.contains(i))
            .flat_map(|i| spec.others.changes(&spec.sites[i], &spec.service, &spec.with))
            .collect();
        out.push(Configuration {
            name: format!("keep {}", kept.join("+")),
            origin: "configurations.subsets".into(),
            changes,
        });
        // The next combination in lexicographic order.
        let Some(i) = (0..keep).rev().find(|&i| pick[i] < n - keep + i) else { break };
        pick[i] += 1;
        for j in i + 1..keep {
            pick[j] = pick[j - 1] + 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::spec::{ConfigurationSpec, NotKept};

    fn sub(n: usize, keep: u32) -> SubsetsSpec {
        SubsetsSpec {
            service: "maternity".into(),
            sites: (0..n).map(|i| format!("S{i}")).collect(),
            keep,
            others: NotKept::Close,
            with: Vec::new(),
        }
    }

    #[test]
    fn the_places_not_kept_close_or_are_lowered_to_the_routine_level() {
        let closing =
            resolve(Some(&ConfigurationsSpec { listed: Vec::new(), subsets: Some(sub(4, 3)) })).expect("valid");
        assert_eq!(closing[1].changes, vec![Change::close("S3:maternity").expect("valid")]);
        let lowering = SubsetsSpec { others: NotKept::Lower, ..sub(4, 3) };
        let all = resolve(Some(&ConfigurationsSpec { listed: Vec::new(), subsets: Some(lowering) })).expect("valid");
        assert_eq!(all.len(), 5);
        assert_eq!(all[1].name, "keep S0+S1+S2");
        assert_eq!(all[1].changes, vec![Change::open("S3:maternity:routine").expect("valid")]);
        // A service that goes with it closes at each place not kept, closed or lowered.
        let with = vec!["emergency_gynaecology".to_owned()];
        for (others, first) in [(NotKept::Close, "S3:maternity"), (NotKept::Lower, "S3:maternity:routine")] {
            let spec = SubsetsSpec { others, with: with.clone(), ..sub(4, 3) };
            let all = resolve(Some(&ConfigurationsSpec { listed: Vec::new(), subsets: Some(spec) })).expect("valid");
            let main = if others == NotKept::Close { Change::close(first) } else { Change::open(first) };
            let expected = vec![main.expect("valid"), Change::close("S3:emergency_gynaecology").expect("valid")];
            assert_eq!(all[1].changes, expected);
            assert_eq!(all[4].name, "keep S1+S2+S3");
            assert_eq!(all[4].changes[1], Change::close("S0:emergency_gynaecology").expect("valid"));
        }
        // Read as written in a spec.
        let spec: SubsetsSpec = serde_json::from_value(serde_json::json!({
            "service": "maternity", "sites": ["A", "B"], "keep": 1, "others": "lower"
        }))
        .expect("parses");
        assert_eq!(spec.others, NotKept::Lower);
        let bad = serde_json::from_value::<SubsetsSpec>(serde_json::json!({
            "service": "maternity", "sites": ["A", "B"], "keep": 1, "others": "merge"
        }));
        assert!(bad.unwrap_err().to_string().contains("unknown variant `merge`"));
    }

    #[test]
    fn three_of_five_is_ten_subsets_after_current() {
        let all = resolve(Some(&ConfigurationsSpec { listed: Vec::new(), subsets: Some(sub(5, 3)) })).expect("valid");
        assert_eq!(all.len(), 11);
        assert_eq!(all[0].name, CURRENT);
        assert!(all[0].changes.is_empty());
        assert_eq!(all[1].name, "keep S0+S1+S2");
        assert_eq!(all[10].name, "keep S2+S3+S4");
        let mut names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 11);
        assert!(all[1..].iter().all(|c| c.changes.len() == 2));
        assert_eq!(binomial(5, 3), Some(10));
        assert_eq!(binomial(30, 15), Some(155_117_520));
        assert_eq!(binomial(200, 100), None);
    }

    #[test]
    fn bad_configurations_are_refused() {
        let e = resolve(Some(&ConfigurationsSpec { listed: Vec::new(), subsets: Some(sub(5, 5)) })).unwrap_err();
        assert!(e.contains("at `configurations.subsets.keep`: expected from 1 to 4"), "{e}");
        let e = resolve(Some(&ConfigurationsSpec { listed: Vec::new(), subsets: Some(sub(40, 20)) })).unwrap_err();
        assert!(e.contains("more than the 10000"), "{e}");
        let named = |name: &str, close: &str| ConfigurationSpec {
            name: name.into(),
            close: vec![close.into()],
            ..ConfigurationSpec::default()
        };
        let e =
            resolve(Some(&ConfigurationsSpec { listed: vec![named("current", "A:s")], subsets: None })).unwrap_err();
        assert!(e.contains("unique configuration name, found `current` twice"), "{e}");
        let e = resolve(Some(&ConfigurationsSpec { listed: vec![named("x", "A")], subsets: None })).unwrap_err();
        assert!(e.starts_with("at `configurations.listed[0].close[0]`: expected PLACE:SERVICE"), "{e}");
        let e = resolve(Some(&ConfigurationsSpec::default())).unwrap_err();
        assert!(e.contains("expected `listed` configurations or `subsets`"), "{e}");
    }
}
