//! A guest's stdout and stderr, passed on to devhost's stderr a whole line
//! at a time. A guest writes a line in pieces (Rust's panic message is
//! several writes); passed on as they come, pieces from instances running
//! at once would interleave mid-line.

use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// A partial line held back this long at most: a guest that writes a huge
/// line without a newline is passed on in pieces of this size.
const LONGEST_LINE: usize = 64 * 1024;

/// One output stream of one instance.
#[derive(Clone, Default)]
pub struct GuestOutput(Arc<Mutex<Lines>>);

#[derive(Default)]
struct Lines(Vec<u8>);

impl Lines {
    /// Adds `bytes`, and takes out the lines that are now whole.
    fn push(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        self.0.extend_from_slice(bytes);
        let whole = match self.0.iter().rposition(|&byte| byte == b'\n') {
            Some(last_newline) => last_newline + 1,
            None if self.0.len() >= LONGEST_LINE => self.0.len(),
            None => return None,
        };
        let rest = self.0.split_off(whole);
        Some(std::mem::replace(&mut self.0, rest))
    }
}

impl Drop for Lines {
    /// The instance is gone: pass on what is left of its last line.
    fn drop(&mut self) {
        if !self.0.is_empty() {
            self.0.push(b'\n');
            pass_on(&self.0);
        }
    }
}

/// One write, so the lines arrive whole.
fn pass_on(lines: &[u8]) {
    let _ = std::io::stderr().lock().write_all(lines);
}

impl AsyncWrite for GuestOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        // A guest that panicked while writing cannot have left the buffer
        // in a state worth refusing.
        let whole = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(bytes);
        if let Some(whole) = whole {
            pass_on(&whole);
        }
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        // A partial line waits for its end; flushing it would split it.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl StdoutStream for GuestOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_lines_are_passed_on() {
        let mut lines = Lines::default();
        assert_eq!(lines.push(b"panicked at "), None);
        assert_eq!(
            lines.push(b"src/lib.rs:\nconnection "),
            Some(b"panicked at src/lib.rs:\n".to_vec())
        );
        assert_eq!(lines.push(b"reset\n"), Some(b"connection reset\n".to_vec()));
        let long = vec![b'x'; LONGEST_LINE];
        assert_eq!(lines.push(&long), Some(long));
        assert!(lines.0.is_empty());
    }
}
