//! XPath 1.0 on XML bodies, and on HTML bodies parsed leniently.
//!
//! The evaluator is sxd-xpath, chosen by measuring candidates against libxml2's XPath test
//! suite (docs/xpath.md). Bodies are parsed into its document model by `document`. Every
//! evaluation is bounded: the body's size, nesting and node count, the size of the result, and
//! its time. An expression can be quadratic in the document (`//*[count(//*) > 0]`) and
//! sxd-xpath cannot be interrupted, so it runs on a thread of its own that the step waits for
//! until its deadline (the step's or workflow's `timeout`, at most 30 s) or Ctrl-C; a stopped
//! evaluation's thread is left to finish on its own.

mod document;

use std::fmt;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub use document::{MAX_DEPTH, MAX_NODES};

/// Largest body XPath is evaluated on.
pub const MAX_INPUT: usize = 16 * 1024 * 1024;
/// Longest an evaluation may take when no `timeout` is shorter.
pub const MAX_TIME: Duration = Duration::from_secs(30);
/// Largest result: the string values of the selected nodes, added up.
pub const MAX_RESULT: usize = 64 * 1024 * 1024;
/// Longest expression accepted.
const MAX_EXPRESSION: usize = 64 * 1024;

/// A compiled XPath expression (checked at load time).
#[derive(Clone)]
pub struct XPath {
    source: String,
}

impl fmt::Debug for XPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XPath({})", self.source)
    }
}

/// How a body is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Markup {
    Xml,
    Html,
}

impl Markup {
    /// HTML when the content type says so (`text/html`, not XHTML), or, without a content
    /// type, when the body starts like an HTML page; XML otherwise.
    pub fn of(content_type: Option<&str>, body: &[u8]) -> Self {
        if let Some(ct) = content_type.map(str::to_ascii_lowercase) {
            if ct.contains("xhtml") || ct.contains("xml") {
                return Markup::Xml;
            }
            if ct.contains("html") {
                return Markup::Html;
            }
        }
        let start: Vec<u8> = body
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take(14)
            .map(u8::to_ascii_lowercase)
            .collect();
        if start.starts_with(b"<!doctype html") || start.starts_with(b"<html") {
            Markup::Html
        } else {
            Markup::Xml
        }
    }
}

/// What an expression gave, before it becomes a JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Evaluated {
    Bool(bool),
    Number(f64),
    String(String),
    /// A node-set, in document order.
    Nodes(Vec<SelectedNode>),
}

/// One node of a node-set.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectedNode {
    pub kind: NodeKind,
    /// The local name of an element or attribute, the target of a processing instruction.
    pub name: String,
    /// The node's string value.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Root,
    Element,
    Attribute,
    Text,
    Comment,
    ProcessingInstruction,
    Namespace,
}

impl Evaluated {
    /// As the checks see it: a string, number or boolean as that JSON type; a node-set as the
    /// list of its nodes' string values.
    pub fn into_json(self) -> Value {
        match self {
            Evaluated::Bool(b) => Value::Bool(b),
            Evaluated::Number(n) => number(n),
            Evaluated::String(s) => Value::String(s),
            Evaluated::Nodes(nodes) => {
                Value::Array(nodes.into_iter().map(|n| Value::String(n.text)).collect())
            }
        }
    }
}

/// The node relative paths start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextNode {
    /// The document itself: `/html/body` and `html/body` select the same.
    Document,
    /// The document element (as libxml2's test suite evaluates).
    DocumentElement,
}

impl XPath {
    /// Parses `expr`; the error says what is wrong with it.
    pub fn compile(expr: &str) -> Result<Self, String> {
        if expr.trim().is_empty() {
            return Err("an empty XPath expression".into());
        }
        if expr.len() > MAX_EXPRESSION {
            return Err(format!(
                "an XPath expression longer than {} KiB",
                MAX_EXPRESSION >> 10
            ));
        }
        match sxd_xpath::Factory::new().build(expr) {
            Ok(Some(_)) => Ok(Self {
                source: expr.to_owned(),
            }),
            Ok(None) => Err("an empty XPath expression".into()),
            Err(e) => Err(format!("invalid XPath `{expr}`: {e}")),
        }
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.source
    }

