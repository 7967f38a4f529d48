//! What each Wasmtime `Store` holds: the state of one instance of one
//! component, created fresh for every HTTP request and every message.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{
    RequestOptions, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use crate::config::ConfigMap;
use crate::runtime::Runtime;

/// A loaded component's name and merged config, shared by its instances.
#[derive(Debug)]
pub struct ComponentInfo {
    pub name: String,
    pub config: ConfigMap,
}

pub struct ComponentState {
    pub(crate) component: Arc<ComponentInfo>,
    /// The shared key-value store, message broker and time limit.
    pub(crate) runtime: Arc<Runtime>,
    pub(crate) table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    http_hooks: DenyOutgoingHttp,
}

impl ComponentState {
    pub fn new(component: Arc<ComponentInfo>, runtime: Arc<Runtime>) -> Self {
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
            runtime,
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
            http_hooks: DenyOutgoingHttp,
        }
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
