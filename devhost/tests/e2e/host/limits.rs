//! The limits every request runs under, the same for a WASI 0.2 component
//! and a WASI 0.3 one (http-router and its twin): a request that runs past
//! the time limit is answered 500, saying so, and a client that does not
//! finish its request head within the header-read timeout is disconnected.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use test_support::start_host_with;

const TWINS: [&str; 2] = ["http-router", "http-router-p3"];

/// The client sends the head and one byte of a 16-byte JSON body, then
/// nothing: the guest waits for the rest until the time limit ends it.
#[tokio::test]
async fn a_request_past_the_time_limit_is_answered_500() {
    for template in TWINS {
        let host = start_host_with(template, |options| {
            options.request_timeout = Duration::from_secs(1);
            options.admission_wait = Duration::from_secs(1);
        })
        .await;
        let mut stream = TcpStream::connect(host.local_addr()).await.unwrap();
        let head = "POST /api/echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                    content-length: 16\r\n\r\n{";
        stream.write_all(head.as_bytes()).await.unwrap();
        let answer = read_for(&mut stream, Duration::from_secs(20)).await;
        assert!(answer.starts_with("HTTP/1.1 500 "), "{template}: {answer}");
        let reason = format!("{template} failed: exceeded the time limit of 1s\n");
        assert!(answer.ends_with(&reason), "{template}: {answer}");
    }
}

/// Half a request head, then nothing: the host hangs up, without an
/// answer, after its header-read timeout (10 s) rather than holding the
/// connection forever.
#[tokio::test]
async fn a_client_that_stalls_its_head_is_disconnected() {
    for template in TWINS {
        let host = start_host_with(template, |_| {}).await;
        let mut stream = TcpStream::connect(host.local_addr()).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
        let answer = read_for(&mut stream, Duration::from_secs(30)).await;
        assert_eq!(answer, "", "{template}");
    }
}

/// Everything the host sends until it closes the connection, which must
/// happen within `limit`.
async fn read_for(stream: &mut TcpStream, limit: Duration) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the host kept the connection open past {limit:?}"
    );
    String::from_utf8_lossy(&answer).into_owned()
}
