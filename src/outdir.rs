//! An output directory that exactly one process writes.
//!
//! Two processes appending to one sweep directory interleave and duplicate
//! its run lines, so every command that writes a directory (`sweep`, its
//! `--resume`, `merge`) first takes an exclusive advisory lock on
//! [`LOCK`] inside it and holds it until it exits. The lock is the kernel's
//! (`flock`): it goes away with the process however that ends, so a lock
//! left by a killed process is never stale. The file holds the holder's PID
//! for the message a second process gets; it is left in place (deleting it
//! would let a third process lock a fresh file while a second still holds
//! the deleted one).
//!
//! While it holds the lock, a process may also clear what an interrupted
//! one left: ccsim's temporary files (`.ccsim-*.tmp`), which are never a
//! result. A directory holding nothing else counts as empty.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// The lock file's name inside an output directory.
pub const LOCK: &str = ".ccsim.lock";

/// Why a directory could not be taken.
#[derive(Debug, Error)]
pub enum DirError {
    /// Another live process holds the directory.
    #[error(
        "{dir}: in use by another ccsim process{holder}; wait for it to finish or stop it (one writer per output directory)",
        dir = .dir.display(),
        holder = .pid.map(|p| format!(" (PID {p})")).unwrap_or_default()
    )]
    Busy {
        /// The directory.
        dir: PathBuf,
        /// The holder's process id, when it could be read.
        pid: Option<u32>,
    },
    /// A file or the directory could not be read, created or written.
    #[error("{path}: {error}", path = .path.display())]
    Io {
        /// What could not be used.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// Something in the directory is not what ccsim writes there.
    #[error("{path}: {message}", path = .path.display())]
    Unsafe {
        /// The entry.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DirError + '_ {
    move |error| DirError::Io { path: path.to_owned(), error }
}

/// An output directory held by this process until the value is dropped.
#[derive(Debug)]
pub struct HeldDir {
    dir: PathBuf,
    // Held open for the lock; closed (and so unlocked) on drop.
    _file: File,
}

impl HeldDir {
    /// Creates `dir` if needed and takes its lock, or says who holds it.
    pub fn take(dir: &Path) -> Result<HeldDir, DirError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(LOCK);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.file_type().is_file()) {
            return Err(DirError::Unsafe { path, message: "expected ccsim's lock file, found something else".into() });
        }
        let mut file =
            OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path).map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let pid = file.read_to_string(&mut text).ok().and_then(|_| text.trim().parse().ok());
                return Err(DirError::Busy { dir: dir.to_owned(), pid });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&path)(e)),
        }
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .map_err(io(&path))?;
        Ok(HeldDir { dir: dir.to_owned(), _file: file })
    }

    /// Whether the directory holds nothing but the lock and temporary files
    /// of interrupted ccsim processes.
    pub fn is_empty(&self) -> Result<bool, DirError> {
        is_vacant(&self.dir)
    }

    /// Removes temporary files that interrupted ccsim processes left (safe:
    /// this process holds the directory, so none is being written).
    pub fn clear_temporaries(&self) -> Result<(), DirError> {
        for entry in std::fs::read_dir(&self.dir).map_err(io(&self.dir))? {
            let entry = entry.map_err(io(&self.dir))?;
            if is_temporary(&entry.file_name().to_string_lossy()) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(io(&path))?;
            }
        }
        Ok(())
    }

    /// Refuses the named entries when they are links or not regular files:
    /// ccsim appends to and renames over these, and must not reach outside
    /// the directory through a link.
    pub fn check_regular(&self, names: &[&str]) -> Result<(), DirError> {
        for name in names {
            let path = self.dir.join(name);
            if let Ok(m) = std::fs::symlink_metadata(&path) {
                if m.file_type().is_symlink() {
                    return Err(DirError::Unsafe {
                        path,
                        message: "is a symbolic link; ccsim writes only regular files inside its output directory"
                            .into(),
                    });
                }
                if !m.file_type().is_file() {
                    return Err(DirError::Unsafe { path, message: "expected a regular file".into() });
                }
            }
        }
        Ok(())
    }
}

/// A ccsim temporary file (see [`crate::output::temp_file_in`]).
fn is_temporary(name: &str) -> bool {
    name.starts_with(".ccsim-") && name.ends_with(".tmp")
}

/// The lock or a temporary file: nothing a user or a later step reads.
fn is_own(name: &str) -> bool {
    name == LOCK || is_temporary(name)
}

/// Whether `dir` is missing, or holds nothing but ccsim's lock and temporary
/// files (checked without taking the lock).
pub fn is_vacant(dir: &Path) -> Result<bool, DirError> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(io(dir))?;
                if !is_own(&entry.file_name().to_string_lossy()) {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io(dir)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_holders_pid() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("out");
        let held = HeldDir::take(&dir).expect("first");
        let err = HeldDir::take(&dir).expect_err("second");
        let msg = err.to_string();
        assert!(msg.contains(&format!("PID {}", std::process::id())), "{msg}");
        assert!(msg.contains("in use by another ccsim process"), "{msg}");
        drop(held);
        HeldDir::take(&dir).expect("free again once the first lets go");
    }

    #[test]
    fn lock_and_temporaries_do_not_count_and_temporaries_are_cleared() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let held = HeldDir::take(tmp.path()).expect("take");
        std::fs::write(tmp.path().join(".ccsim-abc123.tmp"), b"partial").expect("write");
        assert!(held.is_empty().expect("list"));
        assert!(is_vacant(tmp.path()).expect("list"));
        held.clear_temporaries().expect("clear");
        assert!(!tmp.path().join(".ccsim-abc123.tmp").exists());
        std::fs::write(tmp.path().join("runs.jsonl"), b"").expect("write");
        assert!(!held.is_empty().expect("list"));
        assert!(!is_vacant(tmp.path()).expect("list"));
    }

    #[test]
    fn links_to_outside_are_refused() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let outside = tmp.path().join("elsewhere.txt");
        std::fs::write(&outside, b"keep").expect("write");
        let dir = tmp.path().join("out");
        let held = HeldDir::take(&dir).expect("take");
        std::os::unix::fs::symlink(&outside, dir.join("runs.jsonl")).expect("link");
        let err = held.check_regular(&["manifest.json", "runs.jsonl"]).expect_err("a link");
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
}
