//! The production path: `wasmcloud:messaging` over a real NATS server
//! (`nats-server` on a free loopback port), with http-api and task-leet in
//! separate devhost processes, as separate wasmCloud hosts would run them.
//! Every process a test starts is killed when the test ends, pass or fail.

mod across_hosts;
mod in_one_process;
mod outages;
