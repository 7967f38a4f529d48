//! The smallest useful HTTP component on WASI 0.3 (p3): `GET /` answers a
//! greeting.
//!
//! `export!` exports `wasi:http/handler@0.3` and runs the async `handle`
//! once per request. No executor crate: the component model itself drives
//! the async function.

use http::{Method, StatusCode};
use wasip3::http::types::{ErrorCode, Request, Response};
use wasip3::http_compat::{http_from_wasi_request, http_into_wasi_response};

const GREETING: &str = "Hello from wasmCloud!\n";

struct Component;

wasip3::http::service::export!(Component);

impl wasip3::exports::http::handler::Guest for Component {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        // Into the `http` crate's types, to read the path without the query.
        let request = http_from_wasi_request(request)?;
        let (status, body) = route(request.method(), request.uri().path());
        let mut response = http::Response::builder()
            .status(status)
            .header("content-type", "text/plain; charset=utf-8");
        if status == StatusCode::METHOD_NOT_ALLOWED {
            response = response.header("allow", "GET");
        }
        let response = response
            .body(body.to_owned())
            .map_err(|e| ErrorCode::InternalError(Some(e.to_string())))?;
        http_into_wasi_response(response)
    }
}

/// Decides the status and body for a request: pure, so it is unit tested.
fn route(method: &Method, path: &str) -> (StatusCode, &'static str) {
    match (path, method) {
        ("/", &Method::GET) => (StatusCode::OK, GREETING),
        ("/", _) => (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n"),
        _ => (StatusCode::NOT_FOUND, "Not found\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_root_greets() {
        assert_eq!(route(&Method::GET, "/"), (StatusCode::OK, GREETING));
    }

    #[test]
    fn other_methods_on_root_are_not_allowed() {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::HEAD] {
            assert_eq!(route(&method, "/").0, StatusCode::METHOD_NOT_ALLOWED);
        }
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for path in ["/hello", "//", "/index.html"] {
            assert_eq!(route(&Method::GET, path).0, StatusCode::NOT_FOUND);
        }
    }
}