    /// Evaluates on a body: a string, number or boolean result as that JSON type; a node-set
    /// as the list of its nodes' string values. `content_type` picks XML or lenient HTML.
    pub fn evaluate(&self, body: &[u8], content_type: Option<&str>) -> Result<Value, String> {
        let markup = Markup::of(content_type, body);
        self.evaluate_as(body, markup, ContextNode::Document)
            .map(Evaluated::into_json)
    }

    /// Evaluates on a body read as `markup`, relative paths starting at `context`.
    pub fn evaluate_as(
        &self,
        body: &[u8],
        markup: Markup,
        context: ContextNode,
    ) -> Result<Evaluated, String> {
        if body.len() > MAX_INPUT {
            return Err(format!(
                "the body is larger than {} MiB, the limit for XPath",
                MAX_INPUT >> 20
            ));
        }
        let bounds = crate::template::bounds::current()
            .deadline(Instant::now() + MAX_TIME, "the XPath time limit of 30s");
        let text = String::from_utf8_lossy(body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body))
            .into_owned();
        let expr = self.source.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("xpath".into())
            .spawn(move || {
                let _ = tx.send(evaluate_text(&text, markup, &expr, context));
            })
            .map_err(|e| format!("cannot start the XPath evaluation: {e}"))?;
        loop {
            match rx.recv_timeout(Duration::from_millis(10)) {
                Ok(result) => return result,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(stop) = bounds.check() {
                        return Err(format!("XPath evaluation {}", stop.message()));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("the XPath evaluation failed".into());
                }
            }
        }
    }
}

/// Parses and evaluates, on the evaluation's own thread.
fn evaluate_text(
    text: &str,
    markup: Markup,
    expr: &str,
    context: ContextNode,
) -> Result<Evaluated, String> {
    let package = sxd_document::Package::new();
    let prefixes = match markup {
        Markup::Xml => document::xml(&package, text)?,
        Markup::Html => {
            document::html(&package, text)?;
            Vec::new()
        }
    };
    let doc = package.as_document();
    let xpath = sxd_xpath::Factory::new()
        .build(expr)
        .map_err(|e| format!("invalid XPath `{expr}`: {e}"))?
        .ok_or("an empty XPath expression")?;
    let mut ctx = sxd_xpath::Context::new();
    for (prefix, uri) in &prefixes {
        ctx.set_namespace(prefix, uri);
    }
    let root = doc.root();
    let start: sxd_xpath::nodeset::Node = match context {
        ContextNode::Document => root.into(),
        ContextNode::DocumentElement => match root.children().into_iter().find_map(|c| c.element())
        {
            Some(el) => el.into(),
            None => root.into(),
        },
    };
    let value = xpath
        .evaluate(&ctx, start)
        .map_err(|e| format!("XPath `{expr}` failed: {e}"))?;
    Ok(match value {
        sxd_xpath::Value::Boolean(b) => Evaluated::Bool(b),
        sxd_xpath::Value::Number(n) => Evaluated::Number(n),
        sxd_xpath::Value::String(s) => Evaluated::String(s),
        sxd_xpath::Value::Nodeset(nodes) => {
            let mut total = 0usize;
            let mut out = Vec::with_capacity(nodes.size());
            for node in nodes.document_order() {
                let text = node.string_value();
                total = total.saturating_add(text.len());
                if total > MAX_RESULT {
                    return Err(format!(
                        "the nodes `{expr}` selects hold more than {} MiB of text",
                        MAX_RESULT >> 20
                    ));
                }
                out.push(selected(node, text));
            }
            Evaluated::Nodes(out)
        }
    })
}

fn selected(node: sxd_xpath::nodeset::Node<'_>, text: String) -> SelectedNode {
    use sxd_xpath::nodeset::Node;
    let (kind, name) = match node {
        Node::Root(_) => (NodeKind::Root, String::new()),
        Node::Element(e) => (NodeKind::Element, e.name().local_part().to_owned()),
        Node::Attribute(a) => (NodeKind::Attribute, a.name().local_part().to_owned()),
        Node::Text(_) => (NodeKind::Text, String::new()),
        Node::Comment(_) => (NodeKind::Comment, String::new()),
        Node::ProcessingInstruction(p) => (NodeKind::ProcessingInstruction, p.target().to_owned()),
        Node::Namespace(n) => (NodeKind::Namespace, n.prefix().to_owned()),
    };
    SelectedNode { kind, name, text }
}

