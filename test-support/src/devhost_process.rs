//! The `devhost` binary as a separate process, as a user runs it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client::{Answer, Client};
use crate::process::Process;
use crate::workspace::{cargo_build, workspace_root};

/// The `devhost` binary, run from the workspace root. Its own builds must
/// not inherit the test run's target directory.
pub fn devhost_command() -> Command {
    let mut command = Command::new(devhost_binary());
    command
        .current_dir(workspace_root())
        .env_remove("CARGO_TARGET_DIR");
    command
}

pub struct DevhostProcess {
    process: Process,
    /// `http://127.0.0.1:PORT`, from the banner.
    pub url: String,
}

impl DevhostProcess {
    /// Runs `devhost -C <crate> --nats-url <nats_url>` on a free port, after
    /// building the crate the way its `.wash/config.yaml` does.
    pub fn crate_over_nats(name: &str, nats_url: &str) -> Self {
        build_crate(name);
        Self::start(&workspace_root().join(name), &["--nats-url", nats_url])
    }

    /// Runs devhost on the project in `dir`, without building, on a free
    /// port, and waits until it serves.
    pub fn start(dir: &Path, extra_args: &[&str]) -> Self {
        Self::spawn(command(dir, extra_args))
    }

    /// Runs a devhost command line (see [`command`]), perhaps wrapped (the
    /// benchmark pins it to a CPU), and waits until it serves.
    pub fn spawn(command: Command) -> Self {
        let mut process = Process::spawn("devhost", command);
        // "devhost: serving http-api on http://127.0.0.1:PORT", or "devhost:
        // listening on http://127.0.0.1:PORT (no component serves HTTP)".
        let banner = process.wait_for_line(Duration::from_secs(300), |line| {
            line.starts_with("devhost: serving ") || line.starts_with("devhost: listening on ")
        });
        let url = banner
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap()
            .to_string();
        Self { process, url }
    }

    /// Runs a devhost command line that listens on `address`, throwing away
    /// its log of requests (the benchmark's hosts log thousands), and waits
    /// until it accepts connections.
    pub fn spawn_quiet(command: Command, address: &str) -> Self {
        let mut process = Process::spawn_discarding_stdout("devhost", command);
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(address).is_err() {
            assert!(
                process.is_running() && Instant::now() < deadline,
                "devhost did not start listening on {address}:\n{}",
                process.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let url = format!("http://{address}");
        Self { process, url }
    }

    /// How many messages this host's handlers have finished: it logs a
    /// `MSG <subject> <component> ok|failed <time>` line for each.
    pub fn handled(&self) -> usize {
        self.output()
            .lines()
            .filter(|line| line.starts_with("MSG "))
            .count()
    }

    pub fn output(&self) -> String {
        self.process.output()
    }

    /// Waits (three minutes at most: a build may come first) for a line of
    /// output that is `wanted`.
    pub fn wait_for_line(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        self.process.wait_for_line(Duration::from_secs(180), wanted)
    }

    pub fn id(&self) -> u32 {
        self.process.id()
    }

    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    pub fn kill(&mut self) {
        self.process.kill();
    }

    pub fn client(&self) -> Client {
        Client::at(self.url.clone())
    }

    pub async fn post_task(&self, body: &str) -> Answer {
        self.client().post_json("/task", body).await
    }
}

/// `devhost -C <dir> --no-build --address 127.0.0.1:0 <extra_args>`.
pub fn command(dir: &Path, extra_args: &[&str]) -> Command {
    let mut command = devhost_command();
    command
        .arg("-C")
        .arg(dir)
        .args(["--no-build", "--address", "127.0.0.1:0"])
        .args(extra_args);
    command
}

/// Runs a crate's build in its own directory, as its `.wash/config.yaml`
/// says, once per test run.
fn build_crate(name: &str) {
    static BUILT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut built = BUILT.lock().unwrap();
    if built.insert(name.to_string()) {
        cargo_build(&workspace_root().join(name), &[]);
    }
}

/// The `devhost` binary cargo built for the running test or benchmark
/// (both are devhost's own targets, so cargo builds it first). They run
/// from `<target>/<profile>/deps/`; the binary is in `<target>/<profile>/`.
fn devhost_binary() -> PathBuf {
    let test = std::env::current_exe().unwrap();
    let profile_dir = test.parent().and_then(Path::parent).unwrap();
    let binary = profile_dir.join(format!("devhost{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "no devhost binary at {}",
        binary.display()
    );
    binary
}
