//! JSONPath (RFC 9535), behind one small interface so the engine can be swapped.
//!
//! The engine is serde_json_path: it passes the whole RFC 9535 compliance suite (see
//! `tests/jsonpath_cts.rs`), unlike jsonpath-rust, and does far less work on filter queries.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::Value;
use serde_json_path::{JsonPath, PathElement};

/// A compiled JSONPath query; cheap to clone (the compiled form is shared).
#[derive(Clone, Debug)]
pub struct Query {
    compiled: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    text: String,
    path: JsonPath,
    singular: bool,
    /// The member names of a query that is only `$.name.name…` (the common case): selected
    /// by walking the objects, as the engine would, without its general machinery.
    names: Option<Box<[String]>>,
}

/// Compiled queries by text. A workflow repeats the same few queries (`$.id`, `$.state`) in
/// every step: each text is parsed once per process (the bench's 500-step file spent 9.5k
/// instructions per step re-parsing two queries). Bounded by the loaded files' size.
static COMPILED: LazyLock<Mutex<HashMap<String, Arc<Compiled>>>> = LazyLock::new(Default::default);

/// What a query selects: a singular query gives one value or nothing, any other a list.
#[derive(Debug, PartialEq)]
pub enum Selection<'a> {
    Single(Option<&'a Value>),
    List(Vec<&'a Value>),
}

impl Query {
    /// Compiles a query; the error is a one-line reason.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut cache = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(compiled) = cache.get(text) {
            return Ok(Self {
                compiled: Arc::clone(compiled),
            });
        }
        let path = JsonPath::parse(text).map_err(|e| format!("invalid JSONPath `{text}`: {e}"))?;
        let compiled = Arc::new(Compiled {
            text: text.to_owned(),
            singular: is_singular(text),
            names: member_names(text),
            path,
        });
        cache.insert(text.to_owned(), Arc::clone(&compiled));
        Ok(Self { compiled })
    }

    pub fn text(&self) -> &str {
        &self.compiled.text
    }

    pub fn is_singular(&self) -> bool {
        self.compiled.singular
    }

    pub fn select<'a>(&self, doc: &'a Value) -> Selection<'a> {
        if let Some(names) = &self.compiled.names {
            let mut node = Some(doc);
            for name in names {
                node = node
                    .and_then(Value::as_object)
                    .and_then(|o| o.get(name.as_str()));
            }
            return Selection::Single(node);
        }
        let nodes = self.compiled.path.query(doc);
        if self.compiled.singular {
            Selection::Single(nodes.first())
        } else {
            Selection::List(nodes.all())
        }
    }

    /// Every selected node with its normalized path (RFC 9535 §2.7), in document order.
    pub fn select_located<'a>(&self, doc: &'a Value) -> Vec<(String, &'a Value)> {
        self.compiled
            .path
            .query_located(doc)
            .into_iter()
            .map(|n| (normalized_path(n.location().iter()), n.node()))
            .collect()
    }
}

impl Selection<'_> {
    /// The selection as one JSON value: the value (or `None`) for a singular query, an array
    /// of the selected values otherwise.
    pub fn to_value(&self) -> Option<Value> {
        match self {
            Selection::Single(v) => v.map(|v| (*v).clone()),
            Selection::List(vs) => Some(Value::Array(vs.iter().map(|v| (*v).clone()).collect())),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Selection::Single(v) => v.is_none(),
            Selection::List(vs) => vs.is_empty(),
        }
    }
}

/// The names of `$.a.b…` written with member-name shorthands of ASCII letters, digits and
/// `_` only (no quotes, escapes or blank space to interpret); `None` for any other query.
fn member_names(text: &str) -> Option<Box<[String]>> {
    let rest = text.strip_prefix('$')?;
    if rest.is_empty() {
        return None;
    }
    let shorthand = |name: &str| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let names: Vec<String> = rest
        .strip_prefix('.')?
        .split('.')
        .map(str::to_owned)
        .collect();
    names.iter().all(|n| shorthand(n)).then(|| names.into())
}

/// A query that only uses name and index selectors, no descendants, wildcards, slices,
/// filters or unions. The query is known to be valid here, so a character scan outside
/// quoted names is exact.
fn is_singular(text: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev = '\0';
    for c in text.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '*' | '?' | ':' | ',' => return false,
            '.' if prev == '.' => return false,
            _ => {}
        }
        prev = c;
    }
    true
}

/// Formats a normalized path with the escaping RFC 9535 §2.7 requires.
fn normalized_path<'a>(elements: impl Iterator<Item = &'a PathElement<'a>>) -> String {
    let mut out = String::from("$");
    for e in elements {
        match e {
            PathElement::Index(i) => out.push_str(&format!("[{i}]")),
            PathElement::Name(name) => {
                out.push_str("['");
                for c in name.chars() {
                    match c {
                        '\u{8}' => out.push_str("\\b"),
                        '\u{c}' => out.push_str("\\f"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn member_name_queries_select_as_the_engine_does() {
        let doc = json!({"a": {"b": [10, 20], "c_1": {"d": null}}, "e": "x", "f": [{"a": 1}]});
        for text in [
            "$.a",
            "$.a.b",
            "$.a.c_1.d",
            "$.a.c_1.d.x",
            "$.e",
            "$.e.x",
            "$.f.a",
            "$.nope",
            "$.a.nope.b",
            "$._",
        ] {
            let q = Query::parse(text).unwrap();
            assert!(q.compiled.names.is_some(), "{text}");
            let engine = q.compiled.path.query(&doc).first();
            assert_eq!(q.select(&doc), Selection::Single(engine), "{text}");
        }
        for text in [
            "$", "$['a']", "$.a[0]", "$..a", "$.*", "$.1a", "$. a", "$.a-b", "$.é",
        ] {
            assert_eq!(member_names(text), None, "{text}");
        }
    }

    #[test]
    fn singular_queries_give_a_value_others_a_list() {
        let doc = json!({"a": {"b": [10, 20]}, "c": "x"});
        let q = Query::parse("$.a.b[1]").unwrap();
        assert_eq!(q.select(&doc), Selection::Single(Some(&json!(20))));
        let q = Query::parse("$.a.nope").unwrap();
        assert_eq!(q.select(&doc), Selection::Single(None));
        let q = Query::parse("$.a.b[*]").unwrap();
        assert_eq!(
            q.select(&doc),
            Selection::List(vec![&json!(10), &json!(20)])
        );
        for s in ["$['a']['b'][0]", "$[\"a.b*?\"]", "$.a"] {
            assert!(Query::parse(s).unwrap().is_singular(), "{s}");
        }
        for s in ["$..a", "$.a[0:1]", "$.a[?@.x]", "$['a','c']", "$.*"] {
            assert!(!Query::parse(s).unwrap().is_singular(), "{s}");
        }
    }

    #[test]
    fn a_query_text_is_compiled_once() {
        let a = Query::parse("$.compiled_once[0]").unwrap();
        let b = Query::parse("$.compiled_once[0]").unwrap();
        assert!(Arc::ptr_eq(&a.compiled, &b.compiled));
        let doc = json!({"compiled_once": ["x"]});
        assert_eq!(b.select(&doc), Selection::Single(Some(&json!("x"))));
        assert!(Query::parse("$.compiled_once[").is_err());
    }

    #[test]
    fn invalid_queries_are_rejected() {
        assert!(Query::parse("$.a[").is_err());
        assert!(Query::parse("a.b").is_err());
    }
}
