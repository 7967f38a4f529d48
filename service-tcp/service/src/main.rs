//! A long-running service: it listens on TCP, and for each line a client
//! sends it answers the line in leetspeak. Every connection is served by a
//! task of its own, so a slow client never holds up the others.
//!
//! It is a `wasi:cli/run` command: the host starts `main` once and it runs
//! until the host stops it. tokio is the runtime, as the wasmCloud Rust
//! guide recommends for raw sockets; the HTTP templates use wstd, which
//! brings the `wasi:http` export and needs no socket of its own.

mod lines;
mod protocol;

mod bindings {
    // The generated import glue needs `unsafe`; the rest of the crate may not.
    #![allow(unsafe_code)]
    wit_bindgen::generate!({
        path: "../wit",
        world: "wasmcloud:templates/service-tcp",
        generate_all,
    });
}

use std::process::ExitCode;
use std::time::Duration;

use lines::{reply, too_long};
use protocol::{MAX_LINE, service_address};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let address = match service_address() {
        Ok(address) => address,
        Err(message) => {
            eprintln!("service-tcp: {message}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("service-tcp: cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("service-tcp: listening on {address}");
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve(stream));
            }
            // One failed accept (out of sockets, say) does not end the
            // service; it waits a little rather than spin on the error.
            Err(error) => {
                eprintln!("service-tcp: cannot accept a connection: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Answers one connection's lines until the client closes it. A client
/// that breaks off mid-line gets no answer for it; its connection simply
/// ends.
async fn serve(stream: TcpStream) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        // One byte over the limit is enough to know a line is too long.
        let limit = (MAX_LINE + 1) as u64;
        let answer = match (&mut read).take(limit).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => match line.strip_suffix(b"\n") {
                Some(text) => reply(text),
                None if line.len() > MAX_LINE => {
                    let _ = write.write_all(too_long().as_bytes()).await;
                    return;
                }
                // The client closed the connection in the middle of a line.
                None => return,
            },
        };
        if write.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}
