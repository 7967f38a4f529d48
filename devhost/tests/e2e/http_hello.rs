//! http-hello, served from its own `.wash/config.yaml`.

use crate::common::{Client, start};
use reqwest::Method;

#[tokio::test]
async fn get_root_answers_the_greeting_as_plain_text() {
    let host = start("http-hello").await;
    let answer = Client::new(&host).get("/").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(answer.body, "Hello from wasmCloud!\n");
}

#[tokio::test]
async fn other_methods_on_root_are_405_with_allow_get() {
    let host = start("http-hello").await;
    let client = Client::new(&host);
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        let answer = client.send(method.clone(), "/", None, "").await;
        assert_eq!(answer.status, 405, "{method}");
        assert_eq!(answer.header("allow"), Some("GET"), "{method}");
    }
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let host = start("http-hello").await;
    let client = Client::new(&host);
    for path in ["/nope", "/index.html", "/%FF", "//"] {
        let answer = client.get(path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.body, "Not found\n", "{path}");
    }
    // A query string does not change the path.
    assert_eq!(client.get("/?name=x").await.status, 200);
}
