//! The subcommands, on validated settings.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use rayon::prelude::*;

use ccsim::load::{self, DEFAULT_SCENARIO, Source};
use ccsim::model::{self, PRESETS, Regime, RegimeSpec, configuration};
use ccsim::sweep::merge as sweep_merge;
use ccsim::sweep::plan as sweep_plan;
use ccsim::sweep::runner::{self, Shard};
use ccsim::sweep::spec;
use ccsim::{import, output, report, text, validate};

use crate::cli::{
    BuildArgs, CalibrateArgs, CheckArgs, Command, ConfigureArgs, Destination, DiscoverArgs, ExplainArgs, ExportArgs,
    ExportFormat, ExportTable, MergeArgs, ReportArgs, ReportFormat, RerunArgs, RunSettings, ScenarioCommand,
    SearchArgs, SensitivityArgs, SweepArgs, TableFormat, ValidateArgs,
};

/// Runs one subcommand; the exit code for success or a failed validation.
pub fn dispatch(command: Command) -> Result<ExitCode> {
    match command {
        Command::Run(args) => run(args.settings()?),
        Command::Check(args) => check(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Merge(args) => merge(&args),
        Command::Validate(args) => return validate(&args),
        Command::Report(args) => report(&args),
        Command::Sensitivity(args) => sensitivity(&args),
        Command::Scenario(ScenarioCommand::Build(args)) => scenario_build(&args),
        Command::Scenario(ScenarioCommand::Configure(args)) => scenario_configure(&args),
        Command::Search(args) => search(&args),
        Command::Export(args) => export(&args),
        Command::Rerun(args) => rerun(&args),
        Command::Discover(args) => discover(&args),
        Command::Explain(args) => explain(&args),
        Command::Calibrate(args) => calibrate(&args),
    }
    .map(|()| ExitCode::SUCCESS)
}

fn threads(jobs: Option<usize>) -> Result<usize> {
    match jobs {
        Some(0) => bail!("-j: expected at least 1 thread, found 0"),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
    }
}

/// A bar per generation of a calibration, on standard error.
struct Generations(indicatif::ProgressBar);

impl ccsim::calibrate::runner::Progress for Generations {
    fn generation(&self, generation: u32, to_run: u64, recorded: u64) {
        self.0.set_message(format!("generation {generation}"));
        self.0.set_length(to_run + recorded);
        self.0.set_position(recorded);
        self.0.reset_eta();
    }

    fn tick(&self) {
        self.0.inc(1);
    }
}

fn calibrate(args: &CalibrateArgs) -> Result<()> {
    use ccsim::calibrate::{abc::Stop, runner as calibration, spec as calibration_spec};
    let threads = threads(args.jobs)?;
    let cal = calibration_spec::load(&args.spec).map_err(|e| anyhow!(e))?;
    let hint = format!(
        "interrupted: the simulated points are kept in {}; continue with `ccsim calibrate {} --out {} --resume`",
        args.out.display(),
        args.spec.display(),
        args.out.display()
    );
    ctrlc::set_handler(move || {
        eprintln!("\n{hint}");
        std::process::exit(130);
    })
    .map_err(|e| anyhow!("cannot watch for Ctrl-C: {e}"))?;
    let options = calibration::Options { threads, resume: args.resume };
    let outcome = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template("{msg:14} {bar:40} {pos}/{len} points  {per_sec}  ETA {eta}")
                .expect("the template is valid"),
        );
        let bar = Generations(bar);
        let outcome = calibration::run(&cal, &args.out, options, &bar).map_err(|e| anyhow!(e))?;
        bar.0.finish_and_clear();
        outcome
    } else {
        calibration::run(&cal, &args.out, options, &()).map_err(|e| anyhow!(e))?
    };
    if !args.quiet {
        eprintln!(
            "{} generations, last tolerance {:.4} ({}); {} points simulated now, {} already recorded; posterior and calibrated scenario in {}",
            outcome.generations,
            outcome.tolerance,
            match outcome.stop {
                Stop::Acceptance => "acceptance fell below the minimum",
                Stop::Generations => "generation cap reached",
            },
            text::thousands(outcome.ran),
            text::thousands(outcome.recorded),
            args.out.display()
        );
    }
    Ok(())
}

