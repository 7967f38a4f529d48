//! The `devhost` binary: it serves and logs, and it fails with a clear
//! message and a non-zero exit on a bad setup. (A slow client's limits are
//! in `limits.rs`.)

use std::process::Output;

use test_support::devhost_process::{command, devhost_command};
use test_support::workspace::{build_components, scratch_project};
use test_support::{DevhostProcess, workspace_root};

fn fails_with(output: Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exited 0; stderr: {stderr}");
    assert!(
        stderr.contains(expected),
        "stderr lacks {expected:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn serves_the_root_project_and_logs_each_request() {
    build_components();
    let mut host = DevhostProcess::start(&workspace_root(), &[]);
    let answer = host.post_task(r#"{"payload":"Hello World"}"#).await;
    assert_eq!(answer.body, "H3110 W0r1d");
    let output = host.output();
    assert!(
        output.contains("devhost: serving http-api on http://127.0.0.1:"),
        "{output}"
    );
    // The line is written as the answer leaves, so it may come just after.
    host.wait_for_line(|line| line.starts_with("POST /task 200 "));
}

fn run_without_build(project: &std::path::Path) -> Output {
    command(project, &[]).output().unwrap()
}

#[test]
fn a_missing_config_is_a_clear_error() {
    let empty = tempfile::tempdir().unwrap();
    fails_with(run_without_build(empty.path()), ".wash/config.yaml");
}

#[test]
fn an_invalid_config_is_a_clear_error() {
    let project = scratch_project("dev: [unclosed");
    fails_with(run_without_build(project.path()), "config.yaml");
}

#[test]
fn a_missing_component_file_is_a_clear_error() {
    let project = scratch_project("version: 2.0.0\nbuild:\n  component_path: missing.wasm\n");
    fails_with(run_without_build(project.path()), "missing.wasm not found");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = devhost_command()
        .args(["--no-build", "--address", &address])
        .output()
        .unwrap();
    fails_with(output, &format!("cannot listen on {address}"));
}

#[test]
fn a_bad_address_is_a_clear_error() {
    let output = devhost_command()
        .args(["--no-build", "--address", "localhost"])
        .output()
        .unwrap();
    fails_with(output, "--address");
}
