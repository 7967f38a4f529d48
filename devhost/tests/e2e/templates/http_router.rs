//! http-router over HTTP, under devhost and under wash: every route, and a
//! JSON body for every error. The router's finer cases are unit tests in
//! http-router/src/routes/tests.rs.

use reqwest::Method;
use test_support::readme;
use test_support::{Client, WashDev, start_host};

/// Each route answers, and each kind of refusal has its status and a JSON
/// error body.
pub(super) async fn routes_answer_and_errors_are_json(client: &Client) {
    let index = client.get("/").await;
    assert_eq!(index.status, 200);
    assert_eq!(index.body, "Hello from axum on wasmCloud!\n");
    for (path, greeting) in [
        ("/api/greet/Grace%20Hopper", "Hello, Grace Hopper!"),
        ("/api/greet/J%C3%BCrgen", "Hello, Jürgen!"),
        ("/api/greet?name=Grace+Hopper", "Hello, Grace Hopper!"),
    ] {
        let answer = client.get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.json()["greeting"], greeting, "{path}");
    }
    let echo = client.post_json("/api/echo", r#"{"message":"hi ✓"}"#).await;
    assert_eq!(echo.status, 200);
    assert_eq!(echo.json(), serde_json::json!({ "echo": "hi ✓" }));

    // Each kind of refusal once: the status and a JSON error body.
    let long_name = format!("/api/greet/{}", "a".repeat(65));
    for path in ["/api/greet", "/api/greet?name=%0A", long_name.as_str()] {
        let answer = client.get(path).await;
        assert_eq!(answer.status, 400, "{path}: {}", answer.body);
        answer.json_error();
    }
    for (content_type, body, status) in [
        (Some("application/json"), r#"{"message":42}"#, 400),
        (Some("application/json"), "garbage", 400),
        (None, r#"{"message":"hi"}"#, 415),
    ] {
        let answer = client
            .send(Method::POST, "/api/echo", content_type, body)
            .await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        answer.json_error();
    }

    let answer = client.get("/api/greet/a/b").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json_error(), "not found");
    for (method, path, allow) in [
        (Method::POST, "/", "GET,HEAD"),
        (Method::GET, "/api/echo", "POST"),
    ] {
        let answer = client.send(method, path, None, "").await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.header("allow"), Some(allow), "{path}");
        assert_eq!(answer.json_error(), "method not allowed");
    }

    // Last: the 413 comes before the body is read, and a host may then close
    // the connection. A request sent after it on the same kept-alive
    // connection could meet the close instead of an answer.
    let too_large = format!(r#"{{"message":"{}"}}"#, "x".repeat(100 * 1024));
    let answer = client.post_json("/api/echo", &too_large).await;
    assert_eq!(answer.status, 413);
    answer.json_error();
}

#[tokio::test]
async fn routes_answer_and_errors_are_json_under_devhost() {
    let host = start_host("http-router").await;
    routes_answer_and_errors_are_json(&Client::new(&host)).await;
}

#[tokio::test]
async fn routes_answer_and_errors_are_json_under_wash() {
    routes_answer_and_errors_are_json(&WashDev::serving("http-router").client()).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("http-router/README.md", "http-router").await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    readme::check_under_wash("http-router").await;
}
