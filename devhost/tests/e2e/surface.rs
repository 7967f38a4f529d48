//! The import and export surface of every built component, read from the
//! `.wasm` files themselves: what a host must provide, and nothing more.
//!
//! Builds the components first (the root build command), like every
//! end-to-end test here.

use crate::support::{TEMPLATES, built_component};

use std::collections::BTreeSet;
use std::path::Path;
use wasmparser::{Parser, Payload};

/// The top-level import and export names of a component, such as
/// `wasi:http/incoming-handler@0.2.12`.
pub struct Surface {
    pub imports: BTreeSet<String>,
    pub exports: BTreeSet<String>,
}

/// The surface of the component a template serves.
pub fn surface(template: &str) -> Surface {
    surface_of(&built_component(template))
}

/// The surface of the component in the `.wasm` file at `path`.
pub fn surface_of(path: &Path) -> Surface {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut surface = Surface {
        imports: BTreeSet::new(),
        exports: BTreeSet::new(),
    };
    // Nested modules and components have import sections of their own; only
    // the outermost component's are what a host links against.
    let mut depth = 0;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.unwrap() {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    surface
                        .imports
                        .insert(import.unwrap().name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    surface
                        .exports
                        .insert(export.unwrap().name.name.to_string());
                }
            }
            _ => {}
        }
    }
    surface
}

/// What every component gets from any wasi:http host: the WASI platform
/// std and wstd use (stdio, clocks, random, streams) and `wasi:http/types`.
pub fn platform(name: &str) -> bool {
    let platform = [
        "wasi:cli/",
        "wasi:clocks/",
        "wasi:io/",
        "wasi:random/",
        "wasi:http/types@",
    ];
    platform.iter().any(|prefix| name.starts_with(prefix))
}

/// Each template's imports beyond the platform, and its exports: exactly
/// what it uses. (wasi:http's patch level is whatever wstd links.)
const SURFACES: [(&str, &[&str], &[&str]); 9] = [
    ("http-hello", &[], &["wasi:http/incoming-handler"]),
    ("http-router", &[], &["wasi:http/incoming-handler"]),
    (
        "kv-counter",
        &[
            "wasi:keyvalue/atomics@0.2.0-draft",
            "wasi:keyvalue/store@0.2.0-draft",
        ],
        &["wasi:http/incoming-handler"],
    ),
    (
        "http-api",
        &[
            "wasmcloud:messaging/consumer@0.2.0",
            "wasmcloud:messaging/types@0.2.0",
        ],
        &["wasi:http/incoming-handler"],
    ),
    (
        "task-leet",
        &[
            "wasi:config/store@0.2.0-rc.1",
            "wasmcloud:messaging/consumer@0.2.0",
            "wasmcloud:messaging/types@0.2.0",
        ],
        &["wasmcloud:messaging/handler@0.2.0"],
    ),
    (
        "http-client",
        &["wasi:config/store@0.2.0-rc.1", "wasi:http/outgoing-handler"],
        &["wasi:http/incoming-handler"],
    ),
    (
        "task-stats",
        &[
            "wasi:keyvalue/atomics@0.2.0-draft",
            "wasi:keyvalue/store@0.2.0-draft",
            "wasmcloud:messaging/types@0.2.0",
        ],
        &[
            "wasi:http/incoming-handler",
            "wasmcloud:messaging/handler@0.2.0",
        ],
    ),
    // The HTTP front; the service's own surface is in service_tcp.rs.
    (
        "service-tcp",
        &[
            "wasi:config/store@0.2.0-rc.1",
            "wasi:sockets/instance-network@0.2.12",
            "wasi:sockets/network@0.2.12",
            "wasi:sockets/tcp@0.2.12",
            "wasi:sockets/tcp-create-socket@0.2.12",
        ],
        &["wasi:http/incoming-handler"],
    ),
    // Composed: the text processor is inside, neither imported nor exported.
    ("http-composed", &[], &["wasi:http/incoming-handler"]),
];

/// `wasi:http/...@0.2.12` -> `wasi:http/...`: wasi:http links at any 0.2
/// patch level. Prerelease versions stay: hosts match them exactly.
pub fn without_http_version(name: &str) -> String {
    match name.split_once('@') {
        Some((interface, version)) if interface.starts_with("wasi:http/") => {
            assert!(version.starts_with("0.2."), "{name}");
            interface.to_string()
        }
        _ => name.to_string(),
    }
}

#[test]
fn every_template_imports_and_exports_exactly_what_it_uses() {
    assert_eq!(SURFACES.map(|(name, _, _)| name), TEMPLATES);
    for (name, imports, exports) in SURFACES {
        let surface = surface(name);
        let beyond_platform: BTreeSet<String> = (surface.imports.iter())
            .filter(|import| !platform(import))
            .map(|import| without_http_version(import))
            .collect();
        let exported: BTreeSet<String> = surface
            .exports
            .iter()
            .map(|e| without_http_version(e))
            .collect();
        assert_eq!(
            beyond_platform,
            imports.iter().map(|i| i.to_string()).collect(),
            "{name} imports"
        );
        assert_eq!(
            exported,
            exports.iter().map(|e| e.to_string()).collect(),
            "{name} exports"
        );
    }
}
