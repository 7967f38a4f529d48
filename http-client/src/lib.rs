//! Calls an upstream service and answers with its reply: `GET /` sends
//! `GET <upstream_url>` with `Authorization: Bearer <upstream_token>` and
//! passes on the upstream's body and content type.
//!
//! The upstream's address is configuration (`upstream_url` in
//! `wasi:config`, from a ConfigMap-style source), never part of the
//! request, so a client cannot make the component call anywhere else; and
//! the host refuses any host the component's `allowedHosts` do not name.
//! The token is a secret (`upstream_token`, from a Secret-style source):
//! it goes to the upstream and nowhere else. Every way the call can fail
//! has its own answer (see `upstream.rs`).

mod error;
mod upstream;

mod bindings {
    // The generated import glue needs `unsafe`; the rest of the crate may not.
    #![allow(unsafe_code)]
    wit_bindgen::generate!({
        path: "wit",
        world: "wasmcloud:templates/http-client",
        generate_all,
    });
}

use error::ApiError;
use wstd::http::{Body, Error, Method, Request, Response};

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match (request.uri().path(), request.method()) {
        ("/", &Method::GET) => match upstream::call().await {
            Ok(reply) => {
                let mut response = Response::builder();
                if let Some(content_type) = reply.content_type {
                    response = response.header("content-type", content_type);
                }
                Ok(response.body(reply.body.into())?)
            }
            Err(error) => error.into_response(),
        },
        ("/", _) => ApiError::method_not_allowed("GET").into_response(),
        _ => ApiError::not_found().into_response(),
    }
}
