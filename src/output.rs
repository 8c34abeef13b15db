//! Writing results so that a file is either complete or absent, and nothing
//! else is ever damaged.
//!
//! A result for a regular file (or a path that does not exist yet) goes to a
//! temporary file beside its destination, is flushed to disk, and only then
//! renamed over the destination: an interrupted or failed run never leaves a
//! partial result behind. A device or a named pipe (`/dev/null`, a FIFO) is
//! written to directly, never replaced; a symbolic link is refused rather
//! than followed or replaced; `-` is standard output.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
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

/// What is at an output path now.
enum Target {
    /// Nothing yet, or a regular file: replace it atomically.
    Replace,
    /// A device or named pipe: write to it, leave it in place.
    Stream,
}

fn target(path: &Path) -> Result<Target> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Replace),
        Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", path.display())),
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        bail!(
            "{} is a symbolic link: ccsim neither follows nor replaces links for its results; give the link's target, or another path",
            path.display()
        );
    }
    if kind.is_dir() {
        bail!("{} is a directory: expected a file path for the result", path.display());
    }
    Ok(if kind.is_file() { Target::Replace } else { Target::Stream })
}

/// Writes a result to `path`: standard output for `-`; atomically for a
/// regular file or a new path; straight into a device or named pipe; a
/// symbolic link or a directory is refused before anything is written.
pub fn write_result(path: &Path, bytes: &[u8]) -> Result<()> {
    write_result_with(path, &mut |w| w.write_all(bytes).map_err(anyhow::Error::from))
}

/// [`write_result`] for a result written piece by piece by `write`: to a
/// temporary file renamed into place only once `write` has succeeded, so
/// a failure part-way leaves nothing behind.
pub fn write_result_with(path: &Path, write: &mut dyn FnMut(&mut (dyn Write + Send)) -> Result<()>) -> Result<()> {
    let quiet_pipe = |r: Result<()>| match r {
        Err(e) if e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) => Ok(()),
        other => other,
    };
    if path.as_os_str() == "-" {
        let mut out = io::BufWriter::new(io::stdout());
        return quiet_pipe(write(&mut out).and_then(|()| out.flush().map_err(anyhow::Error::from)))
            .context("cannot write to standard output");
    }
    match target(path)? {
        Target::Replace => replace(path, write),
        Target::Stream => {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot open {} for writing", path.display()))?;
            let mut out = io::BufWriter::new(f);
            quiet_pipe(write(&mut out).and_then(|()| out.flush().map_err(anyhow::Error::from)))
                .with_context(|| format!("cannot write {}", path.display()))
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file, then rename). Only
/// for paths known to be regular files or absent (see [`write_result`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, &mut |w| w.write_all(bytes).map_err(anyhow::Error::from))
}

/// Writes through `write` into a temporary file beside `path`, flushes it to
/// disk and renames it over `path`.
fn replace(path: &Path, write: &mut dyn FnMut(&mut (dyn Write + Send)) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = temp_file_in(dir).with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let mut out = io::BufWriter::new(tmp);
    let written = write(&mut out).and_then(|()| {
        let tmp = out.into_inner().map_err(|e| e.into_error())?;
        tmp.as_file().sync_all()?;
        Ok(tmp)
    });
    let tmp = written.with_context(|| format!("cannot write {}", path.display()))?;
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
    fn a_named_pipe_is_written_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
        assert!(status.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).expect("read the pipe"))
        };
        write_result(&fifo, b"through the pipe").expect("write into the pipe");
        assert_eq!(reader.join().expect("reader"), b"through the pipe");
        let kind = std::fs::symlink_metadata(&fifo).expect("still there").file_type();
        assert!(kind.is_fifo(), "the FIFO is still a FIFO");
    }

    #[test]
    fn dev_null_stays_a_device() {
        use std::os::unix::fs::FileTypeExt;
        write_result(Path::new("/dev/null"), b"discarded").expect("write to /dev/null");
        assert!(std::fs::metadata("/dev/null").expect("exists").file_type().is_char_device());
    }

    #[test]
    fn a_symbolic_link_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("precious.txt");
        std::fs::write(&target, b"keep me").expect("write");
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let err = write_result(&link, b"x").expect_err("a link is refused");
        assert!(format!("{err:#}").contains("symbolic link"), "{err:#}");
        assert_eq!(std::fs::read(&target).expect("read"), b"keep me");
        assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    }

    #[test]
    fn a_missing_directory_is_an_error_that_names_it() {
        let err = write_atomic(Path::new("/nonexistent-ccsim-dir/out.json"), b"x").expect_err("no dir");
        assert!(format!("{err:#}").contains("/nonexistent-ccsim-dir"));
    }
}
