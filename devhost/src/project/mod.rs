//! The project: reading its `.wash/config.yaml` and the `configs:` and
//! `secrets:` it names, and running its build command. Nothing here runs a
//! component; the runtime (`src/runtime/`) does, with what this reads.

// In the order they build on each other (see `src/lib.rs`).
mod config_source;

pub mod config;

pub mod build_command;

pub mod watch;
