//! Making instances: the Wasmtime engine, a fresh store for each call into
//! a component, and the time limit every such call runs under.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use wasmtime::{
    CacheStore, Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig,
    ProfilingStrategy, Store, UpdateDeadline,
};

use super::admission::{Busy, Slot, Wait};
use super::state::{ComponentInfo, ComponentState};
use crate::interfaces::keyvalue::KeyValueStore;
use crate::interfaces::messaging::Broker;

/// How often the engine's epoch advances: the granularity of the time limit
/// and how often a busy guest yields to other tasks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The default number of component instances that may exist at once.
pub const DEFAULT_MAX_INSTANCES: u32 = 256;

/// The most of each kind of pooled resource one component instance may
/// use. Wasmtime checks every component against these when it loads it,
/// and fails with a message naming the one exceeded. http-api and
/// task-leet each need 1 memory and 2 tables (`Component::
/// resources_required`); a composition of several needs the sum.
const MAX_MEMORIES_PER_INSTANCE: u32 = 4;
const MAX_TABLES_PER_INSTANCE: u32 = 16;
const MAX_CORE_INSTANCES_PER_INSTANCE: u32 = 32;

/// The most of a pool slot's written memory (and table) that Wasmtime
/// resets in place between two instances; past it, pages go back to the
/// kernel (see [`new_engine`]). These templates write well under this in a
/// request.
const KEEP_RESIDENT_BYTES: usize = 1 << 20;

/// An engine whose instance pool holds `max_instances` instances of any
/// component it accepts, all at once, with the component model's own
/// async (tasks, streams, futures: what WASI 0.3 components are built on)
/// if `component_model_async`.
pub fn new_engine(max_instances: u32, component_model_async: bool) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    // Lets the time limit interrupt a guest that never calls the host.
    config.epoch_interruption(true);
    // Only for a project that needs it: with it, every call into every
    // component goes through Wasmtime's concurrent machinery, which took a
    // fifth of the floor's requests/s here (docs/benchmark-log.md).
    config
        .concurrency_support(component_model_async)
        .wasm_component_model_async(component_model_async);
    // A fresh instance per request makes instantiation the hot path. The
    // pooling allocator reuses pre-reserved memory slots instead of mapping
    // new memory each time, as `wasmtime serve` and production hosts do.
    //
    // Wasmtime counts a component instance's memories, tables and core
    // instances against pools of their own, so each pool holds
    // `max_instances` times the most one instance may use: however the
    // instances are mixed, the pool never runs out before the admission
    // count (admission.rs) does, and no request fails for want of a slot.
    // Memories cost address space only (about 4 GiB reserved each, out of
    // 128 TiB); tables and counts cost next to nothing.
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(max_instances)
        .max_memories_per_component(MAX_MEMORIES_PER_INSTANCE)
        .total_memories(max_instances.saturating_mul(MAX_MEMORIES_PER_INSTANCE))
        .max_tables_per_component(MAX_TABLES_PER_INSTANCE)
        .total_tables(max_instances.saturating_mul(MAX_TABLES_PER_INSTANCE))
        .max_core_instances_per_component(MAX_CORE_INSTANCES_PER_INSTANCE)
        .total_core_instances(max_instances.saturating_mul(MAX_CORE_INSTANCES_PER_INSTANCE))
        // Each instance runs its calls on one async stack at a time.
        .total_stacks(max_instances);
    // When an instance ends, its slot is reset for the next one. By default
    // Wasmtime gives every page back to the kernel (madvise), so the next
    // instance page-faults on each page it touches: about ten faults per
    // request here. Linux 6.7+ can report which pages were written
    // (PAGEMAP_SCAN); Wasmtime then resets just those, in place, and keeps
    // them. Without that ioctl, keeping pages resident would mean clearing
    // the whole first megabyte each time, which costs more than the faults,
    // so it stays off there.
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .table_keep_resident(KEEP_RESIDENT_BYTES);
    }
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    // The dev loop compiles each new build of a component again; most of
    // its functions are the same as in the last build, and Cranelift takes
    // those from here instead of compiling them.
    config.enable_incremental_compilation(Arc::new(CompiledFunctions::default()))?;
    // For `perf record`: write /tmp/perf-<pid>.map so compiled guest code
    // shows up by function name in `perf report`.
    if std::env::var_os("DEVHOST_PERFMAP").is_some() {
        config.profiler(ProfilingStrategy::PerfMap);
    }
    Ok(Engine::new(&config)?)
}

