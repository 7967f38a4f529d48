//! The production path: `wasmcloud:messaging` over a real NATS server
//! (`nats-server` on a free loopback port): http-api and task-leet in one
//! host over NATS, in separate devhost processes as separate wasmCloud
//! hosts would run them, and a NATS server that goes away. Every process a
//! test starts is killed when the test ends, pass or fail.

use std::time::{Duration, Instant};

use devhost::config::ProjectConfig;
use test_support::devhost_process::command;
use test_support::nats_server::free_port;
use test_support::process::Process;
use test_support::workspace::worker_project;
use test_support::{Answer, DevhostProcess, NatsServer, start_host_with, workspace_root};

const HELLO: &str = r#"{"payload":"Hello World"}"#;

// The root project (http-api and task-leet together) in one host whose
// messaging goes over NATS: a handler's `Err` crosses NATS as an error
// reply, so the requester gets it at once, as it does in-process.

#[tokio::test]
async fn a_handler_error_reaches_the_requester_as_its_err() {
    let nats = NatsServer::start();
    let host = start_host_with(".", |options| options.nats_url = Some(nats.url())).await;

    let reply = host.request("tasks.leet", b"lost", 5000).await;
    assert_eq!(reply.unwrap(), b"1057");
    // Not a timeout: the worker's own error comes back over NATS.
    let error = host
        .request("tasks.leet", &[0x68, 0xff, 0xfe], 5000)
        .await
        .unwrap_err();
    assert_eq!(error, "message body is not valid UTF-8");
}

// http-api and task-leet in separate devhost processes, each from its own
// crate's `.wash/config.yaml`, meeting only through NATS.

#[tokio::test]
async fn a_task_crosses_from_the_api_host_to_the_worker_host() {
    let nats = NatsServer::start();
    let _worker = DevhostProcess::crate_over_nats("task-leet", &nats.url());
    let api = DevhostProcess::crate_over_nats("http-api", &nats.url());

    let answer = api.post_task(HELLO).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
    let answer = api.post_task(r#"{"worker":"nobody","payload":"x"}"#).await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert_eq!(
        answer.json_error(),
        "worker nobody did not answer: no subscriber for subject tasks.nobody (NATS: no responders)"
    );
}

#[test]
fn the_two_crates_share_one_nats_server_and_listen_on_different_ports() {
    // So that `wash dev` (or devhost) in each runs side by side, joined.
    let config = |project: &str| ProjectConfig::load(&workspace_root().join(project)).unwrap();
    let (api, worker) = (config("http-api"), config("task-leet"));
    assert_eq!(api.dev.data_nats_url, worker.dev.data_nats_url);
    assert_eq!(
        api.dev.data_nats_url.as_deref(),
        Some("nats://127.0.0.1:4222")
    );
    // http-api on the default port (wash: 0.0.0.0:8000, devhost: 127.0.0.1:8000).
    assert_eq!(api.address().unwrap(), None);
    assert_eq!(
        worker.address().unwrap(),
        Some(([127, 0, 0, 1], 8001).into())
    );
}

#[tokio::test]
async fn a_killed_worker_fails_within_a_second_and_a_restarted_one_serves() {
    let nats = NatsServer::start();
    let mut worker = DevhostProcess::crate_over_nats("task-leet", &nats.url());
    let api = DevhostProcess::crate_over_nats("http-api", &nats.url());
    assert_eq!(api.post_task(HELLO).await.body, "H3110 W0r1d");

    let killed = Instant::now();
    worker.kill();
    let answer = api.post_task(HELLO).await;
    let elapsed = killed.elapsed();
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert_eq!(
        answer.json_error(),
        "worker leet did not answer: no subscriber for subject tasks.leet (NATS: no responders)"
    );
    // A dead worker must not cost the requester its 5 s reply timeout.
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");

    let _restarted = DevhostProcess::crate_over_nats("task-leet", &nats.url());
    let answer = api.post_task(HELLO).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
}

// A NATS server that is not there: at start-up (a clear error exit), and
// going away while hosts run (they fail cleanly, then reconnect). Also
// where the URL comes from: `--nats-url` over `dev.data_nats_url`.

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

#[tokio::test]
async fn hosts_fail_cleanly_while_nats_is_away_and_reconnect_when_it_is_back() {
    let mut nats = NatsServer::start();
    let mut worker = DevhostProcess::crate_over_nats("task-leet", &nats.url());
    let mut api = DevhostProcess::crate_over_nats("http-api", &nats.url());
    assert_eq!(api.post_task(HELLO).await.body, "H3110 W0r1d");

    nats.stop();
    let lost = format!("devhost: lost NATS at {}; reconnecting", nats.url());
    api.wait_for_line(|line| line.contains(&lost));
    worker.wait_for_line(|line| line.contains(&lost));
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

#[tokio::test]
async fn dev_data_nats_url_is_used_and_the_flag_wins_over_it() {
    let nats = NatsServer::start();
    let api = DevhostProcess::crate_over_nats("http-api", &nats.url());

    // The config's URL alone: the worker joins the same server.
    let live = worker_project(&nats.url(), Some("basic"));
    let worker = DevhostProcess::start(live.path(), &[]);
    assert_eq!(api.post_task(HELLO).await.body, "H3110 W0r1d");
    drop(worker);

    // A config URL where nothing listens: without the flag devhost exits
    // naming that URL; with it, the flag's server is used.
    let dead_url = format!("nats://127.0.0.1:{}", free_port());
    let dead = worker_project(&dead_url, Some("basic"));
    assert!(failed_start(dead.path(), &[]).contains(&dead_url));
    let _worker = DevhostProcess::start(dead.path(), &["--nats-url", &nats.url()]);
    let answer = api.post_task(HELLO).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
}
