//! The HTTP server: every request runs `wasi:http/incoming-handler` in a
//! fresh instance of the serving component, or, for a WASI 0.3 component,
//! `wasi:http/handler` as `http_p3.rs` runs it.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use http::{Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::body::{Body, Frame, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use wasmtime::component::{InstancePre, Resource};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};
use wasmtime_wasi_http::p3::bindings::ServicePre;

use super::admission::{Busy, RETRY_AFTER_SECONDS};
use super::http_p3::{self, HttpP3};
use super::instances::{Admitted, CallError, Instances, Work};
use super::state::{ComponentInfo, ComponentState};
use crate::log;

/// How long a client has to send a request's headers, from when it starts
/// (or, on a kept-alive connection, from the end of the previous response):
/// a client that sends nothing, or a byte at a time, is disconnected then
/// instead of holding its connection forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The component that answers HTTP, linked so each request only
/// instantiates it.
pub struct HttpComponent {
    pub component: Arc<ComponentInfo>,
    pub pre: InstancePre<ComponentState>,
    /// It serves WASI 0.3's `wasi:http/handler`, not WASI 0.2's
    /// `wasi:http/incoming-handler` (one that exports both serves 0.2).
    pub wasi_p3: bool,
}

/// Answers every request with the build serving now: a new build swaps
/// itself in ([`HttpServer::serve`]) while requests run, and those finish
/// on the build they started on.
pub struct HttpServer {
    current: RwLock<Arc<Current>>,
    /// No per-request log lines.
    quiet: bool,
}

/// What answers requests now.
enum Current {
    /// No build has loaded yet: every request is answered 503 with why.
    NotServing(String),
    Serving {
        instances: Arc<Instances>,
        /// `None` for a project without an HTTP component: every request
        /// is 404.
        http: Option<Serving>,
    },
}

impl HttpComponent {
    /// The component typed by the `wasi:http` it exports, ready to serve.
    pub fn serving(
        self,
        instances: &Arc<Instances>,
        p3_requests_per_instance: usize,
    ) -> anyhow::Result<Serving> {
        let Self {
            component,
            pre,
            wasi_p3,
        } = self;
        let name = component.name.clone();
        if !wasi_p3 {
            let proxy = ProxyPre::new(pre).map_err(anyhow::Error::from);
            let proxy = proxy.with_context(|| {
                format!("component {name}: unsupported wasi:http/incoming-handler export")
            })?;
            return Ok(Serving::P2(component, proxy));
        }
        let service = ServicePre::new(pre).map_err(anyhow::Error::from);
        let service = service
            .with_context(|| format!("component {name}: unsupported wasi:http/handler export"))?;
        let instances = Arc::clone(instances);
        Ok(Serving::P3(http_p3::serve(
            instances,
            component,
            service,
            p3_requests_per_instance,
        )))
    }
}

/// How the HTTP component's requests run.
pub enum Serving {
    /// `wasi:http/incoming-handler@0.2`: each in a fresh instance, here.
    P2(Arc<ComponentInfo>, ProxyPre<ComponentState>),
    /// `wasi:http/handler@0.3`: as `http_p3.rs` runs them.
    P3(HttpP3),
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
                    log::warn(format_args!("devhost: cannot accept a connection: {error}"));
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
    /// A server with nothing to serve yet: until [`Self::serve`], every
    /// request is answered 503, saying `why`.
    pub fn new(quiet: bool, why: String) -> Self {
        Self {
            current: RwLock::new(Arc::new(Current::NotServing(why))),
            quiet,
        }
    }

    /// Answers the next requests with `http` (none: every request is 404).
    pub fn serve(&self, instances: Arc<Instances>, http: Option<Serving>) {
        self.replace(Current::Serving { instances, http });
    }

    /// Answers the next requests 503, saying `why` (nothing has loaded).
    pub fn not_serving(&self, why: String) {
        self.replace(Current::NotServing(why));
    }

    /// Whether a build has loaded.
    pub fn serves(&self) -> bool {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        matches!(**current, Current::Serving { .. })
    }

