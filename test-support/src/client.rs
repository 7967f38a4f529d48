//! An HTTP client for the tests, and what they read from a response.

use std::time::Duration;

use devhost::RunningHost;

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

    /// The host's address, as given to [`Self::at`].
    pub fn base(&self) -> &str {
        &self.base
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
