//! `HEAD` gets the answer `GET` gets, without the body, from every template
//! that answers it (http-router and its WASI 0.3 twin, which axum answers,
//! and http-api's page), under devhost and under wash; and the component
//! finishes its answer instead of panicking (wstd's `#[http_server]` panics
//! when the host refuses the answer's body, which it logs, after the
//! client already has the headers).
//!
//! The other HTTP templates route `GET` alone and answer `HEAD` with a 405
//! like any other method; their unit tests check that.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use test_support::wash::built_project;
use test_support::workspace::edited_project;
use test_support::{DevhostProcess, NatsServer, WashDev};

/// Each template that answers HEAD, and a path for each kind of answer it
/// gives: 200, 400, 404, and 405 (a known path whose method is not GET).
const ANSWERING_HEAD: [(&str, &[&str]); 3] = [
    ("http-router", ROUTER_PATHS),
    ("http-router-p3", ROUTER_PATHS),
    ("http-api", &["/", "/nope", "/task"]),
];
const ROUTER_PATHS: &[&str] = &[
    "/",
    "/api/greet/Ada",
    "/api/greet?name=Ada",
    "/api/greet",
    "/nope",
    "/api/echo",
];

/// Headers a HEAD answer may leave out, and `date`, which changes.
/// `content-length` and `transfer-encoding` describe the body, and a HEAD
/// answer has none (RFC 9110, 9.3.2): the templates drop `content-length`
/// from it, because wasi:http refuses a body shorter than that header says.
const NOT_COMPARED: [&str; 3] = ["content-length", "transfer-encoding", "date"];

/// How long after its last answer a host is given to log a panic that came
/// after the answer's headers (the panic ends the component's work on it).
const PANIC_LOG_WAIT: Duration = Duration::from_secs(1);

#[tokio::test]
async fn head_answers_like_get_without_a_body_under_devhost() {
    // http-api's config names a NATS server; the routers ignore it.
    let nats = NatsServer::start();
    for (template, paths) in ANSWERING_HEAD {
        let project = edited_project(template, str::to_string);
        let host = DevhostProcess::start(project.path(), &["--nats-url", &nats.url()]);
        for path in paths {
            assert_head_like_get(&host.url, path).await;
        }
        tokio::time::sleep(PANIC_LOG_WAIT).await;
        assert!(!host.output().contains("panicked"), "{}", host.output());
    }
}

#[tokio::test]
async fn head_answers_like_get_without_a_body_under_wash() {
    let nats = NatsServer::start();
    for (template, paths) in ANSWERING_HEAD {
        let project = built_project(template);
        let wash = WashDev::start(&project, Some(&nats.url()), &[]);
        for path in paths {
            assert_head_like_get(&wash.url, path).await;
        }
        tokio::time::sleep(PANIC_LOG_WAIT).await;
        assert!(!wash.log().contains("panicked"), "{}", wash.log());
    }
}

/// HEAD `path` has GET's status and headers (but for [`NOT_COMPARED`]), and
/// nothing after its headers.
async fn assert_head_like_get(url: &str, path: &str) {
    let (get_head, _) = raw_answer(url, "GET", path).await;
    let (head_head, head_body) = raw_answer(url, "HEAD", path).await;
    assert_eq!(
        compared(&head_head),
        compared(&get_head),
        "HEAD {url}{path}"
    );
    assert_eq!(head_body, "", "HEAD {url}{path} came with a body");
}

/// Sends `method path` on a connection of its own, as curl does, and reads
/// everything until the host closes it: a body that should not be there
/// shows, which an HTTP client would hide. Returns the head and the rest.
async fn raw_answer(url: &str, method: &str, path: &str) -> (String, String) {
    let address = url.trim_start_matches("http://");
    let request =
        format!("{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .unwrap_or_else(|_| panic!("{method} {url}{path}: no end of the answer"))
        .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.to_string(), body.to_string())
}

/// The status line, and the headers but for [`NOT_COMPARED`], by name.
fn compared(head: &str) -> (String, BTreeMap<String, String>) {
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_string()))
        .filter(|(name, _)| !NOT_COMPARED.contains(&name.as_str()))
        .collect();
    (status, headers)
}
