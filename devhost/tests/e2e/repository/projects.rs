//! Every template is a whole project on its own, however it is copied:
//! `wash new --subfolder` (from a clone made as Git for Windows makes one)
//! or `cp -r` copies its folder and nothing else. So a template holds plain
//! files only, its own copies of the WIT and of the files templates share
//! (repository/copies.rs checks those). And every template has its row in
//! the table of templates.

use std::collections::BTreeSet;
use std::path::Path;

use test_support::clones::{cp_r, scratch, share_target, snapshot};
use test_support::wash::{Checkout, built_project, wash, wash_new_from};
use test_support::workspace::{cargo_build, run_build_command};
use test_support::{TEMPLATES, Template, workspace_root};

/// `(name, version)` of every dependency in a Cargo.lock: the packages with
/// a `source`, not the project's own.
fn locked_versions(lock: &Path) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(lock).unwrap();
    text.split("[[package]]")
        .skip(1)
        .filter(|package| package.contains("\nsource = "))
        .map(|package| {
            let field = |key: &str| {
                let line = package.lines().find(|line| line.starts_with(key)).unwrap();
                line.trim_start_matches(key).trim_matches('"').to_string()
            };
            (field("name = "), field("version = "))
        })
        .collect()
}

/// A folder with a `.wash/config.yaml` and a README is a template, and the
/// table of templates (test-support/src/templates.rs) must have its row.
#[test]
fn every_template_folder_has_a_row_in_the_table() {
    let rows: BTreeSet<&str> = TEMPLATES.iter().map(|t| t.name).collect();
    for entry in std::fs::read_dir(workspace_root()).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join(".wash/config.yaml").is_file() && dir.join("README.md").is_file() {
            let name = dir.file_name().unwrap().to_str().unwrap();
            assert!(
                rows.contains(name),
                "{name} has no row in the table of templates"
            );
        }
    }
}

#[test]
fn each_templates_cargo_lock_pins_the_workspace_versions() {
    let root = locked_versions(&workspace_root().join("Cargo.lock"));
    for template in TEMPLATES.map(|t| t.name) {
        let lock = workspace_root().join(template).join("Cargo.lock");
        for (name, version) in locked_versions(&lock) {
            assert!(
                root.contains(&(name.clone(), version.clone())),
                "{template}/Cargo.lock has {name} {version}, the root's does not: run scripts/crate-locks"
            );
        }
    }
}

/// The files `wash new` must bring for a template to build and run alone,
/// besides `src/`.
fn expected_files(template: &Template) -> Vec<String> {
    let mut files: Vec<String> = [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        ".gitignore",
        ".wash/config.yaml",
        "README.md",
        "manifests/workloaddeployment.yaml",
    ]
    .map(String::from)
    .to_vec();
    // A workspace of its own: each member crate's manifest too.
    if template.own_workspace {
        let manifest = workspace_root().join(template.name).join("Cargo.toml");
        let text = std::fs::read_to_string(manifest).unwrap();
        let members = text
            .lines()
            .find_map(|line| line.strip_prefix("members = "));
        for member in members.unwrap().trim_matches(['[', ']']).split(',') {
            files.push(format!("{}/Cargo.toml", member.trim().trim_matches('"')));
        }
    }
    // And the copies it carries: its WIT, `wkg.lock`, shared sources.
    files.extend(template.copies.iter().map(|(copy, _)| copy.to_string()));
    files
}

/// Relative links of a Markdown file (`[text](target)`), without anchors.
fn relative_links(markdown: &str) -> Vec<String> {
    markdown
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| !target.contains("://") && !target.starts_with('#'))
        .map(|target| target.split('#').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn wash_new_from_a_windows_style_clone_gives_each_template_every_file_it_needs() {
    every_file_from(Checkout::WindowsStyle);
}

#[test]
fn wash_new_from_a_plain_clone_gives_each_template_every_file_it_needs() {
    every_file_from(Checkout::Plain);
}

fn every_file_from(checkout: Checkout) {
    let wash = wash();
    for row in &TEMPLATES {
        let template = row.name;
        let name = format!("{template}-files-{checkout:?}");
        let project = wash_new_from(checkout, wash, template, &name);
        for file in expected_files(row) {
            let path = project.join(&file);
            let metadata = path.symlink_metadata();
            assert!(
                metadata.is_ok_and(|m| m.is_file()),
                "{template} ({checkout:?}): `wash new` gave no plain file {file}"
            );
            // The same bytes as in the repository: no link text, no CRLF.
            let made = std::fs::read(&path).unwrap();
            assert!(
                made == std::fs::read(workspace_root().join(template).join(&file)).unwrap(),
                "{template} ({checkout:?}): `wash new` gave {file} other bytes than the repository's:\n{}",
                String::from_utf8_lossy(&made)
            );
        }
        let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
        for link in relative_links(&readme) {
            assert!(
                !link.starts_with('/') && !link.contains(".."),
                "{template}/README.md links outside its folder: {link}"
            );
            assert!(
                project.join(&link).exists(),
                "{template}/README.md: dead link {link}"
            );
        }
    }
}

#[test]
fn wash_new_projects_build_offline_and_with_wash_build() {
    // `built_project` checks both builds, and that cargo did not warn.
    for template in TEMPLATES.map(|t| t.name) {
        built_project(template);
    }
}

/// A template copied with a plain `cp -r` out of a clone (one where git
/// made symlinks, were there any) into a directory outside the repository
/// builds there: with its README's build command, offline and from its own
/// Cargo.lock, then with its `.wash/config.yaml` build command (for
/// http-composed, the composition), which must make the component that
/// config serves. No wash needed. The build output is shared, so the
/// dependencies are compiled once; cargo builds the copy's own crates from
/// the copy.
#[test]
fn templates_copied_with_cp_r_build_outside_the_repository() {
    let copies = scratch().join("cp-r");
    std::fs::create_dir_all(&copies).unwrap();
    for template in TEMPLATES.map(|t| t.name) {
        let copy = copies.join(template);
        cp_r(&snapshot().join(template), &copy);
        share_target(&copy);
        let stderr = cargo_build(&copy, &["--offline", "--locked"]);
        assert!(
            stderr.contains(&format!("({}", copy.display())),
            "{template}: cargo built nothing from the copy:\n{stderr}"
        );
        assert!(!stderr.contains("warning"), "{template} warned:\n{stderr}");
        let config = run_build_command(&copy);
        let component = copy.join(config.build.component_path.unwrap());
        assert!(
            component.is_file(),
            "{template}: no {}",
            component.display()
        );
    }
}
