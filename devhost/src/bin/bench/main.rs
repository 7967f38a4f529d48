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
mod row;
mod stats;
mod targets;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use tokio::runtime::Runtime;

use crate::process::{Cpus, HostProcess, NatsServer, free_address};
use crate::report::Report;
use crate::row::Row;
use crate::targets::{Project, Target, wasm_path};
use crate::wrk::WrkResult;

/// Benchmark the templates under devhost and write BENCHMARKS.md.
#[derive(Parser)]
struct Args {
    /// Seconds of each measured wrk run.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    duration: u64,

    /// Rounds of load: each loads every row once (the floor twice), each
    /// load on a fresh host.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    rounds: u64,

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

/// Measures everything and writes the report; false if a run met errors or
/// the kv check failed.
fn run(args: &Args) -> anyhow::Result<bool> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    ensure!(cpus >= 2, "needs 2 CPUs, one for the host and one for wrk");

    // devhost/ is one level below the workspace root.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("devhost has no parent directory")?
        .to_path_buf();
    // Before measuring: a report that cannot keep its log is not written.
    let output = root.join(&args.output);
    let log = report::log_section(read_existing(&output)?.as_deref())
        .with_context(|| format!("will not overwrite {}", output.display()))?;
    builds::build_all(&root)?;
    let devhost = root.join("target/devhost/devhost");

    let scratch = Scratch::create()?;
    let nats = NatsServer::start()?;
    // One thread is plenty: the bench only waits on sockets.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let bench = Bench {
        args,
        devhost: &devhost,
        runtime: &runtime,
        nats_url: &nats.url,
    };

    // Size and cold start once per component; `order` is a round's loads,
    // as indexes into `components` (the floor's twice).
    let mut components: Vec<Component> = Vec::new();
    let mut order = Vec::new();
    for target in &targets::ALL {
        let known = components
            .iter()
            .position(|c| c.target.label == target.label);
        order.push(match known {
            Some(index) => index,
            None => {
                eprintln!("bench: {}: size and cold start", target.label);
                components.push(bench.prepare(target, &root, &scratch.0)?);
                components.len() - 1
            }
        });
    }

    let mut exactness = None;
    for round in 1..=args.rounds {
        let mut runs: Vec<Vec<WrkResult>> = vec![Vec::new(); components.len()];
        for &index in &order {
            let (target, project) = (components[index].target, &components[index].project);
            eprintln!("bench: round {round}/{}: {}", args.rounds, target.label);
            // Once, after the last round's load of kv-counter.
            let check = target.check_counter && round == args.rounds;
            let (result, checked) = bench.load(project, &target.request, check)?;
            if let Some(problem) = result.problem() {
                eprintln!("bench: FAILED: {} (round {round}): {problem}", target.label);
            }
            runs[index].push(result);
            exactness = exactness.or(checked);
        }
        for (component, runs) in components.iter_mut().zip(runs) {
            component.row.rounds.push(runs);
        }
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
        rounds: args.rounds,
        rows: components.into_iter().map(|c| c.row).collect(),
        exactness,
    };
    std::fs::write(&output, report.render(&log))
        .with_context(|| format!("cannot write {}", output.display()))?;

    println!("{}\n{}", report.table(), report.notes());
    eprintln!("bench: wrote {}", output.display());
    Ok(report.passed())
}

/// What every measurement needs.
struct Bench<'a> {
    args: &'a Args,
    devhost: &'a Path,
    runtime: &'a Runtime,
    /// The bench's nats-server, for the rows over NATS.
    nats_url: &'a str,
}

/// A component of the run: its scratch project and its row so far.
struct Component {
    target: &'static Target,
    project: Project,
    row: Row,
}

impl Bench<'_> {
    /// Writes the component's project and measures its size and cold start.
    fn prepare(
        &self,
        target: &'static Target,
        root: &Path,
        scratch: &Path,
    ) -> anyhow::Result<Component> {
        let project = targets::write_project(target, root, scratch, self.nats_url)?;
        let mut sizes = vec![file_size(&wasm_path(root, target.artifact))?];
        if let Some(worker) = &target.worker {
            sizes.push(file_size(&wasm_path(root, worker.artifact))?);
        }
        let request = &target.request;
        let cold = cold_start::measure(
            self.runtime,
            self.devhost,
            &project.dir,
            request,
            self.args.cold_runs,
        )?;
        let row = Row {
            label: target.label,
            request: format!("{} {}", request.method, request.path),
            is_floor: target.artifact == "bench_floor",
            sizes,
            cold,
            rounds: Vec::new(),
        };
        Ok(Component {
            target,
            project,
            row,
        })
    }

    /// One load: a fresh pinned host, the warm-up, the measured wrk run,
    /// then the kv check on that same host if `check`.
    fn load(
        &self,
        project: &Project,
        request: &targets::Request,
        check: bool,
    ) -> anyhow::Result<(WrkResult, Option<kv_exact::Exactness>)> {
        let addr = free_address()?;
        let mut host = HostProcess::spawn(self.devhost, &project.dir, addr, Cpus::PinnedToCpu0)?;
        self.runtime
            .block_on(cold_start::first_response(&mut host, request))?;
        let url = format!("http://{addr}{}", request.path);
        let mut load = wrk::Load {
            url: &url,
            connections: self.args.connections,
            duration: WARM_UP,
            script: project.wrk_script.as_deref(),
        };
        wrk::run(&load)?;
        load.duration = Duration::from_secs(self.args.duration);
        let result = wrk::run(&load)?;
        // A host that crashed under load would make the numbers meaningless.
        host.check_running()?;
        // Not an error in itself (a guest may log), but worth a look.
        let stderr = host.stderr();
        if !stderr.is_empty() {
            eprintln!("bench: devhost wrote to stderr under load:\n{stderr}");
        }

        let exactness = if check {
            let connections = self.args.connections;
            let exactness = self.runtime.block_on(kv_exact::check(addr, connections))?;
            eprintln!("bench: kv-counter exactness: {exactness}");
            Some(exactness)
        } else {
            None
        };
        Ok((result, exactness))
    }
}

/// The report as it is now, if there is one.
fn read_existing(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error).with_context(|| format!("cannot read {}", path.display())),
    }
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
