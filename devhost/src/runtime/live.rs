//! What a dev host serves now, and how a new build takes its place: loaded
//! in full beside the old one, then swapped in, each part at once. Requests
//! and messages already running finish on the build they started on; the
//! next meet the new one. What lasts across builds (the listener, the
//! key-value data, the broker and its NATS connection) never goes away.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::components::{self, Components, Loader, Service};
use super::handlers::Handler;
use super::http::HttpServer;
use super::instances::{EpochTicker, Instances, Work, new_engine};
use crate::interfaces::keyvalue::KeyValueStore;
use crate::interfaces::messaging::{Broker, ConsumerGroup, Subscription};
use crate::log;
use crate::project::build_command::BuildFailed;
use crate::project::config::{ComponentSpec, ProjectConfig};

/// The settings a build is loaded with, fixed for the life of the host.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_instances: u32,
    pub time_limit: Duration,
    pub admission_wait: Duration,
    pub p3_requests_per_instance: usize,
    /// The host runs the build command (a missing file is then not the
    /// user's to build).
    pub builds: bool,
    /// No per-request or per-message log lines.
    pub quiet: bool,
}

/// The builds of one host: what serves now, and what lasts across builds.
pub struct Live {
    project_dir: PathBuf,
    settings: Settings,
    keyvalue: Arc<KeyValueStore>,
    broker: Arc<Broker>,
    server: Arc<HttpServer>,
    /// Made with the first build that loads (it tells whether WASI 0.3 is
    /// needed).
    engine: Option<Engine>,
    handlers: Vec<RunningHandler>,
    service: Option<RunningService>,
    /// The number of the build serving now; 0 before the first.
    build: u64,
}

struct Engine {
    wasi_p3: bool,
    loader: Loader,
    instances: Arc<Instances>,
    _ticker: EpochTicker,
}

/// A message handler's place in the broker, and where its latest build
/// goes.
struct RunningHandler {
    name: String,
    subscribed: String,
    latest: watch::Sender<Arc<Handler>>,
}

struct RunningService {
    spec: ComponentSpec,
    task: JoinHandle<()>,
}

impl Drop for RunningService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A build that loaded and now serves.
pub struct Loaded {
    pub build: u64,
    /// The components compiled for it (the others are as they were).
    pub compiled: Vec<String>,
    /// How long loading and swapping it in took.
    pub took: Duration,
}

impl Live {
    pub fn new(
        project_dir: PathBuf,
        settings: Settings,
        broker: Arc<Broker>,
        server: Arc<HttpServer>,
    ) -> Self {
        Self {
            project_dir,
            settings,
            keyvalue: Arc::default(),
            broker,
            server,
            engine: None,
            handlers: Vec::new(),
            service: None,
            build: 0,
        }
    }

    /// The number of the build serving now; 0 before the first loads.
    pub fn build(&self) -> u64 {
        self.build
    }

    /// The project dir, as given.
    pub fn project_dir(&self) -> &Path {
        &self.project_dir
    }

    /// The first build failed (or did not load): until one loads, every
    /// request is answered 503 with why.
    pub fn first_failed(&self, error: &anyhow::Error) {
        log::warn(format_args!(
            "devhost: nothing to serve yet: every request gets 503 until a build succeeds"
        ));
        let output = match error.downcast_ref::<BuildFailed>() {
            Some(failed) => format!("\n{}", failed.output),
            None => String::new(),
        };
        self.server.not_serving(format!(
            "devhost: no build of this project has loaded yet; fix the error below and save, \
             and devhost builds again.\n\n{error:#}\n{output}"
        ));
    }

