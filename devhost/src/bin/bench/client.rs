//! A minimal HTTP/1.1 client: one keep-alive connection, one request at a
//! time. Used for the cold-start probe and the kv-counter check; the load
//! itself comes from wrk.

use std::net::SocketAddr;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::targets::Request;

pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    addr: SocketAddr,
}

impl Connection {
    /// Connects; fails at once when nothing listens yet.
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        // Small requests and responses: send each at once.
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        // The connection future does the reading and writing; it ends when
        // the sender is dropped or the peer closes.
        tokio::spawn(connection);
        Ok(Self { sender, addr })
    }

    /// Sends the request and reads the whole response: its status and body.
    pub async fn send(&mut self, request: &Request) -> anyhow::Result<(u16, Bytes)> {
        let mut builder = hyper::Request::builder()
            .method(request.method)
            .uri(request.path)
            // HTTP/1.1 requires Host; hyper's low-level client does not add it.
            .header(hyper::header::HOST, self.addr.to_string());
        if request.is_post() {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let http_request = builder.body(Full::new(Bytes::from_static(request.body.as_bytes())))?;

        self.sender.ready().await?;
        let response = self.sender.send_request(http_request).await?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .with_context(|| format!("reading the response to {}", request.path))?
            .to_bytes();
        Ok((status, body))
    }
}
