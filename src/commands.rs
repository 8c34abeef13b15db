//! The subcommands, on validated settings.

use std::io::IsTerminal;

use anyhow::{Result, bail};

use ccsim::load::{self, DEFAULT_SCENARIO, Source};
use ccsim::model::{self, PRESETS, Regime, RegimeSpec};
use ccsim::{output, text};

use crate::cli::{CheckArgs, Command, Destination, RunSettings};

/// Runs one subcommand.
pub fn dispatch(command: Command) -> Result<()> {
    match command {
        Command::Run(args) => run(args.settings()?),
        Command::Check(args) => check(&args),
    }
}

fn run(s: RunSettings) -> Result<()> {
    let (mut scenario, source) = match &s.config {
        None => (load::builtin(DEFAULT_SCENARIO)?, Source::Builtin(DEFAULT_SCENARIO)),
        Some(path) => (load::from_file(path)?, Source::File(path.clone())),
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
        if let Err(problem) = change.parse(&scenario, "--set") {
            bail!("--set {flag}: {}", problem.message);
        }
        scenario.timeline.push(change.clone());
    }
    load::revalidate(&scenario, source)?;
    let result = model::run(&scenario, s.seed, s.timeseries);
    let bytes = output::to_json(&result)?;
    match &s.destination {
        Destination::Stdout => output::write_stdout(&bytes)?,
        Destination::File(path) => output::write_atomic(path, &bytes)?,
    }
    if std::io::stderr().is_terminal() {
        eprint!("{}", text::run_table(&result));
    }
    Ok(())
}

fn check(args: &CheckArgs) -> Result<()> {
    let scenario = load::from_file(&args.config)?;
    output::write_stdout(text::describe(&scenario).as_bytes())
}
