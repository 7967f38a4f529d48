//! Maps a request's method and path to what the component does. It touches
//! no host interface, so every case is unit tested natively.

use crate::error::ApiError;
use wstd::http::{Method, StatusCode};

/// What a request asks for.
#[derive(Debug, PartialEq)]
pub enum Route {
    Visit,
    Increment(CounterName),
    Read(CounterName),
    Reject(ApiError),
}

/// A counter name that passed validation: 1 to [`MAX_NAME_LEN`] ASCII
/// letters, digits, `-` or `_`. Anything else (`/`, `:`, `%`, spaces,
/// non-ASCII) is refused, so a name can never reach another key.
#[derive(Debug, PartialEq)]
pub struct CounterName(String);

pub const MAX_NAME_LEN: usize = 64;

impl CounterName {
    pub fn parse(name: &str) -> Result<Self, ApiError> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if name.is_empty() || name.len() > MAX_NAME_LEN || !name.chars().all(valid_char) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "counter name must be 1 to {MAX_NAME_LEN} characters of A-Z, a-z, 0-9, '-' or '_'"
                ),
            ));
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The store key of this counter.
    pub fn key(&self) -> String {
        format!("counter:{}", self.0)
    }
}

pub fn route(method: &Method, path: &str) -> Route {
    if path == "/" {
        return match *method {
            Method::GET => Route::Visit,
            _ => Route::Reject(ApiError::method_not_allowed("GET")),
        };
    }
    let Some(name) = path.strip_prefix("/counters/") else {
        return Route::Reject(ApiError::not_found());
    };
    // Check the method first: a wrong method is 405 whatever the name.
    let increment = match *method {
        Method::POST => true,
        Method::GET => false,
        _ => return Route::Reject(ApiError::method_not_allowed("GET, POST")),
    };
    match CounterName::parse(name) {
        Ok(name) if increment => Route::Increment(name),
        Ok(name) => Route::Read(name),
        Err(error) => Route::Reject(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(method: Method, path: &str) -> StatusCode {
        match route(&method, path) {
            Route::Reject(error) => error.status,
            _ => StatusCode::OK,
        }
    }

    #[test]
    fn routes_the_three_endpoints() {
        assert_eq!(route(&Method::GET, "/"), Route::Visit);
        let name = CounterName("page-1_A".into());
        assert_eq!(
            route(&Method::POST, "/counters/page-1_A"),
            Route::Increment(name)
        );
        let name = CounterName("page-1_A".into());
        assert_eq!(route(&Method::GET, "/counters/page-1_A"), Route::Read(name));
    }

    #[test]
    fn counter_keys_are_prefixed() {
        assert_eq!(
            CounterName::parse("visits").unwrap().key(),
            "counter:visits"
        );
    }

    #[test]
    fn invalid_names_are_bad_requests() {
        let too_long = "a".repeat(MAX_NAME_LEN + 1);
        for name in [
            "",
            "a b",
            "a%20b",
            "a/b",
            "a:b",
            "a.b",
            "*",
            ">",
            "é",
            too_long.as_str(),
        ] {
            let path = format!("/counters/{name}");
            assert_eq!(
                status(Method::POST, &path),
                StatusCode::BAD_REQUEST,
                "{name:?}"
            );
            assert_eq!(
                status(Method::GET, &path),
                StatusCode::BAD_REQUEST,
                "{name:?}"
            );
        }
        let longest = "a".repeat(MAX_NAME_LEN);
        assert!(CounterName::parse(&longest).is_ok());
    }

    #[test]
    fn wrong_methods_are_not_allowed_with_allow_header() {
        for (method, path, allow) in [
            (Method::POST, "/", "GET"),
            (Method::DELETE, "/", "GET"),
            (Method::PUT, "/counters/a", "GET, POST"),
            (Method::DELETE, "/counters/not valid", "GET, POST"),
        ] {
            let Route::Reject(error) = route(&method, path) else {
                panic!("{method} {path} was accepted");
            };
            assert_eq!(error.status, StatusCode::METHOD_NOT_ALLOWED);
            assert_eq!(error.allow, Some(allow));
        }
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for path in ["/counters", "/counter/a", "/visits", "//"] {
            assert_eq!(status(Method::GET, path), StatusCode::NOT_FOUND, "{path}");
        }
    }
}
