//! service-tcp: the service over real TCP under devhost, many clients at
//! once, with the bad input a client can send; and its HTTP front under
//! devhost and under wash. (wash 2.7.0 keeps a service's sockets on the
//! workload's own loopback, which nothing outside the host reaches: there
//! the tests reach the service through the front, as its README says.)

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use reqwest::Method;
use test_support::nats_server::free_port;
use test_support::readme;
use test_support::surface::{platform, surface_of};
use test_support::wash::built_project;
use test_support::workspace::{built_service, edited_project};
use test_support::{Client, DevhostProcess, WashDev, start_host_in, workspace_root};

/// How many clients talk to the service at once.
const CLIENTS: usize = 64;
const LINES_PER_CLIENT: usize = 5;

/// service-tcp's own config with its service file built, and `port` (the
/// service's and the front's) and the declared port changed from 7777.
fn project(port: u16, declared: u16) -> tempfile::TempDir {
    let service = built_service("service-tcp");
    edited_project("service-tcp", |config| {
        let config: Vec<String> = config
            .lines()
            .map(
                |line| match line.trim_start().starts_with("service_file:") {
                    true => format!("  service_file: {}", service.display()),
                    false => line.replace("port: 7777", &format!("port: {declared}")),
                },
            )
            .collect();
        config
            .join("\n")
            .replace("\"7777\"", &format!("\"{port}\""))
    })
}

/// What the service answers to `line`, worked out here independently.
fn leet(line: &str) -> String {
    let digits = |c: char| match c.to_ascii_lowercase() {
        'a' => '4',
        'e' => '3',
        'i' | 'l' => '1',
        'o' => '0',
        's' => '5',
        't' => '7',
        _ => c,
    };
    line.chars().map(digits).chain(['\n']).collect()
}

/// Connects to the service, waiting for it to start listening.
async fn connect(port: u16) -> BufReader<TcpStream> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match TcpStream::connect(("127.0.0.1", port)).await {
            Ok(stream) => return BufReader::new(stream),
            Err(error) => assert!(
                Instant::now() < deadline,
                "the service never listened on {port}: {error}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `bytes` and reads one line back.
async fn exchange(stream: &mut BufReader<TcpStream>, bytes: &[u8]) -> String {
    stream.get_mut().write_all(bytes).await.unwrap();
    let mut reply = String::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_line(&mut reply));
    read.await.expect("no reply within 10 s").unwrap();
    reply
}

/// Whether the service closed the connection (rather than leaving it open).
async fn closed(stream: &mut BufReader<TcpStream>) -> bool {
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest));
    matches!(read.await, Ok(Ok(0)))
}

#[tokio::test]
async fn many_clients_are_served_at_once_under_devhost() {
    let port = free_port();
    let project = project(port, port);
    let _host = start_host_in(project.path()).await;

    // A client that stops in the middle of a line holds its own task, and
    // nobody else's.
    let mut stalled = connect(port).await;
    stalled.get_mut().write_all(b"half a li").await.unwrap();

    let mut clients = JoinSet::new();
    for client in 0..CLIENTS {
        clients.spawn(async move {
            let mut stream = connect(port).await;
            for line in 0..LINES_PER_CLIENT {
                let text = format!("client {client} sends line {line} to the service");
                let reply = exchange(&mut stream, format!("{text}\n").as_bytes()).await;
                assert_eq!(reply, leet(&text));
            }
        });
    }
    while let Some(served) = clients.join_next().await {
        served.unwrap();
    }
    assert_eq!(exchange(&mut stalled, b"ne\n").await, "h41f 4 11n3\n");
}

#[tokio::test]
async fn bad_input_gets_an_answer_or_a_clean_close_under_devhost() {
    let port = free_port();
    let project = project(port, port);
    let _host = start_host_in(project.path()).await;

    // Not UTF-8: an error for that line, and the connection goes on.
    let mut client = connect(port).await;
    let reply = exchange(&mut client, b"caf\xe9\n").await;
    assert_eq!(reply, "error: the line is not UTF-8\n");
    assert_eq!(
        exchange(&mut client, b"Still here\r\n").await,
        "57111 h3r3\n"
    );

    // The longest line is fine; one byte more is an error, then the end.
    let longest = "x".repeat(4096);
    assert_eq!(
        exchange(&mut client, format!("{longest}\n").as_bytes()).await,
        leet(&longest)
    );
    let reply = exchange(&mut client, format!("{longest}x\n").as_bytes()).await;
    assert_eq!(reply, "error: the line is over 4096 bytes\n");
    assert!(closed(&mut client).await, "the connection stayed open");

    // A client that leaves in the middle of a line gets nothing, and the
    // service serves the next one.
    let mut leaving = connect(port).await;
    leaving.get_mut().write_all(b"never finish").await.unwrap();
    drop(leaving);
    let mut next = connect(port).await;
    assert_eq!(exchange(&mut next, b"toast\n").await, "70457\n");
}

/// devhost lets the service listen only on the ports `dev.service_ports`
/// declares, and the components connect only to those.
#[tokio::test]
async fn an_undeclared_port_is_denied_under_devhost() {
    let (port, declared) = (free_port(), free_port());
    let project = project(port, declared);
    let mut host = DevhostProcess::start(project.path(), &[]);
    let refused = host.wait_for_line(|line| line.contains("no longer runs"));
    assert_eq!(refused, "devhost: service-tcp failed, and no longer runs");
    assert!(
        host.output()
            .contains(&format!("service-tcp: cannot listen on 127.0.0.1:{port}: ")),
        "{}",
        host.output()
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());

    let answer = host.client().post("/line", "hello").await;
    assert_eq!(answer.status, 502, "{}", answer.body);
    let message = answer.json_error();
    let expected = format!("the service at 127.0.0.1:{port} did not answer: ");
    assert!(message.starts_with(&expected), "{message}");
}

