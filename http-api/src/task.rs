//! Parses and checks a task request. No host calls, so it is unit tested
//! natively, with the status each mistake maps to.

use crate::error::ApiError;
use serde::Deserialize;
use wstd::http::StatusCode;

/// The worker that answers when a request names none.
pub const DEFAULT_WORKER: &str = "leet";
pub const MAX_WORKER_LEN: usize = 64;

/// A valid task: a worker to send to and a non-empty payload.
#[derive(Debug, PartialEq)]
pub struct Task {
    pub worker: String,
    pub payload: String,
}

/// The JSON body as sent: `{"worker"?: string, "payload": string}`.
#[derive(Deserialize)]
struct TaskRequest {
    worker: Option<String>,
    payload: String,
}

impl Task {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        let bad_request = |message: String| ApiError::new(StatusCode::BAD_REQUEST, message);
        let request: TaskRequest = serde_json::from_slice(body)
            .map_err(|error| bad_request(format!("invalid task JSON: {error}")))?;
        if request.payload.is_empty() {
            return Err(bad_request("payload must not be empty".into()));
        }
        let worker = request.worker.unwrap_or_else(|| DEFAULT_WORKER.into());
        if !is_plain_token(&worker) {
            return Err(bad_request(format!(
                "worker must be 1 to {MAX_WORKER_LEN} characters of a-z, 0-9 or '-'"
            )));
        }
        Ok(Self {
            worker,
            payload: request.payload,
        })
    }

    /// The messaging subject this task is sent to.
    pub fn subject(&self) -> String {
        format!("tasks.{}", self.worker)
    }

    /// The subject of the event that says this task was done.
    pub fn done_subject(&self) -> String {
        format!("events.task-done.{}", self.worker)
    }
}

/// A worker name becomes one token of a NATS subject, so it may not hold
/// `.`, `*`, `>` or spaces: those would let a client address other subjects.
fn is_plain_token(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    !name.is_empty() && name.len() <= MAX_WORKER_LEN && name.chars().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(body: &str) -> ApiError {
        Task::parse(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn parses_worker_and_payload() {
        let task = Task::parse(br#"{"worker":"task-leet","payload":"Hello World"}"#).unwrap();
        assert_eq!(task.worker, "task-leet");
        assert_eq!(task.payload, "Hello World");
        assert_eq!(task.subject(), "tasks.task-leet");
        assert_eq!(task.done_subject(), "events.task-done.task-leet");
    }

    #[test]
    fn worker_defaults_to_leet() {
        for body in [r#"{"payload":"hi"}"#, r#"{"worker":null,"payload":"hi"}"#] {
            assert_eq!(
                Task::parse(body.as_bytes()).unwrap().subject(),
                "tasks.leet"
            );
        }
    }

    #[test]
    fn malformed_or_misshapen_json_is_a_bad_request() {
        for body in [
            "",
            "garbage",
            "{",
            "[]",
            "{}",
            r#"{"payload":42}"#,
            r#"{"payload":null}"#,
            r#"{"worker":7,"payload":"x"}"#,
            r#"{"payload":["x"]}"#,
        ] {
            let error = rejected(body);
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{body}");
            assert!(
                error.message.starts_with("invalid task JSON"),
                "{body}: {}",
                error.message
            );
        }
    }

    #[test]
    fn empty_payload_is_a_bad_request() {
        let error = rejected(r#"{"payload":""}"#);
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.message, "payload must not be empty");
    }

    #[test]
    fn worker_names_that_could_reach_other_subjects_are_bad_requests() {
        let too_long = "a".repeat(MAX_WORKER_LEN + 1);
        for worker in [
            "",
            "a.b",
            "leet.>",
            "*",
            ">",
            "a b",
            "Leet",
            "a\u{0}",
            too_long.as_str(),
        ] {
            let body = serde_json::json!({ "worker": worker, "payload": "x" }).to_string();
            let error = rejected(&body);
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{worker:?}");
            assert!(error.message.starts_with("worker must be"), "{worker:?}");
        }
        let longest = "a".repeat(MAX_WORKER_LEN);
        let body = serde_json::json!({ "worker": longest, "payload": "x" }).to_string();
        assert!(Task::parse(body.as_bytes()).is_ok());
    }
}
