//! A child process a test owns: its output (stdout and stderr together) is
//! collected as it runs, a test can wait for a line of it, and it is killed
//! when dropped, whether the test passed or failed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Process {
    name: String,
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Process {
    /// Starts `command`; `name` says which process a failure is about.
    pub fn spawn(name: &str, command: Command) -> Self {
        Self::start(name, command, true)
    }

    /// Like [`Self::spawn`], but what the process writes to stdout is
    /// thrown away unread: for a host under load that logs every request.
    pub fn spawn_discarding_stdout(name: &str, command: Command) -> Self {
        Self::start(name, command, false)
    }

    fn start(name: &str, mut command: Command, keep_stdout: bool) -> Self {
        let stdout = if keep_stdout {
            Stdio::piped()
        } else {
            Stdio::null()
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        let output = Arc::new(Mutex::new(String::new()));
        if let Some(stdout) = child.stdout.take() {
            collect(stdout, &output);
        }
        collect(child.stderr.take().unwrap(), &output);
        Self {
            name: name.to_string(),
            child,
            output,
        }
    }

    /// Everything the process has written so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits for a line that `wanted` accepts and returns it. Fails the test,
    /// showing the output, if the process ends or `limit` passes first.
    pub fn wait_for_line(&mut self, limit: Duration, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(line) = self.output().lines().find(|line| wanted(line)) {
                return line.to_string();
            }
            if !self.is_running() {
                // Let the readers take in the last of the output.
                std::thread::sleep(Duration::from_millis(200));
                panic!("{} ended early:\n{}", self.name, self.output());
            }
            assert!(
                Instant::now() < deadline,
                "{} gave no expected line within {limit:?}:\n{}",
                self.name,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a process that should end by itself; fails the test if it
    /// is still running after `limit`.
    pub fn wait_for_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the readers take in the last of the output.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            if Instant::now() > deadline {
                self.kill();
                panic!(
                    "{} still running after {limit:?}:\n{}",
                    self.name,
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Kills the process (SIGKILL: no goodbye to anyone) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads `stream` line by line on a thread, appending to `output`.
fn collect(stream: impl Read + Send + 'static, output: &Arc<Mutex<String>>) {
    let output = Arc::clone(output);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut output = output.lock().unwrap();
            output.push_str(&line);
            output.push('\n');
        }
    });
}
