//! End-to-end tests: the built `.wasm` files served over real HTTP (and
//! TCP and NATS) on loopback, by devhost and by wash (the wash leg, under
//! the wash `scripts/test` installs, or the one `WASH` names). One test binary, so the components are built
//! and Wasmtime is linked once. What they share, and the table of
//! templates, is the test-support crate.

// All of this is test code: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Each template's contract and README, under devhost and under wash.
mod templates {
    /// HEAD answered like GET, without a body or a panic.
    mod head;
    mod http_api;
    mod http_client;
    mod http_composed;
    mod http_files;
    mod http_hello;
    mod http_hello_p3;
    mod http_router;
    mod http_router_p3;
    mod kv_counter;
    mod service_tcp;
    mod task_leet;
    mod task_stats;
    /// What the WASI 0.3 twins share: the same bytes as their templates.
    mod twins;
}

/// devhost's own behaviour: its command line, NATS, consumer groups, the
/// limits on each request, load.
mod host {
    mod cli;
    mod consumer_groups;
    /// Watching, rebuilding, and swapping in each build while serving.
    mod dev_loop;
    mod limits;
    mod nats;
    mod overload;
}

/// What holds across the repository: projects whole on their own, copies,
/// manifests, surfaces, sizes.
mod repository {
    mod copies;
    mod manifests;
    mod projects;
    mod sizes;
    mod surfaces;
}
