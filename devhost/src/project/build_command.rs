//! Running `build.command`, as `wash dev` does before it serves.

use std::path::Path;

use anyhow::{Context, bail};
use tokio::process::Command;

use super::config::BuildConfig;

/// Runs the build command through `sh -c` in `project_dir` with `build.env`
/// added to the environment. Its output goes to our stderr, so devhost's
/// stdout keeps only devhost's own lines. Does nothing without a command.
pub async fn run(build: &BuildConfig, project_dir: &Path) -> anyhow::Result<()> {
    let Some(command) = &build.command else {
        return Ok(());
    };
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(project_dir)
        .envs(&build.env)
        .stdout(std::io::stderr())
        .status()
        .await
        .with_context(|| format!("cannot run build command `{command}`"))?;
    if !status.success() {
        bail!("build command `{command}` failed ({status})");
    }
    Ok(())
}
