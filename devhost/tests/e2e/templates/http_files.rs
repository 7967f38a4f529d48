//! http-files over HTTP, under devhost and under wash: each host
//! mounts a directory of the test's own at `/files`, as the template's
//! `dev.volumes` mounts its `files/`. Names that would lead out of it, a
//! link planted in it that leads out, a body over the limit, writes racing
//! reads; under devhost also a read-only mount and none at all.

use std::path::Path;

use reqwest::Method;
use serde_json::json;
use tempfile::TempDir;
use test_support::readme;
use test_support::wash::edited_wash_project;
use test_support::workspace::edited_project;
use test_support::{Client, DevhostProcess, WashDev, workspace_root};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinSet;

const HELLO: &str = "Hello from a file!\n";
const NAME_RULE: &str = "a file name is 1 to 64 characters of A-Z a-z 0-9 . _ -, \
                         does not start with . and does not contain ..";
const READ_ONLY: &str = "the files directory is read-only";
const NOT_MOUNTED: &str = "no directory is mounted at /files";

/// A project serving the built component with http-files' own config,
/// changed by `edit`, and a copy of its `files/` (`hello.txt`).
fn project(edit: fn(&str) -> String) -> TempDir {
    edited_project("http-files", edit)
}

/// The names in the directory, hidden ones (a write's temporary file) too.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = (std::fs::read_dir(dir).unwrap())
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Everything http-files does, in the mounted folder `files`.
async fn serves_files(client: &Client, files: &Path) {
    lists_reads_writes_and_deletes(client, files).await;
    refuses_names_that_would_leave_the_folder(client, files).await;
    a_body_over_the_limit_writes_nothing(client, files).await;
    writes_are_atomic(client, files).await;
    listings_race_writes(client, files).await;
}

/// The listing and each file; a file created, replaced and deleted; 405 for
/// another method.
async fn lists_reads_writes_and_deletes(client: &Client, files: &Path) {
    let listing = client.get("/").await;
    assert_eq!(listing.status, 200);
    let hello = json!({ "name": "hello.txt", "size": HELLO.len() });
    assert_eq!(listing.json(), json!({ "files": [hello] }));
    let read = client.get("/hello.txt").await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(read.body, HELLO);

    let created = client.send(Method::PUT, "/notes.txt", None, "milk").await;
    assert_eq!(created.status, 201, "{}", created.body);
    let replaced = client.send(Method::PUT, "/notes.txt", None, "eggs").await;
    assert_eq!(replaced.status, 204);
    assert_eq!(
        std::fs::read_to_string(files.join("notes.txt")).unwrap(),
        "eggs"
    );
    assert_eq!(client.get("/notes.txt").await.body, "eggs");
    let deleted = client.send(Method::DELETE, "/notes.txt", None, "").await;
    assert_eq!(deleted.status, 204);
    for method in [Method::GET, Method::DELETE] {
        let gone = client.send(method, "/notes.txt", None, "").await;
        assert_eq!(gone.status, 404);
        assert_eq!(gone.json_error(), "no file named notes.txt");
    }
    for (path, allow) in [("/", "GET"), ("/hello.txt", "GET, PUT, DELETE")] {
        let answer = client.send(Method::POST, path, None, "").await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.header("allow"), Some(allow), "{path}");
        assert_eq!(answer.json_error(), "method not allowed");
    }
}

/// A name is checked before any filesystem call: nothing here reaches one.
/// (An encoded `..` alone, `/%2E%2E`, is in the README's curl lines: this
/// client, as the URL standard says, sends it as `/`.) And a link planted
/// in the folder that leads out of it is not followed.
async fn refuses_names_that_would_leave_the_folder(client: &Client, files: &Path) {
    let long = format!("/{}", "a".repeat(65));
    for path in [
        "/..%2F..%2Fetc%2Fpasswd",
        "/a%2Fb",
        "/docs/notes.txt",
        "/.hello.txt",
        "/a..b",
        "/caf%C3%A9",
        long.as_str(),
    ] {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let answer = client.send(method.clone(), path, None, "x").await;
            assert_eq!(answer.status, 400, "{method} {path}");
            assert_eq!(answer.json_error(), NAME_RULE, "{method} {path}");
        }
    }
    let outside = TempDir::new().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), files.join("out.txt")).unwrap();
    let answer = client.get("/out.txt").await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(!answer.body.contains("outside"), "{}", answer.body);
    std::fs::remove_file(files.join("out.txt")).unwrap();
}

