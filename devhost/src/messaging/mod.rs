//! `wasmcloud:messaging@0.2.0`: the `consumer` interface components call,
//! and the delivery of messages to the components that export `handler`.
//!
//! A component that exports `wasmcloud:messaging/handler` subscribes to the
//! subject patterns in its `subscriptions` config. How messages travel is
//! the transport's business; the rest of devhost only calls [`request`],
//! [`publish`] and [`serve`]:
//!
//! - [`in_process`], the default: the components of this one host share a
//!   subject space, and nothing leaves the process.
//! - [`nats`] and [`nats_delivery`], with `--nats-url` (or
//!   `dev.data_nats_url`): subjects are NATS subjects, so components in
//!   different processes (devhost or wasmCloud hosts) answer each other, as
//!   they do in production.

mod consumer_group;
mod in_process;
mod nats;
mod nats_delivery;

pub use consumer_group::ConsumerGroup;

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::bindings::MessageHandlerPre;
use crate::bindings::messaging_types::BrokerMessage;
use crate::bindings::{consumer, messaging_types};
use crate::runtime::Runtime;
use crate::state::{ComponentInfo, ComponentState};
use crate::subject::SubjectPattern;

/// A component that handles messages on the subjects it subscribes to.
pub struct Subscriber {
    pub component: Arc<ComponentInfo>,
    pub patterns: Vec<SubjectPattern>,
    /// How hosts running this component share its messages over NATS (the
    /// in-process broker has one instance of each component, so it has no
    /// use for it).
    pub consumer_group: ConsumerGroup,
    pub handler: MessageHandlerPre<ComponentState>,
}

impl Subscriber {
    fn wants(&self, subject: &str) -> bool {
        self.patterns.iter().any(|pattern| pattern.matches(subject))
    }
}

/// The subscribers of this host and the transport their messages use.
#[derive(Default)]
pub struct Messaging {
    subscribers: Vec<Arc<Subscriber>>,
    transport: Transport,
}

pub enum Transport {
    InProcess(in_process::Broker),
    Nats(nats::NatsClient),
}

impl Default for Transport {
    fn default() -> Self {
        Self::InProcess(in_process::Broker::default())
    }
}

impl Transport {
    /// Connects to the NATS server at `url`; fails (rather than waits) if
    /// it cannot be reached.
    pub async fn nats(url: &str) -> anyhow::Result<Self> {
        Ok(Self::Nats(nats::connect(url).await?))
    }
}

impl Messaging {
    pub fn new(subscribers: Vec<Subscriber>, transport: Transport) -> Self {
        Self {
            subscribers: subscribers.into_iter().map(Arc::new).collect(),
            transport,
        }
    }

    /// This host's subscribers to `subject`.
    fn matching(&self, subject: &str) -> Vec<Arc<Subscriber>> {
        self.subscribers
            .iter()
            .filter(|subscriber| subscriber.wants(subject))
            .cloned()
            .collect()
    }
}

/// `consumer::request`: send `body` to one subscriber of `subject` and wait
/// up to `timeout_ms` for its reply.
pub async fn request(
    runtime: &Arc<Runtime>,
    subject: String,
    body: Vec<u8>,
    timeout_ms: u32,
) -> Result<BrokerMessage, String> {
    let timeout = Duration::from_millis(u64::from(timeout_ms));
    match &runtime.messaging.transport {
        Transport::InProcess(broker) => {
            in_process::request(runtime, broker, subject, body, timeout).await
        }
        Transport::Nats(nats) => nats.request(subject, body, timeout).await,
    }
}

/// `consumer::publish`: fire and forget; nobody listening is not an error.
pub async fn publish(runtime: &Arc<Runtime>, message: BrokerMessage) -> Result<(), String> {
    match &runtime.messaging.transport {
        Transport::InProcess(broker) => {
            in_process::publish(runtime, broker, message);
            Ok(())
        }
        Transport::Nats(nats) => nats.publish(message).await,
    }
}

