//! Shared by the end-to-end tests: build the components once, start a dev
//! host on an ephemeral loopback port, and talk HTTP to it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

pub use devhost::RunningHost;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The cargo that runs these tests, so the nested builds use the same toolchain.
pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The `devhost` binary, run from the workspace root. Its nested builds
/// must not inherit the test run's target directory.
pub fn devhost_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devhost"));
    command
        .current_dir(workspace_root())
        .env_remove("CARGO_TARGET_DIR");
    command
}

/// Runs the root build command once per test run: the five components,
/// exactly as `wash build` / `wash dev` would build them at the root. It must
/// succeed without a single warning.
pub fn build_components() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let output = Command::new(cargo())
            .args(["build", "--target", "wasm32-wasip2", "--release"])
            .current_dir(workspace_root())
            // The configs name `target/...`: keep the output there.
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "component build failed:\n{stderr}");
        assert!(
            !stderr.contains("warning"),
            "component build warned:\n{stderr}"
        );
    });
}

/// The root build's output for a component, by its artifact name (`http_hello`).
pub fn built_component(artifact: &str) -> PathBuf {
    build_components();
    workspace_root().join(format!("target/wasm32-wasip2/release/{artifact}.wasm"))
}

/// Starts a dev host for a project directory (`"."` is the root config, or a
/// crate name) on a free loopback port, running its build command first:
/// the tests use the real configs, not copies of them.
pub async fn start(project: &str) -> RunningHost {
    start_with_timeout(project, devhost::DEFAULT_REQUEST_TIMEOUT).await
}

pub async fn start_with_timeout(project: &str, request_timeout: Duration) -> RunningHost {
    build_components();
    let options = devhost::Options {
        project_dir: workspace_root().join(project),
        address: Some(([127, 0, 0, 1], 0).into()),
        build: true,
        request_timeout,
        quiet: true,
        nats_url: None,
    };
    devhost::start(options).await.unwrap()
}

/// What a test reads from a response.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The `error` message of a JSON error body, checking its content type.
    pub fn json_error(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        let body: serde_json::Value = serde_json::from_str(&self.body).unwrap();
        let message = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error in {body}"));
        assert!(!message.is_empty());
        message.to_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A client for one host; keeps connections alive like a browser would.
pub struct Client {
    http: reqwest::Client,
    base: String,
}

/// A request that hangs fails its test instead of stalling the run: no
/// answer here takes more than the 5 s http-api gives a worker.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

impl Client {
    pub fn new(host: &RunningHost) -> Self {
        Self::at(format!("http://{}", host.local_addr()))
    }

    /// A client for the host at `base`, such as `http://127.0.0.1:8000`.
    pub fn at(base: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap();
        Self { http, base }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, None, "").await
    }

    pub async fn post(&self, path: &str, body: &str) -> Answer {
        self.send(reqwest::Method::POST, path, None, body).await
    }

    pub async fn post_json(&self, path: &str, body: &str) -> Answer {
        self.send(reqwest::Method::POST, path, Some("application/json"), body)
            .await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Answer {
        self.send_bytes(method, path, content_type, body.as_bytes().to_vec())
            .await
    }

    pub async fn send_bytes(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }
}
