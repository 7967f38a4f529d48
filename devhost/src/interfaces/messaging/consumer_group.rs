//! How the hosts running one handler share its messages over NATS. devhost
//! reads a component's `consumer_group` config the way the wasmCloud runtime
//! does (wash-runtime's `plugin/wasmcloud_messaging/nats.rs`):
//!
//! - a name is the NATS queue group: every host subscribed with that name
//!   shares the messages, and each message is handled once;
//! - `broadcast` subscribes without a queue group: every host gets every
//!   message;
//! - without it, the group is derived from the workload and the component.
//!   Under `wash dev` the workload is always `default`/`dev`, so two hosts
//!   running the same project share; in a cluster the operator names every
//!   replica's workload differently, so replicas would not share (which is
//!   why the manifests always set the name).

use anyhow::bail;

use crate::interfaces::wasi_config::ConfigMap;

const CONFIG_KEY: &str = "consumer_group";
const BROADCAST: &str = "broadcast";

/// The namespace and name `wash dev` gives the one workload it runs.
const DEV_NAMESPACE: &str = "default";
const DEV_WORKLOAD: &str = "dev";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsumerGroup {
    /// A NATS queue group: each message goes to one member.
    Named(String),
    /// No queue group: each message goes to every subscriber.
    Broadcast,
}

impl ConsumerGroup {
    /// Reads `consumer_group` from a component's config. `component` is the
    /// name wash dev gives the component in its workload, from which the
    /// default group is derived.
    pub fn from_config(config: &ConfigMap, component: &str) -> anyhow::Result<Self> {
        match config.get(CONFIG_KEY).map(String::as_str) {
            None => Ok(Self::Named(default_group(
                DEV_NAMESPACE,
                DEV_WORKLOAD,
                component,
            ))),
            Some(BROADCAST) => Ok(Self::Broadcast),
            Some("") => bail!(
                "`{CONFIG_KEY}` is empty: leave it out for the default group, or set `{BROADCAST}`"
            ),
            Some(name) if name.contains(|c: char| c.is_whitespace() || c == '*' || c == '>') => {
                bail!(
                    "`{CONFIG_KEY}` `{name}` is not a NATS queue group name: no spaces, `*` or `>`"
                )
            }
            Some(name) => Ok(Self::Named(name.to_string())),
        }
    }
}

impl std::fmt::Display for ConsumerGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Named(name) => write!(f, "queue group {name}"),
            Self::Broadcast => f.write_str("broadcast (no queue group)"),
        }
    }
}

/// The runtime's default group: `wasmcloud.<namespace>.<workload>.<component>`
/// made safe for NATS and cut to fit 128 bytes, then a 64-bit FNV-1a hash of
/// the three names, so names that the cleaning or the cut made equal still
/// get different groups.
fn default_group(namespace: &str, workload: &str, component: &str) -> String {
    const PREFIX: &str = "wasmcloud";
    const MAX_LEN: usize = 128;
    let identity = format!("{namespace}\0{workload}\0{component}");
    let hash = identity
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    let suffix = format!(".{hash:016x}");
    let safe = |name: &str| -> String {
        name.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    // Only ASCII is left, so cutting at any byte is cutting at a character.
    let mut readable = [namespace, workload, component].map(safe).join(".");
    readable.truncate(MAX_LEN - (PREFIX.len() + 1 + suffix.len()));
    format!("{PREFIX}.{readable}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(value: Option<&str>) -> anyhow::Result<ConsumerGroup> {
        let mut config = ConfigMap::new();
        if let Some(value) = value {
            config.insert(CONFIG_KEY.into(), value.into());
        }
        ConsumerGroup::from_config(&config, "task-leet")
    }

    #[test]
    fn a_name_is_the_queue_group_and_broadcast_is_none() {
        assert_eq!(
            group(Some("task-leet")).unwrap(),
            ConsumerGroup::Named("task-leet".into())
        );
        assert_eq!(group(Some("broadcast")).unwrap(), ConsumerGroup::Broadcast);
    }

    #[test]
    fn names_nats_would_refuse_are_errors() {
        for bad in ["", "a b", "tasks.*", "tasks.>", "tab\there"] {
            let error = group(Some(bad)).unwrap_err().to_string();
            assert!(error.contains("`consumer_group`"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn the_default_group_is_derived_from_the_dev_workload_and_the_component() {
        let ConsumerGroup::Named(name) = group(None).unwrap() else {
            panic!("the default is a queue group");
        };
        assert!(
            name.starts_with("wasmcloud.default.dev.task-leet."),
            "{name}"
        );
        // The same component gets the same group in every host...
        assert_eq!(group(None).unwrap(), ConsumerGroup::Named(name));
        // ...and names the cleaning makes equal still get different ones.
        assert_ne!(
            default_group("default", "dev", "a.b"),
            default_group("default", "dev", "a b")
        );
    }

    #[test]
    fn the_default_group_is_at_most_128_bytes() {
        let long = "x".repeat(300);
        let name = default_group("default", "dev", &long);
        assert_eq!(name.len(), 128);
        assert!(name.starts_with("wasmcloud.default.dev.xxx"), "{name}");
    }
}