    /// Loads the project as `config` and its files say now, and swaps it in.
    /// On an error nothing has changed: the last build still serves.
    pub async fn load(&mut self, config: &ProjectConfig) -> anyhow::Result<Loaded> {
        let started = Instant::now();
        let project_dir = &self.project_dir;
        // As under wash: `configs:` and `secrets:` are read after the
        // build, and a missing variable or a refused file stops here.
        let environment = config.environment(project_dir)?;
        let specs = config.components(project_dir, &environment);
        let service = config.service(project_dir, &environment);
        if specs.is_empty() && service.is_none() {
            bail!("no components: set build.component_path or dev.components in the config");
        }
        for spec in specs.iter().chain(&service) {
            if !spec.file.is_file() {
                let hint = if self.settings.builds {
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
        let volumes = config.volumes(project_dir)?;
        let wasi_p3 = components::any_exports_http_p3(specs.iter().chain(&service))?;

        let max_instances = self.settings.max_instances;
        let engine = self.engine(wasi_p3)?;
        let service_spec = service.clone();
        let components = (engine.loader)
            .load(specs, service, volumes.into(), max_instances)
            .await?;
        let instances = Arc::clone(&engine.instances);

        // Everything that can fail comes before the swap.
        let Components {
            http,
            handlers,
            service,
            compiled,
        } = components;
        let http = http
            .map(|http| http.serving(&instances, self.settings.p3_requests_per_instance))
            .transpose()?;
        self.swap_handlers(handlers, &instances).await?;
        self.server.serve(Arc::clone(&instances), http);
        self.swap_service(service_spec, service, &compiled, &instances)
            .await;

        self.build += 1;
        Ok(Loaded {
            build: self.build,
            compiled,
            took: started.elapsed(),
        })
    }

    /// The engine, made on the first load.
    fn engine(&mut self, wasi_p3: bool) -> anyhow::Result<&mut Engine> {
        if let Some(engine) = &self.engine
            && wasi_p3
            && !engine.wasi_p3
        {
            bail!(
                "a component now serves WASI 0.3 (wasi:http/handler), which this devhost \
                 was not started for: restart devhost to serve it"
            );
        }
        let engine = match self.engine.take() {
            Some(engine) => engine,
            None => {
                let limits = &self.settings;
                let engine = new_engine(limits.max_instances, wasi_p3)?;
                Engine {
                    wasi_p3,
                    loader: Loader::new(&engine, wasi_p3)?,
                    instances: Arc::new(Instances::new(
                        engine.clone(),
                        Arc::clone(&self.keyvalue),
                        Arc::clone(&self.broker),
                        limits.time_limit,
                        limits.admission_wait,
                    )),
                    _ticker: EpochTicker::start(engine)?,
                }
            }
        };
        Ok(self.engine.insert(engine))
    }

    /// Hands each message handler its new build. With the same handlers
    /// subscribed the same way, the broker's subscriptions stay as they
    /// are (over NATS: the same subscriptions, nothing resubscribed);
    /// otherwise the broker gets the new ones.
    async fn swap_handlers(
        &mut self,
        handlers: Vec<components::HandlerComponent>,
        instances: &Arc<Instances>,
    ) -> anyhow::Result<()> {
        let unchanged = handlers.len() == self.handlers.len()
            && handlers.iter().zip(&self.handlers).all(|(new, running)| {
                new.handler.component.name == running.name
                    && subscribed(&new.patterns, &new.consumer_group) == running.subscribed
            });
        if unchanged {
            for (new, running) in handlers.into_iter().zip(&self.handlers) {
                running.latest.send_replace(Arc::new(new.handler));
            }
            return Ok(());
        }
        let mut subscriptions = Vec::new();
        let mut running = Vec::new();
        for new in handlers {
            let name = new.handler.component.name.clone();
            let (deliveries, received) = mpsc::unbounded_channel();
            let (latest, current) = watch::channel(Arc::new(new.handler));
            // It ends when the broker lets go of its subscription.
            tokio::spawn(Handler::serve(current, Arc::clone(instances), received));
            running.push(RunningHandler {
                name: name.clone(),
                subscribed: subscribed(&new.patterns, &new.consumer_group),
                latest,
            });
            subscriptions.push(Subscription {
                component: name,
                patterns: new.patterns,
                consumer_group: new.consumer_group,
                deliveries,
            });
        }
        self.broker
            .replace(subscriptions, self.settings.quiet)
            .await?;
        self.handlers = running;
        Ok(())
    }

    /// Starts the service, or restarts it if its own file or settings
    /// changed: its clients lose their connections then (it owns them), and
    /// its port is closed until the new one listens. Otherwise the running
    /// one keeps running.
    async fn swap_service(
        &mut self,
        spec: Option<ComponentSpec>,
        service: Option<Service>,
        compiled: &[String],
        instances: &Arc<Instances>,
    ) {
        let (Some(spec), Some(service)) = (spec, service) else {
            self.stop_service().await;
            return;
        };
        if let Some(running) = &self.service
            && running.spec == spec
            && !compiled.contains(&spec.name)
        {
            return;
        }
        if self.stop_service().await {
            log::info(format_args!("devhost: restarting {}", spec.name));
        }
        let task = tokio::spawn(run_service(Arc::clone(instances), service));
        self.service = Some(RunningService { spec, task });
    }

    /// Stops the service, if one runs, and waits until its instance is
    /// gone (its slot free, its sockets closed). Whether one ran.
    async fn stop_service(&mut self) -> bool {
        let Some(mut running) = self.service.take() else {
            return false;
        };
        running.task.abort();
        let _ = (&mut running.task).await;
        true
    }
}

/// How a handler is subscribed, to compare two builds'.
fn subscribed(
    patterns: &[crate::interfaces::messaging::SubjectPattern],
    group: &ConsumerGroup,
) -> String {
    let patterns: Vec<&str> = patterns.iter().map(|pattern| pattern.as_str()).collect();
    format!("{} in {group}", patterns.join(","))
}

/// Runs the service's `wasi:cli/run` until it returns, which a service
/// should not do: its end is logged.
async fn run_service(instances: Arc<Instances>, service: Service) {
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
