//! The two measurements, each made by an established tool: `hyperfine`
//! times cold starts, and `wrk` loads a host and keeps the latency
//! histogram.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::{Host, Row};
use test_support::nats_server::free_port;
use test_support::process::Process;
use test_support::{DevhostProcess, WashDev};

/// The devhost the benchmark runs: the same build the tests run.
const DEVHOST: &str = env!("CARGO_BIN_EXE_devhost");

/// One request, sent the same way by wrk and by the cold-start probe.
#[derive(Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: &'static str,
    /// Sent as `application/json` when not empty.
    pub body: &'static str,
}

impl Request {
    pub fn new(method: &'static str, path: &'static str, body: &'static str) -> Self {
        Self { method, path, body }
    }

    /// curl's arguments for this request, as shell words.
    fn curl_args(&self, url: &str) -> String {
        let mut args = format!("-X {} {url}{}", self.method, self.path);
        if !self.body.is_empty() {
            args += &format!(
                " -H 'content-type: application/json' --data-raw '{}'",
                self.body
            );
        }
        args
    }

    /// wrk's Lua script: this request, and a `done` that prints what the
    /// runner reads on one line.
    fn wrk_script(&self) -> String {
        let mut script = format!("wrk.method = \"{}\"\n", self.method);
        if !self.body.is_empty() {
            script += &format!("wrk.body = [[{}]]\n", self.body);
            script += "wrk.headers[\"content-type\"] = \"application/json\"\n";
        }
        script += r#"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"#;
        script
    }
}

/// One wrk run.
pub struct Run {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Median and minimum, in milliseconds, of `runs` cold starts: from
/// spawning a fresh devhost (which compiles every component of the project
/// with Cranelift: it keeps no cache) to the first complete answer to the
/// row's request, asked again and again with curl until it comes. The host
/// may use every CPU. hyperfine times it; its `--prepare` stops the last
/// run's host, untimed.
pub fn cold_start(row: &Row, runs: u32) -> (f64, f64) {
    let url = format!("http://127.0.0.1:{}", free_port());
    let address = url.trim_start_matches("http://");
    let project = row.project.display();
    let args = row.host_args.join(" ");
    let curl = row.request.curl_args(&url);
    let pid = tempfile::NamedTempFile::new().unwrap();
    let pid = pid.path().display();
    let start_until_answered = format!(
        "{DEVHOST} -C {project} --no-build --address {address} {args} >/dev/null 2>&1 & \
         echo $! > {pid}; tries=0; until curl -sf -o /dev/null {curl}; do \
         tries=$((tries + 1)); [ $tries -lt 5000 ] || exit 1; done"
    );
    let stop = format!(
        "host=$(cat {pid}); [ -z \"$host\" ] || kill $host; \
         while [ -n \"$host\" ] && kill -0 $host 2>/dev/null; do sleep 0.01; done; : > {pid}"
    );
    let json = tempfile::NamedTempFile::new().unwrap();
    let status = Command::new("hyperfine")
        .args([
            "--runs",
            &runs.to_string(),
            "--style",
            "none",
            "--prepare",
            &stop,
        ])
        .arg("--export-json")
        .arg(json.path())
        .arg(&start_until_answered)
        .status()
        .unwrap();
    let _ = Command::new("sh").args(["-c", &stop]).status();
    assert!(status.success(), "hyperfine failed on {}", row.label);
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json.path()).unwrap()).unwrap();
    let seconds = |key: &str| results["results"][0][key].as_f64().unwrap();
    (seconds("median") * 1000.0, seconds("min") * 1000.0)
}

/// A devhost serving `project` on `address`, pinned to CPU 0.
pub fn start_on_cpu0(project: &Path, address: &str, args: &[String]) -> DevhostProcess {
    let mut pinned = Command::new("taskset");
    pinned.args(["-c", "0", DEVHOST, "-C"]).arg(project);
    pinned.args(["--no-build", "--address", address]).args(args);
    DevhostProcess::spawn_quiet(pinned, address)
}

/// A row's host, running; killed when dropped.
enum Started {
    Devhost(DevhostProcess),
    Wash(WashDev),
    Wasmtime(Process),
}

/// Starts a fresh host for `row`, and says where it serves.
fn start(row: &Row) -> (Started, String) {
    let address = format!("127.0.0.1:{}", free_port());
    match row.host {
        Host::Devhost => {
            let mut command = Command::new(DEVHOST);
            command.arg("-C").arg(&row.project);
            command.args(["--no-build", "--address", &address]);
            command.args(&row.host_args);
            let host = DevhostProcess::spawn_quiet(command, &address);
            let url = host.url.clone();
            (Started::Devhost(host), url)
        }
        Host::WashDev(wash) => {
            let wash = WashDev::start_with(wash, &row.project, None, &[]);
            let url = wash.url.clone();
            (Started::Wash(wash), url)
        }
        Host::WasmtimeServe => {
            let mut command = Command::new("wasmtime");
            command.args(["serve", "-Scli", "--addr", &address]);
            command.args(&row.host_args).arg(&row.file);
            let mut wasmtime = Process::spawn("wasmtime serve", command);
            wasmtime.wait_for_line(Duration::from_secs(60), |line| {
                line.starts_with("Serving HTTP on")
            });
            (Started::Wasmtime(wasmtime), format!("http://{address}"))
        }
    }
}

impl Started {
    /// Every thread of the host, now and later, on CPU 0.
    fn pin_to_cpu0(&self) {
        let pid = match self {
            Started::Devhost(host) => host.id(),
            Started::Wash(wash) => wash.id(),
            Started::Wasmtime(process) => process.id(),
        };
        let pinned = Command::new("taskset")
            .args(["-a", "-p", "-c", "0", &pid.to_string()])
            .output()
            .unwrap();
        assert!(pinned.status.success(), "taskset: {pinned:?}");
    }
}

