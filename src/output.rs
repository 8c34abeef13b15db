//! Writing results so that a file is either complete or absent.
//!
//! A result goes to a temporary file beside its destination, is flushed to
//! disk, and only then renamed over the destination: an interrupted or failed
//! run never leaves a partial result behind.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

/// Serialises `value` as pretty JSON followed by a newline.
pub fn to_json(value: &impl Serialize) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).context("cannot serialise the result")?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Serialises `value` as JSON on one line followed by a newline.
pub fn to_compact_json(value: &impl Serialize) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(value).context("cannot serialise the result")?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// A temporary file in `dir` that can be renamed into place, readable by
/// everyone like an ordinary new file (tempfile's default is owner-only).
pub fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".ccsim-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o644));
    }
    b.tempfile_in(dir)
}

/// Writes `bytes` to `path` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = temp_file_in(dir).with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot move the result into place at {}", path.display()))?;
    Ok(())
}

/// Writes `bytes` to standard output; a closed pipe (e.g. `| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.json");
        write_atomic(&path, b"first").expect("write");
        write_atomic(&path, b"second").expect("overwrite");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from("out.json")]);
    }

    #[test]
    fn a_missing_directory_is_an_error_that_names_it() {
        let err = write_atomic(Path::new("/nonexistent-ccsim-dir/out.json"), b"x").expect_err("no dir");
        assert!(format!("{err:#}").contains("/nonexistent-ccsim-dir"));
    }
}
