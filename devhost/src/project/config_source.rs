//! `configs:` and `secrets:`: named sources of key-value pairs, which
//! `workload.environment` and a `dev.components` entry's `environment` take
//! in by name, resolved exactly as wash 2.7.0 resolves them (its
//! `crates/wash-runtime/src/config_source.rs`), with its words:
//!
//! ```yaml
//! configs:
//!   upstream:
//!     inline: { upstream_url: "http://127.0.0.1:8081/" }
//! secrets:
//!   token:
//!     fromEnv: [UPSTREAM_TOKEN]
//! workload:
//!   environment:
//!     config: { mode: dev }   # literal values
//!     configFrom: [upstream]  # over them, in list order
//!     secretFrom: [token]     # over both, in list order
//! ```
//!
//! A source is any of `inline:` (a map), `file:` (an env-file: `KEY=VALUE`
//! lines, `#` comments, no quotes or escapes), `dir:` (a file per key, as a
//! Kubernetes volume projects a ConfigMap or a Secret) and `fromEnv:`
//! (variables of the host's own environment), laid over each other in that
//! order. A relative `file:` or `dir:` path must stay inside the project,
//! symbolic links resolved; an absolute or `~/` one may point anywhere (so
//! wash allows, say, `~/.config/<app>/token.env`). A secret `file:` must be
//! mode 0600 or 0400. An unknown name, a missing variable or a refused file
//! stops the host. Errors and warnings name sources, keys and paths, never
//! a value.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::interfaces::wasi_config::ConfigMap;
use crate::log;

/// One layer of environment: literal values, then the named `configs:`
/// entries over them, then the named `secrets:` entries over both (as
/// Kubernetes' `envFrom` layers them), the last in each list winning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentLayer {
    #[serde(default)]
    pub config: ConfigMap,
    #[serde(default)]
    pub config_from: Vec<String>,
    #[serde(default)]
    pub secret_from: Vec<String>,
}

/// Where a `configs:` or `secrets:` entry takes its pairs from: any of
/// these, each laid over those before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(default)]
    pub inline: ConfigMap,
    /// An env-file, relative to the project directory unless absolute.
    pub file: Option<PathBuf>,
    /// A directory holding a file per key (names starting with `.` are
    /// skipped), relative to the project directory unless absolute.
    pub dir: Option<PathBuf>,
    /// Names of the host's environment variables; each must be set.
    #[serde(default)]
    pub from_env: Vec<String>,
}

/// An entry of `configs:`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ConfigSource(pub Source);

/// An entry of `secrets:`: a [`Source`] whose `file:` must be private, and
/// whose inline values its `Debug` leaves out.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretSource(pub Source);

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Source {
            inline,
            file,
            dir,
            from_env,
        } = &self.0;
        f.debug_struct("SecretSource")
            .field("inline_keys", &inline.keys().collect::<Vec<_>>())
            .field("file", file)
            .field("dir", dir)
            .field("from_env", from_env)
            .finish()
    }
}

/// Reads `secrets:`. A mistake in it is reported without serde's own
/// message, which quotes the offending scalar (`invalid type: string
/// "...", expected a map`), and that may be a secret.
pub fn deserialize_secrets<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, SecretSource>, D::Error> {
    BTreeMap::deserialize(deserializer).map_err(|_| {
        D::Error::custom(
            "`secrets:` must map each name to a source: `inline:` (a map of strings), \
             `file:`, `dir:` and/or `fromEnv:` (a list of variable names); \
             the YAML error is not shown, as it may quote a secret",
        )
    })
}

/// What an `environment` is resolved against: the project's `configs:`
/// and `secrets:`, and its directory, which relative paths start from (a
/// secret file inside it that git does not ignore draws a warning).
pub struct Resolver<'a> {
    pub configs: &'a BTreeMap<String, ConfigSource>,
    pub secrets: &'a BTreeMap<String, SecretSource>,
    pub project_dir: &'a Path,
}

