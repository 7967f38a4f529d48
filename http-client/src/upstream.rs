//! The call to the upstream, with the token as `Authorization: Bearer
//! <token>`, and the answer for each way it can fail:
//!
//! | what happened | status |
//! |---|---|
//! | `upstream_url` is not set, or not an http(s) URL | 503 |
//! | `upstream_token` is not set, or not one line of text | 503 |
//! | the host refuses the destination (not in `allowedHosts`) | 502 |
//! | the connection is refused, or the name does not resolve | 502 |
//! | the upstream is slower than [`TIMEOUT_SECS`] | 504 |
//! | it answers 4xx or 5xx, or something that is not HTTP, or over 1 MiB | 502 |
//! | the call fails any other way (the connection breaks off, say) | 502 |

use std::error::Error;

use http_body_util::{BodyExt, Empty, LengthLimitError, Limited};
use wstd::http::{Body, Client, ErrorCode, HeaderValue, Request, StatusCode, Uri};
use wstd::time::Duration;

use crate::bindings::wasi::config::store;
use crate::error::ApiError;

/// The config key naming the upstream, such as `https://api.example.com/status`.
pub const URL_KEY: &str = "upstream_url";
/// The config key holding the token the upstream wants: a secret, so no
/// answer, error or log ever shows it.
pub const TOKEN_KEY: &str = "upstream_token";
/// How long the upstream has to accept the connection, to start answering,
/// and between two pieces of its answer.
pub const TIMEOUT_SECS: u64 = 5;
/// A longer answer is refused (502) rather than held in memory.
const MAX_BODY_MIB: usize = 1;
const MAX_BODY_BYTES: usize = MAX_BODY_MIB * 1024 * 1024;

/// What the upstream answered.
pub struct Reply {
    pub content_type: Option<HeaderValue>,
    pub body: Vec<u8>,
}

/// `GET <upstream_url>` with the token, and its answer if it is a success.
pub async fn call() -> Result<Reply, ApiError> {
    let url = parse_url(&configured(URL_KEY)?)?;
    let authorization = bearer(&configured(TOKEN_KEY)?)?;
    let authority = url.authority().map_or("the upstream", |a| a.as_str());
    let bad_gateway = |message: String| ApiError::new(StatusCode::BAD_GATEWAY, message);

    let mut client = Client::new();
    let timeout = Duration::from_secs(TIMEOUT_SECS);
    client.set_connect_timeout(timeout);
    client.set_first_byte_timeout(timeout);
    client.set_between_bytes_timeout(timeout);
    // No body, and not `Body::empty()`: that still writes (nothing) to the
    // request's body stream, which fails as "connection reset" when the
    // host has already sent this GET without one: about one call in 30,000
    // under load.
    let request = Request::get(url.clone())
        .header("authorization", authorization)
        .body(Body::from_http_body(Empty::<&[u8]>::new()))
        .map_err(|error| bad_gateway(format!("cannot build a request to {url}: {error}")))?;
    let response = client
        .send(request)
        .await
        .map_err(|error| failure(authority, error.as_ref()))?;

    let status = response.status();
    if !status.is_success() {
        return Err(bad_gateway(format!("{authority} answered {status}")));
    }
    let content_type = response.headers().get("content-type").cloned();
    match Limited::new(response.into_body().into_boxed_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(body) => Ok(Reply {
            content_type,
            body: body.to_bytes().to_vec(),
        }),
        Err(error) if error.is::<LengthLimitError>() => Err(bad_gateway(format!(
            "{authority} answered more than {MAX_BODY_MIB} MiB"
        ))),
        // A body that stops arriving, or breaks off.
        Err(error) => Err(failure(authority, &*error)),
    }
}

/// The value of `key` in this component's `wasi:config`.
fn configured(key: &str) -> Result<String, ApiError> {
    match store::get(key) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(not_configured(format!(
            "`{key}` is not set in this component's config"
        ))),
        Err(error) => Err(not_configured(format!(
            "cannot read `{key}` from the config: {error:?}"
        ))),
    }
}

/// The header for `token`, marked sensitive (HTTP/2 never indexes it).
/// Space around it is dropped: a token read from a file often ends in a
/// newline. What is wrong with it is said without quoting it.
fn bearer(token: &str) -> Result<HeaderValue, ApiError> {
    let token = token.trim();
    let header = HeaderValue::try_from(format!("Bearer {token}"));
    match header {
        Ok(mut header) if !token.is_empty() => {
            header.set_sensitive(true);
            Ok(header)
        }
        _ => Err(not_configured(format!(
            "`{TOKEN_KEY}` must be one line of text, and not empty"
        ))),
    }
}

