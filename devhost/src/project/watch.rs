//! Watching a project's files: the events of the platform's file watcher
//! (`notify`: inotify, FSEvents, ReadDirectoryChanges), less what a build
//! writes and what nobody edits, gathered into one change per burst.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher, event::ModifyKind};
use tokio::sync::mpsc;

/// How long the files must stay quiet before a burst of events counts as
/// one change: an editor's save (write a temporary file, rename it) or a
/// `git checkout` arrives as many events within a few milliseconds.
const QUIET: Duration = Duration::from_millis(50);

/// Ignored wherever they are, besides what `.gitignore` says: build output,
/// git's own files, and editors' backup, swap and lock files.
const ALWAYS_IGNORED: &[&str] = &[
    "target/", ".git/", "*.swp", "*.swx", "*~", ".#*", "#*#", "4913",
];

/// A project's files under watch.
pub struct ProjectWatcher {
    root: PathBuf,
    ignored: Gitignore,
    /// Paths the watcher must not react to though no pattern names them:
    /// the volumes, which the components themselves write.
    ignored_paths: Vec<PathBuf>,
    events: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
    // Watching stops when this is dropped.
    watcher: RecommendedWatcher,
}

impl ProjectWatcher {
    /// Watches everything under `project_dir` but what [`ALWAYS_IGNORED`],
    /// the project's `.gitignore` and `ignored_paths` leave out.
    pub fn start(project_dir: &Path, ignored_paths: &[PathBuf]) -> anyhow::Result<Self> {
        let root = project_dir
            .canonicalize()
            .with_context(|| format!("cannot watch {}", project_dir.display()))?;
        let mut builder = GitignoreBuilder::new(&root);
        for pattern in ALWAYS_IGNORED {
            builder.add_line(None, pattern)?;
        }
        let gitignore = root.join(".gitignore");
        if gitignore.is_file()
            && let Some(error) = builder.add(&gitignore)
        {
            crate::log::warn(format_args!("devhost: warning: {error}"));
        }
        let ignored = builder.build()?;

        let (sender, events) = mpsc::unbounded_channel();
        let settings = notify::Config::default().with_follow_symlinks(false);
        let watcher = RecommendedWatcher::new(
            move |event| {
                let _ = sender.send(event);
            },
            settings,
        )?;
        let mut watching = Self {
            root,
            ignored,
            ignored_paths: Vec::new(),
            events,
            watcher,
        };
        watching.ignore(ignored_paths);
        // The project's own entries, and each folder under it but those
        // ignored: where the watcher needs one watch per folder (inotify),
        // `target/`'s thousands would cost far more than the sources'.
        watching.watch(&watching.root.clone(), RecursiveMode::NonRecursive)?;
        for entry in std::fs::read_dir(&watching.root)? {
            let path = entry?.path();
            if path.is_dir() && watching.relevant(&path).is_some() {
                watching.watch(&path, RecursiveMode::Recursive)?;
            }
        }
        Ok(watching)
    }

    /// Ignores changes under `paths` (and no longer those it ignored
    /// before): the paths the project's components write.
    pub fn ignore(&mut self, paths: &[PathBuf]) {
        self.ignored_paths = paths
            .iter()
            .filter_map(|path| path.canonicalize().ok())
            .collect();
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> anyhow::Result<()> {
        (self.watcher.watch(path, mode)).with_context(|| format!("cannot watch {}", path.display()))
    }

    /// Waits for the next change and returns the files it touched, relative
    /// to the project, once they have been quiet for [`QUIET`].
    pub async fn next_change(&mut self) -> Option<Vec<PathBuf>> {
        let mut changed = Vec::new();
        while changed.is_empty() {
            let event = self.events.recv().await?;
            self.note(event, &mut changed);
        }
        while let Ok(Some(event)) = tokio::time::timeout(QUIET, self.events.recv()).await {
            self.note(event, &mut changed);
        }
        // An editor's or a tool's temporary file, gone again, says less
        // than the file it replaced.
        let root = &self.root;
        if changed.iter().any(|path| root.join(path).exists()) {
            changed.retain(|path| root.join(path).exists());
        }
        Some(changed)
    }

    /// Adds the paths of `event` that count to `changed`, once each, and
    /// watches a new folder at the top of the project.
    fn note(&mut self, event: notify::Result<notify::Event>, changed: &mut Vec<PathBuf>) {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                crate::log::warn(format_args!("devhost: warning: watching files: {error}"));
                return;
            }
        };
        // Reading a file (the build reads them all) or touching its
        // metadata changes nothing.
        let counts = match event.kind {
            EventKind::Create(_) | EventKind::Remove(_) => true,
            EventKind::Modify(kind) => !matches!(kind, ModifyKind::Metadata(_)),
            EventKind::Any | EventKind::Access(_) | EventKind::Other => false,
        };
        if !counts {
            return;
        }
        for path in event.paths {
            let Some(relative) = self.relevant(&path) else {
                continue;
            };
            if matches!(event.kind, EventKind::Create(_))
                && path.parent() == Some(self.root.as_path())
                && path.is_dir()
                && let Err(error) = self.watch(&path, RecursiveMode::Recursive)
            {
                crate::log::warn(format_args!("devhost: warning: {error:#}"));
            }
            if !changed.contains(&relative) {
                changed.push(relative);
            }
        }
    }

    /// `path` relative to the project, if a change to it counts.
    fn relevant(&self, path: &Path) -> Option<PathBuf> {
        if self
            .ignored_paths
            .iter()
            .any(|ignored| path.starts_with(ignored))
        {
            return None;
        }
        let relative = path.strip_prefix(&self.root).ok()?;
        if relative.as_os_str().is_empty() {
            return None;
        }
        let ignored = self
            .ignored
            .matched_path_or_any_parents(relative, path.is_dir())
            .is_ignore();
        (!ignored).then(|| relative.to_path_buf())
    }
}

