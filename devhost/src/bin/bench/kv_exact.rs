//! kv-counter's exactness check: concurrent increments must all count.
//!
//! The bench sends N increments over many keep-alive connections at once,
//! counts the 200s, then reads the counter back: it must have grown by
//! exactly that many. A lost update (a read and a write that interleave)
//! would show up as a smaller count.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, ensure};
use serde::Deserialize;
use tokio::task::JoinSet;

use crate::client::Connection;
use crate::targets::Request;

/// How many increments to send.
pub const INCREMENTS: u32 = 2000;

const INCREMENT: Request = Request {
    method: "POST",
    path: "/counters/exact",
    body: "",
};
const READ: Request = Request {
    method: "GET",
    path: "/counters/exact",
    body: "",
};

pub struct Exactness {
    pub sent: u32,
    /// Increments answered 200.
    pub ok: u64,
    /// How much the counter grew.
    pub counted: u64,
}

impl Exactness {
    pub fn passed(&self) -> bool {
        self.ok == self.counted
    }
}

impl fmt::Display for Exactness {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        write!(
            f,
            "{} concurrent POST /counters/exact: {} answered 200, the counter grew by {}: {verdict}",
            self.sent, self.ok, self.counted
        )
    }
}

/// Runs the check against a kv-counter host, over `connections` connections.
pub async fn check(addr: SocketAddr, connections: u32) -> anyhow::Result<Exactness> {
    let before = read_count(addr).await?;

    // Every connection takes the next request number until all are sent,
    // so exactly INCREMENTS go out however the work spreads.
    let next = Arc::new(AtomicU32::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..connections {
        let next = Arc::clone(&next);
        tasks.spawn(async move {
            let mut connection = Connection::open(addr).await?;
            let mut ok = 0u64;
            while next.fetch_add(1, Ordering::Relaxed) < INCREMENTS {
                let (status, _) = connection.send(&INCREMENT).await?;
                if status == 200 {
                    ok += 1;
                }
            }
            anyhow::Ok(ok)
        });
    }
    let mut ok = 0;
    while let Some(task) = tasks.join_next().await {
        ok += task.context("an increment task failed")??;
    }

    let after = read_count(addr).await?;
    Ok(Exactness {
        sent: INCREMENTS,
        ok,
        counted: after.saturating_sub(before),
    })
}

/// `GET /counters/exact` answers `{"name":"exact","count":N}`.
async fn read_count(addr: SocketAddr) -> anyhow::Result<u64> {
    #[derive(Deserialize)]
    struct Counter {
        count: u64,
    }
    let mut connection = Connection::open(addr).await?;
    let (status, body) = connection.send(&READ).await?;
    ensure!(status == 200, "GET /counters/exact answered {status}");
    let counter: Counter = serde_json::from_slice(&body)
        .with_context(|| format!("GET /counters/exact: {}", String::from_utf8_lossy(&body)))?;
    Ok(counter.count)
}
