//! Reading `.wash/config.yaml`, the file `wash dev` reads.
//!
//! Keys are spelled exactly as wash spells them. Unknown keys are ignored,
//! as wash ignores them, so a misspelled key is silently without effect.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::interfaces::allowed_hosts::AllowedHost;
use crate::interfaces::sockets::Sockets;
use crate::interfaces::volumes::Volume;

/// A component's configuration, which `wasi:config/store` hands it.
pub use crate::interfaces::wasi_config::ConfigMap;

/// `configs:`, `secrets:` and the `environment` that takes them in.
pub use super::config_source::{ConfigSource, EnvironmentLayer, SecretSource, Source};
use super::config_source::{Resolver, deserialize_secrets};

/// Where the config lives, relative to the project directory.
pub const CONFIG_FILE: &str = ".wash/config.yaml";

/// What `wash dev` names the component that `build.command` builds.
pub const WASH_DEV_COMPONENT: &str = "wash-dev-component";

/// The whole `.wash/config.yaml` file.
#[derive(Debug, Default, Deserialize)]
pub struct ProjectConfig {
    pub version: Option<String>,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub dev: DevConfig,
    #[serde(default)]
    pub workload: WorkloadConfig,
    /// Named sources of config, as a cluster's ConfigMaps, which an
    /// `environment`'s `configFrom` names.
    #[serde(default)]
    pub configs: BTreeMap<String, ConfigSource>,
    /// Named sources of secrets, as a cluster's Secrets, which an
    /// `environment`'s `secretFrom` names.
    #[serde(default, deserialize_with = "deserialize_secrets")]
    pub secrets: BTreeMap<String, SecretSource>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BuildConfig {
    /// Run through `sh -c` in the project directory.
    pub command: Option<String>,
    /// The built component, served first (relative to the project directory).
    pub component_path: Option<PathBuf>,
    /// Extra environment variables for the build command.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DevConfig {
    /// `IP:PORT`, kept as text so a bad value gets our own error message.
    pub address: Option<String>,
    #[serde(default)]
    pub components: Vec<DevComponent>,
    /// A NATS server to carry `wasmcloud:messaging` over (wash also keeps
    /// key-value there; devhost keeps key-value in memory). `--nats-url`
    /// overrides it.
    pub data_nats_url: Option<String>,
    /// Run the built component as the project's service instead.
    #[serde(default)]
    pub service: bool,
    /// A service (a `wasi:cli/run` component) to run beside the built one.
    pub service_file: Option<PathBuf>,
    /// The ports the service may listen on, and components may connect to.
    #[serde(default)]
    pub service_ports: Vec<ServicePort>,
    /// Host directories preopened in every component and the service.
    #[serde(default)]
    pub volumes: Vec<DevVolume>,
}

/// One of `dev.volumes`, as wash reads it, and devhost's own `read_only`.
#[derive(Debug, Deserialize)]
pub struct DevVolume {
    /// A directory on the host, relative to the project directory (wash
    /// resolves it against its working directory, which `wash dev` makes
    /// the project directory).
    pub host_path: PathBuf,
    /// Where components see it (the preopen's name), like `/data`.
    pub guest_path: String,
    /// devhost only: preopen it read-only, as a production manifest's
    /// `volumeMounts[].readOnly` does. wash 2.7.0 ignores the key and
    /// mounts every `dev.volumes` entry read-write.
    #[serde(default)]
    pub read_only: bool,
}

/// One of `dev.service_ports`, as wash reads it.
#[derive(Debug, Deserialize)]
pub struct ServicePort {
    pub name: String,
    pub port: u16,
    /// `TCP` (when absent) or `UDP`; devhost serves only TCP.
    pub protocol: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DevComponent {
    pub name: String,
    /// The component file (relative to the project directory).
    pub file: Option<PathBuf>,
    /// An OCI reference; wash can pull it, devhost cannot.
    pub image: Option<String>,
    #[serde(default)]
    pub config: ConfigMap,
    /// Laid over `workload.environment` for this component.
    pub environment: Option<EnvironmentLayer>,
    /// Replaces `workload.allowedHosts` for this component.
    #[serde(rename = "allowedHosts")]
    pub allowed_hosts: Option<Vec<AllowedHost>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WorkloadConfig {
    /// Applies to every component; a component's own `config` wins per key.
    #[serde(default)]
    pub config: ConfigMap,
    /// Every component's environment variables, which `wasi:config` hands
    /// it too, over its `config`: literal values, `configFrom` and
    /// `secretFrom` (see `config_source.rs`).
    pub environment: Option<EnvironmentLayer>,
    /// The hosts components may call with outgoing HTTP; none when absent.
    #[serde(rename = "allowedHosts")]
    pub allowed_hosts: Option<Vec<AllowedHost>>,
}

/// One component to load, in manifest order, with its config already merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentSpec {
    pub name: String,
    /// The name `wash dev` gives this component in its workload:
    /// [`WASH_DEV_COMPONENT`] for the built one, the entry's `name` for the
    /// others. The default NATS consumer group is derived from it.
    pub wash_name: String,
    /// Absolute, or relative to the current directory: ready to open.
    pub file: PathBuf,
    /// What `wasi:config` hands it: `workload.config`, its own `config`
    /// over that, and its `environment` over both, as under wash.
    pub config: ConfigMap,
    /// Its environment variables: the resolved `environment`.
    pub environment: ConfigMap,
    /// Where its outgoing HTTP may go.
    pub allowed_hosts: Vec<AllowedHost>,
    /// What it may do with wasi:sockets.
    pub sockets: Sockets,
}

/// `workload.environment` and each `dev.components` entry's, resolved
/// (see [`ProjectConfig::environment`]).
#[derive(Debug, Default)]
pub struct Environment {
    /// The built component's and the service's: `workload.environment`.
    pub workload: ConfigMap,
    /// Each `dev.components` entry's, in order: its own `environment` laid
    /// over the workload's.
    pub components: Vec<ConfigMap>,
}

impl ProjectConfig {
    /// Reads `<project_dir>/.wash/config.yaml`.
    pub fn load(project_dir: &Path) -> anyhow::Result<Self> {
        let path = project_dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid {}", path.display()))
    }

