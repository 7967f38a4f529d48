//! An axum `Router` on `wasi:http` 0.3 (p3), through wasip3's http-compat.
//! The routes and their errors are http-router's own `routes.rs` and
//! `error.rs`, unchanged; this file only serves them.

mod error;
mod routes;

use axum::body::Body;
use axum::http::Method;
use axum::http::header::CONTENT_LENGTH;
use tower::ServiceExt;
use wasip3::http::types::{ErrorCode, Request, Response};
use wasip3::http_compat::{http_from_wasi_request, http_into_wasi_response};

struct Component;

wasip3::http::service::export!(Component);

impl wasip3::exports::http::handler::Guest for Component {
    /// Called once per request. Building the Router is cheap (no I/O), so it
    /// is built here rather than kept in a static.
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        // WASI's request becomes an `http::Request` whose body streams from
        // the host as axum reads it; a body that fails mid-way (a client gone)
        // is an error axum's extractors answer, not a panic.
        let request = http_from_wasi_request(request)?.map(Body::new);
        let is_head = request.method() == Method::HEAD;
        // A Router's error type is `Infallible`: every failure is a response.
        let Ok(mut response) = routes::router().oneshot(request).await;
        // axum answers HEAD as GET without the body, but keeps GET's
        // `content-length`; wasi:http may refuse a body shorter than that
        // header says. HTTP lets a HEAD response leave it out (RFC 9110, 8.6).
        if is_head {
            response.headers_mut().remove(CONTENT_LENGTH);
        }
        // The response body is written to the host's stream by a task the
        // component model keeps running after `handle` returns.
        http_into_wasi_response(response)
    }
}
