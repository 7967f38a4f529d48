//! A NATS server that is not there: at start-up (a clear error exit), and
//! going away while hosts run (they fail cleanly, then reconnect). Also
//! where the URL comes from: `--nats-url` over `dev.data_nats_url`.

use std::time::{Duration, Instant};

use crate::support::devhost::command;
use crate::support::nats_server::free_port;
use crate::support::process::Process;
use crate::support::workspace::edited_project;
use crate::support::{Answer, Devhost, NatsServer, workspace_root};

const HELLO: &str = r#"{"payload":"Hello World"}"#;

/// A request made while the NATS server is away fails as a worker failure:
/// 502 (or 504, if it was on its way when the server went), JSON, clear.
fn assert_clean_failure(answer: &Answer) {
    assert!(
        answer.status == 502 || answer.status == 504,
        "{} {}",
        answer.status,
        answer.body
    );
    let error = answer.json_error();
    assert!(error.starts_with("worker leet did not answer: "), "{error}");
}

/// Polls `host`'s stderr until it contains `text`.
async fn wait_for_log(host: &Devhost, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !host.output().contains(text) {
        assert!(
            Instant::now() < deadline,
            "no {text:?} in:\n{}",
            host.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn hosts_fail_cleanly_while_nats_is_away_and_reconnect_when_it_is_back() {
    let mut nats = NatsServer::start();
    let mut worker = Devhost::crate_over_nats("task-leet", &nats.url());
    let mut api = Devhost::crate_over_nats("http-api", &nats.url());
    assert_eq!(api.post_task(HELLO).await.body, "H3110 W0r1d");

    nats.stop();
    let lost = format!("devhost: lost NATS at {}; reconnecting", nats.url());
    wait_for_log(&api, &lost).await;
    wait_for_log(&worker, &lost).await;
    let answer = api.post_task(HELLO).await;
    assert_clean_failure(&answer);
    assert_eq!(
        answer.json_error(),
        format!(
            "worker leet did not answer: not connected to NATS at {} (reconnecting)",
            nats.url()
        )
    );
    assert!(api.is_running() && worker.is_running());

    // Back on the same port: both hosts reconnect and re-subscribe by
    // themselves. Until the worker has, requests keep failing cleanly.
    nats.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    let answer = loop {
        let answer = api.post_task(HELLO).await;
        if answer.status == 200 || Instant::now() > deadline {
            break answer;
        }
        assert_clean_failure(&answer);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
}

/// Runs devhost on `dir` and waits for it to fail; returns its output.
fn failed_start(dir: &std::path::Path, extra_args: &[&str]) -> String {
    let mut process = Process::spawn("devhost", command(dir, extra_args));
    let status = process.wait_for_exit(Duration::from_secs(15));
    let output = process.output();
    assert!(!status.success(), "{output}");
    assert!(!output.contains("panicked"), "{output}");
    output
}

#[test]
fn an_unreachable_nats_server_is_a_clear_error_exit_at_start() {
    let url = format!("nats://127.0.0.1:{}", free_port());
    let output = failed_start(&workspace_root(), &["--nats-url", &url]);
    assert!(
        output.contains(&format!("devhost: cannot connect to NATS at {url}")),
        "{output}"
    );
}

/// task-leet's own config, with `dev.data_nats_url` set to `url`.
fn worker_project(url: &str) -> tempfile::TempDir {
    edited_project("task-leet", |config| {
        config.replace("nats://127.0.0.1:4222", url)
    })
}

#[tokio::test]
async fn dev_data_nats_url_is_used_and_the_flag_wins_over_it() {
    let nats = NatsServer::start();
    let api = Devhost::crate_over_nats("http-api", &nats.url());

    // The config's URL alone: the worker joins the same server.
    let live = worker_project(&nats.url());
    let worker = Devhost::start(live.path(), &[]);
    assert_eq!(api.post_task(HELLO).await.body, "H3110 W0r1d");
    drop(worker);

    // A config URL where nothing listens: without the flag devhost exits
    // naming that URL; with it, the flag's server is used.
    let dead_url = format!("nats://127.0.0.1:{}", free_port());
    let dead = worker_project(&dead_url);
    assert!(failed_start(dead.path(), &[]).contains(&dead_url));
    let _worker = Devhost::start(dead.path(), &["--nats-url", &nats.url()]);
    let answer = api.post_task(HELLO).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
}
