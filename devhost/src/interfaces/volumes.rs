//! What a component may do with `wasi:filesystem`: open the project's
//! volumes (`dev.volumes`), each at its guest path, and nothing else of the
//! host's filesystem. As under `wash dev`, every volume is preopened in
//! every component and in the service, read-write unless it is marked
//! read-only.
//!
//! A volume's host path is resolved and canonicalized once, at start-up;
//! each instance then opens that directory afresh (one `open` of a
//! directory handle, as wash does for each store). So a directory that a
//! build deletes and recreates is served as it is now, and one that is gone
//! fails the instances made while it is gone, saying so.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// A host directory that components see at `guest_path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// Absolute and canonical: symbolic links and `..` already resolved.
    pub host_path: PathBuf,
    /// The preopen's name, as the guest sees it (like `/data`).
    pub guest_path: String,
    /// No writes, creates, renames or deletes under it.
    pub read_only: bool,
}

impl Volume {
    /// `host_path` (relative to `base` unless absolute), resolved to the
    /// directory it names, which must exist.
    pub fn resolve(
        base: &Path,
        host_path: &Path,
        guest_path: &str,
        read_only: bool,
    ) -> anyhow::Result<Self> {
        let joined = base.join(host_path);
        // Absolute, for the error messages: `proj/./data` reads as
        // `/home/me/proj/data`.
        let joined = std::path::absolute(&joined).unwrap_or(joined);
        let host_path = match std::fs::canonicalize(&joined) {
            Ok(path) => path,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                bail!("{} does not exist", joined.display())
            }
            Err(error) => bail!("cannot open {}: {error}", joined.display()),
        };
        if !host_path.is_dir() {
            bail!("{} is not a directory", host_path.display());
        }
        Ok(Self {
            host_path,
            guest_path: guest_path.to_string(),
            read_only,
        })
    }

    fn perms(&self) -> FsPerms {
        match self.read_only {
            true => FsPerms::ReadOnly,
            false => FsPerms::ReadWrite,
        }
    }
}

/// Preopens every volume in `builder`'s instance. Each opens its directory
/// now: this fails if it has gone since start-up.
pub fn apply(volumes: &[Volume], builder: &mut WasiCtxBuilder) -> anyhow::Result<()> {
    for volume in volumes {
        builder
            .preopened_dir(&volume.host_path, &volume.guest_path, volume.perms())
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!(
                    "volume {}: cannot open {}",
                    volume.guest_path,
                    volume.host_path.display()
                )
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_path_resolves_against_the_base_and_is_canonical() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(base.path().join("public/css")).unwrap();
        let volume =
            Volume::resolve(base.path(), Path::new("./public/css/.."), "/files", false).unwrap();
        let expected = std::fs::canonicalize(base.path().join("public")).unwrap();
        assert_eq!(volume.host_path, expected);
        assert!(volume.host_path.is_absolute());
        assert_eq!(volume.guest_path, "/files");
        assert_eq!(volume.perms(), FsPerms::ReadWrite);
    }

    #[test]
    fn an_absolute_path_ignores_the_base() {
        let dir = tempfile::tempdir().unwrap();
        let volume =
            Volume::resolve(Path::new("/nonexistent-base"), dir.path(), "/data", true).unwrap();
        assert_eq!(volume.host_path, std::fs::canonicalize(dir.path()).unwrap());
        assert_eq!(volume.perms(), FsPerms::ReadOnly);
    }

    #[test]
    fn a_missing_path_or_a_file_is_an_error_naming_it() {
        let base = tempfile::tempdir().unwrap();
        let error =
            Volume::resolve(base.path(), Path::new("./missing"), "/data", false).unwrap_err();
        let missing = base.path().join("missing");
        assert_eq!(
            error.to_string(),
            format!("{} does not exist", missing.display())
        );

        std::fs::write(base.path().join("file.txt"), "x").unwrap();
        let error =
            Volume::resolve(base.path(), Path::new("file.txt"), "/data", false).unwrap_err();
        let file = std::fs::canonicalize(base.path().join("file.txt")).unwrap();
        assert_eq!(
            error.to_string(),
            format!("{} is not a directory", file.display())
        );
    }

    #[test]
    fn apply_preopens_each_volume_and_fails_once_its_directory_is_gone() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("data")).unwrap();
        let volume = Volume::resolve(base.path(), Path::new("data"), "/data", false).unwrap();
        let mut builder = WasiCtxBuilder::new();
        apply(std::slice::from_ref(&volume), &mut builder).unwrap();

        std::fs::remove_dir(base.path().join("data")).unwrap();
        let error = apply(std::slice::from_ref(&volume), &mut WasiCtxBuilder::new()).unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.starts_with(&format!(
                "volume /data: cannot open {}: ",
                volume.host_path.display()
            )),
            "{message}"
        );
    }
}
