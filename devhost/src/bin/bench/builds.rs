//! Building what is measured, so a run never measures stale files.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, ensure};

/// The components exactly as the root build command makes them, the floor
/// fixture (not a default member, so built by name) and the host itself.
const BUILDS: [&str; 3] = [
    "build --target wasm32-wasip2 --release",
    "build --target wasm32-wasip2 --release -p bench-floor",
    "build --profile devhost -p devhost --bin devhost",
];

pub fn build_all(root: &Path) -> anyhow::Result<()> {
    // The cargo that runs the bench, so the builds use the same toolchain.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    for args in BUILDS {
        eprintln!("bench: cargo {args}");
        let status = Command::new(&cargo)
            .args(args.split_whitespace())
            .current_dir(root)
            // The files are read from <root>/target: keep the output there.
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .context("cannot run cargo")?;
        ensure!(status.success(), "`cargo {args}` failed");
    }
    Ok(())
}
