//! References in an exported command: names whose values exist only at run time (secrets,
//! captured values, earlier responses, the environment) render as `"$NAME"` shell variables.
//! A whole JSON value known only at run time is marked with [`json_reference`] in the body and
//! written bare by [`unquote_json_references`], so it keeps its JSON type.

use std::fmt;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::Object;

use super::shell::{REF_CLOSE, reference};
use crate::template::ValueTemplate;

/// Marks, inside a JSON body only, a string that stands for a whole JSON value read from the
/// variable `NAME_JSON` (see [`json_reference`]); the body's text then holds it unquoted.
const REF_JSON: char = '\u{E002}';

/// A JSON body leaf that is the value of `name` with its JSON type: the variable `NAME_JSON`
/// holds the value as JSON text (`jq -c` prints it so).
pub(super) fn json_reference(name: &str) -> String {
    format!("{REF_JSON}{name}_JSON{REF_CLOSE}")
}

/// A JSON body's text with every `"REF_JSON NAME REF_CLOSE"` string made a bare reference, so
/// the shell puts the variable's JSON text in place of the whole value.
pub(super) fn unquote_json_references(json: &str) -> String {
    let open = format!("\"{REF_JSON}");
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after
            .find(REF_CLOSE)
            .filter(|&e| after[e..].starts_with(&format!("{REF_CLOSE}\"")))
        else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&reference(&after[..end]));
        rest = &after[end + REF_CLOSE.len_utf8() + 1..];
    }
    out.push_str(rest);
    out
}

/// `NAME` as a shell variable name: upper case, `_` for anything else.
pub(super) fn var_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// `steps.ID.…` and `env.NAME` in export: every path is a reference named after it.
#[derive(Debug)]
pub(super) struct RefPath(pub(super) Vec<String>);

impl RefPath {
    /// A value from the environment is text; any other (a captured value, a response's,
    /// `item`) has a JSON type of its own.
    fn is_typed(&self) -> bool {
        self.0.first().is_some_and(|p| p != "env")
    }

    fn name(&self) -> String {
        match self.0.first().map(String::as_str) {
            Some("env") if self.0.len() == 2 => self.0[1].clone(),
            _ => {
                let parts: Vec<&str> = self
                    .0
                    .iter()
                    .map(String::as_str)
                    .filter(|p| !matches!(*p, "steps" | "response" | "json" | "outputs"))
                    .collect();
                var_name(&parts.join("_"))
            }
        }
    }
}

impl Object for RefPath {
    // Plain: renders, and serializes into a JSON body, as its reference text.
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| key.to_string());
        let mut path = self.0.clone();
        path.push(key);
        Some(Value::from_object(RefPath(path)))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&reference(&self.name()))
    }
}

/// The scope's context with `env` and `steps` answered by references.
#[derive(Debug)]
pub(super) struct ExportContext(pub(super) Value);

impl Object for ExportContext {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            name @ ("env" | "steps") => Some(Value::from_object(RefPath(vec![name.to_owned()]))),
            name => self.0.get_attr(name).ok().filter(|v| !v.is_undefined()),
        }
    }
}

/// A rendered value with every typed reference in it (a captured value, say) made a
/// [`json_reference`], whose names go into `typed`; `None` when it holds none.
fn typed_refs(v: &Value, typed: &mut Vec<String>) -> Option<Value> {
    use minijinja::value::ValueKind;
    if let Some(r) = v.downcast_object_ref::<RefPath>() {
        return r.is_typed().then(|| {
            typed.push(r.name());
            Value::from(json_reference(&r.name()))
        });
    }
    match v.kind() {
        ValueKind::Seq => {
            let items: Vec<Value> = v.try_iter().ok()?.collect();
            let mut changed = false;
            let out: Vec<Value> = items
                .iter()
                .map(|i| {
                    typed_refs(i, typed)
                        .inspect(|_| changed = true)
                        .unwrap_or_else(|| i.clone())
                })
                .collect();
            changed.then(|| Value::from(out))
        }
        ValueKind::Map => {
            let mut changed = false;
            // In the object's own key order, which `apiflow run` sends (`preserve_order`).
            let mut out = Vec::new();
            for key in v.try_iter().ok()? {
                let item = v.get_item(&key).ok()?;
                let item = typed_refs(&item, typed)
                    .inspect(|_| changed = true)
                    .unwrap_or(item);
                out.push((key, item));
            }
            changed.then(|| Value::from_pairs(out))
        }
        _ => None,
    }
}

/// A JSON body with every leaf that cannot be rendered before the run replaced by a
/// reference named after its key (into `later`), and every whole value that is a typed
/// reference by its [`json_reference`] (its name into `typed`), so it keeps its JSON type.
pub(super) fn value_or_ref(
    v: &ValueTemplate,
    ctx: &Value,
    hint: &str,
    later: &mut Vec<String>,
    typed: &mut Vec<String>,
) -> ValueTemplate {
    match v {
        ValueTemplate::Lit(_) => v.clone(),
        // Rendered once: the result both decides and, for a whole expression, is the value.
        ValueTemplate::Text(_) | ValueTemplate::Expr(_) => match v.render(ctx) {
            Ok(value) if matches!(v, ValueTemplate::Expr(_)) => {
                typed_refs(&value, typed).map_or_else(|| v.clone(), ValueTemplate::Lit)
            }
            Ok(_) => v.clone(),
            Err(_) => {
                let name = var_name(hint);
                later.push(name.clone());
                ValueTemplate::Lit(Value::from(reference(&name)))
            }
        },
        ValueTemplate::Seq(items) => ValueTemplate::Seq(
            items
                .iter()
                .map(|i| value_or_ref(i, ctx, hint, later, typed))
                .collect(),
        ),
        ValueTemplate::Map(entries) => ValueTemplate::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), value_or_ref(v, ctx, k, later, typed)))
                .collect(),
        ),
    }
}
