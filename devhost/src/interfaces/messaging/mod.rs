//! `wasmcloud:messaging@0.2.0`: the `consumer` interface components call,
//! and the routing of messages to this host's subscribers.
//!
//! The [`Broker`] knows each subscriber by its [`Subscription`]: its
//! subjects, its consumer group, and the channel its messages go to.
//! Running a handler in a fresh instance is the runtime's job
//! (`runtime/handlers.rs`), so nothing here knows about instances. How
//! messages travel is the transport's business:
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
mod subject;

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use wasmtime::component::{HasData, Linker};

pub use consumer_group::ConsumerGroup;
pub use subject::{SubjectPattern, parse_subscriptions};

use crate::interfaces::bindings::consumer;
use crate::interfaces::bindings::messaging_types::{self, BrokerMessage};

/// A message for a subscriber's handler, and where to say how it ended:
/// the handler's own `Err`, or an `Err` for a trap or a timeout.
pub struct Delivery {
    pub message: BrokerMessage,
    pub done: oneshot::Sender<Result<(), String>>,
}

/// A component that handles the messages on the subjects it subscribes to.
pub struct Subscription {
    /// The component's name, for messages and logs.
    pub component: String,
    pub patterns: Vec<SubjectPattern>,
    /// How hosts running this component share its messages over NATS (the
    /// in-process broker has one instance of each component, so it has no
    /// use for it).
    pub consumer_group: ConsumerGroup,
    /// Where this component's messages go to be handled.
    pub deliveries: mpsc::UnboundedSender<Delivery>,
}

impl Subscription {
    fn wants(&self, subject: &str) -> bool {
        self.patterns.iter().any(|pattern| pattern.matches(subject))
    }

    /// Hands `message` to the component's handler and waits until it ends.
    async fn deliver(&self, message: BrokerMessage) -> Result<(), String> {
        let (done, ended) = oneshot::channel();
        let stopped = || format!("handler {} is not running", self.component);
        if self.deliveries.send(Delivery { message, done }).is_err() {
            return Err(stopped());
        }
        ended.await.unwrap_or_else(|_| Err(stopped()))
    }
}

/// The subscribers of this host and the transport their messages use.
/// A new build may bring other subscribers ([`Broker::replace`]); the
/// transport stays for the life of the host.
pub struct Broker {
    subscriptions: RwLock<Vec<Arc<Subscription>>>,
    transport: Transport,
    /// With NATS, what receives each subscription's messages.
    receivers: Mutex<nats_delivery::Receivers>,
}

pub enum Transport {
    InProcess(in_process::InProcess),
    Nats(nats::NatsClient),
}

impl Transport {
    /// Connects to the NATS server at `url`; fails (rather than waits) if
    /// it cannot be reached.
    pub async fn nats(url: &str) -> anyhow::Result<Self> {
        Ok(Self::Nats(nats::connect(url).await?))
    }
}

impl Default for Transport {
    fn default() -> Self {
        Self::InProcess(in_process::InProcess::default())
    }
}

impl Broker {
    /// A broker whose subscribers, if any, receive in-process messages
    /// only: with NATS, [`Broker::replace`] subscribes them.
    pub fn new(subscriptions: Vec<Subscription>, transport: Transport) -> Self {
        Self {
            subscriptions: RwLock::new(subscriptions.into_iter().map(Arc::new).collect()),
            transport,
            receivers: Mutex::default(),
        }
    }

