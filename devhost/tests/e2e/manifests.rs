//! The Kubernetes manifests in each crate's `manifests/`: one
//! `WorkloadDeployment` per deployable crate that fits the wasmCloud runtime-operator's CRD, names
//! the image the README pushes, declares every interface the crate's WIT
//! world uses, and has a `Service` exactly when it serves HTTP.
//!
//! `schema::SCHEMA` is the part of the CRD's `openAPIV3Schema` that these
//! manifests use. To check them against a whole CRD file as well, set
//! `WORKLOADDEPLOYMENT_CRD` to its path.

mod schema;

use serde::Deserialize;
use serde_yaml_ng::Value;

use crate::support::workspace_root;
use schema::{SCHEMA, check, crd_schema, text};

/// Every deployable crate, and whether it serves HTTP.
const CRATES: [(&str, bool); 5] = [
    ("http-hello", true),
    ("http-router", true),
    ("kv-counter", true),
    ("http-api", true),
    ("task-leet", false),
];

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

/// The one WorkloadDeployment of a crate's manifest.
fn deployment(name: &str) -> Value {
    let documents = manifest(name);
    let deployments = of_kind(&documents, "WorkloadDeployment");
    assert_eq!(
        deployments.len(),
        1,
        "{name}/manifests/workloaddeployment.yaml"
    );
    deployments[0].clone()
}

#[test]
fn every_crate_has_a_workload_deployment_that_fits_the_crd() {
    let mut schemas = vec![serde_yaml_ng::from_str::<Value>(SCHEMA).unwrap()];
    if let Ok(path) = std::env::var("WORKLOADDEPLOYMENT_CRD") {
        schemas.push(crd_schema(&path));
    }
    for (name, _) in CRATES {
        let deployment = deployment(name);
        assert_eq!(deployment["apiVersion"], "runtime.wasmcloud.dev/v1alpha1");
        assert_eq!(deployment["metadata"]["name"], name);
        for schema in &schemas {
            let mut errors = Vec::new();
            check(&deployment, schema, name, &mut errors);
            assert!(
                errors.is_empty(),
                "{name}/manifests/workloaddeployment.yaml:\n{}",
                errors.join("\n")
            );
        }
    }
}

#[test]
fn the_schema_check_catches_what_kubernetes_would_refuse() {
    let schema = serde_yaml_ng::from_str::<Value>(SCHEMA).unwrap();
    let broken: Value = serde_yaml_ng::from_str(
        "spec:\n  replicas: two\n  template:\n    spec:\n      components:\n        - name: x\n          imagee: y\n",
    )
    .unwrap();
    let mut errors = Vec::new();
    check(&broken, &schema, "broken", &mut errors);
    assert_eq!(
        errors,
        [
            "broken.spec.replicas: should be an integer",
            "broken.spec.template.spec.components[0]: image is required",
            "broken.spec.template.spec.components[0].imagee: unknown field",
        ]
    );
}

#[test]
fn each_image_is_its_crate_at_its_version() {
    for (name, _) in CRATES {
        let deployment = deployment(name);
        let components = deployment["spec"]["template"]["spec"]["components"]
            .as_sequence()
            .unwrap();
        assert_eq!(components.len(), 1, "{name}");
        let cargo_toml = std::fs::read_to_string(workspace_root().join(name).join("Cargo.toml"));
        let version = cargo_toml
            .unwrap()
            .lines()
            .find_map(|line| line.strip_prefix("version = "))
            .unwrap()
            .trim_matches('"')
            .to_string();
        assert_eq!(components[0]["name"], name);
        assert_eq!(
            text(&components[0]["image"]),
            format!("{REGISTRY}/{name}:{version}")
        );
    }
}

/// `import`s and `export`s of a crate's world in `wit/<crate>.wit`, as
/// (namespace, package, interface, version). A crate without a world there
/// (http-hello, http-router) uses only what wstd brings: HTTP.
fn world_interfaces(world: &str) -> Vec<(String, String, String, String)> {
    let Ok(wit) = std::fs::read_to_string(workspace_root().join(format!("wit/{world}.wit"))) else {
        return Vec::new();
    };
    let start = format!("world {world} {{");
    let Some(rest) = wit.split(&start).nth(1) else {
        return Vec::new();
    };
    let body = rest.split('}').next().unwrap();
    body.lines()
        .filter_map(|line| {
            let line = line.trim();
            let item = line
                .strip_prefix("import ")
                .or_else(|| line.strip_prefix("export "))?;
            let (name, version) = item.trim_end_matches(';').split_once('@')?;
            let (namespace, rest) = name.split_once(':')?;
            let (package, interface) = rest.split_once('/')?;
            Some((
                namespace.into(),
                package.into(),
                interface.into(),
                version.into(),
            ))
        })
        .collect()
}