/// "src/lib.rs", or "src/lib.rs and 3 more files", for the log.
pub fn describe(changed: &[PathBuf]) -> String {
    match changed {
        [] => "nothing".to_string(),
        [one] => one.display().to_string(),
        [first, rest @ ..] => format!(
            "{} and {} more file{}",
            first.display(),
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watcher_of(dir: &Path, gitignore: &str) -> ProjectWatcher {
        std::fs::write(dir.join(".gitignore"), gitignore).unwrap();
        std::fs::create_dir_all(dir.join("files")).unwrap();
        ProjectWatcher::start(dir, &[dir.join("files")]).unwrap()
    }

    #[tokio::test]
    async fn sources_count_and_build_output_git_editors_volumes_and_gitignore_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let watcher = watcher_of(dir.path(), "/generated\n*.log\n");
        let root = &watcher.root;
        for counted in [
            "src/lib.rs",
            "wit/world.wit",
            ".wash/config.yaml",
            "Cargo.toml",
        ] {
            assert_eq!(
                watcher.relevant(&root.join(counted)),
                Some(PathBuf::from(counted)),
                "{counted}"
            );
        }
        for ignored in [
            "target/wasm32-wasip2/release/app.wasm",
            "sub/target/debug/x",
            ".git/index",
            "src/.lib.rs.swp",
            "src/lib.rs~",
            "src/4913",
            "generated/out.rs",
            "build.log",
            "files/upload.txt",
        ] {
            assert_eq!(watcher.relevant(&root.join(ignored)), None, "{ignored}");
        }
        assert_eq!(watcher.relevant(Path::new("/elsewhere/src/lib.rs")), None);
    }

    #[tokio::test]
    async fn a_burst_of_edits_is_one_change() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let mut watcher = watcher_of(dir.path(), "");
        for name in ["a.rs", "b.rs", "a.rs"] {
            std::fs::write(dir.path().join("src").join(name), "fn main() {}").unwrap();
        }
        std::fs::create_dir(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join("target/app.wasm"), "ignored").unwrap();
        let change = tokio::time::timeout(Duration::from_secs(10), watcher.next_change())
            .await
            .unwrap()
            .unwrap();
        // Both files, each once.
        assert!(change.contains(&PathBuf::from("src/a.rs")), "{change:?}");
        assert!(change.contains(&PathBuf::from("src/b.rs")), "{change:?}");
        assert_eq!(
            change.iter().filter(|path| path.ends_with("a.rs")).count(),
            1
        );
        // Nothing more is pending.
        let next = tokio::time::timeout(Duration::from_millis(300), watcher.next_change()).await;
        assert!(next.is_err(), "{next:?}");
    }

    #[test]
    fn a_change_is_described_by_its_first_file() {
        let files = |names: &[&str]| names.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(describe(&files(&["src/lib.rs"])), "src/lib.rs");
        assert_eq!(
            describe(&files(&["src/lib.rs", "wit/world.wit"])),
            "src/lib.rs and 1 more file"
        );
        assert_eq!(describe(&files(&["a", "b", "c"])), "a and 2 more files");
    }
}
