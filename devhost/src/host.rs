//! Starting a dev host: config, build, compile, link, listen.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wasmtime::component::{Component, HasSelf, InstancePre, Linker};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ProfilingStrategy,
};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::bindings::messaging_types::BrokerMessage;
use crate::bindings::{self, MessageHandlerPre};
use crate::config::{ComponentSpec, ProjectConfig};
use crate::http::{HttpComponent, HttpServer};
use crate::keyvalue::KeyValueStore;
use crate::messaging::{ConsumerGroup, Messaging, Serving, Subscriber, Transport};
use crate::runtime::{EpochTicker, Runtime};
use crate::state::{ComponentInfo, ComponentState};
use crate::subject::parse_subscriptions;
use crate::{build_command, http, messaging};

/// Where devhost listens when neither `--address` nor `dev.address` says.
/// (wash listens on 0.0.0.0:8000; a dev host stays on loopback.)
pub const DEFAULT_ADDRESS: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8000));

/// The default time limit for one HTTP request or one message handler.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const HTTP_EXPORT: &str = "wasi:http/incoming-handler";
const MESSAGE_HANDLER_EXPORT: &str = "wasmcloud:messaging/handler";

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
        }
    }
}

/// A dev host serving HTTP on a background task.
pub struct RunningHost {
    local_addr: SocketAddr,
    http_component: Option<String>,
    stop: oneshot::Sender<()>,
    server: JoinHandle<()>,
    runtime: Arc<Runtime>,
    // Stops receiving NATS messages when the host goes away.
    _serving: Serving,
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
        let reply =
            messaging::request(&self.runtime, subject.into(), body.into(), timeout_ms).await?;
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
        messaging::deliver(&self.runtime, message).await
    }

    /// Stops accepting connections and closes open ones.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
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
    let specs = config.components(project_dir);
    if specs.is_empty() {
        bail!("no components: set build.component_path or dev.components in the config");
    }

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
    for spec in &specs {
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

    let engine = new_engine()?;
    let linker = new_linker(&engine)?;
    let mut http_target: Option<HttpComponent> = None;
    let mut subscribers = Vec::new();
    for spec in specs {
        let loaded = load_component(&engine, &linker, spec).await?;
        add_component(loaded, &mut http_target, &mut subscribers)?;
    }

    let runtime = Arc::new(Runtime {
        engine: engine.clone(),
        keyvalue: KeyValueStore::default(),
        messaging: Messaging::new(subscribers, transport),
        time_limit: options.request_timeout,
    });
    let epoch_ticker = EpochTicker::start(engine)?;
    let serving = messaging::serve(&runtime, options.quiet).await?;

    let http_component = http_target.as_ref().map(|t| t.component.name.clone());
    let server = Arc::new(HttpServer {
        runtime: Arc::clone(&runtime),
        target: http_target,
        quiet: options.quiet,
    });
    let (stop, stopped) = oneshot::channel();
    let server = tokio::spawn(http::serve(listener, server, stopped));

    Ok(RunningHost {
        local_addr,
        http_component,
        stop,
        server,
        runtime,
        _serving: serving,
        _epoch_ticker: epoch_ticker,
    })
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

/// How many component instances may exist at once (see `new_engine`).
const MAX_INSTANCES: u32 = 256;

pub(crate) fn new_engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    // Lets the time limit interrupt a guest that never calls the host.
    config.epoch_interruption(true);
    // A fresh instance per request makes instantiation the hot path. The
    // pooling allocator reuses pre-reserved memory slots instead of mapping
    // new memory each time, as `wasmtime serve` and production hosts do
    // (BENCHMARKS.md has the measurement). 256 concurrent instances is
    // plenty for a dev host; past that a request fails rather than waits.
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(MAX_INSTANCES)
        .total_memories(MAX_INSTANCES)
        .total_tables(MAX_INSTANCES);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    // For `perf record`: write /tmp/perf-<pid>.map so compiled guest code
    // shows up by function name in `perf report`.
    if std::env::var_os("DEVHOST_PERFMAP").is_some() {
        config.profiler(ProfilingStrategy::PerfMap);
    }
    Ok(Engine::new(&config)?)
}

