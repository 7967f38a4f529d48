//! The part of the runtime-operator's `WorkloadDeployment` schema that the
//! manifests use, and a check of a manifest against such a schema.

use serde_yaml_ng::Value;

/// Written out from the CRD's `openAPIV3Schema`
/// (`runtime.wasmcloud.dev_workloaddeployments.yaml`, version v1alpha1):
/// the fields these manifests use, with the CRD's types, bounds and
/// required lists.
pub const SCHEMA: &str = r#"
type: object
properties:
  apiVersion: {type: string}
  kind: {type: string}
  metadata: {type: object}
  spec:
    type: object
    required: [template]
    properties:
      replicas: {type: integer}
      deployPolicy: {type: string}
      kubernetes: &kubernetes
        type: object
        properties:
          service:
            type: object
            required: [name]
            properties:
              name: {type: string}
      template:
        type: object
        required: [spec]
        properties:
          labels: {type: object, additionalProperties: {type: string}}
          annotations: {type: object, additionalProperties: {type: string}}
          spec:
            type: object
            properties:
              kubernetes: *kubernetes
              components:
                type: array
                items:
                  type: object
                  required: [image, name]
                  properties:
                    name: {type: string}
                    image: {type: string}
                    localResources:
                      type: object
                      properties:
                        config: {type: object, additionalProperties: {type: string}}
              hostInterfaces:
                type: array
                maxItems: 64
                items:
                  type: object
                  required: [interfaces, namespace, package]
                  properties:
                    namespace: {type: string, maxLength: 128}
                    package: {type: string, maxLength: 128}
                    version: {type: string, maxLength: 64}
                    interfaces: {type: array, minItems: 1, items: {type: string}}
                    config: {type: object, additionalProperties: {type: string}}
"#;

/// Checks `value` against an OpenAPI v3 schema as Kubernetes applies it to
/// these manifests: types, bounds, required fields, and no field the schema
/// does not know (kubectl's strict validation rejects those). Not checked:
/// `pattern`s and CEL rules, which no field these manifests use has (the
/// rule on `hostInterfaces` only forbids duplicate entries).
pub fn check(value: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    let mut error = |message: String| errors.push(format!("{path}: {message}"));
    match schema["type"].as_str() {
        Some("object") => {
            let Some(fields) = value.as_mapping() else {
                return error("should be an object".into());
            };
            for required in schema["required"].as_sequence().into_iter().flatten() {
                if !fields.contains_key(required) {
                    error(format!("{} is required", text(required)));
                }
            }
            for (key, field) in fields {
                let key = text(key);
                let field_path = format!("{path}.{key}");
                if let Some(known) = schema["properties"].as_mapping() {
                    match known.get(key) {
                        Some(field_schema) => check(field, field_schema, &field_path, errors),
                        None => errors.push(format!("{field_path}: unknown field")),
                    }
                } else if schema["additionalProperties"].is_mapping() {
                    check(field, &schema["additionalProperties"], &field_path, errors);
                }
                // Neither: any field is fine (as for `metadata`).
            }
        }
        Some("array") => {
            let Some(items) = value.as_sequence() else {
                return error("should be a list".into());
            };
            let count = items.len() as u64;
            if schema["minItems"].as_u64().is_some_and(|min| count < min)
                || schema["maxItems"].as_u64().is_some_and(|max| count > max)
            {
                error(format!("{count} items is out of bounds"));
            }
            for (index, item) in items.iter().enumerate() {
                check(item, &schema["items"], &format!("{path}[{index}]"), errors);
            }
        }
        Some("string") => match value.as_str() {
            None => error("should be a string".into()),
            Some(string) => {
                let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX);
                if string.chars().count() as u64 > max {
                    error(format!("longer than {max}"));
                }
            }
        },
        Some("integer") if !value.is_i64() => error("should be an integer".into()),
        Some("boolean") if !value.is_bool() => error("should be true or false".into()),
        _ => {}
    }
}

/// The schema of `runtime.wasmcloud.dev/v1alpha1` in a CRD file.
pub fn crd_schema(path: &str) -> Value {
    let crd: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let versions = crd["spec"]["versions"].as_sequence().unwrap();
    let version = versions.iter().find(|v| v["name"] == "v1alpha1").unwrap();
    version["schema"]["openAPIV3Schema"].clone()
}

/// A YAML value that must be a string.
pub fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value:?}"))
}
