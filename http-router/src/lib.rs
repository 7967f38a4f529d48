//! An axum `Router` on `wasi:http`, through wstd-axum. The routes and
//! their errors are in `routes.rs` and `error.rs`; this file only serves
//! them.

mod error;
mod routes;

/// Called once per request (each request runs in a fresh instance), so the
/// router is built here rather than kept in a static.
#[wstd_axum::http_server]
fn main() -> axum::Router {
    routes::router()
}
