//! The JSON Schema of workflow files, generated from the loader's key tables
//! (`load::keys`) so that what editors accept and what apiflow accepts cannot drift apart.
//! `schemas/workflow.schema.json` is this output, committed; a test keeps it current.

use serde_json::{Map, Value, json};

use crate::load::keys::{self, Key};

fn object(table: &'static [Key], mut props: Vec<(&str, Value)>, required: &[&str]) -> Value {
    let mut properties = Map::new();
    for key in table {
        let pos = props.iter().position(|(n, _)| *n == key.name);
        let mut schema = pos
            .map(|i| props.swap_remove(i).1)
            .unwrap_or_else(|| json!({}));
        if let Value::Object(m) = &mut schema {
            m.insert("description".into(), Value::from(key.doc));
        }
        properties.insert(key.name.into(), schema);
    }
    debug_assert!(
        props.is_empty(),
        "schema properties not in the loader's table: {:?}",
        props.iter().map(|p| p.0).collect::<Vec<_>>()
    );
    let mut o =
        json!({ "type": "object", "additionalProperties": false, "properties": properties });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

fn map_of(values: Value) -> Value {
    json!({ "type": "object", "additionalProperties": values })
}

pub fn workflow_schema() -> Value {
    let text = json!({ "type": ["string", "number", "boolean"] });
    let text_map = map_of(text.clone());
    let duration = json!({
        "description": "250ms, 30s, 2m, 1h, or a whole number of milliseconds.",
        "oneOf": [
            { "type": "string", "pattern": "^\\s*[0-9]+\\s*(ms|s|m|h)?\\s*$" },
            { "type": "integer", "minimum": 0 }
        ]
    });
    let expression = json!({ "type": ["string", "boolean", "number"], "description": "A bare expression, without {{ }}." });
    let operators = object(
        keys::OPERATORS,
        vec![
            ("matches", json!({ "type": "string" })),
            ("exists", json!({ "type": "boolean" })),
            ("empty", json!({ "type": "boolean" })),
            (
                "type",
                json!({ "enum": ["string", "number", "integer", "boolean", "array", "object", "null"] }),
            ),
            ("length", r("matcher")),
            ("one_of", json!({ "type": ["array", "string"] })),
        ],
        &[],
    );
    let step_actions: Vec<Value> = ["request", "set", "assert", "include", "sleep"]
        .iter()
        .map(|a| json!({ "required": [a] }))
        .collect();
    let mut step = object(
        keys::STEP,
        vec![
            (
                "id",
                json!({ "type": "string", "pattern": "^[a-z_][a-z0-9_]*$" }),
            ),
            ("name", json!({ "type": "string" })),
            ("if", expression.clone()),
            (
                "for_each",
                json!({ "anyOf": [expression.clone(), object(keys::FOR_EACH, vec![("file", json!({ "type": "string" }))], &["file"])] }),
            ),
            ("retry", r("retry")),
            ("timeout", r("duration")),
            ("continue_on_error", json!({ "type": "boolean" })),
            ("request", r("request")),
            ("expect", r("expect")),
            (
                "capture",
                json!({ "type": "object", "propertyNames": { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }, "additionalProperties": r("capture") }),
            ),
            (
                "set",
                json!({ "type": "object", "propertyNames": { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" } }),
            ),
            (
                "assert",
                json!({ "anyOf": [expression.clone(), { "type": "array", "items": { "anyOf": [expression.clone(), object(keys::ASSERT_ITEM, vec![("that", expression.clone()), ("message", json!({ "type": "string" }))], &["that"])] } }] }),
            ),
            ("include", json!({ "type": "string" })),
            ("with", json!({ "type": "object" })),
            ("sleep", r("duration")),
        ],
        &[],
    );
    step["oneOf"] = Value::Array(step_actions);
    let request = object(
        keys::REQUEST,
        vec![
            ("method", json!({ "type": "string" })),
            ("url", json!({ "type": "string" })),
            ("query", text_map.clone()),
            ("headers", text_map.clone()),
            ("json", json!({})),
            ("form", text_map.clone()),
            (
                "body",
                json!({ "anyOf": [text.clone(), object(keys::BODY_FILE, vec![("file", json!({ "type": "string" })), ("content_type", json!({ "type": "string" }))], &["file"])] }),
            ),
            (
                "multipart",
                map_of(
                    json!({ "anyOf": [text.clone(), object(keys::MULTIPART_FILE, vec![("file", json!({ "type": "string" })), ("content_type", json!({ "type": "string" }))], &["file"])] }),
                ),
            ),
            (
                "auth",
                json!({ "anyOf": [
                { "type": "string", "description": "A provider declared under `auth:`, or `none`." },
                object(keys::AUTH, vec![
                    ("bearer", json!({ "type": "string" })),
                    ("basic", object(keys::BASIC, vec![("username", text.clone()), ("password", text.clone())], &["username", "password"])),
                ], &[])
            ] }),
            ),
            ("timeout", r("duration")),
            ("follow_redirects", json!({ "type": "boolean" })),
            (
                "max_redirects",
                json!({ "type": "integer", "minimum": 0, "maximum": crate::http::MAX_REDIRECTS_CAP }),
            ),
            ("max_body", r("size")),
            (
                "cookies",
                json!({ "anyOf": [{ "const": false }, text_map.clone()] }),
            ),
            ("verify_tls", json!({ "type": "boolean" })),
            ("ca_file", json!({ "type": "string" })),
        ],
        &[],
    );
    let expect = object(
        keys::EXPECT,
        vec![
            (
                "status",
                json!({ "anyOf": [
                { "type": "integer", "minimum": 100, "maximum": 599 },
                { "type": "string", "pattern": "^[1-5]xx$" },
                { "type": "array", "items": { "type": "integer" } },
                r("operators")
            ] }),
            ),
            ("headers", map_of(r("matcher"))),
            ("cookies", map_of(r("matcher"))),
            (
                "json",
                json!({ "type": "object", "propertyNames": { "pattern": "^\\$" }, "additionalProperties": r("matcher") }),
            ),
            ("xpath", map_of(r("matcher"))),
            ("body", r("matcher")),
            ("schema", json!({ "type": "object" })),
            ("max_duration", r("duration")),
        ],
        &[],
    );
    let capture = json!({ "anyOf": [
        { "type": "string", "pattern": "^\\$", "description": "A JSONPath into the JSON body." },
        object(keys::CAPTURE, vec![
            ("json", json!({ "type": "string", "pattern": "^\\$" })),
            ("header", json!({ "type": "string" })),
            ("status", json!({ "type": "boolean" })),
            ("body", json!({ "type": "boolean" })),
            ("regex", json!({ "type": "string" })),
            ("cookie", json!({ "type": "string" })),
            ("xpath", json!({ "type": "string" })),
            ("group", json!({ "type": ["integer", "string"] })),
            ("secret", json!({ "type": "boolean" })),
            ("optional", json!({ "type": "boolean" })),
        ], &[])
    ] });
    let retry = object(
        keys::RETRY,
        vec![
            ("attempts", json!({ "type": "integer", "minimum": 1 })),
            ("delay", r("duration")),
            (
                "backoff",
                json!({ "enum": ["fixed", "linear", "exponential"] }),
            ),
            ("jitter", json!({ "type": "boolean" })),
            ("max_delay", r("duration")),
            ("until", expression.clone()),
            (
                "on",
                json!({ "anyOf": [{ "type": ["string", "integer"] }, { "type": "array", "items": { "type": ["string", "integer"] } }] }),
            ),
        ],
        &[],
    );
    let input = object(
        keys::INPUT,
        vec![
            ("description", json!({ "type": "string" })),
            ("env", json!({ "type": "string" })),
            ("secret", json!({ "type": "boolean" })),
            ("required", json!({ "type": "boolean" })),
            ("default", json!({})),
        ],
        &[],
    );
    let provider = object(
        keys::PROVIDER,
        vec![
            ("token_url", json!({ "type": "string" })),
            ("grant_type", json!({ "type": "string" })),
            ("params", text_map.clone()),
            (
                "client",
                object(
                    keys::CLIENT,
                    vec![("id", text.clone()), ("secret", text.clone())],
                    &["id", "secret"],
                ),
            ),
            ("scope", json!({ "type": "string" })),
            ("refresh_at", json!({ "type": ["number", "string"] })),
        ],
        &["token_url", "grant_type"],
    );
    let names = json!({ "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" });
    let mut root = object(
        keys::TOP,
        vec![
            ("version", json!({ "const": 1 })),
            ("name", json!({ "type": "string" })),
            ("description", json!({ "type": "string" })),
            (
                "inputs",
                json!({ "type": "object", "propertyNames": names.clone(), "additionalProperties": { "anyOf": [{ "type": "null" }, input] } }),
            ),
            (
                "vars",
                json!({ "type": "object", "propertyNames": names.clone() }),
            ),
            (
                "auth",
                json!({ "type": "object", "propertyNames": names.clone(), "additionalProperties": provider }),
            ),
            (
                "defaults",
                object(
                    keys::DEFAULTS,
                    vec![("request", r("request_defaults"))],
                    &[],
                ),
            ),
            ("steps", json!({ "type": "array", "items": r("step") })),
            ("finally", json!({ "type": "array", "items": r("step") })),
            (
                "outputs",
                json!({ "type": "object", "propertyNames": names }),
            ),
            ("timeout", r("duration")),
            ("cookies", json!({ "type": "boolean" })),
        ],
        &["version", "name", "steps"],
    );
    let mut request_defaults = request.clone();
    request_defaults["description"] = Value::from("Like `request`, every field optional.");
    let mut request = request;
    request["required"] = json!(["url"]);
    let root_obj = root.as_object_mut().expect("an object");
    let mut out = Map::new();
    out.insert(
        "$schema".into(),
        Value::from("https://json-schema.org/draft/2020-12/schema"),
    );
    out.insert(
        "$id".into(),
        Value::from("https://apiflow.dev/schemas/workflow.schema.json"),
    );
    out.insert(
        "title".into(),
        Value::from("apiflow workflow file, format version 1"),
    );
    out.append(root_obj);
    out.insert(
        "$defs".into(),
        json!({
            "duration": duration,
            "size": {
                "description": "64MiB, 512KiB, 1GB, or a number of bytes.",
                "oneOf": [
                    { "type": "string", "pattern": "^\\s*[0-9.]+\\s*([kKmMgG](i?[bB])?|[bB])?\\s*$" },
                    { "type": "integer", "minimum": 0 }
                ]
            },
            "matcher": { "description": "A plain value (equality) or a map of operators, all of which must hold.", "anyOf": [r("operators"), {}] },
            "operators": operators,
            "step": step,
            "request": request,
            "request_defaults": request_defaults,
            "expect": expect,
            "capture": capture,
            "retry": retry,
        }),
    );
    Value::Object(out)
}

pub fn workflow_schema_text() -> String {
    serde_json::to_string_pretty(&workflow_schema()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_schema_is_current() {
        let committed = include_str!("../schemas/workflow.schema.json");
        assert_eq!(
            committed.trim_end(),
            workflow_schema_text(),
            "schemas/workflow.schema.json is stale: run `cargo run -- schema > schemas/workflow.schema.json`"
        );
    }

    #[test]
    fn the_schema_is_a_valid_schema_and_accepts_the_recipes() {
        let validator = jsonschema::validator_for(&workflow_schema()).expect("a valid JSON Schema");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        let mut stack = vec![root.join("workflows"), root.join("tests/workflows")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let doc: Value =
                        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                    let errors: Vec<String> = validator
                        .iter_errors(&doc)
                        .map(|e| format!("{}: {e}", e.instance_path()))
                        .collect();
                    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
                    checked += 1;
                }
            }
        }
        assert!(checked >= 4);
        let bad: Value = serde_yaml::from_str(
            "version: 1\nname: x\nsteps:\n  - request: { url: x }\n    expcet: {}\n",
        )
        .unwrap();
        assert!(!validator.is_valid(&bad), "an unknown key is rejected");
    }
}