fn explain(args: &ExplainArgs) -> Result<()> {
    let (mut scenario, source) = match &args.config {
        None => (load::builtin(DEFAULT_SCENARIO)?, Source::Builtin(DEFAULT_SCENARIO)),
        Some(path) => load::from_path_or_builtin(path)?,
    };
    if let Some(y) = args.years {
        scenario.time.horizon_weeks = crate::cli::horizon_weeks(y)?;
    }
    crate::cli::check_seed(args.seed)?;
    load::revalidate(&scenario, source)?;
    let request = ccsim::explain::Request {
        scenario,
        from: args.from.clone(),
        to: args.to.clone(),
        seeds: args.seeds,
        seed: args.seed,
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads(args.jobs)?).build()?;
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {per_sec}, ETA {eta}")
                .expect("a valid template"),
        );
        bar
    });
    let result = pool.install(|| {
        ccsim::explain::explain(
            &request,
            |runs| {
                if let Some(b) = &bar {
                    b.set_length(runs);
                }
            },
            || {
                if let Some(b) = &bar {
                    b.inc(1);
                }
            },
        )
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let result = result?;
    if let Some(path) = &args.json {
        output::write_result(path, &output::to_json(&result)?)?;
        if path.as_os_str() == "-" {
            return Ok(());
        }
    }
    output::write_stdout(text::explanation(&result).as_bytes())
}

fn validate(args: &ValidateArgs) -> Result<ExitCode> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads(args.jobs)?).build()?;
    if let (Some(flows), Some(beds)) = (&args.catchments, &args.beds) {
        return pool.install(|| validate_catchments(args, flows, beds));
    }
    let settings = validate::Settings { quick: args.quick };
    let results = pool.install(|| validate::suite(settings));
    if let Some(path) = &args.json {
        output::write_result(path, &output::to_json(&results)?)?;
    }
    let passed = if validate::passed(&results) { ExitCode::SUCCESS } else { ExitCode::from(1) };
    if args.json.as_ref().is_some_and(|p| p.as_os_str() == "-") {
        return Ok(passed);
    }
    let table = match args.format {
        TableFormat::Text => text::validation_table(&results),
        TableFormat::Markdown => text::validation_markdown(&results),
    };
    output::write_stdout(table.as_bytes())?;
    Ok(passed)
}

