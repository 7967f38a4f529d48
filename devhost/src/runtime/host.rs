//! Starting a dev host: config, listen, build, compile, link, serve, and
//! (with [`Options::watch`]) the dev loop.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::admission::DEFAULT_ADMISSION_WAIT;
use super::dev_loop;
use super::http::{self, HttpServer};
use super::instances::DEFAULT_MAX_INSTANCES;
use super::live::{Live, Settings};
use crate::interfaces::bindings::messaging_types::BrokerMessage;
use crate::interfaces::messaging::{Broker, Transport};
use crate::project::build_command;
use crate::project::config::ProjectConfig;

/// Where devhost listens when neither `--address` nor `dev.address` says.
/// (wash listens on 0.0.0.0:8000; a dev host stays on loopback.)
pub const DEFAULT_ADDRESS: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8000));

/// The default time limit for one HTTP request or one message handler.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How to start a dev host.
#[derive(Debug, Clone)]
pub struct Options {
    /// The directory holding `.wash/config.yaml`; relative paths in the
    /// config are relative to it.
    pub project_dir: PathBuf,
    /// Overrides `dev.address`. Use port 0 for any free port.
    pub address: Option<SocketAddr>,
    /// Run `build.command` first.
    pub build: bool,
    /// The longest one HTTP request or one message handler may run.
    pub request_timeout: Duration,
    /// No per-request log lines.
    pub quiet: bool,
    /// Carry `wasmcloud:messaging` over this NATS server instead of the
    /// in-process broker. Overrides `dev.data_nats_url`.
    pub nats_url: Option<String>,
    /// How many component instances may exist at once, shared out equally
    /// between the components (a service keeps one).
    pub max_instances: u32,
    /// How long a request or message waits for a free instance before it
    /// is turned away as busy (503 with `Retry-After`, or an `Err`).
    pub admission_wait: Duration,
    /// How many requests one instance of a WASI 0.3 component serves (up
    /// to 16 at once) before it is dropped: 1, the default, gives each
    /// request a fresh instance, as `wash dev` does.
    pub p3_requests_per_instance: usize,
    /// Watch the project's files, and build and swap in each change (see
    /// `dev_loop.rs`). A failed build then keeps the last good one serving,
    /// and a failed first build answers every request 503 with its error.
    pub watch: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            project_dir: PathBuf::from("."),
            address: None,
            build: true,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            quiet: false,
            nats_url: None,
            max_instances: DEFAULT_MAX_INSTANCES,
            admission_wait: DEFAULT_ADMISSION_WAIT,
            p3_requests_per_instance: 1,
            watch: false,
        }
    }
}

/// A dev host serving HTTP on a background task.
pub struct RunningHost {
    local_addr: SocketAddr,
    broker: Arc<Broker>,
    server: Arc<HttpServer>,
    stop: Option<oneshot::Sender<()>>,
    serving: JoinHandle<()>,
    /// The builds: kept here, or by the dev loop when it watches.
    _builds: Builds,
}

enum Builds {
    /// Built once: held so that its service and handlers keep running.
    Fixed { _live: Box<Live> },
    /// Held by the dev loop's task.
    Watched(JoinHandle<()>),
}

impl Drop for Builds {
    fn drop(&mut self) {
        if let Self::Watched(dev_loop) = self {
            dev_loop.abort();
        }
    }
}

impl RunningHost {
    /// The address actually listened on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether it watches the project and swaps in each new build.
    pub fn watches(&self) -> bool {
        matches!(self._builds, Builds::Watched(_))
    }

    /// Whether a build has loaded (with [`Options::watch`], the first may
    /// have failed).
    pub fn serves(&self) -> bool {
        self.server.serves()
    }

    /// The name of the component serving HTTP, if any does.
    pub fn http_component(&self) -> Option<String> {
        self.server.component_name()
    }

    /// Sends a request, as a component's `consumer::request` does (over NATS
    /// if the host uses it), and returns the reply's body.
    pub async fn request(
        &self,
        subject: &str,
        body: &[u8],
        timeout_ms: u32,
    ) -> Result<Vec<u8>, String> {
        let reply = self
            .broker
            .request(subject.into(), body.into(), timeout_ms)
            .await?;
        Ok(reply.body)
    }

    /// Hands a message straight to a subscriber of `subject` on this host
    /// and returns what its handler returned. Unlike [`Self::request`] it
    /// can send what no request would, such as a message without
    /// `reply_to`.
    pub async fn deliver(
        &self,
        subject: &str,
        body: &[u8],
        reply_to: Option<&str>,
    ) -> Result<(), String> {
        let message = BrokerMessage {
            subject: subject.into(),
            body: body.into(),
            reply_to: reply_to.map(String::from),
        };
        self.broker.deliver(message).await
    }

