//! The in-process broker, devhost's default: every component of this one
//! host shares one subject space, and nothing leaves the process.
//!
//! `publish` delivers to every matching subscriber; `request` delivers to
//! one of them with a fresh `_INBOX.<id>` reply subject and waits for the
//! message published to that inbox, as NATS request/reply does.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;

use super::Subscription;
use crate::interfaces::bindings::messaging_types::BrokerMessage;
use crate::log;

#[derive(Default)]
pub struct InProcess {
    inboxes: Inboxes,
    next_inbox_id: AtomicU64,
    /// Spreads requests over several matching subscribers, like a NATS
    /// queue group.
    next_pick: AtomicUsize,
}

impl InProcess {
    fn new_inbox(&self) -> String {
        let id = self.next_inbox_id.fetch_add(1, Ordering::Relaxed);
        format!("_INBOX.{id}")
    }

    /// `consumer::request`: send to one of `candidates` (the subscribers of
    /// `subject`) and wait for its reply.
    pub async fn request(
        &self,
        candidates: Vec<Arc<Subscription>>,
        subject: String,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<BrokerMessage, String> {
        if candidates.is_empty() {
            return Err(format!("no subscriber for subject {subject}"));
        }
        let pick = self.next_pick.fetch_add(1, Ordering::Relaxed) % candidates.len();
        let subscriber = &candidates[pick];

        // Register the inbox before the handler can possibly reply to it.
        let inbox = self.new_inbox();
        let mut waiter = self.inboxes.register(inbox.clone());
        let message = BrokerMessage {
            subject: subject.clone(),
            body,
            reply_to: Some(inbox),
        };
        wait_for_reply(&mut waiter, subscriber.deliver(message), &subject, timeout).await
    }

    /// `consumer::publish`: a reply to a waiting request goes to that
    /// request; anything else goes to every one of `subscribers`. Nobody
    /// listening is not an error (fire and forget, as in NATS).
    pub fn publish(&self, subscribers: Vec<Arc<Subscription>>, message: BrokerMessage) {
        let Some(message) = self.inboxes.deliver(message) else {
            return;
        };
        for subscriber in subscribers {
            let message = message.clone();
            tokio::spawn(async move {
                let subject = message.subject.clone();
                if let Err(error) = subscriber.deliver(message).await {
                    let name = &subscriber.component;
                    log::warn(format_args!(
                        "devhost: {name} returned an error for a message on {subject}: {error}"
                    ));
                }
            });
        }
    }
}

/// Waits for the first message on the waiter's inbox. The handler's own end
/// matters too: its `Err` before any reply is the request's answer, and so
/// is a trap. If it returns `Ok` without replying, someone else may still
/// reply, so the wait goes on until `timeout`.
async fn wait_for_reply(
    waiter: &mut ReplyWaiter<'_>,
    handler: impl Future<Output = Result<(), String>>,
    subject: &str,
    timeout: Duration,
) -> Result<BrokerMessage, String> {
    let mut handler = std::pin::pin!(handler);
    let mut handler_done = false;
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);

    loop {
        tokio::select! {
            reply = &mut waiter.reply => {
                return reply.map_err(|_| format!("reply inbox for {subject} was closed"));
            }
            outcome = &mut handler, if !handler_done => {
                // A handler may reply and then fail; the reply, sent before
                // the handler ended, is the answer then.
                if let Ok(reply) = waiter.reply.try_recv() {
                    return Ok(reply);
                }
                match outcome {
                    Ok(()) => handler_done = true,
                    Err(message) => return Err(message),
                }
            }
            _ = &mut deadline => return Err(super::timed_out(subject, timeout)),
        }
    }
}

/// Requests waiting for a reply, by inbox subject.
#[derive(Default)]
struct Inboxes {
    waiting: Mutex<HashMap<String, oneshot::Sender<BrokerMessage>>>,
}

impl Inboxes {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, oneshot::Sender<BrokerMessage>>> {
        // Nothing panics while holding the lock; a poisoned map is still fine.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn register(&self, inbox: String) -> ReplyWaiter<'_> {
        let (sender, reply) = oneshot::channel();
        self.lock().insert(inbox.clone(), sender);
        ReplyWaiter {
            inboxes: self,
            inbox,
            reply,
        }
    }

    /// Hands `message` to the request waiting on its subject. Gives the
    /// message back if no request is waiting there.
    fn deliver(&self, message: BrokerMessage) -> Option<BrokerMessage> {
        let Some(sender) = self.lock().remove(&message.subject) else {
            return Some(message);
        };
        // The request may have just given up; then the reply is dropped.
        let _ = sender.send(message);
        None
    }
}

/// One request's claim on an inbox; dropping it (the request answered,
/// failed, timed out or was cancelled) unregisters the inbox.
struct ReplyWaiter<'a> {
    inboxes: &'a Inboxes,
    inbox: String,
    reply: oneshot::Receiver<BrokerMessage>,
}

impl Drop for ReplyWaiter<'_> {
    fn drop(&mut self) {
        self.inboxes.lock().remove(&self.inbox);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(subject: &str, body: &str) -> BrokerMessage {
        BrokerMessage {
            subject: subject.to_string(),
            body: body.as_bytes().to_vec(),
            reply_to: None,
        }
    }

    async fn wait(
        inboxes: &Inboxes,
        handler: impl Future<Output = Result<(), String>>,
        timeout_ms: u64,
    ) -> Result<BrokerMessage, String> {
        let mut waiter = inboxes.register("_INBOX.1".to_string());
        let timeout = Duration::from_millis(timeout_ms);
        wait_for_reply(&mut waiter, handler, "tasks.x", timeout).await
    }

    #[tokio::test]
    async fn reply_is_returned_and_inbox_cleaned_up() {
        let inboxes = Inboxes::default();
        let handler = async {
            assert!(inboxes.deliver(reply("_INBOX.1", "done")).is_none());
            Ok(())
        };
        let message = wait(&inboxes, handler, 1000).await.unwrap();
        assert_eq!(message.body, b"done");
        assert!(inboxes.lock().is_empty());
        // A late second reply finds no waiter and is given back.
        assert!(inboxes.deliver(reply("_INBOX.1", "late")).is_some());
    }

    #[tokio::test]
    async fn reply_wins_over_a_handler_error_after_it() {
        let inboxes = Inboxes::default();
        let handler = async {
            inboxes.deliver(reply("_INBOX.1", "done"));
            Err("oops".to_string())
        };
        assert_eq!(wait(&inboxes, handler, 1000).await.unwrap().body, b"done");
    }

    #[tokio::test]
    async fn handler_error_without_reply_is_the_answer() {
        let inboxes = Inboxes::default();
        let handler = async { Err("missing reply_to".to_string()) };
        let error = wait(&inboxes, handler, 1000).await.unwrap_err();
        assert_eq!(error, "missing reply_to");
        assert!(inboxes.lock().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn no_reply_times_out_and_cleans_up() {
        let inboxes = Inboxes::default();
        let error = wait(&inboxes, std::future::pending(), 250)
            .await
            .unwrap_err();
        assert_eq!(error, "request to tasks.x timed out after 250 ms");
        assert!(inboxes.lock().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn handler_ok_without_reply_still_times_out() {
        let inboxes = Inboxes::default();
        let error = wait(&inboxes, async { Ok(()) }, 100).await.unwrap_err();
        assert!(error.contains("timed out"), "{error}");
    }
}
