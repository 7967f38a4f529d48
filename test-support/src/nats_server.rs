//! A `nats-server` of our own on a free loopback port, which a test can
//! stop and start again on the same port.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct NatsServer {
    port: u16,
    process: Option<Child>,
}

impl NatsServer {
    pub fn start() -> Self {
        let mut server = Self {
            port: free_port(),
            process: None,
        };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server, as a crash would: clients see the connection drop.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the server (again) on its port and waits until it accepts
    /// connections.
    pub fn restart(&mut self) {
        self.stop();
        let port = self.port.to_string();
        let spawn = |program: &str| {
            Command::new(program)
                .args(["--addr", "127.0.0.1", "--port", &port])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
        };
        // Debian installs it in /usr/sbin, which not every PATH includes.
        let process = spawn("nats-server")
            .or_else(|_| spawn("/usr/sbin/nats-server"))
            .unwrap_or_else(|error| {
                panic!("cannot run nats-server ({error}); install it: apt-get install nats-server")
            });
        self.process = Some(process);

        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
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
