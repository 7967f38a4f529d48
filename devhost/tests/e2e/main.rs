//! End-to-end tests: the built `.wasm` files run in the dev host, on an
//! ephemeral loopback port, driven over real HTTP (and, for the worker,
//! through the host's message broker). One test binary, so the components
//! are built and Wasmtime is linked once.

// All of this is test code: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod cli;
mod common;
mod copy_crate;
mod http_api;
mod http_hello;
mod http_router;
mod kv_counter;
mod manifests;
mod nats;
mod readme;
mod sizes;
mod surface;
mod task_leet;
