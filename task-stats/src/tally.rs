//! The counts, in the host's key-value store: one counter per worker,
//! changed only by `atomics::increment`, so events handled at once never
//! lose a count.

use std::collections::BTreeMap;

use crate::bindings::wasi::keyvalue::atomics;
use crate::bucket::{describe, open};

/// The bucket the counts live in. A named one: a host backed by NATS
/// JetStream keeps each bucket as a stream, and a stream needs a name.
const BUCKET: &str = "task-stats";
/// The events counted, and the key each worker's count lives at.
const EVENT_PREFIX: &str = "events.task-done.";
const KEY_PREFIX: &str = "done:";

/// The worker an event is about: the last token of
/// `events.task-done.<worker>`, a plain token as http-api allows it.
pub fn worker_of(subject: &str) -> Result<&str, String> {
    let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    match subject.strip_prefix(EVENT_PREFIX) {
        Some(worker) if !worker.is_empty() && worker.chars().all(plain) => Ok(worker),
        _ => Err(format!("not a task-done event: {subject}")),
    }
}

/// Adds one to `worker`'s count.
pub fn count_done(worker: &str) -> Result<u64, String> {
    let bucket = open(BUCKET)?;
    atomics::increment(&bucket, &format!("{KEY_PREFIX}{worker}"), 1).map_err(describe)
}

/// Every worker's count.
pub fn done_per_worker() -> Result<BTreeMap<String, u64>, String> {
    let bucket = open(BUCKET)?;
    let mut counts = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = bucket.list_keys(cursor).map_err(describe)?;
        for key in page.keys {
            if let Some(worker) = key.strip_prefix(KEY_PREFIX) {
                // How a count is stored is up to the host; adding 0 reads it
                // in any encoding, and changes nothing.
                let count = atomics::increment(&bucket, &key, 0).map_err(describe)?;
                counts.insert(worker.to_string(), count);
            }
        }
        cursor = page.cursor;
        if cursor.is_none() {
            return Ok(counts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_is_the_last_token_of_a_task_done_event() {
        assert_eq!(worker_of("events.task-done.leet"), Ok("leet"));
        assert_eq!(worker_of("events.task-done.task-leet"), Ok("task-leet"));
        for subject in [
            "events.task-done.",
            "events.task-done.a.b",
            "events.task-done.Leet",
            "events.other.leet",
            "tasks.leet",
        ] {
            assert!(worker_of(subject).is_err(), "{subject}");
        }
    }
}
