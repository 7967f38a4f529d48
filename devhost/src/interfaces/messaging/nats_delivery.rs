//! Delivering NATS messages to this host's subscribers: one subscription
//! per `subscriptions` pattern, in the component's consumer group (see
//! `consumer_group.rs`), each message handed to the component's handler.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use futures_util::StreamExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::nats::NatsClient;
use super::{ConsumerGroup, Subscription};
use crate::interfaces::bindings::messaging_types::BrokerMessage;
use crate::log;

/// The tasks receiving a host's NATS subscriptions. Dropping them stops
/// them at once; [`Receivers::drain`] lets them finish.
#[derive(Default)]
pub struct Receivers(Vec<Receiver>);

struct Receiver {
    task: JoinHandle<()>,
    drain: Option<oneshot::Sender<()>>,
}

impl Receivers {
    fn abort(&self) {
        self.0.iter().for_each(|receiver| receiver.task.abort());
    }

    /// Unsubscribes each, and has the messages the server already sent it
    /// handled, as usual.
    pub fn drain(mut self) {
        for receiver in &mut self.0 {
            if let Some(drain) = receiver.drain.take() {
                let _ = drain.send(());
            }
        }
        // Detached: each ends once its last message is handed on.
        self.0.clear();
    }
}

impl Drop for Receivers {
    fn drop(&mut self) {
        self.abort();
    }
}

/// Subscribes every pattern of every subscriber, in its consumer group, and
/// returns the tasks that receive the messages.
pub async fn serve(
    subscriptions: &[Arc<Subscription>],
    nats: &NatsClient,
    quiet: bool,
) -> anyhow::Result<Receivers> {
    let mut receivers = Receivers::default();
    for subscription in subscriptions {
        let name = &subscription.component;
        let group = &subscription.consumer_group;
        for pattern in &subscription.patterns {
            let subscribed = match group {
                ConsumerGroup::Named(group) => nats.queue_subscribe(pattern.as_str(), group).await,
                ConsumerGroup::Broadcast => nats.subscribe(pattern.as_str()).await,
            };
            let messages = match subscribed {
                Ok(messages) => messages,
                Err(error) => {
                    // What already started stops as `receivers` drops.
                    return Err(error).with_context(|| {
                        format!("component {name}: cannot subscribe to {pattern}")
                    });
                }
            };
            if !quiet {
                log::info(format_args!(
                    "devhost: {name} subscribes to {pattern} in {group}"
                ));
            }
            let (drain, drained) = oneshot::channel();
            let task = tokio::spawn(receive(
                Arc::clone(subscription),
                nats.clone(),
                messages,
                drained,
                quiet,
            ));
            receivers.0.push(Receiver {
                task,
                drain: Some(drain),
            });
        }
    }
    nats.sync_with_server().await?;
    Ok(receivers)
}

/// Hands each message of one NATS subscription to its own task, until
/// told to drain: then it unsubscribes, and hands on what is left.
async fn receive(
    subscription: Arc<Subscription>,
    nats: NatsClient,
    mut messages: async_nats::Subscriber,
    mut drain: oneshot::Receiver<()>,
    quiet: bool,
) {
    let handle_each = |message| {
        tokio::spawn(handle(
            Arc::clone(&subscription),
            nats.clone(),
            message,
            quiet,
        ));
    };
    loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(message) => handle_each(message),
                None => return,
            },
            Ok(()) = &mut drain => break,
        }
    }
    if messages.drain().await.is_ok() {
        while let Some(message) = messages.next().await {
            handle_each(message);
        }
    }
}

/// Has the handler run, logs one line (`MSG <subject> <component> ok|failed
/// <time>`), and answers the requester if the handler failed.
async fn handle(
    subscription: Arc<Subscription>,
    nats: NatsClient,
    message: async_nats::Message,
    quiet: bool,
) {
    let started = Instant::now();
    let name = &subscription.component;
    let subject = message.subject.to_string();
    let reply_to = message.reply.map(|subject| subject.to_string());
    let delivered = BrokerMessage {
        subject: subject.clone(),
        body: message.payload.to_vec(),
        reply_to: reply_to.clone(),
    };
    let failure = subscription.deliver(delivered).await.err();

    if !quiet {
        let outcome = if failure.is_some() { "failed" } else { "ok" };
        log::info(format_args!(
            "MSG {subject} {name} {outcome} {:.1?}",
            started.elapsed()
        ));
    }
    let Some(error) = failure else {
        return;
    };
    log::warn(format_args!(
        "devhost: {name} returned an error for a message on {subject}: {error}"
    ));
    // A reply the handler published before failing is already on its way,
    // and the requester takes the first reply; this one then goes unread.
    if let Some(reply_to) = reply_to
        && let Err(send_error) = nats.reply_with_error(reply_to, &error).await
    {
        log::warn(format_args!(
            "devhost: cannot send {name}'s error to the requester: {send_error}"
        ));
    }
}
