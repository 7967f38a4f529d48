//! The devhost library, started in the test's own process: quicker than a
//! process, and a test can set any of its options.

use std::path::Path;

use crate::workspace::{build_components, workspace_root};

/// Starts the devhost library in this process for a project directory
/// (`"."` is the root, or a crate name) on a free loopback port, running
/// its build command first: the tests use the real configs.
pub async fn start_host(project: &str) -> devhost::RunningHost {
    start_host_with(project, |_| {}).await
}

/// [`start_host`], with `adjust` changing the options first.
pub async fn start_host_with(
    project: &str,
    adjust: impl FnOnce(&mut devhost::Options),
) -> devhost::RunningHost {
    build_components();
    let mut options = devhost::Options {
        project_dir: workspace_root().join(project),
        address: Some(([127, 0, 0, 1], 0).into()),
        build: true,
        quiet: true,
        ..Default::default()
    };
    adjust(&mut options);
    devhost::start(options).await.unwrap()
}

/// Starts the devhost library on a project that is not in the workspace
/// (one `edited_project` made), without building: the root build has made
/// what it serves.
pub async fn start_host_in(dir: &Path) -> devhost::RunningHost {
    start_host_with(".", |options| {
        options.project_dir = dir.to_path_buf();
        options.build = false;
    })
    .await
}
