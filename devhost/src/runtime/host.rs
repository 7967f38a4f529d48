//! Starting a dev host: config, build, compile, link, listen.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::admission::DEFAULT_ADMISSION_WAIT;
use super::instances::{DEFAULT_MAX_INSTANCES, EpochTicker, Instances, Work, new_engine};
use super::{components, http};
use crate::interfaces::bindings::messaging_types::BrokerMessage;
use crate::interfaces::messaging::{Broker, Subscription, Transport};
use crate::log;
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
        }
    }
}

/// A dev host serving HTTP on a background task.
pub struct RunningHost {
    local_addr: SocketAddr,
    http_component: Option<String>,
    broker: Arc<Broker>,
    stop: oneshot::Sender<()>,
    server: JoinHandle<()>,
    // Stops the message handlers and NATS receivers when the host goes away.
    _tasks: Tasks,
    // Stops the epoch thread when the host goes away.
    _epoch_ticker: EpochTicker,
}

impl RunningHost {
    /// The address actually listened on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The name of the component serving HTTP, if any does.
    pub fn http_component(&self) -> Option<&str> {
        self.http_component.as_deref()
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
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

/// Background tasks that end with the host.
struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        self.0.iter().for_each(JoinHandle::abort);
    }
}

/// Loads the project's config, builds (if asked), compiles and links every
/// component, binds the address and starts serving.
pub async fn start(options: Options) -> anyhow::Result<RunningHost> {
    let project_dir = &options.project_dir;
    let config = ProjectConfig::load(project_dir)?;
    let address = match options.address {
        Some(address) => address,
        None => config.address()?.unwrap_or(DEFAULT_ADDRESS),
    };
    // Bind and connect before the (possibly long) build, so that a taken
    // port or an unreachable NATS server fails fast.
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let local_addr = listener.local_addr()?;
    let transport = match nats_url(&options, &config) {
        Some(url) => Transport::nats(url).await?,
        None => Transport::default(),
    };

    if options.build {
        build_command::run(&config.build, project_dir).await?;
    }
    // After the build, as under wash: `configs:` and `secrets:` are read
    // now, and a missing variable or a refused file stops here.
    let environment = config.environment(project_dir)?;
    let specs = config.components(project_dir, &environment);
    let service = config.service(project_dir, &environment);
    if specs.is_empty() && service.is_none() {
        bail!("no components: set build.component_path or dev.components in the config");
    }
    for spec in specs.iter().chain(&service) {
        if !spec.file.is_file() {
            let hint = if options.build {
                ""
            } else {
                " (build it, or drop --no-build)"
            };
            bail!(
                "component {}: {} not found{hint}",
                spec.name,
                spec.file.display()
            );
        }
    }
    // After the build, which may be what makes them, as under wash.
    let volumes = config.volumes(project_dir)?;

    if options.admission_wait > options.request_timeout {
        bail!(
            "the admission wait ({:?}) must not be longer than the request time limit ({:?})",
            options.admission_wait,
            options.request_timeout
        );
    }
    let wasi_p3 = components::any_exports_http_p3(specs.iter().chain(&service))?;
    let engine = new_engine(options.max_instances, wasi_p3)?;
    let components = components::load(
        &engine,
        wasi_p3,
        specs,
        service,
        volumes.into(),
        options.max_instances,
    )
    .await?;

    // Each handler gets a channel, the broker the sending end: the broker
    // routes messages, the handlers run them.
    let mut subscriptions = Vec::new();
    let mut handlers = Vec::new();
    for handler in components.handlers {
        let (deliveries, received) = mpsc::unbounded_channel();
        subscriptions.push(Subscription {
            component: handler.handler.component.name.clone(),
            patterns: handler.patterns,
            consumer_group: handler.consumer_group,
            deliveries,
        });
        handlers.push((handler.handler, received));
    }
    let broker = Arc::new(Broker::new(subscriptions, transport));
    let epoch_ticker = EpochTicker::start(engine.clone())?;
    let instances = Arc::new(Instances::new(
        engine,
        Default::default(),
        Arc::clone(&broker),
        options.request_timeout,
        options.admission_wait,
    ));

    let http_component = components.http.as_ref().map(|t| t.component.name.clone());
    let server = Arc::new(http::HttpServer::new(
        Arc::clone(&instances),
        components.http,
        options.quiet,
        options.p3_requests_per_instance,
    )?);

    let mut tasks = broker.serve(options.quiet).await?;
    for (handler, received) in handlers {
        tasks.push(tokio::spawn(
            handler.serve(Arc::clone(&instances), received),
        ));
    }
    if let Some(service) = components.service {
        tasks.push(tokio::spawn(run_service(instances, service)));
    }
    let (stop, stopped) = oneshot::channel();
    let server = tokio::spawn(http::serve(listener, server, stopped));

    Ok(RunningHost {
        local_addr,
        http_component,
        broker,
        stop,
        server,
        _tasks: Tasks(tasks),
        _epoch_ticker: epoch_ticker,
    })
}

/// Runs the service's `wasi:cli/run` until it returns, which a service
/// should not do: its end is logged.
async fn run_service(instances: Arc<Instances>, service: components::Service) {
    let name = &service.component.name;
    let mut admitted = match instances.admit(&service.component, Work::Service).await {
        Ok(admitted) => admitted,
        Err(why) => return log::warn(format_args!("devhost: {name} cannot start: {why}")),
    };
    let store = &mut admitted.store;
    let ran = async {
        let command = service.pre.instantiate_async(&mut *store).await?;
        command.wasi_cli_run().call_run(&mut *store).await
    };
    match ran.await {
        Ok(Ok(())) => log::warn(format_args!("devhost: {name} returned, and no longer runs")),
        Ok(Err(())) => log::warn(format_args!("devhost: {name} failed, and no longer runs")),
        Err(error) => log::warn(format_args!(
            "devhost: {name} trapped, and no longer runs: {error:#}"
        )),
    }
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
