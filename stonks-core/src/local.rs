//! Local files a plugin reads (statements, ledgers), bounded like answers.
//!
//! A path in a configuration may name anything: a FIFO that blocks the
//! reader until someone writes, a device that never ends (`/dev/zero`), a
//! sparse file of gigabytes. [`open`] refuses whatever is not a regular
//! file *before* opening it (opening a FIFO alone would block), and
//! anything longer than its limit; the [`LocalFile`] it gives stops at the
//! limit even if the file grows, and stops at the caller's deadline
//! ([`crate::http::with_deadline`]), so a read running on a blocking thread
//! ends soon after the budget that started it instead of going on unseen.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use tokio::time::Instant;

use crate::error::{Error, Result};

/// The largest local file read unless a plugin says otherwise: years of a
/// busy account's Flex statements fit, a runaway file does not.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// A regular file opened for reading, bounded in size and time.
#[derive(Debug)]
pub struct LocalFile {
    file: io::Take<File>,
    max: u64,
    deadline: Option<Instant>,
    shown: String,
    stopped: Option<Stop>,
}

/// Opens `path` (shown in errors as `shown`) for reading at most `max`
/// bytes, refusing up front what is not a regular file or is longer than
/// `max`. The caller's deadline, if one is set, is carried into every read.
/// Errors are [`crate::ErrorKind::Config`]: the path is the user's to fix.
pub fn open(path: &Path, shown: &str, max: u64) -> Result<LocalFile> {
    // `metadata` follows a symlink to what it names; it never blocks on a
    // FIFO, as opening one would.
    let meta =
        std::fs::metadata(path).map_err(|e| Error::config(format!("cannot read {shown}: {e}")))?;
    regular_within(&meta, shown, max)?;
    let file =
        open_nonblocking(path).map_err(|e| Error::config(format!("cannot read {shown}: {e}")))?;
    // What was opened, not what the path named a moment ago: a path swapped
    // for a FIFO in between is refused here, and opening it did not block.
    let opened = file
        .metadata()
        .map_err(|e| Error::config(format!("cannot read {shown}: {e}")))?;
    regular_within(&opened, shown, max)?;
    Ok(LocalFile {
        // One byte past the limit, to tell "exactly max" from "longer".
        file: file.take(max.saturating_add(1)),
        max,
        deadline: crate::http::deadline(),
        shown: shown.to_owned(),
        stopped: None,
    })
}

/// The whole of `path`, at most `max` bytes (see [`open`]).
pub fn read(path: &Path, shown: &str, max: u64) -> Result<Vec<u8>> {
    let mut file = open(path, shown, max)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| file.error_of(&e))?;
    Ok(bytes)
}

/// `meta` is of a regular file of at most `max` bytes, else the error
/// saying what it is.
fn regular_within(meta: &std::fs::Metadata, shown: &str, max: u64) -> Result<()> {
    if !meta.is_file() {
        return Err(Error::config(format!(
            "cannot read {shown}: it is {}, not a regular file",
            kind_of(meta)
        )));
    }
    if meta.len() > max {
        return Err(too_long(shown, max, Some(meta.len())));
    }
    Ok(())
}

/// Opens for reading without waiting: a FIFO opened this way returns at
/// once (and is then refused), and no terminal becomes the controlling one.
/// For a regular file the flag changes nothing.
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

fn too_long(shown: &str, max: u64, len: Option<u64>) -> Error {
    let size = len.map_or_else(|| "longer".to_owned(), |n| format!("{n} bytes"));
    Error::config(format!(
        "cannot read {shown}: it is {size}, over the {max} bytes a file may have here"
    ))
}

#[cfg(unix)]
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Why a read of a [`LocalFile`] stopped, as its `io::Error` carries it.
#[derive(Debug, Clone, Copy)]
enum Stop {
    TooLong,
    Deadline,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::TooLong => f.write_str("the file grew past its limit while it was read"),
            Stop::Deadline => f.write_str("the time budget ran out while the file was read"),
        }
    }
}

impl std::error::Error for Stop {}

impl LocalFile {
    /// The typed error for an `io::Error` this file's reads gave (a parser
    /// reading through it hands it back, often wrapped in its own).
    pub fn error_of(&self, e: &io::Error) -> Error {
        self.stopped()
            .unwrap_or_else(|| Error::config(format!("cannot read {}: {e}", self.shown)))
    }

    /// Why reading stopped early (the limit, the deadline), if it did: for
    /// a parser that turned the read error into text of its own.
    pub fn stopped(&self) -> Option<Error> {
        Some(match self.stopped? {
            Stop::TooLong => too_long(&self.shown, self.max, None),
            Stop::Deadline => Error::new(
                crate::ErrorKind::Timeout,
                format!("reading {} stopped: the time budget ran out", self.shown),
            ),
        })
    }
}

impl Read for LocalFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(stop) = self.stopped {
            return Err(io::Error::other(stop));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.stopped = Some(Stop::Deadline);
            return Err(io::Error::other(Stop::Deadline));
        }
        let n = self.file.read(buf)?;
        if self.file.limit() == 0 {
            self.stopped = Some(Stop::TooLong);
            return Err(io::Error::other(Stop::TooLong));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_within_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(read(&p, "a.csv", 10).unwrap(), b"0123456789");
        let e = read(&p, "a.csv", 9).unwrap_err();
        assert_eq!(e.kind(), &crate::ErrorKind::Config);
        assert!(
            e.to_string()
                .contains("a.csv: it is 10 bytes, over the 9 bytes"),
            "{e}"
        );
    }

    #[test]
    fn a_file_that_grows_past_its_limit_while_read_stops_there() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("grows.xml");
        std::fs::write(&p, b"0123").unwrap();
        let mut f = open(&p, "grows.xml", 8).unwrap();
        std::fs::write(&p, b"0123456789abcdef").unwrap();
        let mut out = Vec::new();
        let e = f.read_to_end(&mut out).unwrap_err();
        assert!(out.len() <= 9, "{}", out.len());
        assert!(
            f.error_of(&e).to_string().contains("over the 8 bytes"),
            "{}",
            f.error_of(&e)
        );
    }

    #[cfg(unix)]
    #[test]
    fn fifos_devices_and_directories_are_refused_before_opening() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("statement.xml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening it would block forever: refused without opening.
            let e = open(&fifo, "statement.xml", 1 << 20).unwrap_err();
            assert!(
                e.to_string()
                    .contains("a FIFO (named pipe), not a regular file"),
                "{e}"
            );
        }
        let e = open(Path::new("/dev/zero"), "/dev/zero", 1 << 20).unwrap_err();
        assert!(
            e.to_string().contains("a device, not a regular file"),
            "{e}"
        );
        let e = open(dir.path(), "dir", 1 << 20).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }

    #[tokio::test]
    async fn a_read_stops_at_the_callers_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.xml");
        std::fs::write(&p, vec![b' '; 1 << 16]).unwrap();
        let past = Instant::now();
        let mut f =
            crate::http::with_deadline(past, async { open(&p, "big.xml", 1 << 20).unwrap() }).await;
        let mut buf = [0u8; 16];
        let e = f.read(&mut buf).unwrap_err();
        let err = f.error_of(&e);
        assert_eq!(err.kind(), &crate::ErrorKind::Timeout, "{err}");
        assert!(err.to_string().contains("reading big.xml stopped"), "{err}");
    }
}
