//! A WASI 0.3 twin answers exactly as its WASI 0.2 template: for each
//! request, the same bytes (status line, headers, body) from both, served
//! side by side by devhost. Only the `date` header is left out.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use test_support::start_host;

/// Sends `request` (a whole HTTP/1.1 request but for its `host` and
/// `connection` headers) on a connection of its own and returns the whole
/// response as text, without its `date` header.
async fn raw_answer(address: std::net::SocketAddr, request: &str) -> String {
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    let request = format!("{head}\r\nhost: twins\r\nconnection: close\r\n\r\n{body}");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    (answer.split_inclusive("\r\n"))
        .filter(|line| !line.to_ascii_lowercase().starts_with("date:"))
        .collect()
}

/// Every one of `requests` gets the same answer from `template` and from
/// `twin`.
pub async fn assert_same_answers(template: &str, twin: &str, requests: &[&str]) {
    let (template_host, twin_host) = (start_host(template).await, start_host(twin).await);
    for request in requests {
        let expected = raw_answer(template_host.local_addr(), request).await;
        let answered = raw_answer(twin_host.local_addr(), request).await;
        assert_eq!(
            answered, expected,
            "{twin} answers {request:?} unlike {template}"
        );
    }
}
