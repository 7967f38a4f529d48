//! task-leet beyond HTTP: what devhost's broker returns to a requester, and
//! the worker alone from its own `.wash/config.yaml` (which carries its
//! messages over NATS), under devhost and under wash. Its answers over HTTP
//! are checked through http-api (http_api.rs).

use std::time::Duration;

use async_nats::client::RequestErrorKind;

use test_support::readme;
use test_support::wash::built_project;
use test_support::workspace::worker_project;
use test_support::{Client, NatsServer, WashDev, start_host, start_host_in, start_host_with};

const TIMEOUT_MS: u32 = 5000;

#[tokio::test]
async fn devhost_hands_the_handlers_error_to_the_requester() {
    let host = start_host(".").await;
    let error = host
        .request("tasks.leet", &[0x68, 0xff, 0xfe], TIMEOUT_MS)
        .await
        .unwrap_err();
    assert_eq!(error, "message body is not valid UTF-8");
    let error = host
        .deliver("tasks.leet", b"hello", None)
        .await
        .unwrap_err();
    assert_eq!(error, "missing reply_to");
    let error = host
        .request("tasks.other", b"lost", TIMEOUT_MS)
        .await
        .unwrap_err();
    assert_eq!(error, "no subscriber for subject tasks.other");
}

/// A request on each subject the worker's config subscribes to, straight
/// over NATS.
async fn answers_on_its_subjects(nats: &NatsServer) {
    let client = async_nats::connect(nats.url()).await.unwrap();
    for subject in ["tasks.leet", "tasks.task-leet"] {
        let reply = client.request(subject, "Hello World".into()).await.unwrap();
        assert_eq!(reply.payload, "H3110 W0r1d", "{subject}");
    }
}

#[tokio::test]
async fn alone_it_answers_over_nats_and_serves_no_http_under_devhost() {
    let nats = NatsServer::start();
    let host = start_host_with("task-leet", |options| {
        options.nats_url = Some(nats.url());
    })
    .await;
    assert_eq!(host.http_component(), None);
    answers_on_its_subjects(&nats).await;
    assert_eq!(Client::new(&host).get("/").await.status, 404);
}

/// And a handler's error goes unanswered: one `wash dev` for both.
#[tokio::test]
async fn alone_it_answers_over_nats_serves_no_http_and_leaves_errors_unanswered_under_wash() {
    let project = built_project("task-leet");
    let nats = NatsServer::start();
    let wash = WashDev::start(&project, Some(&nats.url()), &[]);
    answers_on_its_subjects(&nats).await;
    let answer = wash.client().get("/").await;
    assert_eq!((answer.status, answer.body.as_str()), (404, ""));

    // wash logs a handler's `Err` and sends nothing back: the requester
    // waits out its timeout (devhost answers with the error instead).
    let client = async_nats::connect(nats.url()).await.unwrap();
    let request = async_nats::Request::new()
        .payload(vec![0x68, 0xff, 0xfe].into())
        .timeout(Some(Duration::from_secs(1)));
    let error = client
        .send_request("tasks.leet", request)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), RequestErrorKind::TimedOut, "{error}");
}

async fn reply(nats: &NatsServer, text: &str) -> Result<String, String> {
    let client = async_nats::connect(nats.url()).await.unwrap();
    let request = async_nats::Request::new()
        .payload(text.to_string().into())
        .timeout(Some(Duration::from_secs(2)));
    match client.send_request("tasks.leet", request).await {
        Ok(reply) => Ok(String::from_utf8(reply.payload.to_vec()).unwrap()),
        Err(error) => Err(error.to_string()),
    }
}

#[tokio::test]
async fn the_style_setting_picks_the_letters_under_devhost() {
    let nats = NatsServer::start();
    for (style, expected) in [
        (None, "B1g Buzz"),
        (Some("basic"), "B1g Buzz"),
        (Some("extended"), "819 8u22"),
    ] {
        let project = worker_project(&nats.url(), style);
        let _host = start_host_in(project.path()).await;
        assert_eq!(
            reply(&nats, "Big Buzz").await.as_deref(),
            Ok(expected),
            "{style:?}"
        );
    }
}

/// devhost hands the handler's error back to the requester, over NATS too.
#[tokio::test]
async fn a_bad_style_is_an_error_for_the_requester_under_devhost() {
    let nats = NatsServer::start();
    let project = worker_project(&nats.url(), Some("fancy"));
    let host = start_host_in(project.path()).await;
    let error = host
        .request("tasks.leet", b"Big Buzz", 2000)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        "config `style` must be `basic` or `extended`, not `fancy`"
    );
}

#[tokio::test]
async fn the_style_setting_picks_the_letters_under_wash() {
    let project = built_project("task-leet");
    let nats = NatsServer::start();
    let extended = [("WASH_WORKLOAD", r#"{config={style="extended"}}"#)];
    let _wash = WashDev::start(&project, Some(&nats.url()), &extended);
    assert_eq!(reply(&nats, "Big Buzz").await.as_deref(), Ok("819 8u22"));
}

/// Its README runs the root pair; under wash, http_api.rs checks it with
/// the pair of `wash dev` hosts.
#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("task-leet/README.md", ".").await;
}
