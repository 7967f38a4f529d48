//! The dev loop: `devhost -C <project>` builds, serves, watches the
//! project's files, and on each change builds again and swaps the new build
//! in while it keeps serving. Each test runs the devhost binary as a user
//! does, on a `cp -r` copy of a template outside the repository, renamed so
//! that its build output is its own (see `renamed_copy`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use test_support::clones::{cp_r, rename_package, renamed_copy, scratch, share_target, snapshot};
use test_support::devhost_process::devhost_command;
use test_support::nats_server::free_port;
use test_support::{DevhostProcess, NatsServer};

/// devhost on the project in `dir` as a user starts it: it builds first,
/// and watches (no `--no-build`, no `--no-watch`). On a free port, unless
/// the project's config names one.
fn watching(dir: &Path) -> DevhostProcess {
    let mut command = devhost_command();
    command.arg("-C").arg(dir);
    let config = std::fs::read_to_string(dir.join(".wash/config.yaml")).unwrap();
    if !config.contains("  address: ") {
        command.args(["--address", "127.0.0.1:0"]);
    }
    DevhostProcess::spawn(command)
}

/// Replaces `from` with `to` in the project's `file`, as an editor saves.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} lacks {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Waits until build `number` serves, and returns the log line saying so.
fn build_serving(host: &mut DevhostProcess, number: u64) -> String {
    let wanted = format!("devhost: build {number} serving");
    host.wait_for_line(|line| line.starts_with(&wanted))
}

#[tokio::test]
async fn an_edited_greeting_is_served_without_a_restart() {
    let dir = renamed_copy("http-hello", "loop-greeting");
    let mut host = watching(&dir);
    let client = host.client();
    assert_eq!(client.get("/").await.body, "Hello from wasmCloud!\n");

    edit(
        &dir,
        "src/lib.rs",
        "Hello from wasmCloud!",
        "Hello from the loop!",
    );
    let serving = build_serving(&mut host, 2);
    assert!(serving.contains("(new code in loop-greeting)"), "{serving}");
    // The same process, on the same port.
    assert!(host.is_running());
    assert_eq!(host.client().get("/").await.body, "Hello from the loop!\n");

    let log = host.output();
    assert!(
        log.contains("devhost: change in src/lib.rs, rebuilding"),
        "{log}"
    );
    assert!(log.contains("devhost: build succeeded in "), "{log}");
}

#[tokio::test]
async fn a_failed_build_keeps_the_last_good_one_serving_until_fixed() {
    let dir = renamed_copy("http-hello", "loop-broken");
    let mut host = watching(&dir);
    let client = host.client();

    // The `;` after the greeting goes: a syntax error.
    edit(&dir, "src/lib.rs", "wasmCloud!\\n\";", "wasmCloud!\\n\"");
    host.wait_for_line(|line| line == "devhost: still serving build 1");
    let log = host.output();
    // The compiler's own words, as cargo prints them.
    assert!(log.contains("error: expected `;`"), "{log}");
    assert!(log.contains("devhost: build failed in "), "{log}");
    assert_eq!(client.get("/").await.body, "Hello from wasmCloud!\n");

    edit(&dir, "src/lib.rs", "wasmCloud!\\n\"", "the fix!\\n\";");
    build_serving(&mut host, 2);
    assert_eq!(client.get("/").await.body, "Hello from the fix!\n");
}

#[tokio::test]
async fn a_first_build_that_fails_answers_503_with_the_error_then_200_once_fixed() {
    let dir = renamed_copy("http-hello", "loop-first");
    edit(&dir, "src/lib.rs", "wasmCloud!\\n\";", "wasmCloud!\\n\"");
    let mut host = watching(&dir);
    assert!(
        host.output()
            .contains("(nothing to serve until a build succeeds)"),
        "{}",
        host.output()
    );
    let client = host.client();
    let answer = client.get("/").await;
    assert_eq!(answer.status, 503, "{answer:?}");
    assert!(
        answer
            .body
            .contains("no build of this project has loaded yet")
    );
    assert!(
        answer.body.contains("error: expected `;`"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("src/lib.rs"), "{}", answer.body);

    edit(&dir, "src/lib.rs", "wasmCloud!\\n\"", "wasmCloud!\\n\";");
    build_serving(&mut host, 1);
    let answer = client.get("/").await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "Hello from wasmCloud!\n")
    );
}

