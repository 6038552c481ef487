//! YAML text to a tree whose every node knows its line and column (marked-yaml), and the
//! conversion of plain YAML values to JSON.
//!
//! serde_yaml keeps no per-node positions, and errors must point at the exact key or value,
//! so the loader reads a position-keeping tree and lowers it by hand.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoaderOptions, Node};
use serde_json::Value;

use crate::source::Pos;

pub type Mapping = MarkedMappingNode;
pub type Scalar = MarkedScalarNode;

/// Parses a whole document; the error carries the position of the syntax problem.
pub fn parse(text: &str) -> Result<Node, (String, Pos)> {
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    marked_yaml::parse_yaml_with_options(0, text, options).map_err(|e| {
        use marked_yaml::LoadError as E;
        let (msg, marker) = match &e {
            E::TopLevelMustBeMapping(m) => (
                "a workflow file must be a YAML mapping (`version: 1`, `name: …`, `steps: …`)"
                    .to_owned(),
                Some(*m),
            ),
            E::TopLevelMustBeSequence(m) => ("expected a sequence".to_owned(), Some(*m)),
            E::UnexpectedAnchor(m) => (
                "YAML anchors and aliases are not supported in workflow files".to_owned(),
                Some(*m),
            ),
            E::MappingKeyMustBeScalar(m) => {
                ("mapping keys must be plain strings".to_owned(), Some(*m))
            }
            E::UnexpectedTag(m) => (
                "YAML tags (`!tag`) are not supported in workflow files".to_owned(),
                Some(*m),
            ),
            E::ScanError(m, scan) => (format!("invalid YAML: {}", scan_message(scan)), Some(*m)),
            E::DuplicateKey(inner) => (
                format!("duplicate key `{}`", inner.key.as_str()),
                inner.key.span().start().copied(),
            ),
        };
        (
            msg,
            marker
                .map(|m| Pos::new(m.line() as u32, m.column() as u32))
                .unwrap_or_default(),
        )
    })
}

fn scan_message(e: &impl std::fmt::Display) -> String {
    // The scanner's Display repeats the position; keep only the reason.
    let text = e.to_string();
    match text.find(" at ") {
        Some(i) if text[i..].contains("line") => text[..i].to_owned(),
        _ => text,
    }
}

pub fn pos(node: &Node) -> Pos {
    node.span()
        .start()
        .map(|m| Pos::new(m.line() as u32, m.column() as u32))
        .unwrap_or_default()
}

pub fn scalar_pos(s: &Scalar) -> Pos {
    s.span()
        .start()
        .map(|m| Pos::new(m.line() as u32, m.column() as u32))
        .unwrap_or_default()
}

/// A YAML scalar as JSON, following the YAML 1.2 core schema for plain scalars; a quoted
/// scalar is always a string (`"200"` is not `200`).
pub fn scalar_to_json(s: &Scalar) -> Value {
    let text = s.as_str();
    if !s.may_coerce() {
        return Value::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(u) = text.parse::<u64>() {
        return Value::from(u);
    }
    let looks_numeric = text
        .trim_start_matches(['-', '+'])
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.');
    if looks_numeric {
        if let Ok(f) = text.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(text.to_owned())
}

/// A whole YAML node as JSON.
pub fn to_json(node: &Node) -> Value {
    match node {
        Node::Scalar(s) => scalar_to_json(s),
        Node::Sequence(seq) => Value::Array(seq.iter().map(to_json).collect()),
        Node::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().to_owned(), to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_scalars_are_typed_quoted_ones_are_strings() {
        let node =
            parse("a: 200\nb: \"200\"\nc: true\nd: ~\ne: 1.5\nf: text\ng: [1, '2']\n").unwrap();
        assert_eq!(
            to_json(&node),
            json!({"a": 200, "b": "200", "c": true, "d": null, "e": 1.5, "f": "text", "g": [1, "2"]})
        );
    }

    #[test]
    fn errors_have_positions() {
        let (msg, pos) = parse("a: 1\na: 2\n").unwrap_err();
        assert!(msg.contains("duplicate key `a`"), "{msg}");
        assert_eq!(pos, Pos::new(2, 1));
        let (msg, pos) = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(msg.starts_with("invalid YAML"), "{msg}");
        assert!(pos.line >= 1);
    }
}
