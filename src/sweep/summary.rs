//! The files of a sweep directory and the summary computed from them.
//!
//! `runs.jsonl` holds one line per run. Finishing a directory sorts those
//! lines by run id through an index of byte offsets (so only the index, not
//! the runs, is in memory) and computes `summary.json` point by point (in
//! parallel, each point's runs read in replicate order), so memory does not
//! grow with the number of runs and the bits do not depend on the order runs
//! finished in or on the thread count.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SweepError;
use super::stats::{Accumulator, Stat, flatten};

/// The runs file of a sweep directory.
pub const RUNS: &str = "runs.jsonl";
/// The summary file.
pub const SUMMARY: &str = "summary.json";
/// The manifest file.
pub const MANIFEST: &str = "manifest.json";

/// One run, as a line of `runs.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunLine {
    /// Run id: (point × replicates + replicate) × arms + arm.
    pub run: u64,
    /// Design point.
    pub point: usize,
    /// Replicate.
    pub replicate: u32,
    /// Regime arm name.
    pub arm: String,
    /// Parameter values of the point, by path.
    pub parameters: BTreeMap<String, Value>,
    /// The run's seed.
    pub seed: u64,
    /// The run summary (as in `ccsim run`'s `summary`).
    pub summary: Value,
    // A line may also hold `timeseries`: the weekly series the spec asked
    // for, as in `ccsim run --timeseries` (read by `super::tables`).
}

#[derive(Deserialize)]
struct RunId {
    run: u64,
}

/// How the runs of a sweep are laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Design points.
    pub points: usize,
    /// Replicates per point.
    pub replicates: u32,
    /// Arm names, in run order.
    pub arms: Vec<String>,
    /// Parameter paths.
    pub parameters: Vec<String>,
    /// Metric prefixes to summarise (all when absent).
    pub metrics: Option<Vec<String>>,
    /// Weekly series each run records (none when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeseries: Option<Vec<String>>,
    /// Whether the points are draws from a posterior (the summary then
    /// also spreads each measure over them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub posterior: bool,
    /// The service configurations compared, `current` first (none when the
    /// sweep compares none): points run scenario × configuration × design row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<String>,
    /// Design rows per configuration (with `configurations`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Layout {
    /// Runs in the whole sweep.
    pub fn total_runs(&self) -> u64 {
        self.points as u64 * u64::from(self.replicates) * self.arms.len() as u64
    }

    /// The run id of (point, replicate, arm).
    pub fn run_id(&self, point: usize, replicate: u32, arm: usize) -> u64 {
        (point as u64 * u64::from(self.replicates) + u64::from(replicate)) * self.arms.len() as u64 + arm as u64
    }

    /// The point with the same scenario and design row under `current`,
    /// when `point` is under another configuration.
    pub fn current_of(&self, point: usize) -> Option<usize> {
        if self.configurations.is_empty() || self.rows == 0 {
            return None;
        }
        let c = point % (self.rows * self.configurations.len()) / self.rows;
        (c > 0).then(|| point - c * self.rows)
    }
}

/// Where one run's line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Run id.
    pub run: u64,
    /// Byte offset of the line.
    pub offset: u64,
    /// Which file (the `file` given to [`scan`]).
    pub file: u32,
    /// Length of the line, newline included.
    pub len: u32,
}

/// What scanning a runs file found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every complete line.
    pub entries: Vec<Entry>,
    /// Bytes of complete lines (where a truncated tail starts).
    pub good_len: u64,
    /// Whether the file ended in a partial or unreadable line.
    pub truncated_tail: bool,
}

/// Reads the run ids and offsets of a runs file. A partial or unreadable
/// last line (a write cut short) is reported, not an error; an unreadable
/// line before the end is.
pub fn scan(path: &Path, file: u32) -> Result<Scan, SweepError> {
    let mut scan = Scan::default();
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(scan),
        Err(e) => return Err(SweepError::io(path)(e)),
    };
    let mut reader = BufReader::new(f);
    let mut line = Vec::new();
    let mut offset = 0u64;
    let mut bad_line: Option<u64> = None;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(SweepError::io(path))? as u64;
        if n == 0 {
            break;
        }
        if let Some(at) = bad_line {
            return Err(SweepError::dir(
                path.parent().unwrap_or(Path::new(".")),
                format!("{}: line at byte {at} is not a complete run record", path.display()),
            ));
        }
        let complete = line.last() == Some(&b'\n');
        match run_id_of(&line) {
            Some(run) if complete => {
                let len = u32::try_from(n).map_err(|_| {
                    SweepError::dir(
                        path.parent().unwrap_or(Path::new(".")),
                        format!("{}: a line of {n} bytes", path.display()),
                    )
                })?;
                scan.entries.push(Entry { run, offset, file, len });
                scan.good_len = offset + n;
            }
            _ => bad_line = Some(offset),
        }
        offset += n;
    }
    scan.truncated_tail = bad_line.is_some();
    Ok(scan)
}

