//! Reading a request body under a size limit: a body past it is refused
//! (413) as it arrives, never held whole in memory.

use http_body_util::{BodyExt, LengthLimitError, Limited};
use wstd::http::{Body, StatusCode};

use crate::error::ApiError;

/// Reads the whole body, refusing it once it passes `limit` bytes: at once
/// when its announced length does, or as soon as the bytes that arrive do.
pub async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    if body.content_length().is_some_and(|len| len > limit as u64) {
        return Err(too_large(limit));
    }
    match Limited::new(body.into_boxed_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(error) if error.is::<LengthLimitError>() => Err(too_large(limit)),
        Err(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "could not read the request body",
        )),
    }
}

/// The 413, naming the limit in MiB or KiB when it is a whole number of
/// them, and in bytes otherwise.
fn too_large(limit: usize) -> ApiError {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    let limit = if limit.is_multiple_of(MIB) {
        format!("{} MiB", limit / MIB)
    } else if limit.is_multiple_of(KIB) {
        format!("{} KiB", limit / KIB)
    } else {
        format!("{limit} bytes")
    };
    let message = format!("the request body is over {limit}");
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::{future::block_on, stream};

    const LIMIT: usize = 64 * 1024;

    /// A body that arrives in pieces, with no length announced up front.
    fn streamed(chunks: usize, chunk_len: usize) -> Body {
        let chunk = vec![b'x'; chunk_len];
        Body::from_stream(stream::iter(std::iter::repeat_n(chunk, chunks)))
    }

    #[test]
    fn a_body_within_the_limit_is_read_whole() {
        let body = block_on(read_body(Body::from(vec![b'x'; LIMIT]), LIMIT)).unwrap();
        assert_eq!(body.len(), LIMIT);
        let body = block_on(read_body(streamed(64, 1024), LIMIT)).unwrap();
        assert_eq!(body.len(), LIMIT);
    }

    #[test]
    fn a_body_announced_over_the_limit_is_too_large() {
        let body = Body::from(vec![b'x'; LIMIT + 1]);
        let error = block_on(read_body(body, LIMIT)).unwrap_err();
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.message, "the request body is over 64 KiB");
    }

    #[test]
    fn a_body_streamed_over_the_limit_is_too_large() {
        let error = block_on(read_body(streamed(65, 1024), LIMIT)).unwrap_err();
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.message, "the request body is over 64 KiB");
    }

    #[test]
    fn a_limit_of_whole_mib_is_named_in_mib() {
        let error = block_on(read_body(streamed(1025, 1024), 1024 * 1024)).unwrap_err();
        assert_eq!(error.message, "the request body is over 1 MiB");
    }

    #[test]
    fn a_limit_that_is_not_whole_kib_is_named_in_bytes() {
        let error = block_on(read_body(Body::from("too long"), 5)).unwrap_err();
        assert_eq!(error.message, "the request body is over 5 bytes");
    }
}