/// Cranelift's incremental compilation cache, in memory for the life of the
/// host: each compiled function's code, by a hash of its input.
#[derive(Debug, Default)]
struct CompiledFunctions(Mutex<HashMap<Vec<u8>, Vec<u8>>>);

impl CacheStore for CompiledFunctions {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let functions = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        functions.get(key).cloned().map(Cow::Owned)
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        let mut functions = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        functions.insert(key.to_vec(), value);
        true
    }
}

/// What every instance is made from: the engine, the host-wide key-value
/// store and message broker, and the limits.
pub struct Instances {
    engine: Engine,
    keyvalue: Arc<KeyValueStore>,
    broker: Arc<Broker>,
    /// The longest one HTTP request or one message handler may run.
    time_limit: Duration,
    /// The longest work waits for a free instance before it is turned away.
    admission_wait: Duration,
}

/// What a store is for, which says how long it waits for a slot and how
/// long it may run.
#[derive(Debug, Clone, Copy)]
pub enum Work {
    /// An HTTP request, or a message someone waits on: it waits up to the
    /// admission wait, and runs under the time limit.
    Call,
    /// A message nobody waits on: it waits as long as it takes, since
    /// there is nobody to tell that it was turned away.
    Event,
    /// A WASI 0.3 HTTP instance, which may serve several requests, each
    /// under the time limit (`http_p3.rs`): it waits as a call does, and
    /// has no time limit of its own.
    HttpP3Instance,
    /// The service: it waits as long as it takes, and runs as long as the
    /// host does, with no time limit.
    Service,
}

/// Why a call into a component got no answer.
#[derive(Debug)]
pub enum CallError {
    /// Every instance of its component stayed busy: try again later.
    Busy(Busy),
    /// It failed: its instance could not be set up (one of the volumes
    /// cannot be opened, its directory gone since start-up), or it trapped,
    /// or ran out of time.
    Failed(anyhow::Error),
}

impl std::error::Error for CallError {}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Busy(busy) => busy.fmt(f),
            Self::Failed(error) => write!(f, "{error:#}"),
        }
    }
}

/// A store admitted to its component's share of the pool. The store is
/// dropped before the slot (fields drop in order), so the instance's pool
/// resources are free again before the next one is let in.
pub struct Admitted {
    pub store: Store<ComponentState>,
    slot: Slot,
}

impl Admitted {
    /// The store, and the slot to hold as long as it lives: for an
    /// instance kept past one call (see `http_p3.rs`).
    pub fn into_parts(self) -> (Store<ComponentState>, Slot) {
        (self.store, self.slot)
    }
}

impl Instances {
    pub fn new(
        engine: Engine,
        keyvalue: Arc<KeyValueStore>,
        broker: Arc<Broker>,
        time_limit: Duration,
        admission_wait: Duration,
    ) -> Self {
        Self {
            engine,
            keyvalue,
            broker,
            time_limit,
            admission_wait,
        }
    }

    /// A fresh store for `work` in `component`, once one of its slots is
    /// free: it waits for one, and runs, as long as `work` may.
    pub async fn admit(
        &self,
        component: &Arc<ComponentInfo>,
        work: Work,
    ) -> Result<Admitted, CallError> {
        let (wait, time_limit) = match work {
            Work::Call => (Wait::AtMost(self.admission_wait), Some(self.time_limit)),
            Work::Event => (Wait::Unbounded, Some(self.time_limit)),
            Work::HttpP3Instance => (Wait::AtMost(self.admission_wait), None),
            Work::Service => (Wait::Unbounded, None),
        };
        let slot = (component.slots.take(&component.name, wait).await).map_err(CallError::Busy)?;
        Ok(Admitted {
            store: (self.new_store(component, time_limit)).map_err(CallError::Failed)?,
            slot,
        })
    }

    /// The longest one HTTP request or one message handler may run.
    pub fn time_limit(&self) -> Duration {
        self.time_limit
    }

