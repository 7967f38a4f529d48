//! The READMEs' examples are true: every `$ curl ...` line in a ```console
//! block runs against a fresh dev host of the project that README is about,
//! and prints exactly the lines shown under it. (A `date:` header line
//! matches any date.)

use crate::common::{start, workspace_root};

struct Example {
    command: String,
    expected: Vec<String>,
}

fn examples(readme: &str) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut in_console = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_console = line == "```console";
        } else if in_console {
            match line.strip_prefix("$ ") {
                Some(command) => examples.push(Example {
                    command: command.into(),
                    expected: Vec::new(),
                }),
                None => examples.last_mut().unwrap().expected.push(line.into()),
            }
        }
    }
    examples
}

/// Runs every example of `readme` (a path from the workspace root) against
/// a fresh host of `project`, in order: later lines may depend on earlier
/// ones, as a reader's would.
async fn check(readme: &str, project: &str) {
    let text = std::fs::read_to_string(workspace_root().join(readme)).unwrap();
    let examples = examples(&text);
    assert!(!examples.is_empty(), "{readme} has no console examples");

    let host = start(project).await;
    let address = host.local_addr().to_string();
    for example in examples {
        assert!(
            example.command.starts_with("curl "),
            "{readme}: {}",
            example.command
        );
        let command = example.command.replace("localhost:8000", &address);
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
            "{readme}: `{}` printed\n{stdout}\nbut the README shows\n{}",
            example.command,
            example.expected.join("\n")
        );
    }
}

#[tokio::test]
async fn root_readme() {
    check("README.md", ".").await;
}

#[tokio::test]
async fn http_hello_readme() {
    check("http-hello/README.md", "http-hello").await;
}

#[tokio::test]
async fn http_router_readme() {
    check("http-router/README.md", "http-router").await;
}

#[tokio::test]
async fn kv_counter_readme() {
    check("kv-counter/README.md", "kv-counter").await;
}

#[tokio::test]
async fn http_api_readme() {
    check("http-api/README.md", ".").await;
}

#[tokio::test]
async fn task_leet_readme() {
    check("task-leet/README.md", ".").await;
}
