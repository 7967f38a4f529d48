//! Running message handlers: every message the broker delivers to a
//! component runs its `wasmcloud:messaging/handler` export in a fresh
//! instance, on a task of its own.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::bindings::MessageHandlerPre;
use crate::bindings::messaging_types::BrokerMessage;
use crate::instances::Instances;
use crate::messaging::Delivery;
use crate::state::{ComponentInfo, ComponentState};

/// A component that exports the handler, linked and ready to instantiate.
pub struct Handler {
    pub component: Arc<ComponentInfo>,
    pub pre: MessageHandlerPre<ComponentState>,
}

impl Handler {
    /// Handles each delivery until the broker stops sending them.
    pub async fn serve(
        self,
        instances: Arc<Instances>,
        mut deliveries: mpsc::UnboundedReceiver<Delivery>,
    ) {
        let handler = Arc::new(self);
        while let Some(Delivery { message, done }) = deliveries.recv().await {
            let (handler, instances) = (Arc::clone(&handler), Arc::clone(&instances));
            tokio::spawn(async move {
                // The requester may have given up; then nobody is listening.
                let _ = done.send(handler.run(&instances, message).await);
            });
        }
    }

    /// Runs `handle-message` in a fresh instance. The `Err` is the
    /// handler's own error, or a trap or time-out, named after the
    /// component.
    async fn run(&self, instances: &Instances, message: BrokerMessage) -> Result<(), String> {
        let mut store = instances.new_store(&self.component);
        let outcome = instances
            .limit_time(async {
                let instance = self.pre.instantiate_async(&mut store).await?;
                instance
                    .wasmcloud_messaging_handler()
                    .call_handle_message(&mut store, &message)
                    .await
            })
            .await;
        outcome.unwrap_or_else(|error| Err(failed(&self.component.name, &error)))
    }
}

/// A handler that never returned: it trapped or ran out of time. `{:#}`
/// keeps the causes on one line.
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
