//! The READMEs' examples, run: each template's tests check its README
//! under both hosts. Every `$ curl ...` line
//! in a ```console block runs against a fresh host of the project its
//! README is about (on whatever port the test gave it, for the README's
//! `localhost:8000`, `8001` or `8002`), and must print exactly the lines
//! shown under it (a `date:` line matches any date). A line that ends in `# devhost` or
//! `# wash` runs only under that host: where the two answer differently, the
//! README shows each.
//!
//! Under wash, a template's README is read from the project `wash new`
//! made, as its user reads it.

use std::path::Path;

use crate::devhost_library::start_host;
use crate::wash::{WashDev, built_project};
use crate::workspace::workspace_root;

/// Which host a README example runs under.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Host {
    Devhost,
    Wash,
}

struct Example {
    command: String,
    expected: Vec<String>,
    only: Option<Host>,
}

fn examples(readme: &str) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut in_console = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_console = line == "```console";
        } else if in_console {
            match line.strip_prefix("$ ") {
                Some(command) => {
                    let (command, only) = match command.rsplit_once("  # ") {
                        Some((command, "devhost")) => (command, Some(Host::Devhost)),
                        Some((command, "wash")) => (command, Some(Host::Wash)),
                        _ => (command, None),
                    };
                    examples.push(Example {
                        command: command.trim_end().into(),
                        expected: Vec::new(),
                        only,
                    });
                }
                None => examples.last_mut().unwrap().expected.push(line.into()),
            }
        }
    }
    examples
}

/// Runs the examples of `readme` meant for `host` against the host at
/// `url`, in order: later lines may depend on earlier ones, as a reader's
/// would.
pub async fn check(readme: &Path, url: &str, host: Host) {
    let text = std::fs::read_to_string(readme).unwrap();
    let examples = examples(&text);
    assert!(
        !examples.is_empty(),
        "{} has no console examples",
        readme.display()
    );
    let address = url.trim_start_matches("http://");
    for example in examples
        .iter()
        .filter(|e| e.only.is_none_or(|only| only == host))
    {
        assert!(example.command.starts_with("curl "), "{}", example.command);
        let command = ["localhost:8000", "localhost:8001", "localhost:8002"]
            .iter()
            .fold(example.command.clone(), |command, port| {
                command.replace(port, address)
            });
        let output = tokio::process::Command::new("sh")
            .args(["-c", &command])
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
        let actual: Vec<&str> = stdout.lines().collect();
        let matches = actual.len() == example.expected.len()
            && actual
                .iter()
                .zip(&example.expected)
                .all(|(actual, expected)| {
                    actual == expected
                        || (expected.starts_with("date: ") && actual.starts_with("date: "))
                });
        assert!(
            matches,
            "{}, under {host:?}: `{}` printed\n{stdout}\nbut the README shows\n{}",
            readme.display(),
            example.command,
            example.expected.join("\n")
        );
    }
}

/// A README (its path from the repository root) against a fresh devhost
/// serving `project`: a template's folder, or `.` for the root pair.
pub async fn check_under_devhost(readme: &str, project: &str) {
    let host = start_host(project).await;
    let url = format!("http://{}", host.local_addr());
    check(&workspace_root().join(readme), &url, Host::Devhost).await;
}

/// A template's README, from its `wash new` project, against `wash dev`
/// there.
pub async fn check_under_wash(template: &str) {
    let project = built_project(template);
    let wash = WashDev::start(&project, None, &[]);
    check(&project.join("README.md"), &wash.url, Host::Wash).await;
}
