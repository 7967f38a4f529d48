//! `devhost [-C <DIR>] [--address <IP:PORT>] [--no-build] [--nats-url <URL>]
//! [--max-instances <N>] [--admission-wait-ms <MS>] [--p3-reuse <N>]`: serve
//! a project until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// Run a wasmCloud project's components locally, the way `wash dev` does.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The project directory, holding .wash/config.yaml.
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    project_dir: PathBuf,

    /// Where to listen (overrides dev.address; default 127.0.0.1:8000).
    #[arg(long, value_name = "IP:PORT")]
    address: Option<SocketAddr>,

    /// Skip build.command and load the component files as they are
    /// (nothing is watched then).
    #[arg(long)]
    no_build: bool,

    /// Build once, at start, instead of watching the project's files and
    /// building and swapping in each change.
    #[arg(long)]
    no_watch: bool,

    /// Carry wasmcloud:messaging over this NATS server (like
    /// nats://127.0.0.1:4222) instead of in-process; overrides
    /// dev.data_nats_url.
    #[arg(long, value_name = "URL")]
    nats_url: Option<String>,

    /// How many component instances may exist at once, shared out equally
    /// between the components; past that, work waits for one.
    #[arg(long, value_name = "N", default_value_t = devhost::DEFAULT_MAX_INSTANCES)]
    max_instances: u32,

    /// How long, in milliseconds, a request or message waits for a free
    /// instance before it is answered 503 (or a message request an Err).
    #[arg(long, value_name = "MS", default_value_t = devhost::DEFAULT_ADMISSION_WAIT.as_millis() as u64)]
    admission_wait_ms: u64,

    /// How many requests one instance of a WASI 0.3 component serves (up to
    /// 16 at once) before a fresh one takes over; 1, the default, gives
    /// each request a fresh instance, as wash dev does.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    p3_reuse: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the causes on one line: "invalid ...: reason".
            eprintln!("devhost: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let host = devhost::start(devhost::Options {
        project_dir: args.project_dir,
        address: args.address,
        build: !args.no_build,
        watch: !args.no_build && !args.no_watch,
        nats_url: args.nats_url,
        max_instances: args.max_instances,
        admission_wait: Duration::from_millis(args.admission_wait_ms),
        p3_requests_per_instance: usize::try_from(args.p3_reuse)?,
        ..Default::default()
    })
    .await?;

    let url = format!("http://{}", host.local_addr());
    match host.http_component() {
        Some(name) => println!("devhost: serving {name} on {url}"),
        None if host.serves() => {
            println!("devhost: listening on {url} (no component serves HTTP)");
        }
        None => println!("devhost: listening on {url} (nothing to serve until a build succeeds)"),
    }
    if host.watches() {
        println!("devhost: watching for changes (--no-watch to build only once)");
    }

    tokio::signal::ctrl_c().await?;
    host.shutdown().await;
    Ok(())
}
