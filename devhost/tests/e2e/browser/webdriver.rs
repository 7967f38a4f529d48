//! Just enough WebDriver (https://www.w3.org/TR/webdriver2/) to use a page
//! as a person would: chromedriver starts a headless Chromium and takes
//! commands as JSON over HTTP on loopback.

use base64::Engine;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// WebDriver's codes for the Enter and Tab keys, for `type_into` and `press`.
pub const ENTER: &str = "\u{E007}";
pub const TAB: &str = "\u{E004}";

/// The JSON key WebDriver names an element by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

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

/// A headless Chromium and its chromedriver; dropping it kills both.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>/session/<id>`, where every command goes.
    session: String,
    /// A fresh profile, removed once the processes that use it are gone.
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium with a window of `width` x `height` pixels.
    pub async fn start(width: u32, height: u32) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let mut driver = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // A process group of its own, which the Chromium it starts joins:
            // drop kills the whole group.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot run chromedriver ({error}): install chromium and chromium-driver")
            });
        let stdout = driver.stdout.take().unwrap();
        let mut browser = Self {
            driver,
            http: reqwest::Client::new(),
            session: String::new(),
            profile,
        };
        let port = listening_port(stdout).await;

        let mut args = CHROMIUM_ARGS.map(String::from).to_vec();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!(
            "--user-data-dir={}",
            browser.profile.path().display()
        ));
        let capabilities = json!({
            "capabilities": { "alwaysMatch": { "goog:chromeOptions": { "args": args } } }
        });
        let url = format!("http://127.0.0.1:{port}/session");
        let created = browser
            .call(reqwest::Method::POST, &url, Some(capabilities))
            .await;
        browser.session = format!("{url}/{}", created["sessionId"].as_str().unwrap());
        browser
    }

    /// Loads `url` and waits for the page to finish loading.
    pub async fn open(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// The first element matching a CSS selector; it must exist.
    pub async fn find(&self, css: &str) -> String {
        let found = self.post("/element", by_css(css)).await;
        element_id(&found)
    }

    /// Every element matching a CSS selector, in document order.
    pub async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.post("/elements", by_css(css)).await;
        found.as_array().unwrap().iter().map(element_id).collect()
    }

    /// Clears an input and types `text` into it, key by key.
    pub async fn type_into(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        self.post(&format!("/element/{input}/clear"), json!({}))
            .await;
        let keys = json!({ "text": text });
        self.post(&format!("/element/{input}/value"), keys).await;
    }

    /// Presses and releases one key, wherever the focus is.
    pub async fn press(&self, key: &str) {
        let press = [
            json!({ "type": "keyDown", "value": key }),
            json!({ "type": "keyUp", "value": key }),
        ];
        let keyboard = json!({ "type": "key", "id": "keyboard", "actions": press });
        self.post("/actions", json!({ "actions": [keyboard] }))
            .await;
    }

    pub async fn click(&self, css: &str) {
        let target = self.find(css).await;
        self.post(&format!("/element/{target}/click"), json!({}))
            .await;
    }

    /// The text an element shows, as rendered.
    pub async fn text(&self, element: &str) -> String {
        let text = self.get(&format!("/element/{element}/text")).await;
        text.as_str().unwrap().to_owned()
    }

    /// The name a screen reader announces for an element.
    pub async fn label(&self, css: &str) -> String {
        let element = self.find(css).await;
        let label = self.get(&format!("/element/{element}/computedlabel")).await;
        label.as_str().unwrap().to_owned()
    }

    /// Runs JavaScript in the page and returns what it returns.
    pub async fn script(&self, body: &str) -> Value {
        self.post("/execute/sync", json!({ "script": body, "args": [] }))
            .await
    }

    /// A PNG of what the window shows.
    pub async fn screenshot(&self) -> Vec<u8> {
        let encoded = self.get("/screenshot").await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap())
            .unwrap()
    }

    async fn get(&self, command: &str) -> Value {
        let url = format!("{}{command}", self.session);
        self.call(reqwest::Method::GET, &url, None).await
    }

    async fn post(&self, command: &str, body: Value) -> Value {
        let url = format!("{}{command}", self.session);
        self.call(reqwest::Method::POST, &url, Some(body)).await
    }

    /// Sends one command; WebDriver answers `{"value": ...}`, or an error
    /// with a message in it, which fails the test.
    async fn call(&self, method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let ok = response.status().is_success();
        let mut answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert!(ok, "WebDriver {url}: {answer}");
        answer["value"].take()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A negative id names the process group: chromedriver and every
        // Chromium process. (Chromium's crash handlers leave the group, but
        // exit on their own when the browser is gone.)
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// chromedriver picks a free port (`--port=0`) and says which on stdout.
async fn listening_port(stdout: ChildStdout) -> u16 {
    let (found, port) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        // Reads to the end, so that chromedriver never blocks on a full pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let port = line
                .strip_prefix("ChromeDriver was started successfully on port ")
                .and_then(|rest| rest.trim_end_matches('.').parse::<u16>().ok());
            if let Some(port) = port
                && let Some(found) = found.take()
            {
                let _ = found.send(port);
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(30), port)
        .await
        .expect("chromedriver did not start within 30 s")
        .expect("chromedriver exited without saying its port")
}

fn by_css(selector: &str) -> Value {
    json!({ "using": "css selector", "value": selector })
}

fn element_id(found: &Value) -> String {
    found[ELEMENT].as_str().unwrap().to_owned()
}
