//! Cold start: from starting a fresh devhost process to the first complete
//! response. That includes the process start, compiling every component of
//! the project with Cranelift (devhost keeps no compilation cache) and the
//! first request, with its fresh instance.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::ensure;
use tokio::runtime::Runtime;

use crate::client::Connection;
use crate::process::{Cpus, HostProcess, free_address};
use crate::targets::Request;

/// How often to try again while the host is still compiling.
const POLL_EVERY: Duration = Duration::from_millis(2);
/// Compiling takes well under a second; this only catches a hung host.
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

pub struct ColdStart {
    pub median: Duration,
    pub min: Duration,
}

/// Starts `runs` fresh hosts one after the other and times each one's first
/// response.
pub fn measure(
    runtime: &Runtime,
    devhost: &Path,
    project: &Path,
    request: &Request,
    runs: u64,
) -> anyhow::Result<ColdStart> {
    ensure!(runs > 0, "--cold-runs must be at least 1");
    let mut times = Vec::new();
    for _ in 0..runs {
        let addr = free_address()?;
        let started = Instant::now();
        let mut host = HostProcess::spawn(devhost, project, addr, Cpus::Any)?;
        runtime.block_on(first_response(&mut host, request))?;
        times.push(started.elapsed());
        // Dropping the guard kills this host before the next one starts.
    }
    times.sort();
    Ok(ColdStart {
        median: median(&times),
        min: times[0],
    })
}

/// Polls until the host answers `request` with a 2xx: connecting fails
/// until devhost has compiled the components and listens.
pub async fn first_response(host: &mut HostProcess, request: &Request) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        host.check_running()?;
        if let Ok(mut connection) = Connection::open(host.addr).await {
            let (status, body) = connection.send(request).await?;
            ensure!(
                (200..300).contains(&status),
                "{} {} answered {status}: {}",
                request.method,
                request.path,
                String::from_utf8_lossy(&body)
            );
            return Ok(());
        }
        ensure!(
            started.elapsed() < GIVE_UP_AFTER,
            "devhost did not listen on {} within {GIVE_UP_AFTER:?}",
            host.addr
        );
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// The middle of sorted times (the mean of the middle two for an even count).
fn median(sorted: &[Duration]) -> Duration {
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(1), ms(2), ms(9)]), ms(2));
        assert_eq!(median(&[ms(1), ms(2), ms(4), ms(9)]), ms(3));
    }
}