impl Resolver<'_> {
    /// `layer` resolved into one map. `owner` names where it is declared
    /// (`workload`, `dev component 'name'`) in errors.
    pub fn resolve(
        &self,
        layer: Option<&EnvironmentLayer>,
        owner: &str,
    ) -> anyhow::Result<ConfigMap> {
        let Some(layer) = layer else {
            return Ok(ConfigMap::new());
        };
        let mut out = layer.config.clone();
        self.take_in(&mut out, &layer.config_from, Kind::Config, owner)
            .with_context(|| format!("failed to resolve {owner} environment.configFrom"))?;
        self.take_in(&mut out, &layer.secret_from, Kind::Secret, owner)
            .with_context(|| format!("failed to resolve {owner} environment.secretFrom"))?;
        Ok(out)
    }

    /// Lays each source of `kind` that `names` names over `out`, in order.
    fn take_in(
        &self,
        out: &mut ConfigMap,
        names: &[String],
        kind: Kind,
        owner: &str,
    ) -> anyhow::Result<()> {
        for name in names {
            let source = match kind {
                Kind::Config => self.configs.get(name).map(|config| &config.0),
                Kind::Secret => self.secrets.get(name).map(|secret| &secret.0),
            };
            let Some(source) = source else {
                match kind {
                    Kind::Config => bail!(
                        "{owner} references config '{name}' which is not defined in the top-level `configs:` block"
                    ),
                    Kind::Secret => bail!(
                        "{owner} references secret '{name}' which is not defined in the top-level `secrets:` block"
                    ),
                }
            };
            out.extend(source.resolve(kind, name, self.project_dir)?);
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Config,
    Secret,
}

impl Kind {
    fn source(self) -> &'static str {
        match self {
            Kind::Config => "config source",
            Kind::Secret => "secret source",
        }
    }
}

impl Source {
    /// `inline`, then `file`, then `dir`, then `fromEnv`, the later winning.
    fn resolve(&self, kind: Kind, name: &str, project_dir: &Path) -> anyhow::Result<ConfigMap> {
        let source = kind.source();
        let mut out = self.inline.clone();
        if let Some(file) = &self.file {
            let path = contained_path(file, project_dir)
                .with_context(|| format!("{source} '{name}' has an unsafe `file:` path"))?;
            let file = open_no_follow(&path)
                .with_context(|| format!("could not open `file:` for {source} '{name}'"))?;
            if kind == Kind::Secret {
                // Checked on the open file, so it is the file read next.
                check_private(&file, &path).with_context(|| {
                    format!("secret source '{name}' file permissions are too permissive")
                })?;
                warn_if_not_ignored(&path, project_dir, name);
            }
            let pairs = parse_env_file(file, &path)
                .with_context(|| format!("failed to parse `file:` for {source} '{name}'"))?;
            out.extend(pairs);
        }
        if let Some(dir) = &self.dir {
            let pairs = read_dir(dir, project_dir)
                .with_context(|| format!("failed to read `dir:` for {source} '{name}'"))?;
            out.extend(pairs);
        }
        for variable in &self.from_env {
            let Ok(value) = std::env::var(variable) else {
                bail!(
                    "{source} '{name}' references environment variable '{variable}' which is not set"
                );
            };
            out.insert(variable.clone(), value);
        }
        Ok(out)
    }
}

/// `path` made absolute and canonical. A relative path must stay inside
/// the project once its links are resolved; an absolute or `~/` one may
/// not, as under wash. (wash says `file:` for a `dir:` too.)
fn contained_path(path: &Path, project_dir: &Path) -> anyhow::Result<PathBuf> {
    let expanded = expand_tilde(path);
    let candidate = match expanded.is_absolute() {
        true => expanded,
        false => project_dir.join(expanded),
    };
    let canonical = candidate
        .canonicalize()
        .with_context(|| format!("could not resolve `file:` path: {}", candidate.display()))?;
    let project = project_dir.canonicalize().with_context(|| {
        format!(
            "could not canonicalize project_dir: {}",
            project_dir.display()
        )
    })?;
    if !path.is_absolute() && !is_tilde(path) && !canonical.starts_with(&project) {
        bail!(
            "relative `file:` path resolves outside the project directory: {} -> {}",
            path.display(),
            canonical.display()
        );
    }
    Ok(canonical)
}

/// `~` and `~/...` in the home directory; anything else as it is.
fn expand_tilde(path: &Path) -> PathBuf {
    let home = std::env::home_dir();
    match (path.to_str(), home) {
        (Some("~"), Some(home)) => home,
        (Some(text), Some(home)) if text.starts_with("~/") => home.join(&text[2..]),
        _ => path.to_path_buf(),
    }
}

fn is_tilde(path: &Path) -> bool {
    matches!(path.to_str(), Some(text) if text == "~" || text.starts_with("~/"))
}

