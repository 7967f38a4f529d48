//! Delivering NATS messages to this host's subscribers: one subscription
//! per `subscriptions` pattern, in the component's consumer group (see
//! `consumer_group.rs`), and a fresh instance per message.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use futures_util::StreamExt;

use super::nats::NatsClient;
use super::{ConsumerGroup, Serving, Subscriber, run_handler};
use crate::bindings::messaging_types::BrokerMessage;
use crate::runtime::Runtime;

/// Subscribes every pattern of every subscriber, in its consumer group, and
/// starts receiving.
pub async fn serve(
    runtime: &Arc<Runtime>,
    nats: &NatsClient,
    quiet: bool,
) -> anyhow::Result<Serving> {
    // Built up as we go, so that a failure half way stops what started.
    let mut serving = Serving::default();
    for subscriber in &runtime.messaging.subscribers {
        let name = &subscriber.component.name;
        let group = &subscriber.consumer_group;
        for pattern in &subscriber.patterns {
            let subscription = match group {
                ConsumerGroup::Named(group) => nats.queue_subscribe(pattern.as_str(), group).await,
                ConsumerGroup::Broadcast => nats.subscribe(pattern.as_str()).await,
            }
            .with_context(|| format!("component {name}: cannot subscribe to {pattern}"))?;
            if !quiet {
                println!("devhost: {name} subscribes to {pattern} in {group}");
            }
            serving.tasks.push(tokio::spawn(receive(
                Arc::clone(runtime),
                Arc::clone(subscriber),
                nats.clone(),
                subscription,
                quiet,
            )));
        }
    }
    nats.sync_with_server().await?;
    Ok(serving)
}

/// Hands each message of one subscription to its own task.
async fn receive(
    runtime: Arc<Runtime>,
    subscriber: Arc<Subscriber>,
    nats: NatsClient,
    mut subscription: async_nats::Subscriber,
    quiet: bool,
) {
    while let Some(message) = subscription.next().await {
        tokio::spawn(handle(
            Arc::clone(&runtime),
            Arc::clone(&subscriber),
            nats.clone(),
            message,
            quiet,
        ));
    }
}

/// Runs the handler in a fresh instance, logs one line (`MSG <subject>
/// <component> ok|failed <time>`), and answers the requester if the handler
/// failed.
async fn handle(
    runtime: Arc<Runtime>,
    subscriber: Arc<Subscriber>,
    nats: NatsClient,
    message: async_nats::Message,
    quiet: bool,
) {
    let started = Instant::now();
    let name = subscriber.component.name.clone();
    let subject = message.subject.to_string();
    let reply_to = message.reply.map(|subject| subject.to_string());
    let delivered = BrokerMessage {
        subject: subject.clone(),
        body: message.payload.to_vec(),
        reply_to: reply_to.clone(),
    };
    let failure = run_handler(runtime, subscriber, delivered).await.err();

    if !quiet {
        let outcome = if failure.is_some() { "failed" } else { "ok" };
        println!("MSG {subject} {name} {outcome} {:.1?}", started.elapsed());
    }
    let Some(error) = failure else {
        return;
    };
    eprintln!("devhost: {name} returned an error for a message on {subject}: {error}");
    // A reply the handler published before failing is already on its way,
    // and the requester takes the first reply; this one then goes unread.
    if let Some(reply_to) = reply_to
        && let Err(send_error) = nats.reply_with_error(reply_to, &error).await
    {
        eprintln!("devhost: cannot send {name}'s error to the requester: {send_error}");
    }
}
