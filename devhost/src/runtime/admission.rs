//! Admission: how many instances of each component may live at once, and
//! how work waits for one when they are all busy.
//!
//! Each component gets its own share of the instance pool ([`Slots`]).
//! Work that finds every slot taken waits in arrival order (tokio's
//! semaphore is fair) for up to the admission wait, and only then is told
//! the host is busy: a 503 for HTTP, an `Err` for a message request.
//!
//! Shares, rather than one pool for all, are what keep a request that waits
//! on another component from deadlocking: http-api holding its instance
//! while it waits for task-leet's reply can only wait on task-leet's slots,
//! and those are held by task-leet instances, which wait on nothing but the
//! CPU. With one shared pool, enough waiting http-api requests could hold
//! every slot, and task-leet would never get one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The default longest wait for a free instance: well inside the request
/// time limit (30 s), long enough to ride out a burst.
pub const DEFAULT_ADMISSION_WAIT: Duration = Duration::from_secs(10);

/// What a client is told to wait before trying again, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// One component's share of the instance pool. A clone is the same share.
#[derive(Debug, Clone)]
pub struct Slots {
    semaphore: Arc<Semaphore>,
    count: usize,
}

/// A taken slot: the instance it admits may live until this is dropped.
pub type Slot = OwnedSemaphorePermit;

/// How long work may wait for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Up to this long; then the host is busy.
    AtMost(Duration),
    /// As long as it takes: for a message that nobody waits on (an event),
    /// which has nobody to tell it was turned away, so it must not be.
    Unbounded,
}

/// Every slot stayed taken for the whole wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub component: String,
    pub slots: usize,
    pub waited: Duration,
}

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Busy {
            component,
            slots,
            waited,
        } = self;
        write!(
            f,
            "devhost is busy: no instance of {component} came free within {waited:?} ({slots} in use)"
        )
    }
}

impl Slots {
    pub fn new(count: usize) -> Self {
        Self {
            semaphore: Arc::new(Semaphore::new(count)),
            count,
        }
    }

    /// How many instances the share allows at once.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Takes a slot for an instance of `component`, waiting as `wait` says.
    pub async fn take(&self, component: &str, wait: Wait) -> Result<Slot, Busy> {
        let acquire = Arc::clone(&self.semaphore).acquire_owned();
        let acquired = match wait {
            Wait::Unbounded => acquire.await,
            Wait::AtMost(limit) => match tokio::time::timeout(limit, acquire).await {
                Ok(acquired) => acquired,
                Err(_elapsed) => {
                    return Err(Busy {
                        component: component.to_string(),
                        slots: self.count,
                        waited: limit,
                    });
                }
            },
        };
        // The semaphore is never closed, so acquiring cannot fail.
        acquired.map_err(|_closed| Busy {
            component: component.to_string(),
            slots: self.count,
            waited: Duration::ZERO,
        })
    }
}

/// Splits `total` instance slots between `components` components and, if
/// there is one, a service, which runs as long as the host and holds one
/// slot throughout. `None` when `total` cannot give each at least one.
pub fn shares(total: u32, components: usize, service: bool) -> Option<usize> {
    let total = usize::try_from(total).ok()?;
    let for_components = total.checked_sub(usize::from(service))?;
    match components {
        0 => Some(0),
        n if for_components >= n => Some(for_components / n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn work_waits_in_arrival_order_and_is_busy_past_the_wait() {
        let slots = Arc::new(Slots::new(1));
        let held = slots.take("worker", Wait::Unbounded).await.unwrap();

        // Two waiters, the first to arrive first in line.
        let (order, mut finished) = tokio::sync::mpsc::unbounded_channel();
        for name in ["first", "second"] {
            let (slots, order) = (Arc::clone(&slots), order.clone());
            tokio::spawn(async move {
                let wait = Wait::AtMost(Duration::from_secs(5));
                let slot = slots.take("worker", wait).await.unwrap();
                order.send(name).unwrap();
                tokio::time::sleep(Duration::from_secs(1)).await;
                drop(slot);
            });
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(held);
        assert_eq!(finished.recv().await, Some("first"));
        assert_eq!(finished.recv().await, Some("second"));

        // Held past the wait: busy, saying for how long.
        let _held = slots.take("worker", Wait::Unbounded).await.unwrap();
        let busy = slots
            .take("worker", Wait::AtMost(Duration::from_millis(250)))
            .await
            .unwrap_err();
        assert_eq!(
            busy.to_string(),
            "devhost is busy: no instance of worker came free within 250ms (1 in use)"
        );
    }

    #[test]
    fn the_pool_is_shared_out_and_a_service_keeps_one() {
        assert_eq!(shares(256, 1, false), Some(256));
        assert_eq!(shares(256, 2, false), Some(128));
        assert_eq!(shares(256, 2, true), Some(127));
        assert_eq!(shares(2, 2, false), Some(1));
        assert_eq!(shares(2, 2, true), None);
        assert_eq!(shares(1, 0, true), Some(0));
        assert_eq!(shares(0, 1, false), None);
    }
}
