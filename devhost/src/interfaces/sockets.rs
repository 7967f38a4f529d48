//! What a component may do with `wasi:sockets`. Nothing, unless its project
//! runs a service (`dev.service` or `dev.service_file`) that declares ports
//! (`dev.service_ports`): then the service may listen on those ports, on
//! loopback, and the other components may connect to them there. It is the
//! shape of a wasmCloud workload, where components reach their service on
//! the host's loopback; devhost's loopback is the machine's.

use std::net::SocketAddr;

use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::sockets::SocketAddrUse;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Sockets {
    #[default]
    None,
    /// A component of a project whose service listens on these TCP ports.
    ConnectTo(Vec<u16>),
    /// The service: it may listen on these TCP ports.
    ListenOn(Vec<u16>),
}

impl Sockets {
    /// Whether a socket may be used at `address` for `usage`.
    pub fn allows(&self, address: SocketAddr, usage: SocketAddrUse) -> bool {
        let declared =
            |ports: &[u16]| address.ip().is_loopback() && ports.contains(&address.port());
        match (self, usage) {
            (Self::ConnectTo(ports), SocketAddrUse::TcpConnect) => declared(ports),
            // A connect binds its own end to some free port first.
            (Self::ConnectTo(_), SocketAddrUse::TcpBind) => address.port() == 0,
            (Self::ListenOn(ports), SocketAddrUse::TcpBind | SocketAddrUse::TcpListen) => {
                declared(ports)
            }
            // Only clients on this machine can reach a loopback listener.
            (Self::ListenOn(_), SocketAddrUse::TcpAccept) => address.ip().is_loopback(),
            _ => false,
        }
    }

    /// Lets `builder`'s instance use the sockets this allows.
    pub fn apply(&self, builder: &mut WasiCtxBuilder) {
        if *self == Self::None {
            return;
        }
        let sockets = self.clone();
        builder
            .allow_tcp(true)
            .socket_addr_check(move |address, usage| {
                let allowed = sockets.allows(address, usage);
                Box::pin(async move { allowed })
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(sockets: &Sockets, address: &str, usage: SocketAddrUse) -> bool {
        sockets.allows(address.parse().unwrap(), usage)
    }

    #[test]
    fn the_service_listens_only_on_declared_loopback_ports() {
        let service = Sockets::ListenOn(vec![7777]);
        assert!(allows(&service, "127.0.0.1:7777", SocketAddrUse::TcpBind));
        assert!(allows(&service, "127.0.0.1:7777", SocketAddrUse::TcpListen));
        assert!(allows(
            &service,
            "127.0.0.1:50000",
            SocketAddrUse::TcpAccept
        ));
        assert!(!allows(
            &service,
            "10.0.0.1:50000",
            SocketAddrUse::TcpAccept
        ));
        assert!(!allows(&service, "127.0.0.1:7778", SocketAddrUse::TcpBind));
        assert!(!allows(&service, "0.0.0.0:7777", SocketAddrUse::TcpBind));
        assert!(!allows(
            &service,
            "127.0.0.1:7777",
            SocketAddrUse::TcpConnect
        ));
        assert!(!allows(&service, "127.0.0.1:7777", SocketAddrUse::UdpBind));
    }

    #[test]
    fn components_connect_only_to_the_declared_ports() {
        let component = Sockets::ConnectTo(vec![7777]);
        assert!(allows(
            &component,
            "127.0.0.1:7777",
            SocketAddrUse::TcpConnect
        ));
        assert!(allows(&component, "0.0.0.0:0", SocketAddrUse::TcpBind));
        assert!(!allows(
            &component,
            "10.0.0.1:7777",
            SocketAddrUse::TcpConnect
        ));
        assert!(!allows(
            &component,
            "127.0.0.1:22",
            SocketAddrUse::TcpConnect
        ));
        assert!(!allows(
            &component,
            "127.0.0.1:7777",
            SocketAddrUse::TcpBind
        ));
        let none = Sockets::None;
        assert!(!allows(&none, "127.0.0.1:7777", SocketAddrUse::TcpConnect));
    }
}
