//! `wasmcloud:messaging` over a real NATS server, as wasmCloud hosts use it
//! in production. This is the connection and what components send through
//! it; `nats_delivery` brings messages to this host's subscribers.
//!
//! - Each pattern in a component's `subscriptions` becomes a NATS
//!   subscription in the component's consumer group (`consumer_group.rs`).
//!   Several processes running the same worker in one queue group share its
//!   messages: NATS hands each message to one member of the group.
//! - `consumer::request` is a NATS request with the given timeout. A subject
//!   nobody subscribes to fails at once: the server answers "no responders".
//! - `consumer::publish` is a NATS publish, so a handler's reply reaches the
//!   requester through the reply subject of the message it handled.
//! - A handler that returns `Err` (or traps) answers the requester with an
//!   empty reply carrying a `Nats-Service-Error` header, the convention of
//!   NATS services; a requesting devhost turns that back into the `Err`.
//!   Without it the requester would wait out its whole timeout.
//! - When the connection drops, the client reconnects and re-subscribes on
//!   its own. Until it is back, requests and publishes fail at once.

use std::time::Duration;

use anyhow::{anyhow, bail};
use async_nats::client::{RequestError, RequestErrorKind};
use async_nats::connection::State;
use async_nats::{Event, HeaderMap, HeaderValue, SubscribeError};
use bytes::Bytes;
use futures_util::StreamExt;

use crate::interfaces::bindings::messaging_types::BrokerMessage;
use crate::log;

/// How long connecting may take before start-up fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the server may take to confirm the subscriptions.
const SYNC_TIMEOUT: Duration = Duration::from_secs(5);
/// The header of an error reply, and its status code.
const SERVICE_ERROR: &str = "Nats-Service-Error";
const SERVICE_ERROR_CODE: &str = "Nats-Service-Error-Code";

/// A connection to one NATS server (cheap to clone: clones share it).
#[derive(Clone)]
pub struct NatsClient {
    client: async_nats::Client,
    /// The server's URL for messages, without any password in it: these
    /// messages reach logs and HTTP error bodies.
    url: String,
}

/// Connects to the server at `url` (or a comma-separated list of servers),
/// failing if none can be reached within [`CONNECT_TIMEOUT`].
pub async fn connect(url: &str) -> anyhow::Result<NatsClient> {
    let shown_url = without_credentials(url);
    let events_url = shown_url.clone();
    let client = async_nats::ConnectOptions::new()
        .name("devhost")
        .connection_timeout(CONNECT_TIMEOUT)
        .reconnect_delay_callback(reconnect_delay)
        .event_callback(move |event| {
            let url = events_url.clone();
            async move { log_event(&url, event) }
        })
        .connect(url)
        .await
        // The error's text already includes its cause; a context chain
        // would print that cause twice.
        .map_err(|error| anyhow!("cannot connect to NATS at {shown_url}: {error}"))?;
    Ok(NatsClient {
        client,
        url: shown_url,
    })
}

/// `nats://user:secret@host:4222` -> `nats://host:4222`, for each server
/// of a comma-separated list.
fn without_credentials(urls: &str) -> String {
    let strip = |url: &str| {
        let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        match authority.rfind('@') {
            Some(at) if scheme.is_empty() => rest[at + 1..].to_string(),
            Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
            None => url.to_string(),
        }
    };
    urls.split(',').map(strip).collect::<Vec<_>>().join(",")
}

/// Retry after 100 ms, 200 ms, ... and then every second: a dev host should
/// notice a restarted server quickly (the client's default backs off to 4 s).
fn reconnect_delay(attempts: usize) -> Duration {
    let steps = u64::try_from(attempts).unwrap_or(u64::MAX).min(10);
    Duration::from_millis(100 * steps)
}

fn log_event(url: &str, event: Event) {
    match event {
        Event::Connected => log::warn(format_args!("devhost: connected to NATS at {url}")),
        Event::Disconnected => {
            log::warn(format_args!("devhost: lost NATS at {url}; reconnecting"));
        }
        other => log::warn(format_args!("devhost: NATS at {url}: {other}")),
    }
}

