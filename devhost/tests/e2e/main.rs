//! End-to-end tests: the built `.wasm` files served over real HTTP (and
//! NATS) on loopback, by devhost and by wash (the wash leg, skipped where
//! there is no wash). One test binary, so the components are built and
//! Wasmtime is linked once.

// All of this is test code: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod cli;
mod consumer_groups;
mod http_api;
mod http_client;
mod http_composed;
mod http_hello;
mod http_router;
mod kv_counter;
mod manifests;
mod nats;
mod overload;
mod projects;
mod readme;
mod service_tcp;
mod sizes;
// Shared with the benchmark (benches/templates), which uses other parts.
#[allow(dead_code)]
mod support;
mod surface;
mod task_leet;
mod task_stats;