/// `ccsim validate --catchments`: simulated against real catchments.
fn validate_catchments(args: &ValidateArgs, flows: &Path, beds: &Path) -> Result<ExitCode> {
    use ccsim::validate::catchments;
    let observed = ccsim::import::catchments::Observed::read(flows)?;
    let beds = ccsim::import::catchments::first_year_beds(beds)?;
    let paths: Vec<PathBuf> = if args.scenarios.is_empty() {
        ["builtin:cheshire-merseyside", "builtin:west-mercia"].iter().map(PathBuf::from).collect()
    } else {
        args.scenarios.clone()
    };
    let scenarios: Vec<ccsim::model::Scenario> =
        paths.iter().map(|p| load::from_path_or_builtin(p).map(|(s, _)| s)).collect::<Result<_, _>>()?;
    let prepared: Vec<catchments::Prepared> =
        scenarios.par_iter().map(|s| catchments::prepare(s, &observed, &beds)).collect();
    let reports: Vec<catchments::ScenarioReport> =
        scenarios.par_iter().zip(prepared.par_iter()).map(|(s, p)| catchments::report(s, p)).collect();
    let fit = args.fit.then(|| catchments::fit_all(&prepared));
    let passed = reports.iter().all(|r| r.model < r.nearest);
    if let Some(path) = &args.json {
        output::write_result(path, &output::to_json(&serde_json::json!({"scenarios": reports, "fit": fit}))?)?;
        if path.as_os_str() == "-" {
            return Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
    }
    let table = text::catchments_table(&reports, fit.as_ref(), args.format == TableFormat::Markdown);
    output::write_stdout(table.as_bytes())?;
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// An indicatif bar on standard error.
struct Bar(indicatif::ProgressBar);

impl runner::Progress for Bar {
    fn start(&self, runs: u64) {
        // Adaptive rounds add runs: the total grows, the count goes on.
        self.0.set_length(self.0.position() + runs);
        self.0.reset_eta();
    }

    fn tick(&self) {
        self.0.inc(1);
    }
}

fn sweep(args: &SweepArgs) -> Result<()> {
    let shard = args.shard.as_deref().map(Shard::parse).transpose().map_err(|e| anyhow!("--shard: {e}"))?;
    let threads = threads(args.jobs)?;
    // Every point is built and checked before anything runs, on -j threads
    // (the runner starts its own).
    let plan =
        rayon::ThreadPoolBuilder::new().num_threads(threads).build()?.install(|| sweep_plan::load(&args.spec))?;
    if args.dry_run {
        let line = format!(
            "{}: {} points × {} replicates × {} arms = {} runs of {} (seed {})\n",
            args.spec.display(),
            text::thousands(plan.points() as u64),
            plan.spec.replicates,
            plan.arms.len(),
            text::thousands(plan.total_runs()),
            plan.bases.iter().map(|b| b.name.as_str()).collect::<Vec<_>>().join(", "),
            plan.spec.seed
        );
        return output::write_stdout(line.as_bytes());
    }
    let Some(out) = &args.out else { bail!("--out: give the output directory") };
    // Interrupted (Ctrl-C, or SIGTERM from a scheduler): every finished run
    // is already on disk, and --resume runs only what is missing.
    let hint = format!(
        "interrupted: the finished runs are kept in {}; continue with `ccsim sweep {} --out {} --resume`",
        out.display(),
        args.spec.display(),
        out.display()
    );
    ctrlc::set_handler(move || {
        eprintln!("\n{hint}");
        std::process::exit(130);
    })
    .map_err(|e| anyhow!("cannot watch for Ctrl-C: {e}"))?;
    if let (spec::Design::Sobol, Some(n)) = (plan.spec.design, plan.spec.samples)
        && !n.is_power_of_two()
    {
        eprintln!(
            "warning: {}: `samples` = {n} is not a power of two; a Sobol sequence is balanced only at powers of two (e.g. {}), so the indices converge more slowly",
            args.spec.display(),
            n.next_power_of_two()
        );
    }
    let adaptive = args
        .target_ci
        .as_deref()
        .map(|flag| runner::Adaptive::parse(flag, args.max_replicates.unwrap_or(8 * plan.spec.replicates.max(1))))
        .transpose()
        .map_err(|e| anyhow!("--target-ci: {e}"))?;
    if adaptive.is_none() && args.max_replicates.is_some() {
        bail!("--max-replicates: only with --target-ci");
    }
    let options =
        runner::Options { threads, resume: args.resume, shard, adaptive, export: args.export.map(Into::into) };
    let show = !args.quiet && std::io::stderr().is_terminal();
    let outcome = if show {
        let bar = indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}")
                .expect("the template is valid"),
        );
        let bar = Bar(bar);
        let outcome = runner::run(&plan, out, options, &bar)?;
        bar.0.finish_and_clear();
        outcome
    } else {
        runner::run(&plan, out, options, &())?
    };
    if !args.quiet {
        eprintln!(
            "{} runs in {} ({} run now, {} already done){}",
            text::thousands(outcome.owned),
            out.display(),
            text::thousands(outcome.ran),
            text::thousands(outcome.already_done),
            if outcome.summarised { "; summary written" } else { "; shard: merge the shards for a summary" }
        );
    }
    Ok(())
}

fn report(args: &ReportArgs) -> Result<()> {
    let input = report::load(&args.path)?;
    match args.format {
        ReportFormat::Md => output::write_stdout(report::markdown::render(&input).as_bytes()),
        ReportFormat::Html => {
            let out = args.out.clone().unwrap_or_else(|| {
                if args.path.is_dir() { args.path.join("report.html") } else { args.path.with_extension("html") }
            });
            let html = report::html::render(&input).map_err(|e| anyhow!("cannot draw the report: {e}"))?;
            output::write_result(&out, html.as_bytes())?;
            written(&out);
            Ok(())
        }
    }
}

