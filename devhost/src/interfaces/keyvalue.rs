//! `wasi:keyvalue/{store,atomics,batch}@0.2.0-draft`: one in-memory store
//! shared by every instance of every component, so a counter survives from
//! one request (one fresh instance) to the next.
//!
//! The interfaces are implemented on [`KeyValue`], a view of one instance's
//! resource table and the shared store, so this module knows nothing of the
//! rest of an instance's state.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use super::bindings::keyvalue_store::{Error, KeyResponse};
use super::bindings::{Bucket, atomics, batch, keyvalue_store};

type Entries = BTreeMap<String, Vec<u8>>;

/// Buckets by identifier (`""` is the default bucket), each a sorted map.
///
/// One lock guards everything: simple, and it makes `increment` atomic (the
/// read, the addition and the write happen under the same lock).
#[derive(Default)]
pub struct KeyValueStore {
    buckets: Mutex<HashMap<String, Entries>>,
}

impl KeyValueStore {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entries>> {
        // Nothing panics while holding the lock, and the maps stay valid
        // even if something did, so a poisoned lock is still usable.
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a bucket, creating it empty if it does not exist yet.
    pub fn open(&self, bucket: &str) {
        self.lock().entry(bucket.to_string()).or_default();
    }

    pub fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self.lock().get(bucket)?.get(key).cloned()
    }

    pub fn set(&self, bucket: &str, key: &str, value: Vec<u8>) {
        self.lock()
            .entry(bucket.to_string())
            .or_default()
            .insert(key.to_string(), value);
    }

    pub fn delete(&self, bucket: &str, key: &str) {
        if let Some(entries) = self.lock().get_mut(bucket) {
            entries.remove(key);
        }
    }

    pub fn keys(&self, bucket: &str) -> Vec<String> {
        self.lock()
            .get(bucket)
            .map(|entries| entries.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Adds `delta` to the counter at `key` (absent counts as 0) and returns
    /// the new value. Counters are stored as decimal ASCII digits (`b"42"`),
    /// so `get` shows them readably.
    pub fn increment(&self, bucket: &str, key: &str, delta: u64) -> Result<u64, String> {
        let mut buckets = self.lock();
        let entries = buckets.entry(bucket.to_string()).or_default();
        let current = match entries.get(key) {
            None => 0,
            Some(value) => parse_counter(value)
                .ok_or_else(|| format!("value at key `{key}` is not a decimal u64 counter"))?,
        };
        let next = current
            .checked_add(delta)
            .ok_or_else(|| format!("incrementing key `{key}` by {delta} overflows u64"))?;
        entries.insert(key.to_string(), next.to_string().into_bytes());
        Ok(next)
    }
}

/// `b"42"` -> 42. Only plain digits: no sign, no spaces, no empty value.
fn parse_counter(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// What one instance's key-value calls reach: the host-wide store, and the
/// instance's own table, where its bucket handles live.
pub struct KeyValue<'a> {
    pub store: &'a KeyValueStore,
    pub table: &'a mut ResourceTable,
}

/// Names [`KeyValue`] as the data the linker hands these interfaces.
struct HasKeyValue;

impl HasData for HasKeyValue {
    type Data<'a> = KeyValue<'a>;
}

/// Links the three interfaces; `view` finds an instance's [`KeyValue`].
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> KeyValue<'_>,
) -> wasmtime::Result<()> {
    keyvalue_store::add_to_linker::<T, HasKeyValue>(linker, view)?;
    atomics::add_to_linker::<T, HasKeyValue>(linker, view)?;
    batch::add_to_linker::<T, HasKeyValue>(linker, view)
}

impl KeyValue<'_> {
    fn bucket_name(&self, bucket: &Resource<Bucket>) -> wasmtime::Result<String> {
        Ok(self.table.get(bucket)?.name.clone())
    }
}

