//! A small HTTP server on a free loopback port, for http-client to call. It
//! answers every request the one way a test asks for, on a thread and a
//! runtime of its own, so a test that blocks cannot stall it.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

#[derive(Clone, Copy)]
pub enum Answer {
    /// 200 `Hello from upstream`, as text.
    Greeting,
    /// The greeting, after a pause longer than http-client's 5 s timeout.
    Slow,
    /// 500 Internal Server Error.
    ServerError,
    /// Bytes that are not an HTTP response, then the connection closes.
    NotHttp,
    /// 200 with the request's `Authorization` header as the text (empty
    /// without one): what credential the component sent.
    Authorization,
}

pub struct Upstream {
    /// `127.0.0.1:PORT`
    pub address: String,
    _stop: oneshot::Sender<()>,
}

impl Upstream {
    pub fn start(answer: Answer) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = stopped => {}
                    _ = serve(listener, answer) => {}
                }
            });
        });
        Self {
            address,
            _stop: stop,
        }
    }
}

async fn serve(listener: tokio::net::TcpListener, answer: Answer) {
    while let Ok((mut stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            if let Answer::NotHttp = answer {
                let _ = stream.write_all(b"this is not HTTP\r\n\r\n").await;
                return;
            }
            let service = service_fn(move |request| respond(answer, request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn respond(
    answer: Answer,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let greeting = || {
        hyper::Response::builder()
            .header("content-type", "text/plain")
            .body(Full::from("Hello from upstream"))
            .unwrap()
    };
    Ok(match answer {
        Answer::Greeting | Answer::NotHttp => greeting(),
        Answer::Slow => {
            tokio::time::sleep(Duration::from_secs(8)).await;
            greeting()
        }
        Answer::Authorization => {
            let credential = request.headers().get("authorization");
            let credential = credential.map(|value| value.as_bytes().to_vec());
            hyper::Response::builder()
                .header("content-type", "text/plain")
                .body(Full::from(credential.unwrap_or_default()))
                .unwrap()
        }
        Answer::ServerError => hyper::Response::builder()
            .status(500)
            .body(Full::from("broken"))
            .unwrap(),
    })
}
