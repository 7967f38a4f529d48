//! Host-side bindings for the interfaces devhost implements itself.
//!
//! The WIT comes from the templates' vendored `wit/deps` plus devhost's own
//! `wit/host.wit`, which names the two worlds below. Dependencies are listed
//! before the package that uses them.

/// The guest's handle to a key-value bucket: just the bucket's name. The
/// data lives in the host-wide store (`keyvalue.rs`), so handles from
/// different instances see the same data.
pub struct Bucket {
    pub name: String,
}

/// `wasi:keyvalue`, `wasi:config` and `wasmcloud:messaging/consumer`: the
/// imports components get from devhost.
mod host {
    wasmtime::component::bindgen!({
        path: [
            "../wit/deps/wasi-keyvalue-0.2.0-draft",
            "../wit/deps/wasi-config-0.2.0-rc.1",
            "../wit/deps/wasmcloud-messaging-0.2.0",
            "wit",
        ],
        world: "wasmcloud:devhost/imports",
        imports: {
            // A request waits for a reply, so it must not block the thread.
            "wasmcloud:messaging/consumer": async | trappable,
            default: trappable,
        },
        with: {
            "wasi:keyvalue/store.bucket": crate::interfaces::bindings::Bucket,
        },
    });
}

/// `wasmcloud:messaging/handler`: what devhost calls on a subscriber.
mod handler {
    wasmtime::component::bindgen!({
        path: [
            "../wit/deps/wasi-keyvalue-0.2.0-draft",
            "../wit/deps/wasi-config-0.2.0-rc.1",
            "../wit/deps/wasmcloud-messaging-0.2.0",
            "wit",
        ],
        world: "wasmcloud:devhost/message-handler",
        exports: { default: async },
        with: {
            // Share `broker-message` with the host bindings above.
            "wasmcloud:messaging/types": super::host::wasmcloud::messaging::types,
        },
    });
}

pub use handler::MessageHandlerPre;
pub use host::wasi::config::store as config_store;
pub use host::wasi::keyvalue::{atomics, batch, store as keyvalue_store};
pub use host::wasmcloud::messaging::{consumer, types as messaging_types};