/// An XPath number as JSON: whole numbers as integers (so `count(//item)` equals `3`), NaN
/// and the infinities (which JSON cannot hold) as null.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return Value::from(n as i64);
    }
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0"?>
<catalog xmlns:p="urn:price">
  <item id="a"><name>Apple</name><p:cost>1.5</p:cost></item>
  <item id="b"><name>Bread</name><p:cost>2</p:cost></item>
  <!-- note -->
</catalog>"#;

    fn eval(expr: &str, body: &str, ct: &str) -> Result<Value, String> {
        XPath::compile(expr)?.evaluate(body.as_bytes(), Some(ct))
    }

    #[test]
    fn results_keep_their_xpath_type() {
        let x = |e| eval(e, XML, "application/xml").unwrap();
        assert_eq!(x("count(//item)"), serde_json::json!(2));
        assert_eq!(x("string(//item[2]/name)"), serde_json::json!("Bread"));
        assert_eq!(x("//item/@id"), serde_json::json!(["a", "b"]));
        assert_eq!(x("boolean(//item[@id='c'])"), serde_json::json!(false));
        assert_eq!(x("sum(//p:cost)"), serde_json::json!(3.5));
        assert_eq!(x("number('x')"), Value::Null);
        assert_eq!(x("//missing"), serde_json::json!([]));
        assert_eq!(x("catalog/item[1]/name"), serde_json::json!(["Apple"]));
    }

    #[test]
    fn html_is_parsed_leniently() {
        let page = "<!doctype html><title>Shop</title><ul><li class=x>one<li>two</ul><p>unclosed";
        let x = |e| eval(e, page, "text/html; charset=utf-8").unwrap();
        assert_eq!(x("string(//title)"), serde_json::json!("Shop"));
        assert_eq!(x("count(//li)"), serde_json::json!(2));
        assert_eq!(x("//li[@class='x']/text()"), serde_json::json!(["one"]));
        assert_eq!(x("string(/html/body/p)"), serde_json::json!("unclosed"));
        assert_eq!(Markup::of(None, b"  <!DOCTYPE HTML><p>"), Markup::Html);
        assert_eq!(Markup::of(Some("application/xhtml+xml"), b""), Markup::Xml);
    }

    #[test]
    fn bad_input_is_an_error_not_a_crash() {
        assert!(XPath::compile("//item[").is_err());
        assert!(XPath::compile("  ").is_err());
        let err = eval("//a", "<a><b></a>", "application/xml").unwrap_err();
        assert!(err.contains("not well-formed"), "{err}");
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        let err = eval("count(//a)", &deep, "application/xml").unwrap_err();
        assert!(err.contains("deeper than 256"), "{err}");
        let err = eval("count(//a)", &deep.replace("a>", "div>"), "text/html").unwrap_err();
        assert!(err.contains("deeper than 256"), "{err}");
        let ok = "<a>".repeat(MAX_DEPTH - 1) + &"</a>".repeat(MAX_DEPTH - 1);
        assert_eq!(
            eval("count(//a)", &ok, "application/xml").unwrap(),
            serde_json::json!(255)
        );
        let big = vec![b' '; MAX_INPUT + 1];
        let err = XPath::compile("/")
            .unwrap()
            .evaluate(&big, Some("text/xml"))
            .unwrap_err();
        assert!(err.contains("16 MiB"), "{err}");
    }

    #[test]
    fn a_slow_evaluation_stops_at_the_deadline() {
        let body = format!("<r>{}</r>", "<i/>".repeat(3000));
        let x = XPath::compile("count(//i[count(//i) > count(preceding::i)])").unwrap();
        let bounds = crate::template::bounds::current().deadline(
            Instant::now() + Duration::from_millis(200),
            "a test deadline",
        );
        let started = Instant::now();
        let result = bounds.sync_scope(|| x.evaluate(body.as_bytes(), Some("text/xml")));
        assert!(started.elapsed() < Duration::from_secs(5));
        let err = result.unwrap_err();
        assert!(err.contains("a test deadline"), "{err}");
    }
}