    /// The name of the component serving HTTP now, if one does.
    pub fn component_name(&self) -> Option<String> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        match &**current {
            Current::Serving {
                http: Some(Serving::P2(component, _)),
                ..
            } => Some(component.name.clone()),
            Current::Serving {
                http: Some(Serving::P3(handler)),
                ..
            } => Some(handler.state().name().to_string()),
            _ => None,
        }
    }

    fn replace(&self, next: Current) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
    }

    async fn handle(&self, request: hyper::Request<Incoming>) -> Response<HyperOutgoingBody> {
        let started = Instant::now();
        let (method, path) = (request.method(), request.uri().path());

        let request_line = format!("{method} {path}");
        let current = Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner));
        let response = match &*current {
            Current::Serving {
                instances,
                http: Some(Serving::P2(component, proxy)),
            } => (self.call_p2(instances, component, proxy, request, &request_line)).await,
            Current::Serving {
                http: Some(Serving::P3(handler)),
                ..
            } => self.call_p3(handler, request, &request_line).await,
            Current::Serving { http: None, .. } => text_response(
                StatusCode::NOT_FOUND,
                "no component serves HTTP here (none exports wasi:http/incoming-handler or wasi:http/handler)\n",
            ),
            Current::NotServing(why) => unavailable(why),
        };

        if !self.quiet {
            let status = response.status().as_u16();
            log::info(format_args!(
                "{request_line} {status} {:.1?}",
                started.elapsed()
            ));
        }
        response
    }

    async fn call_p2(
        &self,
        instances: &Arc<Instances>,
        component: &Arc<ComponentInfo>,
        proxy: &ProxyPre<ComponentState>,
        request: hyper::Request<Incoming>,
        request_line: &str,
    ) -> Response<HyperOutgoingBody> {
        let name = &component.name;
        // Past the component's share of the pool, the request waits here for
        // an instance, in arrival order, and is turned away only after the
        // admission wait.
        let mut admitted = match instances.admit(component, Work::Call).await {
            Ok(admitted) => admitted,
            Err(error) => return self.no_answer(name, error),
        };
        let store = &mut admitted.store;

        let is_head = request.method() == http::Method::HEAD;
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

        let call = GuestCall {
            instances: Arc::clone(instances),
            proxy: proxy.clone(),
            name: name.clone(),
        };
        let run = |answer| call.run(admitted, request, response_out, response_receiver, answer);
        self.answer_from_task(name, request_line, is_head, run)
            .await
    }

    /// Hands the request to a WASI 0.3 component's handler (`http_p3.rs`).
    async fn call_p3(
        &self,
        handler: &HttpP3,
        request: hyper::Request<Incoming>,
        request_line: &str,
    ) -> Response<HyperOutgoingBody> {
        let is_head = request.method() == http::Method::HEAD;
        let request = request.map(|body| body.map_err(Into::into).boxed_unsync());
        let name = handler.state().name();
        let handler = handler.clone();
        let run = |answer: Answer| async move {
            let handled = handler.handle((), request).await;
            let time_limit = handler.state().time_limit();
            answer.send(handled.map_err(|error| http_p3::failure(error, time_limit)));
        };
        self.answer_from_task(name, request_line, is_head, run)
            .await
    }

    /// Runs `call` on a task of its own, handing it where to send its
    /// answer, and answers the client with what it sends. The task owns
    /// the instance until the guest ends: after the response head the guest
    /// may still be writing the body, and a client that leaves must not cut
    /// the guest short.
    async fn answer_from_task<F>(
        &self,
        name: &str,
        request_line: &str,
        is_head: bool,
        call: impl FnOnce(Answer) -> F,
    ) -> Response<HyperOutgoingBody>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let what = format!("{name}'s answer to {request_line}");
        let (sender, answer) = oneshot::channel();
        tokio::spawn(call(Answer {
            sender,
            what: what.clone(),
        }));
        match answer.await {
            Ok(Ok(response)) => to_client(response, what, is_head),
            Ok(Err(error)) => self.no_answer(name, error),
            Err(_) => self.failure(name, &anyhow::anyhow!("ended without an answer")),
        }
    }

    /// 503 when the component stayed busy, else 500 with why it failed.
    fn no_answer(&self, name: &str, error: CallError) -> Response<HyperOutgoingBody> {
        match error {
            CallError::Busy(busy) => busy_response(&busy),
            CallError::Failed(error) => self.failure(name, &error),
        }
    }

    /// Logs a component failure and answers 500 with the reason: this is a
    /// dev host, so the reason helps more than it leaks.
    fn failure(&self, name: &str, error: &anyhow::Error) -> Response<HyperOutgoingBody> {
        log::warn(format_args!("devhost: {name} failed: {error:#}"));
        text_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{name} failed: {error:#}\n"),
        )
    }
}

/// Where a request's task sends the component's answer.
struct Answer {
    sender: oneshot::Sender<Result<Response<HyperOutgoingBody>, CallError>>,
    /// "http-api's answer to POST /task", for the log.
    what: String,
}

impl Answer {
    /// Sends `answer` to the client. If nobody takes the response, because
    /// hyper dropped the request when its client went away, the body is
    /// read to its end and thrown away, so the guest ends as usual rather
    /// than failing on a write to nobody, and one line says so.
    fn send(self, answer: Result<Response<HyperOutgoingBody>, CallError>) {
        if let Err(Ok(response)) = self.sender.send(answer) {
            log::info(format_args!(
                "devhost: the client went away before {}; it is discarded",
                self.what
            ));
            discard(response.into_body());
        }
    }
}

/// The guest's response head, or the wasi:http error it answered with.
type Head = Result<Response<HyperOutgoingBody>, ErrorCode>;

