//! What each Wasmtime `Store` holds: the state of one instance of one
//! component, created fresh for every HTTP request and every message, and
//! the views the interfaces devhost implements take of it.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{
    RequestOptions, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use crate::config::ConfigMap;
use crate::keyvalue::{KeyValue, KeyValueStore};
use crate::messaging::{Broker, Consumer};
use crate::wasi_config::WasiConfig;

/// A loaded component's name and merged config, shared by its instances.
#[derive(Debug)]
pub struct ComponentInfo {
    pub name: String,
    pub config: ConfigMap,
}

pub struct ComponentState {
    component: Arc<ComponentInfo>,
    /// Host-wide: every instance sees the same key-value data and broker.
    keyvalue: Arc<KeyValueStore>,
    broker: Arc<Broker>,
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    http_hooks: DenyOutgoingHttp,
}

impl ComponentState {
    pub fn new(
        component: Arc<ComponentInfo>,
        keyvalue: Arc<KeyValueStore>,
        broker: Arc<Broker>,
    ) -> Self {
        // No environment, arguments, preopened directories or network
        // access (wasmtime-wasi denies sockets unless told otherwise).
        // The guest's stdout goes to our stderr, so devhost's own stdout
        // carries only its own lines.
        let wasi = WasiCtx::builder()
            .stdout(std::io::stderr())
            .stderr(std::io::stderr())
            .build();
        Self {
            component,
            keyvalue,
            broker,
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
            http_hooks: DenyOutgoingHttp,
        }
    }

    /// For `wasi:keyvalue` (see `keyvalue.rs`).
    pub fn keyvalue(&mut self) -> KeyValue<'_> {
        KeyValue {
            store: &self.keyvalue,
            table: &mut self.table,
        }
    }

    /// For `wasi:config` (see `wasi_config.rs`).
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
            hooks: &mut self.http_hooks,
        }
    }
}

/// Outgoing HTTP from components is refused: the guest sees
/// `error-code::HTTP-request-denied` from `wasi:http/outgoing-handler`.
struct DenyOutgoingHttp;

type SendRequestFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<HyperOutgoingBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for DenyOutgoingHttp {
    fn send_request(
        &mut self,
        _request: http::Request<HyperOutgoingBody>,
        _options: Option<RequestOptions>,
        _response_errors: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendRequestFuture {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}
