//! What the end-to-end tests share: the workspace and its builds, the
//! processes they start (devhost, wash, nats-server) and an HTTP client.

pub mod clones;
pub mod devhost;
pub mod http;
pub mod nats_server;
pub mod process;
pub mod upstream;
pub mod wash;
pub mod workspace;

pub use devhost::{Devhost, start_host, start_host_in, start_host_with};
pub use http::{Answer, Client};
pub use nats_server::NatsServer;
pub use wash::{WashDev, WashPair};
pub use workspace::{TEMPLATES, built_component, workspace_root};
