//! http-api and the task-leet worker over HTTP: under devhost from the root
//! `.wash/config.yaml` (the two linked in one host), and under wash as two
//! `wash dev` hosts joined by NATS, as their READMEs run them; their
//! READMEs and the root's; and http-api's web page in a real browser.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use reqwest::Method;
use serde_json::json;
use test_support::browser::Browser;
use test_support::readme;
use test_support::wash::{built_project, root_project};
use test_support::{
    Answer, Client, WashDev, WashPair, built_component, start_host, start_host_in, workspace_root,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a host answers for a worker nobody subscribes to (http-api's
/// README quotes them).
struct NoWorker {
    status: u16,
    error: &'static str,
}

/// devhost's in-process broker knows at once that nobody listens.
const DEVHOST_NO_WORKER: NoWorker = NoWorker {
    status: 502,
    error: "worker nobody did not answer: no subscriber for subject tasks.nobody",
};
/// So does NATS, under wash and devhost alike.
const WASH_NATS_NO_WORKER: NoWorker = NoWorker {
    status: 502,
    error: "worker nobody did not answer: failed to send request: no responders: no responders",
};
/// wash's in-process broker (the pair in one `wash dev`) waits out the
/// request's 5 s timeout.
const WASH_IN_PROCESS_NO_WORKER: NoWorker = NoWorker {
    status: 504,
    error: "worker nobody did not answer: request timed out after 5000ms",
};

/// Everything http-api answers, with a host's answer for a worker nobody
/// subscribes to.
async fn answers_every_request(client: &Client, no_worker: NoWorker) {
    tasks_get_the_workers_reply(client).await;
    bad_requests_get_json_errors(client).await;
    a_task_for_no_worker_fails(client, no_worker).await;
    serves_the_page_and_head_alike(client).await;
}

async fn tasks_get_the_workers_reply(client: &Client) {
    for (body, reply) in [
        (
            r#"{"worker":"task-leet","payload":"Hello World"}"#,
            "H3110 W0r1d",
        ),
        (
            r#"{"worker":"leet","payload":"Hello World"}"#,
            "H3110 W0r1d",
        ),
        (
            r#"{"payload":"Straße, Ünïcödé! 🚀"}"#,
            "57r4ß3, Ünïcödé! 🚀",
        ),
    ] {
        let answer = client.post_json("/task", body).await;
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(answer.body, reply, "{body}");
    }
}

/// Each kind of refusal once; the finer cases are unit tests in task.rs.
async fn bad_requests_get_json_errors(client: &Client) {
    for body in [
        "garbage",
        "{}",
        r#"{"payload":42}"#,
        r#"{"payload":""}"#,
        r#"{"worker":"leet.>","payload":"x"}"#,
    ] {
        let answer = client.post_json("/task", body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        answer.json_error();
    }
    let too_large = format!(r#"{{"payload":"{}"}}"#, "x".repeat(100 * 1024));
    let answer = client.post_json("/task", &too_large).await;
    assert_eq!(answer.status, 413);
    answer.json_error();
    chunked_body_over_the_limit(client.base()).await;
    for (method, path, allow) in [
        (Method::GET, "/task", "POST"),
        (Method::POST, "/", "GET, HEAD"),
        (Method::DELETE, "/", "GET, HEAD"),
    ] {
        let answer = client.send(method, path, None, "").await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.header("allow"), Some(allow), "{path}");
        answer.json_error();
    }
    let answer = client.post_json("/tasks", r#"{"payload":"x"}"#).await;
    assert_eq!(answer.status, 404);
    answer.json_error();
}

/// Nobody subscribes: where the host knows it, a 502 comes at once, not
/// after the 5 s reply timeout (which makes it a 504). Not a speed check.
async fn a_task_for_no_worker_fails(client: &Client, no_worker: NoWorker) {
    let started = Instant::now();
    let answer = client
        .post_json("/task", r#"{"worker":"nobody","payload":"x"}"#)
        .await;
    assert_eq!(answer.status, no_worker.status);
    assert_eq!(answer.json_error(), no_worker.error);
    if no_worker.status == 502 {
        assert!(started.elapsed() < Duration::from_millis(2500));
    }
}

/// `GET /` is the page; `HEAD /` has the same headers and no body.
async fn serves_the_page_and_head_alike(client: &Client) {
    let get = client.get("/").await;
    assert_eq!(get.status, 200);
    assert_eq!(get.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(get.body.starts_with("<!doctype html>"), "{}", get.body);
    let head = client.send(Method::HEAD, "/", None, "").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
    // All but the date and the framing the server picks for a body
    // (`transfer-encoding: chunked` for GET; HEAD has no body to frame).
    let headers = |answer: &Answer| {
        let mut headers: Vec<String> = (answer.headers.iter())
            .filter(|(name, _)| !matches!(name.as_str(), "date" | "transfer-encoding"))
            .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
            .collect();
        headers.sort();
        headers
    };
    assert_eq!(headers(&head), headers(&get));
}

/// No content-length: the 64 KiB limit must hold while the body streams in.
async fn chunked_body_over_the_limit(base: &str) {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = "POST /task HTTP/1.1\r\nhost: localhost\r\ntransfer-encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 8192, "x".repeat(8192));
    for _ in 0..9 {
        // The host may answer and close before it has read everything.
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = vec![0; 1024];
    let read = stream.read(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response[..read]);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
}

#[tokio::test]
async fn tasks_get_the_workers_reply_under_devhost() {
    let host = start_host(".").await;
    assert_eq!(host.http_component().as_deref(), Some("http-api"));
    tasks_get_the_workers_reply(&Client::new(&host)).await;
}

#[tokio::test]
async fn bad_requests_get_json_errors_under_devhost() {
    let host = start_host(".").await;
    bad_requests_get_json_errors(&Client::new(&host)).await;
}

#[tokio::test]
async fn a_task_for_no_worker_fails_at_once_under_devhost() {
    let host = start_host(".").await;
    a_task_for_no_worker_fails(&Client::new(&host), DEVHOST_NO_WORKER).await;
}

#[tokio::test]
async fn serves_the_page_and_head_alike_under_devhost() {
    let host = start_host(".").await;
    serves_the_page_and_head_alike(&Client::new(&host)).await;
}

/// One pair of `wash dev` hosts for all of it: each takes seconds to start.
#[tokio::test]
async fn answers_every_request_with_the_worker_on_another_wash_host() {
    let pair = WashPair::start();
    answers_every_request(&pair.api.client(), WASH_NATS_NO_WORKER).await;
    // The worker's host serves no HTTP: wash answers 404 with no body.
    let answer = pair.worker.client().get("/").await;
    assert_eq!((answer.status, answer.body.as_str()), (404, ""));
}

/// The pair in one host, as one `wash dev` at the repository root serves
/// it: http-api with task-leet linked beside it, messages passed in
/// process. (wash 2.7.0 cannot link http-api there; the root README says
/// what it answers.) The root README's examples run against it too.
#[tokio::test]
async fn one_wash_dev_at_the_root_serves_the_pair() {
    let root = root_project();
    let wash = WashDev::start(&root, None, &[]);
    answers_every_request(&wash.client(), WASH_IN_PROCESS_NO_WORKER).await;
    readme::check(&root.join("README.md"), &wash.url, readme::Host::Wash).await;
}

// The pair in one host with no `subscriptions` in task-leet's config: the
// hosts read that differently (devhost's README says so).

const TO_ANYONE: &str = r#"{"worker":"anyone","payload":"Hello World"}"#;

/// devhost hands a component without `subscriptions` no messages.
#[tokio::test]
async fn devhost_hands_a_worker_without_subscriptions_nothing() {
    let project = test_support::workspace::scratch_project(&format!(
        "build:\n  component_path: {}\ndev:\n  components:\n    - name: task-leet\n      \
         file: {}\n",
        built_component("http-api").display(),
        built_component("task-leet").display(),
    ));
    let host = start_host_in(project.path()).await;
    let answer = Client::new(&host).post_json("/task", TO_ANYONE).await;
    assert_eq!(answer.status, 502);
    assert_eq!(
        answer.json_error(),
        "worker anyone did not answer: no subscriber for subject tasks.anyone"
    );
}

/// wash's in-process broker hands it every subject.
#[tokio::test]
async fn one_wash_dev_hands_a_worker_without_subscriptions_every_subject() {
    let unsubscribed = [(
        "WASH_DEV",
        r#"{components=[{name="task-leet", file="target/wasm32-wasip2/release/task_leet.wasm"}]}"#,
    )];
    let wash = WashDev::start(&root_project(), None, &unsubscribed);
    let answer = wash.client().post_json("/task", TO_ANYONE).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "H3110 W0r1d"));
}

/// The root README's examples are the pair's, as the root dev loop serves it.
#[tokio::test]
async fn root_readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("README.md", ".").await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("http-api/README.md", ".").await;
}

/// The root README's, http-api's and task-leet's, against the pair of
/// `wash dev` hosts, each README from its `wash new` project.
#[tokio::test]
async fn readme_examples_print_what_they_show_under_two_wash_hosts() {
    let pair = WashPair::start();
    // Both projects were made and built for the pair.
    let project = |template| built_project(template).join("README.md");
    for readme in [
        workspace_root().join("README.md"),
        project("http-api"),
        project("task-leet"),
    ] {
        readme::check(&readme, &pair.api.url, readme::Host::Wash).await;
    }
}

// http-api's web page in a real browser: headless Chromium, driven over
// WebDriver (the fantoccini client), against the page the root dev loop
// serves. The tests type, click and press keys as a person would, and read
// what the page shows. They need `chromium` and `chromedriver` (Debian:
// chromium-driver) on the PATH; `scripts/test` installs them.

/// How long the page may take to show an answer; a reply takes milliseconds.
const DEADLINE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn the_page_shows_each_reply_and_error_newest_first() {
    let host = start_host(".").await;
    let browser = Browser::start(640, 460).await;
    browser
        .open(&format!("http://{}/", host.local_addr()))
        .await;

    browser.type_into("[name=payload]", "Hello World").await;
    browser.click("button").await;
    let reply = newest_answer(&browser, 1).await;
    assert_eq!(reply.title, "200 reply");
    assert_eq!(reply.text, "H3110 W0r1d");
    assert!(
        reply.detail.starts_with("worker leet · ") && reply.detail.ends_with(" ms"),
        "{}",
        reply.detail
    );
    save_screenshot(&browser).await;

    // Clearing the payload and pressing Enter sends an empty one.
    browser.type_into("[name=payload]", &Key::Enter).await;
    let refused = newest_answer(&browser, 2).await;
    assert_eq!(refused.title, "400 the task was refused");
    assert_eq!(refused.text, "payload must not be empty");

    browser.type_into("[name=worker]", "nobody").await;
    browser
        .type_into("[name=payload]", &format!("x{}", Key::Enter))
        .await;
    let unanswered = newest_answer(&browser, 3).await;
    assert_eq!(unanswered.title, "502 no worker answered");
    assert_eq!(
        unanswered.text,
        "worker nobody did not answer: no subscriber for subject tasks.nobody"
    );

    // 70,000 keystrokes would take a while: the payload is set directly.
    browser.type_into("[name=worker]", "leet").await;
    let payload = "document.forms[0].payload.value = 'x'.repeat(70000)";
    browser.script(payload).await;
    browser.click("button").await;
    let too_large = newest_answer(&browser, 4).await;
    assert_eq!(too_large.title, "413 the payload is over 64 KiB");
    assert_eq!(too_large.text, "the request body is over 64 KiB");

    // Newest first: the first reply is now at the bottom.
    let oldest = browser.find("#replies > li:last-child pre").await;
    assert_eq!(browser.text(&oldest).await, "H3110 W0r1d");

    // Everything the page fetched came from the host that served it.
    let fetched = "return performance.getEntriesByType('resource').map(entry => entry.name)";
    let fetched = browser.script(fetched).await;
    let origin = format!("http://{}/", host.local_addr());
    for url in fetched.as_array().unwrap() {
        assert!(url.as_str().unwrap().starts_with(&origin), "fetched {url}");
    }
}

#[tokio::test]
async fn the_page_works_from_the_keyboard_on_a_narrow_screen() {
    let host = start_host(".").await;
    let browser = Browser::start(320, 640).await;
    browser
        .open(&format!("http://{}/", host.local_addr()))
        .await;

    // What a screen reader announces for each control.
    assert_eq!(browser.label("[name=worker]").await, "Worker");
    assert_eq!(browser.label("[name=payload]").await, "Payload");
    assert_eq!(browser.label("button").await, "Send");

    // Tab walks the form in reading order; Enter on the button sends the
    // example the page starts with: "Hello World" to the default worker.
    for expected in ["worker", "payload", "BUTTON"] {
        browser.press(Key::Tab).await;
        let focused = "const e = document.activeElement; return e.name || e.tagName";
        assert_eq!(browser.script(focused).await, json!(expected));
    }
    browser.press(Key::Enter).await;
    let reply = newest_answer(&browser, 1).await;
    assert_eq!(reply.text, "H3110 W0r1d");
    assert!(
        reply.detail.starts_with("worker leet · "),
        "{}",
        reply.detail
    );

    // A long unbroken reply wraps instead of widening the page.
    let long_word = format!("{}{}", "x".repeat(300), Key::Enter);
    browser.type_into("[name=payload]", &long_word).await;
    newest_answer(&browser, 2).await;
    let overflow = "const page = document.documentElement; \
                    return page.scrollWidth - page.clientWidth";
    assert_eq!(browser.script(overflow).await, json!(0));
}

/// One answer as the page shows it.
struct Shown {
    /// The status and what it means, such as `400 the task was refused`.
    title: String,
    /// The worker and the round-trip time.
    detail: String,
    /// The reply, or the error message.
    text: String,
}

/// Waits until the page shows `count` answers, then reads the newest (the
/// first). An answer that is still on its way says "sending…" and has no
/// text yet.
async fn newest_answer(browser: &Browser, count: usize) -> Shown {
    let started = Instant::now();
    while browser.find_all("#replies > li pre").await.len() < count {
        assert!(
            started.elapsed() < DEADLINE,
            "the page showed no answer {count} within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Shown {
        title: newest_part(browser, "b").await,
        detail: newest_part(browser, "small").await,
        text: newest_part(browser, "pre").await,
    }
}

async fn newest_part(browser: &Browser, tag: &str) -> String {
    let part = browser
        .find(&format!("#replies > li:first-child {tag}"))
        .await;
    browser.text(&part).await
}

/// Keeps a picture of the page after a reply: the one in http-api's README
/// (http-api/docs/http-api.png) is a copy of one.
async fn save_screenshot(browser: &Browser) {
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    let dir = workspace_root().join("target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("http-api.png"), png).unwrap();
}
