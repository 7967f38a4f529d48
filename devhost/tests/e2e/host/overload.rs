//! devhost past its limits: a thousand connections at once, with the
//! default pool and with one so small that nearly every request waits for
//! an instance; a client that holds the only instance; clients that hang
//! up. What a user relies on is asserted, not speed: every request gets
//! its own right answer, no 5xx within the admission wait, nothing lost or
//! counted twice, and a log of whole lines.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tempfile::TempDir;

use test_support::workspace::{build_components, scratch_project};
use test_support::{Client, DevhostProcess, built_component, workspace_root};

/// At least this many connections at once, each sending its requests one
/// after the other on a kept-alive connection.
const CONNECTIONS: usize = 1000;
const REQUESTS_PER_CONNECTION: usize = 2;

/// The whole load must end within this, or the test fails rather than
/// hangs. Well past the admission wait (10 s), so a request turned away as
/// busy shows as a 503, not as this.
const LOAD_TIME_LIMIT: Duration = Duration::from_secs(120);

/// One answer: the status and the body, as text.
type Answer = (u16, String);

/// Opens `CONNECTIONS` connections to `address` at once and sends
/// `REQUESTS_PER_CONNECTION` requests on each, `request(connection,
/// index)` making each; returns the answers in the same order.
async fn load(
    address: &str,
    request: impl Fn(usize, usize) -> Request<Full<Bytes>> + Send + Sync + 'static,
) -> Vec<Vec<Answer>> {
    raise_open_files_limit();
    let address: SocketAddr = address.parse().unwrap();
    let request = std::sync::Arc::new(request);
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|connection| {
            let request = std::sync::Arc::clone(&request);
            tokio::spawn(async move {
                let stream = TcpStream::connect(address).await.unwrap();
                let (mut sender, driver) =
                    hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream))
                        .await
                        .unwrap();
                tokio::spawn(driver);
                let mut answers = Vec::new();
                for index in 0..REQUESTS_PER_CONNECTION {
                    sender.ready().await.unwrap();
                    let response = sender
                        .send_request(request(connection, index))
                        .await
                        .unwrap();
                    let status = response.status().as_u16();
                    let body = response.into_body().collect().await.unwrap().to_bytes();
                    answers.push((status, String::from_utf8_lossy(&body).into_owned()));
                }
                answers
            })
        })
        .collect();
    let all = async {
        let mut answers = Vec::new();
        for client in clients {
            answers.push(client.await.unwrap());
        }
        answers
    };
    tokio::time::timeout(LOAD_TIME_LIMIT, all)
        .await
        .expect("the load did not end in time")
}

