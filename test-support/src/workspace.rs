//! The repository the tests run from, and the builds they need.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use devhost::config::ProjectConfig;

use crate::templates::TEMPLATES;

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

/// The component a template's `.wash/config.yaml` serves, built: for most,
/// the root build's output (`http-hello` -> `http_hello.wasm`); for a
/// workspace of its own, its `build.component_path` after its build command.
pub fn built_component(name: &str) -> PathBuf {
    if TEMPLATES.iter().any(|t| t.name == name && t.own_workspace) {
        let config = built_project_config(name);
        let path = config.build.component_path.unwrap();
        return workspace_root().join(name).join(path);
    }
    build_components();
    workspace_root().join(format!(
        "target/wasm32-wasip2/release/{}.wasm",
        name.replace('-', "_")
    ))
}

/// A workspace-of-its-own template's service (`dev.service_file`), built.
pub fn built_service(name: &str) -> PathBuf {
    let config = built_project_config(name);
    workspace_root()
        .join(name)
        .join(config.dev.service_file.unwrap())
}

/// Runs a workspace-of-its-own template's build command in its folder
/// once per test run, and returns its config.
fn built_project_config(name: &str) -> ProjectConfig {
    static BUILT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let dir = workspace_root().join(name);
    let mut built = BUILT.lock().unwrap();
    if built.contains(name) {
        return ProjectConfig::load(&dir).unwrap();
    }
    let config = run_build_command(&dir);
    built.insert(name.to_string());
    config
}

/// Runs the build command of the project in `dir` as wash would (`sh -c`,
/// with `build.env`), and returns its config. It must not fail or warn.
pub fn run_build_command(dir: &Path) -> ProjectConfig {
    let config = ProjectConfig::load(dir).unwrap();
    let command = config.build.command.as_deref().unwrap();
    let output = Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .envs(&config.build.env)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let dir = dir.display();
    assert!(
        output.status.success(),
        "the build command in {dir} failed:\n{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "the build in {dir} warned:\n{stderr}"
    );
    config
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
/// build's output (run it with `--no-build`), and a copy of each folder the
/// template mounts with `dev.volumes`, as a user's project has them.
pub fn edited_project(template: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = workspace_root().join(template);
    let config = std::fs::read_to_string(dir.join(".wash/config.yaml")).unwrap();
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
    let project = scratch_project(&edit(&config.join("\n")));
    for volume in ProjectConfig::load(&dir).unwrap().dev.volumes {
        copy_files(
            &dir.join(&volume.host_path),
            &project.path().join(&volume.host_path),
        );
    }
    project
}

/// task-leet's own project, its messages over the NATS server at
/// `nats_url`, with `style:` set to `style` (`None`: no such line, the
/// default).
pub fn worker_project(nats_url: &str, style: Option<&str>) -> tempfile::TempDir {
    edited_project("task-leet", |config| {
        let config = config.replace("nats://127.0.0.1:4222", nats_url);
        match style {
            Some(style) => config.replace("style: basic", &format!("style: {style}")),
            None => config.replace("style: basic", ""),
        }
    })
}

/// The files of the folder `from` (not its subfolders) into a new `to`.
fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}
