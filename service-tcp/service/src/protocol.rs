//! What the service and its HTTP front agree on: where the service listens,
//! and the longest line it reads. The front carries a copy of this file.

use std::net::{Ipv4Addr, SocketAddr};

use crate::bindings::wasi::config::store;

/// The config key of the port the service listens on, and its default.
const PORT_KEY: &str = "port";
const DEFAULT_PORT: u16 = 7777;

/// The longest line the service reads, without its newline. A longer one
/// gets an error and the connection closes: there is no telling where the
/// next line would start.
pub const MAX_LINE: usize = 4096;

/// Where the service listens: loopback, on the port in the `port` config.
pub fn service_address() -> Result<SocketAddr, String> {
    let setting = store::get(PORT_KEY).map_err(|error| format!("cannot read config: {error:?}"))?;
    let port = port_from(setting.as_deref())?;
    Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
}

/// The port in a `port` setting: [`DEFAULT_PORT`] when there is none.
fn port_from(setting: Option<&str>) -> Result<u16, String> {
    let Some(text) = setting else {
        return Ok(DEFAULT_PORT);
    };
    (text.trim().parse())
        .map_err(|_| format!("config `{PORT_KEY}` must be a port number, not `{text}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_the_config_or_the_default() {
        assert_eq!(port_from(None), Ok(DEFAULT_PORT));
        assert_eq!(port_from(Some(" 9000 ")), Ok(9000));
        assert_eq!(
            port_from(Some("70000")),
            Err("config `port` must be a port number, not `70000`".into())
        );
    }
}
