//! `scripts/bench`: the cold start, throughput and latency of every
//! template under devhost, next to a floor (the least a wasi:http handler
//! can do) measured in the same run, written to BENCHMARKS.md. The rows
//! are the table of templates' benchmark requests (test-support).
//!
//! Established tools do the measuring: `hyperfine` times the cold starts,
//! and `wrk`, a separate process on a CPU of its own, loads the host and
//! keeps the latency histogram. This runner decides what runs, in what
//! order and how often, and summarises: medians over rounds, with ranges.

// Like the tests, the runner stops at the first thing that goes wrong: a
// panic here is a failed run, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dev_loop;
mod load;
mod report;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use clap::Parser;

use load::{Request, Run};
use test_support::workspace::{build_components, cargo_build, edited_project, scratch_project};
use test_support::{NatsServer, TEMPLATES, built_component, workspace_root};

/// Benchmark the templates under devhost and write BENCHMARKS.md.
#[derive(Parser)]
pub struct Args {
    /// Rounds of load: each loads every row once, each on a fresh host.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Seconds of each measured wrk run (after a 2 s warm-up).
    #[arg(long, default_value_t = 5)]
    duration: u64,
    /// wrk's concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    connections: u32,
    /// Fresh hosts timed per row for the cold start.
    #[arg(long, default_value_t = 5)]
    cold_runs: u32,
    /// Connections at once in the overload rows (0: none).
    #[arg(long, default_value_t = 1000)]
    overload_connections: u32,
    /// Measure only the overload rows and rewrite only their section of
    /// the report.
    #[arg(long)]
    overload_only: bool,
    /// Changes timed under each dev loop (0: none).
    #[arg(long, default_value_t = 3)]
    dev_loop_changes: usize,
    /// Measure only the dev loops and rewrite only their section of the
    /// report.
    #[arg(long)]
    dev_loop_only: bool,
    /// The report, relative to the workspace root.
    #[arg(long, default_value = "BENCHMARKS.md")]
    output: PathBuf,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// What serves a row.
#[derive(Clone, Copy, PartialEq)]
pub enum Host {
    Devhost,
    /// `wash dev`, with this wash binary, in a project `wash new` made and
    /// wash built.
    WashDev(&'static Path),
    /// `wasmtime serve -Scli` of the row's first file.
    WasmtimeServe,
}

/// One row of the table: a project a host serves and the request it is
/// loaded with.
pub struct Row {
    pub label: &'static str,
    pub host: Host,
    /// The project directory, and the host's arguments besides the
    /// project (or file) and the address.
    pub project: PathBuf,
    pub host_args: Vec<String>,
    /// The component it serves (what `wasmtime serve` runs).
    pub file: PathBuf,
    pub request: Request,
}

/// What a row measured.
pub struct Measured {
    /// Median and minimum, in milliseconds (devhost's rows only).
    pub cold_start: Option<(f64, f64)>,
    /// Pinned: one run per round (two per round for the floor: first and
    /// last).
    pub runs: Vec<Run>,
    /// The same, unpinned.
    pub unpinned: Vec<Run>,
}

fn main() {
    let args = Args::parse();
    let started = Instant::now();
    let path = workspace_root().join(&args.output);
    if args.dev_loop_only {
        report::write_dev_loop(&path, &dev_loops(args.dev_loop_changes));
        return;
    }
    build_components();
    cargo_build(&workspace_root(), &["-p", "bench-floor"]);
    let nats = NatsServer::start();
    // http-client's upstream, for the whole run: the floor, on the
    // loaded host's CPU.
    let floor = floor_project();
    let upstream_address = format!("127.0.0.1:{}", test_support::nats_server::free_port());
    let _upstream = load::start_on_cpu0(floor.path(), &upstream_address, &[]);
    // Kept until the end: the rows' projects live in them.
    let mut projects = vec![floor];
    let rows = rows(&mut projects, &upstream_address, &nats.url());
    if args.overload_only {
        report::write_overload(&path, &args, &rows, &overload(&rows, &args));
    } else {
        let measured = measure(&rows, &args);
        report::write(&path, &args, &rows, &measured, &overload(&rows, &args));
    }
    if args.dev_loop_changes > 0 {
        report::write_dev_loop(&path, &dev_loops(args.dev_loop_changes));
    }
    eprintln!(
        "bench: wrote {} in {:.0?}",
        path.display(),
        started.elapsed()
    );
}

/// Each row's cold start, then its throughput, pinned and unpinned, in
/// every round.
fn measure(rows: &[Row], args: &Args) -> Vec<Measured> {
    let mut measured: Vec<Measured> = rows
        .iter()
        .map(|row| Measured {
            cold_start: (row.host == Host::Devhost).then(|| load::cold_start(row, args.cold_runs)),
            runs: Vec::new(),
            unpinned: Vec::new(),
        })
        .collect();
    // The floor first and last in every round: its drift over the run shows
    // how steady the machine was.
    let order: Vec<usize> = (0..rows.len()).chain([0]).collect();
    for round in 1..=args.rounds {
        for &index in &order {
            eprintln!(
                "bench: round {round}/{}, {}",
                args.rounds, rows[index].label
            );
            let row = &rows[index];
            let pinned = load::throughput(row, true, args.duration, args.connections);
            measured[index].runs.push(pinned);
            let unpinned = load::throughput(row, false, args.duration, args.connections);
            measured[index].unpinned.push(unpinned);
        }
    }
    measured
}

/// The floor (the first of `projects`), then a devhost row for every
/// template with a benchmark request in the table, in its order.
fn rows(projects: &mut Vec<tempfile::TempDir>, upstream: &str, nats_url: &str) -> Vec<Row> {
    let devhost_row = |label, project: PathBuf, file, request| Row {
        label,
        host: Host::Devhost,
        project,
        host_args: Vec::new(),
        file,
        request,
    };
    let floor = projects[0].path().to_path_buf();
    let floor_file = built_component("bench-floor");
    let mut rows = vec![devhost_row(
        "floor",
        floor,
        floor_file,
        Request::new("GET", "/", ""),
    )];
    for template in &TEMPLATES {
        let Some(request) = template.bench else {
            continue;
        };
        let request = Request::new(request.method, request.path, request.body);
        let file = built_component(template.name);
        if template.name == "http-api" {
            // The pair: http-api asks task-leet, both in the root project,
            // linked in one host or over NATS.
            let over_nats = Row {
                label: "http-api + task-leet over NATS",
                host_args: vec!["--nats-url".into(), nats_url.into()],
                ..devhost_row("", workspace_root(), file.clone(), request.clone())
            };
            let pair = devhost_row("http-api + task-leet", workspace_root(), file, request);
            rows.extend([pair, over_nats]);
            continue;
        }
        // A project of its own runs in place; the others from their config,
        // with http-client's upstream and task-stats' NATS server the run's.
        let project = match template.own_workspace {
            true => workspace_root().join(template.name),
            false => {
                let edited = edited_project(template.name, |config| {
                    (config.replace("127.0.0.1:8081", upstream))
                        .replace("nats://127.0.0.1:4222", nats_url)
                });
                let path = edited.path().to_path_buf();
                projects.push(edited);
                path
            }
        };
        rows.push(devhost_row(template.name, project, file, request));
    }
    // The HTTP templates served by one .wasm file, under the hosts a user
    // would run instead, where they are installed: what devhost costs
    // against the real ones.
    // Each row goes after the template's devhost row. (`wasmtime serve` has
    // no wasi:keyvalue, so kv-counter runs under wash alone.)
    let wasmtime_installed = matches!(
        Command::new("wasmtime").arg("--version").output(),
        Ok(output) if output.status.success()
    );
    if !wasmtime_installed {
        eprintln!("bench: no wasmtime on the PATH: its rows are skipped");
    }
    for (template, wasmtime_serves) in [
        ("http-hello", true),
        ("http-router", true),
        ("http-hello-p3", true),
        ("http-router-p3", true),
        ("kv-counter", false),
        ("http-composed", true),
    ] {
        let Some(at) = rows.iter().position(|row| row.label == template) else {
            continue;
        };
        let (label, file, request) = (rows[at].label, &rows[at].file, &rows[at].request);
        let other_host = |host, project: PathBuf| Row {
            label,
            host,
            project,
            host_args: Vec::new(),
            file: file.clone(),
            request: request.clone(),
        };
        let mut others = Vec::new();
        // A WASI 0.3 component, with and without instance reuse where the
        // host offers both: devhost gives each request a fresh instance
        // unless told to reuse, `wasmtime serve` reuses one (128 requests,
        // 16 at once) unless told not to. `wash dev` always gives a fresh
        // one.
        let p3 = template.ends_with("-p3");
        if p3 {
            let reused = &["--p3-reuse", "128"];
            others.push(with_args(
                other_host(Host::Devhost, rows[at].project.clone()),
                reused,
            ));
        }
        let project = test_support::wash::built_project(template);
        for wash in washes() {
            others.push(other_host(Host::WashDev(wash), project.clone()));
        }
        if wasmtime_serves && wasmtime_installed {
            others.push(other_host(Host::WasmtimeServe, workspace_root()));
            if p3 {
                let fresh = &["--max-instance-reuse-count", "1"];
                others.push(with_args(
                    other_host(Host::WasmtimeServe, workspace_root()),
                    fresh,
                ));
            }
        }
        rows.splice(at + 1..at + 1, others);
    }
    rows
}

/// devhost's dev loop, and `watchexec -r -- wash dev` with each wash,
/// where watchexec is installed (`cargo install watchexec-cli`).
fn dev_loops(changes: usize) -> Vec<(String, Vec<dev_loop::Reload>)> {
    let mut loops = vec![(
        "devhost".to_string(),
        dev_loop::measure(&dev_loop::Looper::Devhost, changes, "devhost"),
    )];
    let watchexec_installed = matches!(
        Command::new("watchexec").arg("--version").output(),
        Ok(output) if output.status.success()
    );
    if !watchexec_installed {
        eprintln!("bench: no watchexec on the PATH: wash's dev loop is skipped");
        return loops;
    }
    for (index, wash) in washes().iter().enumerate() {
        let looper = dev_loop::Looper::WatchexecWash(wash.clone());
        let name = format!(
            "`watchexec -r -- wash dev`, wash {}",
            report::wash_build(wash)
        );
        loops.push((
            name,
            dev_loop::measure(&looper, changes, &format!("wash-{index}")),
        ));
    }
    loops
}

/// The washes whose rows the table has: the tests' judge (the wash users
/// install), then `COMPARE_WASH` where it names another build.
pub fn washes() -> &'static [PathBuf] {
    static WASHES: OnceLock<Vec<PathBuf>> = OnceLock::new();
    WASHES.get_or_init(|| {
        let judge = test_support::wash::wash().to_path_buf();
        let other = std::env::var_os("COMPARE_WASH").map(PathBuf::from);
        [judge].into_iter().chain(other).collect()
    })
}

fn with_args(row: Row, args: &[&str]) -> Row {
    Row {
        host_args: args.iter().map(|arg| arg.to_string()).collect(),
        ..row
    }
}

/// The rows loaded past their hosts' limits: http-hello under devhost and
/// under `wash dev`, http-router under `wash dev`, the devhost rows of the
/// pair and kv-counter, and http-router-p3 under `wash dev` and, with and
/// without instance reuse, under devhost and `wasmtime serve`. Each index
/// is into `rows`.
fn overload(rows: &[Row], args: &Args) -> Vec<(usize, load::Overloaded)> {
    if args.overload_connections == 0 {
        return Vec::new();
    }
    let chosen = rows.iter().enumerate().filter(|(_, row)| {
        matches!(
            (row.label, row.host),
            ("http-hello", Host::Devhost | Host::WashDev(_))
                | ("http-api + task-leet" | "kv-counter", Host::Devhost)
                | ("http-router", Host::WashDev(_))
                | (
                    "http-router-p3",
                    Host::Devhost | Host::WasmtimeServe | Host::WashDev(_)
                )
        )
    });
    chosen
        .map(|(index, row)| {
            eprintln!("bench: overload, {}", row.label);
            let measured = load::overload(row, args.duration, args.overload_connections);
            (index, measured)
        })
        .collect()
}

/// A project that serves the floor, built by the root build of `-p bench-floor`.
fn floor_project() -> tempfile::TempDir {
    let floor = built_component("bench-floor");
    scratch_project(&format!("build:\n  component_path: {}\n", floor.display()))
}