/// Loads a fresh host for `seconds`, after a 2 s warm-up, with wrk (one
/// thread, `connections` keep-alive connections). Pinned, the host runs on
/// CPU 0 and wrk on CPU 1; unpinned, the scheduler places both. A single
/// failed request or non-2xx answer fails the benchmark.
pub fn throughput(row: &Row, pinned: bool, seconds: u64, connections: u32) -> Run {
    let (host, base) = start(row);
    if pinned {
        host.pin_to_cpu0();
    }
    let wrk_cpu = pinned.then_some("1");
    let load = |seconds| {
        wrk(
            row,
            &base,
            wrk_cpu,
            &["-t1", &format!("-c{connections}")],
            seconds,
        )
    };
    load(2);
    let result = load(seconds);
    drop(host);
    let Wrk {
        connect,
        read,
        write,
        status,
        timeout,
        ..
    } = result;
    assert!(
        connect + read + write + status + timeout == 0.0,
        "requests failed on {}: {connect} to connect, {read} reading, {write} writing, \
         {status} with a status of 400 or more, {timeout} timed out",
        row.label
    );
    result.run()
}

/// What a host does past its limits: `connections` connections at once
/// (wrk with two threads, unpinned, so the host may use both CPUs when
/// wrk waits), after a 2 s warm-up. Failed requests are counted, not
/// fatal: they are what this measures.
pub fn overload(row: &Row, seconds: u64, connections: u32) -> Overloaded {
    let (host, base) = start(row);
    // wrk's default 2 s timeout would count a request that waits its turn
    // as failed; the hosts' own limits are longer.
    let flags = ["-t2", &format!("-c{connections}"), "--timeout", "30s"];
    wrk(row, &base, None, &flags, 2);
    let result = wrk(row, &base, None, &flags, seconds);
    drop(host);
    Overloaded {
        run: result.run(),
        answered: result.requests,
        refused: result.status,
        broken: result.connect + result.read + result.write + result.timeout,
    }
}

/// An overload run: the run, and how its requests ended.
pub struct Overloaded {
    pub run: Run,
    /// Every request that got an answer.
    pub answered: f64,
    /// Answers of 400 or more.
    pub refused: f64,
    /// Requests that failed to connect, read or write, or had no answer
    /// within 30 s.
    pub broken: f64,
}

/// What wrk's `done` reported: the requests, the duration in µs, p50 and
/// p99 in µs, then the failed requests by kind: connect, read, write,
/// status (an answer of 400 or more), timeout (no answer within wrk's
/// timeout).
struct Wrk {
    requests: f64,
    micros: f64,
    p50: f64,
    p99: f64,
    connect: f64,
    read: f64,
    write: f64,
    status: f64,
    timeout: f64,
}

impl Wrk {
    fn run(&self) -> Run {
        Run {
            requests_per_sec: self.requests / (self.micros / 1e6),
            p50_ms: self.p50 / 1000.0,
            p99_ms: self.p99 / 1000.0,
        }
    }
}

/// Requests sent through a dev loop's reload (`dev_loop.rs`), and how many
/// of them failed.
pub struct Steady {
    pub requests: f64,
    /// Failed to connect, read or write, or no answer within 10 s.
    pub broken: f64,
    /// Answered with a status of 400 or more.
    pub refused: f64,
}

/// `GET {base}/` on `connections` kept-alive connections for `seconds`.
pub fn steady(base: &str, seconds: u64, connections: u32) -> Steady {
    let request = Request::new("GET", "/", "");
    let flags = ["-t1", &format!("-c{connections}"), "--timeout", "10s"];
    let result = wrk_request(&request, "the dev loop", base, None, &flags, seconds);
    Steady {
        requests: result.requests,
        broken: result.connect + result.read + result.write + result.timeout,
        refused: result.status,
    }
}

/// Runs wrk with `flags` for `seconds` on `base` + the row's request, on
/// CPU `cpu` if given, and reads its RESULT line.
fn wrk(row: &Row, base: &str, cpu: Option<&str>, flags: &[&str], seconds: u64) -> Wrk {
    wrk_request(&row.request, row.label, base, cpu, flags, seconds)
}

fn wrk_request(
    request: &Request,
    label: &str,
    base: &str,
    cpu: Option<&str>,
    flags: &[&str],
    seconds: u64,
) -> Wrk {
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), request.wrk_script()).unwrap();
    let mut command = match cpu {
        Some(cpu) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", cpu, "wrk"]);
            taskset
        }
        None => Command::new("wrk"),
    };
    let output = command
        .args(flags)
        .arg(format!("-d{seconds}s"))
        .arg("-s")
        .arg(script.path())
        .arg(format!("{base}{}", request.path))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "wrk on {}:\n{stdout}", label);
    let line = stdout.lines().find_map(|line| line.strip_prefix("RESULT "));
    let numbers: Vec<f64> = line
        .unwrap_or_else(|| panic!("no RESULT line from wrk on {}:\n{stdout}", label))
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(
        numbers.len(),
        9,
        "wrk's RESULT line on {}:\n{stdout}",
        label
    );
    Wrk {
        requests: numbers[0],
        micros: numbers[1],
        p50: numbers[2],
        p99: numbers[3],
        connect: numbers[4],
        read: numbers[5],
        write: numbers[6],
        status: numbers[7],
        timeout: numbers[8],
    }
}
