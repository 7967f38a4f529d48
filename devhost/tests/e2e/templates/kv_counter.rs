//! kv-counter over HTTP, under devhost and under wash, each with its
//! key-value store fresh for every test: the visit count and named
//! counters, their refusals, and increments that never lose a count.

use std::collections::BTreeSet;

use reqwest::Method;
use test_support::readme;
use test_support::{Client, WashDev, start_host};

/// The visit count, and named counters read and incremented; a bad name,
/// method or path is refused with a JSON error.
async fn counts_visits_and_named_counters(client: &Client) {
    // The store starts empty: the first visit is 1.
    for expected in 1..=2 {
        let answer = client.get("/").await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(answer.body, format!("Visit count: {expected}\n"));
    }
    // Reading a counter never creates or changes it.
    for _ in 0..2 {
        let answer = client.get("/counters/apples").await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.json(),
            serde_json::json!({ "name": "apples", "count": 0 })
        );
    }
    for expected in 1..=3 {
        let answer = client.post("/counters/apples", "").await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.json(),
            serde_json::json!({ "name": "apples", "count": expected })
        );
    }
    assert_eq!(client.get("/counters/apples").await.json()["count"], 3);
    // Counters are independent, and the visit count is none of them.
    assert_eq!(client.get("/counters/pears").await.json()["count"], 0);
    assert_eq!(client.get("/counters/visits").await.json()["count"], 0);

    for name in ["", "no.dots", "a:b", "%C3%A9", &"a".repeat(65)] {
        let answer = client.post(&format!("/counters/{name}"), "").await;
        assert_eq!(answer.status, 400, "{name}");
        assert!(answer.json_error().starts_with("counter name must be"));
    }
    for (method, path, allow) in [
        (Method::POST, "/", "GET"),
        (Method::DELETE, "/counters/apples", "GET, POST"),
    ] {
        let answer = client.send(method, path, None, "").await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.header("allow"), Some(allow));
        answer.json_error();
    }
    let answer = client.get("/counters").await;
    assert_eq!(answer.status, 404);
    answer.json_error();
}

/// 200 increments over 16 connections at once: every response carries a
/// different count, and together they are 1 to 200. A get-then-set counter
/// would hand out some counts twice.
async fn concurrent_increments_never_lose_a_count(base: &str) {
    const CONNECTIONS: usize = 16;
    const INCREMENTS: usize = 200;
    let url = format!("{base}/counters/race");
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
    assert_eq!(seen, (1..=INCREMENTS as u64).collect::<BTreeSet<_>>());
    let total = Client::at(base.to_string()).get("/counters/race").await;
    assert_eq!(total.json()["count"], INCREMENTS);
}

#[tokio::test]
async fn counts_visits_and_named_counters_under_devhost() {
    let host = start_host("kv-counter").await;
    counts_visits_and_named_counters(&Client::new(&host)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_increments_never_lose_a_count_under_devhost() {
    let host = start_host("kv-counter").await;
    concurrent_increments_never_lose_a_count(&format!("http://{}", host.local_addr())).await;
}

/// Both in one `wash dev`, which takes seconds to start.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counts_visits_and_named_counters_and_never_loses_a_count_under_wash() {
    let wash = WashDev::serving("kv-counter");
    counts_visits_and_named_counters(&wash.client()).await;
    concurrent_increments_never_lose_a_count(&wash.url).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("kv-counter/README.md", "kv-counter").await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    readme::check_under_wash("kv-counter").await;
}