/// The run id of a line: read straight from the `{"run":N,` that every line
/// starts with, else by parsing the line.
fn run_id_of(line: &[u8]) -> Option<u64> {
    const PREFIX: &[u8] = b"{\"run\":";
    if let Some(rest) = line.strip_prefix(PREFIX) {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && rest.get(digits) == Some(&b',') {
            return std::str::from_utf8(&rest[..digits]).ok()?.parse().ok();
        }
    }
    serde_json::from_slice::<RunId>(line).ok().map(|id| id.run)
}

/// Opens the line of `entry` among `files`.
fn read_line(files: &mut [File], paths: &[PathBuf], e: &Entry, buf: &mut Vec<u8>) -> Result<(), SweepError> {
    let (f, path) = (&mut files[e.file as usize], &paths[e.file as usize]);
    f.seek(SeekFrom::Start(e.offset)).map_err(SweepError::io(path))?;
    buf.resize(e.len as usize, 0);
    f.read_exact(buf).map_err(SweepError::io(path))
}

/// Writes the lines of `entries` (already in run order) from `sources` to `out`.
pub fn write_sorted(sources: &[PathBuf], entries: &[Entry], out: &Path) -> Result<(), SweepError> {
    let mut files: Vec<File> =
        sources.iter().map(|p| File::open(p).map_err(SweepError::io(p))).collect::<Result<_, _>>()?;
    let dir = out.parent().unwrap_or(Path::new("."));
    let tmp = crate::output::temp_file_in(dir).map_err(SweepError::io(dir))?;
    let mut w = BufWriter::new(tmp);
    let mut buf = Vec::new();
    for e in entries {
        read_line(&mut files, sources, e, &mut buf)?;
        w.write_all(&buf).map_err(SweepError::io(out))?;
    }
    let tmp = w.into_inner().map_err(|e| SweepError::io(out)(e.into_error()))?;
    tmp.as_file().sync_all().map_err(SweepError::io(out))?;
    tmp.persist(out).map_err(|e| SweepError::io(out)(e.error))?;
    Ok(())
}

/// Statistics of one arm at one point.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArmSummary {
    /// Runs of the arm at the point.
    pub runs: u64,
    /// Every metric.
    pub metrics: BTreeMap<String, Stat>,
}

/// One design point.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointSummary {
    /// Point index.
    pub point: usize,
    /// Replicates the point took (fewer than the layout's under adaptive replication).
    #[serde(default)]
    pub replicates: u32,
    /// Parameter values.
    pub parameters: BTreeMap<String, Value>,
    /// By arm name.
    pub arms: BTreeMap<String, ArmSummary>,
    /// Paired differences (same seed) of each arm against the first, keyed
    /// `"<arm> - <first arm>"`.
    pub differences: BTreeMap<String, ArmSummary>,
    /// Under a configuration other than `current`: paired differences (same
    /// seeds, same arm) of each arm against the `current` configuration at
    /// the same scenario and design row, keyed `"<arm>"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub against_current: BTreeMap<String, ArmSummary>,
}

/// `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepSummary {
    /// Version of ccsim.
    pub ccsim_version: String,
    /// Runs summarised.
    pub runs: u64,
    /// Layout.
    pub layout: Layout,
    /// By point.
    pub points: Vec<PointSummary>,
    /// A posterior design's measures over its points (parameter uncertainty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<PosteriorSummary>,
}

fn parse_line(buf: &[u8], path: &Path) -> Result<RunLine, SweepError> {
    serde_json::from_slice(buf).map_err(|e| {
        SweepError::dir(path.parent().unwrap_or(Path::new(".")), format!("{}: unreadable run: {e}", path.display()))
    })
}

type Flat = BTreeMap<String, f64>;

