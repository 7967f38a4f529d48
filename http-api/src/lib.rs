//! `POST /task` sends a task to a worker over `wasmcloud:messaging` and
//! answers with the worker's reply; `GET /` serves a page that does the same
//! from a browser.
//!
//! ```text
//! POST /task  {"worker": "leet", "payload": "Hello World"}  ->  200 H3110 W0r1d
//! ```
//!
//! The payload goes to subject `tasks.<worker>` as a request; whichever
//! component subscribes to that subject (task-leet, in this repository)
//! answers on the reply subject, and its answer becomes the response body.
//! Each task done is then announced on `events.task-done.<worker>`.

mod body;
mod error;
mod page;
mod task;

mod bindings {
    // The generated import glue needs `unsafe`; the rest of the crate may not.
    #![allow(unsafe_code)]
    wit_bindgen::generate!({
        path: "wit",
        world: "wasmcloud:templates/http-api",
        generate_all,
    });
}

use bindings::wasmcloud::messaging::consumer;
use bindings::wasmcloud::messaging::types::BrokerMessage;
use error::ApiError;
use wstd::http::{Body, Error, Method, Request, Response, StatusCode};
use wstd::time::Instant;

/// Requests larger than this are refused with 413 before they are parsed.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long a worker has to answer, in milliseconds.
const REPLY_TIMEOUT_MS: u32 = 5000;

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match (request.uri().path(), request.method()) {
        ("/", &Method::GET | &Method::HEAD) => page::response(request.method()),
        ("/", _) => ApiError::method_not_allowed("GET, HEAD").into_response(),
        ("/task", &Method::POST) => match send_task(request).await {
            Ok(reply) => Ok(Response::builder()
                .header("content-type", "text/plain; charset=utf-8")
                .body(reply.into())?),
            Err(error) => error.into_response(),
        },
        ("/task", _) => ApiError::method_not_allowed("POST").into_response(),
        _ => ApiError::not_found().into_response(),
    }
}

async fn send_task(request: Request<Body>) -> Result<Vec<u8>, ApiError> {
    let body = body::read_body(request.into_body(), MAX_BODY_BYTES).await?;
    let task = task::Task::parse(&body)?;

    let started = Instant::now();
    match consumer::request(&task.subject(), task.payload.as_bytes(), REPLY_TIMEOUT_MS) {
        Ok(reply) => {
            announce_done(&task);
            Ok(reply.body)
        }
        Err(message) => {
            // The broker reports every failure as a string; only the clock
            // tells a timeout apart reliably from "nobody is subscribed".
            let status = if started.elapsed().as_millis() >= u128::from(REPLY_TIMEOUT_MS) {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::BAD_GATEWAY
            };
            let worker = &task.worker;
            Err(ApiError::new(
                status,
                format!("worker {worker} did not answer: {message}"),
            ))
        }
    }
}

/// Publishes the event that says a task was done, for whoever listens
/// (task-stats counts them). Fire and forget: nobody listening is fine, and
/// a failed publish is logged, never the request's failure.
fn announce_done(task: &task::Task) {
    let event = BrokerMessage {
        subject: task.done_subject(),
        body: Vec::new(),
        reply_to: None,
    };
    if let Err(error) = consumer::publish(&event) {
        eprintln!("http-api: cannot publish {}: {error}", event.subject);
    }
}
