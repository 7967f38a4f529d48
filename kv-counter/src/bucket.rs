//! Opening a bucket of the host's key-value store, and the store's errors
//! as messages.

use crate::bindings::wasi::keyvalue::store;

/// Opens the bucket `name`; `""` names the host's default bucket.
pub fn open(name: &str) -> Result<store::Bucket, String> {
    store::open(name).map_err(describe)
}

pub fn describe(error: store::Error) -> String {
    match error {
        store::Error::NoSuchStore => "key-value store: no such store".into(),
        store::Error::AccessDenied => "key-value store: access denied".into(),
        store::Error::Other(message) => format!("key-value store: {message}"),
    }
}
