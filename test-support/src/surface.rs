//! The import and export surface of a built component, read from the
//! `.wasm` file itself: what a host must provide.

use crate::workspace::built_component;

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

/// `wasi:http/...@0.2.12` -> `wasi:http/...`: wasi:http links at any 0.2
/// patch level. WASI 0.3's keeps its minor version, `wasi:http/...@0.3.2`
/// -> `wasi:http/...@0.3`, so a table row says which WASI it needs.
/// Prerelease versions stay: hosts match them exactly.
pub fn without_http_version(name: &str) -> String {
    match name.split_once('@') {
        Some((interface, version)) if interface.starts_with("wasi:http/") => {
            if version.starts_with("0.3.") {
                return format!("{interface}@0.3");
            }
            assert!(version.starts_with("0.2."), "{name}");
            interface.to_string()
        }
        _ => name.to_string(),
    }
}
