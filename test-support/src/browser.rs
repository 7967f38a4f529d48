//! A headless Chromium for the browser tests: chromedriver on a free port,
//! driven with the fantoccini WebDriver client. Dropping it kills
//! chromedriver and every Chromium process it started.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::process::Process;

/// This machine has no network beyond loopback, and nothing should try it.
const CHROMIUM_ARGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

pub struct Browser {
    client: Client,
    driver: Process,
    /// A fresh profile, removed once the processes that use it are gone.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium with a window of `width` x `height` pixels.
    pub async fn start(width: u32, height: u32) -> Self {
        let mut command = Command::new("chromedriver");
        // A process group of its own, which the Chromium it starts joins:
        // drop kills the whole group.
        command.arg("--port=0").process_group(0);
        let mut driver = Process::spawn("chromedriver (Debian: chromium-driver)", command);
        // "ChromeDriver was started successfully on port 38271."
        let started = driver.wait_for_line(Duration::from_secs(30), |line| {
            line.starts_with("ChromeDriver was started successfully on port ")
        });
        let port = started.trim_end_matches('.').rsplit(' ').next().unwrap();

        let profile = tempfile::tempdir().unwrap();
        let mut args = CHROMIUM_ARGS.map(String::from).to_vec();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let options = json!({ "args": args });
        let capabilities = [("goog:chromeOptions".to_string(), options)]
            .into_iter()
            .collect();
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap();
        Self {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Loads `url` and waits for the page to finish loading.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The first element matching a CSS selector; it must exist.
    pub async fn find(&self, css: &str) -> Element {
        self.client.find(Locator::Css(css)).await.unwrap()
    }

    /// Every element matching a CSS selector, in document order.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    /// Clears an input and types `text` into it, key by key.
    pub async fn type_into(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Presses and releases one key, wherever the focus is.
    pub async fn press(&self, key: Key) {
        let value = char::from(key);
        let press = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client.perform_actions(press).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// The text an element shows, as rendered.
    pub async fn text(&self, element: &Element) -> String {
        element.text().await.unwrap()
    }

    /// The name a screen reader announces for an element: WebDriver's Get
    /// Computed Label, a command fantoccini has no method for.
    pub async fn label(&self, css: &str) -> String {
        let element = self.find(css).await;
        let label = ComputedLabel(element.element_id().to_string());
        let label = self.client.issue_cmd(label).await.unwrap();
        label.as_str().unwrap().to_owned()
    }

    /// Runs JavaScript in the page and returns what it returns.
    pub async fn script(&self, body: &str) -> Value {
        self.client.execute(body, Vec::new()).await.unwrap()
    }

    /// A PNG of what the window shows.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A negative id names the process group: chromedriver and every
        // Chromium process. (Chromium's crash handlers leave the group, but
        // exit on their own when the browser is gone.)
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    }
}

/// `GET /session/{id}/element/{element}/computedlabel`.
#[derive(Debug)]
struct ComputedLabel(String);

impl WebDriverCompatibleCommand for ComputedLabel {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session.unwrap_or_default();
        base.join(&format!(
            "session/{session}/element/{}/computedlabel",
            self.0
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::GET, None)
    }
}