/// One linker for every component: WASI, wasi:http (outgoing requests
/// denied, see state.rs) and devhost's own interfaces.
fn new_linker(engine: &Engine) -> anyhow::Result<Linker<ComponentState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    bindings::Imports::add_to_linker::<_, HasSelf<ComponentState>>(&mut linker, |state| state)?;
    Ok(linker)
}

/// A compiled, linked component and what it exports.
struct LoadedComponent {
    info: Arc<ComponentInfo>,
    /// See [`ComponentSpec::wash_name`].
    wash_name: String,
    pre: InstancePre<ComponentState>,
    exports_http: bool,
    exports_message_handler: bool,
}

async fn load_component(
    engine: &Engine,
    linker: &Linker<ComponentState>,
    spec: ComponentSpec,
) -> anyhow::Result<LoadedComponent> {
    let ComponentSpec {
        name,
        wash_name,
        file,
        config,
    } = spec;
    let component = compile(engine, &file)
        .await
        .with_context(|| format!("component {name}: cannot load {}", file.display()))?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("component {name}: cannot link its imports"))?;

    let export_names: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(export, _)| export.to_string())
        .collect();
    Ok(LoadedComponent {
        info: Arc::new(ComponentInfo { name, config }),
        wash_name,
        pre,
        exports_http: exports_interface(&export_names, HTTP_EXPORT),
        exports_message_handler: exports_interface(&export_names, MESSAGE_HANDLER_EXPORT),
    })
}

/// Compiling takes a while (seconds for a big component), so it runs off
/// the async worker threads.
async fn compile(engine: &Engine, file: &Path) -> anyhow::Result<Component> {
    let engine = engine.clone();
    let file = file.to_path_buf();
    let component =
        tokio::task::spawn_blocking(move || Component::from_file(&engine, &file)).await??;
    Ok(component)
}

/// Whether one of `exports` is `interface` at some version
/// (`wasi:http/incoming-handler@0.2.6` is `wasi:http/incoming-handler`).
fn exports_interface(exports: &[String], interface: &str) -> bool {
    exports
        .iter()
        .any(|export| export.split('@').next() == Some(interface))
}

/// Makes a loaded component the HTTP server (the first HTTP exporter in
/// manifest order) and/or a message subscriber.
fn add_component(
    loaded: LoadedComponent,
    http_target: &mut Option<HttpComponent>,
    subscribers: &mut Vec<Subscriber>,
) -> anyhow::Result<()> {
    let name = &loaded.info.name;
    let subscriptions = loaded.info.config.get("subscriptions");

    if loaded.exports_http {
        match http_target {
            Some(serving) => eprintln!(
                "devhost: warning: {name} also exports {HTTP_EXPORT}; only {} serves HTTP",
                serving.component.name
            ),
            None => {
                let proxy = ProxyPre::new(loaded.pre.clone())
                    .map_err(anyhow::Error::from)
                    .with_context(|| {
                        format!("component {name}: unsupported {HTTP_EXPORT} export")
                    })?;
                *http_target = Some(HttpComponent {
                    component: Arc::clone(&loaded.info),
                    proxy,
                });
            }
        }
    }

    if loaded.exports_message_handler {
        let patterns = parse_subscriptions(subscriptions.map(String::as_str).unwrap_or(""));
        if patterns.is_empty() {
            eprintln!(
                "devhost: warning: {name} exports {MESSAGE_HANDLER_EXPORT} but has no `subscriptions` config, so it gets no messages"
            );
        }
        let handler = MessageHandlerPre::new(loaded.pre)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!("component {name}: unsupported {MESSAGE_HANDLER_EXPORT} export")
            })?;
        let consumer_group = ConsumerGroup::from_config(&loaded.info.config, &loaded.wash_name)
            .with_context(|| format!("component {name}"))?;
        subscribers.push(Subscriber {
            component: loaded.info,
            patterns,
            consumer_group,
            handler,
        });
    } else if subscriptions.is_some() {
        eprintln!(
            "devhost: warning: {name} has `subscriptions` but does not export {MESSAGE_HANDLER_EXPORT}; ignored"
        );
    }
    Ok(())
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
