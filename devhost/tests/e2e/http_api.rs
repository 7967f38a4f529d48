//! http-api and the task-leet worker over HTTP: under devhost from the root
//! `.wash/config.yaml` (the two linked in one host), and under wash as two
//! `wash dev` hosts joined by NATS, as their READMEs run them.

use std::time::{Duration, Instant};

use crate::support::{Answer, Client, WashPair, start_host};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What each host answers for a worker nobody subscribes to (the READMEs
/// quote both).
const DEVHOST_NO_WORKER: &str =
    "worker nobody did not answer: no subscriber for subject tasks.nobody";
const WASH_NO_WORKER: &str =
    "worker nobody did not answer: failed to send request: no responders: no responders";

async fn contract(client: &Client, no_worker: &str) {
    for (body, reply) in [
        (
            r#"{"worker":"task-leet","payload":"Hello World"}"#,
            "H3110 W0r1d",
        ),
        (
            r#"{"worker":"leet","payload":"Hello World"}"#,
            "H3110 W0r1d",
        ),
        (
            r#"{"payload":"Straße, Ünïcödé! 🚀"}"#,
            "57r4ß3, Ünïcödé! 🚀",
        ),
    ] {
        let answer = client.post_json("/task", body).await;
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(answer.body, reply, "{body}");
    }

    // Each kind of refusal once; the finer cases are unit tests in task.rs.
    for body in [
        "garbage",
        "{}",
        r#"{"payload":42}"#,
        r#"{"payload":""}"#,
        r#"{"worker":"leet.>","payload":"x"}"#,
    ] {
        let answer = client.post_json("/task", body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        answer.json_error();
    }
    let too_large = format!(r#"{{"payload":"{}"}}"#, "x".repeat(100 * 1024));
    let answer = client.post_json("/task", &too_large).await;
    assert_eq!(answer.status, 413);
    answer.json_error();

    // Nobody subscribes: the host says so at once, not after the 5 s reply
    // timeout (which would make it a 504). Not a speed check.
    let started = Instant::now();
    let answer = client
        .post_json("/task", r#"{"worker":"nobody","payload":"x"}"#)
        .await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.json_error(), no_worker);
    assert!(started.elapsed() < Duration::from_millis(2500));

    for (method, path, allow) in [
        (Method::GET, "/task", "POST"),
        (Method::POST, "/", "GET, HEAD"),
        (Method::DELETE, "/", "GET, HEAD"),
    ] {
        let answer = client.send(method, path, None, "").await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.header("allow"), Some(allow), "{path}");
        answer.json_error();
    }
    let answer = client.post_json("/tasks", r#"{"payload":"x"}"#).await;
    assert_eq!(answer.status, 404);
    answer.json_error();

    page_and_head(client).await;
    chunked_body_over_the_limit(client.base()).await;
}

/// `GET /` is the page; `HEAD /` has the same headers and no body.
async fn page_and_head(client: &Client) {
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

/// No content-length: the 64 KiB limit must hold while the body streams in.
async fn chunked_body_over_the_limit(base: &str) {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
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
async fn under_devhost() {
    let host = start_host(".").await;
    assert_eq!(host.http_component(), Some("http-api"));
    contract(&Client::new(&host), DEVHOST_NO_WORKER).await;
}

#[tokio::test]
async fn under_wash() {
    let Some(pair) = WashPair::start() else {
        return;
    };
    contract(&pair.api.client(), WASH_NO_WORKER).await;
    // The worker's host serves no HTTP: wash answers 404 with no body.
    let answer = pair.worker.client().get("/").await;
    assert_eq!((answer.status, answer.body.as_str()), (404, ""));
}
