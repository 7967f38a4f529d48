//! Counters kept in the host's key-value store (`wasi:keyvalue`).
//!
//! Every change goes through `atomics::increment`, which the store applies as
//! one step, so concurrent requests never lose a count (a get-then-set would).
//!
//! - `GET /`                 counts visits: `Visit count: N`
//! - `POST /counters/{name}` adds one:      `{"name": "...", "count": N}`
//! - `GET /counters/{name}`  reads it (0 when it was never counted)

mod bucket;
mod counter;
mod error;
mod routes;

mod bindings {
    // The generated import glue needs `unsafe`; the rest of the crate may not.
    #![allow(unsafe_code)]
    wit_bindgen::generate!({
        path: "wit",
        world: "wasmcloud:templates/kv-counter",
        generate_all,
    });
}

use error::ApiError;
use routes::Route;
use serde::Serialize;
use wstd::http::{Body, Error, Request, Response, StatusCode};

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match routes::route(request.method(), request.uri().path()) {
        Route::Visit => match counter::increment(counter::VISITS_KEY) {
            Ok(count) => Ok(Response::builder()
                .header("content-type", "text/plain; charset=utf-8")
                .body(format!("Visit count: {count}\n").into())?),
            Err(store_error) => upstream_failure(store_error).into_response(),
        },
        Route::Increment(name) => count_response(&name, counter::increment(&name.key())),
        Route::Read(name) => count_response(&name, counter::read(&name.key())),
        Route::Reject(error) => error.into_response(),
    }
}

#[derive(Serialize)]
struct Count<'a> {
    name: &'a str,
    count: u64,
}

fn count_response(
    name: &routes::CounterName,
    count: Result<u64, String>,
) -> Result<Response<Body>, Error> {
    let count = match count {
        Ok(count) => count,
        Err(store_error) => return upstream_failure(store_error).into_response(),
    };
    let body = Count {
        name: name.as_str(),
        count,
    };
    Ok(Response::builder()
        .header("content-type", "application/json")
        .body(Body::from_json(&body)?)?)
}

/// The key-value store failed: the fault is upstream, not the client's.
fn upstream_failure(store_error: String) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, store_error)
}
