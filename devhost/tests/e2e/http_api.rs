//! http-api with task-leet beside it, served from the root
//! `.wash/config.yaml` (the root dev loop), and http-api alone from its own.

use crate::common::{Answer, Client, start};
use reqwest::Method;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_task_is_answered_by_the_worker() {
    let host = start(".").await;
    assert_eq!(host.http_component(), Some("http-api"));
    let client = Client::new(&host);
    for body in [
        r#"{"worker":"task-leet","payload":"Hello World"}"#,
        r#"{"worker":"leet","payload":"Hello World"}"#,
        r#"{"payload":"Hello World"}"#,
    ] {
        let answer = client.post_json("/task", body).await;
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(answer.body, "H3110 W0r1d", "{body}");
    }
}

#[tokio::test]
async fn malformed_tasks_are_json_400s() {
    let host = start(".").await;
    let client = Client::new(&host);
    let long_worker = "a".repeat(65);
    let long_worker = format!(r#"{{"worker":"{long_worker}","payload":"x"}}"#);
    for body in [
        "{}",
        "garbage",
        "",
        r#"{"payload":42}"#,
        r#"{"payload":""}"#,
        r#"{"worker":"leet.>","payload":"x"}"#,
        r#"{"worker":"*","payload":"x"}"#,
        r#"{"worker":">","payload":"x"}"#,
        r#"{"worker":"a b","payload":"x"}"#,
        r#"{"worker":"","payload":"x"}"#,
        long_worker.as_str(),
    ] {
        let answer = client.post_json("/task", body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        answer.json_error();
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let host = start(".").await;
    let payload = "x".repeat(100 * 1024);
    let body = format!(r#"{{"payload":"{payload}"}}"#);
    let answer = Client::new(&host).post_json("/task", &body).await;
    assert_eq!(answer.status, 413);
    answer.json_error();
}

#[tokio::test]
async fn a_chunked_body_over_64_kib_is_413_without_reading_it_all() {
    // No content-length: the limit must hold while the body streams in.
    let host = start(".").await;
    let mut stream = tokio::net::TcpStream::connect(host.local_addr())
        .await
        .unwrap();
    let head = "POST /task HTTP/1.1\r\nhost: localhost\r\ntransfer-encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 8192, "x".repeat(8192));
    for _ in 0..9 {
        // The host may answer and close before it has read everything.
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = vec![0; 1024];
    let read = stream.read(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response[..read]);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
}

#[tokio::test]
async fn wrong_method_is_405_and_unknown_path_404() {
    let host = start(".").await;
    let client = Client::new(&host);
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let answer = client.send(method.clone(), "/task", None, "").await;
        assert_eq!(answer.status, 405, "{method}");
        assert_eq!(answer.header("allow"), Some("POST"));
        answer.json_error();
    }
    let answer = client.post_json("/tasks", r#"{"payload":"x"}"#).await;
    assert_eq!(answer.status, 404);
    answer.json_error();
}

#[tokio::test]
async fn root_serves_the_page_and_head_the_same_headers() {
    let host = start(".").await;
    let client = Client::new(&host);
    let get = client.get("/").await;
    assert_eq!(get.status, 200);
    assert_eq!(get.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(get.body.starts_with("<!doctype html>"), "{}", get.body);

    let head = client.send(Method::HEAD, "/", None, "").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
    // All but the date and the framing the server picks for a body
    // (`transfer-encoding: chunked` for GET; HEAD has no body to frame).
    let headers = |answer: &Answer| {
        let mut headers: Vec<String> = (answer.headers.iter())
            .filter(|(name, _)| !matches!(name.as_str(), "date" | "transfer-encoding"))
            .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
            .collect();
        headers.sort();
        headers
    };
    assert_eq!(headers(&head), headers(&get));
}

#[tokio::test]
async fn other_methods_on_root_are_405_with_allow_get_head() {
    let host = start(".").await;
    let client = Client::new(&host);
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        let answer = client.send(method.clone(), "/", None, "").await;
        assert_eq!(answer.status, 405, "{method}");
        assert_eq!(answer.header("allow"), Some("GET, HEAD"), "{method}");
        answer.json_error();
    }
}

#[tokio::test]
async fn the_page_loads_nothing_from_elsewhere() {
    let host = start(".").await;
    let page = Client::new(&host).get("/").await.body;
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(!page.contains("@import") && !page.contains("url("));
    // Every link is to this host (a path) or inline (`data:`).
    for attribute in ["src=", "href=", "action="] {
        for (at, _) in page.match_indices(attribute) {
            let value = page[at + attribute.len()..].trim_start_matches(['"', '\'']);
            let local =
                value.starts_with("data:") || (value.starts_with('/') && !value.starts_with("//"));
            assert!(local, "{attribute}{}", &value[..value.len().min(40)]);
        }
    }
}

#[tokio::test]
async fn an_unknown_worker_fails_fast_with_502() {
    let host = start(".").await;
    let started = Instant::now();
    let answer = Client::new(&host)
        .post_json("/task", r#"{"worker":"nobody","payload":"x"}"#)
        .await;
    let elapsed = started.elapsed();
    assert_eq!(answer.status, 502);
    assert_eq!(
        answer.json_error(),
        "worker nobody did not answer: no subscriber for subject tasks.nobody"
    );
    // Not a speed check: nobody subscribes, so the answer must not wait out
    // the 5 s reply timeout (which would make it a 504).
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
}

#[tokio::test]
async fn http_api_alone_serves_and_reports_the_missing_worker() {
    let host = start("http-api").await;
    assert_eq!(host.http_component(), Some("http-api"));
    let answer = Client::new(&host)
        .post_json("/task", r#"{"payload":"x"}"#)
        .await;
    assert_eq!(answer.status, 502);
    assert!(
        answer
            .json_error()
            .contains("no subscriber for subject tasks.leet")
    );
}
