//! The router's contract, checked natively: each test sends one request
//! through the real `Router` and reads the status, headers and body.

use super::*;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, header};
use tower_service::Service;

struct Answer {
    status: StatusCode,
    content_type: String,
    allow: Option<String>,
    body: String,
}

fn send(method: Method, uri: &str, content_type: Option<&str>, body: &str) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let request = request.body(Body::from(body.to_owned())).unwrap();
    futures_lite::future::block_on(async {
        let response = router().call(request).await.unwrap();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
        };
        let content_type = header_text(header::CONTENT_TYPE).unwrap_or_default();
        let allow = header_text(header::ALLOW);
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Answer {
            status,
            content_type,
            allow,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    })
}

fn get(uri: &str) -> Answer {
    send(Method::GET, uri, None, "")
}

fn post_json(uri: &str, body: &str) -> Answer {
    send(Method::POST, uri, Some("application/json"), body)
}

fn assert_json_error(answer: &Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "body: {}", answer.body);
    assert_eq!(answer.content_type, "application/json");
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let message = body["error"].as_str().unwrap();
    assert!(!message.is_empty());
}

#[test]
fn index_is_plain_text() {
    let answer = get("/");
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.content_type.starts_with("text/plain"));
    assert_eq!(answer.body, "Hello from axum on wasmCloud!\n");
}

#[test]
fn greets_by_path_and_by_query() {
    for uri in [
        "/api/greet/Ada",
        "/api/greet?name=Ada",
        "/api/greet?name=%20Ada%20",
    ] {
        let answer = get(uri);
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_eq!(answer.content_type, "application/json");
        assert_eq!(answer.body, r#"{"greeting":"Hello, Ada!"}"#, "{uri}");
    }
    assert_eq!(
        get("/api/greet/Ada%20Lovelace").body,
        r#"{"greeting":"Hello, Ada Lovelace!"}"#
    );
    assert_eq!(
        get("/api/greet/J%C3%BCrgen").body,
        r#"{"greeting":"Hello, Jürgen!"}"#
    );
}

#[test]
fn bad_names_are_bad_requests() {
    let too_long = "a".repeat(MAX_NAME_CHARS + 1);
    for uri in [
        "/api/greet?name=",
        "/api/greet?name=%20%20",
        "/api/greet?name=a%0Ab",
        &format!("/api/greet/{too_long}"),
        "/api/greet/%FF",
        "/api/greet",
        "/api/greet?nom=Ada",
    ] {
        assert_json_error(&get(uri), StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        get(&format!("/api/greet/{}", "a".repeat(MAX_NAME_CHARS))).status,
        StatusCode::OK
    );
}

#[test]
fn echoes_the_message() {
    let answer = post_json("/api/echo", r#"{"message":"hi there"}"#);
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.body, r#"{"echo":"hi there"}"#);
}

#[test]
fn malformed_or_misshapen_echo_bodies_are_bad_requests() {
    for body in [
        "",
        "garbage",
        "{",
        "{}",
        r#"{"message":42}"#,
        r#"{"msg":"hi"}"#,
    ] {
        assert_json_error(&post_json("/api/echo", body), StatusCode::BAD_REQUEST);
    }
}

#[test]
fn echo_needs_a_json_content_type() {
    let answer = send(
        Method::POST,
        "/api/echo",
        Some("text/plain"),
        r#"{"message":"hi"}"#,
    );
    assert_json_error(&answer, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[test]
fn echo_body_over_the_limit_is_too_large() {
    let body = format!(r#"{{"message":"{}"}}"#, "x".repeat(MAX_BODY_BYTES));
    assert_json_error(
        &post_json("/api/echo", &body),
        StatusCode::PAYLOAD_TOO_LARGE,
    );
}

#[test]
fn unknown_paths_are_json_404s() {
    for uri in ["/nope", "/api", "/api/greet/a/b", "/api/echo/x"] {
        assert_json_error(&get(uri), StatusCode::NOT_FOUND);
    }
}

#[test]
fn wrong_methods_are_405_with_allow() {
    for (method, uri, allow) in [
        (Method::POST, "/", "GET,HEAD"),
        (Method::DELETE, "/api/greet/Ada", "GET,HEAD"),
        (Method::PUT, "/api/greet", "GET,HEAD"),
        (Method::GET, "/api/echo", "POST"),
    ] {
        let answer = send(method, uri, None, "");
        assert_json_error(&answer, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.allow.as_deref(), Some(allow), "{uri}");
    }
}
