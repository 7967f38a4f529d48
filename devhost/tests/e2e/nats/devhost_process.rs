//! The `devhost` binary as a separate process, serving one crate's own
//! `.wash/config.yaml` over NATS, and what a test reads from it.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Answer, Client, cargo, devhost_command, workspace_root};

pub struct Devhost {
    process: Child,
    /// `http://127.0.0.1:PORT`, from the banner.
    pub url: String,
    handled: Arc<AtomicUsize>,
    stderr: Arc<Mutex<String>>,
}

impl Devhost {
    /// Runs `devhost -C <project> --nats-url <nats_url> --no-build` on a free
    /// port, after building the crate the way its config's build command
    /// does, and waits until it serves.
    pub fn start(project: &str, nats_url: &str) -> Self {
        build_crate(project);
        Self::start_in(&workspace_root().join(project), &["--nats-url", nats_url])
    }

    /// Runs devhost on the project in `dir` with `extra_args`, without
    /// building, and waits until it serves.
    pub fn start_in(dir: &Path, extra_args: &[&str]) -> Self {
        let mut process = devhost(dir, extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = collect(process.stderr.take().unwrap());
        let mut stdout = BufReader::new(process.stdout.take().unwrap());

        // "devhost: serving http-api on http://127.0.0.1:PORT", or "devhost:
        // listening on http://127.0.0.1:PORT (no component serves HTTP)".
        let mut banner = String::new();
        stdout.read_line(&mut banner).unwrap();
        let Some(url) = banner
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
        else {
            let _ = process.wait();
            // Let the reader thread take in the last of stderr.
            std::thread::sleep(Duration::from_millis(100));
            panic!("devhost did not start: {}", stderr.lock().unwrap());
        };
        let url = url.to_string();

        // The rest of stdout is one line per request or message.
        let handled = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&handled);
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if line.starts_with("MSG ") {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        Self {
            process,
            url,
            handled,
            stderr,
        }
    }

    /// How many NATS messages this host's handlers have finished.
    pub fn handled(&self) -> usize {
        self.handled.load(Ordering::Relaxed)
    }

    /// Everything the host has written to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn is_running(&mut self) -> bool {
        self.process.try_wait().unwrap().is_none()
    }

    /// Kills the process (SIGKILL: no goodbye to NATS) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }

    pub fn client(&self) -> Client {
        Client::at(self.url.clone())
    }

    pub async fn post_task(&self, body: &str) -> Answer {
        self.client().post_json("/task", body).await
    }
}

impl Drop for Devhost {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn devhost(project_dir: &Path, extra_args: &[&str]) -> Command {
    let mut command = devhost_command();
    command
        .arg("-C")
        .arg(project_dir)
        .args(["--no-build", "--address", "127.0.0.1:0"])
        .args(extra_args);
    command
}

/// Waits for a process that should exit by itself; kills it and fails
/// the test if it is still running after `limit`.
pub fn exit_within(process: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = process.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = process.kill();
            let _ = process.wait();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a crate's build (`cargo build --target wasm32-wasip2 --release` in
/// its directory, as its `.wash/config.yaml` says), once per test run.
fn build_crate(name: &str) {
    static BUILT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut built = BUILT.lock().unwrap();
    if built.contains(name) {
        return;
    }
    let output = Command::new(cargo())
        .args(["build", "--target", "wasm32-wasip2", "--release"])
        .current_dir(workspace_root().join(name))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name} build failed:\n{stderr}");
    built.insert(name.to_string());
}

/// Reads `stream` to its end on a thread, into the returned string.
fn collect(mut stream: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        let mut buffer = [0; 4096];
        while let Ok(read) = stream.read(&mut buffer) {
            if read == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..read]));
        }
    });
    text
}
