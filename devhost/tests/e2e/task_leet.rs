//! task-leet through the dev host's broker: the root config (linked beside
//! http-api) and its own config (alone, subscribed through workload.config).

use crate::common::{Client, start};

const TIMEOUT_MS: u32 = 5000;

async fn leet(host: &devhost::RunningHost, subject: &str, text: &str) -> String {
    let reply = host
        .request(subject, text.as_bytes(), TIMEOUT_MS)
        .await
        .unwrap();
    String::from_utf8(reply).unwrap()
}

#[tokio::test]
async fn translates_mixed_case_digits_punctuation_and_non_ascii() {
    let host = start(".").await;
    for (text, expected) in [
        ("Hello World", "H3110 W0r1d"),
        ("LEET speak, Leet Speak!", "1337 5p34k, 1337 5p34k!"),
        ("Tasks: 42 items (ok?)", "745k5: 42 173m5 (0k?)"),
        ("Straße, Ünïcödé! 🚀", "57r4ß3, Ünïcödé! 🚀"),
        ("bcd fgh", "bcd fgh"),
    ] {
        assert_eq!(leet(&host, "tasks.leet", text).await, expected, "{text}");
    }
}

#[tokio::test]
async fn answers_on_both_subscribed_subjects_only() {
    let host = start(".").await;
    assert_eq!(leet(&host, "tasks.leet", "lost").await, "1057");
    assert_eq!(leet(&host, "tasks.task-leet", "lost").await, "1057");
    let error = host
        .request("tasks.other", b"lost", TIMEOUT_MS)
        .await
        .unwrap_err();
    assert_eq!(error, "no subscriber for subject tasks.other");
}

#[tokio::test]
async fn a_message_without_reply_to_is_an_error() {
    let host = start(".").await;
    let error = host
        .deliver("tasks.leet", b"hello", None)
        .await
        .unwrap_err();
    assert_eq!(error, "missing reply_to");
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_an_error_to_the_requester() {
    let host = start(".").await;
    let error = host
        .request("tasks.leet", &[0x68, 0xff, 0xfe], TIMEOUT_MS)
        .await
        .unwrap_err();
    assert_eq!(error, "message body is not valid UTF-8");
}

#[tokio::test]
async fn alone_it_subscribes_from_workload_config_and_serves_no_http() {
    let host = start("task-leet").await;
    assert_eq!(host.http_component(), None);
    assert_eq!(
        leet(&host, "tasks.task-leet", "Hello World").await,
        "H3110 W0r1d"
    );
    let answer = Client::new(&host).get("/").await;
    assert_eq!(answer.status, 404);
}