fn sensitivity(args: &SensitivityArgs) -> Result<()> {
    let result = report::input::sensitivity(&args.dir, &args.metrics)?;
    if let Some(path) = &args.json {
        output::write_result(path, &output::to_json(&result)?)?;
        if path.as_os_str() == "-" {
            return Ok(());
        }
    }
    output::write_stdout(text::sensitivity_table(&result).as_bytes())
}

fn scenario_build(args: &BuildArgs) -> Result<()> {
    let area = match (&args.region, args.england) {
        (Some(region), _) => import::Area::Region(region.clone()),
        (None, true) => import::Area::England,
        (None, false) => import::Area::Districts(args.districts.iter().map(|c| c.trim().to_owned()).collect()),
    };
    let (base, base_label) = match &args.base {
        None => (None, "the built-in services and the scenario format's defaults".to_owned()),
        Some(name) => {
            let (text, label) = match name.strip_prefix("builtin:") {
                Some(b) => {
                    let (_, text) = load::builtin_text(b).map_err(|e| anyhow!("--base: {e}"))?;
                    (text.to_owned(), format!("the built-in scenario `{b}`"))
                }
                None => {
                    let text = ccsim::input::read_text(std::path::Path::new(name), ccsim::input::MAX_JSON_BYTES)
                        .map_err(|e| anyhow!("--base {name}: {e}"))?;
                    (text, format!("the base scenario {name}"))
                }
            };
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| anyhow!("--base {name}: not JSON: {e}"))?;
            (Some(value), label)
        }
    };
    let request = import::Request {
        inputs: import::Inputs {
            sites: args.sites.clone(),
            beds: args.beds.clone(),
            population: args.population.clone(),
            centroids: args.centroids.clone(),
            areas: args.areas.clone(),
            main_sites: args.main_sites.clone(),
            rtt: args.rtt.clone(),
            ae: args.ae.clone(),
            catchments: args.catchments.clone(),
            small_areas: args.small_areas.clone(),
            site_services: args.site_services.clone(),
            stroke_units: args.stroke_units.clone(),
            stroke_unit_sites: args.stroke_unit_sites.clone(),
            travel: args.travel.clone(),
        },
        area,
        level: args.geography.into(),
        base,
        base_label,
        name: args.name.clone(),
        shared_beds: !args.no_shared_beds,
        plan: args.plan.into(),
    };
    let built = import::build(&request)?;
    for note in &built.notes {
        eprintln!("note: {note}");
    }
    output::write_result(&args.out, built.json.as_bytes())
}

fn scenario_configure(args: &ConfigureArgs) -> Result<()> {
    let changes = args.changes()?;
    let (base, _) = load::from_path_or_builtin(&args.scenario)?;
    let (mut scenario, log) = configuration::configure(&base, &changes)
        .map_err(|e| anyhow!("{}: {e}; nothing written", args.scenario.display()))?;
    let flags: Vec<String> = changes.iter().map(configuration::Change::flag).collect();
    scenario.sources.push(format!(
        "Service configuration: `{}` with {} (ccsim scenario configure)",
        base.name,
        flags.join(" ")
    ));
    if let Some(name) = &args.name {
        scenario.name.clone_from(name);
        scenario.validate().map_err(|p| anyhow!("--name: {}", p[0]))?;
    }
    for line in &log {
        eprintln!("note: {line}");
    }
    let mut json = serde_json::to_string_pretty(&scenario)?;
    json.push('\n');
    output::write_result(&args.out, json.as_bytes())
}

