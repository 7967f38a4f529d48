//! devhost's log: a line per request or message on stdout, problems on
//! stderr. Each line is formatted first and written with one call, so
//! lines from requests running at once never run into each other (the
//! standard error stream is unbuffered: `eprintln!` writes each piece of
//! its format separately).

use std::fmt::Display;
use std::io::Write;

/// A line on stdout: the request log and start-up messages.
pub fn info(line: impl Display) {
    let _ = std::io::stdout()
        .lock()
        .write_all(format!("{line}\n").as_bytes());
}

/// A line on stderr: failures and warnings.
pub fn warn(line: impl Display) {
    let _ = std::io::stderr()
        .lock()
        .write_all(format!("{line}\n").as_bytes());
}
