//! http-router, served from its own `.wash/config.yaml`: every route, and a
//! JSON body for every error.

use crate::common::{Client, start};
use reqwest::Method;

#[tokio::test]
async fn index_and_greetings() {
    let host = start("http-router").await;
    let client = Client::new(&host);

    let index = client.get("/").await;
    assert_eq!(index.status, 200);
    assert_eq!(index.body, "Hello from axum on wasmCloud!\n");

    for (path, greeting) in [
        ("/api/greet/Ada", "Hello, Ada!"),
        ("/api/greet/Grace%20Hopper", "Hello, Grace Hopper!"),
        ("/api/greet/J%C3%BCrgen", "Hello, Jürgen!"),
        ("/api/greet?name=Ada", "Hello, Ada!"),
        ("/api/greet?name=Grace+Hopper", "Hello, Grace Hopper!"),
    ] {
        let answer = client.get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.json()["greeting"], greeting, "{path}");
    }
}

#[tokio::test]
async fn echo_returns_the_message() {
    let host = start("http-router").await;
    let answer = Client::new(&host)
        .post_json("/api/echo", r#"{"message":"hi ✓"}"#)
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json(), serde_json::json!({ "echo": "hi ✓" }));
}

#[tokio::test]
async fn bad_names_and_bodies_are_json_400s() {
    let host = start("http-router").await;
    let client = Client::new(&host);
    let long_name = format!("/api/greet/{}", "a".repeat(65));
    for path in [
        "/api/greet",
        "/api/greet?name=",
        "/api/greet?name=%0A",
        long_name.as_str(),
    ] {
        let answer = client.get(path).await;
        assert_eq!(answer.status, 400, "{path}: {}", answer.body);
        answer.json_error();
    }
    for body in ["garbage", "{}", r#"{"message":42}"#, r#"{"message":"#] {
        let answer = client.post_json("/api/echo", body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        answer.json_error();
    }
}

#[tokio::test]
async fn echo_without_json_content_type_is_415() {
    let host = start("http-router").await;
    let answer = Client::new(&host)
        .post("/api/echo", r#"{"message":"hi"}"#)
        .await;
    assert_eq!(answer.status, 415);
    answer.json_error();
}

#[tokio::test]
async fn echo_over_64_kib_is_413() {
    let host = start("http-router").await;
    let body = format!(r#"{{"message":"{}"}}"#, "x".repeat(100 * 1024));
    let answer = Client::new(&host).post_json("/api/echo", &body).await;
    assert_eq!(answer.status, 413);
    answer.json_error();
}

#[tokio::test]
async fn unknown_paths_are_json_404s_and_wrong_methods_json_405s() {
    let host = start("http-router").await;
    let client = Client::new(&host);
    for path in ["/nope", "/api", "/api/greet/a/b"] {
        let answer = client.get(path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.json_error(), "not found");
    }
    for (method, path, allow) in [
        (Method::POST, "/", "GET,HEAD"),
        (Method::DELETE, "/api/greet/Ada", "GET,HEAD"),
        (Method::GET, "/api/echo", "POST"),
    ] {
        let answer = client.send(method, path, None, "").await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.header("allow"), Some(allow), "{path}");
        assert_eq!(answer.json_error(), "method not allowed");
    }
}
