//! `wasmtime serve`, Wasmtime's own HTTP host, which knows nothing of
//! wasmCloud: a component it serves needs only wasi:http and WASI.
//! `scripts/test` installs it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::client::Client;
use crate::nats_server::free_port;
use crate::process::Process;

pub struct WasmtimeServe {
    _process: Process,
    pub url: String,
}

impl WasmtimeServe {
    /// Serves the component in `file` on a free loopback port with
    /// `wasmtime serve -Scli <extra_args>`, and waits until it listens.
    pub fn start(file: &Path, extra_args: &[&str]) -> Self {
        let installed = Command::new("wasmtime").arg("--version").output();
        assert!(
            installed.is_ok_and(|output| output.status.success()),
            "no wasmtime on the PATH: scripts/test installs it"
        );
        let address = format!("127.0.0.1:{}", free_port());
        let mut command = Command::new("wasmtime");
        command.args(["serve", "-Scli", "--addr", &address]);
        command.args(extra_args).arg(file);
        let mut process = Process::spawn("wasmtime serve", command);
        process.wait_for_line(Duration::from_secs(60), |line| {
            line.starts_with("Serving HTTP on")
        });
        Self {
            _process: process,
            url: format!("http://{address}"),
        }
    }

    pub fn client(&self) -> Client {
        Client::at(self.url.clone())
    }
}
