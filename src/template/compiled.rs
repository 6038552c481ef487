//! Templates compiled once at load time, and rendered per request against a [`Scope`] value.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use minijinja::{Expression, Template, Value};

use super::bounds::{self, MAX_RENDERED};
use super::env::ENV;
use crate::source::Pos;

pub use super::render_error::RenderError;
use super::render_error::{explain_undefined, render_error, short, too_large};

/// A string field holding `{{ … }}` or `{% … %}` markup.
pub struct StrTemplate {
    compiled: Arc<CompiledTemplate>,
    pub pos: Pos,
}

/// A bare expression (`if`, `until`, `for_each`, `assert`), or a string that is exactly
/// one `{{ expression }}` and so keeps the expression's type.
pub struct Expr {
    compiled: Arc<CompiledExpr>,
    pub pos: Pos,
}

struct CompiledTemplate {
    source: &'static str,
    /// `None` past the first [`KEPT_TEMPLATES`] distinct texts: compiled again at each render.
    template: Option<Template<'static, 'static>>,
    names: Vec<String>,
    /// The path of names when the whole template is `{{ name }}` or `{{ name.attr }}`.
    lookup: Option<Box<[String]>>,
}

/// How many distinct template texts keep their compiled form. minijinja reserves about 11 KiB
/// per compiled template (room for 256 instructions and 128 line records, never shrunk), so a
/// 10,000-step file whose steps each have their own URL template (`{{ inputs.base }}/items/7`)
/// held 110 MiB. Past this many, a template is compiled at load (to check it and find its
/// names) and dropped, and compiled again when rendered (about 6 k instructions). 256 (about
/// 3 MiB, and as much for expressions) keeps a 10,000-step file of distinct URL templates under
/// the 40 MiB of issue 14; the templates a file shares (`{{ token }}`) come first and stay.
const KEPT_TEMPLATES: usize = 256;

/// Distinct template texts compiled so far by this process.
static COMPILED_TEMPLATES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Distinct expressions compiled so far (an expression costs what a template does).
static COMPILED_EXPRESSIONS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

struct CompiledExpr {
    source: String,
    /// `None` past the first [`KEPT_TEMPLATES`] distinct expressions, as for templates.
    expr: Option<Expression<'static, 'static>>,
    names: Vec<String>,
}

/// Compiled templates and expressions, by source text. Workflows repeat the same few
/// templates (`{{ access_token }}`, `{{ inputs.base }}/…`) many times: each is compiled, and
/// kept, once.
static TEMPLATES: LazyLock<Mutex<HashMap<String, Arc<CompiledTemplate>>>> =
    LazyLock::new(Default::default);
static EXPRESSIONS: LazyLock<Mutex<HashMap<String, Arc<CompiledExpr>>>> =
    LazyLock::new(Default::default);

/// A field whose value is a string, possibly templated.
#[derive(Clone)]
pub enum Text {
    Lit(String),
    Tmpl(Arc<StrTemplate>),
}

/// Any YAML value whose strings may be templates (bodies, `set` values, expected values).
#[derive(Clone)]
pub enum ValueTemplate {
    /// No template anywhere inside: converted once at load.
    Lit(Value),
    Text(Arc<StrTemplate>),
    Expr(Arc<Expr>),
    Seq(Vec<ValueTemplate>),
    Map(Vec<(String, ValueTemplate)>),
}

/// Does this string contain template markup at all?
pub fn has_markup(s: &str) -> bool {
    // One pass (every string field of a file is asked this once when it is loaded).
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'{' && matches!(b.get(i + 1), Some(b'{' | b'%' | b'#')))
}

/// The inner expression when `s` is exactly one `{{ expression }}`.
fn whole_expression(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    if has_markup(inner) || inner.contains("}}") {
        return None;
    }
    Some(inner.trim())
}

fn syntax_error(err: &minijinja::Error) -> String {
    let detail = err.detail().unwrap_or("invalid template");
    format!("template syntax error: {detail}")
}

fn sorted_names(set: std::collections::HashSet<String>) -> Vec<String> {
    let mut names: Vec<String> = set.into_iter().collect();
    names.sort();
    names
}

impl StrTemplate {
    pub fn compile(source: &str, pos: Pos) -> Result<Self, String> {
        let mut cache = TEMPLATES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(compiled) = cache.get(source) {
            return Ok(Self {
                compiled: Arc::clone(compiled),
                pos,
            });
        }
        // A compiled template borrows its source for the environment's lifetime; each distinct
        // template text of the loaded files is kept for the life of the process.
        let leaked: &'static str = Box::leak(source.to_owned().into_boxed_str());
        let template = ENV
            .template_from_str(leaked)
            .map_err(|e| syntax_error(&e))?;
        let names = sorted_names(template.undeclared_variables(true));
        let kept =
            COMPILED_TEMPLATES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < KEPT_TEMPLATES;
        let compiled = Arc::new(CompiledTemplate {
            source: leaked,
            template: kept.then_some(template),
            names,
            lookup: plain_lookup(leaked),
        });
        cache.insert(source.to_owned(), Arc::clone(&compiled));
        Ok(Self { compiled, pos })
    }

