//! The root project (http-api and task-leet together) in one host whose
//! messaging goes over NATS: the same answers as in-process, a handler's
//! `Err` included, which crosses NATS as an error reply.

use super::nats_server::NatsServer;
use crate::common::{Client, build_components, workspace_root};

const TIMEOUT_MS: u32 = 5000;

async fn start_root_over(nats: &NatsServer) -> devhost::RunningHost {
    build_components();
    devhost::start(devhost::Options {
        project_dir: workspace_root(),
        address: Some(([127, 0, 0, 1], 0).into()),
        build: false,
        quiet: true,
        nats_url: Some(nats.url()),
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn requests_and_http_go_through_nats() {
    let nats = NatsServer::start();
    let host = start_root_over(&nats).await;

    let reply = host.request("tasks.leet", b"lost", TIMEOUT_MS).await;
    assert_eq!(reply.unwrap(), b"1057");
    let answer = Client::new(&host)
        .post_json("/task", r#"{"worker":"task-leet","payload":"Hello World"}"#)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, "H3110 W0r1d");
}

#[tokio::test]
async fn a_handler_error_reaches_the_requester_as_its_err() {
    let nats = NatsServer::start();
    let host = start_root_over(&nats).await;

    // Not a timeout: the worker's own error comes back over NATS.
    let error = host
        .request("tasks.leet", &[0x68, 0xff, 0xfe], TIMEOUT_MS)
        .await
        .unwrap_err();
    assert_eq!(error, "message body is not valid UTF-8");
}

#[tokio::test]
async fn a_subject_nobody_subscribes_to_fails_at_once() {
    let nats = NatsServer::start();
    let host = start_root_over(&nats).await;

    let error = host
        .request("tasks.other", b"x", TIMEOUT_MS)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        "no subscriber for subject tasks.other (NATS: no responders)"
    );
}
