//! Each size is given in one place, the root README's table, and is what
//! the build makes now, to the byte; every other page points to the table.
//! The first figure in a row is the component the template serves; for
//! service-tcp the second is its service.
//!
//! The figures are for a cargo home of `/root/.cargo` (CI's): a built file
//! keeps the paths of its crates' sources, under the cargo home, in its
//! panic messages. With another cargo home the test takes the difference in
//! length off each such path, which accounts for every byte when the
//! difference is a multiple of 16; otherwise the alignment padding after
//! the paths moves too (measured: by 3 to 7 bytes), and the test allows 16.

use std::path::{Path, PathBuf};

use test_support::workspace::built_service;
use test_support::{TEMPLATES, built_component, template, workspace_root};

/// The cargo home the README's figures are for.
const DOCUMENTED_CARGO_HOME: &str = "/root/.cargo/";

/// Every figure like `228,142 B` in `text`, in bytes.
fn figures(text: &str) -> Vec<u64> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter(|pair| pair[1].trim_end_matches([',', ';']) == "B")
        .filter_map(|pair| pair[0].replace(',', "").parse().ok())
        .collect()
}

/// The built files a template's sizes are of, in the order given.
fn sized_files(name: &str) -> Vec<PathBuf> {
    let mut files = vec![built_component(name)];
    if template(name).has_service {
        files.push(built_service(name));
    }
    files
}

/// This machine's cargo home, as cargo finds it, with a `/` at the end.
fn cargo_home() -> String {
    let home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap()));
    format!("{}/", home.trim_end_matches('/'))
}

/// `file`'s size as if built with a cargo home of `/root/.cargo`: its
/// size less the difference in length of each path under this machine's
/// cargo home that it holds, and how far off padding may leave that.
fn size_with_documented_cargo_home(file: &Path) -> (u64, u64) {
    let bytes = std::fs::read(file).unwrap();
    let home = cargo_home();
    let difference = home.len() as i64 - DOCUMENTED_CARGO_HOME.len() as i64;
    let paths = bytes.windows(home.len()).filter(|w| *w == home.as_bytes());
    let size = (bytes.len() as i64 - paths.count() as i64 * difference) as u64;
    let padding = if difference % 16 == 0 { 0 } else { 16 };
    (size, padding)
}

#[test]
fn the_root_readme_table_gives_each_size_to_the_byte() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    for name in TEMPLATES.map(|t| t.name) {
        // | [http-hello](http-hello) | ... | 228,142 B |
        let row = format!("| [{name}]({name}) |");
        let line = readme.lines().find(|line| line.starts_with(&row)).unwrap();
        let last_cell = line.trim_end_matches('|').rsplit('|').next().unwrap();
        let documented = figures(last_cell);
        let files = sized_files(name);
        assert_eq!(documented.len(), files.len(), "README.md: {name}'s sizes");
        for (file, documented) in files.iter().zip(documented) {
            let (built, padding) = size_with_documented_cargo_home(file);
            assert!(
                built.abs_diff(documented) <= padding,
                "README.md says {} is {documented} B; the build makes {built} B",
                file.display()
            );
        }
    }
}

/// A template's README gives no size of its own: its `| size |` row points
/// to the root README's table.
#[test]
fn each_template_readme_points_to_the_table_for_its_size() {
    let pointer = "| size | the table of templates in the README at the root of the \
                   templates' repository (one build of them all)";
    for name in TEMPLATES.map(|t| t.name) {
        let path = workspace_root().join(name).join("README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let row = readme.lines().find(|line| line.starts_with("| size |"));
        let row = row.unwrap_or_else(|| panic!("{name}/README.md has no size row"));
        assert!(row.starts_with(pointer), "{name}/README.md: {row}");
        let own_sizes = figures(&readme).into_iter().filter(|size| *size > 10_000);
        assert_eq!(own_sizes.count(), 0, "{name}/README.md gives a size");
    }
}
