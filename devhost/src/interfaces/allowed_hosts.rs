//! The hosts a component may call with outgoing HTTP: its `allowedHosts`,
//! in the forms wasmCloud accepts (`wash dev`'s `.wash/config.yaml` and a
//! WorkloadDeployment's `localResources` both use them):
//!
//! | entry | allows |
//! |---|---|
//! | `*` | every host |
//! | `api.example.com`, `api.example.com:8443` | that host, on any port or on that port |
//! | `https://api.example.com[:port]` | that host with that scheme, on that port (443 when not given) |
//! | `*.example.com[:port]`, `https://*.example.com` | every subdomain of `example.com` (with that scheme, on any port or that one) |
//!
//! Host names compare without regard to case. An entry with a path, a query
//! or a fragment is refused when the config is read.

use std::fmt;
use std::str::FromStr;

use anyhow::{bail, ensure};
use http::Uri;
use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    /// `http` or `https`, or `None` for either.
    scheme: Option<String>,
    host: Host,
    /// `None` for any port (unless a scheme implies one).
    port: Option<u16>,
    /// As written, for messages.
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Any,
    Exactly(String),
    /// `*.example.com`: this suffix, with the leading dot.
    SubdomainOf(String),
}

impl AllowedHost {
    /// Whether a request to `uri` may go out.
    pub fn matches(&self, uri: &Uri) -> bool {
        let Some(host) = uri.host() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let host_matches = match &self.host {
            Host::Any => return true,
            Host::Exactly(allowed) => host == *allowed,
            Host::SubdomainOf(suffix) => host.ends_with(suffix.as_str()),
        };
        let scheme = uri.scheme_str().map(str::to_ascii_lowercase);
        let scheme_matches = self.scheme.is_none() || scheme == self.scheme;
        // A URL without a port means its scheme's port; a host or a
        // wildcard without one allows any.
        let allowed_port = match (&self.host, self.scheme.as_deref()) {
            (Host::Exactly(_), Some("https")) => self.port.or(Some(443)),
            (Host::Exactly(_), Some("http")) => self.port.or(Some(80)),
            _ => self.port,
        };
        let port = uri.port_u16().or(match scheme.as_deref() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let port_matches = allowed_port.is_none() || port == allowed_port;
        host_matches && scheme_matches && port_matches
    }
}

impl FromStr for AllowedHost {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        let trimmed = text.trim();
        if trimmed == "*" {
            return Ok(Self {
                scheme: None,
                host: Host::Any,
                port: None,
                text: trimmed.into(),
            });
        }
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
            None => (None, trimmed),
        };
        if let Some(scheme) = &scheme {
            ensure!(
                scheme == "http" || scheme == "https",
                "allowed host `{text}`: the scheme must be http or https"
            );
        }
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        ensure!(
            !authority.is_empty() && !authority.contains(['/', '?', '#', '@']),
            "allowed host `{text}` must be a host, with at most a scheme and a port"
        );
        let (name, port) = match authority.rsplit_once(':') {
            // `[::1]` holds colons of its own: only a colon after `]` is a port.
            Some((name, port)) if !port.contains(']') => match port.parse() {
                Ok(port) => (name, Some(port)),
                Err(_) => bail!("allowed host `{text}`: `{port}` is not a port"),
            },
            _ => (authority, None),
        };
        let name = name.to_ascii_lowercase();
        let host = match name.strip_prefix("*.") {
            Some(suffix) if !suffix.is_empty() && !suffix.contains('*') => {
                Host::SubdomainOf(format!(".{suffix}"))
            }
            _ if name.contains('*') => {
                bail!("allowed host `{text}`: a wildcard must be a whole `*.` prefix")
            }
            _ => Host::Exactly(name),
        };
        Ok(Self {
            scheme,
            host,
            port,
            text: trimmed.into(),
        })
    }
}

/// Read from the config as the plain string it is written as.
impl<'de> Deserialize<'de> for AllowedHost {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(entry: &str, uri: &str) -> bool {
        let entry: AllowedHost = entry.parse().unwrap();
        entry.matches(&uri.parse().unwrap())
    }

    #[test]
    fn a_host_allows_every_port_and_scheme_unless_it_names_them() {
        assert!(allows("api.example.com", "https://api.example.com/v1"));
        assert!(allows("API.example.com", "http://api.EXAMPLE.com:8080/"));
        assert!(!allows("api.example.com", "https://example.com/"));
        assert!(allows("127.0.0.1:9000", "http://127.0.0.1:9000/x"));
        assert!(!allows("127.0.0.1:9000", "http://127.0.0.1:9001/x"));
        assert!(allows("[::1]:9000", "http://[::1]:9000/"));
    }

    #[test]
    fn a_scheme_pins_the_scheme_and_its_default_port() {
        assert!(allows(
            "https://api.example.com",
            "https://api.example.com/"
        ));
        assert!(allows(
            "https://api.example.com/",
            "https://api.example.com:443/"
        ));
        assert!(!allows(
            "https://api.example.com",
            "http://api.example.com/"
        ));
        assert!(!allows(
            "https://api.example.com",
            "https://api.example.com:8443/"
        ));
        assert!(allows("http://127.0.0.1:9000", "http://127.0.0.1:9000/"));
    }

    #[test]
    fn wildcards_allow_subdomains_or_everything() {
        assert!(allows("*.example.com", "https://api.example.com/"));
        assert!(allows("*.example.com", "https://a.b.example.com/"));
        assert!(!allows("*.example.com", "https://example.com/"));
        assert!(!allows("*.example.com", "https://badexample.com/"));
        assert!(allows("https://*.example.com", "https://api.example.com/"));
        assert!(!allows("https://*.example.com", "http://api.example.com/"));
        assert!(allows("*", "http://anything.at.all:1234/"));
    }

    #[test]
    fn entries_that_are_not_hosts_are_refused() {
        for bad in [
            "",
            "https://api.example.com/v1",
            "api.example.com?x=1",
            "ftp://api.example.com",
            "*example.com",
            "api.*.com",
            "api.example.com:http",
            "user@api.example.com",
        ] {
            assert!(bad.parse::<AllowedHost>().is_err(), "{bad:?}");
        }
    }
}
