//! What each Wasmtime `Store` holds: the state of one instance of one
//! component, created fresh for every HTTP request and every message, and
//! the views the interfaces devhost implements take of it.

use std::sync::Arc;

use http_body_util::BodyExt;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{
    RequestOptions, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use super::admission::Slots;
use super::guest_output::GuestOutput;
use crate::interfaces::allowed_hosts::AllowedHost;
use crate::interfaces::keyvalue::{KeyValue, KeyValueStore};
use crate::interfaces::messaging::{Broker, Consumer};
use crate::interfaces::sockets::Sockets;
use crate::interfaces::volumes::{self, Volume};
use crate::interfaces::wasi_config::{ConfigMap, WasiConfig};
use crate::log;

/// A loaded component's name, merged config, the hosts its outgoing HTTP
/// may reach, the directories it may open, and its share of the instance
/// pool, shared by its instances.
#[derive(Debug)]
pub struct ComponentInfo {
    pub name: String,
    pub config: ConfigMap,
    /// Its environment variables (`environment`, resolved).
    pub environment: ConfigMap,
    pub allowed_hosts: Vec<AllowedHost>,
    pub sockets: Sockets,
    /// The project's volumes: every component and the service get them all.
    pub volumes: Arc<[Volume]>,
    pub slots: Slots,
}

#[cfg(test)]
impl ComponentInfo {
    /// A component with nothing set but its name, and one slot.
    pub fn named(name: &str) -> Arc<Self> {
        Arc::new(Self {
            name: name.to_string(),
            config: Default::default(),
            environment: Default::default(),
            allowed_hosts: Vec::new(),
            sockets: Default::default(),
            volumes: Arc::new([]),
            slots: Slots::new(1),
        })
    }
}

pub struct ComponentState {
    component: Arc<ComponentInfo>,
    /// Host-wide: every instance sees the same key-value data and broker.
    keyvalue: Arc<KeyValueStore>,
    broker: Arc<Broker>,
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    outgoing_http: OutgoingHttp,
}

impl ComponentState {
    /// Fails only if one of the component's volumes cannot be opened (its
    /// directory has gone since start-up).
    pub fn new(
        component: Arc<ComponentInfo>,
        keyvalue: Arc<KeyValueStore>,
        broker: Arc<Broker>,
    ) -> anyhow::Result<Self> {
        // Its `environment` and no arguments, no preopened directories but
        // the project's volumes (`interfaces/volumes.rs`), and sockets only as
        // `interfaces/sockets.rs` allows (wasmtime-wasi denies them
        // otherwise). The guest's stdout goes to our stderr, so devhost's
        // own stdout carries only its own lines; both a whole line at a time.
        let mut wasi = WasiCtx::builder();
        wasi.stdout(GuestOutput::default())
            .stderr(GuestOutput::default());
        for (key, value) in &component.environment {
            wasi.env(key, value);
        }
        component.sockets.apply(&mut wasi);
        volumes::apply(&component.volumes, &mut wasi)?;
        let wasi = wasi.build();
        Ok(Self {
            outgoing_http: OutgoingHttp(Arc::clone(&component)),
            component,
            keyvalue,
            broker,
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
        })
    }

    /// For `wasi:keyvalue` (see `interfaces/keyvalue.rs`).
    pub fn keyvalue(&mut self) -> KeyValue<'_> {
        KeyValue {
            store: &self.keyvalue,
            table: &mut self.table,
        }
    }

    /// For `wasi:config` (see `interfaces/wasi_config.rs`).
    pub fn config(&mut self) -> WasiConfig<'_> {
        WasiConfig(&self.component.config)
    }

    /// For `wasmcloud:messaging/consumer` (see `messaging/`).
    pub fn consumer(&mut self) -> Consumer<'_> {
        Consumer(&self.broker)
    }
}

impl WasiView for ComponentState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for ComponentState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outgoing_http,
        }
    }
}

/// Outgoing HTTP goes out for real (wasmtime-wasi-http's own client, HTTP
/// and HTTPS, honouring the guest's timeouts) to the component's allowed
/// hosts; to any other host the guest gets `error-code::HTTP-request-denied`.
struct OutgoingHttp(Arc<ComponentInfo>);

type SendRequestFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<HyperOutgoingBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for OutgoingHttp {
    fn send_request(
        &mut self,
        request: http::Request<HyperOutgoingBody>,
        options: Option<RequestOptions>,
        _response_errors: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendRequestFuture {
        let component = &self.0;
        if !component
            .allowed_hosts
            .iter()
            .any(|allowed| allowed.matches(request.uri()))
        {
            log::warn(format_args!(
                "devhost: {} may not call {}: not in its allowedHosts",
                component.name,
                request.uri().authority().map_or("?", |a| a.as_str())
            ));
            // Read the guest's request body to its end first: were it
            // dropped now, the guest writing it would see the stream break
            // before it sees why.
            return Box::new(async move {
                let _ = request.into_body().collect().await;
                Err(wasmtime_wasi_http::Error::HttpRequestDenied)
            });
        }
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            let io: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> = Box::new(io);
            Ok((response.map(BodyExt::boxed_unsync), io))
        })
    }
}
