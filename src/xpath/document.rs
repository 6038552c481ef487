//! XML and HTML bodies turned into the document XPath is evaluated on.
//!
//! XML is parsed by roxmltree (iterative, DTD entities with its billion-laughs guard, a node
//! limit), HTML leniently by html5ever (through scraper, as browsers do). Both trees are
//! copied into an sxd-document package, the tree sxd-xpath evaluates on, with an explicit
//! stack: no input nests deep enough to overflow ours, and deeper than `MAX_DEPTH` is refused.

use sxd_document::dom::{Document, Element, Root};
use sxd_document::{Package, QName};

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 256;
/// Most nodes (elements, attributes, text, comments) accepted.
pub const MAX_NODES: usize = 1_000_000;

/// The namespace prefixes an XML document declares, for the expression to use.
pub type Prefixes = Vec<(String, String)>;

#[derive(Clone, Copy)]
enum Parent<'d> {
    Root(Root<'d>),
    Element(Element<'d>),
}

/// Counts nodes and refuses more than the limit.
struct Budget(usize);

impl Budget {
    fn take(&mut self, n: usize) -> Result<(), String> {
        self.0 += n;
        if self.0 > MAX_NODES {
            return Err(format!("the body has more than {MAX_NODES} nodes"));
        }
        Ok(())
    }
}

fn too_deep() -> String {
    format!("the body nests elements deeper than {MAX_DEPTH} levels")
}

/// Parses `text` as XML into `package`; returns the prefixes it declares.
pub fn xml(package: &Package, text: &str) -> Result<Prefixes, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: MAX_NODES as u32,
        ..Default::default()
    };
    let parsed = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("the body is not well-formed XML: {e}"))?;
    let doc = package.as_document();
    let mut prefixes: Prefixes = Vec::new();
    let mut budget = Budget(0);
    let mut stack = vec![(parsed.root(), Parent::Root(doc.root()), 0usize)];
    let mut children = Vec::new();
    while let Some((node, parent, depth)) = stack.pop() {
        budget.take(1)?;
        let created = match node.node_type() {
            roxmltree::NodeType::Root => {
                push_children(&mut stack, &mut children, node, parent, depth);
                continue;
            }
            roxmltree::NodeType::Element => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep());
                }
                let name = node.tag_name();
                let el =
                    doc.create_element(QName::with_namespace_uri(name.namespace(), name.name()));
                for ns in node.namespaces() {
                    let declared_above = node
                        .parent_element()
                        .is_some_and(|p| p.lookup_namespace_uri(ns.name()) == Some(ns.uri()));
                    if let (Some(prefix), false) = (ns.name(), declared_above) {
                        el.register_prefix(prefix, ns.uri());
                        if !prefixes.iter().any(|(p, _)| p == prefix) {
                            prefixes.push((prefix.to_owned(), ns.uri().to_owned()));
                        }
                    }
                }
                budget.take(node.attributes().len())?;
                for a in node.attributes() {
                    el.set_attribute_value(
                        QName::with_namespace_uri(a.namespace(), a.name()),
                        a.value(),
                    );
                }
                append(parent, el);
                push_children(
                    &mut stack,
                    &mut children,
                    node,
                    Parent::Element(el),
                    depth + 1,
                );
                continue;
            }
            roxmltree::NodeType::Text => Child::Text(node.text().unwrap_or_default()),
            roxmltree::NodeType::Comment => Child::Comment(node.text().unwrap_or_default()),
            roxmltree::NodeType::PI => match node.pi() {
                Some(pi) => Child::Pi(pi.target, pi.value),
                None => continue,
            },
        };
        add_leaf(&doc, parent, created);
    }
    Ok(prefixes)
}

/// Pushes `node`'s children so that they pop in document order.
fn push_children<'a, 'i, 'd>(
    stack: &mut Vec<(roxmltree::Node<'a, 'i>, Parent<'d>, usize)>,
    scratch: &mut Vec<roxmltree::Node<'a, 'i>>,
    node: roxmltree::Node<'a, 'i>,
    parent: Parent<'d>,
    depth: usize,
) {
    scratch.clear();
    scratch.extend(node.children());
    stack.extend(scratch.drain(..).rev().map(|c| (c, parent, depth)));
}

/// Parses `text` leniently as HTML into `package`. Element and attribute names are in no
/// namespace, so `//title` selects the title.
pub fn html(package: &Package, text: &str) -> Result<(), String> {
    // Every element comes from a tag, every other node sits between tags: the number of `<`
    // bounds the tree before it is built.
    let tags = text.bytes().filter(|b| *b == b'<').count();
    if tags > MAX_NODES {
        return Err(format!("the body has more than {MAX_NODES} tags"));
    }
    let parsed = scraper::Html::parse_document(text);
    let doc = package.as_document();
    let mut budget = Budget(0);
    let mut stack = vec![(parsed.tree.root(), Parent::Root(doc.root()), 0usize)];
    let mut children = Vec::new();
    while let Some((node, parent, depth)) = stack.pop() {
        budget.take(1)?;
        let child = match node.value() {
            scraper::Node::Document | scraper::Node::Fragment => {
                push_html_children(&mut stack, &mut children, node, parent, depth);
                continue;
            }
            scraper::Node::Element(e) => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep());
                }
                let el = doc.create_element(e.name());
                budget.take(e.attrs().count())?;
                for (name, value) in e.attrs() {
                    el.set_attribute_value(name, value);
                }
                append(parent, el);
                push_html_children(
                    &mut stack,
                    &mut children,
                    node,
                    Parent::Element(el),
                    depth + 1,
                );
                continue;
            }
            scraper::Node::Text(t) => Child::Text(t),
            scraper::Node::Comment(c) => Child::Comment(c),
            scraper::Node::ProcessingInstruction(p) => Child::Pi(&p.target, Some(&p.data)),
            scraper::Node::Doctype(_) => continue,
        };
        add_leaf(&doc, parent, child);
    }
    Ok(())
}

type HtmlNode<'a> = ego_tree::NodeRef<'a, scraper::Node>;

fn push_html_children<'a, 'd>(
    stack: &mut Vec<(HtmlNode<'a>, Parent<'d>, usize)>,
    scratch: &mut Vec<HtmlNode<'a>>,
    node: HtmlNode<'a>,
    parent: Parent<'d>,
    depth: usize,
) {
    scratch.clear();
    scratch.extend(node.children());
    stack.extend(scratch.drain(..).rev().map(|c| (c, parent, depth)));
}

enum Child<'s> {
    Text(&'s str),
    Comment(&'s str),
    Pi(&'s str, Option<&'s str>),
}

fn add_leaf<'d>(doc: &Document<'d>, parent: Parent<'d>, child: Child<'_>) {
    match (parent, child) {
        // Text outside the document element (whitespace) is no node in XPath's model.
        (Parent::Root(_), Child::Text(_)) => {}
        (Parent::Element(el), Child::Text(t)) => el.append_child(doc.create_text(t)),
        (Parent::Root(r), Child::Comment(c)) => r.append_child(doc.create_comment(c)),
        (Parent::Element(el), Child::Comment(c)) => el.append_child(doc.create_comment(c)),
        (Parent::Root(r), Child::Pi(t, v)) => {
            r.append_child(doc.create_processing_instruction(t, v))
        }
        (Parent::Element(el), Child::Pi(t, v)) => {
            el.append_child(doc.create_processing_instruction(t, v))
        }
    }
}

fn append<'d>(parent: Parent<'d>, el: Element<'d>) {
    match parent {
        Parent::Root(r) => r.append_child(el),
        Parent::Element(p) => p.append_child(el),
    }
}