/// The component cannot work until someone fixes its configuration.
fn not_configured(message: String) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
}

/// An http or https URL with a host; anything else is a mistake in the
/// config.
fn parse_url(text: &str) -> Result<Uri, ApiError> {
    let wrong = || {
        not_configured(format!(
            "`{URL_KEY}` must be an http:// or https:// URL, not `{text}`"
        ))
    };
    let url: Uri = text.trim().parse().map_err(|_| wrong())?;
    match (url.scheme_str(), url.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(url),
        _ => Err(wrong()),
    }
}

/// The answer for a call that failed with `error`: its own status and
/// words for each of the host's `ErrorCode`s worth telling apart, and the
/// error's own words for anything else.
fn failure(authority: &str, error: &(dyn Error + 'static)) -> ApiError {
    let (status, message) = match error.downcast_ref::<ErrorCode>() {
        Some(ErrorCode::HttpRequestDenied) => (
            StatusCode::BAD_GATEWAY,
            format!("the host does not allow calls to {authority}: add it to allowedHosts"),
        ),
        Some(ErrorCode::ConnectionRefused) => (
            StatusCode::BAD_GATEWAY,
            format!("{authority} refused the connection"),
        ),
        Some(ErrorCode::DnsError(_) | ErrorCode::DnsTimeout) => (
            StatusCode::BAD_GATEWAY,
            format!("the name in {authority} does not resolve"),
        ),
        Some(
            ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::HttpResponseTimeout,
        ) => (
            StatusCode::GATEWAY_TIMEOUT,
            format!("{authority} did not answer within {TIMEOUT_SECS} s"),
        ),
        Some(ErrorCode::HttpProtocolError) => (
            StatusCode::BAD_GATEWAY,
            format!("{authority} did not answer in HTTP"),
        ),
        _ => (
            StatusCode::BAD_GATEWAY,
            format!("calling {authority} failed: {error}"),
        ),
    };
    ApiError::new(status, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        for good in ["http://127.0.0.1:8081/", "https://api.example.com/v1?x=1"] {
            assert!(parse_url(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "api.example.com",
            "ftp://example.com/",
            "http://",
            "/just/a/path",
        ] {
            let error = parse_url(bad).unwrap_err();
            assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE, "{bad}");
            assert!(error.message.contains("`upstream_url`"), "{bad}");
        }
    }

    #[test]
    fn the_token_goes_as_a_bearer_and_is_never_quoted() {
        let header = bearer(" abc.DEF-123_~+/= \n").unwrap();
        assert_eq!(header, "Bearer abc.DEF-123_~+/=");
        assert!(header.is_sensitive());
        for bad in ["", "  \n", "first\nsecond", "a\u{7f}b"] {
            let error = bearer(bad).unwrap_err();
            assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE, "{bad:?}");
            assert_eq!(
                error.message,
                "`upstream_token` must be one line of text, and not empty"
            );
        }
    }

    fn answer(code: ErrorCode) -> (u16, String) {
        let error = failure("api.example.com", &code);
        (error.status.as_u16(), error.message)
    }

    #[test]
    fn each_failure_has_its_own_answer() {
        assert_eq!(
            answer(ErrorCode::HttpRequestDenied),
            (
                502,
                "the host does not allow calls to api.example.com: add it to allowedHosts".into()
            )
        );
        assert_eq!(
            answer(ErrorCode::ConnectionRefused),
            (502, "api.example.com refused the connection".into())
        );
        assert_eq!(
            answer(ErrorCode::DnsTimeout),
            (502, "the name in api.example.com does not resolve".into())
        );
        for timeout in [
            ErrorCode::ConnectionTimeout,
            ErrorCode::ConnectionReadTimeout,
            ErrorCode::HttpResponseTimeout,
        ] {
            assert_eq!(
                answer(timeout),
                (504, "api.example.com did not answer within 5 s".into())
            );
        }
        assert_eq!(
            answer(ErrorCode::HttpProtocolError),
            (502, "api.example.com did not answer in HTTP".into())
        );
        // Anything else is passed on with its own words.
        let error = failure(
            "api.example.com",
            &std::io::Error::other("connection reset"),
        );
        assert_eq!(
            (error.status.as_u16(), error.message.as_str()),
            (502, "calling api.example.com failed: connection reset")
        );
    }
}
