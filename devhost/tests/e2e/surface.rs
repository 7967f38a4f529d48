//! The import and export surface of every built component, read from the
//! `.wasm` files themselves: what a host must provide, and nothing more.
//!
//! Builds the components first (the root build command), like every
//! end-to-end test here.

use crate::support::{TEMPLATES, built_component};

use std::collections::BTreeSet;
use wasmparser::{Parser, Payload};

/// The top-level import and export names of a component, such as
/// `wasi:http/incoming-handler@0.2.12`.
pub struct Surface {
    pub imports: BTreeSet<String>,
    pub exports: BTreeSet<String>,
}

pub fn surface(component: &str) -> Surface {
    let path = built_component(component);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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

/// Whether `names` holds `interface` at a version that starts with `version`
/// (`0.2.` accepts any wasi 0.2 patch release).
fn has(names: &BTreeSet<String>, interface: &str, version: &str) -> bool {
    names.iter().any(|name| {
        name.strip_prefix(interface)
            .and_then(|rest| rest.strip_prefix('@'))
            .is_some_and(|v| v.starts_with(version))
    })
}

#[test]
fn http_components_export_the_incoming_handler() {
    for component in ["http-hello", "http-router", "kv-counter", "http-api"] {
        let surface = surface(component);
        assert!(
            has(&surface.exports, "wasi:http/incoming-handler", "0.2."),
            "{component} exports {:?}",
            surface.exports
        );
    }
}

#[test]
fn task_leet_exports_the_messaging_handler_and_no_http() {
    let surface = surface("task-leet");
    let exports: Vec<_> = surface.exports.iter().map(String::as_str).collect();
    assert_eq!(exports, ["wasmcloud:messaging/handler@0.2.0"]);
}

#[test]
fn kv_counter_imports_keyvalue_store_and_atomics_at_the_draft_version() {
    let surface = surface("kv-counter");
    for interface in ["wasi:keyvalue/store", "wasi:keyvalue/atomics"] {
        let name = format!("{interface}@0.2.0-draft");
        assert!(surface.imports.contains(&name), "{:?}", surface.imports);
    }
    assert!(
        !has(&surface.imports, "wasi:keyvalue/batch", ""),
        "batch is not used"
    );
}

#[test]
fn messaging_components_import_the_consumer() {
    for component in ["http-api", "task-leet"] {
        let surface = surface(component);
        assert!(
            surface
                .imports
                .contains("wasmcloud:messaging/consumer@0.2.0"),
            "{component} imports {:?}",
            surface.imports
        );
    }
}

#[test]
fn no_component_imports_sockets_or_filesystem() {
    for component in TEMPLATES {
        let surface = surface(component);
        let forbidden: Vec<_> = surface
            .imports
            .iter()
            .filter(|name| {
                name.starts_with("wasi:sockets/") || name.starts_with("wasi:filesystem/")
            })
            .collect();
        assert!(forbidden.is_empty(), "{component} imports {forbidden:?}");
    }
}

#[test]
fn only_messaging_components_import_messaging_and_only_kv_counter_keyvalue() {
    for component in TEMPLATES {
        let surface = surface(component);
        let messaging = surface
            .imports
            .iter()
            .any(|n| n.starts_with("wasmcloud:messaging/"));
        let keyvalue = surface
            .imports
            .iter()
            .any(|n| n.starts_with("wasi:keyvalue/"));
        assert_eq!(
            messaging,
            ["http-api", "task-leet"].contains(&component),
            "{component}"
        );
        assert_eq!(keyvalue, component == "kv-counter", "{component}");
    }
}
