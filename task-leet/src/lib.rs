//! A headless worker: it answers each message it receives with the message's
//! text in leetspeak, published to the message's `reply_to` subject.
//!
//! The host delivers messages for the subjects in this component's
//! `subscriptions` config (see `.wash/config.yaml`); its `style` config
//! says which letters to change (`leet.rs`).

mod leet;

mod bindings {
    // The generated export glue needs `unsafe`; the rest of the crate may not.
    #![allow(unsafe_code)]
    wit_bindgen::generate!({
        path: "wit",
        world: "wasmcloud:templates/task-leet",
        generate_all,
    });
}

use bindings::exports::wasmcloud::messaging::handler::Guest;
use bindings::wasi::config::store;
use bindings::wasmcloud::messaging::{consumer, types::BrokerMessage};
use leet::Style;

struct TaskLeet;

impl Guest for TaskLeet {
    fn handle_message(msg: BrokerMessage) -> Result<(), String> {
        let reply = reply_to(msg, configured_style()?)?;
        consumer::publish(&reply)
    }
}

/// The `style` setting from `wasi:config` (read for every message, so a
/// host that changes the config changes the next reply).
fn configured_style() -> Result<Style, String> {
    match store::get(Style::KEY) {
        Ok(value) => Style::from_setting(value.as_deref()),
        Err(store::Error::Upstream(reason) | store::Error::Io(reason)) => {
            Err(["cannot read config: ", &reason].concat())
        }
    }
}

/// Builds the reply for a request: the leetspeak body, addressed to the
/// sender's `reply_to` subject. Errors go back to the host, which hands them
/// to the requester.
fn reply_to(msg: BrokerMessage, style: Style) -> Result<BrokerMessage, String> {
    let subject = msg
        .reply_to
        .ok_or_else(|| String::from("missing reply_to"))?;
    let text =
        String::from_utf8(msg.body).map_err(|_| String::from("message body is not valid UTF-8"))?;
    Ok(BrokerMessage {
        subject,
        body: leet::translate(&text, style).into_bytes(),
        reply_to: None,
    })
}

// The export glue is generated `unsafe` code: allowed here, and only here.
#[allow(unsafe_code)]
mod export {
    use super::TaskLeet;
    crate::bindings::export!(TaskLeet with_types_in crate::bindings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &[u8], reply_to: Option<&str>) -> BrokerMessage {
        BrokerMessage {
            subject: "tasks.leet".into(),
            body: body.to_vec(),
            reply_to: reply_to.map(String::from),
        }
    }

    #[test]
    fn reply_goes_to_reply_to_with_the_translated_body() {
        let reply = reply_to(message(b"Hello World", Some("_INBOX.1")), Style::Basic).unwrap();
        assert_eq!(reply.subject, "_INBOX.1");
        assert_eq!(reply.body, b"H3110 W0r1d");
        assert_eq!(reply.reply_to, None);
    }

    #[test]
    fn message_without_reply_to_is_an_error() {
        let err = reply_to(message(b"hi", None), Style::Basic).unwrap_err();
        assert_eq!(err, "missing reply_to");
    }

    #[test]
    fn body_that_is_not_utf8_is_an_error() {
        let err =
            reply_to(message(&[0x66, 0xff, 0xfe], Some("_INBOX.1")), Style::Basic).unwrap_err();
        assert_eq!(err, "message body is not valid UTF-8");
    }
}