/// One point's summary, reading its runs (in replicate order) from `file`;
/// `None` when none of its runs is there.
fn summarise_point(
    file: &mut File,
    runs: &Path,
    index: &[Option<Entry>],
    layout: &Layout,
    point: usize,
) -> Result<Option<PointSummary>, SweepError> {
    let arms = layout.arms.len();
    let prefixes = layout.metrics.as_deref();
    let mut per_arm: Vec<BTreeMap<String, Accumulator>> = vec![BTreeMap::new(); arms];
    let mut diffs: Vec<BTreeMap<String, Accumulator>> = vec![BTreeMap::new(); arms];
    let mut counts = vec![0u64; arms];
    let mut parameters = None;
    let mut buf = Vec::new();
    let current = layout.current_of(point);
    let mut against: Vec<BTreeMap<String, Accumulator>> = vec![BTreeMap::new(); arms];
    let mut paired = vec![0u64; arms];
    let mut flats: Vec<Option<Flat>> = Vec::with_capacity(arms);
    for r in 0..layout.replicates {
        flats.clear();
        for (a, count) in counts.iter_mut().enumerate() {
            let Some(line) = read_run(file, runs, index, layout.run_id(point, r, a), &mut buf)? else {
                flats.push(None);
                continue;
            };
            flats.push(Some(flatten(&line.summary, prefixes)));
            parameters.get_or_insert(line.parameters);
            *count += 1;
        }
        for a in 0..arms {
            let Some(flat) = &flats[a] else { continue };
            for (k, &x) in flat {
                per_arm[a].entry(k.clone()).or_default().add(x);
                if a > 0
                    && let Some(&base) = flats[0].as_ref().and_then(|f| f.get(k))
                {
                    diffs[a].entry(k.clone()).or_default().add(x - base);
                }
            }
            let Some(c) = current else { continue };
            let Some(line) = read_run(file, runs, index, layout.run_id(c, r, a), &mut buf)? else { continue };
            let reference = flatten(&line.summary, prefixes);
            paired[a] += 1;
            for (k, &x) in flat {
                if let Some(&base) = reference.get(k) {
                    against[a].entry(k.clone()).or_default().add(x - base);
                }
            }
        }
    }
    let Some(parameters) = parameters else { return Ok(None) };
    let stats = |m: &BTreeMap<String, Accumulator>, runs: u64| ArmSummary {
        runs,
        metrics: m.iter().map(|(k, acc)| (k.clone(), acc.stat())).collect(),
    };
    Ok(Some(PointSummary {
        point,
        replicates: counts.iter().copied().max().unwrap_or(0) as u32,
        parameters,
        arms: (0..arms).map(|a| (layout.arms[a].clone(), stats(&per_arm[a], counts[a]))).collect(),
        differences: (1..arms)
            .map(|a| (format!("{} - {}", layout.arms[a], layout.arms[0]), stats(&diffs[a], counts[a].min(counts[0]))))
            .collect(),
        against_current: (0..arms)
            .filter(|_| current.is_some())
            .map(|a| (layout.arms[a].clone(), stats(&against[a], paired[a])))
            .collect(),
    }))
}

/// Run `run`'s line, when `index` has it.
fn read_run(
    file: &mut File,
    runs: &Path,
    index: &[Option<Entry>],
    run: u64,
    buf: &mut Vec<u8>,
) -> Result<Option<RunLine>, SweepError> {
    let Some(e) = index[run as usize] else { return Ok(None) };
    file.seek(SeekFrom::Start(e.offset)).map_err(SweepError::io(runs))?;
    buf.resize(e.len as usize, 0);
    file.read_exact(buf).map_err(SweepError::io(runs))?;
    parse_line(buf, runs).map(Some)
}

/// The summary of the runs in `index` (by run id), points in parallel on
/// the current rayon pool; points without runs are left out.
fn summarise_index(runs: &Path, index: &[Option<Entry>], layout: &Layout) -> Result<SweepSummary, SweepError> {
    use rayon::prelude::*;
    let dir = runs.parent().unwrap_or(Path::new("."));
    let points = (0..layout.points)
        .into_par_iter()
        .map_init(
            || File::open(runs).map_err(SweepError::io(runs)),
            |file, point| match file {
                Ok(f) => summarise_point(f, runs, index, layout, point),
                Err(e) => Err(SweepError::dir(dir, e.to_string())),
            },
        )
        .collect::<Result<Vec<_>, _>>()?;
    let points: Vec<PointSummary> = points.into_iter().flatten().collect();
    Ok(SweepSummary {
        ccsim_version: crate::model::run::VERSION.to_owned(),
        runs: index.iter().flatten().count() as u64,
        layout: layout.clone(),
        posterior: layout.posterior.then(|| summarise_posterior(&points)),
        points,
    })
}

/// Computes the summary of a complete, sorted runs file.
pub fn summarise(runs: &Path, layout: &Layout) -> Result<SweepSummary, SweepError> {
    let scan = scan(runs, 0)?;
    let total = layout.total_runs();
    if scan.entries.len() as u64 != total || scan.entries.iter().enumerate().any(|(i, e)| e.run != i as u64) {
        return Err(SweepError::dir(
            runs.parent().unwrap_or(Path::new(".")),
            format!("{} does not hold exactly runs 0..{total} in order", runs.display()),
        ));
    }
    let index: Vec<Option<Entry>> = scan.entries.into_iter().map(Some).collect();
    summarise_index(runs, &index, layout)
}

