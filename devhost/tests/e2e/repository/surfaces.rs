//! The import and export surface of every built component, read from the
//! `.wasm` files themselves: what a host must provide, and nothing more.
//! Each template's expected surface is its row in the table of templates.

use std::collections::BTreeSet;

use test_support::TEMPLATES;
use test_support::surface::{platform, surface, without_http_version};

#[test]
fn every_template_imports_and_exports_exactly_what_it_uses() {
    for template in &TEMPLATES {
        let name = template.name;
        let surface = surface(name);
        let beyond_platform: BTreeSet<String> = (surface.imports.iter())
            .filter(|import| !platform(import))
            .map(|import| without_http_version(import))
            .collect();
        let exported: BTreeSet<String> = (surface.exports.iter())
            .map(|export| without_http_version(export))
            .collect();
        let strings = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        assert_eq!(beyond_platform, strings(template.imports), "{name} imports");
        assert_eq!(exported, strings(template.exports), "{name} exports");
    }
}