/// The service is a command: it exports `wasi:cli/run`, and imports its
/// config and TCP. The UDP imports are the C library's: its `socket()`
/// serves both kinds, so they are linked, though nothing calls them.
#[test]
fn the_service_imports_only_what_it_uses() {
    let service = surface_of(&built_service("service-tcp"));
    let exports: Vec<&str> = service.exports.iter().map(String::as_str).collect();
    assert_eq!(exports, ["wasi:cli/run@0.2.0"]);
    let beyond_platform: Vec<&str> = (service.imports.iter())
        .filter(|import| !platform(import))
        .map(String::as_str)
        .collect();
    let expected = [
        "wasi:config/store@0.2.0-rc.1",
        "wasi:sockets/instance-network@0.2.12",
        "wasi:sockets/network@0.2.12",
        "wasi:sockets/tcp-create-socket@0.2.12",
        "wasi:sockets/tcp@0.2.12",
        "wasi:sockets/udp-create-socket@0.2.12",
        "wasi:sockets/udp@0.2.12",
    ];
    assert_eq!(beyond_platform, expected);
}

/// The service starts beside the front: waits until it answers there.
async fn wait_until_served(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.post("/line", "ready?").await.status != 200 {
        assert!(Instant::now() < deadline, "the service never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `POST /line` relays one line; every other request gets its own error.
async fn relays_lines_and_refuses_bad_requests(client: &Client) {
    wait_until_served(client).await;
    let mut posts = JoinSet::new();
    for number in 0..CLIENTS {
        let client = Client::at(client.base().to_string());
        posts.spawn(async move {
            let text = format!("line {number} through the front");
            let answer = client.post("/line", &text).await;
            assert_eq!((answer.status, answer.body), (200, leet(&text)));
        });
    }
    while let Some(posted) = posts.join_next().await {
        posted.unwrap();
    }

    let error = |answer: test_support::Answer| (answer.status, answer.json_error());
    let not_utf8 = client
        .send_bytes(Method::POST, "/line", None, b"caf\xe9".to_vec())
        .await;
    assert_eq!(error(not_utf8), (400, "the line is not UTF-8".into()));
    let two_lines = client.post("/line", "one\ntwo").await;
    let expected = "send one line, without a newline";
    assert_eq!(error(two_lines), (400, expected.into()));
    let too_long = client.post("/line", &"x".repeat(4097)).await;
    let expected = "the request body is over 4 KiB";
    assert_eq!(error(too_long), (413, expected.into()));
    let get = client.get("/line").await;
    assert_eq!(get.header("allow"), Some("POST"));
    assert_eq!(error(get), (405, "method not allowed".into()));
    assert_eq!(error(client.get("/").await), (404, "not found".into()));

    // The service took all that and still answers.
    let answer = client.post("/line", "Still serving").await;
    assert_eq!((answer.status, answer.body), (200, leet("Still serving")));
}

#[tokio::test]
async fn the_http_front_relays_lines_and_refuses_bad_requests_under_devhost() {
    let port = free_port();
    let project = project(port, port);
    let host = start_host_in(project.path()).await;
    connect(port).await;
    relays_lines_and_refuses_bad_requests(&Client::new(&host)).await;
}

#[tokio::test]
async fn the_http_front_relays_lines_and_refuses_bad_requests_under_wash() {
    relays_lines_and_refuses_bad_requests(&WashDev::serving("service-tcp").client()).await;
}

/// A service whose `run` fails (its `port` is no port number): the front
/// says why, and each host logs the service's end in its own words.
#[tokio::test]
async fn a_failed_service_is_logged_as_failed_and_the_front_says_why_under_devhost() {
    let port = free_port();
    let project = project(port, port);
    let config = project.path().join(".wash/config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(&format!("\"{port}\""), "\"notaport\""),
    )
    .unwrap();
    let mut host = DevhostProcess::start(project.path(), &[]);
    host.wait_for_line(|line| line.contains("service-tcp failed, and no longer runs"));
    the_front_names_the_bad_port(&host.client()).await;
}

#[tokio::test]
async fn a_failed_service_is_logged_as_exited_and_the_front_says_why_under_wash() {
    let project = built_project("service-tcp");
    let not_a_port = [("WASH_WORKLOAD", r#"{config={port="notaport"}}"#)];
    let mut wash = WashDev::start(&project, None, &not_a_port);
    wash.wait_for_log_line(Duration::from_secs(30), |line| {
        line.contains("service exited successfully")
    });
    the_front_names_the_bad_port(&wash.client()).await;
}

async fn the_front_names_the_bad_port(client: &Client) {
    let answer = client.post("/line", "hello").await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json_error(),
        "config `port` must be a port number, not `notaport`"
    );
}

/// On a free port, since the service's own is the machine's.
#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    let port = free_port();
    let project = project(port, port);
    let host = start_host_in(project.path()).await;
    let url = format!("http://{}", host.local_addr());
    wait_until_served(&Client::at(url.clone())).await;
    let readme = workspace_root().join("service-tcp/README.md");
    readme::check(&readme, &url, readme::Host::Devhost).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    let project = built_project("service-tcp");
    let wash = WashDev::start(&project, None, &[]);
    wait_until_served(&wash.client()).await;
    readme::check(&project.join("README.md"), &wash.url, readme::Host::Wash).await;
}
