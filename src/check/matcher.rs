//! Operators on JSON values: pure comparisons, each rendered expected value used once, both to
//! compare and to report.

use serde_json::Value;

use crate::model::Op;

/// Does the operator hold for this (present) value against its rendered expectation?
/// `Length` and `Schema` are evaluated by the caller.
pub fn holds(op: &Op, v: &Value, expected: &Value) -> bool {
    match op {
        Op::Eq(_) => json_eq(v, expected),
        Op::Ne(_) => !json_eq(v, expected),
        Op::Gt(_) => compare(v, expected).is_some_and(|o| o.is_gt()),
        Op::Gte(_) => compare(v, expected).is_some_and(|o| o.is_ge()),
        Op::Lt(_) => compare(v, expected).is_some_and(|o| o.is_lt()),
        Op::Lte(_) => compare(v, expected).is_some_and(|o| o.is_le()),
        Op::Contains(_) => contains(v, expected),
        Op::NotContains(_) => !contains(v, expected),
        Op::Matches(re) => v.as_str().is_some_and(|s| re.is_match(s)),
        Op::StartsWith(_) => match (v.as_str(), expected.as_str()) {
            (Some(s), Some(p)) => s.starts_with(p),
            _ => false,
        },
        Op::EndsWith(_) => match (v.as_str(), expected.as_str()) {
            (Some(s), Some(p)) => s.ends_with(p),
            _ => false,
        },
        Op::Exists(b) => *b,
        Op::Type(t) => t.matches(v),
        Op::OneOf(_) => match expected {
            Value::Array(items) => items.iter().any(|i| json_eq(v, i)),
            other => json_eq(v, other),
        },
        Op::Empty(b) => *b == length_of(v).map_or(v.is_null(), |n| n == 0),
        Op::StatusClass(c) => v.as_u64().is_some_and(|s| s / 100 == u64::from(*c)),
        Op::Length(_) | Op::Schema(_) => true,
    }
}

/// JSON equality where `1` equals `1.0`.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64() == y.as_f64() && (x.as_i64() == y.as_i64() || x.as_f64().is_some())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| json_eq(a, b)))
        }
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match (haystack, needle) {
        (Value::String(s), Value::String(n)) => s.contains(n.as_str()),
        (Value::Array(items), n) => items.iter().any(|i| json_eq(i, n)),
        (Value::Object(map), Value::String(k)) => map.contains_key(k),
        _ => false,
    }
}

pub fn length_of(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        _ => None,
    }
}

/// What an operator expects, for people: `> 0`, `to contain "x"`, `2xx`.
pub fn describe(operator: &str, expected: &Value) -> String {
    let e = || show(expected);
    match operator {
        "eq" => e(),
        "ne" => format!("not {}", e()),
        "gt" => format!("> {}", e()),
        "gte" => format!(">= {}", e()),
        "lt" => format!("< {}", e()),
        "lte" => format!("<= {}", e()),
        "contains" => format!("to contain {}", e()),
        "not_contains" => format!("not to contain {}", e()),
        "matches" => format!("to match /{}/", expected.as_str().unwrap_or_default()),
        "starts_with" => format!("to start with {}", e()),
        "ends_with" => format!("to end with {}", e()),
        "exists" if expected == &Value::Bool(false) => "not to exist".into(),
        "exists" => "to exist".into(),
        "type" => format!("type {}", expected.as_str().unwrap_or_default()),
        "one_of" => format!("one of {}", e()),
        "empty" if expected == &Value::Bool(false) => "not empty".into(),
        "empty" => "empty".into(),
        "class" => expected.as_str().unwrap_or_default().to_owned(),
        "select" => "to select a value".into(),
        _ => expected.as_str().map(str::to_owned).unwrap_or_else(e),
    }
}

/// A JSON value for people: compact, and cut short when long.
pub fn show(v: &Value) -> String {
    excerpt(&serde_json::to_string(v).unwrap_or_default(), 200)
}

/// The first `max` characters of a text, marking what was cut. Cut redacted text only.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut chars = text.char_indices();
    match chars.nth(max) {
        None => text.to_owned(),
        Some((i, _)) => format!("{}… ({} more bytes)", &text[..i], text.len() - i),
    }
}
