//! A crate copied out of the workspace builds on its own, unchanged, with its
//! size-tuned profile and without a single warning: the promise of
//! `wash new --subfolder <crate>`.
//!
//! Each test copies crates into an empty temporary directory (the ones that
//! use WIT together with `wit/`), runs the plain build command there, offline
//! from the local registry cache, and compares the result with the
//! workspace's own build of the same crate.

use crate::common;

use std::path::Path;
use std::process::Command;

#[test]
fn http_hello_builds_alone() {
    check_copy(&["http-hello"], false);
}

#[test]
fn http_router_builds_alone() {
    check_copy(&["http-router"], false);
}

#[test]
fn wit_crates_build_with_wit_beside_them() {
    check_copy(&["kv-counter", "http-api", "task-leet"], true);
}

fn check_copy(crates: &[&str], with_wit: bool) {
    let workspace = common::workspace_root();
    let scratch = tempfile::tempdir().unwrap();
    if with_wit {
        copy_dir(&workspace.join("wit"), &scratch.path().join("wit"));
    }
    for name in crates {
        copy_dir(&workspace.join(name), &scratch.path().join(name));
    }
    for name in crates {
        let dir = scratch.path().join(name);
        let output = Command::new(common::cargo())
            .args([
                "build",
                "--target",
                "wasm32-wasip2",
                "--release",
                "--offline",
            ])
            .current_dir(&dir)
            // Build exactly as a user would: nothing from this test run's environment.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{name} copy failed to build:\n{stderr}"
        );
        assert!(
            !stderr.contains("warning"),
            "{name} copy built with warnings:\n{stderr}"
        );

        // The file the crate's own .wash/config.yaml names is where the build put it.
        let config = devhost::config::ProjectConfig::load(&dir).unwrap();
        let copied = dir.join(config.build.component_path.unwrap());
        let copied_size = std::fs::metadata(&copied).unwrap().len();

        // The release profile applied: the copy is as small as the workspace
        // build (a few bytes apart: panic messages embed the source path).
        let artifact = name.replace('-', "_");
        let workspace_size = std::fs::metadata(common::built_component(&artifact))
            .unwrap()
            .len();
        let difference = copied_size.abs_diff(workspace_size);
        assert!(
            difference * 100 <= workspace_size,
            "{name}: copy is {copied_size} B, workspace build {workspace_size} B"
        );
    }
}

/// Copies a directory tree, leaving out build output.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