/// A thousand connections in this process, and as many in a devhost it
/// starts (which inherits the limit), need more than the 1024 open files
/// many systems allow by default.
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: both calls only read or write the struct passed in.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn post(host: &str, path: &str, body: String) -> Request<Full<Bytes>> {
    Request::post(path)
        .header("host", host)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// Starts devhost as a user does, on the root project (http-api with
/// task-leet), with `extra_args`.
fn devhost(extra_args: &[&str]) -> DevhostProcess {
    build_components();
    DevhostProcess::start(&workspace_root(), extra_args)
}

/// Starts devhost on one template's component from the root build, with
/// `extra_args`; the project folder lives as long as the host.
fn devhost_serving(template: &str, extra_args: &[&str]) -> (DevhostProcess, TempDir) {
    let component = built_component(template);
    let project = scratch_project(&format!(
        "build:\n  component_path: {}\n",
        component.display()
    ));
    (DevhostProcess::start(project.path(), extra_args), project)
}

/// The host part of `http://127.0.0.1:PORT`.
fn address(host: &DevhostProcess) -> String {
    host.url.trim_start_matches("http://").to_string()
}

/// Every line devhost printed is whole: a request line, a line of its own,
/// or the guest's; and none says a request failed or a guest panicked.
fn assert_log_is_clean(host: &DevhostProcess) {
    let output = host.output();
    for line in output.lines() {
        let request_line =
            line.split(' ').count() == 4 && ["GET ", "POST "].iter().any(|m| line.starts_with(m));
        assert!(
            request_line || line.starts_with("devhost: "),
            "a line that is not whole: {line:?}"
        );
        assert!(!line.contains(" 500 ") && !line.contains(" 503 "), "{line}");
        assert!(
            !line.contains("failed") && !line.contains("panicked"),
            "{line}"
        );
    }
}

/// http-api asks task-leet, linked in the same host, for each reply: the
/// pair holds two instances per request.
async fn the_pair_answers_every_task(extra_args: &[&str]) {
    let host = devhost(extra_args);
    let address = address(&host);
    let target = address.clone();
    let answers = load(&address, move |connection, index| {
        let body = format!(r#"{{"payload":"Hello World {connection}-{index}"}}"#);
        post(&target, "/task", body)
    })
    .await;
    for (connection, answers) in answers.iter().enumerate() {
        for (index, (status, body)) in answers.iter().enumerate() {
            assert_eq!(*status, 200, "{connection}-{index}: {body}");
            assert_eq!(*body, format!("H3110 W0r1d {connection}-{index}"));
        }
    }
    assert_log_is_clean(&host);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pair_answers_a_thousand_connections() {
    the_pair_answers_every_task(&[]).await;
}

/// One instance for http-api and one for task-leet: every request but one
/// waits, and each waiting request holds nothing the one running needs, so
/// nothing deadlocks (see admission.rs).
#[tokio::test(flavor = "multi_thread")]
async fn the_pair_answers_a_thousand_connections_with_one_instance_each() {
    the_pair_answers_every_task(&["--max-instances", "2"]).await;
}

/// Every increment answered 200 is counted once: the counts answered are
/// 1 to N, each once, and the counter reads N after.
async fn kv_counter_counts_every_increment(extra_args: &[&str]) {
    let (host, _project) = devhost_serving("kv-counter", extra_args);
    let address = address(&host);
    let target = address.clone();
    let answers = load(&address, move |_, _| {
        post(&target, "/counters/load", String::new())
    })
    .await;
    let mut counts = BTreeSet::new();
    for (status, body) in answers.iter().flatten() {
        assert_eq!(*status, 200, "{body}");
        let answer: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(answer["name"], "load");
        assert!(counts.insert(answer["count"].as_u64().unwrap()), "{body}");
    }
    let total = (CONNECTIONS * REQUESTS_PER_CONNECTION) as u64;
    assert_eq!(counts, (1..=total).collect());
    let read = host.client().get("/counters/load").await;
    assert_eq!(read.json()["count"], total);
    assert_log_is_clean(&host);
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_counter_counts_a_thousand_connections() {
    kv_counter_counts_every_increment(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_counter_counts_a_thousand_connections_with_one_instance() {
    kv_counter_counts_every_increment(&["--max-instances", "1"]).await;
}

/// http-router-p3 (WASI 0.3) echoes each request's own message back and
/// logs one line for it: with a fresh instance per request, with
/// instances reused (up to 16 requests at once in each), and with one
/// instance at a time.
async fn the_p3_router_echoes_every_message(extra_args: &[&str]) {
    let (host, _project) = devhost_serving("http-router-p3", extra_args);
    let address = address(&host);
    let target = address.clone();
    let answers = load(&address, move |connection, index| {
        let body = format!(r#"{{"message":"{connection}-{index}"}}"#);
        post(&target, "/api/echo", body)
    })
    .await;
    for (connection, answers) in answers.iter().enumerate() {
        for (index, (status, body)) in answers.iter().enumerate() {
            assert_eq!(*status, 200, "{connection}-{index}: {body}");
            assert_eq!(*body, format!(r#"{{"echo":"{connection}-{index}"}}"#));
        }
    }
    // The log is read as it comes: wait for the last lines.
    let logged = || {
        let output = host.output();
        let lines = output.lines();
        lines
            .filter(|line| line.starts_with("POST /api/echo 200 "))
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while logged() < CONNECTIONS * REQUESTS_PER_CONNECTION && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(logged(), CONNECTIONS * REQUESTS_PER_CONNECTION);
    assert_log_is_clean(&host);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_p3_router_answers_a_thousand_connections() {
    the_p3_router_echoes_every_message(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_p3_router_answers_a_thousand_connections_reusing_instances() {
    the_p3_router_echoes_every_message(&["--p3-reuse", "128"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_p3_router_answers_a_thousand_connections_with_one_instance() {
    the_p3_router_echoes_every_message(&["--max-instances", "1"]).await;
}

/// A slow client holds the router's only instance (it is still sending
/// its body); a request that waits longer than the admission wait gets a
/// 503 with Retry-After, and once the instance is free, requests are
/// answered again. The same for the WASI 0.2 router and its 0.3 twin.
#[tokio::test(flavor = "multi_thread")]
async fn past_the_admission_wait_a_request_is_told_to_retry() {
    for template in ["http-router", "http-router-p3"] {
        told_to_retry(template).await;
    }
}

async fn told_to_retry(template: &str) {
    let (host, _project) = devhost_serving(
        template,
        &["--max-instances", "1", "--admission-wait-ms", "300"],
    );
    let (mut slow, rest) = hold_an_instance(&host).await;

    let client = Client::at(host.url.clone());
    let busy = client.get("/").await;
    assert_eq!(busy.status, 503, "{}", busy.body);
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_eq!(
        busy.body,
        format!("devhost is busy: no instance of {template} came free within 300ms (1 in use)\n")
    );

    slow.write_all(rest).await.unwrap();
    drop(slow);
    let answer = client.get("/").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

/// With `--p3-reuse`, the only instance a WASI 0.3 component may have
/// takes a second request while the first still waits for its body
/// (without it, as above, the second waits for an instance of its own),
/// and both are answered.
#[tokio::test(flavor = "multi_thread")]
async fn a_reused_p3_instance_answers_while_another_request_waits() {
    let (host, _project) = devhost_serving(
        "http-router-p3",
        &[
            "--max-instances",
            "1",
            "--admission-wait-ms",
            "300",
            "--p3-reuse",
            "128",
        ],
    );
    let (mut slow, rest) = hold_an_instance(&host).await;

    let answer = Client::at(host.url.clone()).get("/").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "Hello from axum on wasmCloud!\n");

    slow.write_all(rest).await.unwrap();
    let mut answered = String::new();
    slow.read_to_string(&mut answered).await.unwrap();
    assert!(answered.starts_with("HTTP/1.1 200 "), "{answered}");
    assert!(answered.ends_with(r#"{"echo":"slow"}"#), "{answered}");
}

/// Sends the head of a `POST /api/echo` and one byte of its body, then
/// waits, so the request holds its instance until the rest comes: returns
/// the connection and the rest of the body.
async fn hold_an_instance(host: &DevhostProcess) -> (TcpStream, &'static [u8]) {
    let mut slow = TcpStream::connect(address(host)).await.unwrap();
    let body = r#"{"message":"slow"}"#;
    let head = format!(
        "POST /api/echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
        body.len(),
        &body[..1]
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    // Until the instance has it, the next request could still be admitted.
    tokio::time::sleep(Duration::from_millis(500)).await;
    (slow, &body.as_bytes()[1..])
}

/// A thousand clients that send a task and leave without reading the
/// answer: each is at most one line in the log, no guest panics and no
/// request fails; the host answers the next client as before.
#[tokio::test(flavor = "multi_thread")]
async fn clients_that_hang_up_leave_a_clean_log() {
    let host = devhost(&["--max-instances", "4"]);
    let request = "POST /task HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                   content-length: 25\r\n\r\n{\"payload\":\"Hello World\"}";
    hang_up(&address(&host), request).await;
    // Every request that reached a guest has ended: the host answers the
    // next one, after those queued before it.
    let answer = host.post_task(r#"{"payload":"Hello World"}"#).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
    assert_log_is_clean(&host);
}

/// The same for a WASI 0.3 component, its instances reused.
#[tokio::test(flavor = "multi_thread")]
async fn clients_that_hang_up_on_the_p3_router_leave_a_clean_log() {
    let (host, _project) = devhost_serving("http-router-p3", &["--p3-reuse", "128"]);
    let request = "POST /api/echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                   content-length: 16\r\n\r\n{\"message\":\"hi\"}";
    hang_up(&address(&host), request).await;
    let answer = host
        .client()
        .post_json("/api/echo", r#"{"message":"hi"}"#)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, r#"{"echo":"hi"}"#);
    assert_log_is_clean(&host);
}

/// `CONNECTIONS` clients each send `request` to `address` and go away
/// without reading the answer.
async fn hang_up(address: &str, request: &'static str) {
    raise_open_files_limit();
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|client| {
            let address = address.to_string();
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.unwrap();
                stream.write_all(request.as_bytes()).await.unwrap();
                // Gone before the answer, some at once and some a little
                // later, while their request waits or runs.
                let patience = Duration::from_millis((client % 20) as u64);
                tokio::time::sleep(patience).await;
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
}
