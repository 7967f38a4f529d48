//! HTTP in front of the service: `POST /line` sends the body, one line of
//! text, to the service over TCP and answers with the service's reply.
//! A component cannot listen on a socket, and under wash nothing outside
//! the host reaches a service: this is how the world talks to it.

mod body;
mod error;
mod line;
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

use error::ApiError;
use wstd::future::FutureExt;
use wstd::http::{Body, Error, Method, Request, Response, StatusCode};
use wstd::io::{AsyncRead, AsyncWrite};
use wstd::net::TcpStream;
use wstd::time::Duration;

use line::line_from;
use protocol::{MAX_LINE, service_address};

/// How long the service has to answer a line.
const SERVICE_TIMEOUT_SECS: u64 = 5;

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match (request.uri().path(), request.method()) {
        ("/line", &Method::POST) => match send_line(request.into_body()).await {
            Ok(reply) => Ok(Response::builder()
                .header("content-type", "text/plain; charset=utf-8")
                .body(reply.into())?),
            Err(error) => error.into_response(),
        },
        ("/line", _) => ApiError::method_not_allowed("POST").into_response(),
        _ => ApiError::not_found().into_response(),
    }
}

/// Sends `line` to the service and waits for its reply.
async fn send_line(body: Body) -> Result<String, ApiError> {
    let line = line_from(body::read_body(body, MAX_LINE).await?)?;
    // Until someone fixes the config, the front cannot work.
    let service = service_address()
        .map_err(|message| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message))?;
    let exchange = async {
        let mut stream = TcpStream::connect_addr(service).await?;
        stream.write_all(format!("{line}\n").as_bytes()).await?;
        read_reply(&mut stream).await
    };
    match exchange
        .timeout(Duration::from_secs(SERVICE_TIMEOUT_SECS))
        .await
    {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(error)) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("the service at {service} did not answer: {error}"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!("the service at {service} did not answer within {SERVICE_TIMEOUT_SECS} s"),
        )),
    }
}

/// Reads the service's reply: one line. Its leetspeak has as many bytes as
/// the line sent, or fewer; an error line is short. Anything longer is not
/// the service talking.
async fn read_reply(stream: &mut TcpStream) -> std::io::Result<String> {
    const MAX_REPLY: usize = MAX_LINE + 64;
    let mut reply = Vec::new();
    let mut buffer = [0; 1024];
    while !reply.ends_with(b"\n") {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        reply.extend(buffer.iter().take(read));
        if reply.len() > MAX_REPLY {
            return Err(std::io::Error::other("its reply is over one line"));
        }
    }
    Ok(String::from_utf8_lossy(&reply).into_owned())
}
