//! The sizes the READMEs give are true: the root README's table and each
//! template's own `| size |` row are within 1% of what the root build makes
//! now. (Not exact: the build embeds source paths in panic messages, so a
//! checkout elsewhere differs by a few bytes.)

use crate::support::{TEMPLATES, built_component, workspace_root};

/// The first figure like `228,142 B` in `text`, in bytes.
fn bytes(text: &str) -> Option<u64> {
    let end = text.find(" B")?;
    let figure = text[..end].rsplit(' ').next()?;
    figure.replace(',', "").parse().ok()
}

fn assert_near(name: &str, documented: u64, place: &str) {
    let actual = std::fs::metadata(built_component(name)).unwrap().len();
    assert!(
        actual.abs_diff(documented) * 100 <= documented,
        "{place} says {name} is {documented} B; the build makes {actual} B"
    );
}

#[test]
fn the_root_readme_table_has_each_size() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    for name in TEMPLATES {
        // | [http-hello](http-hello) | ... | 228,142 B |
        let row = format!("| [{name}]({name}) |");
        let line = readme.lines().find(|line| line.starts_with(&row)).unwrap();
        let last_cell = line.trim_end_matches('|').rsplit('|').next().unwrap();
        assert_near(name, bytes(last_cell.trim()).unwrap(), "README.md");
    }
}

#[test]
fn each_template_readme_has_its_size() {
    for name in TEMPLATES {
        let path = workspace_root().join(name).join("README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let line = readme
            .lines()
            .find(|line| line.starts_with("| size |"))
            .unwrap();
        let documented = bytes(line.trim_start_matches("| size |").trim()).unwrap();
        assert_near(name, documented, &format!("{name}/README.md"));
    }
}
