//! Every template is a whole project on its own, however it is copied:
//! `wash new --subfolder` (from a clone made as Git for Windows makes one)
//! or `cp -r` copies its folder and nothing else. So a template holds plain
//! files only, its own copies of the WIT and of the files templates share,
//! listed with their sources in `scripts/copies.txt`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::clones::{scratch, share_target, snapshot};
use crate::support::process::Process;
use crate::support::wash::{built_project, root_project, wash, wash_command, wash_new};
use crate::support::workspace::{cargo_build, own_workspace, run_build_command};
use crate::support::{TEMPLATES, workspace_root};

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

#[test]
fn each_templates_cargo_lock_pins_the_workspace_versions() {
    let root = locked_versions(&workspace_root().join("Cargo.lock"));
    for template in TEMPLATES {
        let lock = workspace_root().join(template).join("Cargo.lock");
        for (name, version) in locked_versions(&lock) {
            assert!(
                root.contains(&(name.clone(), version.clone())),
                "{template}/Cargo.lock has {name} {version}, the root's does not: run scripts/crate-locks"
            );
        }
    }
}

/// `scripts/copies.txt`: each source (a line at the left margin) with its
/// copies (the indented lines under it).
fn copies() -> Vec<(String, Vec<String>)> {
    let table = std::fs::read_to_string(workspace_root().join("scripts/copies.txt")).unwrap();
    let mut copies: Vec<(String, Vec<String>)> = Vec::new();
    for line in table.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_prefix(char::is_whitespace) {
            Some(copy) => copies.last_mut().unwrap().1.push(copy.trim().into()),
            None => copies.push((line.into(), Vec::new())),
        }
    }
    copies
}

/// A file some templates share is one file, copied into each so that each
/// stands alone: the WIT and `wkg.lock` from the root, the rest (the JSON
/// error type, the body reader, lint and build settings) from one template.
/// Where a template has its own, the table says why.
#[test]
fn every_copy_is_the_same_as_its_source() {
    for (source, copies) in copies() {
        let original = std::fs::read(workspace_root().join(&source))
            .unwrap_or_else(|error| panic!("scripts/copies.txt: {source}: {error}"));
        for copy in copies {
            let path = workspace_root().join(&copy);
            assert!(
                path.symlink_metadata().is_ok_and(|m| m.is_file()),
                "{copy} is not a plain file: run scripts/sync-copies"
            );
            assert!(
                std::fs::read(&path).unwrap() == original,
                "{copy} differs from {source}: edit {source} and run scripts/sync-copies"
            );
        }
    }
}

/// Every file under `dir` (none if there is no `dir`).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flat_map(|entry| {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => files_under(&path),
                false => vec![path],
            }
        })
        .collect()
}

/// Each template's WIT and `wkg.lock` are copies the table lists, so that
/// none can go stale unchecked.
#[test]
fn every_wit_file_of_a_template_is_a_listed_copy() {
    let listed: BTreeSet<String> = copies().into_iter().flat_map(|(_, c)| c).collect();
    for template in TEMPLATES {
        let dir = workspace_root().join(template);
        let lock = dir.join("wkg.lock");
        let lock = lock.symlink_metadata().is_ok().then_some(lock);
        for file in files_under(&dir.join("wit")).into_iter().chain(lock) {
            let relative = file.strip_prefix(workspace_root()).unwrap();
            let relative = relative.to_str().unwrap();
            assert!(
                listed.contains(relative),
                "{relative} is not in scripts/copies.txt: list it under its source"
            );
        }
    }
}

/// The files `wash new` must bring for a template to build and run alone,
/// besides `src/`.
fn expected_files(template: &str) -> Vec<String> {
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
    if own_workspace(template) {
        let manifest = workspace_root().join(template).join("Cargo.toml");
        let text = std::fs::read_to_string(manifest).unwrap();
        let members = text
            .lines()
            .find_map(|line| line.strip_prefix("members = "));
        for member in members.unwrap().trim_matches(['[', ']']).split(',') {
            files.push(format!("{}/Cargo.toml", member.trim().trim_matches('"')));
        }
    }
    let world = workspace_root().join(format!("wit/{template}.wit"));
    if world.exists() {
        files.extend(["wit/world.wit".into(), "wkg.lock".into()]);
        // Each package the world imports, as `wkg wit fetch` lays it out.
        let text = std::fs::read_to_string(world).unwrap();
        for dependency in [
            "wasi:keyvalue@0.2.0-draft",
            "wasi:config@0.2.0-rc.1",
            "wasmcloud:messaging@0.2.0",
        ] {
            let (package, version) = dependency.split_once('@').unwrap();
            let (namespace, name) = package.split_once(':').unwrap();
            if text.contains(&format!("{package}/")) {
                files.push(format!("wit/deps/{namespace}-{name}-{version}/package.wit"));
            }
        }
    }
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
fn wash_new_gives_each_template_every_file_it_needs() {
    let Some(wash) = wash() else {
        return;
    };
    for template in TEMPLATES {
        let project = wash_new(wash, template, &format!("{template}-files"));
        for file in expected_files(template) {
            let path = project.join(&file);
            let metadata = path.symlink_metadata();
            assert!(
                metadata.is_ok_and(|m| m.is_file()),
                "{template}: `wash new` gave no plain file {file}"
            );
            // The same bytes as in the repository: no link text, no CRLF.
            let made = std::fs::read(&path).unwrap();
            assert!(
                made == std::fs::read(workspace_root().join(template).join(&file)).unwrap(),
                "{template}: `wash new` gave {file} other bytes than the repository's:\n{}",
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
    for template in TEMPLATES {
        if built_project(template).is_none() {
            return;
        }
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
    for template in TEMPLATES {
        let status = Command::new("cp")
            .arg("-r")
            .arg(snapshot().join(template))
            .arg(&copies)
            .status()
            .unwrap();
        assert!(status.success(), "cp -r {template} failed");
        let copy = copies.join(template);
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

/// The one thing wash 2.7.0 cannot do that the root README used to
/// promise: serve http-api and task-leet from one `wash dev`. When this
/// test fails because wash has started serving them, the README's note
/// (and this test) can go.
#[test]
fn one_wash_dev_at_the_root_cannot_link_the_pair() {
    let (Some(wash), Some(root)) = (wash(), root_project()) else {
        return;
    };
    let port = crate::support::nats_server::free_port();
    let mut command = wash_command(wash, &root);
    command
        .arg("dev")
        .env("WASH_DEV", format!("{{address=\"127.0.0.1:{port}\"}}"));
    let mut process = Process::spawn("wash dev at the root", command);
    let line = process.wait_for_line(Duration::from_secs(300), |line| {
        line.contains("listening for HTTP requests") || line.contains("failed to reload component")
    });
    assert!(
        line.contains(
            "component imports instance `wasmcloud:messaging/consumer@0.2.0`, \
             but a matching implementation was not found in the linker"
        ),
        "wash dev at the root no longer fails as the README says; if it serves the pair \
         now, update the README and this test:\n{}",
        process.output()
    );
    assert!(!process.wait_for_exit(Duration::from_secs(30)).success());
}
