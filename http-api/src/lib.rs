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
use http_body_util::{BodyExt, LengthLimitError, Limited};
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
        _ => ApiError::new(StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn send_task(request: Request<Body>) -> Result<Vec<u8>, ApiError> {
    let body = read_body(request.into_body()).await?;
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

/// Reads the whole body, refusing it (413) once it passes `MAX_BODY_BYTES`,
/// so an oversized upload is never held in memory.
async fn read_body(body: Body) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body is over 64 KiB");
    if body
        .content_length()
        .is_some_and(|len| len > MAX_BODY_BYTES as u64)
    {
        return Err(too_large());
    }
    match Limited::new(body.into_boxed_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(error) if error.is::<LengthLimitError>() => Err(too_large()),
        Err(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "could not read the request body",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::{future::block_on, stream};

    /// A body that arrives in pieces, with no length announced up front.
    fn streamed(chunks: usize, chunk_len: usize) -> Body {
        let chunk = vec![b'x'; chunk_len];
        Body::from_stream(stream::iter(std::iter::repeat_n(chunk, chunks)))
    }

    #[test]
    fn body_within_the_limit_is_read_whole() {
        let body = block_on(read_body(Body::from(vec![b'x'; MAX_BODY_BYTES]))).unwrap();
        assert_eq!(body.len(), MAX_BODY_BYTES);
        let body = block_on(read_body(streamed(8, 1024))).unwrap();
        assert_eq!(body.len(), 8 * 1024);
    }

    #[test]
    fn body_announced_over_the_limit_is_too_large() {
        let error = block_on(read_body(Body::from(vec![b'x'; MAX_BODY_BYTES + 1]))).unwrap_err();
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn body_streamed_over_the_limit_is_too_large() {
        let error = block_on(read_body(streamed(65, 1024))).unwrap_err();
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
