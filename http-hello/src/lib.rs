//! The smallest useful HTTP component: `GET /` answers a greeting.
//!
//! `#[wstd::http_server]` exports `wasi:http/incoming-handler` and runs this
//! async `main` once per request.

use wstd::http::{Body, Error, Method, Request, Response, StatusCode};

const GREETING: &str = "Hello from wasmCloud!\n";

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    let (status, body) = route(request.method(), request.uri().path());
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8");
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response = response.header("allow", "GET");
    }
    Ok(response.body(body.into())?)
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
