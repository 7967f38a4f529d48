//! Compiling and linking a project's components, and sorting them by what
//! they export: the one that serves HTTP, and those that handle messages.
//! A [`Loader`] does it build after build, compiling only what changed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use wasmtime::Engine;
use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime_wasi::p2::bindings::CommandPre;

use super::admission::{self, Slots};
use super::handlers::Handler;
use super::http::HttpComponent;
use super::state::{ComponentInfo, ComponentState};
use crate::interfaces::bindings::MessageHandlerPre;
use crate::interfaces::messaging::{ConsumerGroup, SubjectPattern, parse_subscriptions};
use crate::interfaces::volumes::Volume;
use crate::interfaces::{keyvalue, messaging, wasi_config};
use crate::log;
use crate::project::config::ComponentSpec;

const HTTP_EXPORT: &str = "wasi:http/incoming-handler";
/// WASI 0.3's HTTP export.
const HTTP_P3_EXPORT: &str = "wasi:http/handler";
const MESSAGE_HANDLER_EXPORT: &str = "wasmcloud:messaging/handler";

/// A project's components, by what they do.
#[derive(Default)]
pub struct Components {
    /// The first component, in manifest order, that exports HTTP.
    pub http: Option<HttpComponent>,
    pub handlers: Vec<HandlerComponent>,
    /// The long-running service, if the project has one.
    pub service: Option<Service>,
    /// The components whose files were compiled for this load: new, or
    /// changed since the last.
    pub compiled: Vec<String>,
}

/// A `wasi:cli/run` component that runs as long as the host does.
pub struct Service {
    pub component: Arc<ComponentInfo>,
    pub pre: CommandPre<ComponentState>,
}

/// A component that exports the message handler, and what it subscribes to.
pub struct HandlerComponent {
    pub handler: Handler,
    pub patterns: Vec<SubjectPattern>,
    pub consumer_group: ConsumerGroup,
}

