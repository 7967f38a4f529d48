//! http-api's web page in a real browser: headless Chromium, driven over
//! WebDriver (the fantoccini client), against the page the root dev loop
//! serves. The tests type,
//! click and press keys as a person would, and read what the page shows.
//!
//! They need `chromium` and `chromedriver` (Debian: chromium-driver) on
//! the PATH; `scripts/test` installs them.

mod driver;

use crate::support::{start_host, workspace_root};
use driver::Browser;
use fantoccini::key::Key;
use serde_json::json;
use std::time::{Duration, Instant};

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
struct Answer {
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
async fn newest_answer(browser: &Browser, count: usize) -> Answer {
    let started = Instant::now();
    while browser.find_all("#replies > li pre").await.len() < count {
        assert!(
            started.elapsed() < DEADLINE,
            "the page showed no answer {count} within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Answer {
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
