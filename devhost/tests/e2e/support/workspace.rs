//! The repository the tests run from, and the builds they need.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The templates, in the order the root README lists them.
pub const TEMPLATES: [&str; 7] = [
    "http-hello",
    "http-router",
    "kv-counter",
    "http-api",
    "task-leet",
    "http-client",
    "task-stats",
];

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The cargo that runs these tests, so nested builds use the same toolchain.
pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo build --target wasm32-wasip2 --release` (every template's build
/// command) in `dir`, as a user would run it: nothing from this test run's
/// environment decides where the output goes. `extra` adds flags such as
/// `--offline`. Returns cargo's stderr; fails the test if the build fails.
pub fn cargo_build(dir: &Path, extra: &[&str]) -> String {
    let output = Command::new(cargo())
        .args(["build", "--target", "wasm32-wasip2", "--release"])
        .args(extra)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "build in {} failed:\n{stderr}",
        dir.display()
    );
    stderr
}

/// Runs the root build command once per test run: every template, exactly
/// as the root `.wash/config.yaml` builds them. It must not warn.
pub fn build_components() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let stderr = cargo_build(&workspace_root(), &[]);
        assert!(
            !stderr.contains("warning"),
            "component build warned:\n{stderr}"
        );
    });
}

/// The root build's output for a template, by its crate name (`http-hello`).
pub fn built_component(name: &str) -> PathBuf {
    build_components();
    workspace_root().join(format!(
        "target/wasm32-wasip2/release/{}.wasm",
        name.replace('-', "_")
    ))
}

/// A project directory holding only `.wash/config.yaml` with `config`.
pub fn scratch_project(config: &str) -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir(project.path().join(".wash")).unwrap();
    std::fs::write(project.path().join(".wash/config.yaml"), config).unwrap();
    project
}

/// A project for devhost whose `.wash/config.yaml` is a template's own,
/// changed by `edit`, with `build.component_path` pointing at the root
/// build's output (run it with `--no-build`).
pub fn edited_project(template: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let config =
        std::fs::read_to_string(workspace_root().join(template).join(".wash/config.yaml")).unwrap();
    let built = format!("component_path: {}", built_component(template).display());
    let config: Vec<String> = config
        .lines()
        .map(
            |line| match line.trim_start().starts_with("component_path:") {
                true => format!("  {built}"),
                false => line.to_string(),
            },
        )
        .collect();
    scratch_project(&edit(&config.join("\n")))
}