/// Opens `path` for reading, refusing a symbolic link in its last
/// component: `path` is canonical, so one there now was put there since.
#[cfg(unix)]
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// A secret file must be readable by its owner alone: 0600 or 0400, as a
/// Kubernetes Secret volume's `defaultMode: 0400`.
#[cfg(unix)]
fn check_private(file: &File, path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = file
        .metadata()
        .with_context(|| format!("could not stat secret file: {}", path.display()))?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode != 0o600 && mode != 0o400 {
        bail!(
            "secret file {} has mode {mode:o}; require 0600 or 0400",
            path.display()
        );
    }
    Ok(())
}

/// Elsewhere there is no mode to check, as under wash.
#[cfg(not(unix))]
fn check_private(_file: &File, _path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// A secret file inside the project that git does not ignore is one commit
/// away from being published: say so (it is still read).
fn warn_if_not_ignored(path: &Path, project_dir: &Path, name: &str) {
    let Ok(project) = project_dir.canonicalize() else {
        return;
    };
    if path.starts_with(&project) && !git_ignores(&project, path) {
        log::warn(format_args!(
            "devhost: warning: secret source '{name}': its `file:` is inside the project and not gitignored; add it to .gitignore"
        ));
    }
}

/// Whether `git check-ignore` says git ignores `path`; not when git is
/// missing, or `project` is not in a repository.
fn git_ignores(project: &Path, path: &Path) -> bool {
    use std::process::{Command, Stdio};
    Command::new("git")
        .arg("-C")
        .arg(project)
        .args(["check-ignore", "--quiet"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.code() == Some(0))
}

/// An env-file: `KEY=VALUE` a line, split at the first `=`, key and value
/// trimmed, blank lines and `#` lines skipped, a later key winning. No
/// quotes, escapes or expansion: `A="b"` is `"b"`, quotes and all.
fn parse_env_file(file: File, path: &Path) -> anyhow::Result<ConfigMap> {
    let mut out = ConfigMap::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("could not read file: {}", path.display()))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let number = index + 1;
        let Some((key, value)) = line.split_once('=') else {
            bail!("line {number} is not KEY=VALUE in {}", path.display());
        };
        let key = key.trim();
        if key.is_empty() {
            bail!("line {number} has empty key in {}", path.display());
        }
        out.insert(key.to_string(), value.trim().to_string());
    }
    Ok(out)
}

