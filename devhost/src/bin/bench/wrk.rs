//! Running `wrk` and reading its report.
//!
//! The load comes from wrk, a separate process pinned to its own CPU, never
//! from a thread of the host being measured: a load generator sharing the
//! host's CPU would measure itself as much as the host.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail, ensure};

/// What one wrk run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkResult {
    pub requests_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Requests completed over the whole run.
    pub requests: u64,
    /// Responses with a status of 400 or more (wrk's "Non-2xx or 3xx").
    pub non_2xx: u64,
    /// Connect, read and write errors and timeouts, added up.
    pub socket_errors: u64,
}

impl WrkResult {
    /// Why this run cannot be trusted as a benchmark, if it cannot: a
    /// benchmark of error responses measures the error path.
    pub fn problem(&self) -> Option<String> {
        if self.non_2xx == 0 && self.socket_errors == 0 {
            return None;
        }
        Some(format!(
            "{} non-2xx responses and {} socket errors in {} requests",
            self.non_2xx, self.socket_errors, self.requests
        ))
    }
}

/// How to load one URL.
pub struct Load<'a> {
    pub url: &'a str,
    pub connections: u32,
    pub duration: Duration,
    /// A Lua script for requests other than a plain GET.
    pub script: Option<&'a Path>,
}

/// Runs `taskset -c 1 wrk -t1 -c<connections> -d<duration>s --latency` and
/// parses what it prints.
pub fn run(load: &Load) -> anyhow::Result<WrkResult> {
    let mut command = Command::new("taskset");
    command.args(["-c", "1", "wrk", "-t1"]);
    command.arg(format!("-c{}", load.connections));
    command.arg(format!("-d{}s", load.duration.as_secs()));
    command.arg("--latency");
    if let Some(script) = load.script {
        command.arg("-s").arg(script);
    }
    command.arg(load.url);

    let output = command
        .output()
        .context("cannot run `taskset -c 1 wrk` (scripts/bench installs wrk)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "wrk failed ({}): {}{}",
        output.status,
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    parse(&stdout).with_context(|| format!("cannot read wrk's output:\n{stdout}"))
}

/// Reads wrk's `--latency` report (see the files in `testdata/`).
pub fn parse(output: &str) -> anyhow::Result<WrkResult> {
    let mut requests_per_sec = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut requests = None;
    let mut non_2xx = 0;
    let mut socket_errors = 0;

    for line in output.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Requests/sec:") {
            requests_per_sec = Some(value.trim().parse::<f64>()?);
        } else if let Some(value) = line.strip_prefix("50%") {
            p50 = Some(parse_latency(value.trim())?);
        } else if let Some(value) = line.strip_prefix("99%") {
            p99 = Some(parse_latency(value.trim())?);
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            // "29069 requests in 3.00s, 3.24MB read"
            requests = Some(count.parse::<u64>()?);
        } else if let Some(value) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = value.trim().parse()?;
        } else if let Some(value) = line.strip_prefix("Socket errors:") {
            socket_errors = parse_socket_errors(value)?;
        }
    }

    let (Some(requests_per_sec), Some(p50), Some(p99), Some(requests)) =
        (requests_per_sec, p50, p99, requests)
    else {
        bail!("no Requests/sec, 50%, 99% or request count (was --latency given?)");
    };
    Ok(WrkResult {
        requests_per_sec,
        p50,
        p99,
        requests,
        non_2xx,
        socket_errors,
    })
}

/// "950.00us", "1.57ms", "1.02s": wrk picks the unit that fits.
fn parse_latency(value: &str) -> anyhow::Result<Duration> {
    // "us" and "ms" before "s", which ends all three.
    let (number, nanos_per_unit) = if let Some(n) = value.strip_suffix("us") {
        (n, 1e3)
    } else if let Some(n) = value.strip_suffix("ms") {
        (n, 1e6)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1e9)
    } else if let Some(n) = value.strip_suffix('m') {
        (n, 60e9)
    } else {
        bail!("latency {value:?} has no unit wrk uses");
    };
    let number: f64 = number
        .parse()
        .with_context(|| format!("latency {value:?}"))?;
    // Rounded to whole nanoseconds, so "1.57ms" is exactly 1,570 us.
    Ok(Duration::from_nanos(
        (number * nanos_per_unit).round() as u64
    ))
}

/// " connect 0, read 17, write 175908, timeout 0": the sum of the four.
fn parse_socket_errors(value: &str) -> anyhow::Result<u64> {
    let mut total = 0;
    for part in value.split(',') {
        let count = part.split_whitespace().last().unwrap_or_default();
        total += count
            .parse::<u64>()
            .with_context(|| format!("socket errors {value:?}"))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real wrk 4.1.0 output, captured against devhost on this repository's
    // components.
    const OK: &str = include_str!("testdata/wrk_ok.txt");
    const NON_2XX: &str = include_str!("testdata/wrk_non_2xx.txt");
    const SOCKET_ERRORS: &str = include_str!("testdata/wrk_socket_errors.txt");

    #[test]
    fn reads_a_clean_run() {
        let result = parse(OK).unwrap();
        assert_eq!(
            result,
            WrkResult {
                requests_per_sec: 9687.39,
                p50: Duration::from_micros(1570),
                p99: Duration::from_micros(7240),
                requests: 29069,
                non_2xx: 0,
                socket_errors: 0,
            }
        );
        assert_eq!(result.problem(), None);
    }

    #[test]
    fn reads_error_responses_as_a_problem() {
        let result = parse(NON_2XX).unwrap();
        assert_eq!(result.requests, 12004);
        assert_eq!(result.non_2xx, 12004);
        assert_eq!(result.p99, Duration::from_micros(10030));
        assert!(result.problem().unwrap().contains("12004 non-2xx"));
    }

    #[test]
    fn adds_up_socket_errors() {
        let result = parse(SOCKET_ERRORS).unwrap();
        assert_eq!(result.socket_errors, 17 + 175908);
        assert_eq!(result.requests_per_sec, 3912.52);
        assert!(result.problem().is_some());
    }

    #[test]
    fn converts_every_unit() {
        let us = parse_latency("950.00us").unwrap();
        assert_eq!(us, Duration::from_micros(950));
        assert_eq!(
            parse_latency("1.57ms").unwrap(),
            Duration::from_micros(1570)
        );
        assert_eq!(parse_latency("1.02s").unwrap(), Duration::from_millis(1020));
        assert!(parse_latency("12").is_err());
    }

    #[test]
    fn refuses_output_without_the_latency_distribution() {
        let without: String = OK
            .lines()
            .filter(|line| !line.contains('%') || line.contains("Stdev"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(parse(&without).is_err());
    }
}
