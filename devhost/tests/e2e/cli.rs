//! The `devhost` binary: it serves and logs, and it fails with a clear
//! message and a non-zero exit on a bad setup.

use crate::support::devhost::devhost_command as devhost;
use crate::support::workspace::build_components;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn fails_with(output: Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exited 0; stderr: {stderr}");
    assert!(
        stderr.contains(expected),
        "stderr lacks {expected:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn serves_the_root_project_and_logs_each_request() {
    build_components();
    let mut child = devhost()
        .args(["--no-build", "--address", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    stdout.read_line(&mut banner).unwrap();
    // "devhost: serving http-api on http://127.0.0.1:PORT"
    let url = banner.trim().rsplit(' ').next().unwrap().to_string();
    assert!(
        banner.starts_with("devhost: serving http-api on http://127.0.0.1:"),
        "{banner}"
    );

    let output = Command::new("curl")
        .args([
            "-s",
            "--data",
            r#"{"payload":"Hello World"}"#,
            &format!("{url}/task"),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "H3110 W0r1d");

    let mut log = String::new();
    stdout.read_line(&mut log).unwrap();
    assert!(log.starts_with("POST /task 200 "), "{log}");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A temporary project directory; `config`, if given, is its .wash/config.yaml.
fn project(config: Option<&str>) -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    if let Some(config) = config {
        std::fs::create_dir(project.path().join(".wash")).unwrap();
        std::fs::write(project.path().join(".wash/config.yaml"), config).unwrap();
    }
    project
}

fn run_without_build(project: &tempfile::TempDir) -> Output {
    devhost()
        .arg("-C")
        .arg(project.path())
        .args(["--no-build", "--address", "127.0.0.1:0"])
        .output()
        .unwrap()
}

#[test]
fn a_missing_config_is_a_clear_error() {
    fails_with(run_without_build(&project(None)), ".wash/config.yaml");
}

#[test]
fn an_invalid_config_is_a_clear_error() {
    let project = project(Some("dev: [unclosed"));
    fails_with(run_without_build(&project), "config.yaml");
}

#[test]
fn a_missing_component_file_is_a_clear_error() {
    let project = project(Some(
        "version: 2.0.0\nbuild:\n  component_path: missing.wasm\n",
    ));
    fails_with(run_without_build(&project), "missing.wasm not found");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = devhost()
        .args(["--no-build", "--address", &address])
        .output()
        .unwrap();
    fails_with(output, &format!("cannot listen on {address}"));
}

#[test]
fn a_bad_address_is_a_clear_error() {
    let output = devhost()
        .args(["--no-build", "--address", "localhost"])
        .output()
        .unwrap();
    fails_with(output, "--address");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = crate::support::start_host("http-hello").await;
    let mut stream = tokio::net::TcpStream::connect(host.local_addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // devhost gives a client 10 s to send its headers, then hangs up; a
    // hang here would be caught by the deadline.
    let mut buffer = [0; 64];
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buffer)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
}