/// The summary of the runs a file holds, which must be exactly one run of
/// each arm for the first `replicates[point]` replicates of every point
/// (adaptive replication).
pub fn summarise_adaptive(runs: &Path, layout: &Layout, replicates: &[u32]) -> Result<SweepSummary, SweepError> {
    let scan = scan(runs, 0)?;
    let mut index = vec![None; layout.total_runs() as usize];
    for e in scan.entries {
        index[e.run as usize] = Some(e);
    }
    for (point, &wanted) in replicates.iter().enumerate() {
        for r in 0..layout.replicates {
            for a in 0..layout.arms.len() {
                if index[layout.run_id(point, r, a) as usize].is_some() != (r < wanted) {
                    return Err(SweepError::dir(
                        runs.parent().unwrap_or(Path::new(".")),
                        format!("point {point} does not hold exactly its first {wanted} replicates"),
                    ));
                }
            }
        }
    }
    summarise_index(runs, &index, layout)
}

/// The summary of whatever complete runs a runs file holds (a sweep still
/// running, or stopped), with the number of runs missing. A partial last
/// line is ignored; a run that appears twice counts once.
pub fn summarise_partial(runs: &Path, layout: &Layout) -> Result<(SweepSummary, u64), SweepError> {
    let scan = scan(runs, 0)?;
    let total = layout.total_runs();
    let mut index = vec![None; total as usize];
    for e in scan.entries {
        if let Some(slot) = index.get_mut(e.run as usize).filter(|s| s.is_none()) {
            *slot = Some(e);
        }
    }
    let present = index.iter().flatten().count() as u64;
    Ok((summarise_index(runs, &index, layout)?, total - present))
}

/// A measure over a posterior design's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Points with a value.
    pub points: u64,
    /// Mean of the points' means.
    pub mean: f64,
    /// 2.5% and 97.5% of the points' means (linear interpolation between
    /// order statistics): parameter uncertainty, plus what seed noise
    /// remains in each point's mean.
    pub interval95: [f64; 2],
    /// Share of points whose mean is above zero (for a difference between
    /// arms: the posterior probability that the second arm's is higher).
    pub above_zero: f64,
}

/// `summary.json`'s `posterior`: each arm's and each paired difference's measures over the points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PosteriorSummary {
    /// By arm, by metric.
    pub arms: BTreeMap<String, BTreeMap<String, Spread>>,
    /// By difference (`"<arm> - <first arm>"`), by metric.
    pub differences: BTreeMap<String, BTreeMap<String, Spread>>,
}

/// The `q` quantile of sorted values (linear interpolation, R's type 7).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn spread(mut means: Vec<f64>) -> Spread {
    means.sort_by(f64::total_cmp);
    let n = means.len();
    Spread {
        points: n as u64,
        mean: means.iter().sum::<f64>() / n as f64,
        interval95: [quantile(&means, 0.025), quantile(&means, 0.975)],
        above_zero: means.iter().filter(|&&x| x > 0.0).count() as f64 / n as f64,
    }
}

/// Each named group's metrics spread over the points (`pick` gives a point's groups).
fn gather<'a>(
    points: &'a [PointSummary],
    pick: impl Fn(&'a PointSummary) -> &'a BTreeMap<String, ArmSummary>,
) -> BTreeMap<String, BTreeMap<String, Spread>> {
    let mut by: BTreeMap<String, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    for p in points {
        for (name, group) in pick(p) {
            for (k, stat) in &group.metrics {
                if stat.n > 0 && stat.mean.is_finite() {
                    by.entry(name.clone()).or_default().entry(k.clone()).or_default().push(stat.mean);
                }
            }
        }
    }
    by.into_iter().map(|(name, metrics)| (name, metrics.into_iter().map(|(k, v)| (k, spread(v))).collect())).collect()
}

/// The summary over a posterior design's points of their per-point
/// means: each measure's mean and 95% interval over the points, and for
/// paired differences between arms the share of points where it is above
/// zero.
pub fn summarise_posterior(points: &[PointSummary]) -> PosteriorSummary {
    PosteriorSummary { arms: gather(points, |p| &p.arms), differences: gather(points, |p| &p.differences) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_are_over_point_means() {
        let s = spread((1..=101).map(f64::from).rev().collect());
        assert_eq!(s.points, 101);
        assert_eq!(s.mean, 51.0);
        assert_eq!(s.interval95, [3.5, 98.5]);
        assert_eq!(s.above_zero, 1.0);
        assert_eq!(spread(vec![-1.0, 2.0, -3.0, 4.0]).above_zero, 0.5);
    }
}