/// Hands one message straight to a subscriber of its subject on this host
/// and returns what the handler returned: its `Err`, or a trap as an `Err`.
/// Unlike `request`, the message is delivered as given, even without
/// `reply_to`, and it never leaves the process.
pub async fn deliver(runtime: &Arc<Runtime>, message: BrokerMessage) -> Result<(), String> {
    let Some(subscriber) = runtime
        .messaging
        .matching(&message.subject)
        .into_iter()
        .next()
    else {
        return Err(format!("no subscriber for subject {}", message.subject));
    };
    run_handler(Arc::clone(runtime), subscriber, message).await
}

/// Starts receiving messages for this host's subscribers: nothing to do
/// in-process (a publish calls the handlers directly); with NATS, one queue
/// subscription per pattern. Dropping the returned [`Serving`] stops it.
pub async fn serve(runtime: &Arc<Runtime>, quiet: bool) -> anyhow::Result<Serving> {
    match &runtime.messaging.transport {
        Transport::InProcess(_) => Ok(Serving::default()),
        Transport::Nats(nats) => nats_delivery::serve(runtime, nats, quiet).await,
    }
}

/// The tasks that receive messages; dropping this stops them (and with
/// them their subscriptions).
#[derive(Default)]
pub struct Serving {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Runs `handle-message` in a fresh instance of `subscriber`. The `Err` is
/// the handler's own error, or a trap or time-out, named after the
/// component.
async fn run_handler(
    runtime: Arc<Runtime>,
    subscriber: Arc<Subscriber>,
    message: BrokerMessage,
) -> Result<(), String> {
    let mut store = runtime.new_store(&subscriber.component);
    let outcome = runtime
        .limit_time(async {
            let instance = subscriber.handler.instantiate_async(&mut store).await?;
            instance
                .wasmcloud_messaging_handler()
                .call_handle_message(&mut store, &message)
                .await
        })
        .await;
    outcome.unwrap_or_else(|error| Err(handler_failed(&subscriber.component.name, &error)))
}

/// A handler that never returned: it trapped, ran out of time, or its task
/// died. `{:#}` keeps the causes on one line.
fn handler_failed(name: &str, error: &anyhow::Error) -> String {
    format!("handler {name} failed: {error:#}")
}

/// The error of a request that got no reply in time, the same for every
/// transport.
fn timed_out(subject: &str, timeout: Duration) -> String {
    format!(
        "request to {subject} timed out after {} ms",
        timeout.as_millis()
    )
}

impl messaging_types::Host for ComponentState {}

impl consumer::Host for ComponentState {
    async fn request(
        &mut self,
        subject: String,
        body: Vec<u8>,
        timeout_ms: u32,
    ) -> wasmtime::Result<Result<BrokerMessage, String>> {
        Ok(request(&self.runtime, subject, body, timeout_ms).await)
    }

    async fn publish(&mut self, message: BrokerMessage) -> wasmtime::Result<Result<(), String>> {
        Ok(publish(&self.runtime, message).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_request_without_subscribers_fails_at_once() {
        let runtime = Arc::new(Runtime {
            engine: wasmtime::Engine::default(),
            keyvalue: Default::default(),
            messaging: Messaging::default(),
            time_limit: Duration::from_secs(1),
        });
        let error = request(&runtime, "tasks.x".to_string(), Vec::new(), 60_000)
            .await
            .unwrap_err();
        assert_eq!(error, "no subscriber for subject tasks.x");
        // Publishing to nobody is fine.
        let message = BrokerMessage {
            subject: "tasks.x".to_string(),
            body: b"hello".to_vec(),
            reply_to: None,
        };
        assert_eq!(publish(&runtime, message).await, Ok(()));
    }

    #[test]
    fn a_handler_failure_names_the_component_and_every_cause() {
        let error = anyhow::anyhow!("wasm trap: unreachable").context("call failed");
        assert_eq!(
            handler_failed("worker", &error),
            "handler worker failed: call failed: wasm trap: unreachable"
        );
    }
}
