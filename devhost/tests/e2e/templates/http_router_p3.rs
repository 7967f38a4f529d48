//! http-router-p3, the WASI 0.3 twin of http-router: http-router's
//! contract under devhost (a fresh instance per request, and instances
//! reused), under wash and under `wasmtime serve`, and the same bytes as
//! its twin for every route and every error.

use test_support::readme;
use test_support::{Client, WashDev, WasmtimeServe, built_component, start_host, start_host_with};

use super::http_router::routes_answer_and_errors_are_json;
use super::twins::assert_same_answers;

#[tokio::test]
async fn routes_answer_and_errors_are_json_under_devhost() {
    let host = start_host("http-router-p3").await;
    routes_answer_and_errors_are_json(&Client::new(&host)).await;
}

#[tokio::test]
async fn routes_answer_and_errors_are_json_under_devhost_reusing_instances() {
    let host = start_host_with("http-router-p3", |options| {
        options.p3_requests_per_instance = 128;
    })
    .await;
    routes_answer_and_errors_are_json(&Client::new(&host)).await;
}

#[tokio::test]
async fn routes_answer_and_errors_are_json_under_wash() {
    routes_answer_and_errors_are_json(&WashDev::serving("http-router-p3").client()).await;
}

#[tokio::test]
async fn routes_answer_and_errors_are_json_under_wasmtime_serve() {
    let wasmtime = WasmtimeServe::start(&built_component("http-router-p3"), &[]);
    routes_answer_and_errors_are_json(&wasmtime.client()).await;
}

#[tokio::test]
async fn answers_as_http_router_does() {
    let json = "content-type: application/json";
    let echo = |body: &str| {
        format!(
            "POST /api/echo HTTP/1.1\r\n{json}\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let requests = [
        "GET / HTTP/1.1\r\n\r\n".to_string(),
        "HEAD / HTTP/1.1\r\n\r\n".to_string(),
        "GET /api/greet/Ada HTTP/1.1\r\n\r\n".to_string(),
        "GET /api/greet/J%C3%BCrgen HTTP/1.1\r\n\r\n".to_string(),
        "GET /api/greet?name=Grace+Hopper HTTP/1.1\r\n\r\n".to_string(),
        "GET /api/greet HTTP/1.1\r\n\r\n".to_string(),
        "GET /api/greet?name=%0A HTTP/1.1\r\n\r\n".to_string(),
        format!("GET /api/greet/{} HTTP/1.1\r\n\r\n", "a".repeat(65)),
        "GET /api/greet/a/b HTTP/1.1\r\n\r\n".to_string(),
        "POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n".to_string(),
        "GET /api/echo HTTP/1.1\r\n\r\n".to_string(),
        echo(r#"{"message":"hi ✓"}"#),
        echo(r#"{"message":42}"#),
        echo(r#"{"msg":"hi"}"#),
        echo("garbage"),
        "POST /api/echo HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}".to_string(),
    ];
    let requests: Vec<&str> = requests.iter().map(String::as_str).collect();
    assert_same_answers("http-router", "http-router-p3", &requests).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("http-router-p3/README.md", "http-router-p3").await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    readme::check_under_wash("http-router-p3").await;
}
