//! The repository as its users get it: a snapshot of this working tree
//! (what a clone would hold if it were committed), a clone of that made the
//! way Git for Windows makes one, and a scratch directory outside the
//! workspace for the projects made from them.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::workspace::workspace_root;

/// Where the clones, the projects made from them and their shared build
/// output live, emptied once per run: outside the workspace (cargo would
/// take a project inside it for a stray member of this workspace), one for
/// each checkout.
pub fn scratch() -> &'static Path {
    static SCRATCH: OnceLock<PathBuf> = OnceLock::new();
    SCRATCH.get_or_init(|| {
        let mut checkout = DefaultHasher::new();
        workspace_root().canonicalize().unwrap().hash(&mut checkout);
        let name = format!("templates-e2e-{:016x}", checkout.finish());
        let dir = std::env::temp_dir().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("projects")).unwrap();
        dir
    })
}

/// Links `project/target` to the one build directory every project of the
/// run shares, so each dependency is compiled once. Build output only: the
/// project's own files are untouched, and cargo builds them where they are.
pub fn share_target(project: &Path) {
    let shared_target = scratch().join("cargo-target");
    std::fs::create_dir_all(&shared_target).unwrap();
    std::os::unix::fs::symlink(&shared_target, project.join("target")).unwrap();
}

/// A git repository holding this working tree as it is now (the files git
/// tracks or would track, symlinks kept as symlinks): what a user would
/// clone, including changes not yet committed. In CI, a clean clone, it is
/// the commit under test.
pub fn snapshot() -> &'static Path {
    static REPO: OnceLock<PathBuf> = OnceLock::new();
    REPO.get_or_init(|| {
        let root = workspace_root();
        let repo = scratch().join("repo");
        let listed = git(
            &root,
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
        );
        for file in listed.split('\0').filter(|file| !file.is_empty()) {
            let (from, to) = (root.join(file), repo.join(file));
            // Listed but deleted in the working tree: not part of it.
            let Ok(metadata) = from.symlink_metadata() else {
                continue;
            };
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            if metadata.is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &to).unwrap();
            } else {
                std::fs::copy(&from, &to).unwrap();
            }
        }
        git(&repo, &["init", "-q"]);
        git(&repo, &["add", "-A"]);
        git(
            &repo,
            &[
                "-c",
                "user.name=tests",
                "-c",
                "user.email=tests@localhost",
                "commit",
                "-qm",
                "snapshot",
            ],
        );
        repo
    })
}

/// Git for Windows' defaults, as its system configuration sets them: no
/// symlinks (a link is checked out as a text file holding its target), and
/// CRLF line endings in the working tree.
const WINDOWS_GIT: [(&str, &str); 2] = [("core.symlinks", "false"), ("core.autocrlf", "true")];

/// Makes every `git` that `command` runs, itself or through a child (such
/// as `wash new`), behave as Git for Windows does by default.
pub fn like_git_for_windows(command: &mut Command) -> &mut Command {
    command.env("GIT_CONFIG_COUNT", WINDOWS_GIT.len().to_string());
    for (index, (key, value)) in WINDOWS_GIT.iter().enumerate() {
        command
            .env(format!("GIT_CONFIG_KEY_{index}"), key)
            .env(format!("GIT_CONFIG_VALUE_{index}"), value);
    }
    command
}

/// A clone of [`snapshot`] made as Git for Windows makes one. The wash leg
/// starts from it: `wash new` clones it again, the same way.
pub fn windows_clone() -> &'static Path {
    static CLONE: OnceLock<PathBuf> = OnceLock::new();
    CLONE.get_or_init(|| {
        let clone = scratch().join("windows-clone");
        let source = format!("file://{}", snapshot().display());
        let output = like_git_for_windows(&mut Command::new("git"))
            .args(["clone", "-q", &source])
            .arg(&clone)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "git clone: {stderr}");
        clone
    })
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "git {args:?}: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// A `cp -r` copy of `template`'s folder from [`snapshot`], in the scratch
/// directory, with its package renamed `name` (in `Cargo.toml`,
/// `Cargo.lock` and the component path of `.wash/config.yaml`): its build
/// output, in the target directory every copy shares, is then its own, and
/// no other test's build of the same template overwrites its component.
pub fn renamed_copy(template: &str, name: &str) -> PathBuf {
    let copies = scratch().join("renamed");
    std::fs::create_dir_all(&copies).unwrap();
    let copy = copies.join(name);
    cp_r(&snapshot().join(template), &copy);
    rename_package(&copy, template, name);
    share_target(&copy);
    copy
}

/// `cp -r <from> <to>`, as a user copies a template's folder: `to` is the
/// copy (it must not exist yet).
pub fn cp_r(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success(), "cp -r {} failed", from.display());
}

/// Renames the package `from` in `dir` to `to`, and its component file.
pub fn rename_package(dir: &Path, from: &str, to: &str) {
    let package = |name: &str| format!("name = \"{name}\"");
    let file = |name: &str| format!("{}.wasm", name.replace('-', "_"));
    for (path, old, new) in [
        ("Cargo.toml", package(from), package(to)),
        ("Cargo.lock", package(from), package(to)),
        (".wash/config.yaml", file(from), file(to)),
    ] {
        let path = dir.join(path);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        std::fs::write(&path, text.replacen(&old, &new, 1)).unwrap();
    }
}
