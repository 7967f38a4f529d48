//! The smallest useful HTTP component on WASI 0.3 (p3): `GET /` answers a
//! greeting.
//!
//! `export!` exports `wasi:http/handler@0.3` and runs the async `handle`
//! once per request. No executor crate: the component model itself drives
//! the async function. It speaks WASI's own HTTP types: converting to the
//! `http` crate's would make the component about a third larger.

use wasip3::http::types::{ErrorCode, Fields, HeaderError, Method, Request, Response};
use wasip3::{wit_future, wit_stream};

const GREETING: &str = "Hello from wasmCloud!\n";

struct Component;

wasip3::http::service::export!(Component);

impl wasip3::exports::http::handler::Guest for Component {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let target = request.get_path_with_query().unwrap_or_default();
        let path = target.split('?').next().unwrap_or_default();
        let (status, body) = route(&request.get_method(), path);
        let internal = |what: String| ErrorCode::InternalError(Some(what));
        let headers = headers(status).map_err(|error| internal(format!("{error:?}")))?;

        // The body is a stream the host reads while a task of ours writes
        // it; the future ends it, with no trailers. The task runs on after
        // `handle` returns.
        let (mut body_writer, body_reader) = wit_stream::new();
        let (end_writer, end_reader) = wit_future::new(|| Ok(None));
        let (response, _) = Response::new(headers, Some(body_reader), end_reader);
        drop(end_writer);
        response
            .set_status_code(status)
            .map_err(|()| internal(format!("status {status}")))?;
        wasip3::spawn_local(async move {
            // A client gone before the end leaves the rest unread: no error.
            let _unread = body_writer.write_all(body.as_bytes().to_vec()).await;
        });
        Ok(response)
    }
}

/// Decides the status and body for a request: pure, so it is unit tested.
fn route(method: &Method, path: &str) -> (u16, &'static str) {
    match (path, method) {
        ("/", Method::Get) => (200, GREETING),
        ("/", _) => (405, "Method not allowed\n"),
        _ => (404, "Not found\n"),
    }
}

/// The content type, and with a 405 the methods `/` allows.
fn headers(status: u16) -> Result<Fields, HeaderError> {
    let headers = Fields::new();
    headers.append("content-type", b"text/plain; charset=utf-8")?;
    if status == 405 {
        headers.append("allow", b"GET")?;
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_root_greets() {
        assert_eq!(route(&Method::Get, "/"), (200, GREETING));
    }

    #[test]
    fn other_methods_on_root_are_not_allowed() {
        for method in [Method::Post, Method::Put, Method::Delete, Method::Head] {
            assert_eq!(route(&method, "/").0, 405);
        }
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for path in ["/hello", "//", "/index.html"] {
            assert_eq!(route(&Method::Get, path).0, 404);
        }
    }
}