#[tokio::test]
async fn key_value_counts_survive_a_swap() {
    let dir = renamed_copy("kv-counter", "loop-counter");
    let mut host = watching(&dir);
    let client = host.client();
    for expected in ["1", "2"] {
        let answer = client.post("/counters/apples", "").await;
        assert_eq!(answer.json()["count"].to_string(), expected, "{answer:?}");
    }
    assert_eq!(client.get("/").await.body, "Visit count: 1\n");

    edit(
        &dir,
        "src/lib.rs",
        "Visit count: {count}",
        "Visits so far: {count}",
    );
    build_serving(&mut host, 2);
    let answer = client.post("/counters/apples", "").await;
    assert_eq!(answer.json()["count"].to_string(), "3", "{answer:?}");
    assert_eq!(client.get("/").await.body, "Visits so far: 2\n");
}

/// The root project's pair, http-api and task-leet, in a workspace of
/// their own outside the repository, with the root's config and lock file.
fn root_project(name: &str) -> PathBuf {
    let dir = scratch().join("renamed").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let (api, worker) = (format!("{name}-api"), format!("{name}-leet"));
    for (template, renamed) in [("http-api", &api), ("task-leet", &worker)] {
        cp_r(&snapshot().join(template), &dir.join(template));
        rename_package(&dir.join(template), template, renamed);
    }
    let root = std::fs::read_to_string(snapshot().join("Cargo.toml")).unwrap();
    let profile = &root[root.find("[profile.release]").unwrap()..];
    let profile = &profile[..profile.find("\n\n").unwrap()];
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [\"http-api\", \"task-leet\"]\n\n{profile}\n"
        ),
    )
    .unwrap();
    std::fs::copy(snapshot().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::create_dir_all(dir.join(".wash")).unwrap();
    let config = std::fs::read_to_string(snapshot().join(".wash/config.yaml")).unwrap();
    let address = format!("dev:\n  address: 127.0.0.1:{}\n", free_port());
    let config = config
        .replacen("dev:\n", &address, 1)
        .replace("http_api.wasm", &format!("{}.wasm", api.replace('-', "_")))
        .replace(
            "task_leet.wasm",
            &format!("{}.wasm", worker.replace('-', "_")),
        );
    std::fs::write(dir.join(".wash/config.yaml"), config).unwrap();
    share_target(&dir);
    dir
}