    /// This host's subscribers to `subject`.
    fn matching(&self, subject: &str) -> Vec<Arc<Subscription>> {
        self.subscriptions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|subscription| subscription.wants(subject))
            .cloned()
            .collect()
    }

    /// `consumer::request`: send `body` to one subscriber of `subject` and
    /// wait up to `timeout_ms` for its reply.
    pub async fn request(
        &self,
        subject: String,
        body: Vec<u8>,
        timeout_ms: u32,
    ) -> Result<BrokerMessage, String> {
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        match &self.transport {
            Transport::InProcess(broker) => {
                let candidates = self.matching(&subject);
                broker.request(candidates, subject, body, timeout).await
            }
            Transport::Nats(nats) => nats.request(subject, body, timeout).await,
        }
    }

    /// `consumer::publish`: fire and forget; nobody listening is not an error.
    pub async fn publish(&self, message: BrokerMessage) -> Result<(), String> {
        match &self.transport {
            Transport::InProcess(broker) => {
                let subscribers = self.matching(&message.subject);
                broker.publish(subscribers, message);
                Ok(())
            }
            Transport::Nats(nats) => nats.publish(message).await,
        }
    }

    /// Hands one message straight to a subscriber of its subject on this
    /// host and returns what its handler returned. Unlike `request`, the
    /// message is delivered as given, even without `reply_to`, and it never
    /// leaves the process.
    pub async fn deliver(&self, message: BrokerMessage) -> Result<(), String> {
        let Some(subscription) = self.matching(&message.subject).into_iter().next() else {
            return Err(format!("no subscriber for subject {}", message.subject));
        };
        subscription.deliver(message).await
    }

    /// Forgets every subscriber at once: their handlers' tasks end, and
    /// NATS subscriptions stop without draining. For the host's end.
    pub fn close(&self) {
        self.subscriptions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        drop(std::mem::take(
            &mut *self
                .receivers
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        ));
    }

    /// Makes `subscriptions` this host's subscribers in place of those it
    /// had. In-process, a publish or request finds them from now on. With
    /// NATS, each of their patterns is subscribed first, and only then are
    /// the old subscriptions drained: their messages already on the way are
    /// still handled, so none is lost. If subscribing fails, the old
    /// subscribers stay.
    pub async fn replace(
        &self,
        subscriptions: Vec<Subscription>,
        quiet: bool,
    ) -> anyhow::Result<()> {
        let subscriptions: Vec<_> = subscriptions.into_iter().map(Arc::new).collect();
        let receivers = match &self.transport {
            Transport::InProcess(_) => nats_delivery::Receivers::default(),
            Transport::Nats(nats) => nats_delivery::serve(&subscriptions, nats, quiet).await?,
        };
        *self
            .subscriptions
            .write()
            .unwrap_or_else(PoisonError::into_inner) = subscriptions;
        let old = std::mem::replace(
            &mut *self
                .receivers
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            receivers,
        );
        old.drain();
        Ok(())
    }
}

/// The error of a request that got no reply in time, the same for every
/// transport.
fn timed_out(subject: &str, timeout: Duration) -> String {
    format!(
        "request to {subject} timed out after {} ms",
        timeout.as_millis()
    )
}

/// What one instance's messaging calls reach: the host's broker.
pub struct Consumer<'a>(pub &'a Broker);

/// Names [`Consumer`] as the data the linker hands these interfaces.
struct HasConsumer;

impl HasData for HasConsumer {
    type Data<'a> = Consumer<'a>;
}

/// Links `consumer` (and the `types` it uses); `view` finds an instance's
/// [`Consumer`].
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> Consumer<'_>,
) -> wasmtime::Result<()> {
    messaging_types::add_to_linker::<T, HasConsumer>(linker, view)?;
    consumer::add_to_linker::<T, HasConsumer>(linker, view)
}

impl messaging_types::Host for Consumer<'_> {}

impl consumer::Host for Consumer<'_> {
    async fn request(
        &mut self,
        subject: String,
        body: Vec<u8>,
        timeout_ms: u32,
    ) -> wasmtime::Result<Result<BrokerMessage, String>> {
        Ok(self.0.request(subject, body, timeout_ms).await)
    }

    async fn publish(&mut self, message: BrokerMessage) -> wasmtime::Result<Result<(), String>> {
        Ok(self.0.publish(message).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(subject: &str) -> BrokerMessage {
        BrokerMessage {
            subject: subject.to_string(),
            body: b"hello".to_vec(),
            reply_to: None,
        }
    }

    #[tokio::test]
    async fn in_process_request_without_subscribers_fails_at_once() {
        let broker = Broker::new(Vec::new(), Transport::default());
        let error = broker
            .request("tasks.x".to_string(), Vec::new(), 60_000)
            .await
            .unwrap_err();
        assert_eq!(error, "no subscriber for subject tasks.x");
        // Publishing to nobody is fine.
        assert_eq!(broker.publish(message("tasks.x")).await, Ok(()));
    }

    #[tokio::test]
    async fn a_delivery_ends_with_what_its_handler_said() {
        let (deliveries, mut handler) = mpsc::unbounded_channel();
        let subscription = Subscription {
            component: "worker".into(),
            patterns: vec![SubjectPattern::new("tasks.*")],
            consumer_group: ConsumerGroup::Broadcast,
            deliveries,
        };
        let broker = Broker::new(vec![subscription], Transport::default());
        tokio::spawn(async move {
            let delivery: Delivery = handler.recv().await.unwrap();
            assert_eq!(delivery.message.subject, "tasks.leet");
            let _ = delivery.done.send(Err("missing reply_to".into()));
            // The handler stops: later deliveries say so.
        });
        assert_eq!(
            broker.deliver(message("tasks.leet")).await,
            Err("missing reply_to".into())
        );
        assert_eq!(
            broker.deliver(message("tasks.leet")).await,
            Err("handler worker is not running".into())
        );
        assert_eq!(
            broker.deliver(message("other")).await,
            Err("no subscriber for subject other".into())
        );
    }
}
