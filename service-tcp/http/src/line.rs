//! What the front checks before it talks to the service, as a plain
//! function: the body must be one line.

use wstd::http::StatusCode;

use crate::error::ApiError;

/// The body as one line of UTF-8 text, without a newline (the service
/// reads up to the first one), or why it is not.
pub fn line_from(bytes: Vec<u8>) -> Result<String, ApiError> {
    let bad_request = |message: &str| ApiError::new(StatusCode::BAD_REQUEST, message);
    let line = String::from_utf8(bytes).map_err(|_| bad_request("the line is not UTF-8"))?;
    if line.contains('\n') {
        return Err(bad_request("send one line, without a newline"));
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::MAX_LINE;

    fn status(bytes: &[u8]) -> StatusCode {
        line_from(bytes.to_vec()).unwrap_err().status
    }

    #[test]
    fn a_line_of_text_passes_as_it_is() {
        assert_eq!(line_from(b"Gr\xc3\xbc\xc3\x9fe".to_vec()).unwrap(), "Grüße");
        assert_eq!(line_from(vec![b'x'; MAX_LINE]).unwrap().len(), MAX_LINE);
        assert_eq!(line_from(Vec::new()).unwrap(), "");
    }

    #[test]
    fn a_body_that_is_not_one_line_is_refused() {
        assert_eq!(status(b"caf\xe9"), StatusCode::BAD_REQUEST);
        assert_eq!(status(b"one\ntwo"), StatusCode::BAD_REQUEST);
        assert_eq!(status(b"ends with a newline\n"), StatusCode::BAD_REQUEST);
    }
}
