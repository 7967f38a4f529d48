//! Events, fire and forget: http-api publishes `events.task-done.<worker>`
//! for every task done, and task-stats, on a host of its own, counts them.
//! Over NATS, with the worker, http-api and task-stats each on its own host,
//! N tasks give a count of N, under devhost and under wash.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use reqwest::Method;
use test_support::readme;
use test_support::wash::{built_project, edited_wash_project};
use test_support::{Client, DevhostProcess, NatsServer, WashDev, workspace_root};

/// Tasks for `leet` and for `task-leet`.
const TO_LEET: usize = 30;
const TO_TASK_LEET: usize = 5;

fn tasks() -> Vec<String> {
    let task = |worker: &str, number: usize| {
        format!(r#"{{"worker":"{worker}","payload":"task {number}"}}"#)
    };
    let leet = (0..TO_LEET).map(|number| task("leet", number));
    leet.chain((0..TO_TASK_LEET).map(|number| task("task-leet", number)))
        .collect()
}

/// Waits until `GET /stats` shows `expected`.
async fn wait_for_counts(stats: &Client, expected: &Value) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = stats.get("/stats").await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        if answer.json() == *expected {
            return;
        }
        assert!(Instant::now() < deadline, "counts: {}", answer.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `GET /stats` shows `expected`, then half a second more: a
/// count past it would show by then.
async fn assert_counts_settle_at(stats: &Client, expected: Value) {
    wait_for_counts(stats, &expected).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stats.get("/stats").await.json(), expected);
}

/// What task-stats answers besides the counts.
async fn other_requests_are_refused(stats: &Client) {
    let answer = stats.send(Method::POST, "/stats", None, "").await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET"));
    assert_eq!(stats.get("/").await.status, 404);
}

#[tokio::test]
async fn other_requests_are_refused_under_devhost() {
    let nats = NatsServer::start();
    let stats = DevhostProcess::crate_over_nats("task-stats", &nats.url());
    other_requests_are_refused(&stats.client()).await;
}

#[tokio::test]
async fn n_tasks_count_n_over_nats_under_devhost() {
    let nats = NatsServer::start();
    let _worker = DevhostProcess::crate_over_nats("task-leet", &nats.url());
    let api = DevhostProcess::crate_over_nats("http-api", &nats.url());
    let stats = DevhostProcess::crate_over_nats("task-stats", &nats.url());
    assert_eq!(stats.client().get("/stats").await.json(), json!({}));

    // All at once: the counts are atomic increments.
    let mut requests = JoinSet::new();
    for body in tasks() {
        let api = api.client();
        requests.spawn(async move { api.post_json("/task", &body).await });
    }
    while let Some(answer) = requests.join_next().await {
        let answer = answer.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let expected = json!({ "leet": TO_LEET, "task-leet": TO_TASK_LEET });
    assert_counts_settle_at(&stats.client(), expected).await;
}

/// Both with one set of `wash dev` hosts, which take seconds to start.
#[tokio::test]
async fn n_tasks_count_n_over_nats_and_other_requests_are_refused_under_wash() {
    let nats = NatsServer::start();
    let _worker = WashDev::start(&built_project("task-leet"), Some(&nats.url()), &[]);
    let api = WashDev::start(&built_project("http-api"), Some(&nats.url()), &[]);
    let stats_project = built_project("task-stats");
    let stats = WashDev::start(&stats_project, Some(&nats.url()), &[]);
    other_requests_are_refused(&stats.client()).await;

    // One at a time, each counted before the next is sent: under wash the
    // counts are files (`dev.wasi_keyvalue_path`), and wash 2.7.0 (which
    // `WASH` can still pick) increments a file by reading it and writing it
    // back, so two writes at once can lose counts; 2.10's do not. Reading a count through task-stats is such a
    // write too (an increment by 0, see tally.rs), so the test watches the
    // file itself until the count is in, and asks task-stats once at the end.
    let counted = |worker: &str| {
        let file = stats_project
            .join(".wash/keyvalue/task-stats")
            .join(format!("done:{worker}"));
        std::fs::read_to_string(file).unwrap_or_default()
    };
    let mut expected = json!({});
    for body in tasks() {
        let answer = api.client().post_json("/task", &body).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let worker = if body.contains(r#""worker":"leet""#) {
            "leet"
        } else {
            "task-leet"
        };
        let count = expected[worker].as_u64().unwrap_or(0) + 1;
        expected[worker] = json!(count);
        let deadline = Instant::now() + Duration::from_secs(20);
        while counted(worker) != count.to_string() {
            assert!(
                Instant::now() < deadline,
                "{worker}: {} of {count}",
                counted(worker)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert_eq!(stats.client().get("/stats").await.json(), expected);
    assert_eq!(
        expected,
        json!({ "leet": TO_LEET, "task-leet": TO_TASK_LEET })
    );
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    let nats = NatsServer::start();
    let host = DevhostProcess::crate_over_nats("task-stats", &nats.url());
    let readme = workspace_root().join("task-stats/README.md");
    readme::check(&readme, &host.url, readme::Host::Devhost).await;
}

/// A project of its own: under wash, the counts are files in the project.
#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    let project = edited_wash_project("task-stats", "task-stats-readme", str::to_string);
    let nats = NatsServer::start();
    let host = WashDev::start(&project, Some(&nats.url()), &[]);
    readme::check(&project.join("README.md"), &host.url, readme::Host::Wash).await;
}
