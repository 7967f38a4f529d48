//! http-api and task-leet in separate devhost processes, each from its own
//! crate's `.wash/config.yaml`, meeting only through NATS.

use std::time::{Duration, Instant};

use devhost::config::ProjectConfig;

use crate::support::{Devhost, NatsServer, workspace_root};

const HELLO: &str = r#"{"payload":"Hello World"}"#;

#[tokio::test]
async fn a_task_crosses_from_the_api_host_to_the_worker_host() {
    let nats = NatsServer::start();
    let _worker = Devhost::crate_over_nats("task-leet", &nats.url());
    let api = Devhost::crate_over_nats("http-api", &nats.url());

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
    let mut worker = Devhost::crate_over_nats("task-leet", &nats.url());
    let api = Devhost::crate_over_nats("http-api", &nats.url());
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

    let _restarted = Devhost::crate_over_nats("task-leet", &nats.url());
    let answer = api.post_task(HELLO).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
}
