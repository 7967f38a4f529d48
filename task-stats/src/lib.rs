//! Counts the tasks each worker has done. A headless handler takes the
//! `events.task-done.<worker>` events http-api publishes (it never replies:
//! an event asks nothing back), and `GET /stats` reads the counts.
//!
//! ```text
//! GET /stats  ->  200 {"leet":3,"task-leet":1}
//! ```

mod bucket;
mod error;
mod tally;

mod bindings {
    // The generated glue needs `unsafe`; the rest of the crate may not.
    #![allow(unsafe_code)]
    wit_bindgen::generate!({
        path: "wit",
        world: "wasmcloud:templates/task-stats",
        generate_all,
    });
}

use bindings::exports::wasmcloud::messaging::handler::Guest;
use bindings::wasmcloud::messaging::types::BrokerMessage;
use error::ApiError;
use wstd::http::{Body, Error, Method, Request, Response, StatusCode};

struct TaskStats;

impl Guest for TaskStats {
    /// One event, one count. An `Err` goes to the host, which logs it.
    fn handle_message(msg: BrokerMessage) -> Result<(), String> {
        let worker = tally::worker_of(&msg.subject)?;
        tally::count_done(worker).map(|_| ())
    }
}

// The export glue is generated `unsafe` code: allowed here, and only here.
#[allow(unsafe_code)]
mod export {
    use super::TaskStats;
    crate::bindings::export!(TaskStats with_types_in crate::bindings);
}

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match (request.uri().path(), request.method()) {
        ("/stats", &Method::GET) => match tally::done_per_worker() {
            Ok(counts) => Ok(Response::builder()
                .header("content-type", "application/json")
                .body(Body::from_json(&counts)?)?),
            Err(store_error) => ApiError::new(StatusCode::BAD_GATEWAY, store_error).into_response(),
        },
        ("/stats", _) => ApiError::method_not_allowed("GET").into_response(),
        _ => ApiError::not_found().into_response(),
    }
}
