//! kv-counter, served from its own `.wash/config.yaml`, on the dev host's
//! shared in-memory key-value store.

use crate::common::{Client, start};
use reqwest::Method;
use std::collections::BTreeSet;

#[tokio::test]
async fn a_fresh_counter_reads_zero_and_reading_does_not_count() {
    let host = start("kv-counter").await;
    let client = Client::new(&host);
    for _ in 0..2 {
        let answer = client.get("/counters/fresh").await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.json(),
            serde_json::json!({ "name": "fresh", "count": 0 })
        );
    }
}

#[tokio::test]
async fn post_increments_and_get_reads_back() {
    let host = start("kv-counter").await;
    let client = Client::new(&host);
    for expected in 1..=3 {
        let answer = client.post("/counters/apples", "").await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.json(),
            serde_json::json!({ "name": "apples", "count": expected })
        );
    }
    assert_eq!(client.get("/counters/apples").await.json()["count"], 3);
    // Counters are independent, and the visit count is separate from them.
    assert_eq!(client.get("/counters/pears").await.json()["count"], 0);
    assert_eq!(client.get("/counters/visits").await.json()["count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_increments_never_lose_a_count() {
    const CONNECTIONS: usize = 16;
    const INCREMENTS: usize = 200;
    let host = start("kv-counter").await;
    let url = format!("http://{}/counters/race", host.local_addr());

    // 16 connections, each sending its share of the 200 increments in turn.
    let mut workers = Vec::new();
    for worker in 0..CONNECTIONS {
        let url = url.clone();
        let share = (worker..INCREMENTS).step_by(CONNECTIONS).count();
        workers.push(tokio::spawn(async move {
            // One client per worker: its own keep-alive connection.
            let client = reqwest::Client::new();
            let mut counts = Vec::new();
            for _ in 0..share {
                let response = client.post(&url).send().await.unwrap();
                assert_eq!(response.status(), 200);
                let body: serde_json::Value =
                    serde_json::from_str(&response.text().await.unwrap()).unwrap();
                counts.push(body["count"].as_u64().unwrap());
            }
            counts
        }));
    }
    let mut seen = BTreeSet::new();
    for worker in workers {
        for count in worker.await.unwrap() {
            assert!(seen.insert(count), "count {count} was handed out twice");
        }
    }
    // Every response carried a different count, and together they are 1..=200.
    assert_eq!(seen, (1..=INCREMENTS as u64).collect::<BTreeSet<_>>());
    let total = Client::new(&host).get("/counters/race").await.json()["count"].clone();
    assert_eq!(total, INCREMENTS);
}

#[tokio::test]
async fn invalid_names_are_json_400s() {
    let host = start("kv-counter").await;
    let client = Client::new(&host);
    let too_long = "a".repeat(65);
    for name in [
        "",
        "no.dots",
        "a%20b",
        "a:b",
        "*",
        ">",
        "%C3%A9",
        too_long.as_str(),
    ] {
        for method in [Method::GET, Method::POST] {
            let answer = client
                .send(method.clone(), &format!("/counters/{name}"), None, "")
                .await;
            assert_eq!(answer.status, 400, "{method} {name}");
            assert!(answer.json_error().starts_with("counter name must be"));
        }
    }
    let longest = "a".repeat(64);
    assert_eq!(
        client
            .post(&format!("/counters/{longest}"), "")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn root_counts_visits() {
    let host = start("kv-counter").await;
    let client = Client::new(&host);
    for expected in 1..=3 {
        let answer = client.get("/").await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(answer.body, format!("Visit count: {expected}\n"));
    }
}

#[tokio::test]
async fn wrong_methods_are_405_and_unknown_paths_404() {
    let host = start("kv-counter").await;
    let client = Client::new(&host);
    for (method, path, allow) in [
        (Method::POST, "/", "GET"),
        (Method::DELETE, "/counters/apples", "GET, POST"),
        (Method::PUT, "/counters/apples", "GET, POST"),
    ] {
        let answer = client.send(method, path, None, "").await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.header("allow"), Some(allow));
        answer.json_error();
    }
    for path in ["/counters", "/nope"] {
        let answer = client.get(path).await;
        assert_eq!(answer.status, 404, "{path}");
        answer.json_error();
    }
}
