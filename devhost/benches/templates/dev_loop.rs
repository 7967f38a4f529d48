//! The dev loop, measured: one line of http-hello (its greeting) changed
//! while wrk loads it on 16 connections, under devhost, which watches by
//! itself, and under `watchexec -r -- wash dev`, the loop wasmCloud
//! suggests for wash. For each change: the time from the file's save to
//! the first answer carrying the change, cargo's own build time within it
//! (cargo's `Finished ... in` line), and the requests that failed while it
//! reloaded.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::load::{self, Steady};
use test_support::clones::renamed_copy;
use test_support::devhost_process::devhost_command;
use test_support::nats_server::free_port;
use test_support::process::Process;

/// How long wrk loads the host for each change: the change is saved 2 s
/// in, and the slowest loop measured here answered with it within 5 s.
const LOAD_SECONDS: u64 = 12;
const CONNECTIONS: u32 = 16;

/// A loop under test.
pub enum Looper {
    Devhost,
    /// `watchexec -r -- <wash> dev`.
    WatchexecWash(PathBuf),
}

/// One change, and what it cost.
pub struct Reload {
    pub to_answer: Duration,
    pub cargo: Duration,
    pub load: Steady,
}

/// Changes http-hello's greeting `changes` times under `looper` and
/// measures each reload, in a copy named after `slug`.
pub fn measure(looper: &Looper, changes: usize, slug: &str) -> Vec<Reload> {
    let dir = renamed_copy("http-hello", &format!("bench-loop-{slug}"));
    let address = format!("127.0.0.1:{}", free_port());
    let process = start(looper, &dir, &address);
    let mut greeting = "Hello from wasmCloud!".to_string();
    wait_for_answer(&address, &greeting, Duration::from_secs(300), &process);
    let mut reloads = Vec::new();
    for change in 1..=changes {
        let next = format!("Hello from change {change}!");
        let base = format!("http://{address}");
        let load = std::thread::spawn(move || load::steady(&base, LOAD_SECONDS, CONNECTIONS));
        std::thread::sleep(Duration::from_secs(2));
        let logged = process.output().len();
        let lib = dir.join("src/lib.rs");
        let source = std::fs::read_to_string(&lib).unwrap();
        std::fs::write(&lib, source.replacen(&greeting, &next, 1)).unwrap();
        let saved = Instant::now();
        wait_for_answer(&address, &next, Duration::from_secs(60), &process);
        let to_answer = saved.elapsed();
        let load = load.join().unwrap();
        let cargo = cargo_time(&process, logged);
        eprintln!(
            "bench: dev loop, {slug}: {to_answer:.2?} to the new answer, cargo {cargo:.2?}, \
             {} of {} requests failed, {} refused",
            load.broken, load.requests, load.refused
        );
        reloads.push(Reload {
            to_answer,
            cargo,
            load,
        });
        greeting = next;
    }
    stop(process);
    reloads
}

/// Stops the loop with SIGTERM, as Ctrl-C would, and waits for it: a
/// SIGKILL (what dropping a `Process` sends) would leave watchexec's
/// `wash dev` running.
fn stop(mut process: Process) {
    let status = Command::new("kill")
        .args(["-TERM", &process.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    process.wait_for_exit(Duration::from_secs(30));
}

/// Starts the loop in `dir`, serving on `address`.
fn start(looper: &Looper, dir: &Path, address: &str) -> Process {
    match looper {
        Looper::Devhost => {
            let mut command = devhost_command();
            command.arg("-C").arg(dir).args(["--address", address]);
            Process::spawn_discarding_stdout("devhost", command)
        }
        Looper::WatchexecWash(wash) => {
            // A user's project is a git repository: watchexec then skips
            // what `.gitignore` ignores (`target/`), as it does for them.
            let status = Command::new("git")
                .args(["init", "-q"])
                .current_dir(dir)
                .status()
                .unwrap();
            assert!(status.success());
            let mut command = Command::new("watchexec");
            command
                .args(["-r", "--"])
                .arg(wash)
                .arg("dev")
                .current_dir(dir)
                .env("NO_COLOR", "1")
                .env("WASH_DEV", format!("{{address=\"{address}\"}}"));
            Process::spawn("watchexec", command)
        }
    }
}

/// Asks `GET /` every 10 ms, each on a new connection, until the answer's
/// body is `greeting`.
fn wait_for_answer(address: &str, greeting: &str, limit: Duration, process: &Process) {
    let deadline = Instant::now() + limit;
    // The body may come in chunks: the greeting is one of them.
    let wanted = format!("\r\n{greeting}\n");
    while !get(address).is_some_and(|answer| answer.contains(&wanted)) {
        assert!(
            Instant::now() < deadline,
            "no answer {greeting:?} within {limit:?}:\n{}",
            process.output()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn get(address: &str) -> Option<String> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = "GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// The time in cargo's last `Finished ... in 1.87s` line of what
/// `process` logged after its first `logged` bytes. (wash may pass cargo's
/// lines on after it serves: they are waited for.)
fn cargo_time(process: &Process, logged: usize) -> Duration {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = process.output();
        let finished = log[logged..]
            .lines()
            // wash 2.10.3 passes the line on without its first word.
            .rfind(|line| line.contains(" target(s) in "));
        if let Some(line) = finished {
            let seconds = line.rsplit(" in ").next().unwrap().trim_end_matches('s');
            return Duration::from_secs_f64(seconds.parse().unwrap());
        }
        assert!(
            Instant::now() < deadline,
            "no `Finished` line from cargo in:\n{}",
            &log[logged..]
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
