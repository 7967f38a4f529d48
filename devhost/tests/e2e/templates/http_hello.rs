//! http-hello over HTTP, under devhost and under wash: the greeting on
//! `GET /`, and a plain refusal for every other request.

use reqwest::Method;
use test_support::readme;
use test_support::{Client, WashDev, start_host};

/// `GET /` is the greeting; any other method is a 405, any other path a 404.
pub(super) async fn greets_on_get_and_refuses_the_rest(client: &Client) {
    let answer = client.get("/").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(answer.body, "Hello from wasmCloud!\n");
    // A query string does not change the path.
    assert_eq!(client.get("/?name=x").await.status, 200);

    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        let answer = client.send(method.clone(), "/", None, "").await;
        assert_eq!(answer.status, 405, "{method}");
        assert_eq!(answer.header("allow"), Some("GET"), "{method}");
    }
    for path in ["/nope", "/index.html", "/%FF", "//"] {
        let answer = client.get(path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.body, "Not found\n", "{path}");
    }
}

#[tokio::test]
async fn greets_on_get_and_refuses_the_rest_under_devhost() {
    let host = start_host("http-hello").await;
    greets_on_get_and_refuses_the_rest(&Client::new(&host)).await;
}

#[tokio::test]
async fn greets_on_get_and_refuses_the_rest_under_wash() {
    greets_on_get_and_refuses_the_rest(&WashDev::serving("http-hello").client()).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("http-hello/README.md", "http-hello").await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    readme::check_under_wash("http-hello").await;
}
