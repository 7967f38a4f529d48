//! Serving a WASI 0.3 component (`wasi:http/handler@0.3`) through
//! wasmtime-wasi-http's `ProxyHandler`, the machinery `wasmtime serve` runs
//! on. devhost adds its own limits: every instance is admitted to its
//! component's share of the pool and holds that slot as long as it lives,
//! and every request it takes runs under the time limit.
//!
//! By default each request gets a fresh instance, as under `wash dev`.
//! With `--p3-reuse <N>` one instance serves up to N requests, up to
//! [`CONCURRENT_REQUESTS_PER_INSTANCE`] at once, as under `wasmtime serve`
//! (README.md has the figures behind that choice).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::time::Sleep;
use wasmtime::component::GuestTaskId;
use wasmtime::{Store, StoreContextMut};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::handler::{
    self, HandlerState, Instance, Proxy, ProxyHandler, ShouldAccept, WorkerExpiration, WorkerState,
    WorkerStatus,
};
use wasmtime_wasi_http::p3::bindings::ServicePre;

use super::admission::Slot;
use super::instances::{CallError, Instances, Work};
use super::state::{ComponentInfo, ComponentState};
use crate::log;

/// The most requests one reused instance runs at once (`wasmtime serve`'s
/// default too). The guest's own tasks interleave on its one thread, so
/// more than this mostly adds waiting inside the instance.
pub const CONCURRENT_REQUESTS_PER_INSTANCE: usize = 16;

/// How long a reused instance with nothing to do is kept for the next
/// request (`wasmtime serve`'s default too).
const IDLE_INSTANCE_KEPT: Duration = Duration::from_secs(1);

/// A check that backs up each request's own time limit: a guest that
/// computes without pause keeps that timer from being polled, so the
/// instance is also dropped once its newest request is this much past the
/// limit.
const TIME_LIMIT_GRACE: Duration = Duration::from_millis(500);

/// A WASI 0.3 component that serves HTTP.
pub type HttpP3 = ProxyHandler<P3Component>;

/// Starts serving `pre`: each instance may take `requests_per_instance`
/// requests in all (1 means a fresh instance for each).
pub fn serve(
    instances: Arc<Instances>,
    component: Arc<ComponentInfo>,
    pre: ServicePre<ComponentState>,
    requests_per_instance: usize,
) -> HttpP3 {
    ProxyHandler::new(P3Component {
        instances,
        component,
        pre,
        requests_per_instance: requests_per_instance.max(1),
    })
}

/// What the handler makes each instance from.
pub struct P3Component {
    instances: Arc<Instances>,
    component: Arc<ComponentInfo>,
    pre: ServicePre<ComponentState>,
    requests_per_instance: usize,
}

impl P3Component {
    pub fn name(&self) -> &str {
        &self.component.name
    }

    pub fn time_limit(&self) -> Duration {
        self.instances.time_limit()
    }
}

impl HandlerState for P3Component {
    type StoreData = ComponentState;
    type WorkerExpiration = Expiration;
    type WorkerState = P3Instance;

    /// Waits for one of the component's slots (up to the admission wait; a
    /// request that gets none is answered 503), then instantiates.
    async fn instantiate(
        &self,
    ) -> wasmtime::Result<Instance<ComponentState, Expiration, P3Instance>> {
        let admitted = self.instances.admit(&self.component, Work::HttpP3Instance);
        let admitted = admitted.await.map_err(wasmtime::Error::new)?;
        let (mut store, slot) = admitted.into_parts();
        let time_limit = self.time_limit();
        let service = self
            .instances
            .limit_time(self.pre.instantiate_async(&mut store));
        let service = service.await.map_err(wasmtime::Error::from_anyhow)?;
        let expiration_dropped = Arc::new(AtomicBool::new(false));
        Ok(Instance {
            store,
            proxy: Proxy::P3(service),
            view: <ComponentState as WasiHttpView>::http,
            expiration: Expiration {
                time_limit: time_limit + TIME_LIMIT_GRACE,
                timer: Box::pin(tokio::time::sleep(Duration::MAX)),
                dropped: Arc::clone(&expiration_dropped),
            },
            state: P3Instance {
                component: Arc::clone(&self.component),
                time_limit,
                requests: self.requests_per_instance,
                expiration_dropped,
                _slot: slot,
            },
        })
    }
}

/// One live instance: how many requests it may take, and its slot, given
/// back when the handler drops the instance.
pub struct P3Instance {
    component: Arc<ComponentInfo>,
    time_limit: Duration,
    requests: usize,
    /// Set when the handler drops this instance's [`Expiration`]: see
    /// [`WorkerState::drop`] below.
    expiration_dropped: Arc<AtomicBool>,
    _slot: Slot,
}

impl WorkerState for P3Instance {
    type StoreData = ComponentState;
    type RequestData = ();