    pub fn render(&self, ctx: &Value) -> Result<String, RenderError> {
        let c = &self.compiled;
        if let Some(path) = &c.lookup
            && let Some(text) = look_up(ctx, path)
        {
            bounds::current()
                .check()
                .map_err(|stop| stopped(c.source, self.pos, stop))?;
            if text.len() > MAX_RENDERED {
                return Err(too_large(c.source, self.pos));
            }
            return Ok(text);
        }
        let out = match &c.template {
            Some(template) => bounded(c.source, self.pos, || template.render(ctx))?,
            None => {
                // It compiled at load time, so this does not fail; if it did, it is an error.
                let template = ENV.template_from_str(c.source).map_err(|e| RenderError {
                    message: syntax_error(&e),
                    pos: self.pos,
                })?;
                bounded(c.source, self.pos, || template.render(ctx))?
            }
        }
        .map_err(|e| render_error(&e, c.source, &c.names, ctx, self.pos))?;
        if out.len() > MAX_RENDERED {
            return Err(too_large(c.source, self.pos));
        }
        Ok(out)
    }

    pub fn names(&self) -> &[String] {
        &self.compiled.names
    }
}

impl Expr {
    pub fn compile(source: &str, pos: Pos) -> Result<Self, String> {
        let mut cache = EXPRESSIONS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(compiled) = cache.get(source) {
            return Ok(Self {
                compiled: Arc::clone(compiled),
                pos,
            });
        }
        let expr = ENV
            .compile_expression_owned(source.to_owned())
            .map_err(|e| syntax_error(&e))?;
        let names = sorted_names(expr.undeclared_variables(true));
        let kept = COMPILED_EXPRESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            < KEPT_TEMPLATES;
        let compiled = Arc::new(CompiledExpr {
            source: source.to_owned(),
            expr: kept.then_some(expr),
            names,
        });
        cache.insert(source.to_owned(), Arc::clone(&compiled));
        Ok(Self { compiled, pos })
    }

    pub fn source(&self) -> &str {
        &self.compiled.source
    }

    pub fn names(&self) -> &[String] {
        &self.compiled.names
    }

    /// Evaluates the expression; an undefined result is an error naming what was undefined.
    pub fn eval(&self, ctx: &Value) -> Result<Value, RenderError> {
        let c = &self.compiled;
        let result = match &c.expr {
            Some(expr) => bounded(&c.source, self.pos, || expr.eval(ctx))?,
            None => {
                // It compiled at load time, so this does not fail; if it did, it is an error.
                let expr = ENV.compile_expression(&c.source).map_err(|e| RenderError {
                    message: syntax_error(&e),
                    pos: self.pos,
                })?;
                bounded(&c.source, self.pos, || expr.eval(ctx))?
            }
        };
        match result {
            Ok(v) if v.is_undefined() => Err(RenderError {
                message: explain_undefined(&c.source, &c.names, ctx),
                pos: self.pos,
            }),
            Ok(v) if bounds::oversized(&v) => Err(too_large(&c.source, self.pos)),
            Ok(v) => Ok(v),
            Err(e) => Err(render_error(&e, &c.source, &c.names, ctx, self.pos)),
        }
    }

    /// Evaluates a condition: Jinja truthiness, but an undefined name is still an error.
    pub fn is_true(&self, ctx: &Value) -> Result<bool, RenderError> {
        self.eval(ctx).map(|v| v.is_true())
    }
}

impl Text {
    /// Compiles a string field: templated only if it contains markup.
    pub fn compile(source: &str, pos: Pos) -> Result<Self, String> {
        if has_markup(source) {
            StrTemplate::compile(source, pos).map(|t| Text::Tmpl(Arc::new(t)))
        } else {
            Ok(Text::Lit(source.to_owned()))
        }
    }

    pub fn render(&self, ctx: &Value) -> Result<Cow<'_, str>, RenderError> {
        match self {
            Text::Lit(s) => Ok(Cow::Borrowed(s)),
            Text::Tmpl(t) => t.render(ctx).map(Cow::Owned),
        }
    }

    /// The literal text, when there is no template.
    pub fn as_literal(&self) -> Option<&str> {
        match self {
            Text::Lit(s) => Some(s),
            Text::Tmpl(_) => None,
        }
    }

    /// The text as written, markup included.
    pub fn source_text(&self) -> &str {
        match self {
            Text::Lit(s) => s,
            Text::Tmpl(t) => t.compiled.source,
        }
    }

    pub fn names(&self) -> &[String] {
        match self {
            Text::Lit(_) => &[],
            Text::Tmpl(t) => t.names(),
        }
    }
}

