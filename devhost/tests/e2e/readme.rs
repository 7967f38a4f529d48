//! The READMEs' examples are true under both hosts. Every `$ curl ...` line
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

use crate::support::wash::{built_project, share_target, wash, wash_new};
use crate::support::workspace::edited_project;
use crate::support::{
    Devhost, NatsServer, WashDev, WashPair, start_host, start_host_in, workspace_root,
};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Host {
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
async fn check(readme: &Path, url: &str, host: Host) {
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

/// A README of this repository, by its path from the root.
fn readme(path: &str) -> std::path::PathBuf {
    workspace_root().join(path)
}

async fn under_devhost(readme_path: &str, project: &str) {
    let host = start_host(project).await;
    let url = format!("http://{}", host.local_addr());
    check(&readme(readme_path), &url, Host::Devhost).await;
}

#[tokio::test]
async fn root_readme_under_devhost() {
    under_devhost("README.md", ".").await;
}

#[tokio::test]
async fn http_hello_readme_under_devhost() {
    under_devhost("http-hello/README.md", "http-hello").await;
}

#[tokio::test]
async fn http_router_readme_under_devhost() {
    under_devhost("http-router/README.md", "http-router").await;
}

#[tokio::test]
async fn kv_counter_readme_under_devhost() {
    under_devhost("kv-counter/README.md", "kv-counter").await;
}

#[tokio::test]
async fn http_api_readme_under_devhost() {
    under_devhost("http-api/README.md", ".").await;
}

#[tokio::test]
async fn task_leet_readme_under_devhost() {
    under_devhost("task-leet/README.md", ".").await;
}

/// http-client's examples call http-hello, as its README suggests.
#[tokio::test]
async fn http_client_readme_under_devhost() {
    let upstream = start_host("http-hello").await;
    let address = upstream.local_addr().to_string();
    let project = edited_project("http-client", |config| {
        config.replace("127.0.0.1:8081", &address)
    });
    let host = start_host_in(project.path()).await;
    let url = format!("http://{}", host.local_addr());
    check(&readme("http-client/README.md"), &url, Host::Devhost).await;
}

#[tokio::test]
async fn http_client_readme_under_wash() {
    let (Some(hello), Some(client)) = (built_project("http-hello"), built_project("http-client"))
    else {
        return;
    };
    let upstream = WashDev::start(&hello, None, None);
    let address = upstream.url.trim_start_matches("http://");
    let workload =
        format!(r#"{{config={{upstream_url="http://{address}/"}}, allowedHosts=["{address}"]}}"#);
    let host = WashDev::start(&client, None, Some(&workload));
    check(&client.join("README.md"), &host.url, Host::Wash).await;
}

#[tokio::test]
async fn task_stats_readme_under_devhost() {
    let nats = NatsServer::start();
    let host = Devhost::crate_over_nats("task-stats", &nats.url());
    check(&readme("task-stats/README.md"), &host.url, Host::Devhost).await;
}

/// A project of its own: under wash, the counts are files in the project.
#[tokio::test]
async fn task_stats_readme_under_wash() {
    let Some(wash) = wash() else {
        return;
    };
    let project = wash_new(wash, "task-stats", "task-stats-readme");
    share_target(&project);
    let nats = NatsServer::start();
    let host = WashDev::start(&project, Some(&nats.url()), None);
    check(&project.join("README.md"), &host.url, Host::Wash).await;
}

/// A template's README, from its `wash new` project, against `wash dev` there.
async fn under_wash(template: &str) {
    let Some(project) = built_project(template) else {
        return;
    };
    let wash = WashDev::start(&project, None, None);
    check(&project.join("README.md"), &wash.url, Host::Wash).await;
}

#[tokio::test]
async fn http_hello_readme_under_wash() {
    under_wash("http-hello").await;
}

#[tokio::test]
async fn http_router_readme_under_wash() {
    under_wash("http-router").await;
}

#[tokio::test]
async fn kv_counter_readme_under_wash() {
    under_wash("kv-counter").await;
}

#[tokio::test]
async fn messaging_readmes_under_two_wash_hosts_over_nats() {
    let Some(pair) = WashPair::start() else {
        return;
    };
    // Both projects were made and built for the pair.
    let project = |template| built_project(template).unwrap().join("README.md");
    for readme in [
        readme("README.md"),
        project("http-api"),
        project("task-leet"),
    ] {
        check(&readme, &pair.api.url, Host::Wash).await;
    }
}

/// service-tcp on a free port, since the service's own is the machine's.
#[tokio::test]
async fn service_tcp_readme_under_devhost() {
    let port = crate::support::nats_server::free_port();
    let project = crate::service_tcp::project(port, port);
    let host = start_host_in(project.path()).await;
    let url = format!("http://{}", host.local_addr());
    crate::service_tcp::wait_until_served(&crate::support::Client::at(url.clone())).await;
    check(&readme("service-tcp/README.md"), &url, Host::Devhost).await;
}

#[tokio::test]
async fn service_tcp_readme_under_wash() {
    let Some(project) = built_project("service-tcp") else {
        return;
    };
    let wash = WashDev::start(&project, None, None);
    crate::service_tcp::wait_until_served(&wash.client()).await;
    check(&project.join("README.md"), &wash.url, Host::Wash).await;
}

#[tokio::test]
async fn http_composed_readme_under_devhost() {
    under_devhost("http-composed/README.md", "http-composed").await;
}

#[tokio::test]
async fn http_composed_readme_under_wash() {
    under_wash("http-composed").await;
}
