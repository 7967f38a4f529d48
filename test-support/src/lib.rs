//! What devhost's end-to-end tests and the benchmark share: the table of
//! templates, the repository and its builds, the hosts they start (devhost
//! as a process or in this process, `wash dev`, `wasmtime serve`,
//! nats-server), and the clients that talk to them. Test code only: a
//! panic here is a failed test, with its message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod browser;
pub mod client;
pub mod clones;
pub mod devhost_library;
pub mod devhost_process;
pub mod nats_server;
pub mod process;
pub mod readme;
pub mod surface;
pub mod templates;
pub mod upstream;
pub mod wash;
pub mod wasmtime_serve;
pub mod workspace;

pub use client::{Answer, Client};
pub use devhost_library::{start_host, start_host_in, start_host_with};
pub use devhost_process::DevhostProcess;
pub use nats_server::NatsServer;
pub use templates::{TEMPLATES, Template, template};
pub use wash::{WashDev, WashPair};
pub use wasmtime_serve::WasmtimeServe;
pub use workspace::{built_component, workspace_root};
