//! The Kubernetes manifests in each template's `manifests/`: one
//! `WorkloadDeployment` that the wasmCloud runtime-operator's CRD accepts,
//! names the image the README pushes and declares every interface the
//! template's WIT world uses, and a `Service` exactly when it serves HTTP.
//!
//! The CRD is the operator's published one
//! (`runtime.wasmcloud.dev_workloaddeployments.yaml`, beside this
//! file); its `openAPIV3Schema` is checked with the `jsonschema` crate.

use serde::Deserialize;
use serde_json::{Value, json};

use std::path::Path;

use test_support::surface::{surface, surface_of};
use test_support::workspace::built_service;
use test_support::{TEMPLATES, Template, template, workspace_root};

/// Where the README tells you to push the images (a placeholder to replace).
const REGISTRY: &str = "registry.example.com/templates";

/// The documents of `<name>/manifests/workloaddeployment.yaml`, in order.
fn manifest(name: &str) -> Vec<Value> {
    let path = workspace_root().join(format!("{name}/manifests/workloaddeployment.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|document| Value::deserialize(document).unwrap())
        .collect()
}

fn of_kind<'a>(documents: &'a [Value], kind: &str) -> Vec<&'a Value> {
    documents
        .iter()
        .filter(|document| document["kind"] == kind)
        .collect()
}

/// The one WorkloadDeployment of a template's manifest.
fn deployment(name: &str) -> Value {
    let documents = manifest(name);
    let deployments = of_kind(&documents, "WorkloadDeployment");
    assert_eq!(deployments.len(), 1, "{name}");
    deployments[0].clone()
}

/// A validator for `runtime.wasmcloud.dev/v1alpha1` WorkloadDeployments:
/// the CRD's schema, with unknown fields refused as `kubectl apply` refuses
/// them (a structural schema lists every field it keeps, unless it says
/// `x-kubernetes-preserve-unknown-fields`).
fn crd_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/e2e/repository/runtime.wasmcloud.dev_workloaddeployments.yaml"
    );
    let crd: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let versions = crd["spec"]["versions"].as_array().unwrap();
    let version = versions.iter().find(|v| v["name"] == "v1alpha1").unwrap();
    let mut schema = version["schema"]["openAPIV3Schema"].clone();
    refuse_unknown_fields(&mut schema);
    jsonschema::validator_for(&schema).unwrap()
}

fn refuse_unknown_fields(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let preserves = object.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
    if object.contains_key("properties")
        && !object.contains_key("additionalProperties")
        && !preserves
    {
        object.insert("additionalProperties".into(), json!(false));
    }
    for value in object.values_mut() {
        match value {
            Value::Array(items) => items.iter_mut().for_each(refuse_unknown_fields),
            other => refuse_unknown_fields(other),
        }
    }
}

/// What the validator says is wrong with `document`, one line each.
fn schema_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

