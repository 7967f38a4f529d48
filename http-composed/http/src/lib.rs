//! http-composed's HTTP component: `POST /` with some text answers
//! `{"text": <the text, cleaned>, "words": <how many words>}`.
//!
//! The text processing is not in this crate. It is imported
//! (`wasmcloud:templates/text-processor`), and the build composes this
//! component with `text-processor`, which exports it, into one component.

mod body;
mod error;

mod bindings {
    // The generated import glue needs `unsafe`; the rest of the crate may not.
    #![allow(unsafe_code)]
    wit_bindgen::generate!({
        path: "../wit",
        world: "wasmcloud:templates/http-composed",
    });
}

use bindings::wasmcloud::templates::text_processor;
use error::ApiError;
use serde::Serialize;
use wstd::http::{Body, Error, Method, Request, Response, StatusCode};

/// Texts larger than this are refused with 413 before they are read whole.
const MAX_TEXT_BYTES: usize = 64 * 1024;

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match (request.uri().path(), request.method()) {
        ("/", &Method::POST) => process(request.into_body()).await,
        ("/", _) => ApiError::method_not_allowed("POST").into_response(),
        _ => ApiError::not_found().into_response(),
    }
}

#[derive(Serialize)]
struct Processed {
    text: String,
    words: u32,
}

async fn process(body: Body) -> Result<Response<Body>, Error> {
    let text = match read_text(body).await {
        Ok(text) => text,
        Err(error) => return error.into_response(),
    };
    // Two calls into the other component, which composition made part of
    // this one.
    let processed = Processed {
        text: text_processor::clean(&text),
        words: text_processor::count_words(&text),
    };
    Ok(Response::builder()
        .header("content-type", "application/json")
        .body(Body::from_json(&processed)?)?)
}

/// Reads the body as UTF-8 text of at most `MAX_TEXT_BYTES`.
async fn read_text(body: Body) -> Result<String, ApiError> {
    let bytes = body::read_body(body, MAX_TEXT_BYTES).await?;
    String::from_utf8(bytes)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "the text is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::block_on;

    // The limit itself is tested with the reader, in body.rs.

    #[test]
    fn text_within_the_limit_is_read_whole() {
        let text = block_on(read_text(Body::from("Grüße aus Köln"))).unwrap();
        assert_eq!(text, "Grüße aus Köln");
        let text = block_on(read_text(Body::from("x".repeat(MAX_TEXT_BYTES)))).unwrap();
        assert_eq!(text.len(), MAX_TEXT_BYTES);
    }

    #[test]
    fn text_over_the_limit_is_too_large() {
        let announced = Body::from(vec![b'x'; MAX_TEXT_BYTES + 1]);
        let error = block_on(read_text(announced)).unwrap_err();
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.message, "the request body is over 64 KiB");
    }

    #[test]
    fn text_that_is_not_utf8_is_a_bad_request() {
        let error = block_on(read_text(Body::from(vec![0x68, 0xff, 0xfe]))).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.message, "the text is not UTF-8");
    }
}