#[tokio::test]
async fn editing_task_leet_changes_http_apis_replies() {
    let dir = root_project("loop-root");
    let mut host = watching(&dir);
    let task = r#"{"payload":"Hello World"}"#;
    assert_eq!(host.post_task(task).await.body, "H3110 W0r1d");

    edit(
        &dir,
        "task-leet/src/leet.rs",
        "('e', _) => '3'",
        "('e', _) => 'E'",
    );
    let serving = build_serving(&mut host, 2);
    assert!(serving.contains("(new code in task-leet)"), "{serving}");
    assert_eq!(host.post_task(task).await.body, "HE110 W0r1d");

    // A config value applies without a restart, and without new code.
    edit(&dir, ".wash/config.yaml", "style: basic", "style: extended");
    let serving = build_serving(&mut host, 3);
    assert!(serving.contains("(no component changed)"), "{serving}");
    let answer = host.post_task(r#"{"payload":"big zebra"}"#).await;
    assert_eq!(answer.body, "819 2E8r4");

    // The address cannot change under a running host: it says so, and
    // keeps serving where it listens.
    edit(
        &dir,
        ".wash/config.yaml",
        "  address: ",
        "  address: 127.0.0.1:1\n  #",
    );
    host.wait_for_line(|line| {
        line.starts_with("devhost: dev.address is now 127.0.0.1:1: restart devhost")
    });
    build_serving(&mut host, 4);
    assert_eq!(host.post_task(task).await.body, "HE110 W0r1d");
}

/// 16 clients ask for the greeting, each on its own kept-alive connection,
/// while the greeting is edited three times: every request is answered 200,
/// and the answers show each build. (Two threads: the test's own waits for
/// log lines block one.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_load_across_swaps_fails_no_request() {
    let dir = renamed_copy("http-hello", "loop-load");
    let mut host = watching(&dir);
    let url = format!("{}/", host.url);
    let stop = Arc::new(AtomicBool::new(false));
    let (answered, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut clients = Vec::new();
    for _ in 0..16 {
        let (url, stop) = (url.clone(), Arc::clone(&stop));
        let (answered, failed) = (Arc::clone(&answered), Arc::clone(&failed));
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap();
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let answer = match http.get(&url).send().await {
                    Ok(response) if response.status() == 200 => response.text().await.ok(),
                    _ => None,
                };
                match answer {
                    Some(body) => {
                        answered.fetch_add(1, Ordering::Relaxed);
                        if !seen.contains(&body) {
                            seen.push(body);
                        }
                    }
                    None => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            seen
        }));
    }
    while answered.load(Ordering::Relaxed) < 16 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut greeting = "Hello from wasmCloud!".to_string();
    for build in 2..=4 {
        let next = format!("Hello from build {build}!");
        edit(&dir, "src/lib.rs", &greeting, &next);
        build_serving(&mut host, build);
        greeting = next;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut seen = Vec::new();
    for client in clients {
        seen.extend(client.await.unwrap());
    }
    let (answered, failed) = (
        answered.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    assert_eq!(failed, 0, "{failed} of {} failed", answered + failed);
    assert!(answered > 16, "{answered}");
    for build in ["wasmCloud", "build 2", "build 3", "build 4"] {
        let body = format!("Hello from {build}!\n");
        assert!(seen.contains(&body), "no answer {body:?} among {seen:?}");
    }
}

/// task-leet over NATS, answering http-api on another host: a new build
/// of the worker takes the same NATS subscriptions (it subscribes once),
/// and its answers change.
#[tokio::test]
async fn nats_subscriptions_stay_through_a_swap() {
    let nats = NatsServer::start();
    let dir = renamed_copy("task-leet", "loop-worker");
    edit(
        &dir,
        ".wash/config.yaml",
        "nats://127.0.0.1:4222",
        &nats.url(),
    );
    let mut worker = watching(&dir);
    let api = DevhostProcess::crate_over_nats("http-api", &nats.url());
    let task = r#"{"payload":"Hello World"}"#;
    assert_eq!(api.post_task(task).await.body, "H3110 W0r1d");

    edit(&dir, "src/leet.rs", "('e', _) => '3'", "('e', _) => 'E'");
    build_serving(&mut worker, 2);
    assert_eq!(api.post_task(task).await.body, "HE110 W0r1d");
    let subscribed = worker.output().matches(" subscribes to ").count();
    assert_eq!(subscribed, 2, "{}", worker.output());
}

/// A component taken out of `.wash/config.yaml` is gone with the next
/// build, and one put back is there again, without a restart.
#[tokio::test]
async fn a_component_removed_from_the_config_and_put_back() {
    let dir = root_project("loop-members");
    let mut host = watching(&dir);
    let task = r#"{"payload":"Hello World"}"#;
    assert_eq!(host.post_task(task).await.body, "H3110 W0r1d");

    let config_path = dir.join(".wash/config.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let components = config.find("  components:").unwrap();
    std::fs::write(&config_path, &config[..components]).unwrap();
    build_serving(&mut host, 2);
    let answer = host.post_task(task).await;
    assert_eq!(answer.status, 502, "{answer:?}");
    assert!(answer.body.contains("no subscriber"), "{answer:?}");

    std::fs::write(&config_path, &config).unwrap();
    build_serving(&mut host, 3);
    assert_eq!(host.post_task(task).await.body, "H3110 W0r1d");
}
