//! Why a render failed, for people: the undefined name (or attribute) and what it was, the
//! fuel or size bound that stopped it, the template's own error; the template quoted short.

use minijinja::{ErrorKind, Value};

use super::bounds::{self, MAX_RENDERED};
use crate::source::Pos;

/// A failed render: the message names the undefined variable or the failing filter.
#[derive(Clone, Debug)]
pub struct RenderError {
    pub message: String,
    pub pos: Pos,
}

pub(super) fn too_large(source: &str, pos: Pos) -> RenderError {
    RenderError {
        message: format!(
            "template `{}` rendered a value larger than {} MiB (the limit)",
            short(source),
            MAX_RENDERED >> 20
        ),
        pos,
    }
}

pub(super) fn render_error(
    err: &minijinja::Error,
    source: &str,
    names: &[String],
    ctx: &Value,
    pos: Pos,
) -> RenderError {
    let message = if err.kind() == ErrorKind::UndefinedError {
        explain_undefined(source, names, ctx)
    } else if err.kind() == ErrorKind::OutOfFuel {
        format!(
            "template `{}` stopped: it did more work than a template may ({} million steps, \
             or {} MiB of values built; a rendered value is limited to {} MiB)",
            short(source),
            bounds::FUEL / 1_000_000,
            (bounds::FUEL * 64) >> 20,
            MAX_RENDERED >> 20
        )
    } else {
        let detail = err
            .detail()
            .map(str::to_owned)
            .unwrap_or_else(|| err.kind().to_string());
        format!("template `{}` failed: {detail}", short(source))
    };
    RenderError { message, pos }
}

pub(super) fn short(source: &str) -> String {
    let s: String = source.chars().take(80).collect();
    if s.len() < source.len() {
        format!("{s}…")
    } else {
        s
    }
}

/// Finds which referenced name (or which attribute of it) is undefined, so the message can
/// say `access_token` rather than "undefined value".
pub(super) fn explain_undefined(source: &str, names: &[String], ctx: &Value) -> String {
    for name in names {
        let mut parts = name.split('.');
        let root = parts.next().unwrap_or_default();
        let mut value = ctx.get_attr(root).unwrap_or(Value::UNDEFINED);
        if value.is_undefined() && !super::env::is_global(root) {
            return format!("`{root}` is not defined (in `{}`)", short(source));
        }
        let mut path = root.to_owned();
        for part in parts {
            let next = value.get_attr(part).unwrap_or(Value::UNDEFINED);
            if next.is_undefined() {
                let kind = value.kind();
                return format!(
                    "`{path}` has no attribute `{part}` (it is {}; in `{}`)",
                    describe_kind(kind),
                    short(source)
                );
            }
            path.push('.');
            path.push_str(part);
            value = next;
        }
    }
    format!("an undefined value was used in `{}`", short(source))
}

fn describe_kind(kind: minijinja::value::ValueKind) -> &'static str {
    use minijinja::value::ValueKind as K;
    match kind {
        K::Undefined => "undefined",
        K::None => "none",
        K::Bool => "a boolean",
        K::Number => "a number",
        K::String => "a string",
        K::Bytes => "bytes",
        K::Seq => "a list",
        K::Map => "a map",
        K::Iterable => "an iterable",
        K::Plain => "an object",
        K::Invalid => "invalid",
        _ => "a value",
    }
}
