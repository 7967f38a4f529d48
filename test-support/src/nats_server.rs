//! A `nats-server` of our own on a loopback port it picks, which a test
//! can stop and start again on the same port.

use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

use crate::process::Process;

pub struct NatsServer {
    port: u16,
    process: Option<Process>,
}

impl NatsServer {
    /// Starts a server on a port it picks itself (`--port -1`): no other
    /// test's server can take that port between a pick and the start, and
    /// be taken for this one.
    pub fn start() -> Self {
        let mut server = Self {
            port: 0,
            process: None,
        };
        server.spawn("-1");
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server, as a crash would: clients see the connection drop.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }

    /// Starts the server again on its port and waits until it accepts
    /// connections.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn(&self.port.to_string());
    }

    fn spawn(&mut self, port: &str) {
        // Debian installs it in /usr/sbin, which not every PATH includes.
        let on_path = Command::new("nats-server").arg("--version").output();
        let program = match on_path {
            Ok(_) => "nats-server",
            Err(_) => "/usr/sbin/nats-server",
        };
        let mut command = Command::new(program);
        command.args(["--addr", "127.0.0.1", "--port", port]);
        let name = "nats-server (Debian: apt-get install nats-server)";
        let mut process = Process::spawn(name, command);
        // "[7] 2026/12/07 23:06:44.658770 [INF] Listening for client
        // connections on 127.0.0.1:33649"
        let listening = process.wait_for_line(Duration::from_secs(10), |line| {
            line.contains("Listening for client connections on ")
        });
        self.port = listening.rsplit(':').next().unwrap().parse().unwrap();
        self.process = Some(process);
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port nothing listens on (right now).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
