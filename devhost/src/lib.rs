//! devhost: a native dev host on Wasmtime that runs the templates the way
//! `wash dev` does.
//!
//! It reads a project's `.wash/config.yaml`, runs the build command, and
//! serves HTTP from the first component that exports
//! `wasi:http/incoming-handler` (WASI 0.2) or `wasi:http/handler` (WASI
//! 0.3), linking every component with:
//!
//! - WASI and `wasi:http`, 0.2 and 0.3, outgoing requests only to the
//!   component's `allowedHosts`, and no directory of the host's but the
//!   project's `dev.volumes`;
//! - `wasi:keyvalue/{store,atomics,batch}@0.2.0-draft`: one in-memory store
//!   shared by all instances;
//! - `wasi:config/store@0.2.0-rc.1`: each component's config map;
//! - `wasmcloud:messaging@0.2.0`: an in-process broker, or with
//!   [`Options::nats_url`] (`--nats-url`, `dev.data_nats_url`) a real NATS
//!   server, so that components in several processes answer each other: a
//!   component's `subscriptions` become NATS queue subscriptions in a group
//!   named after the component, and requests are NATS requests.
//!
//! Every HTTP request and every message gets a fresh instance, with a time
//! limit (a WASI 0.3 instance may serve several requests if
//! [`Options::p3_requests_per_instance`] says so). To run it from a program
//! or a test:
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! let host = devhost::start(devhost::Options {
//!     project_dir: "kv-counter".into(),
//!     address: Some("127.0.0.1:0".parse()?),
//!     build: false,
//!     ..Default::default()
//! })
//! .await?;
//! println!("listening on {}", host.local_addr());
//! host.shutdown().await;
//! # Ok(())
//! # }
//! ```

// In the order they build on each other: each module uses only those
// above it (a blank line between them keeps rustfmt from sorting them).
// The interfaces devhost provides to components know nothing of the
// project that names the components, and neither knows the runtime that
// loads them and runs them.
mod log;

mod interfaces;

mod project;

mod runtime;

pub use interfaces::{allowed_hosts, sockets, volumes};
pub use project::config;
pub use runtime::{
    DEFAULT_ADDRESS, DEFAULT_ADMISSION_WAIT, DEFAULT_MAX_INSTANCES, DEFAULT_REQUEST_TIMEOUT,
    Options, RunningHost, start,
};
