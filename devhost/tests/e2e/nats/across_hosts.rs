//! http-api and task-leet in separate devhost processes, each from its own
//! crate's `.wash/config.yaml`, meeting only through NATS.

use std::sync::Arc;
use std::time::{Duration, Instant};

use devhost::config::ProjectConfig;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::devhost_process::Devhost;
use super::nats_server::NatsServer;
use crate::common::workspace_root;

const HELLO: &str = r#"{"payload":"Hello World"}"#;

#[tokio::test]
async fn post_task_crosses_from_the_api_host_to_the_worker_host() {
    let nats = NatsServer::start();
    let worker = Devhost::start("task-leet", &nats.url());
    let api = Devhost::start("http-api", &nats.url());

    for body in [
        r#"{"worker":"task-leet","payload":"Hello World"}"#,
        r#"{"worker":"leet","payload":"Hello World"}"#,
        HELLO,
    ] {
        let answer = api.post_task(body).await;
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
        assert_eq!(answer.body, "H3110 W0r1d", "{body}");
    }
    // The headless worker host serves no HTTP of its own.
    let worker_http = worker.client();
    assert_eq!(worker_http.get("/").await.status, 404);
    assert_eq!(worker_http.get("/task").await.status, 404);
}

#[test]
fn the_two_crates_configs_listen_on_different_ports() {
    // So that `devhost -C task-leet --nats-url ...` and `devhost -C http-api
    // --nats-url ...` run side by side without `--address`.
    let address = |project: &str| {
        let config = ProjectConfig::load(&workspace_root().join(project)).unwrap();
        config
            .address()
            .unwrap()
            .unwrap_or(devhost::DEFAULT_ADDRESS)
    };
    assert_eq!(address("http-api").to_string(), "127.0.0.1:8000");
    assert_eq!(address("task-leet").to_string(), "127.0.0.1:8001");
}

#[tokio::test]
async fn an_unknown_worker_is_a_502_from_nats_no_responders() {
    let nats = NatsServer::start();
    let _worker = Devhost::start("task-leet", &nats.url());
    let api = Devhost::start("http-api", &nats.url());

    let answer = api.post_task(r#"{"worker":"nobody","payload":"x"}"#).await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert_eq!(
        answer.json_error(),
        "worker nobody did not answer: no subscriber for subject tasks.nobody (NATS: no responders)"
    );
}

#[tokio::test]
async fn a_killed_worker_fails_within_a_second_and_a_restarted_one_serves() {
    let nats = NatsServer::start();
    let mut worker = Devhost::start("task-leet", &nats.url());
    let api = Devhost::start("http-api", &nats.url());
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
    // The bound the issue sets: a dead worker must not cost the requester
    // its 5 s reply timeout.
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");

    let _restarted = Devhost::start("task-leet", &nats.url());
    let answer = api.post_task(HELLO).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
}

#[tokio::test]
async fn two_workers_in_one_queue_group_share_100_requests_each_handled_once() {
    const REQUESTS: usize = 100;
    let nats = NatsServer::start();
    let workers = [
        Devhost::start("task-leet", &nats.url()),
        Devhost::start("task-leet", &nats.url()),
    ];
    let api = Arc::new(Devhost::start("http-api", &nats.url()));

    // Every request carries its own number, so every answer shows whose
    // request it answers. 20 at a time keep both workers busy.
    let in_flight = Arc::new(Semaphore::new(20));
    let mut requests = JoinSet::new();
    for number in 0..REQUESTS {
        let api = Arc::clone(&api);
        let in_flight = Arc::clone(&in_flight);
        requests.spawn(async move {
            let _permit = in_flight.acquire().await.unwrap();
            let body = format!(r#"{{"payload":"request {number}"}}"#);
            (number, api.post_task(&body).await)
        });
    }
    let mut answered = 0;
    while let Some(result) = requests.join_next().await {
        let (number, answer) = result.unwrap();
        assert_eq!(answer.status, 200, "request {number}: {}", answer.body);
        assert_eq!(answer.body, format!("r3qu357 {number}"));
        answered += 1;
    }
    assert_eq!(answered, REQUESTS);

    // A worker logs a message once its handler has returned, which can be
    // just after the reply arrived: wait for the count to reach 100.
    let deadline = Instant::now() + Duration::from_secs(10);
    let total = || workers.iter().map(Devhost::handled).sum::<usize>();
    while total() < REQUESTS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let shares: Vec<usize> = workers.iter().map(Devhost::handled).collect();
    assert_eq!(total(), REQUESTS, "handled per worker: {shares:?}");
    assert!(shares.iter().all(|&share| share > 0), "{shares:?}");
}
