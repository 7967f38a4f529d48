//! `scripts/bench`: measures every template's size, cold start, throughput
//! and latency under devhost, next to the floor (the smallest possible
//! wasi:http handler), and writes BENCHMARKS.md. See that file for how it
//! measures, and issue 4 for why.

mod builds;
mod client;
mod cold_start;
mod kv_exact;
mod machine;
mod process;
mod report;
mod targets;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use tokio::runtime::Runtime;

use crate::process::{Cpus, HostProcess, free_address};
use crate::report::{Report, Row};
use crate::targets::{Target, wasm_path};

/// Benchmark the templates under devhost and write BENCHMARKS.md.
#[derive(Parser)]
struct Args {
    /// Seconds of each measured wrk run.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    duration: u64,

    /// wrk's concurrent keep-alive connections (and the kv check's).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    connections: u32,

    /// Fresh hosts started per component to time the cold start.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    cold_runs: u64,

    /// The report to write, relative to the workspace root.
    #[arg(long, default_value = "BENCHMARKS.md")]
    output: PathBuf,
}

/// wrk's warm-up run before each measured one: compiles nothing (that is
/// done at start-up) but fills caches and settles the allocator.
const WARM_UP: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    let args = Args::parse();
    let started = Instant::now();
    match run(&args) {
        Ok(true) => {
            eprintln!("bench: done in {:.0?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("bench: FAILED: see the lines under the table");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Measures everything and writes the report; false if a row ran into
/// errors or the kv check failed.
fn run(args: &Args) -> anyhow::Result<bool> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    ensure!(cpus >= 2, "needs 2 CPUs, one for the host and one for wrk");

    // devhost/ is one level below the workspace root.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("devhost has no parent directory")?
        .to_path_buf();
    builds::build_all(&root)?;
    let devhost = root.join("target/devhost/devhost");

    let scratch = Scratch::create()?;
    // One thread is plenty: the bench only waits on sockets.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    let mut rows = Vec::new();
    let mut exactness = None;
    for target in &targets::ALL {
        eprintln!("bench: {}", target.label);
        let (row, checked) = measure(target, args, &root, &devhost, &scratch.0, &runtime)?;
        if let Some(row_problem) = row.load.problem() {
            eprintln!("bench: FAILED: {}: {row_problem}", target.label);
        }
        rows.push(row);
        exactness = exactness.or(checked);
    }

    let report = Report {
        machine: machine::describe(&root),
        command: std::iter::once("scripts/bench".to_string())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" "),
        duration_secs: args.duration,
        connections: args.connections,
        cold_runs: args.cold_runs,
        rows,
        exactness,
    };
    let output = root.join(&args.output);
    let existing = std::fs::read_to_string(&output).ok();
    std::fs::write(&output, report.render(existing.as_deref()))
        .with_context(|| format!("cannot write {}", output.display()))?;

    println!("{}\n{}", report.table(), report.notes());
    eprintln!("bench: wrote {}", output.display());
    Ok(report.passed())
}

/// One row: size, cold start, then load on a fresh pinned host (and the
/// kv check on that same host, after the load).
fn measure(
    target: &Target,
    args: &Args,
    root: &Path,
    devhost: &Path,
    scratch: &Path,
    runtime: &Runtime,
) -> anyhow::Result<(Row, Option<kv_exact::Exactness>)> {
    let project = targets::write_project(target, root, scratch)?;
    let mut sizes = vec![file_size(&wasm_path(root, target.artifact))?];
    if let Some(worker) = &target.worker {
        sizes.push(file_size(&wasm_path(root, worker.artifact))?);
    }
    let request = &target.request;

    let cold = cold_start::measure(runtime, devhost, &project.dir, request, args.cold_runs)?;

    let addr = free_address()?;
    let mut host = HostProcess::spawn(devhost, &project.dir, addr, Cpus::PinnedToCpu0)?;
    runtime.block_on(cold_start::first_response(&mut host, request))?;
    let url = format!("http://{addr}{}", request.path);
    let mut load = wrk::Load {
        url: &url,
        connections: args.connections,
        duration: WARM_UP,
        script: project.wrk_script.as_deref(),
    };
    wrk::run(&load)?;
    load.duration = Duration::from_secs(args.duration);
    let result = wrk::run(&load)?;
    // A host that crashed under load would make the numbers meaningless.
    host.check_running()?;
    // Not an error in itself (a guest may log), but worth a look.
    let stderr = host.stderr();
    if !stderr.is_empty() {
        eprintln!("bench: devhost wrote to stderr under load:\n{stderr}");
    }

    let exactness = if target.check_counter {
        let exactness = runtime.block_on(kv_exact::check(addr, args.connections))?;
        eprintln!("bench: kv-counter exactness: {exactness}");
        Some(exactness)
    } else {
        None
    };

    let row = Row {
        label: target.label,
        request: format!("{} {}", request.method, request.path),
        is_floor: target.artifact == "bench_floor",
        sizes,
        cold,
        load: result,
    };
    Ok((row, exactness))
}

fn file_size(path: &Path) -> anyhow::Result<u64> {
    let metadata =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(metadata.len())
}

/// A temporary directory for the scratch projects, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn create() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("devhost-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