    /// A fresh store for one instance of `component`, whose state reaches
    /// the host-wide key-value store and broker. At every epoch tick the
    /// guest yields to the async executor (so a busy loop cannot starve
    /// other tasks on its thread); past `time_limit`, if it has one, it
    /// traps instead.
    fn new_store(
        &self,
        component: &Arc<ComponentInfo>,
        time_limit: Option<Duration>,
    ) -> anyhow::Result<Store<ComponentState>> {
        let state = ComponentState::new(
            Arc::clone(component),
            Arc::clone(&self.keyvalue),
            Arc::clone(&self.broker),
        )?;
        let mut store = Store::new(&self.engine, state);
        let deadline = time_limit.map(|limit| (Instant::now() + limit, limit));
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| match deadline {
            Some((deadline, limit)) if Instant::now() >= deadline => {
                Err(wasmtime::Error::msg(time_limit_message(limit)))
            }
            _ => Ok(UpdateDeadline::Yield(1)),
        });
        Ok(store)
    }

    /// Runs `call` (instantiating and calling a component) under the time
    /// limit. The epoch deadline stops a guest that computes too long; this
    /// timeout also stops one that waits too long on the host (a slow
    /// message request, for example).
    pub async fn limit_time<T>(
        &self,
        call: impl Future<Output = wasmtime::Result<T>>,
    ) -> anyhow::Result<T> {
        match tokio::time::timeout(self.time_limit, call).await {
            Ok(result) => Ok(result?),
            Err(_elapsed) => Err(anyhow!(time_limit_message(self.time_limit))),
        }
    }
}

fn time_limit_message(limit: Duration) -> String {
    format!("exceeded the time limit of {limit:?}")
}

/// Advances the engine's epoch every [`EPOCH_TICK`] on a plain thread, so it
/// keeps ticking even when guests keep every async worker busy. Stops when
/// dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub fn start(engine: Engine) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("devhost-epoch".to_string())
            .spawn(move || {
                while !stop_flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // The thread only sleeps and ticks; it cannot have panicked.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(module (func (export "run") (loop (br 0))))`: a guest that never
    /// returns and never calls the host, written out as binary so the tests
    /// need no WAT parser.
    const RUNAWAY_MODULE: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: func() -> ()
        0x03, 0x02, 0x01, 0x00, // function section: one func of type 0
        0x07, 0x07, 0x01, 0x03, b'r', b'u', b'n', 0x00, 0x00, // export "run"
        0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // loop br 0
    ];

    fn test_instances(time_limit: Duration) -> Instances {
        let broker = Broker::new(Vec::new(), Default::default());
        Instances::new(
            new_engine(4, false).unwrap(),
            Default::default(),
            Arc::new(broker),
            time_limit,
            Duration::from_secs(1),
        )
    }

    async fn run_forever(store: &mut Store<ComponentState>) -> wasmtime::Result<()> {
        let module = wasmtime::Module::new(store.engine(), RUNAWAY_MODULE)?;
        let instance = wasmtime::Linker::new(store.engine())
            .instantiate_async(&mut *store, &module)
            .await?;
        let run = instance.get_typed_func::<(), ()>(&mut *store, "run")?;
        run.call_async(&mut *store, ()).await
    }

    #[tokio::test]
    async fn epoch_deadline_stops_a_busy_guest() {
        let instances = test_instances(Duration::from_millis(200));
        let _ticker = EpochTicker::start(instances.engine.clone()).unwrap();
        let runaway = ComponentInfo::named("runaway");
        let mut store = (instances.new_store(&runaway, Some(instances.time_limit))).unwrap();

        let started = Instant::now();
        // No tokio timeout here: only the epoch deadline can end this call.
        let error = run_forever(&mut store).await.unwrap_err();
        assert!(
            format!("{error:?}").contains("exceeded the time limit of 200ms"),
            "{error:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_busy_guest_yields_to_other_tasks() {
        // On this single-threaded runtime the timer task below gets to run
        // while the guest loops only if the guest yields.
        let instances = test_instances(Duration::from_millis(500));
        let _ticker = EpochTicker::start(instances.engine.clone()).unwrap();
        let runaway = ComponentInfo::named("runaway");
        let mut store = (instances.new_store(&runaway, Some(instances.time_limit))).unwrap();

        let started = Instant::now();
        let timer = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            started.elapsed()
        };
        let guest = async {
            let result = run_forever(&mut store).await;
            (result, started.elapsed())
        };
        let ((result, guest_stopped), timer_done) = tokio::join!(guest, timer);
        assert!(result.is_err());
        // Compared with the guest's own end, not a fixed bound, so a loaded
        // machine cannot fail it: a guest that never yielded would hold the
        // thread until its time limit, and the timer would only start then.
        assert!(
            timer_done < guest_stopped,
            "timer {timer_done:?}, guest stopped {guest_stopped:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn limit_time_stops_a_call_waiting_on_the_host() {
        let instances = test_instances(Duration::from_millis(300));
        let error = instances
            .limit_time(std::future::pending::<wasmtime::Result<()>>())
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "exceeded the time limit of 300ms");
    }
}
