//! Where and with what the bench ran, for the report: numbers mean little
//! without the machine and the toolchain behind them.

use std::path::Path;
use std::process::Command;

pub struct Machine {
    pub date: String,
    pub cpus: String,
    pub memory: String,
    pub cpu_model: String,
    pub rustc: String,
    pub wasmtime: String,
    pub wrk: String,
}

/// Gathers the facts; one that cannot be read says "unknown" rather than
/// failing a run that has already measured everything.
pub fn describe(root: &Path) -> Machine {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    Machine {
        date: first_line(&["date", "-u", "+%Y-%m-%d %H:%M UTC"]),
        cpus: first_line(&["nproc"]),
        memory: mem_total(&meminfo).unwrap_or_else(unknown),
        cpu_model: field(&cpuinfo, "model name").unwrap_or_else(unknown),
        rustc: first_line(&["rustc", "-V"]),
        wasmtime: locked_version(&lock, "wasmtime").unwrap_or_else(unknown),
        // "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
        wrk: first_line(&["wrk", "-v"])
            .split(" Copyright")
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn unknown() -> String {
    "unknown".to_string()
}

/// The first line a command prints (wrk -v prints its version and exits 1).
fn first_line(command: &[&str]) -> String {
    let Some((program, args)) = command.split_first() else {
        return unknown();
    };
    let Ok(output) = Command::new(program).args(args).output() else {
        return unknown();
    };
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    text.lines()
        .next()
        .map(|line| line.trim().to_string())
        .unwrap_or_else(unknown)
}

/// The value of the first `name : value` line, as in /proc/cpuinfo.
fn field(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim().to_string())
    })
}

/// "MemTotal: 24684084 kB" as "23.5 GiB".
fn mem_total(meminfo: &str) -> Option<String> {
    let kib: f64 = field(meminfo, "MemTotal")?
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(format!("{:.1} GiB", kib / (1024.0 * 1024.0)))
}

/// A package's version in Cargo.lock: the `version` line after its `name`.
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines().skip_while(|line| *line != name_line);
    lines.next()?;
    let version = lines.next()?.strip_prefix("version = \"")?;
    Some(version.trim_end_matches('"').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_memory_cpu_model_and_locked_version() {
        let meminfo = "MemTotal:       24684084 kB\nMemFree: 1 kB\n";
        assert_eq!(mem_total(meminfo).unwrap(), "23.5 GiB");

        let cpuinfo = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n";
        assert_eq!(
            field(cpuinfo, "model name").unwrap(),
            "Intel(R) Xeon(R) Processor"
        );

        let lock = "[[package]]\nname = \"wasmtime-wasi\"\nversion = \"1.0.0\"\n\n\
                    [[package]]\nname = \"wasmtime\"\nversion = \"48.0.8\"\n";
        assert_eq!(locked_version(lock, "wasmtime").unwrap(), "48.0.8");
        assert_eq!(locked_version(lock, "missing"), None);
    }
}
