//! The interfaces devhost provides to components, each with what only it
//! uses: `wasi:keyvalue`, `wasi:config` and `wasmcloud:messaging`, which
//! devhost implements itself (their host bindings are `bindings.rs`), and
//! the limits it puts on three that Wasmtime implements: the hosts outgoing
//! `wasi:http` may reach, the addresses `wasi:sockets` may use, and the
//! directories `wasi:filesystem` may open. None of it uses the runtime
//! (`src/runtime/`), which links these into every component it loads.

// In the order they build on each other: each module uses only those
// above it (a blank line between them keeps rustfmt from sorting them).
pub mod allowed_hosts;

pub mod sockets;

pub mod volumes;

pub mod bindings;

pub mod wasi_config;

pub mod keyvalue;

pub mod messaging;
