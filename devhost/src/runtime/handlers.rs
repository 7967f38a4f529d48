//! Running message handlers: every message the broker delivers to a
//! component runs its `wasmcloud:messaging/handler` export in a fresh
//! instance of the component's latest build, on a task of its own.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::instances::{CallError, Instances, Work};
use super::state::{ComponentInfo, ComponentState};
use crate::interfaces::bindings::MessageHandlerPre;
use crate::interfaces::messaging::Delivery;

/// A component that exports the handler, linked and ready to instantiate.
pub struct Handler {
    pub component: Arc<ComponentInfo>,
    pub pre: MessageHandlerPre<ComponentState>,
}

impl Handler {
    /// Handles each delivery until the broker stops sending them, each with
    /// the handler `latest` holds when it arrives: a new build swaps it
    /// there, and messages already running finish on the old one.
    pub async fn serve(
        latest: watch::Receiver<Arc<Handler>>,
        instances: Arc<Instances>,
        mut deliveries: mpsc::UnboundedReceiver<Delivery>,
    ) {
        while let Some(delivery) = deliveries.recv().await {
            let handler = Arc::clone(&latest.borrow());
            let instances = Arc::clone(&instances);
            tokio::spawn(async move { handler.run(&instances, delivery).await });
        }
    }

    /// Runs `handle-message` in a fresh instance, once the component has a
    /// free one, and says how it ended: the handler's own `Err`, or a trap
    /// or time-out named after the component, or that the host stayed
    /// busy.
    async fn run(&self, instances: &Instances, delivery: Delivery) {
        let Delivery { message, mut done } = delivery;
        // A request's requester waits for an answer: the message waits for
        // an instance up to the admission wait, and not past the moment the
        // requester gives up (its own timeout), so it never runs for nobody.
        // An event has nobody to answer: it waits as long as it takes.
        let admitted = if message.reply_to.is_some() {
            tokio::select! {
                admitted = instances.admit(&self.component, Work::Call) => admitted,
                () = done.closed() => return,
            }
        } else {
            instances.admit(&self.component, Work::Event).await
        };
        let mut admitted = match admitted {
            Ok(admitted) => admitted,
            Err(CallError::Busy(busy)) => {
                let _ = done.send(Err(busy.to_string()));
                return;
            }
            Err(CallError::Failed(error)) => {
                let _ = done.send(Err(failed(&self.component.name, &error)));
                return;
            }
        };
        let store = &mut admitted.store;
        let outcome = instances
            .limit_time(async {
                let instance = self.pre.instantiate_async(&mut *store).await?;
                instance
                    .wasmcloud_messaging_handler()
                    .call_handle_message(&mut *store, &message)
                    .await
            })
            .await;
        let outcome = outcome.unwrap_or_else(|error| Err(failed(&self.component.name, &error)));
        // The requester may have given up; then nobody is listening.
        let _ = done.send(outcome);
    }
}

/// A handler that never returned: its instance could not be set up, or it
/// trapped or ran out of time. `{:#}` keeps the causes on one line.
fn failed(name: &str, error: &anyhow::Error) -> String {
    format!("handler {name} failed: {error:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_component_and_every_cause() {
        let error = anyhow::anyhow!("wasm trap: unreachable").context("call failed");
        assert_eq!(
            failed("worker", &error),
            "handler worker failed: call failed: wasm trap: unreachable"
        );
    }
}