    /// Parses the YAML text of a config file and checks the values devhost
    /// relies on, so that mistakes are reported before anything starts.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: ProjectConfig = serde_yaml_ng::from_str(text)?;
        config.address()?;
        for component in &config.dev.components {
            if component.name.trim().is_empty() {
                bail!("dev.components: every component needs a `name`");
            }
            if component.file.is_none() {
                match &component.image {
                    Some(image) => bail!(
                        "dev.components `{}`: `image: {image}` needs wash; devhost only loads `file`",
                        component.name
                    ),
                    None => bail!("dev.components `{}`: `file` is missing", component.name),
                }
            }
        }
        Ok(config)
    }

    /// `dev.volumes`, each host path resolved against `project_dir` and
    /// canonicalized: once, at start-up. A host path that does not exist or
    /// is not a directory is an error naming it, as under wash.
    pub fn volumes(&self, project_dir: &Path) -> anyhow::Result<Vec<Volume>> {
        (self.dev.volumes.iter())
            .map(|volume| {
                Volume::resolve(
                    project_dir,
                    &volume.host_path,
                    &volume.guest_path,
                    volume.read_only,
                )
                .with_context(|| {
                    format!(
                        "dev.volumes: host_path `{}` (guest_path `{}`)",
                        volume.host_path.display(),
                        volume.guest_path
                    )
                })
            })
            .collect()
    }

