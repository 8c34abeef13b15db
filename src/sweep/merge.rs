//! Combining shard directories into one sweep directory, identical to the
//! directory an unsharded sweep would have written (but for the times and
//! thread count in its manifest).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::SweepError;
use super::runner::{self, Manifest, read_manifest, write_manifest};
use super::summary::{self, RUNS};
use super::summary::{MANIFEST, SUMMARY};
use crate::outdir::{self, HeldDir};
use crate::tables::Format;

/// Merges `shards` into `out`. Refuses shards of different sweeps, runs
/// that appear twice, and runs that no shard holds; writes nothing then.
pub fn merge(shards: &[PathBuf], out: &Path, export: Option<Format>) -> Result<(), SweepError> {
    let Some(first) = shards.first() else {
        return Err(SweepError::dir(out, "no shard directories given"));
    };
    let manifests: Vec<Manifest> = shards.iter().map(|d| read_manifest(d)).collect::<Result<_, _>>()?;
    for (dir, m) in shards.iter().zip(&manifests).skip(1) {
        if !m.same_sweep(&manifests[0]) {
            return Err(SweepError::dir(
                dir,
                format!("holds a different sweep from {} (spec, scenario or version differ)", first.display()),
            ));
        }
    }
    let refuse = || SweepError::dir(out, "the output directory exists and is not empty");
    if !outdir::is_vacant(out)? {
        return Err(refuse());
    }
    let sources: Vec<PathBuf> = shards.iter().map(|d| d.join(RUNS)).collect();
    let mut entries = Vec::new();
    for (i, path) in sources.iter().enumerate() {
        let scan = summary::scan(path, i as u32)?;
        if scan.truncated_tail {
            return Err(SweepError::dir(
                &shards[i],
                "its runs file ends in a partial run; finish the shard with --resume first",
            ));
        }
        entries.extend(scan.entries);
    }
    entries.sort();
    let total = manifests[0].total_runs;
    let mut seen: BTreeMap<u64, u32> = BTreeMap::new();
    for e in &entries {
        if let Some(other) = seen.insert(e.run, e.file) {
            return Err(SweepError::dir(
                out,
                format!(
                    "run {} appears in both {} and {}: the shards overlap",
                    e.run,
                    shards[other as usize].display(),
                    shards[e.file as usize].display()
                ),
            ));
        }
        if e.run >= total {
            return Err(SweepError::dir(
                &shards[e.file as usize],
                format!("run {} is beyond the sweep's {total} runs", e.run),
            ));
        }
    }
    let missing = total - entries.len() as u64;
    if missing > 0 {
        let first_missing = (0..total).find(|r| !seen.contains_key(r)).expect("some run is missing");
        return Err(SweepError::dir(
            out,
            format!("{missing} of {total} runs are in none of the shards (the first is run {first_missing})"),
        ));
    }
    let held = HeldDir::take(out)?;
    if !held.is_empty()? {
        return Err(refuse());
    }
    held.clear_temporaries()?;
    held.check_regular(&[MANIFEST, RUNS, SUMMARY])?;
    summary::write_sorted(&sources, &entries, &out.join(RUNS))?;
    let layout = manifests[0].layout.clone();
    runner::finish(out, true, &layout, export)?;
    let mut m = manifests[0].clone();
    m.shard = None;
    m.threads = manifests.iter().map(|m| m.threads).max().unwrap_or(1);
    m.started = manifests.iter().map(|m| m.started.clone()).min().unwrap_or_default();
    m.finished = Some(runner::now());
    m.resumed = Vec::new();
    m.merged_from = shards.iter().map(|d| d.display().to_string()).collect();
    write_manifest(out, &m)
}
