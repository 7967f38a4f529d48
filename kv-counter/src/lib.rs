//! Counters kept in the host's key-value store (`wasi:keyvalue`).
//!
//! Every change goes through `atomics::increment`, which the store applies as
//! one step, so concurrent requests never lose a count (a get-then-set would).
//!
//! - `GET /`                 counts visits: `Visit count: N`
//! - `POST /counters/{name}` adds one:      `{"name": "...", "count": N}`
//! - `GET /counters/{name}`  reads it (0 when it was never counted)

mod counter;
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

use routes::{Rejection, Route};
use serde::Serialize;
use wstd::http::{Body, Error, Request, Response, StatusCode};

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match routes::route(request.method(), request.uri().path()) {
        Route::Visit => match counter::increment(counter::VISITS_KEY) {
            Ok(count) => text(format!("Visit count: {count}\n")),
            Err(store_error) => json_error(&Rejection::upstream(store_error)),
        },
        Route::Increment(name) => count_response(&name, counter::increment(&name.key())),
        Route::Read(name) => count_response(&name, counter::read(&name.key())),
        Route::Reject(rejection) => json_error(&rejection),
    }
}

#[derive(Serialize)]
struct Count<'a> {
    name: &'a str,
    count: u64,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

fn count_response(
    name: &routes::CounterName,
    count: Result<u64, String>,
) -> Result<Response<Body>, Error> {
    match count {
        Ok(count) => json(
            StatusCode::OK,
            &Count {
                name: name.as_str(),
                count,
            },
        ),
        Err(store_error) => json_error(&Rejection::upstream(store_error)),
    }
}

fn text(body: String) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .header("content-type", "text/plain; charset=utf-8")
        .body(body.into())?)
}

fn json(status: StatusCode, value: &impl Serialize) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from_json(value)?)?)
}

fn json_error(rejection: &Rejection) -> Result<Response<Body>, Error> {
    let mut response = json(
        rejection.status,
        &ErrorBody {
            error: &rejection.message,
        },
    )?;
    if let Some(allow) = rejection.allow {
        response.headers_mut().insert("allow", allow.parse()?);
    }
    Ok(response)
}
