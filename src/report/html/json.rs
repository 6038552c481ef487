//! JSON bodies pretty-printed with their keys, strings, numbers and literals marked for CSS.
//!
//! The text given is the record's (already redacted, possibly cut short): only a text that
//! still parses whole is highlighted; anything else is shown as it is.

use maud::{Markup, html};
use serde_json::Value;

/// Deeper documents are shown as plain text (serde_json stops at 128 levels anyway).
const MAX_DEPTH: usize = 64;

pub fn highlight(text: &str, content_type: Option<&str>) -> Option<Markup> {
    let looks_json = content_type.is_some_and(|c| c.contains("json"))
        || text.trim_start().starts_with(['{', '[']);
    if !looks_json {
        return None;
    }
    let value: Value = serde_json::from_str(text).ok()?;
    if depth(&value) > MAX_DEPTH {
        return None;
    }
    Some(html! { (node(&value, 0)) })
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn indent(level: usize) -> String {
    "  ".repeat(level)
}

fn node(v: &Value, level: usize) -> Markup {
    match v {
        Value::Null | Value::Bool(_) => html! { span.j-lit { (v) } },
        Value::Number(n) => html! { span.j-num { (n) } },
        Value::String(_) => html! { span.j-str { (v) } },
        Value::Array(items) if items.is_empty() => html! { "[]" },
        Value::Object(map) if map.is_empty() => html! { "{}" },
        Value::Array(items) => html! {
            "[\n"
            @for (i, item) in items.iter().enumerate() {
                (indent(level + 1)) (node(item, level + 1))
                @if i + 1 < items.len() { "," } "\n"
            }
            (indent(level)) "]"
        },
        Value::Object(map) => html! {
            "{\n"
            @for (i, (k, item)) in map.iter().enumerate() {
                (indent(level + 1)) span.j-key { (Value::String(k.clone())) } ": "
                (node(item, level + 1))
                @if i + 1 < map.len() { "," } "\n"
            }
            (indent(level)) "}"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_marked_and_escaped() {
        let m = highlight(r#"{"a<": [1, true, "x&"]}"#, None)
            .unwrap()
            .into_string();
        assert!(
            m.contains(r#"<span class="j-key">&quot;a&lt;&quot;</span>"#),
            "{m}"
        );
        assert!(m.contains(r#"<span class="j-num">1</span>"#), "{m}");
        assert!(
            m.contains(r#"<span class="j-str">&quot;x&amp;&quot;</span>"#),
            "{m}"
        );
    }

    #[test]
    fn text_that_is_not_json_is_left_alone() {
        assert!(highlight("{not json", None).is_none());
        assert!(highlight("hello", Some("text/plain")).is_none());
    }
}
