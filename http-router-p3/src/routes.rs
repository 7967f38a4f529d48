//! The routes, the same in http-router (WASI 0.2) and http-router-p3 (WASI
//! 0.3): only `lib.rs`, which hands each request to them, differs.
//!
//! - `GET  /`                  a plain-text greeting
//! - `GET  /api/greet/{name}`  `{"greeting": "Hello, {name}!"}`
//! - `GET  /api/greet?name=`   the same, from the query string
//! - `POST /api/echo`          `{"message": "..."}` in, `{"echo": "..."}` out
//!
//! Every error is JSON, `{"error": "..."}`, with a status that says whose
//! mistake it was: 400 for a bad name or body, 404 for an unknown path, 405
//! (with `Allow`) for a wrong method, 413 for a body over 64 KiB.

use crate::error::{self, ApiError};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// Bodies larger than this are refused with 413 before they are parsed.
/// Only `/api/echo` reads a body, so only that route carries the limit: a
/// layer on the whole Router would wrap every route, on every request, for
/// nothing (the Router is built again for each request).
const MAX_BODY_BYTES: usize = 64 * 1024;
const MAX_NAME_CHARS: usize = 64;

/// The whole API, built for every request (a request may well run in a
/// fresh instance, with nowhere to keep it): keep it cheap, no I/O and no
/// large tables.
pub fn router() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/greet", get(greet_from_query))
        .route("/api/greet/{name}", get(greet_from_path))
        .route(
            "/api/echo",
            post(echo).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
}

async fn index() -> &'static str {
    "Hello from axum on wasmCloud!\n"
}

#[derive(Serialize)]
struct Greeting {
    greeting: String,
}

#[derive(Deserialize)]
struct GreetQuery {
    name: String,
}

// Each extractor is taken as a `Result`, so its rejection is turned into our
// JSON error instead of axum's plain-text one.

async fn greet_from_path(
    name: Result<Path<String>, PathRejection>,
) -> Result<Json<Greeting>, ApiError> {
    let Path(name) = name?;
    greet(&name)
}

async fn greet_from_query(
    query: Result<Query<GreetQuery>, QueryRejection>,
) -> Result<Json<Greeting>, ApiError> {
    let Query(query) = query?;
    greet(&query.name)
}

fn greet(name: &str) -> Result<Json<Greeting>, ApiError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("name must be 1 to {MAX_NAME_CHARS} printable characters"),
        ));
    }
    Ok(Json(Greeting {
        greeting: format!("Hello, {name}!"),
    }))
}

#[derive(Deserialize)]
struct EchoRequest {
    message: String,
}

#[derive(Serialize)]
struct EchoResponse {
    echo: String,
}

async fn echo(
    request: Result<Json<EchoRequest>, JsonRejection>,
) -> Result<Json<EchoResponse>, ApiError> {
    let Json(request) = request?;
    Ok(Json(EchoResponse {
        echo: request.message,
    }))
}

#[cfg(test)]
mod tests;
