//! The key-value side: every count lives in the default bucket.

use crate::bindings::wasi::keyvalue::atomics;
use crate::bucket::{describe, open};

/// The key behind `GET /`. Counter keys all start with `counter:`, and a
/// counter name cannot contain `:`, so the two never collide.
pub const VISITS_KEY: &str = "visits";
/// The host's default bucket, by its name.
const DEFAULT_BUCKET: &str = "";

/// Adds one to `key` and returns the new count.
pub fn increment(key: &str) -> Result<u64, String> {
    let bucket = open(DEFAULT_BUCKET)?;
    atomics::increment(&bucket, key, 1).map_err(describe)
}

/// Returns the count at `key` without changing it: 0 when it does not exist.
pub fn read(key: &str) -> Result<u64, String> {
    let bucket = open(DEFAULT_BUCKET)?;
    if !bucket.exists(key).map_err(describe)? {
        return Ok(0);
    }
    // How a count is stored is up to the host (text, little-endian bytes...).
    // Adding 0 returns the number in any encoding, and changes nothing.
    atomics::increment(&bucket, key, 0).map_err(describe)
}
