//! The files in the mounted directory, through plain `std::fs`: on
//! wasm32-wasip2 a path under the mount goes to the host's preopen for it,
//! which keeps every call inside that directory.
//!
//! Each function takes a name already checked (`names::is_valid`), so
//! `dir.join(name)` is always a file directly in `dir`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::path::Path;

use futures_lite::stream;
use serde::Serialize;
use wstd::http::{Body, StatusCode};

use crate::error::ApiError;
use crate::names;

#[derive(Serialize)]
pub struct Listing {
    files: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    name: String,
    size: u64,
}

/// The regular files in `dir` a request can name, sorted by name: no
/// directories, no links, no hidden files (unfinished writes are hidden).
pub fn list(dir: &Path) -> Result<Listing, ApiError> {
    let fail = |error| failure(error, dir, Doing::Listing);
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(fail)? {
        let entry = match entry {
            Ok(entry) => entry,
            // Gone since the directory was read: a write's temporary file
            // renamed away, a file deleted. What is there is listed.
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(error) => return Err(fail(error)),
        };
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // The entry itself, not what a link points to; a file deleted since
        // the directory was read is left out.
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        if names::is_valid(&name) && metadata.is_file() {
            let size = metadata.len();
            files.push(Entry { name, size });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Listing { files })
}

/// The file's contents, read a piece at a time as the response is sent:
/// any size is served in a small, constant amount of memory.
pub fn read(dir: &Path, name: &str) -> Result<Body, ApiError> {
    let fail = |error| failure(error, dir, Doing::Reading(name));
    let file = File::open(dir.join(name)).map_err(fail)?;
    if !file.metadata().map_err(fail)?.is_file() {
        return Err(not_found(name));
    }
    Ok(Body::from_try_stream(stream::iter(Pieces(file))))
}

/// Writes `bytes` as `name`, atomically: whole into a hidden file beside
/// it, then renamed over it, so a reader gets the old file or the new one,
/// never part of one. Returns whether the file is new (the answer to two
/// writes of a new name at once may say so twice; the file is whole).
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<bool, ApiError> {
    let target = dir.join(name);
    // 64 random bits from wasi:random: a name no other write uses, in this
    // instance or any other running beside it.
    let mut random = [0; 8];
    wstd::rand::get_random_bytes(&mut random);
    let temp = dir.join(format!(".{name}.tmp.{:016x}", u64::from_le_bytes(random)));
    let existed = fs::symlink_metadata(&target).is_ok();
    let written = write_new(&temp, bytes).and_then(|()| fs::rename(&temp, &target));
    if let Err(error) = written {
        // Whatever failed, nothing half written stays behind. (Removing a
        // file that was never made fails too, harmlessly.)
        let _ = fs::remove_file(&temp);
        return Err(failure(error, dir, Doing::Writing(name)));
    }
    Ok(!existed)
}

pub fn delete(dir: &Path, name: &str) -> Result<(), ApiError> {
    fs::remove_file(dir.join(name)).map_err(|error| failure(error, dir, Doing::Deleting(name)))
}

fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    // On the disk before the rename: a crash then cannot leave the name
    // pointing at a file whose bytes never arrived.
    file.sync_all()
}

/// A file as a stream of pieces of at most 64 KiB.
struct Pieces(File);

impl Iterator for Pieces {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut piece = vec![0; 64 * 1024];
        match self.0.read(&mut piece) {
            Ok(0) => None,
            Ok(len) => {
                piece.truncate(len);
                Some(Ok(piece))
            }
            Err(error) => Some(Err(error)),
        }
    }
}

fn not_found(name: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("no file named {name}"))
}

/// What a request was doing when a call failed, and to which file.
#[derive(Clone, Copy)]
enum Doing<'a> {
    Listing,
    Reading(&'a str),
    Writing(&'a str),
    Deleting(&'a str),
}

/// What a failed call means to the client. (The host turns the errors of
/// its own filesystem into WASI's, and std turns those into an
/// `ErrorKind`: these are the ones that say something about the request.)
fn failure(error: io::Error, dir: &Path, doing: Doing) -> ApiError {
    use Doing::*;
    let (status, message) = match (error.kind(), doing) {
        // With no preopen there, every path under the mount is missing.
        (ErrorKind::NotFound, _) if !dir.is_dir() => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no directory is mounted at {}", dir.display()),
        ),
        (ErrorKind::NotFound, Reading(name) | Deleting(name)) => return not_found(name),
        (ErrorKind::IsADirectory, Writing(name) | Deleting(name)) => {
            (StatusCode::CONFLICT, format!("{name} is a directory"))
        }
        // A volume mounted read-only (or a directory the host may not write).
        (ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem, Writing(_) | Deleting(_)) => {
            (
                StatusCode::FORBIDDEN,
                "the files directory is read-only".into(),
            )
        }
        // The host refuses to follow a link out of the directory.
        (ErrorKind::PermissionDenied, Reading(name)) => (
            StatusCode::FORBIDDEN,
            format!("the host refused to open {name}: is it a link out of the files directory?"),
        ),
        // Anything else, a full disk included (Wasmtime reports a failed
        // write as a plain I/O error).
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the files directory failed: {error}"),
        ),
    };
    ApiError::new(status, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty directory for one test.
    fn scratch(test: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("http-files-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn the_listing_has_only_regular_files_a_request_can_name_sorted() {
        let dir = scratch("list");
        for name in ["b.txt", "a.txt", ".hidden", ".a.txt.tmp.0123", "with space"] {
            fs::write(dir.join(name), name).unwrap();
        }
        fs::create_dir(dir.join("folder")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("a.txt"), dir.join("link")).unwrap();
        let listing = list(&dir).unwrap();
        let listed: Vec<(&str, u64)> = (listing.files.iter())
            .map(|entry| (entry.name.as_str(), entry.size))
            .collect();
        assert_eq!(listed, [("a.txt", 5), ("b.txt", 5)]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn each_failure_has_its_status() {
        use Doing::*;
        use ErrorKind::*;
        let dir = scratch("failures");
        let cases = [
            (NotFound, Reading("a"), 404),
            (NotFound, Deleting("a"), 404),
            (IsADirectory, Writing("a"), 409),
            (IsADirectory, Deleting("a"), 409),
            (PermissionDenied, Reading("a"), 403),
            (PermissionDenied, Writing("a"), 403),
            (PermissionDenied, Deleting("a"), 403),
            (ReadOnlyFilesystem, Writing("a"), 403),
            (StorageFull, Writing("a"), 500),
            (Other, Listing, 500),
        ];
        for (kind, doing, expected) in cases {
            let status = failure(kind.into(), &dir, doing).status;
            assert_eq!(status.as_u16(), expected, "{kind:?}");
        }
        fs::remove_dir_all(&dir).unwrap();
        // Nothing mounted: every path under the mount is missing.
        for doing in [Listing, Reading("a"), Writing("a"), Deleting("a")] {
            let error = failure(NotFound.into(), &dir, doing);
            assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
            let expected = format!("no directory is mounted at {}", dir.display());
            assert_eq!(error.message, expected);
        }
    }
}
