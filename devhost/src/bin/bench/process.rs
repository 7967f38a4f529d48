//! The processes the bench starts (devhost hosts and one nats-server), and
//! the guards that end them.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running devhost. Dropping it kills the process and waits for it, so no
/// host outlives the bench, also when a step fails with `?` half-way.
pub struct HostProcess {
    child: Child,
    pub addr: SocketAddr,
    stderr: PathBuf,
}

/// Where a host runs: on any CPU (cold start, as a user would see it) or on
/// CPU 0 only, leaving CPU 1 to wrk (throughput).
#[derive(Clone, Copy, PartialEq)]
pub enum Cpus {
    Any,
    PinnedToCpu0,
}

impl HostProcess {
    /// Starts `devhost -C <project> --no-build --address <addr>`.
    pub fn spawn(
        devhost: &Path,
        project: &Path,
        addr: SocketAddr,
        cpus: Cpus,
    ) -> anyhow::Result<Self> {
        let mut command = match cpus {
            Cpus::Any => Command::new(devhost),
            Cpus::PinnedToCpu0 => {
                // taskset execs devhost: the child's pid is devhost's.
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", "0"]).arg(devhost);
                taskset
            }
        };
        let stderr = project.join("devhost.stderr");
        let stderr_file =
            File::create(&stderr).with_context(|| format!("cannot create {}", stderr.display()))?;
        command
            .arg("-C")
            .arg(project)
            .args(["--no-build", "--address", &addr.to_string()])
            .stdin(Stdio::null())
            // devhost logs one line per request to stdout. Nobody reads it,
            // and a pipe nobody drains would fill up and stall the host.
            .stdout(Stdio::null())
            .stderr(stderr_file);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", devhost.display()))?;
        Ok(Self {
            child,
            addr,
            stderr,
        })
    }

    /// Fails, with what devhost wrote to stderr, if the process has exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("devhost exited ({status}):\n{}", self.stderr());
        }
        Ok(())
    }

    /// What devhost wrote to stderr so far: its errors, and guest panics.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        // Errors mean it has already exited: nothing left to do.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address with a port nobody listens on right now. The bench
/// picks it (rather than `:0`) so it can poll the host before the host says
/// where it listens.
pub fn free_address() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?)
}

/// The nats-server the rows over NATS share, on a free loopback port, for
/// the whole run. Not pinned: in production NATS runs on other machines,
/// and here it can take neither wrk's CPU nor the host's for itself.
pub struct NatsServer {
    child: Child,
    pub url: String,
}

/// How long nats-server may take to accept connections.
const NATS_START_TIMEOUT: Duration = Duration::from_secs(10);

impl NatsServer {
    pub fn start() -> anyhow::Result<Self> {
        let addr = free_address()?;
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &addr.port().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start nats-server (scripts/bench installs it)")?;
        let server = Self {
            child,
            url: format!("nats://{addr}"),
        };
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if started.elapsed() > NATS_START_TIMEOUT {
                bail!("nats-server did not listen on {addr} within {NATS_START_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(server)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
