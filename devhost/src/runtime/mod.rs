//! The runtime: compiling and linking a project's components (as
//! `src/project/` reads them) with the interfaces devhost provides
//! (`src/interfaces/`), and running them, a fresh instance for
//! every HTTP request and every message (or, for a WASI 0.3 component, as
//! `http_p3.rs` says), each admitted to its component's share of the pool
//! and run under a time limit.

// In the order they build on each other: each module uses only those
// above it (a blank line between them keeps rustfmt from sorting them).
mod admission;

mod guest_output;

mod state;

mod instances;

mod handlers;

mod http_p3;

mod http;

mod components;

mod live;

mod dev_loop;

mod host;

pub use admission::DEFAULT_ADMISSION_WAIT;
pub use host::{DEFAULT_ADDRESS, DEFAULT_REQUEST_TIMEOUT, Options, RunningHost, start};
pub use instances::DEFAULT_MAX_INSTANCES;