    /// Resolves `workload.environment`, then each `dev.components` entry's
    /// own `environment` over it, reading the `configs:` and `secrets:`
    /// they name, as wash dev does after its build. An error names the
    /// source and the key, never a value.
    pub fn environment(&self, project_dir: &Path) -> anyhow::Result<Environment> {
        let resolver = Resolver {
            configs: &self.configs,
            secrets: &self.secrets,
            project_dir,
        };
        let workload = (resolver.resolve(self.workload.environment.as_ref(), "workload"))
            .context("failed to resolve workload-level configuration")?;
        let components = (self.dev.components.iter())
            .map(|component| {
                let owner = format!("dev component '{}'", component.name);
                let own = resolver.resolve(component.environment.as_ref(), &owner)?;
                Ok(overlay(&workload, &own))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Environment {
            workload,
            components,
        })
    }

    /// `dev.address` as a socket address, if set.
    pub fn address(&self) -> anyhow::Result<Option<SocketAddr>> {
        match &self.dev.address {
            None => Ok(None),
            Some(text) => match text.trim().parse() {
                Ok(address) => Ok(Some(address)),
                Err(_) => bail!("dev.address must be IP:PORT (like 127.0.0.1:8000), got `{text}`"),
            },
        }
    }

    /// The components to run, in manifest order: the built component first
    /// (named after its file), then each `dev.components` entry, each with
    /// its share of `environment`.
    pub fn components(&self, project_dir: &Path, environment: &Environment) -> Vec<ComponentSpec> {
        let mut specs = Vec::new();
        let connect = match self.service_ports() {
            ports if ports.is_empty() => Sockets::None,
            ports => Sockets::ConnectTo(ports),
        };
        if let Some(path) = &self.build.component_path
            && !self.dev.service
        {
            let file = project_dir.join(path);
            let workload = &environment.workload;
            specs.push(self.spec(file, WASH_DEV_COMPONENT, None, workload, connect.clone()));
        }
        for (index, component) in self.dev.components.iter().enumerate() {
            // `parse` has checked that every entry has a file.
            let Some(file) = &component.file else {
                continue;
            };
            let file = project_dir.join(file);
            let own = (environment.components.get(index)).cloned();
            let own = own.unwrap_or_default();
            let name = &component.name;
            specs.push(self.spec(file, name, Some(component), &own, connect.clone()));
        }
        specs
    }

    /// The project's service, if it has one: the built component when
    /// `dev.service` is set, else `dev.service_file`. It listens on the
    /// declared ports, and has the workload's `environment`.
    pub fn service(&self, project_dir: &Path, environment: &Environment) -> Option<ComponentSpec> {
        let file = match self.dev.service {
            true => self.build.component_path.as_ref(),
            false => self.dev.service_file.as_ref(),
        }?;
        let file = project_dir.join(file);
        let listen = Sockets::ListenOn(self.service_ports());
        Some(self.spec(file, "service", None, &environment.workload, listen))
    }

    /// The component in `file`, named `wash_name` in wash's workload: the
    /// workload's settings, with its `dev.components` `entry`'s over them
    /// (the built component and the service have none), and its resolved
    /// `environment` over its config.
    fn spec(
        &self,
        file: PathBuf,
        wash_name: &str,
        entry: Option<&DevComponent>,
        environment: &ConfigMap,
        sockets: Sockets,
    ) -> ComponentSpec {
        let mut config = self.workload.config.clone();
        let mut allowed_hosts = self.workload.allowed_hosts.as_ref();
        if let Some(entry) = entry {
            config = overlay(&config, &entry.config);
            allowed_hosts = entry.allowed_hosts.as_ref().or(allowed_hosts);
        }
        ComponentSpec {
            name: entry.map_or_else(|| name_from_file(&file), |entry| entry.name.clone()),
            wash_name: wash_name.to_string(),
            config: overlay(&config, environment),
            environment: environment.clone(),
            allowed_hosts: allowed_hosts.cloned().unwrap_or_default(),
            sockets,
            file,
        }
    }

    /// The declared TCP ports of the service.
    fn service_ports(&self) -> Vec<u16> {
        let tcp = |port: &&ServicePort| {
            (port.protocol.as_deref()).is_none_or(|protocol| protocol.eq_ignore_ascii_case("tcp"))
        };
        self.dev
            .service_ports
            .iter()
            .filter(tcp)
            .map(|port| port.port)
            .collect()
    }
}

/// `target/.../http_api.wasm` -> `http-api`: Cargo turns the package's `-`
/// into `_` in file names, so this recovers the package name.
fn name_from_file(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().replace('_', "-"))
        .unwrap_or_else(|| "component".to_string())
}

/// `base` with every key of `own` laid over it.
fn overlay(base: &ConfigMap, own: &ConfigMap) -> ConfigMap {
    let mut merged = base.clone();
    merged.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_CONFIG: &str = r#"
version: 2.0.0
build:
  command: cargo build --target wasm32-wasip2 --release
  component_path: target/wasm32-wasip2/release/http_api.wasm
  env:
    RUSTFLAGS: -Dwarnings
dev:
  address: 127.0.0.1:9000
  data_nats_url: nats://127.0.0.1:4222
  components:
    - name: task-leet
      file: target/wasm32-wasip2/release/task_leet.wasm
      config:
        subscriptions: tasks.leet,tasks.task-leet
        greeting: hi from task-leet
workload:
  config:
    greeting: hello
    mode: dev
some_future_key: ignored
"#;

    #[test]
    fn parses_every_key_wash_reads() {
        let config = ProjectConfig::parse(ROOT_CONFIG).unwrap();
        assert_eq!(config.version.as_deref(), Some("2.0.0"));
        assert_eq!(
            config.build.command.as_deref(),
            Some("cargo build --target wasm32-wasip2 --release")
        );
        assert_eq!(config.build.env["RUSTFLAGS"], "-Dwarnings");
        assert_eq!(
            config.address().unwrap(),
            Some("127.0.0.1:9000".parse().unwrap())
        );
        assert_eq!(
            config.dev.data_nats_url.as_deref(),
            Some("nats://127.0.0.1:4222")
        );
    }

    #[test]
    fn built_component_comes_first_and_component_config_wins() {
        let config = ProjectConfig::parse(ROOT_CONFIG).unwrap();
        let specs = config.components(Path::new("/project"), &Environment::default());
        assert_eq!(specs.len(), 2);

        assert_eq!(specs[0].name, "http-api");
        assert_eq!(
            specs[0].file,
            Path::new("/project/target/wasm32-wasip2/release/http_api.wasm")
        );
        assert_eq!(specs[0].config, config.workload.config);

        assert_eq!(specs[1].name, "task-leet");
        assert_eq!(specs[1].config["greeting"], "hi from task-leet");
        assert_eq!(specs[1].config["mode"], "dev");
        assert_eq!(
            specs[1].config["subscriptions"],
            "tasks.leet,tasks.task-leet"
        );
    }

    #[test]
    fn minimal_config_has_no_address_and_one_component() {
        let config = ProjectConfig::parse("build:\n  component_path: a_b.wasm\n").unwrap();
        assert_eq!(config.address().unwrap(), None);
        let specs = config.components(Path::new("p"), &Environment::default());
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].name, "a-b");
        assert!(specs[0].config.is_empty());
    }

    #[test]
    fn empty_config_has_no_components() {
        // Valid YAML; `start` then reports that there is nothing to run.
        let config = ProjectConfig::parse("").unwrap();
        assert!(
            config
                .components(Path::new("."), &Environment::default())
                .is_empty()
        );
    }

    #[test]
    fn bad_address_is_rejected() {
        for address in ["localhost:8000", "8000", "127.0.0.1", "127.0.0.1:99999"] {
            let text = format!("dev:\n  address: \"{address}\"\n");
            let error = ProjectConfig::parse(&text).unwrap_err();
            assert!(error.to_string().contains("IP:PORT"), "{address}: {error}");
        }
    }

    #[test]
    fn invalid_yaml_is_an_error_not_a_panic() {
        assert!(ProjectConfig::parse("dev: [unclosed").is_err());
        assert!(ProjectConfig::parse("dev:\n  components: 42\n").is_err());
        // Config values are strings; wash rejects other types too.
        assert!(ProjectConfig::parse("workload:\n  config:\n    a: [1]\n").is_err());
    }

    #[test]
    fn component_without_file_is_rejected() {
        let error = ProjectConfig::parse("dev:\n  components:\n    - name: x\n").unwrap_err();
        assert!(error.to_string().contains("`file` is missing"), "{error}");

        let text = "dev:\n  components:\n    - name: x\n      image: ghcr.io/a/b:1\n";
        let error = ProjectConfig::parse(text).unwrap_err();
        assert!(error.to_string().contains("needs wash"), "{error}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let dir = std::env::temp_dir().join("devhost-config-test-missing");
        let error = ProjectConfig::load(&dir).unwrap_err();
        assert!(error.to_string().contains(".wash/config.yaml"), "{error:#}");
    }

    /// Every layer sets `key`, and each also a key of its own.
    const ENVIRONMENT: &str = r#"
build:
  component_path: main.wasm
dev:
  components:
    - name: side
      file: side.wasm
      config: { key: component-config, component_config: "1" }
      environment:
        config: { key: component-literal }
        secretFrom: [side-secret]
    - name: plain
      file: plain.wasm
configs:
  upstream:
    inline: { key: config-from, config_from: "1" }
secrets:
  token:
    inline: { key: secret-from, secret_from: "1" }
  side-secret:
    inline: { key: side-secret }
workload:
  config: { key: workload-config, workload_config: "1" }
  environment:
    config: { key: literal, literal: "1" }
    configFrom: [upstream]
    secretFrom: [token]
"#;

    #[test]
    fn the_environment_lies_over_config_as_under_wash() {
        let config = ProjectConfig::parse(ENVIRONMENT).unwrap();
        let project = tempfile::tempdir().unwrap();
        let environment = config.environment(project.path()).unwrap();
        let specs = config.components(project.path(), &environment);
        let [main, side, plain] = &specs[..] else {
            panic!("{specs:?}");
        };
        let ones = |spec: &ComponentSpec, keys: &[&str]| {
            for key in keys {
                assert_eq!(spec.config[*key], "1", "{} {key}", spec.name);
            }
        };
        // workload.config < environment.config < configFrom < secretFrom.
        assert_eq!(main.config["key"], "secret-from");
        ones(
            main,
            &["workload_config", "literal", "config_from", "secret_from"],
        );
        assert_eq!(main.environment, environment.workload);
        assert!(!main.environment.contains_key("workload_config"));
        // ... < a component's own config < its own environment.
        assert_eq!(side.config["key"], "side-secret");
        ones(
            side,
            &["workload_config", "component_config", "secret_from"],
        );
        assert_eq!(side.environment["key"], "side-secret");
        assert_eq!(side.environment["literal"], "1");
        assert!(!side.environment.contains_key("component_config"));
        assert_eq!(plain.config["key"], "secret-from");
        assert_eq!(plain.environment, environment.workload);

        let text = ENVIRONMENT.replace("dev:\n", "dev:\n  service: true\n");
        let config = ProjectConfig::parse(&text).unwrap();
        let environment = config.environment(project.path()).unwrap();
        let service = config.service(project.path(), &environment).unwrap();
        assert_eq!(service.config["key"], "secret-from");
        assert_eq!(service.environment, environment.workload);
    }

    #[test]
    fn an_environment_error_says_whose_it_is() {
        let project = tempfile::tempdir().unwrap();
        let text = ENVIRONMENT.replace("[token]", "[tokne]");
        let error = (ProjectConfig::parse(&text).unwrap())
            .environment(project.path())
            .unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "failed to resolve workload-level configuration: failed to resolve workload environment.secretFrom: workload references secret 'tokne' which is not defined in the top-level `secrets:` block"
        );
        let text = ENVIRONMENT.replace("[side-secret]", "[upstream]");
        let error = (ProjectConfig::parse(&text).unwrap())
            .environment(project.path())
            .unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "failed to resolve dev component 'side' environment.secretFrom: dev component 'side' references secret 'upstream' which is not defined in the top-level `secrets:` block"
        );
    }

    const VOLUMES: &str = r#"