    fn should_accept_request(&self, running: usize, taken: usize) -> ShouldAccept {
        if taken >= self.requests {
            ShouldAccept::Never
        } else if running >= CONCURRENT_REQUESTS_PER_INSTANCE {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    /// The request's time limit: a request with no response head by then
    /// is answered 500.
    fn on_request_start(
        &self,
        _store: StoreContextMut<'_, ComponentState>,
        _request: (),
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync>> {
        Box::pin(tokio::time::sleep(self.time_limit))
    }

    fn drop(&self, store: Store<ComponentState>, result: wasmtime::Result<()>) {
        drop(store);
        let Err(error) = result else {
            return;
        };
        // An instance whose task is dropped midway, such as an idle one when
        // the host stops, comes here with an untyped "worker panicked"
        // error (wasmtime-wasi-http 48.0.8, src/handler.rs:459, in
        // `Dropper`'s `drop`). Its expiration, a later local of the same
        // task, has been dropped just before, which at any other end it has
        // not: that says which, whatever the words. Only a real panic
        // unwinds.
        if self.expiration_dropped.load(Ordering::Relaxed) && !std::thread::panicking() {
            return;
        }
        log::warn(format_args!(
            "devhost: an instance of {} stopped: {error:#}",
            self.component.name
        ));
    }
}

/// When the handler drops an instance: past the time limit (and a grace)
/// since its newest request came in or since it answered the last one,
/// or idle for [`IDLE_INSTANCE_KEPT`].
pub struct Expiration {
    time_limit: Duration,
    timer: Pin<Box<Sleep>>,
    /// Its instance's [`P3Instance::expiration_dropped`].
    dropped: Arc<AtomicBool>,
}

impl Drop for Expiration {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::Relaxed);
    }
}

impl WorkerExpiration for Expiration {
    fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        since: Instant,
    ) -> Poll<()> {
        let this = self.get_mut();
        let allowed = match status {
            WorkerStatus::Idle => IDLE_INSTANCE_KEPT,
            // After the last response head, the body still streams.
            WorkerStatus::Requests | WorkerStatus::PostReturn => this.time_limit,
        };
        let Some(deadline) = since.checked_add(allowed) else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        if this.timer.deadline() != deadline {
            this.timer.as_mut().reset(deadline);
        }
        this.timer.as_mut().poll(cx)
    }
}

/// Sorts the handler's error into busy or failed, naming the time limit
/// where it was the cause.
pub fn failure(error: wasmtime::Error, time_limit: Duration) -> CallError {
    let instantiation = error.downcast_ref::<handler::InstantiationError<()>>();
    let not_admitted = instantiation.and_then(|failed| failed.error.downcast_ref::<CallError>());
    if let Some(CallError::Busy(busy)) = not_admitted {
        return CallError::Busy(busy.clone());
    }
    if error.is::<handler::ExpirationError>() {
        return CallError::Failed(anyhow::anyhow!("exceeded the time limit of {time_limit:?}"));
    }
    if error.is::<handler::TrapOrPanicError>() {
        // The instance's own line in the log says which.
        return CallError::Failed(anyhow::anyhow!(
            "its instance trapped or ran past the time limit of {time_limit:?}"
        ));
    }
    CallError::Failed(anyhow::Error::from(error))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::runtime::admission::{Busy, Wait};

    async fn instance(requests: usize) -> P3Instance {
        let component = ComponentInfo::named("router");
        let slot = component.slots.take("router", Wait::Unbounded).await;
        P3Instance {
            component,
            time_limit: Duration::from_secs(1),
            requests,
            expiration_dropped: Default::default(),
            _slot: slot.unwrap(),
        }
    }

    #[tokio::test]
    async fn a_fresh_instance_takes_one_request_and_a_reused_one_takes_its_share() {
        let fresh = instance(1).await;
        assert!(matches!(
            fresh.should_accept_request(0, 0),
            ShouldAccept::Yes
        ));
        assert!(matches!(
            fresh.should_accept_request(0, 1),
            ShouldAccept::Never
        ));

        let reused = instance(128).await;
        assert!(matches!(
            reused.should_accept_request(15, 20),
            ShouldAccept::Yes
        ));
        // At most 16 at once: ask again when one is done.
        assert!(matches!(
            reused.should_accept_request(16, 20),
            ShouldAccept::No
        ));
        assert!(matches!(
            reused.should_accept_request(0, 128),
            ShouldAccept::Never
        ));
    }

    fn instantiation_failed(error: wasmtime::Error) -> wasmtime::Error {
        let request = http::Request::new(wasmtime_wasi_http::WasiBody::default());
        wasmtime::Error::new(handler::InstantiationError {
            request_data: (),
            request: Mutex::new(request),
            error: Arc::new(error),
        })
    }

    #[test]
    fn no_free_slot_is_busy_and_every_other_failure_says_why() {
        let busy = Busy {
            component: "router".to_string(),
            slots: 1,
            waited: Duration::from_millis(300),
        };
        let not_admitted = wasmtime::Error::new(CallError::Busy(busy.clone()));
        let limit = Duration::from_secs(30);
        assert!(matches!(
            failure(instantiation_failed(not_admitted), limit),
            CallError::Busy(answered) if answered == busy
        ));

        let reason = |error| match failure(error, limit) {
            CallError::Failed(error) => format!("{error:#}"),
            CallError::Busy(busy) => panic!("busy: {busy}"),
        };
        let expired = wasmtime::Error::new(handler::ExpirationError);
        assert_eq!(reason(expired), "exceeded the time limit of 30s");
        let gone = wasmtime::Error::new(handler::TrapOrPanicError);
        assert_eq!(
            reason(gone),
            "its instance trapped or ran past the time limit of 30s"
        );
        let trap = instantiation_failed(wasmtime::Error::msg("wasm trap: unreachable"));
        assert_eq!(reason(trap), "instantiation error: wasm trap: unreachable");
    }
}
