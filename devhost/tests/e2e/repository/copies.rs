//! A file some templates share is one file, copied into each so that each
//! stands alone (`wash new --subfolder`, `cp -r`): the WIT and `wkg.lock`
//! from the root, the rest (the JSON error type, the body reader, lint and
//! build settings) from one template. The table of templates lists each
//! copy with its source; `scripts/sync-copies` writes them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use test_support::{TEMPLATES, workspace_root};

#[test]
fn every_copy_is_a_plain_file_the_same_as_its_source() {
    for template in &TEMPLATES {
        for (copy, source) in template.copies {
            let original = std::fs::read(workspace_root().join(source))
                .unwrap_or_else(|error| panic!("{}'s source {source}: {error}", template.name));
            let copy = format!("{}/{copy}", template.name);
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
    for template in &TEMPLATES {
        let listed: BTreeSet<&str> = template.copies.iter().map(|(copy, _)| *copy).collect();
        let dir = workspace_root().join(template.name);
        let lock = dir.join("wkg.lock");
        let lock = lock.symlink_metadata().is_ok().then_some(lock);
        for file in files_under(&dir.join("wit")).into_iter().chain(lock) {
            let relative = file.strip_prefix(&dir).unwrap().to_str().unwrap();
            assert!(
                listed.contains(relative),
                "{}/{relative} is not a copy in the table of templates: add it with its source",
                template.name
            );
        }
    }
}