impl NatsClient {
    /// `consumer::request` as a NATS request: the reply comes back to a
    /// fresh inbox subject of this connection.
    pub async fn request(
        &self,
        subject: String,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<BrokerMessage, String> {
        self.check_connected()?;
        let request = async_nats::Request::new()
            .payload(Bytes::from(body))
            .timeout(Some(timeout));
        match self.client.send_request(subject.clone(), request).await {
            Ok(reply) => into_reply(reply),
            Err(error) => Err(request_failure(&subject, timeout, &error)),
        }
    }

    /// `consumer::publish` as a NATS publish, with its reply subject if any.
    pub async fn publish(&self, message: BrokerMessage) -> Result<(), String> {
        self.check_connected()?;
        let BrokerMessage {
            subject,
            body,
            reply_to,
        } = message;
        let body = Bytes::from(body);
        let sent = match reply_to {
            Some(reply_to) => {
                self.client
                    .publish_with_reply(subject.clone(), reply_to, body)
                    .await
            }
            None => self.client.publish(subject.clone(), body).await,
        };
        sent.map_err(|error| format!("cannot publish to {subject}: {error}"))
    }

    /// While the client reconnects it would queue what it is given; a
    /// request would then wait out its timeout for nothing. Failing at once
    /// tells the caller what is wrong.
    fn check_connected(&self) -> Result<(), String> {
        match self.client.connection_state() {
            State::Connected => Ok(()),
            State::Pending | State::Disconnected => Err(format!(
                "not connected to NATS at {} (reconnecting)",
                self.url
            )),
        }
    }

    /// Subscribes to `pattern` on its own: every message on it arrives.
    pub(super) async fn subscribe(
        &self,
        pattern: &str,
    ) -> Result<async_nats::Subscriber, SubscribeError> {
        self.client.subscribe(pattern.to_string()).await
    }

    /// Subscribes to `pattern` as a member of the queue group `group`.
    pub(super) async fn queue_subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> Result<async_nats::Subscriber, SubscribeError> {
        self.client
            .queue_subscribe(pattern.to_string(), group.to_string())
            .await
    }

    /// Answers a request whose handler failed, so the requester gets the
    /// error now instead of a timeout later.
    pub(super) async fn reply_with_error(
        &self,
        reply_to: String,
        error: &str,
    ) -> Result<(), String> {
        let mut headers = HeaderMap::new();
        headers.insert(SERVICE_ERROR, header_value(error));
        headers.insert(SERVICE_ERROR_CODE, "500");
        self.client
            .publish_with_headers(reply_to, headers, Bytes::new())
            .await
            .map_err(|error| error.to_string())
    }

    /// Waits until the server has processed everything sent so far.
    /// `flush` only empties our own write buffer; a message to ourselves
    /// comes back after the server has handled every earlier command on
    /// this connection, the subscriptions included. Without this, a request
    /// sent right after start-up could still find no responders.
    pub(super) async fn sync_with_server(&self) -> anyhow::Result<()> {
        let inbox = self.client.new_inbox();
        let mut echo = self.client.subscribe(inbox.clone()).await?;
        self.client.publish(inbox, Bytes::new()).await?;
        match tokio::time::timeout(SYNC_TIMEOUT, echo.next()).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) | Err(_) => bail!(
                "NATS at {} did not confirm the subscriptions within {SYNC_TIMEOUT:?}",
                self.url
            ),
        }
    }
}

/// A reply as the component sees it; an error reply becomes its `Err`.
fn into_reply(reply: async_nats::Message) -> Result<BrokerMessage, String> {
    if let Some(error) = reply.headers.as_ref().and_then(|h| h.get(SERVICE_ERROR)) {
        return Err(error.as_str().to_string());
    }
    Ok(BrokerMessage {
        subject: reply.subject.to_string(),
        body: reply.payload.to_vec(),
        reply_to: reply.reply.map(|subject| subject.to_string()),
    })
}

/// The same messages as the in-process broker's, where there is one.
fn request_failure(subject: &str, timeout: Duration, error: &RequestError) -> String {
    match error.kind() {
        RequestErrorKind::NoResponders => {
            format!("no subscriber for subject {subject} (NATS: no responders)")
        }
        RequestErrorKind::TimedOut => super::timed_out(subject, timeout),
        _ => format!("request to {subject} failed: {error}"),
    }
}

/// A header value holds one line; an error (a trap's backtrace, say) may
/// hold several.
fn header_value(text: &str) -> HeaderValue {
    text.replace(['\r', '\n'], " ").parse().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(headers: Option<HeaderMap>) -> async_nats::Message {
        async_nats::Message {
            subject: "_INBOX.abc".into(),
            reply: None,
            payload: Bytes::from_static(b"H3110"),
            headers,
            status: None,
            description: None,
            length: 0,
        }
    }

    #[test]
    fn a_reply_becomes_the_broker_message() {
        let reply = into_reply(message(None)).unwrap();
        assert_eq!(reply.subject, "_INBOX.abc");
        assert_eq!(reply.body, b"H3110");
        assert_eq!(reply.reply_to, None);
    }

    #[test]
    fn an_error_reply_becomes_the_err() {
        let mut headers = HeaderMap::new();
        headers.insert(SERVICE_ERROR, header_value("missing reply_to"));
        assert_eq!(
            into_reply(message(Some(headers))).unwrap_err(),
            "missing reply_to"
        );
    }

    #[test]
    fn multi_line_errors_fit_in_a_header() {
        let value = header_value("wasm trap: unreachable\nbacktrace:\r\n  0: f");
        assert_eq!(value.as_str(), "wasm trap: unreachable backtrace:    0: f");
    }

    #[test]
    fn request_failures_read_like_the_in_process_ones() {
        let timeout = Duration::from_millis(5000);
        let failure = |kind| request_failure("tasks.x", timeout, &RequestError::new(kind));
        assert_eq!(
            failure(RequestErrorKind::NoResponders),
            "no subscriber for subject tasks.x (NATS: no responders)"
        );
        assert_eq!(
            failure(RequestErrorKind::TimedOut),
            "request to tasks.x timed out after 5000 ms"
        );
        assert!(failure(RequestErrorKind::Other).starts_with("request to tasks.x failed: "));
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            without_credentials("nats://user:secret@nats.example:4222"),
            "nats://nats.example:4222"
        );
        assert_eq!(without_credentials("token@127.0.0.1"), "127.0.0.1");
        assert_eq!(
            without_credentials("nats://a:1@one:4222,nats://two:4222"),
            "nats://one:4222,nats://two:4222"
        );
        assert_eq!(
            without_credentials("nats://127.0.0.1:4222"),
            "nats://127.0.0.1:4222"
        );
    }

    #[test]
    fn reconnects_are_retried_quickly_then_every_second() {
        assert_eq!(reconnect_delay(1), Duration::from_millis(100));
        assert_eq!(reconnect_delay(5), Duration::from_millis(500));
        assert_eq!(reconnect_delay(50), Duration::from_secs(1));
        assert_eq!(reconnect_delay(usize::MAX), Duration::from_secs(1));
    }
}
