//! The sizes the READMEs give are true: the root README's table and each
//! template's own `| size |` row are within 1% of what the build makes now.
//! (Not exact: the build embeds source paths in panic messages, so a
//! checkout elsewhere differs by a few bytes.) The first figure is the
//! component the template serves; for service-tcp the second is its
//! service.

use std::path::PathBuf;

use test_support::workspace::built_service;
use test_support::{TEMPLATES, built_component, template, workspace_root};

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

fn assert_near(name: &str, documented: &[u64], place: &str) {
    // The first figures are the files' sizes; any after them say more.
    let files = sized_files(name);
    assert!(documented.len() >= files.len(), "{place}: {name}'s sizes");
    for (file, documented) in files.iter().zip(documented) {
        let actual = std::fs::metadata(file).unwrap().len();
        assert!(
            actual.abs_diff(*documented) * 100 <= *documented,
            "{place} says {} is {documented} B; the build makes {actual} B",
            file.display()
        );
    }
}

#[test]
fn the_root_readme_table_has_each_size() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    for name in TEMPLATES.map(|t| t.name) {
        // | [http-hello](http-hello) | ... | 228,142 B |
        let row = format!("| [{name}]({name}) |");
        let line = readme.lines().find(|line| line.starts_with(&row)).unwrap();
        let last_cell = line.trim_end_matches('|').rsplit('|').next().unwrap();
        assert_near(name, &figures(last_cell), "README.md");
    }
}

#[test]
fn each_template_readme_has_its_size() {
    for name in TEMPLATES.map(|t| t.name) {
        let path = workspace_root().join(name).join("README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let line = readme
            .lines()
            .find(|line| line.starts_with("| size |"))
            .unwrap();
        let documented = figures(line.trim_start_matches("| size |"));
        assert_near(name, &documented, &format!("{name}/README.md"));
    }
}
