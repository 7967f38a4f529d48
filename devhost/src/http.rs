//! The HTTP server: every request runs `wasi:http/incoming-handler` in a
//! fresh instance of the serving component.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::instances::Instances;
use crate::state::{ComponentInfo, ComponentState};

/// How long a client has to send a request's headers, from when it starts
/// (or, on a kept-alive connection, from the end of the previous response):
/// a client that sends nothing, or a byte at a time, is disconnected then
/// instead of holding its connection forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The component that answers HTTP, pre-linked so each request only
/// instantiates it.
pub struct HttpComponent {
    pub component: Arc<ComponentInfo>,
    pub proxy: ProxyPre<ComponentState>,
}

pub struct HttpServer {
    pub instances: Arc<Instances>,
    /// `None` for a project without an HTTP component: every request is 404.
    pub target: Option<HttpComponent>,
    /// No per-request log lines.
    pub quiet: bool,
}

/// Accepts connections until `stop` fires (or its sender is dropped).
/// Connections still open then are closed.
pub async fn serve(
    listener: TcpListener,
    server: Arc<HttpServer>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&server)));
                }
                Err(error) => {
                    // Usually out of file descriptors: wait instead of spinning.
                    eprintln!("devhost: cannot accept a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            // Forget connections that have ended.
            Some(_) = connections.join_next() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, server: Arc<HttpServer>) {
    // Without this, a response written in two parts (the head, then the
    // body as the guest writes it) waits for the client's delayed ACK of
    // the first: up to 40 ms on Linux.
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let server = Arc::clone(&server);
        async move { Ok::<_, Infallible>(server.handle(request).await) }
    });
    // Errors here are broken connections (a client that hung up, or that
    // was too slow); each request's own failures have already been answered
    // and logged.
    let _ = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

impl HttpServer {
    async fn handle(&self, request: hyper::Request<Incoming>) -> Response<HyperOutgoingBody> {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_string();

        let response = match &self.target {
            Some(target) => self.call_component(target, request).await,
            None => text_response(
                StatusCode::NOT_FOUND,
                "no component serves HTTP here (none exports wasi:http/incoming-handler)\n",
            ),
        };

        if !self.quiet {
            let status = response.status().as_u16();
            println!("{method} {path} {status} {:.1?}", started.elapsed());
        }
        response
    }

    async fn call_component(
        &self,
        target: &HttpComponent,
        request: hyper::Request<Incoming>,
    ) -> Response<HyperOutgoingBody> {
        let name = &target.component.name;
        let mut store = self.instances.new_store(&target.component);

        let (response_sender, response_receiver) = oneshot::channel();
        let request = match store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
        {
            Ok(request) => request,
            // For example an HTTP/1.0 request without a Host header.
            Err(error) => return text_response(StatusCode::BAD_REQUEST, format!("{error}\n")),
        };
        let response_out = match store
            .data_mut()
            .http()
            .new_response_outparam(response_sender)
        {
            Ok(response_out) => response_out,
            Err(error) => return self.failure(name, &anyhow::Error::from(error)),
        };

        // The call runs on its own task: after the guest has sent the
        // response head it may still be writing the body.
        let instances = Arc::clone(&self.instances);
        let proxy = target.proxy.clone();
        let call = tokio::spawn(async move {
            instances
                .limit_time(async {
                    let instance = proxy.instantiate_async(&mut store).await?;
                    instance
                        .wasi_http_incoming_handler()
                        .call_handle(&mut store, request, response_out)
                        .await
                })
                .await
        });

        match response_receiver.await {
            Ok(Ok(response)) => {
                // Report a failure that happens while the body streams.
                let name = name.clone();
                tokio::spawn(async move {
                    if let Ok(Err(error)) = call.await {
                        eprintln!("devhost: {name} failed after responding: {error:#}");
                    }
                });
                response
            }
            // The guest answered with a wasi:http error code.
            Ok(Err(code)) => self.failure(name, &anyhow::anyhow!("error code {code:?}")),
            // The guest ended without answering: find out why.
            Err(_) => match call.await {
                Ok(Ok(())) => self.failure(name, &anyhow::anyhow!("returned without a response")),
                Ok(Err(error)) => self.failure(name, &error),
                Err(error) => self.failure(name, &anyhow::Error::from(error)),
            },
        }
    }

    /// Logs a component failure and answers 500 with the reason: this is a
    /// dev host, so the reason helps more than it leaks.
    fn failure(&self, name: &str, error: &anyhow::Error) -> Response<HyperOutgoingBody> {
        eprintln!("devhost: {name} failed: {error:#}");
        text_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{name} failed: {error:#}\n"),
        )
    }
}

fn text_response(status: StatusCode, body: impl Into<Bytes>) -> Response<HyperOutgoingBody> {
    let body = Full::new(body.into())
        .map_err(|never: Infallible| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