#[test]
fn host_interfaces_cover_each_crates_wit_world_and_http() {
    for (name, serves_http) in CRATES {
        let deployment = deployment(name);
        let declared = deployment["spec"]["template"]["spec"]["hostInterfaces"]
            .as_sequence()
            .unwrap();
        let declares = |namespace: &str, package: &str, interface: &str, version: Option<&str>| {
            declared.iter().any(|entry| {
                entry["namespace"] == namespace
                    && entry["package"] == package
                    && version.is_none_or(|version| entry["version"] == version)
                    && entry["interfaces"]
                        .as_sequence()
                        .is_some_and(|list| list.iter().any(|i| i == interface))
            })
        };
        let mut wanted = world_interfaces(name);
        if serves_http {
            let http = ("wasi", "http", "incoming-handler", "");
            wanted.push((http.0.into(), http.1.into(), http.2.into(), http.3.into()));
        }
        for (namespace, package, interface, version) in &wanted {
            // wasi:http links at any 0.2 patch level, so no version for it.
            let version = Some(version.as_str()).filter(|v| !v.is_empty());
            assert!(
                declares(namespace, package, interface, version),
                "{name}/manifests/workloaddeployment.yaml lacks {namespace}:{package}/{interface}@{version:?}"
            );
        }
        let http_declared = declares("wasi", "http", "incoming-handler", None);
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
    let load = |dir| devhost::config::ProjectConfig::load(&workspace_root().join(dir)).unwrap();
    let own = load("task-leet").workload.config;
    let root = load(".");
    let in_root = &root
        .dev
        .components
        .iter()
        .find(|c| c.name == "task-leet")
        .unwrap()
        .config;
    for key in ["subscriptions", "consumer_group"] {
        assert_eq!(text(&manifest[key]), own[key], "{key}");
        assert_eq!(in_root[key], own[key], "{key}");
    }
    assert_eq!(own["subscriptions"], "tasks.leet,tasks.task-leet");
    assert_eq!(own["consumer_group"], "task-leet");
}

#[test]
fn http_workloads_have_their_service_and_the_worker_none() {
    for (name, serves_http) in CRATES {
        let documents = manifest(name);
        let services = of_kind(&documents, "Service");
        assert_eq!(
            documents.len(),
            1 + services.len(),
            "{name}/manifests/workloaddeployment.yaml"
        );
        let deployment = deployment(name);
        let service_ref = &deployment["spec"]["kubernetes"]["service"]["name"];
        if !serves_http {
            assert!(
                services.is_empty(),
                "{name}/manifests/workloaddeployment.yaml"
            );
            assert!(
                service_ref.is_null(),
                "{name}/manifests/workloaddeployment.yaml"
            );
            continue;
        }
        assert_eq!(
            services.len(),
            1,
            "{name}/manifests/workloaddeployment.yaml"
        );
        let service = services[0];
        assert_eq!(service["apiVersion"], "v1");
        assert_eq!(service["metadata"]["name"], name);
        assert_eq!(
            service_ref, name,
            "{name}/manifests/workloaddeployment.yaml"
        );
        // The operator manages the endpoints; a selector would have
        // Kubernetes manage them too.
        assert!(
            service["spec"]["selector"].is_null(),
            "{name}/manifests/workloaddeployment.yaml"
        );
        let ports = service["spec"]["ports"].as_sequence().unwrap();
        assert_eq!(ports.len(), 1, "{name}/manifests/workloaddeployment.yaml");
        assert_eq!(ports[0]["name"], "http");
        assert_eq!(ports[0]["protocol"], "TCP");
        assert_eq!(ports[0]["port"], 80);
        // Requests through the Service carry its name as their Host header.
        let http = deployment["spec"]["template"]["spec"]["hostInterfaces"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|entry| entry["package"] == "http")
            .unwrap();
        assert_eq!(
            http["config"]["host"], name,
            "{name}/manifests/workloaddeployment.yaml"
        );
    }
}
