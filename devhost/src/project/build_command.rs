//! Running `build.command`, as `wash dev` does before it serves.

use std::fmt;
use std::io::IsTerminal;
use std::path::Path;
use std::process::{ExitStatus, Stdio};

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

use super::config::BuildConfig;

/// How much of a failed build's output is kept for the 503 answer that
/// says why nothing is served: the end, where the errors are.
const KEPT_OUTPUT: usize = 32 * 1024;

/// A build command that ran and failed: its errors are already on stderr,
/// as it printed them, and the end of them is kept here too.
#[derive(Debug)]
pub struct BuildFailed {
    command: String,
    status: ExitStatus,
    /// The last [`KEPT_OUTPUT`] bytes of what it printed.
    pub output: String,
}

impl std::error::Error for BuildFailed {}

impl fmt::Display for BuildFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "build command `{}` failed ({})",
            self.command, self.status
        )
    }
}

/// Runs the build command through `sh -c` in `project_dir` with `build.env`
/// added to the environment. Its output goes to our stderr, line by line as
/// it comes, so devhost's stdout keeps only devhost's own lines. Does
/// nothing without a command. A build that fails is a [`BuildFailed`].
pub async fn run(build: &BuildConfig, project_dir: &Path) -> anyhow::Result<()> {
    let Some(command) = &build.command else {
        return Ok(());
    };
    let mut child = Command::new("sh");
    // Cargo colours its output only on a terminal, and it writes to a pipe
    // here: on devhost's terminal, it is told to colour it all the same.
    if std::io::stderr().is_terminal() && std::env::var_os("CARGO_TERM_COLOR").is_none() {
        child.env("CARGO_TERM_COLOR", "always");
    }
    let mut child = child
        .arg("-c")
        .arg(command)
        .current_dir(project_dir)
        .envs(&build.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run build command `{command}`"))?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (stdout, stderr) = tokio::join!(pass_on(stdout), pass_on(stderr));
    let status = child.wait().await?;
    if !status.success() {
        return Err(BuildFailed {
            command: command.clone(),
            status,
            output: stdout + &stderr,
        }
        .into());
    }
    Ok(())
}

/// Copies `stream`'s lines to our stderr, and returns the last of them.
async fn pass_on(stream: Option<impl AsyncRead + Unpin>) -> String {
    let mut kept = String::new();
    let Some(stream) = stream else { return kept };
    let mut stream = BufReader::new(stream);
    let mut line = Vec::new();
    while stream
        .read_until(b'\n', &mut line)
        .await
        .is_ok_and(|read| read > 0)
    {
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        crate::log::warn(text);
        kept.push_str(&without_colours(text));
        kept.push('\n');
        line.clear();
        // Trimmed now and then rather than at every line.
        if kept.len() > 2 * KEPT_OUTPUT {
            keep_end(&mut kept);
        }
    }
    keep_end(&mut kept);
    kept
}

/// `text` without the terminal's colour codes (`ESC [ ... m`, and any
/// other `ESC [` sequence): an HTTP answer is no terminal.
fn without_colours(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.clone().next() == Some('[') {
            // The sequence ends with its first character in `@`..=`~`.
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
            continue;
        }
        plain.push(c);
    }
    plain
}

/// Cuts `text` to its last [`KEPT_OUTPUT`] bytes (or a few more, to start
/// on a character).
fn keep_end(text: &mut String) {
    let Some(cut) = text.len().checked_sub(KEPT_OUTPUT) else {
        return;
    };
    let cut = (0..=cut)
        .rev()
        .find(|&at| text.is_char_boundary(at))
        .unwrap_or(0);
    text.replace_range(..cut, "");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_codes_are_left_out_of_what_is_kept() {
        let coloured = "\u{1b}[0m\u{1b}[1m\u{1b}[91merror\u{1b}[0m: expected `;`";
        assert_eq!(without_colours(coloured), "error: expected `;`");
        assert_eq!(without_colours("a \u{1b} b"), "a \u{1b} b");
    }

    #[test]
    fn only_the_end_of_a_long_output_is_kept() {
        let mut short = "error[E0425]: cannot find value\n".to_string();
        keep_end(&mut short);
        assert_eq!(short, "error[E0425]: cannot find value\n");

        let mut long = format!(
            "{}é{}",
            "a".repeat(KEPT_OUTPUT),
            "b".repeat(KEPT_OUTPUT - 1)
        );
        keep_end(&mut long);
        // The cut falls inside `é`, so it starts at `é`.
        assert!(long.starts_with('é'), "{}", &long[..8]);
        assert_eq!(long.len(), KEPT_OUTPUT + 1);
    }

    #[tokio::test]
    async fn a_failed_build_says_why_with_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let build = BuildConfig {
            command: Some("echo compiling; echo 'error: expected `;`' >&2; exit 101".into()),
            ..Default::default()
        };
        let error = run(&build, dir.path()).await.unwrap_err();
        let failed = error.downcast_ref::<BuildFailed>().unwrap();
        assert!(
            error.to_string().ends_with("failed (exit status: 101)"),
            "{error}"
        );
        assert_eq!(failed.output, "compiling\nerror: expected `;`\n");
    }
}
