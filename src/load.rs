//! Reading scenarios: from a file, or from the set built into the binary.
//!
//! Errors name the file, the field path and what was expected, and carry
//! every validation problem at once, so a user fixes a scenario in one pass.

use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::input;
use crate::model::{Problem, Scenario};

/// Scenarios built into the binary, by name.
pub const BUILTIN: [(&str, &str); 3] = [
    ("cheshire-merseyside", include_str!("../configs/cheshire-merseyside.json")),
    ("west-mercia", include_str!("../configs/west-mercia.json")),
    ("duopoly", include_str!("../configs/duopoly.json")),
];

/// The scenario used when none is given.
pub const DEFAULT_SCENARIO: &str = "cheshire-merseyside";

/// Where a scenario came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A built-in scenario.
    Builtin(&'static str),
    /// A file.
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Builtin(name) => write!(f, "built-in scenario `{name}`"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{source_name}: {message}")]
    Io {
        /// The file.
        source_name: Source,
        /// Why it cannot be read.
        message: String,
    },
    /// The JSON is malformed or has a field of the wrong type or name.
    #[error("{source_name}: at `{path}`: {message}")]
    Parse {
        /// The file.
        source_name: Source,
        /// Field path (`.` for the document itself).
        path: String,
        /// What serde expected.
        message: String,
    },
    /// The scenario parsed but does not make sense.
    #[error("{source_name}: {} problem{}:\n{}", .problems.len(), if .problems.len() == 1 { "" } else { "s" }, list(.problems))]
    Invalid {
        /// The file.
        source_name: Source,
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// No built-in scenario of that name.
    #[error("no built-in scenario `{0}`; built-in scenarios: {names}", names = builtin_names())]
    UnknownBuiltin(String),
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
}

/// The built-in scenario names, comma-separated.
pub fn builtin_names() -> String {
    BUILTIN.iter().map(|b| b.0).collect::<Vec<_>>().join(", ")
}

/// Parses scenario JSON, tracking the field path of any error; arrays in
/// place of objects are refused.
pub fn parse(text: &str, source_name: &Source) -> Result<Scenario, LoadError> {
    // serde_json appends " at line L column C" to its messages; kept, it helps.
    input::parse_json(text).map_err(|(path, message)| LoadError::Parse {
        source_name: source_name.clone(),
        path,
        message,
    })
}

/// Parses and validates.
pub fn from_str(text: &str, source_name: Source) -> Result<Scenario, LoadError> {
    let scenario = parse(text, &source_name)?;
    scenario.validate().map_err(|problems| LoadError::Invalid { source_name, problems })?;
    Ok(scenario)
}

/// Reads, parses and validates a scenario file.
pub fn from_file(path: &Path) -> Result<Scenario, LoadError> {
    let source_name = Source::File(path.to_owned());
    let text = input::read_text(path, input::MAX_JSON_BYTES)
        .map_err(|message| LoadError::Io { source_name: source_name.clone(), message })?;
    from_str(&text, source_name)
}

/// A scenario from a path, or from the built-in set for `builtin:NAME`;
/// with where it came from, for messages.
pub fn from_path_or_builtin(path: &Path) -> Result<(Scenario, Source), LoadError> {
    match path.to_str().and_then(|p| p.strip_prefix("builtin:")) {
        Some(name) => {
            let (name, text) = builtin_text(name)?;
            Ok((from_str(text, Source::Builtin(name))?, Source::Builtin(name)))
        }
        None => Ok((from_file(path)?, Source::File(path.to_owned()))),
    }
}

/// The name and JSON text of a built-in scenario.
pub fn builtin_text(name: &str) -> Result<(&'static str, &'static str), LoadError> {
    BUILTIN.iter().find(|b| b.0 == name).copied().ok_or_else(|| LoadError::UnknownBuiltin(name.to_owned()))
}

/// A built-in scenario by name.
pub fn builtin(name: &str) -> Result<Scenario, LoadError> {
    let (name, text) = builtin_text(name)?;
    from_str(text, Source::Builtin(name))
}

/// Validates a scenario changed after loading (e.g. by command-line
/// overrides), attributing problems to where it came from.
pub fn revalidate(scenario: &Scenario, source_name: Source) -> Result<(), LoadError> {
    scenario.validate().map_err(|problems| LoadError::Invalid { source_name, problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_scenario_is_valid() {
        for (name, _) in BUILTIN {
            builtin(name).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn a_wrong_type_names_its_path() {
        let text = r#"{"name": "x", "localities": [], "services": {}, "providers": [{"id": "a", "kind": "dgh", "position": {"x": 0, "y": 0}, "cash": "lots"}]}"#;
        let e = from_str(text, Source::File("bad.json".into())).expect_err("wrong type");
        let msg = e.to_string();
        assert!(msg.starts_with("bad.json: at `providers[0].cash`: invalid type: string"), "{msg}");
    }

    #[test]
    fn an_unknown_field_names_its_path() {
        let text =
            r#"{"name": "x", "localities": [], "services": {"s": {"tariff": 1, "colour": "red"}}, "providers": []}"#;
        let msg = from_str(text, Source::File("bad.json".into())).expect_err("unknown").to_string();
        assert!(msg.contains("at `services.s.colour`: unknown field `colour`"), "{msg}");
    }
}
