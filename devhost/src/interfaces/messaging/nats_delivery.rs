//! Delivering NATS messages to this host's subscribers: one subscription
//! per `subscriptions` pattern, in the component's consumer group (see
//! `consumer_group.rs`), each message handed to the component's handler.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use futures_util::StreamExt;
use tokio::task::JoinHandle;

use super::nats::NatsClient;
use super::{ConsumerGroup, Subscription};
use crate::interfaces::bindings::messaging_types::BrokerMessage;
use crate::log;

/// Subscribes every pattern of every subscriber, in its consumer group, and
/// returns the tasks that receive the messages.
pub async fn serve(
    subscriptions: &[Arc<Subscription>],
    nats: &NatsClient,
    quiet: bool,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let mut receivers = Vec::new();
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
                    // Stop what already started before failing.
                    receivers.iter().for_each(JoinHandle::abort);
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
            receivers.push(tokio::spawn(receive(
                Arc::clone(subscription),
                nats.clone(),
                messages,
                quiet,
            )));
        }
    }
    if let Err(error) = nats.sync_with_server().await {
        receivers.iter().for_each(JoinHandle::abort);
        return Err(error);
    }
    Ok(receivers)
}

/// Hands each message of one NATS subscription to its own task.
async fn receive(
    subscription: Arc<Subscription>,
    nats: NatsClient,
    mut messages: async_nats::Subscriber,
    quiet: bool,
) {
    while let Some(message) = messages.next().await {
        tokio::spawn(handle(
            Arc::clone(&subscription),
            nats.clone(),
            message,
            quiet,
        ));
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