fn search(args: &SearchArgs) -> Result<()> {
    let search = ccsim::sweep::search::load(&args.spec).map_err(anyhow::Error::msg)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads(args.jobs)?).build()?;
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(search.budget());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} configurations measured, ETA {eta}")
                .expect("a valid template"),
        );
        bar
    });
    let result = pool.install(|| {
        search.run(&|measured| {
            if let Some(b) = &bar {
                b.set_position(u64::from(measured));
            }
        })
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    output::write_result(&args.out, &output::to_json(&result)?)?;
    if args.out.as_os_str() != "-" && !args.quiet {
        eprintln!(
            "{} of {} configurations measured{}; {} on the front",
            result.measured,
            result.space,
            if result.converged { "" } else { " (budget reached before the search converged)" },
            result.front.len()
        );
    }
    Ok(())
}

fn merge(args: &MergeArgs) -> Result<()> {
    sweep_merge::merge(&args.shards, &args.out, args.export.map(Into::into))?;
    if std::io::stderr().is_terminal() {
        eprintln!("merged {} shard directories into {}", args.shards.len(), args.out.display());
    }
    Ok(())
}

fn run(s: RunSettings) -> Result<()> {
    let (mut scenario, source) = match &s.config {
        None => (load::builtin(DEFAULT_SCENARIO)?, Source::Builtin(DEFAULT_SCENARIO)),
        Some(path) => load::from_path_or_builtin(path)?,
    };
    if let Some(name) = &s.regime {
        if Regime::preset(name).is_none() {
            bail!("--regime: expected one of {}, found `{name}`", PRESETS.join(", "));
        }
        scenario.regime = RegimeSpec::Preset(name.clone());
    }
    if let Some(weeks) = s.horizon_weeks {
        scenario.time.horizon_weeks = weeks;
    }
    for (flag, change) in &s.changes {
        if let Err(problem) = change.parse(&scenario.names(), "--set") {
            bail!("--set {flag}: {}", problem.message);
        }
        scenario.timeline.push(change.clone());
    }
    load::revalidate(&scenario, source)?;
    let result = model::run(&scenario, s.seed, s.timeseries);
    if let Some(off) = result.summary.unbalanced() {
        bail!(
            "the run's books do not balance: {off}; nothing was written (a defect in ccsim: please report it with the scenario and seed {})",
            s.seed
        );
    }
    let bytes = if s.compact { output::to_compact_json(&result)? } else { output::to_json(&result)? };
    match &s.destination {
        Destination::Stdout => output::write_stdout(&bytes)?,
        Destination::File(path) => output::write_result(path, &bytes)?,
    }
    if std::io::stderr().is_terminal() {
        eprint!("{}", text::run_table(&result));
    }
    if let Destination::File(path) = &s.destination {
        written(path);
    }
    Ok(())
}

fn check(args: &CheckArgs) -> Result<()> {
    let (scenario, _) = load::from_path_or_builtin(&args.config)?;
    output::write_stdout(text::describe(&scenario).as_bytes())
}

fn export(args: &ExportArgs) -> Result<()> {
    use ccsim::sweep::tables::Table;
    use ccsim::tables::{self, Rows};
    let format = args.format.unwrap_or(match args.out.extension() {
        Some(e) if e == "parquet" => ExportFormat::Parquet,
        _ => ExportFormat::Csv,
    });
    let rows: Box<dyn Rows> = if args.path.is_dir() {
        let table = match args.table {
            ExportTable::Summary => Table::Summary,
            ExportTable::Runs => Table::Runs,
            ExportTable::Timeseries => Table::Timeseries,
            ExportTable::Providers => {
                bail!("--table providers: a sweep has no providers table (its tables: summary, runs, timeseries)")
            }
        };
        runner::open_table(&args.path, table)?
    } else {
        let run = tables::run::read(&args.path)?;
        match args.table {
            ExportTable::Summary => Box::new(tables::run::summary(&run)),
            ExportTable::Providers => Box::new(tables::run::providers(&run)),
            ExportTable::Timeseries if run.get("timeseries").is_none() => {
                bail!("--table timeseries: {} has no weekly series; run it with `--timeseries`", args.path.display())
            }
            ExportTable::Timeseries => Box::new(tables::run::timeseries(&run)?),
            ExportTable::Runs => {
                bail!("--table runs: a run's tables are summary, providers and timeseries (runs is a sweep's)")
            }
        }
    };
    output::write_result_with(&args.out, &mut |w| tables::write(rows.as_ref(), format.into(), w))?;
    written(&args.out);
    Ok(())
}

/// Names the file a command wrote, on a terminal.
fn written(path: &std::path::Path) {
    if std::io::stderr().is_terminal() && path.as_os_str() != "-" {
        eprintln!("written: {}", path.display());
    }
}

fn rerun(args: &RerunArgs) -> Result<()> {
    let manifest = runner::read_manifest(&args.dir)?;
    let mut plan =
        sweep_plan::replan(&manifest.spec, &manifest.bases).map_err(|e| anyhow!("{}: {e}", args.dir.display()))?;
    // Run ids count replicates up to the adaptive cap when there was one.
    plan.spec.replicates = manifest.layout.replicates;
    if args.run >= plan.total_runs() {
        bail!("run {}: the sweep in {} has runs 0 to {}", args.run, args.dir.display(), plan.total_runs() - 1);
    }
    if manifest.ccsim_version != ccsim::model::run::VERSION {
        eprintln!(
            "warning: the sweep was run by ccsim {} and this is {}: the result may differ",
            manifest.ccsim_version,
            ccsim::model::run::VERSION
        );
    }
    let (point, replicate, arm) = plan.decode(args.run);
    let seed = plan.seed_of(args.run);
    let (mut result, line) =
        runner::run_with_line(&plan, args.run, args.timeseries).map_err(|e| anyhow!("{}: {e}", args.dir.display()))?;
    let recorded = runner::recorded_line(&args.dir, args.run)?;
    if recorded.as_ref().is_some_and(|r| *r != line) {
        bail!(
            "run {} did not reproduce: its line differs from the one in {}; nothing was written",
            args.run,
            args.dir.join("runs.jsonl").display()
        );
    }
    if !args.timeseries {
        result.timeseries = None;
    }
    let bytes = if args.compact { output::to_compact_json(&result)? } else { output::to_json(&result)? };
    let out = args.out.clone().unwrap_or_else(|| "-".into());
    output::write_result(&out, &bytes)?;
    if std::io::stderr().is_terminal() {
        eprintln!(
            "run {} (point {point}, replicate {replicate}, arm {}, seed {seed}){}",
            args.run,
            plan.arms[arm].name,
            if recorded.is_some() { ": identical to its line in runs.jsonl" } else { ": not in runs.jsonl yet" }
        );
    }
    written(&out);
    Ok(())
}

fn discover(args: &DiscoverArgs) -> Result<()> {
    use ccsim::sweep::discover::{self, Condition, Settings};
    let condition = Condition::parse(&args.condition).map_err(|e| anyhow!("--where: {e}"))?;
    for (flag, v) in [("--alpha", args.alpha), ("--min-coverage", args.min_coverage)] {
        if !(v > 0.0 && v < 1.0) {
            bail!("{flag}: expected a share between 0 and 1 (exclusive), found {v}");
        }
    }
    let settings = Settings { alpha: args.alpha, min_coverage: args.min_coverage, ..Settings::default() };
    let (target, metric) = match args.metric.rsplit_once(':') {
        Some((t, m)) => (Some(t.trim()), m.trim()),
        None => (None, args.metric.trim()),
    };
    let sweep = report::input::finished_sweep(&args.dir)?;
    let spec: spec::SweepSpec = serde_json::from_value(sweep.manifest.spec.clone())
        .map_err(|e| anyhow!("{}: the spec in manifest.json is unreadable: {e}", args.dir.display()))?;
    let found = discover::in_sweep(&spec, &sweep.summary, target, metric, condition, settings)
        .map_err(|e| anyhow!("{}: {e}", args.dir.display()))?;
    if let Some(path) = &args.json {
        output::write_result(path, &output::to_json(&found)?)?;
        if path.as_os_str() == "-" {
            return Ok(());
        }
    }
    if let Some(path) = &args.report {
        let html = report::html::discovery_page(&found).map_err(|e| anyhow!("cannot draw the report: {e}"))?;
        output::write_result(path, html.as_bytes())?;
        written(path);
    }
    output::write_stdout(text::discovery_table(&found).as_bytes())
}