/// A directory holding a file per key: each regular file's name is a key
/// and its whole content (untrimmed) the value. Names starting with `.`
/// are skipped (kubelet's `..data`); links are followed, as a mounted
/// volume is made of them, but each must resolve inside the directory.
fn read_dir(dir: &Path, project_dir: &Path) -> anyhow::Result<ConfigMap> {
    let dir = contained_path(dir, project_dir).context("unsafe `dir:` path")?;
    let unreadable = || format!("could not read directory {}", dir.display());
    let mut out = ConfigMap::new();
    for entry in std::fs::read_dir(&dir).with_context(unreadable)? {
        let entry = entry.with_context(unreadable)?;
        let file_name = entry.file_name();
        let Some(key) = file_name.to_str() else {
            bail!(
                "entry {} in {} is not valid UTF-8",
                file_name.to_string_lossy(),
                dir.display()
            );
        };
        if key.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let canonical = path
            .canonicalize()
            .with_context(|| format!("could not resolve {}", path.display()))?;
        if !canonical.starts_with(&dir) {
            bail!(
                "entry {key} in `dir:` {} resolves outside the mounted directory ({})",
                dir.display(),
                canonical.display()
            );
        }
        let is_file = std::fs::metadata(&canonical)
            .with_context(|| format!("could not stat {}", canonical.display()))?
            .is_file();
        if !is_file {
            continue;
        }
        let value = std::fs::read_to_string(&canonical)
            .with_context(|| format!("could not read {}", canonical.display()))?;
        out.insert(key.to_string(), value);
    }
    Ok(out)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    /// A value that must never show in an error.
    const SECRET: &str = "s3cr3t-value";

    fn write(path: &Path, text: &str, mode: u32) {
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        (pairs.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn source(yaml: &str) -> Source {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    /// The error's whole chain, as devhost prints it.
    fn error_of(result: anyhow::Result<ConfigMap>) -> String {
        let error = format!("{:#}", result.unwrap_err());
        assert!(!error.contains(SECRET), "a value in: {error}");
        error
    }

    /// An environment variable every test process has, and its value.
    fn path_variable() -> (String, String) {
        ("PATH".into(), std::env::var("PATH").unwrap())
    }

    #[test]
    fn inline_file_dir_and_from_env_each_give_their_pairs() {
        let project = tempfile::tempdir().unwrap();
        let dir = project.path();
        let inline = source("inline: {a: one}");
        assert_eq!(
            inline.resolve(Kind::Config, "c", dir).unwrap(),
            map(&[("a", "one")])
        );

        write(&dir.join("app.env"), "A=1\nB=2\n", 0o644);
        let file = source("file: app.env");
        assert_eq!(
            file.resolve(Kind::Config, "c", dir).unwrap(),
            map(&[("A", "1"), ("B", "2")])
        );

        std::fs::create_dir(dir.join("mounted")).unwrap();
        write(&dir.join("mounted/api-key"), "k\n", 0o644);
        write(&dir.join("mounted/url"), "http://x/", 0o644);
        let from_dir = source("dir: mounted");
        // A value is the file's whole content, its newline too.
        assert_eq!(
            from_dir.resolve(Kind::Secret, "s", dir).unwrap(),
            map(&[("api-key", "k\n"), ("url", "http://x/")])
        );

        let (variable, value) = path_variable();
        let from_env = source(&format!("fromEnv: [{variable}]"));
        assert_eq!(
            from_env.resolve(Kind::Secret, "s", dir).unwrap(),
            map(&[(&variable, &value)])
        );
    }

    #[test]
    fn within_a_source_inline_then_file_then_dir_then_from_env() {
        let project = tempfile::tempdir().unwrap();
        let dir = project.path();
        let (variable, value) = path_variable();
        write(
            &dir.join("a.env"),
            &format!("{variable}=file\nFILE=file\nDIR=file\n"),
            0o644,
        );
        std::fs::create_dir(dir.join("d")).unwrap();
        write(&dir.join("d").join(&variable), "dir", 0o644);
        write(&dir.join("d/DIR"), "dir", 0o644);
        let all = source(&format!(
            "{{inline: {{{variable}: inline, INLINE: inline, FILE: inline}}, file: a.env, dir: d, fromEnv: [{variable}]}}"
        ));
        assert_eq!(
            all.resolve(Kind::Config, "c", dir).unwrap(),
            map(&[
                ("DIR", "dir"),
                ("FILE", "file"),
                ("INLINE", "inline"),
                (&variable, &value),
            ])
        );
    }

    #[test]
    fn env_files_are_key_equals_value_lines() {
        let project = tempfile::tempdir().unwrap();
        let path = project.path().join("a.env");
        write(
            &path,
            "# a comment\n\n  KEY = spaced value  \nURL=http://h/?a=b\nQUOTED=\"kept\"\r\nKEY=later\nEMPTY=\n",
            0o644,
        );
        assert_eq!(
            parse_env_file(File::open(&path).unwrap(), &path).unwrap(),
            map(&[
                ("EMPTY", ""),
                ("KEY", "later"),
                ("QUOTED", "\"kept\""),
                ("URL", "http://h/?a=b"),
            ])
        );

        write(&path, "A=1\nTOKEN s3cr3t-value\n", 0o644);
        let error = error_of(source("file: a.env").resolve(Kind::Config, "c", project.path()));
        assert!(error.contains("failed to parse `file:` for config source 'c'"));
        assert!(error.contains("line 2 is not KEY=VALUE in "), "{error}");

        write(&path, "=s3cr3t-value\n", 0o644);
        let error = error_of(source("file: a.env").resolve(Kind::Config, "c", project.path()));
        assert!(error.contains("line 1 has empty key in "), "{error}");
    }

    /// A project directory, and beside it (outside) a secret env-file.
    fn project_beside_a_secret() -> (tempfile::TempDir, PathBuf) {
        let outer = tempfile::tempdir().unwrap();
        let project = outer.path().join("project");
        std::fs::create_dir(&project).unwrap();
        write(
            &outer.path().join("outside.env"),
            "TOKEN=s3cr3t-value\n",
            0o600,
        );
        (outer, project)
    }

    #[test]
    fn a_relative_path_out_of_the_project_is_refused() {
        let (_outer, project) = project_beside_a_secret();
        for yaml in ["file: ../outside.env", "dir: .."] {
            let error = error_of(source(yaml).resolve(Kind::Secret, "s", &project));
            assert!(
                error.contains("relative `file:` path resolves outside the project directory: .."),
                "{error}"
            );
        }
        let error = error_of(source("file: ../outside.env").resolve(Kind::Secret, "s", &project));
        assert!(
            error.starts_with("secret source 's' has an unsafe `file:` path: "),
            "{error}"
        );
        let error = error_of(source("dir: ..").resolve(Kind::Config, "c", &project));
        assert!(
            error.starts_with("failed to read `dir:` for config source 'c': unsafe `dir:` path: "),
            "{error}"
        );
    }

    #[test]
    fn a_symlink_out_of_the_project_is_refused() {
        let (outer, project) = project_beside_a_secret();
        symlink(outer.path().join("outside.env"), project.join("link.env")).unwrap();
        let error = error_of(source("file: link.env").resolve(Kind::Secret, "s", &project));
        assert!(
            error.contains(
                "relative `file:` path resolves outside the project directory: link.env -> "
            ),
            "{error}"
        );

        // In a `dir:`, each entry must resolve inside the directory.
        std::fs::create_dir(project.join("mounted")).unwrap();
        symlink(
            outer.path().join("outside.env"),
            project.join("mounted/TOKEN"),
        )
        .unwrap();
        let error = error_of(source("dir: mounted").resolve(Kind::Secret, "s", &project));
        assert!(
            error.contains("entry TOKEN in `dir:` ")
                && error.contains("resolves outside the mounted directory"),
            "{error}"
        );
    }

    #[test]
    fn links_inside_hidden_entries_and_absolute_paths_are_read() {
        let outer = tempfile::tempdir().unwrap();
        let project = outer.path().join("project");
        std::fs::create_dir(&project).unwrap();
        // A link inside the project, to a file inside it.
        write(&project.join("real.env"), "A=1\n", 0o644);
        symlink(project.join("real.env"), project.join("link.env")).unwrap();
        assert_eq!(
            source("file: link.env")
                .resolve(Kind::Config, "c", &project)
                .unwrap(),
            map(&[("A", "1")])
        );
        // A kubelet-style volume: hidden entries skipped, links followed.
        let mounted = project.join("mounted");
        std::fs::create_dir_all(mounted.join("..2026_01_01")).unwrap();
        write(&mounted.join("..2026_01_01/key"), "v", 0o644);
        symlink(mounted.join("..2026_01_01/key"), mounted.join("key")).unwrap();
        assert_eq!(
            source("dir: mounted")
                .resolve(Kind::Secret, "s", &project)
                .unwrap(),
            map(&[("key", "v")])
        );
        // An absolute path may be anywhere, as under wash.
        let outside = outer.path().join("outside.env");
        write(&outside, "B=2\n", 0o600);
        let absolute = source(&format!("file: {}", outside.display()));
        assert_eq!(
            absolute.resolve(Kind::Secret, "s", &project).unwrap(),
            map(&[("B", "2")])
        );
    }

    #[test]
    fn a_secret_file_must_be_0600_or_0400() {
        let project = tempfile::tempdir().unwrap();
        let path = project.path().join("token.env");
        let secret = source("file: token.env");
        for mode in [0o644, 0o640, 0o604, 0o700, 0o660] {
            write(&path, "TOKEN=s3cr3t-value\n", mode);
            let error = error_of(secret.resolve(Kind::Secret, "token", project.path()));
            assert_eq!(
                error,
                format!(
                    "secret source 'token' file permissions are too permissive: secret file {} has mode {mode:o}; require 0600 or 0400",
                    path.canonicalize().unwrap().display()
                )
            );
        }
        for mode in [0o600, 0o400] {
            write(&path, "TOKEN=s3cr3t-value\n", mode);
            let pairs = secret.resolve(Kind::Secret, "token", project.path());
            assert_eq!(pairs.unwrap(), map(&[("TOKEN", SECRET)]));
        }
        // A config's file has no such rule.
        write(&path, "TOKEN=x\n", 0o644);
        assert!(secret.resolve(Kind::Config, "c", project.path()).is_ok());
    }

    #[test]
    fn a_missing_file_or_variable_is_an_error_naming_it() {
        let project = tempfile::tempdir().unwrap();
        let error = error_of(source("file: nope.env").resolve(Kind::Config, "c", project.path()));
        assert!(
            error.starts_with(
                "config source 'c' has an unsafe `file:` path: could not resolve `file:` path: "
            ),
            "{error}"
        );
        let missing = "DEVHOST_TEST_VARIABLE_NOBODY_SETS";
        let error = error_of(source(&format!("fromEnv: [{missing}]")).resolve(
            Kind::Secret,
            "s",
            project.path(),
        ));
        assert_eq!(
            error,
            format!(
                "secret source 's' references environment variable '{missing}' which is not set"
            )
        );
    }

    fn catalogs() -> (
        BTreeMap<String, ConfigSource>,
        BTreeMap<String, SecretSource>,
    ) {
        let configs = serde_yaml_ng::from_str(
            "first: {inline: {KEY: first, ONLY_FIRST: '1'}}\nsecond: {inline: {KEY: second, ONLY_SECOND: '1'}}",
        )
        .unwrap();
        let secrets = serde_yaml_ng::from_str(
            "one: {inline: {KEY: one, ONLY_ONE: '1'}}\ntwo: {inline: {KEY: two, ONLY_TWO: '1'}}",
        )
        .unwrap();
        (configs, secrets)
    }

    #[test]
    fn literal_then_config_from_then_secret_from_each_in_list_order() {
        let (configs, secrets) = catalogs();
        let project = tempfile::tempdir().unwrap();
        let resolver = Resolver {
            configs: &configs,
            secrets: &secrets,
            project_dir: project.path(),
        };
        let resolve = |yaml: &str| {
            let layer: EnvironmentLayer = serde_yaml_ng::from_str(yaml).unwrap();
            resolver.resolve(Some(&layer), "workload").unwrap()
        };
        let all = resolve(
            "{config: {KEY: literal, ONLY_LITERAL: '1'}, configFrom: [first, second], secretFrom: [one, two]}",
        );
        assert_eq!(all["KEY"], "two");
        for marker in [
            "ONLY_LITERAL",
            "ONLY_FIRST",
            "ONLY_SECOND",
            "ONLY_ONE",
            "ONLY_TWO",
        ] {
            assert_eq!(all[marker], "1", "{marker}");
        }
        assert_eq!(
            resolve(
                "{config: {KEY: literal}, configFrom: [second, first], secretFrom: [two, one]}"
            )["KEY"],
            "one"
        );
        assert_eq!(
            resolve("{config: {KEY: literal}, configFrom: [second, first]}")["KEY"],
            "first"
        );
        assert_eq!(resolve("{config: {KEY: literal}}")["KEY"], "literal");
        assert!(resolver.resolve(None, "workload").unwrap().is_empty());
    }

    #[test]
    fn an_undefined_name_is_an_error_naming_it_and_its_owner() {
        let (configs, secrets) = catalogs();
        let project = tempfile::tempdir().unwrap();
        let resolver = Resolver {
            configs: &configs,
            secrets: &secrets,
            project_dir: project.path(),
        };
        let error = |yaml: &str| {
            let layer: EnvironmentLayer = serde_yaml_ng::from_str(yaml).unwrap();
            error_of(resolver.resolve(Some(&layer), "dev component 'x'"))
        };
        assert_eq!(
            error("configFrom: [first, typo]"),
            "failed to resolve dev component 'x' environment.configFrom: dev component 'x' references config 'typo' which is not defined in the top-level `configs:` block"
        );
        assert_eq!(
            error("secretFrom: [first]"),
            "failed to resolve dev component 'x' environment.secretFrom: dev component 'x' references secret 'first' which is not defined in the top-level `secrets:` block"
        );
    }

    #[derive(Debug, Deserialize)]
    struct WithSecrets {
        #[serde(default, deserialize_with = "deserialize_secrets")]
        #[allow(dead_code)]
        secrets: BTreeMap<String, SecretSource>,
    }

    #[test]
    fn a_mistake_in_secrets_quotes_no_value() {
        for yaml in [
            "secrets:\n  token: s3cr3t-value\n",
            "secrets:\n  token:\n    inline: s3cr3t-value\n",
            "secrets:\n  token:\n    inline:\n      TOKEN: [s3cr3t-value]\n",
        ] {
            let error = serde_yaml_ng::from_str::<WithSecrets>(yaml).unwrap_err();
            let error = error.to_string();
            assert!(!error.contains(SECRET), "{error}");
            assert!(error.contains("`secrets:` must map each name"), "{error}");
        }
        let parsed: WithSecrets =
            serde_yaml_ng::from_str("secrets:\n  token:\n    inline: {TOKEN: s3cr3t-value}\n")
                .unwrap();
        // Nor does its Debug show one.
        let debug = format!("{parsed:?}");
        assert!(
            !debug.contains(SECRET) && debug.contains("TOKEN"),
            "{debug}"
        );
    }
}