/// 413, and nothing written, not even a temporary file.
async fn a_body_over_the_limit_writes_nothing(client: &Client, files: &Path) {
    let response = put_announced_over_the_limit(client.base()).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    let error = r#"{"error":"the request body is over 1 MiB"}"#;
    assert!(response.contains(error), "{response}");
    assert_eq!(names_in(files), ["hello.txt"]);
}

/// A PUT whose announced length is over 1 MiB, its head alone: the
/// component refuses it at once, and the host may close the connection
/// then, so a client still sending the body could meet the close before
/// the answer. Returns the raw response.
async fn put_announced_over_the_limit(base: &str) -> String {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let length = 1024 * 1024 + 1;
    let head =
        format!("PUT /big.bin HTTP/1.1\r\nhost: localhost\r\ncontent-length: {length}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let mut piece = [0; 1024];
    // Up to the end of the JSON error, or of the connection.
    while !response.windows(2).any(|pair| pair == b"\"}") {
        let read = stream.read(&mut piece).await.unwrap();
        if read == 0 {
            break;
        }
        response.extend_from_slice(&piece[..read]);
    }
    String::from_utf8_lossy(&response).into_owned()
}

/// Readers racing writers of two whole files see one or the other, never
/// a mix or a part, and the writes leave no temporary file behind.
async fn writes_are_atomic(client: &Client, files: &Path) {
    const SIZE: usize = 512 * 1024;
    let whole = |byte: u8| vec![byte; SIZE];
    let put = (client.send_bytes(Method::PUT, "/race.bin", None, whole(b'a'))).await;
    assert_eq!(put.status, 201);
    let mut tasks = JoinSet::new();
    for round in 0..8 {
        let client = Client::at(client.base().to_string());
        tasks.spawn(async move {
            let byte = if round % 2 == 0 { b'a' } else { b'b' };
            let put = (client.send_bytes(Method::PUT, "/race.bin", None, vec![byte; SIZE])).await;
            assert_eq!(put.status, 204);
            let read = client.get("/race.bin").await;
            assert_eq!(read.status, 200);
            let body = read.body.as_bytes();
            let one_file = body == [b'a'; SIZE].as_slice() || body == [b'b'; SIZE].as_slice();
            assert!(one_file, "a read saw {} bytes of a mix", body.len());
        });
    }
    while let Some(task) = tasks.join_next().await {
        task.unwrap();
    }
    let deleted = client.send(Method::DELETE, "/race.bin", None, "").await;
    assert_eq!(deleted.status, 204);
    assert_eq!(names_in(files), ["hello.txt"]);
}

/// A listing while files come and go (each write's temporary file is
/// renamed away) lists what is there: an entry that vanishes under it is
/// no failure.
async fn listings_race_writes(client: &Client, files: &Path) {
    let mut tasks = JoinSet::new();
    for task in 0..8 {
        let client = Client::at(client.base().to_string());
        tasks.spawn(async move {
            for round in 0..25 {
                let (method, path) = match task % 2 {
                    0 => (Method::PUT, format!("/f{}.txt", round % 5)),
                    _ => (Method::GET, "/".to_string()),
                };
                let answer = client.send(method.clone(), &path, None, "x").await;
                assert!(answer.status < 300, "{method} {path}: {}", answer.body);
            }
        });
    }
    while let Some(task) = tasks.join_next().await {
        task.unwrap();
    }
    for round in 0..5 {
        let deleted = client
            .send(Method::DELETE, &format!("/f{round}.txt"), None, "")
            .await;
        assert_eq!(deleted.status, 204);
    }
    assert_eq!(names_in(files), ["hello.txt"]);
}

#[tokio::test]
async fn lists_reads_writes_and_deletes_under_devhost() {
    let project = project(str::to_string);
    let host = DevhostProcess::start(project.path(), &[]);
    lists_reads_writes_and_deletes(&host.client(), &project.path().join("files")).await;
    // A 204 has no body to send: no client went away.
    assert!(!host.output().contains("went away"), "{}", host.output());
}

#[tokio::test]
async fn refuses_names_that_would_leave_the_folder_under_devhost() {
    let project = project(str::to_string);
    let host = DevhostProcess::start(project.path(), &[]);
    refuses_names_that_would_leave_the_folder(&host.client(), &project.path().join("files")).await;
}

#[tokio::test]
async fn a_body_over_the_limit_writes_nothing_under_devhost() {
    let project = project(str::to_string);
    let host = DevhostProcess::start(project.path(), &[]);
    a_body_over_the_limit_writes_nothing(&host.client(), &project.path().join("files")).await;
}

#[tokio::test]
async fn writes_are_atomic_and_listings_race_them_under_devhost() {
    let project = project(str::to_string);
    let host = DevhostProcess::start(project.path(), &[]);
    let files = project.path().join("files");
    writes_are_atomic(&host.client(), &files).await;
    listings_race_writes(&host.client(), &files).await;
}

/// The project's `.wash/config.yaml` with its volume marked `read_only`.
fn read_only(config: &str) -> String {
    let marked = config.replace(
        "guest_path: /files",
        "guest_path: /files\n      read_only: true",
    );
    assert_ne!(marked, config, "no volume at /files to mark");
    marked
}

/// devhost's own `read_only: true` on a volume, as a manifest's
/// `readOnly` mount: reads work, every change is refused.
#[tokio::test]
async fn a_read_only_mount_refuses_changes_under_devhost() {
    let project = project(read_only);
    let host = DevhostProcess::start(project.path(), &[]);
    let client = host.client();
    assert_eq!(client.get("/hello.txt").await.body, HELLO);
    for (method, path) in [(Method::PUT, "/new.txt"), (Method::DELETE, "/hello.txt")] {
        let answer = client.send(method, path, None, "x").await;
        assert_eq!(
            (answer.status, answer.json_error()),
            (403, READ_ONLY.into())
        );
    }
    assert_eq!(names_in(&project.path().join("files")), ["hello.txt"]);
}

#[tokio::test]
async fn no_mount_is_a_named_error_under_devhost() {
    let project = project(|config| config.split("\ndev:").next().unwrap().to_string());
    let host = DevhostProcess::start(project.path(), &[]);
    let client = host.client();
    for (method, path) in [
        (Method::GET, "/"),
        (Method::GET, "/hello.txt"),
        (Method::PUT, "/new.txt"),
        (Method::DELETE, "/hello.txt"),
    ] {
        let answer = client.send(method, path, None, "x").await;
        assert_eq!(
            (answer.status, answer.json_error()),
            (503, NOT_MOUNTED.into())
        );
    }
}

/// A project of its own, since the test plants files in its `files/`; one
/// `wash dev` for all of it, since it takes seconds to start.
#[tokio::test]
async fn serves_files_safely_and_atomically_under_wash() {
    let project = edited_wash_project("http-files", "http-files-served", str::to_string);
    let host = WashDev::start(&project, None, &[]);
    serves_files(&host.client(), &project.join("files")).await;
}

/// wash has no read-only volumes: it takes `read_only: true` without a
/// word and mounts the folder read-write (devhost's README says so).
#[tokio::test]
async fn wash_mounts_a_read_only_volume_read_write() {
    let project = edited_wash_project("http-files", "http-files-read-only", read_only);
    let host = WashDev::start(&project, None, &[]);
    let client = host.client();
    let answer = client.send(Method::PUT, "/new.txt", None, "x").await;
    assert_eq!(answer.status, 201);
    let answer = client.send(Method::DELETE, "/hello.txt", None, "").await;
    assert_eq!(answer.status, 204);
    assert_eq!(names_in(&project.join("files")), ["new.txt"]);
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    let project = project(str::to_string);
    let host = DevhostProcess::start(project.path(), &[]);
    let readme = workspace_root().join("http-files/README.md");
    readme::check(&readme, &host.url, readme::Host::Devhost).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    readme::check_under_wash("http-files").await;
}