impl keyvalue_store::Host for KeyValue<'_> {
    fn open(&mut self, identifier: String) -> wasmtime::Result<Result<Resource<Bucket>, Error>> {
        self.store.open(&identifier);
        let bucket = self.table.push(Bucket { name: identifier })?;
        Ok(Ok(bucket))
    }
}

impl keyvalue_store::HostBucket for KeyValue<'_> {
    fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let name = self.bucket_name(&bucket)?;
        Ok(Ok(self.store.get(&name, &key)))
    }

    fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let name = self.bucket_name(&bucket)?;
        self.store.set(&name, &key, value);
        Ok(Ok(()))
    }

    fn delete(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let name = self.bucket_name(&bucket)?;
        self.store.delete(&name, &key);
        Ok(Ok(()))
    }

    fn exists(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let name = self.bucket_name(&bucket)?;
        Ok(Ok(self.store.get(&name, &key).is_some()))
    }

    /// Every key in one page: the store is small and in memory.
    fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        _cursor: Option<u64>,
    ) -> wasmtime::Result<Result<KeyResponse, Error>> {
        let name = self.bucket_name(&bucket)?;
        let keys = self.store.keys(&name);
        Ok(Ok(KeyResponse { keys, cursor: None }))
    }

    fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for KeyValue<'_> {
    fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: u64,
    ) -> wasmtime::Result<Result<u64, Error>> {
        let name = self.bucket_name(&bucket)?;
        Ok(self
            .store
            .increment(&name, &key, delta)
            .map_err(Error::Other))
    }
}

impl batch::Host for KeyValue<'_> {
    fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<Option<(String, Vec<u8>)>>, Error>> {
        let name = self.bucket_name(&bucket)?;
        let values = keys
            .into_iter()
            .map(|key| self.store.get(&name, &key).map(|value| (key, value)))
            .collect();
        Ok(Ok(values))
    }

    fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let name = self.bucket_name(&bucket)?;
        for (key, value) in key_values {
            self.store.set(&name, &key, value);
        }
        Ok(Ok(()))
    }

    fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let name = self.bucket_name(&bucket)?;
        for key in keys {
            self.store.delete(&name, &key);
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn increments_from_absent_and_stores_decimal_text() {
        let store = KeyValueStore::default();
        assert_eq!(store.increment("", "visits", 1), Ok(1));
        assert_eq!(store.increment("", "visits", 41), Ok(42));
        assert_eq!(store.get("", "visits"), Some(b"42".to_vec()));
        // Other buckets are separate.
        assert_eq!(store.get("other", "visits"), None);
    }

    #[test]
    fn concurrent_increments_lose_nothing() {
        let store = Arc::new(KeyValueStore::default());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        store.increment("", "count", 1).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(store.get("", "count"), Some(b"8000".to_vec()));
    }

    #[test]
    fn non_numeric_values_and_overflow_are_errors() {
        let store = KeyValueStore::default();
        for value in [
            &b"hello"[..],
            b"",
            b"-1",
            b"+1",
            b" 1",
            b"18446744073709551616",
        ] {
            store.set("", "k", value.to_vec());
            let error = store.increment("", "k", 1).unwrap_err();
            assert!(error.contains("not a decimal u64"), "{value:?}: {error}");
            // The value is left as it was.
            assert_eq!(store.get("", "k"), Some(value.to_vec()));
        }
        store.set("", "k", u64::MAX.to_string().into_bytes());
        assert!(
            store
                .increment("", "k", 1)
                .unwrap_err()
                .contains("overflows")
        );
    }

    #[test]
    fn set_get_delete_and_keys() {
        let store = KeyValueStore::default();
        store.open("b");
        assert!(store.keys("b").is_empty());
        store.set("b", "y", b"2".to_vec());
        store.set("b", "x", b"1".to_vec());
        assert_eq!(store.keys("b"), ["x", "y"]);
        store.delete("b", "x");
        store.delete("b", "missing");
        store.delete("no-such-bucket", "x");
        assert_eq!(store.get("b", "x"), None);
        assert_eq!(store.keys("b"), ["y"]);
    }
}
