//! An axum `Router` on `wasi:http`, through wstd-axum. The routes and
//! their errors are in `routes.rs` and `error.rs`; this file only serves
//! them.

mod error;
mod routes;

use axum::http::header::CONTENT_LENGTH;
use wstd::http::{Body, Error, Method, Request, Response};

/// Called once per request (each request runs in a fresh instance), so the
/// router is built here rather than kept in a static.
#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    let is_head = request.method() == Method::HEAD;
    let mut response = wstd_axum::serve(request, routes::router()).await?;
    // axum answers HEAD as GET without the body, but keeps GET's
    // `content-length`; wasi:http refuses a body shorter than that header
    // says. HTTP lets a HEAD response leave it out (RFC 9110, 8.6).
    if is_head {
        response.headers_mut().remove(CONTENT_LENGTH);
    }
    Ok(response)
}
