//! Scaled workers share their tasks. Every host running task-leet with its
//! config (`consumer_group: task-leet`, the same as its manifest) joins one
//! NATS queue group, so each task is handled once however many hosts run;
//! with `broadcast`, every host handles every task. The same checks run
//! with two devhost workers and with two `wash dev` workers (the wasmCloud
//! runtime's own NATS plugin), and a devhost worker and a wash worker with
//! no `consumer_group` at all land in the same default group.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use test_support::wash::{built_project, edited_wash_project};
use test_support::workspace::edited_project;
use test_support::{DevhostProcess, NatsServer, WashDev};

const TASKS: usize = 40;

/// Publishes `TASKS` tasks to `tasks.leet`, task `i` asking for its reply
/// on `replies.<i>`, and returns how many replies each task got. Waits for
/// `expected` replies in all, then half a second more for any extra one
/// (by then every worker has also logged what it handled).
async fn replies_per_task(nats: &NatsServer, expected: usize) -> Vec<usize> {
    let client = async_nats::connect(nats.url()).await.unwrap();
    let mut replies = client.subscribe("replies.*").await.unwrap();
    for task in 0..TASKS {
        let (reply_to, body) = (format!("replies.{task}"), format!("task {task}"));
        client
            .publish_with_reply("tasks.leet", reply_to, body.into())
            .await
            .unwrap();
    }
    client.flush().await.unwrap();

    let mut counts = BTreeMap::<usize, usize>::new();
    let mut received = 0;
    let mut deadline = Instant::now() + Duration::from_secs(20);
    let mut settling = false;
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        let Ok(Some(reply)) = tokio::time::timeout(wait, replies.next()).await else {
            break;
        };
        let task: usize = reply
            .subject
            .trim_start_matches("replies.")
            .parse()
            .unwrap();
        assert_eq!(
            reply.payload,
            format!("745k {task}"),
            "the reply to task {task}"
        );
        *counts.entry(task).or_default() += 1;
        received += 1;
        if received >= expected && !settling {
            // Everything expected is in: a duplicate would come soon after.
            settling = true;
            deadline = Instant::now() + Duration::from_millis(500);
        }
    }
    (0..TASKS)
        .map(|task| counts.get(&task).copied().unwrap_or(0))
        .collect()
}

fn assert_each(counts: &[usize], times: usize) {
    assert!(
        counts.iter().all(|&count| count == times),
        "replies per task (each should be {times}): {counts:?}"
    );
}

fn broadcast(config: &str) -> String {
    config.replace("consumer_group: task-leet", "consumer_group: broadcast")
}

fn no_group(config: &str) -> String {
    let lines = config
        .lines()
        .filter(|line| !line.contains("consumer_group"));
    lines.collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn devhost_workers_in_the_named_group_handle_each_task_once() {
    let nats = NatsServer::start();
    let workers = [
        DevhostProcess::crate_over_nats("task-leet", &nats.url()),
        DevhostProcess::crate_over_nats("task-leet", &nats.url()),
    ];
    assert_each(&replies_per_task(&nats, TASKS).await, 1);
    // Each host logs a line per message it handled.
    let shares: Vec<usize> = workers.iter().map(DevhostProcess::handled).collect();
    assert_eq!(shares.iter().sum::<usize>(), TASKS, "{shares:?}");
    assert!(shares.iter().all(|&share| share > 0), "{shares:?}");
}

#[tokio::test]
async fn devhost_workers_that_broadcast_each_handle_every_task() {
    let nats = NatsServer::start();
    let project = edited_project("task-leet", broadcast);
    let _workers = [
        DevhostProcess::start(project.path(), &["--nats-url", &nats.url()]),
        DevhostProcess::start(project.path(), &["--nats-url", &nats.url()]),
    ];
    assert_each(&replies_per_task(&nats, 2 * TASKS).await, 2);
}

#[tokio::test]
async fn wash_workers_in_the_named_group_handle_each_task_once() {
    let project = built_project("task-leet");
    let nats = NatsServer::start();
    let _workers = [
        WashDev::start(&project, Some(&nats.url()), &[]),
        WashDev::start(&project, Some(&nats.url()), &[]),
    ];
    assert_each(&replies_per_task(&nats, TASKS).await, 1);
}

#[tokio::test]
async fn wash_workers_that_broadcast_each_handle_every_task() {
    let project = built_project("task-leet");
    let nats = NatsServer::start();
    let broadcast = [("WASH_WORKLOAD", r#"{config={consumer_group="broadcast"}}"#)];
    let _workers = [
        WashDev::start(&project, Some(&nats.url()), &broadcast),
        WashDev::start(&project, Some(&nats.url()), &broadcast),
    ];
    assert_each(&replies_per_task(&nats, 2 * TASKS).await, 2);
}

#[tokio::test]
async fn without_a_group_devhost_and_wash_derive_the_same_default() {
    // A project whose config names no group, for each host.
    let wash_project = edited_wash_project("task-leet", "task-leet-no-group", no_group);
    let devhost_project = edited_project("task-leet", no_group);

    let nats = NatsServer::start();
    let devhost_worker =
        DevhostProcess::start(devhost_project.path(), &["--nats-url", &nats.url()]);
    let _wash_worker = WashDev::start(&wash_project, Some(&nats.url()), &[]);
    // One group: each task once, and some of them on each host.
    assert_each(&replies_per_task(&nats, TASKS).await, 1);
    let on_devhost = devhost_worker.handled();
    assert!(
        0 < on_devhost && on_devhost < TASKS,
        "devhost handled {on_devhost} of {TASKS}"
    );
}