/// Whether any of `specs` exports WASI 0.3's HTTP handler, read from the
/// files' top-level exports without compiling them: such a project needs an
/// engine with the component model's async support (see `new_engine`).
pub fn any_exports_http_p3<'a>(
    specs: impl IntoIterator<Item = &'a ComponentSpec>,
) -> anyhow::Result<bool> {
    for spec in specs {
        let bytes = std::fs::read(&spec.file).with_context(|| {
            format!(
                "component {}: cannot read {}",
                spec.name,
                spec.file.display()
            )
        })?;
        if top_level_exports(&bytes)?
            .iter()
            .any(|export| export.starts_with(HTTP_P3_EXPORT))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The names a component exports itself (nested components and modules
/// have export sections of their own).
fn top_level_exports(bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    let mut exports = Vec::new();
    let mut depth = 0_u32;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload? {
            wasmparser::Payload::Version { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    exports.push(export?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(exports)
}

/// Loads a project's components, build after build, with one engine and
/// linker. It keeps each component file's bytes and compiled code, so that
/// a new build compiles only the files that changed, and each component's
/// share of the instance pool, so that instances of its old build and its
/// new one together stay within it.
pub struct Loader {
    engine: Engine,
    linker: Linker<ComponentState>,
    compiled: HashMap<PathBuf, Compiled>,
    slots: HashMap<String, Slots>,
}

struct Compiled {
    bytes: Vec<u8>,
    component: Component,
}

impl Loader {
    /// WASI 0.3 is linked in only if `wasi_p3` (the engine must support it).
    pub fn new(engine: &Engine, wasi_p3: bool) -> anyhow::Result<Self> {
        Ok(Self {
            engine: engine.clone(),
            linker: new_linker(engine, wasi_p3)?,
            compiled: HashMap::new(),
            slots: HashMap::new(),
        })
    }

    /// Compiles (if new or changed) and links every component, in manifest
    /// order, and the service, sharing `max_instances` out between them
    /// (see admission.rs). Each of them gets every one of `volumes`, as
    /// under `wash dev`.
    pub async fn load(
        &mut self,
        specs: Vec<ComponentSpec>,
        service: Option<ComponentSpec>,
        volumes: Arc<[Volume]>,
        max_instances: u32,
    ) -> anyhow::Result<Components> {
        let Some(share) = admission::shares(max_instances, specs.len(), service.is_some()) else {
            bail!(
                "{max_instances} instances at once are too few for {} components: each needs one",
                specs.len() + usize::from(service.is_some())
            );
        };
        let mut components = Components::default();
        // What the project no longer names is forgotten.
        let files: Vec<&PathBuf> = specs
            .iter()
            .chain(&service)
            .map(|spec| &spec.file)
            .collect();
        let names: Vec<&String> = specs
            .iter()
            .chain(&service)
            .map(|spec| &spec.name)
            .collect();
        self.compiled.retain(|file, _| files.contains(&file));
        self.slots.retain(|name, _| names.contains(&name));
        for spec in specs {
            let loaded = self
                .load_one(spec, &volumes, share, &mut components)
                .await?;
            components.add(loaded)?;
        }
        if let Some(spec) = service {
            let loaded = self.load_one(spec, &volumes, 1, &mut components).await?;
            let name = &loaded.info.name;
            let pre = CommandPre::new(loaded.pre)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("{name}: a service must export wasi:cli/run"))?;
            components.service = Some(Service {
                component: loaded.info,
                pre,
            });
        }
        Ok(components)
    }

    async fn load_one(
        &mut self,
        spec: ComponentSpec,
        volumes: &Arc<[Volume]>,
        slots: usize,
        components: &mut Components,
    ) -> anyhow::Result<Loaded> {
        let ComponentSpec {
            name,
            wash_name,
            file,
            config,
            environment,
            allowed_hosts,
            sockets,
        } = spec;
        let (component, compiled) = self
            .compile(&file)
            .await
            .with_context(|| format!("component {name}: cannot load {}", file.display()))?;
        if compiled {
            components.compiled.push(name.clone());
        }
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("component {name}: cannot link its imports"))?;

        let exports: Vec<String> = component
            .component_type()
            .exports(&self.engine)
            .map(|(export, _)| export.to_string())
            .collect();
        let slots = match self.slots.get(&name) {
            Some(kept) if kept.count() == slots => kept.clone(),
            _ => Slots::new(slots),
        };
        self.slots.insert(name.clone(), slots.clone());
        Ok(Loaded {
            info: Arc::new(ComponentInfo {
                name,
                config,
                environment,
                allowed_hosts,
                sockets,
                volumes: Arc::clone(volumes),
                slots,
            }),
            wash_name,
            pre,
            exports_http: exports_interface(&exports, HTTP_EXPORT),
            exports_http_p3: exports_interface(&exports, HTTP_P3_EXPORT),
            exports_message_handler: exports_interface(&exports, MESSAGE_HANDLER_EXPORT),
        })
    }

    /// The component in `file`, and whether it was compiled now: only if
    /// its bytes differ from the last time. Compiling takes a while
    /// (seconds for a big component), so it runs off the async worker
    /// threads.
    async fn compile(&mut self, file: &PathBuf) -> anyhow::Result<(Component, bool)> {
        let bytes = tokio::fs::read(file).await?;
        if let Some(kept) = self.compiled.get(file)
            && kept.bytes == bytes
        {
            return Ok((kept.component.clone(), false));
        }
        let engine = self.engine.clone();
        let (bytes, component) = tokio::task::spawn_blocking(move || {
            let component = Component::new(&engine, &bytes);
            (bytes, component)
        })
        .await?;
        let component = component?;
        let compiled = Compiled {
            bytes,
            component: component.clone(),
        };
        self.compiled.insert(file.clone(), compiled);
        Ok((component, true))
    }
}

/// One linker for every component: WASI and wasi:http, 0.2 and, if
/// `wasi_p3`, 0.3 (outgoing requests only to allowed hosts, see state.rs),
/// and the interfaces devhost implements. A WASI 0.3 component built with
/// Rust's `wasm32-wasip2` target imports both: 0.3 for what it uses itself,
/// 0.2 for what std brings.
fn new_linker(engine: &Engine, wasi_p3: bool) -> anyhow::Result<Linker<ComponentState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    if wasi_p3 {
        wasmtime_wasi::p3::add_to_linker(&mut linker)?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
    }
    keyvalue::add_to_linker(&mut linker, ComponentState::keyvalue)?;
    wasi_config::add_to_linker(&mut linker, ComponentState::config)?;
    messaging::add_to_linker(&mut linker, ComponentState::consumer)?;
    Ok(linker)
}

/// A compiled, linked component and what it exports.
struct Loaded {
    info: Arc<ComponentInfo>,
    /// See [`ComponentSpec::wash_name`].
    wash_name: String,
    pre: InstancePre<ComponentState>,
    exports_http: bool,
    exports_http_p3: bool,
    exports_message_handler: bool,
}

/// Whether one of `exports` is `interface` at some version
/// (`wasi:http/incoming-handler@0.2.6` is `wasi:http/incoming-handler`).
fn exports_interface(exports: &[String], interface: &str) -> bool {
    exports
        .iter()
        .any(|export| export.split('@').next() == Some(interface))
}

impl Components {
    /// Makes `loaded` the HTTP server (if it is the first HTTP exporter)
    /// and/or a message handler.
    fn add(&mut self, loaded: Loaded) -> anyhow::Result<()> {
        let name = &loaded.info.name;
        let subscriptions = loaded.info.config.get("subscriptions");

        if loaded.exports_http || loaded.exports_http_p3 {
            match &self.http {
                Some(serving) => log::warn(format_args!(
                    "devhost: warning: {name} also exports wasi:http; only {} serves HTTP",
                    serving.component.name
                )),
                None => {
                    self.http = Some(HttpComponent {
                        component: Arc::clone(&loaded.info),
                        pre: loaded.pre.clone(),
                        wasi_p3: !loaded.exports_http,
                    });
                }
            }
        }

        if !loaded.exports_message_handler {
            if subscriptions.is_some() {
                log::warn(format_args!(
                    "devhost: warning: {name} has `subscriptions` but does not export {MESSAGE_HANDLER_EXPORT}; ignored"
                ));
            }
            return Ok(());
        }
        let patterns = parse_subscriptions(subscriptions.map(String::as_str).unwrap_or(""));
        if patterns.is_empty() {
            log::warn(format_args!(
                "devhost: warning: {name} exports {MESSAGE_HANDLER_EXPORT} but has no `subscriptions` config, so it gets no messages"
            ));
        }
        let consumer_group = ConsumerGroup::from_config(&loaded.info.config, &loaded.wash_name)
            .with_context(|| format!("component {name}"))?;
        let pre = MessageHandlerPre::new(loaded.pre)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!("component {name}: unsupported {MESSAGE_HANDLER_EXPORT} export")
            })?;
        self.handlers.push(HandlerComponent {
            handler: Handler {
                component: loaded.info,
                pre,
            },
            patterns,
            consumer_group,
        });
        Ok(())
    }
}