#[test]
fn every_template_has_a_workload_deployment_the_crd_accepts() {
    let validator = crd_validator();
    for name in TEMPLATES.map(|t| t.name) {
        let deployment = deployment(name);
        assert_eq!(deployment["apiVersion"], "runtime.wasmcloud.dev/v1alpha1");
        assert_eq!(deployment["metadata"]["name"], name);
        let errors = schema_errors(&validator, &deployment);
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
}

#[test]
fn the_crd_check_catches_what_kubernetes_would_refuse() {
    let broken = json!({
        "apiVersion": "runtime.wasmcloud.dev/v1alpha1",
        "kind": "WorkloadDeployment",
        "metadata": { "name": "broken" },
        "spec": {
            "replicas": "two",
            "template": { "spec": { "components": [ { "name": "x", "imagee": "y" } ] } }
        }
    });
    let errors = schema_errors(&crd_validator(), &broken).join("\n");
    for expected in [
        "/spec/replicas: ",
        "\"image\" is a required property",
        "imagee",
    ] {
        assert!(errors.contains(expected), "{expected:?} not in:\n{errors}");
    }
}

fn config(name: &str) -> devhost::config::ProjectConfig {
    devhost::config::ProjectConfig::load(&workspace_root().join(name)).unwrap()
}

/// `target/.../service_tcp_http.wasm` -> `service-tcp-http`: what its
/// image is called.
fn image_name(file: &Path) -> String {
    let stem = file.file_stem().unwrap().to_string_lossy();
    stem.replace('_', "-")
}

/// The component `.wash/config.yaml` serves and the service it runs (if
/// any) are the manifest's images, named after their files and tagged with
/// the version in the template's Cargo.toml (its crate's or workspace's).
#[test]
fn each_image_is_its_component_at_its_version() {
    for name in TEMPLATES.map(|t| t.name) {
        let deployment = deployment(name);
        let spec = &deployment["spec"]["template"]["spec"];
        let cargo_toml = std::fs::read_to_string(workspace_root().join(name).join("Cargo.toml"));
        let version = cargo_toml
            .unwrap()
            .lines()
            .find_map(|line| line.strip_prefix("version = "))
            .unwrap()
            .trim_matches('"')
            .to_string();
        let image = |image_name: &str| format!("{REGISTRY}/{image_name}:{version}");

        let config = config(name);
        let served = image_name(&config.build.component_path.unwrap());
        let components = spec["components"].as_array().unwrap();
        assert_eq!(components.len(), 1, "{name}");
        assert_eq!(components[0]["name"], served.as_str());
        assert_eq!(components[0]["image"], image(&served).as_str());
        match config.dev.service_file {
            Some(service) => assert_eq!(
                spec["service"]["image"],
                image(&image_name(&service)).as_str()
            ),
            None => assert!(spec["service"].is_null(), "{name}"),
        }
    }
}

/// The interfaces a workload must ask its host for, read from the built
/// component: what it imports and exports, less what every wasmCloud host
/// gives every component (the WASI platform; `wasi:http/types` and
/// `wasmcloud:messaging/types` come with their packages). As
/// `(namespace, package, interface, version)`; no version for wasi:http,
/// which links at any 0.2 patch level.
fn needed_interfaces(name: &str) -> Vec<(String, String, String, Option<String>)> {
    const PLATFORM: [&str; 6] = ["cli", "io", "clocks", "random", "filesystem", "sockets"];
    let mut surfaces = vec![surface(name)];
    if template(name).has_service {
        surfaces.push(surface_of(&built_service(name)));
    }
    let names = surfaces
        .iter()
        .flat_map(|surface| surface.imports.iter().chain(&surface.exports));
    names
        .filter_map(|full| {
            let (path, version) = full.split_once('@')?;
            let (package, interface) = path.split_once('/')?;
            let (namespace, package) = package.split_once(':')?;
            let platform = namespace == "wasi" && PLATFORM.contains(&package);
            if platform || interface == "types" {
                return None;
            }
            let version = (package != "http").then(|| version.to_string());
            Some((namespace.into(), package.into(), interface.into(), version))
        })
        .collect()
}

#[test]
fn host_interfaces_cover_what_each_component_imports_and_exports() {
    for &Template {
        name, serves_http, ..
    } in &TEMPLATES
    {
        let deployment = deployment(name);
        let declared = deployment["spec"]["template"]["spec"]["hostInterfaces"]
            .as_array()
            .unwrap();
        let declares = |namespace: &str, package: &str, interface: &str, version: Option<&str>| {
            declared.iter().any(|entry| {
                entry["namespace"] == namespace
                    && entry["package"] == package
                    && version.is_none_or(|version| entry["version"] == version)
                    && entry["interfaces"]
                        .as_array()
                        .is_some_and(|list| list.iter().any(|i| i == interface))
            })
        };
        for (namespace, package, interface, version) in needed_interfaces(name) {
            assert!(
                declares(&namespace, &package, &interface, version.as_deref()),
                "{name}'s manifest lacks {namespace}:{package}/{interface}@{version:?}"
            );
        }
        // WASI 0.2's HTTP export or 0.3's: wasmCloud routes HTTP to either.
        let http_declared = declares("wasi", "http", "incoming-handler", None)
            || declares("wasi", "http", "handler", None);
        assert_eq!(
            http_declared, serves_http,
            "{name}/manifests/workloaddeployment.yaml"
        );
    }
}

/// The worker's subscriptions and consumer group are the same in its
/// manifest, its own `.wash/config.yaml` and the root's: a worker scaled
/// in a cluster behaves as the ones the tests run.
#[test]
fn the_worker_is_configured_the_same_everywhere() {
    let deployment = deployment("task-leet");
    let manifest =
        &deployment["spec"]["template"]["spec"]["components"][0]["localResources"]["config"];
    let own = config("task-leet").workload.config;
    let root = config(".");
    let in_root = &root
        .dev
        .components
        .iter()
        .find(|c| c.name == "task-leet")
        .unwrap()
        .config;
    for key in ["subscriptions", "consumer_group", "style"] {
        assert_eq!(manifest[key].as_str().unwrap(), own[key], "{key}");
        assert_eq!(in_root[key], own[key], "{key}");
    }
    assert_eq!(own["subscriptions"], "tasks.leet,tasks.task-leet");
    assert_eq!(own["consumer_group"], "task-leet");
}

/// Besides its WorkloadDeployment, a manifest holds only its Service and
/// the ConfigMaps and Secrets the workload takes in, each named by a
/// `configFrom` or `secretFrom` and each such name there.
#[test]
fn a_manifest_holds_the_config_maps_and_secrets_its_workload_takes_in() {
    for name in TEMPLATES.map(|t| t.name) {
        let documents = manifest(name);
        let place = format!("{name}/manifests/workloaddeployment.yaml");
        for document in &documents {
            let kind = document["kind"].as_str().unwrap_or_default();
            let known = ["WorkloadDeployment", "Service", "ConfigMap", "Secret"];
            assert!(known.contains(&kind), "{place}: a {kind}");
        }
        let components = &deployment(name)["spec"]["template"]["spec"]["components"];
        let taken_in = |list: &str| -> Vec<String> {
            let components = components.as_array().unwrap().iter();
            let environments = components.map(|c| &c["localResources"]["environment"][list]);
            let names = environments.flat_map(|refs| refs.as_array().cloned().unwrap_or_default());
            names
                .map(|r| r["name"].as_str().unwrap().to_string())
                .collect()
        };
        let defined = |kind| -> Vec<String> {
            let documents = of_kind(&documents, kind).into_iter();
            documents
                .map(|d| d["metadata"]["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(taken_in("configFrom"), defined("ConfigMap"), "{place}");
        assert_eq!(taken_in("secretFrom"), defined("Secret"), "{place}");
    }
}

#[test]
fn http_workloads_have_their_service_and_the_worker_none() {
    for &Template {
        name, serves_http, ..
    } in &TEMPLATES
    {
        let place = format!("{name}/manifests/workloaddeployment.yaml");
        let documents = manifest(name);
        let services = of_kind(&documents, "Service");
        let deployment = deployment(name);
        let service_ref = &deployment["spec"]["kubernetes"]["service"]["name"];
        if !serves_http {
            assert!(services.is_empty() && service_ref.is_null(), "{place}");
            continue;
        }
        assert_eq!(services.len(), 1, "{place}");
        let service = services[0];
        assert_eq!(service["apiVersion"], "v1", "{place}");
        assert_eq!(service["metadata"]["name"], name, "{place}");
        assert_eq!(service_ref, name, "{place}");
        // The operator manages the endpoints; a selector would have
        // Kubernetes manage them too.
        assert!(service["spec"]["selector"].is_null(), "{place}");
        let ports = service["spec"]["ports"].as_array().unwrap();
        assert_eq!(ports.len(), 1, "{place}");
        assert_eq!(ports[0]["name"], "http", "{place}");
        assert_eq!(ports[0]["protocol"], "TCP", "{place}");
        assert_eq!(ports[0]["port"], 80, "{place}");
        // Requests through the Service carry its name as their Host header.
        let http = deployment["spec"]["template"]["spec"]["hostInterfaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["package"] == "http")
            .unwrap();
        assert_eq!(http["config"]["host"], name, "{place}");
    }
}

/// A component that calls an upstream is allowed to reach it, in its
/// manifest and in its `.wash/config.yaml` alike.
#[test]
fn an_upstream_is_in_the_allowed_hosts() {
    let documents = manifest("http-client");
    let config_map = of_kind(&documents, "ConfigMap")[0];
    let url = config_map["data"]["upstream_url"].as_str().unwrap();
    let deployment = deployment("http-client");
    let resources = &deployment["spec"]["template"]["spec"]["components"][0]["localResources"];
    let allowed: Vec<&str> = (resources["allowedHosts"].as_array().unwrap().iter())
        .map(|host| host.as_str().unwrap())
        .collect();
    let host = url
        .parse::<http::Uri>()
        .unwrap()
        .host()
        .unwrap()
        .to_string();
    assert!(
        allowed.contains(&host.as_str()),
        "{url} against {allowed:?}"
    );

    let dir = workspace_root().join("http-client");
    let config = devhost::config::ProjectConfig::load(&dir).unwrap();
    let environment = config.environment(&dir).unwrap();
    let url: http::Uri = environment.workload["upstream_url"].parse().unwrap();
    let allowed = config.workload.allowed_hosts.unwrap_or_default();
    assert!(
        allowed.iter().any(|entry| entry.matches(&url)),
        "{url} against {allowed:?}"
    );
}

/// service-tcp's port is one number everywhere: what the service listens
/// on, where the front connects, and what `dev.service_ports` declares.
#[test]
fn the_service_port_is_the_same_everywhere() {
    let deployment = deployment("service-tcp");
    let spec = &deployment["spec"]["template"]["spec"];
    let service = &spec["service"]["localResources"]["config"]["port"];
    let front = &spec["components"][0]["localResources"]["config"]["port"];
    let config = config("service-tcp");
    let port = &config.workload.config["port"];
    assert_eq!(service.as_str(), Some(port.as_str()));
    assert_eq!(front.as_str(), Some(port.as_str()));
    let declared: Vec<u16> = (config.dev.service_ports.iter())
        .map(|declared| declared.port)
        .collect();
    assert_eq!(declared, [port.parse::<u16>().unwrap()]);
}
