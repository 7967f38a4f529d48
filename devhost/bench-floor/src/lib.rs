//! The benchmark floor: the smallest `wasi:http` handler, written against
//! the raw wasi 0.2 bindings with no runtime, no routing, no allocation
//! beyond what the bindings need. It answers every request with the same
//! body as http-hello. The benchmark reports each template's throughput as a
//! ratio of this one's, measured under the same host in the same run.

use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

const BODY: &[u8] = b"Hello from wasmCloud!\n";

struct Floor;

impl Guest for Floor {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let response = OutgoingResponse::new(Fields::new());
        // `body` and `write` fail only when called twice; they are not.
        let Ok(body) = response.body() else { return };
        ResponseOutparam::set(response_out, Ok(response));
        if let Ok(stream) = body.write() {
            let _ = stream.blocking_write_and_flush(BODY);
        }
        let _ = OutgoingBody::finish(body, None);
    }
}

// The export glue is generated `unsafe` code: allowed here, and only here.
#[allow(unsafe_code)]
mod export {
    use super::Floor;
    wasip2::http::proxy::export!(Floor with_types_in wasip2);
}