dev:
  volumes:
    - host_path: ./public
      guest_path: /files
    - host_path: /srv/shared
      guest_path: /shared
      read_only: true
      some_future_key: ignored
"#;

    #[test]
    fn volumes_parse_with_devhost_read_only() {
        let config = ProjectConfig::parse(VOLUMES).unwrap();
        let volumes = &config.dev.volumes;
        assert_eq!(volumes.len(), 2);
        assert_eq!(volumes[0].host_path, Path::new("./public"));
        assert_eq!(volumes[0].guest_path, "/files");
        assert!(!volumes[0].read_only);
        assert_eq!(volumes[1].host_path, Path::new("/srv/shared"));
        assert!(volumes[1].read_only);

        assert!(ProjectConfig::parse("").unwrap().dev.volumes.is_empty());
        // wash requires both paths too.
        let error = ProjectConfig::parse("dev:\n  volumes:\n    - host_path: a\n").unwrap_err();
        assert!(error.to_string().contains("guest_path"), "{error}");
    }

    #[test]
    fn volume_host_paths_resolve_against_the_project_directory() {
        let project = tempfile::tempdir().unwrap();
        std::fs::create_dir(project.path().join("public")).unwrap();
        let shared = tempfile::tempdir().unwrap();
        let text = format!(
            "dev:\n  volumes:\n    - host_path: ./public\n      guest_path: /files\n    - host_path: {}\n      guest_path: /shared\n      read_only: true\n",
            shared.path().display()
        );
        let config = ProjectConfig::parse(&text).unwrap();
        let volumes = config.volumes(project.path()).unwrap();
        assert_eq!(
            volumes,
            [
                Volume {
                    host_path: std::fs::canonicalize(project.path().join("public")).unwrap(),
                    guest_path: "/files".into(),
                    read_only: false,
                },
                Volume {
                    host_path: std::fs::canonicalize(shared.path()).unwrap(),
                    guest_path: "/shared".into(),
                    read_only: true,
                },
            ]
        );
    }

    #[test]
    fn a_missing_volume_names_its_host_and_guest_paths() {
        let project = tempfile::tempdir().unwrap();
        let config = ProjectConfig::parse(VOLUMES).unwrap();
        let error = config.volumes(project.path()).unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            format!(
                "dev.volumes: host_path `./public` (guest_path `/files`): {} does not exist",
                project.path().join("public").display()
            )
        );
    }
}
