//! `GET /`: a web page to send tasks and read the replies, so the API can be
//! tried in a browser without writing a curl line.

use http_body_util::Empty;
use wstd::http::{Body, Error, Method, Response};

/// The page, embedded at build time: one self-contained file that loads
/// nothing else (its style and script are inline).
const INDEX_HTML: &str = include_str!("index.html");

/// The page for `GET`; for `HEAD`, the same headers and no body.
///
/// There is no `content-length`: wasi:http fails a body shorter than that
/// header says, and a HEAD response has none. The host frames the body.
pub fn response(method: &Method) -> Result<Response<Body>, Error> {
    let body = if method == Method::HEAD {
        // Not `Body::empty()`: that still writes (nothing) to the stream,
        // which fails if the client has hung up after reading the headers.
        Body::from_http_body(Empty::<&[u8]>::new())
    } else {
        INDEX_HTML.into()
    };
    Ok(Response::builder()
        .header("content-type", "text/html; charset=utf-8")
        .body(body)?)
}
