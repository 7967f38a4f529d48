//! http-hello's contract over HTTP, under devhost and under wash.

use reqwest::Method;
use test_support::readme;
use test_support::wash::built_project;
use test_support::{Client, WashDev, start_host};

pub(super) async fn contract(client: &Client) {
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
async fn under_devhost() {
    let host = start_host("http-hello").await;
    contract(&Client::new(&host)).await;
}

#[tokio::test]
async fn under_wash() {
    let project = built_project("http-hello");
    let wash = WashDev::start(&project, None, &[]);
    contract(&wash.client()).await;
}

#[tokio::test]
async fn readme_under_devhost() {
    readme::check_under_devhost("http-hello/README.md", "http-hello").await;
}

#[tokio::test]
async fn readme_under_wash() {
    readme::check_under_wash("http-hello").await;
}
