//! The root project (http-api and task-leet together) in one host whose
//! messaging goes over NATS: a handler's `Err` crosses NATS as an error
//! reply, so the requester gets it at once, as it does in-process.

use crate::support::{NatsServer, start_host_with};

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
