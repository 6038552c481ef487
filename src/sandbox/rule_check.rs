//! What the SCC Configuration API accepts as a rule (reference §5.4–5.6): required fields,
//! the `required_config` grammar (a property, or `and`/`or` of them, two levels at most),
//! its operators, and at least one enforcement action.

use serde_json::Value;

/// Operators that compare against no value.
const UNARY: [&str; 4] = ["is_empty", "is_not_empty", "is_true", "is_false"];
const BINARY: [&str; 12] = [
    "string_equals",
    "string_not_equals",
    "string_match",
    "string_not_match",
    "strings_in_list",
    "ips_in_range",
    "num_equals",
    "num_not_equals",
    "num_less_than",
    "num_less_than_equals",
    "num_greater_than",
    "num_greater_than_equals",
];

/// Checks a rule body; the message says what is wrong.
pub fn rule(rule: &Value) -> Result<(), String> {
    let obj = rule.as_object().ok_or("the rule must be an object")?;
    for key in ["name", "description"] {
        if !obj.get(key).is_some_and(Value::is_string) {
            return Err(format!("the rule is missing the string `{key}`"));
        }
    }
    let target = obj
        .get("target")
        .and_then(Value::as_object)
        .ok_or("the rule is missing `target`")?;
    for key in ["service_name", "resource_kind"] {
        if !target.get(key).is_some_and(Value::is_string) {
            return Err(format!("`target` is missing the string `{key}`"));
        }
    }
    let config = obj
        .get("required_config")
        .ok_or("the rule is missing `required_config`")?;
    condition(config, 0)?;
    let actions = obj
        .get("enforcement_actions")
        .and_then(Value::as_array)
        .ok_or("the rule is missing `enforcement_actions`")?;
    if actions.is_empty() {
        return Err("`enforcement_actions` needs at least one action".into());
    }
    if actions.iter().any(|a| {
        !matches!(
            a.get("action").and_then(Value::as_str),
            Some("disallow" | "audit_log")
        )
    }) {
        return Err("each enforcement action must be `disallow` or `audit_log`".into());
    }
    match obj.get("rule_type").and_then(Value::as_str) {
        None | Some("user_defined") => Ok(()),
        Some(other) => Err(format!(
            "rule_type `{other}` cannot be created; use `user_defined`"
        )),
    }
}

/// A single property or an `and`/`or` list; `depth` counts the enclosing lists.
fn condition(c: &Value, depth: usize) -> Result<(), String> {
    let obj = c
        .as_object()
        .ok_or("`required_config` conditions must be objects")?;
    for key in ["and", "or"] {
        if let Some(list) = obj.get(key) {
            if depth >= 2 {
                return Err("`required_config` nests `and`/`or` two levels at most".into());
            }
            let list = list
                .as_array()
                .filter(|l| !l.is_empty())
                .ok_or_else(|| format!("`{key}` must be a non-empty list of conditions"))?;
            return list.iter().try_for_each(|c| condition(c, depth + 1));
        }
    }
    let property = obj.get("property").and_then(Value::as_str);
    let operator = obj.get("operator").and_then(Value::as_str);
    let (Some(_), Some(op)) = (property, operator) else {
        return Err("a `required_config` condition needs `property` and `operator`".into());
    };
    if UNARY.contains(&op) {
        return Ok(());
    }
    if !BINARY.contains(&op) {
        return Err(format!("`{op}` is not a valid operator"));
    }
    // IBM's docs allow a list value, the SDKs a string (numbers as strings): accept both.
    match obj.get("value") {
        Some(Value::String(_) | Value::Number(_) | Value::Array(_)) => Ok(()),
        _ => Err(format!("operator `{op}` needs a `value`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with(config: Value, actions: Value) -> Value {
        json!({ "name": "n", "description": "d", "target": { "service_name": "s", "resource_kind": "k" },
                "required_config": config, "enforcement_actions": actions })
    }

    #[test]
    fn accepts_and_refuses() {
        let audit = json!([{ "action": "audit_log" }]);
        let ok = |c: Value| rule(&with(c, audit.clone()));
        assert!(ok(json!({ "property": "p", "operator": "is_true" })).is_ok());
        assert!(ok(json!({ "property": "p", "operator": "num_equals", "value": "20" })).is_ok());
        assert!(
            ok(json!({ "and": [{ "property": "p", "operator": "is_true" },
                                 { "or": [{ "property": "q", "operator": "strings_in_list", "value": ["a"] }] }] }))
            .is_ok()
        );
        let err = |c: Value| ok(c).unwrap_err();
        assert!(err(json!({ "property": "p", "operator": "bogus" })).contains("`bogus`"));
        assert!(err(json!({})).contains("`property` and `operator`"));
        assert!(
            err(json!({ "property": "p", "operator": "num_equals" })).contains("needs a `value`")
        );
        assert!(err(json!({ "and": [] })).contains("non-empty"));
        assert!(
            err(json!({ "and": [{ "or": [{ "and": [{ "property": "p", "operator": "is_true" }] }] }] }))
                .contains("two levels")
        );
        let none = rule(&with(
            json!({ "property": "p", "operator": "is_true" }),
            json!([]),
        ));
        assert!(none.unwrap_err().contains("at least one"));
    }
}