/// One call of a WASI 0.2 guest's `handle`, on a task of its own.
struct GuestCall {
    instances: Arc<Instances>,
    proxy: ProxyPre<ComponentState>,
    name: String,
}

impl GuestCall {
    /// Runs the guest, hands its response (or why there is none) to
    /// `answer`, and logs a failure that comes after the response.
    async fn run(
        self,
        mut admitted: Admitted,
        request: Resource<HostIncomingRequest>,
        response_out: Resource<HostResponseOutparam>,
        mut head: oneshot::Receiver<Head>,
        answer: Answer,
    ) {
        let store = &mut admitted.store;
        let guest = self.instances.limit_time(async {
            let instance = self.proxy.instantiate_async(&mut *store).await?;
            instance
                .wasi_http_incoming_handler()
                .call_handle(&mut *store, request, response_out)
                .await
        });
        tokio::pin!(guest);

        // The head, or the guest's end, whichever comes first; a guest that
        // answers and returns at once has both.
        let mut ended = None;
        let head = tokio::select! {
            biased;
            head = &mut head => head.ok(),
            outcome = &mut guest => {
                ended = Some(outcome);
                head.try_recv().ok()
            }
        };
        match head {
            Some(Ok(response)) => answer.send(Ok(response)),
            Some(Err(code)) => {
                answer.send(Err(CallError::Failed(anyhow::anyhow!(
                    "error code {code:?}"
                ))));
            }
            None => {
                let outcome = match ended.take() {
                    Some(outcome) => outcome,
                    None => guest.as_mut().await,
                };
                let error = match outcome {
                    Ok(()) => anyhow::anyhow!("returned without a response"),
                    Err(error) => error,
                };
                answer.send(Err(CallError::Failed(error)));
                return;
            }
        }
        let outcome = match ended {
            Some(outcome) => outcome,
            None => guest.await,
        };
        if let Err(error) = outcome {
            let name = &self.name;
            log::warn(format_args!(
                "devhost: {name} failed after responding: {error:#}"
            ));
        }
    }
}

/// The guest's response as the client gets it: its body passed on as the
/// guest writes it, and read to its end if the client leaves first.
fn to_client(
    response: Response<HyperOutgoingBody>,
    what: String,
    is_head: bool,
) -> Response<HyperOutgoingBody> {
    // hyper sends no body for these, and never reads one.
    let status = response.status();
    let bodiless = is_head
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let length = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse().ok());
    response.map(|body| ResponseBody::new(body, what, bodiless, length).boxed_unsync())
}

/// Reads a guest's response body to its end on a task of its own and
/// throws it away. The guest's time limit bounds how long that takes.
fn discard(mut body: HyperOutgoingBody) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move { while let Some(Ok(_)) = body.frame().await {} });
    }
}

/// No instance came free within the admission wait: 503, and when to try
/// again. The host is at capacity, not broken.
fn busy_response(busy: &Busy) -> Response<HyperOutgoingBody> {
    unavailable(&format!("{busy}\n"))
}

/// 503 saying `why`, and when to try again.
fn unavailable(why: &str) -> Response<HyperOutgoingBody> {
    let mut response = text_response(StatusCode::SERVICE_UNAVAILABLE, why.to_string());
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

/// A guest's response body on its way to the client. A client that leaves
/// before the end drops it; the rest of the guest's answer is then read and
/// thrown away, so the guest finishes as usual instead of failing on a
/// write to nobody, and one line says what happened.
struct ResponseBody {
    guest: Option<HyperOutgoingBody>,
    ended: bool,
    /// A response hyper sends without a body (to HEAD, 1xx, 204, 304): its
    /// body is dropped unread whoever is there, so that is no departure.
    bodiless: bool,
    /// Its `content-length`, and how much of it has gone: hyper stops
    /// reading once it has all of it, which a WASI 0.3 guest's body may not
    /// have reported as its end yet.
    length: Option<u64>,
    sent: u64,
    /// "http-api's answer to POST /task", for the log.
    what: String,
}

impl ResponseBody {
    fn new(guest: HyperOutgoingBody, what: String, bodiless: bool, length: Option<u64>) -> Self {
        Self {
            guest: Some(guest),
            ended: false,
            bodiless,
            length,
            sent: 0,
            what,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let Some(guest) = self.guest.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(guest).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                let bytes = frame.data_ref().map_or(0, Bytes::len);
                self.sent = self.sent.saturating_add(bytes as u64);
            }
            // The end, or a failure the call's own task reports.
            Poll::Ready(None | Some(Err(_))) => self.ended = true,
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.guest.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.guest
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        let Some(guest) = self.guest.take() else {
            return;
        };
        if self.ended || guest.is_end_stream() {
            return;
        }
        if self.bodiless || self.length == Some(self.sent) {
            discard(guest);
            return;
        }
        log::info(format_args!(
            "devhost: the client went away before the end of {}; the rest is discarded",
            self.what
        ));
        discard(guest);
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
