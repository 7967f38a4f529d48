//! http-hello-p3, the WASI 0.3 twin of http-hello: http-hello's contract
//! under devhost (a fresh instance per request, and instances reused),
//! under wash and under `wasmtime serve`, and the same bytes as its twin.

use test_support::readme;
use test_support::{Client, WashDev, WasmtimeServe, built_component, start_host, start_host_with};

use super::http_hello::greets_on_get_and_refuses_the_rest;
use super::twins::assert_same_answers;

#[tokio::test]
async fn greets_on_get_and_refuses_the_rest_under_devhost() {
    let host = start_host("http-hello-p3").await;
    greets_on_get_and_refuses_the_rest(&Client::new(&host)).await;
}

#[tokio::test]
async fn greets_on_get_and_refuses_the_rest_under_devhost_reusing_instances() {
    let host = start_host_with("http-hello-p3", |options| {
        options.p3_requests_per_instance = 128;
    })
    .await;
    greets_on_get_and_refuses_the_rest(&Client::new(&host)).await;
}

#[tokio::test]
async fn greets_on_get_and_refuses_the_rest_under_wash() {
    greets_on_get_and_refuses_the_rest(&WashDev::serving("http-hello-p3").client()).await;
}

#[tokio::test]
async fn greets_on_get_and_refuses_the_rest_under_wasmtime_serve() {
    let wasmtime = WasmtimeServe::start(&built_component("http-hello-p3"), &[]);
    greets_on_get_and_refuses_the_rest(&wasmtime.client()).await;
}

#[tokio::test]
async fn answers_as_http_hello_does() {
    let requests = [
        "GET / HTTP/1.1\r\n\r\n",
        "GET /?name=x HTTP/1.1\r\n\r\n",
        "HEAD / HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\ncontent-length: 2\r\n\r\nhi",
        "DELETE / HTTP/1.1\r\n\r\n",
        "GET /nope HTTP/1.1\r\n\r\n",
        "GET /%FF HTTP/1.1\r\n\r\n",
    ];
    assert_same_answers("http-hello", "http-hello-p3", &requests).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("http-hello-p3/README.md", "http-hello-p3").await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    readme::check_under_wash("http-hello-p3").await;
}