    /// Stops accepting connections and closes open ones.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.serving).await;
    }
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        // The handlers' tasks and the NATS subscriptions end with it.
        self.broker.close();
    }
}

/// What every request gets before the first build has loaded.
const BUILDING: &str = "devhost is building the project; try again in a moment\n";

/// Loads the project's config, builds (if asked), compiles and links every
/// component, binds the address and starts serving; with
/// [`Options::watch`], keeps watching the project and swapping in each new
/// build (see `dev_loop.rs`).
pub async fn start(options: Options) -> anyhow::Result<RunningHost> {
    let project_dir = &options.project_dir;
    let config = ProjectConfig::load(project_dir)?;
    let address = match options.address {
        Some(address) => address,
        None => config.address()?.unwrap_or(DEFAULT_ADDRESS),
    };
    if options.admission_wait > options.request_timeout {
        bail!(
            "the admission wait ({:?}) must not be longer than the request time limit ({:?})",
            options.admission_wait,
            options.request_timeout
        );
    }
    // Bind and connect before the (possibly long) build, so that a taken
    // port or an unreachable NATS server fails fast.
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let local_addr = listener.local_addr()?;
    let nats = nats_url(&options, &config).map(String::from);
    let transport = match &nats {
        Some(url) => Transport::nats(url).await?,
        None => Transport::default(),
    };
    let broker = Arc::new(Broker::new(Vec::new(), transport));
    let server = Arc::new(HttpServer::new(options.quiet, BUILDING.to_string()));
    let (stop, stopped) = oneshot::channel();
    let serving = tokio::spawn(http::serve(listener, Arc::clone(&server), stopped));
    let settings = Settings {
        max_instances: options.max_instances,
        time_limit: options.request_timeout,
        admission_wait: options.admission_wait,
        p3_requests_per_instance: options.p3_requests_per_instance,
        builds: options.build,
        quiet: options.quiet,
    };
    let mut live = Live::new(
        project_dir.clone(),
        settings,
        Arc::clone(&broker),
        Arc::clone(&server),
    );
    // Without watching, a failed first build is the end (and dropping
    // `stop` stops the server); with it, the loop goes on.
    let first = first_build(&options, &config, &mut live).await;
    let builds = if options.watch {
        if let Err(error) = first {
            live.first_failed(&error);
        }
        let fixed = dev_loop::Fixed {
            address: options
                .address
                .is_none()
                .then(|| config.address().ok().flatten()),
            listening: local_addr,
            nats: options.nats_url.is_none().then_some(nats),
        };
        let watcher = dev_loop::watch(project_dir, &config)?;
        Builds::Watched(tokio::spawn(dev_loop::run(live, watcher, fixed)))
    } else {
        first?;
        Builds::Fixed {
            _live: Box::new(live),
        }
    };
    Ok(RunningHost {
        local_addr,
        broker,
        server,
        stop: Some(stop),
        serving,
        _builds: builds,
    })
}

/// Builds (if asked) and loads the first build. Both failures are the
/// same to a user: nothing to serve.
async fn first_build(
    options: &Options,
    config: &ProjectConfig,
    live: &mut Live,
) -> anyhow::Result<()> {
    if options.build {
        build_command::run(&config.build, &options.project_dir).await?;
    }
    live.load(config).await?;
    Ok(())
}

/// Where to carry messages: `--nats-url` wins over `dev.data_nats_url`;
/// with neither, the in-process broker.
fn nats_url<'a>(options: &'a Options, config: &'a ProjectConfig) -> Option<&'a str> {
    options
        .nats_url
        .as_deref()
        .or(config.dev.data_nats_url.as_deref())
        .map(str::trim)
        .filter(|url| !url.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with_nats(url: &str) -> ProjectConfig {
        ProjectConfig::parse(&format!("dev:\n  data_nats_url: {url}\n")).unwrap()
    }

    #[test]
    fn the_flag_wins_over_the_config_and_neither_means_in_process() {
        let flag = Options {
            nats_url: Some("nats://flag:4222".into()),
            ..Options::default()
        };
        let config = config_with_nats("nats://config:4222");
        assert_eq!(nats_url(&flag, &config), Some("nats://flag:4222"));
        assert_eq!(
            nats_url(&Options::default(), &config),
            Some("nats://config:4222")
        );
        let none = ProjectConfig::parse("").unwrap();
        assert_eq!(nats_url(&Options::default(), &none), None);
        assert_eq!(
            nats_url(&Options::default(), &config_with_nats("\"\"")),
            None
        );
    }
}