impl ValueTemplate {
    /// Compiles one string of a value: a whole `{{ expr }}` keeps its type.
    pub fn compile_str(source: &str, pos: Pos) -> Result<Self, String> {
        if let Some(inner) = whole_expression(source) {
            return Expr::compile(inner, pos).map(|e| ValueTemplate::Expr(Arc::new(e)));
        }
        if has_markup(source) {
            return StrTemplate::compile(source, pos).map(|t| ValueTemplate::Text(Arc::new(t)));
        }
        Ok(ValueTemplate::Lit(Value::from(source)))
    }

    /// Renders every template inside; together they may not render more than 64 MiB.
    pub fn render(&self, ctx: &Value) -> Result<Value, RenderError> {
        self.render_counted(ctx, &mut 0)
    }

    fn render_counted(&self, ctx: &Value, used: &mut usize) -> Result<Value, RenderError> {
        let mut count = |n: usize, source: &str, pos: Pos| {
            *used = used.saturating_add(n);
            if *used > MAX_RENDERED {
                return Err(too_large(source, pos));
            }
            Ok(())
        };
        match self {
            ValueTemplate::Lit(v) => Ok(v.clone()),
            ValueTemplate::Text(t) => {
                let s = t.render(ctx)?;
                count(s.len(), t.compiled.source, t.pos)?;
                Ok(Value::from(s))
            }
            ValueTemplate::Expr(e) => {
                let v = e.eval(ctx)?;
                count(bounds::size(&v), &e.compiled.source, e.pos)?;
                Ok(v)
            }
            ValueTemplate::Seq(items) => items
                .iter()
                .map(|i| i.render_counted(ctx, used))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::from),
            ValueTemplate::Map(entries) => {
                let mut map = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    map.push((Value::from(k.as_str()), v.render_counted(ctx, used)?));
                }
                Ok(Value::from_pairs(map))
            }
        }
    }

    /// Calls `f` with the referenced names of every template inside.
    pub fn for_each_names(&self, f: &mut dyn FnMut(&[String], Pos)) {
        match self {
            ValueTemplate::Lit(_) => {}
            ValueTemplate::Text(t) => f(t.names(), t.pos),
            ValueTemplate::Expr(e) => f(e.names(), e.pos),
            ValueTemplate::Seq(items) => items.iter().for_each(|i| i.for_each_names(f)),
            ValueTemplate::Map(entries) => entries.iter().for_each(|(_, v)| v.for_each_names(f)),
        }
    }
}

/// The names of a template that is exactly `{{ name }}` or `{{ name.attr… }}`: rendering it
/// writes that string as it is (no auto-escaping; see `env.rs`), so a string found there is
/// the output without running the template (`{{ token }}` in every step's bearer: ~2.5 k
/// instructions a render). Literals (`true`, `none`) are not names.
fn plain_lookup(source: &str) -> Option<Box<[String]>> {
    let inner = source.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let is_name = |seg: &str| {
        let mut chars = seg.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !matches!(
                seg,
                "true" | "false" | "none" | "True" | "False" | "None" | "not"
            )
    };
    let path: Vec<String> = inner.split('.').map(str::to_owned).collect();
    path.iter().all(|s| is_name(s)).then(|| path.into())
}

/// The string at `path` in `ctx`; `None` when it is anything else (missing, undefined, not a
/// string), which the full render then handles (and reports).
fn look_up(ctx: &Value, path: &[String]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    let mut value = ctx.get_attr(first).ok()?;
    for name in rest {
        if value.is_undefined() || value.is_none() {
            return None;
        }
        value = value.get_attr(name).ok()?;
    }
    value.as_str().map(str::to_owned)
}

fn stopped(source: &str, pos: Pos, stop: bounds::Stop) -> RenderError {
    RenderError {
        message: format!("template `{}` {}", short(source), stop.message()),
        pos,
    }
}

/// Runs one render under the task's bounds: not started when time is already up, and failed
/// with the reason when a `range()` loop was cut short.
fn bounded<T>(
    source: &str,
    pos: Pos,
    render: impl FnOnce() -> Result<T, minijinja::Error>,
) -> Result<Result<T, minijinja::Error>, RenderError> {
    let stopped = |stop: bounds::Stop| stopped(source, pos, stop);
    bounds::current().check().map_err(stopped)?;
    bounds::reset();
    let result = render();
    match bounds::take_stop() {
        Some(stop) => Err(stopped(stop)),
        None => Ok(result),
    }
}

#[cfg(test)]
#[path = "compiled_tests.rs"]
mod tests;
