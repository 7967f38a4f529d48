//! Errors as the client sees them: a status and `{"error": "<message>"}`.

use serde::Serialize;
use wstd::http::{Body, Error, Response, StatusCode};

#[derive(Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The methods a path accepts, sent as `Allow` with a 405.
    pub allow: Option<&'static str>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            allow: None,
        }
    }

    /// The answer for a path no route matches. (http-files carries this
    /// file too, and has no such path: every path there names a file.)
    #[allow(dead_code)]
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not found")
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut error = Self::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        error.allow = Some(allow);
        error
    }

    pub fn into_response(self) -> Result<Response<Body>, Error> {
        let mut response = Response::builder()
            .status(self.status)
            .header("content-type", "application/json");
        if let Some(allow) = self.allow {
            response = response.header("allow", allow);
        }
        let body = Body::from_json(&ErrorBody {
            error: &self.message,
        })?;
        Ok(response.body(body)?)
    }
}
