//! The size table in the root README is true: each figure is within 1% of
//! the component the root build makes now. (Not exact: the build embeds
//! source paths in panic messages, so a checkout elsewhere differs by a few
//! bytes.)

use crate::common::{built_component, workspace_root};

#[test]
fn readme_sizes_match_the_built_components() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let mut checked = 0;
    // Rows look like: | [http-hello](http-hello) | ... | 228,142 B |
    for row in readme.lines().filter(|line| line.starts_with("| [")) {
        let name = row.trim_start_matches("| [").split(']').next().unwrap();
        let figure = row.trim_end().trim_end_matches('|').trim_end();
        let Some(figure) = figure.strip_suffix(" B") else {
            continue;
        };
        let documented: u64 = figure
            .rsplit(' ')
            .next()
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap();
        let actual = std::fs::metadata(built_component(&name.replace('-', "_")))
            .unwrap()
            .len();
        assert!(
            actual.abs_diff(documented) * 100 <= documented,
            "README says {name} is {documented} B; the build makes {actual} B"
        );
        checked += 1;
    }
    assert_eq!(
        checked, 5,
        "expected a size for each of the five components"
    );
}
