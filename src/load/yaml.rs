//! YAML text to a tree whose every node knows its line and column (its plain values as JSON:
//! `yaml_json.rs`).
//!
//! serde_yaml keeps no per-node positions, and errors must point at the exact key or value,
//! so the loader builds its own small tree from yaml-rust2's event stream. Building it here
//! (rather than through a general YAML tree crate) lets the depth be bounded *before* a node
//! exists: a hostile `- - - - …` file is refused at level 257 instead of overflowing the stack
//! of every recursive walk (lowering, conversion, drop) that follows. Nodes hold only what the
//! loader reads — text, position, whether a plain scalar may be typed — which keeps a large
//! file's tree small.

use std::collections::HashSet;
use std::ops::Deref;

use compact_str::CompactString;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::source::Pos;

pub use super::yaml_json::{scalar_to_json, to_json};

/// Deeper nesting is refused: no real workflow comes near it, and every later stage walks the
/// tree recursively.
pub const MAX_DEPTH: usize = 256;

/// A parsed YAML value with its position.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Scalar(Scalar),
    Sequence(Sequence),
    Mapping(Mapping),
}

/// A scalar: its text, where it starts, and whether it was plain (unquoted, not a block), the
/// only kind that may be read as a number, boolean or null.
///
/// A 10,000-step file has about 130,000 scalars, nearly all short keys and values: the text
/// is a `CompactString`, which keeps up to 24 bytes inline instead of in an allocation of its
/// own, and the plain flag is the top bit of the stored column, so a scalar is 32 bytes.
///
/// `repr(C)` puts the text last, so that its unused tag values (the last byte) are the last
/// byte of the scalar, and a sequence or mapping (24 bytes) fits in front of it: a `Node` is
/// then 32 bytes, with no tag of its own.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct Scalar {
    line: u32,
    /// The column, with [`PLAIN`] set when the scalar may be typed.
    column: u32,
    value: CompactString,
}

/// The bit of [`Scalar::column`] that records a plain scalar.
const PLAIN: u32 = 1 << 31;

/// A list of nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pos: Pos,
    items: Box<[Node]>,
}

/// A mapping with string keys, in file order, without duplicate keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    pos: Pos,
    entries: Box<[(Scalar, Node)]>,
}

impl Node {
    pub fn pos(&self) -> Pos {
        match self {
            Node::Scalar(s) => s.pos(),
            Node::Sequence(s) => s.pos,
            Node::Mapping(m) => m.pos,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&Sequence> {
        match self {
            Node::Sequence(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&Mapping> {
        match self {
            Node::Mapping(m) => Some(m),
            _ => None,
        }
    }
}

impl Scalar {
    pub fn new(value: impl Into<String>, pos: Pos, may_coerce: bool) -> Self {
        let mut value: String = value.into();
        // A long text keeps its buffer: without its spare capacity.
        if value.len() > 24 {
            value.shrink_to_fit();
        }
        Self {
            value: CompactString::from(value),
            line: pos.line,
            column: pos.column.min(PLAIN - 1) | if may_coerce { PLAIN } else { 0 },
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.column & !PLAIN)
    }

    /// Whether the scalar was plain, so that `200` is a number and `true` a boolean.
    pub fn may_coerce(&self) -> bool {
        self.column & PLAIN != 0
    }

    /// `true`/`false` (YAML 1.2 core schema spellings) of a plain scalar.
    pub fn as_bool(&self) -> Option<bool> {
        if !self.may_coerce() {
            return None;
        }
        match self.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }
}

impl Deref for Scalar {
    type Target = str;
    fn deref(&self) -> &str {
        &self.value
    }
}

impl Sequence {
    pub fn pos(&self) -> Pos {
        self.pos
    }
}

impl Deref for Sequence {
    type Target = [Node];
    fn deref(&self) -> &[Node] {
        &self.items
    }
}

impl Mapping {
    pub fn pos(&self) -> Pos {
        self.pos
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Scalar, &Node)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Scalar> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Node> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn get_node(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    pub fn get_scalar(&self, key: &str) -> Option<&Scalar> {
        self.get_node(key).and_then(Node::as_scalar)
    }

    pub fn get_sequence(&self, key: &str) -> Option<&Sequence> {
        self.get_node(key).and_then(Node::as_sequence)
    }

    pub fn get_mapping(&self, key: &str) -> Option<&Mapping> {
        self.get_node(key).and_then(Node::as_mapping)
    }

    /// The items of the sequence under `key`, taken out (the key stays, with an empty list):
    /// the caller owns them and can free each one as soon as it is lowered, so a large file's
    /// tree shrinks while its model grows instead of both being held at once.
    pub fn take_sequence_items(&mut self, key: &str) -> Option<Vec<Node>> {
        self.entries.iter_mut().find_map(|(k, v)| match v {
            Node::Sequence(seq) if k.as_str() == key => {
                Some(std::mem::take(&mut seq.items).into_vec())
            }
            _ => None,
        })
    }
}

fn to_pos(m: &Marker) -> Pos {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Pos::new(
        u32::try_from(m.line()).unwrap_or(u32::MAX),
        u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    )
}

/// A container being filled while its events arrive. Its children so far are the tail of a
/// stack shared by every open container (from `start`), and are moved into an allocation of
/// exactly their number when it closes: one allocation per container, none grown or shrunk
/// (mimalloc keeps a shrunk block whole when the new size is at least half the old one).
enum Open {
    Seq {
        pos: Pos,
        start: usize,
    },
    Map {
        pos: Pos,
        start: usize,
        key: Option<Scalar>,
        /// The keys so far, once the mapping is too long to search them one by one.
        seen: Option<HashSet<CompactString>>,
    },
}

/// Parses the first document of a workflow file, whose top level must be a mapping; the error
/// carries the position of the problem. An empty file is an empty mapping.
pub fn parse(text: &str) -> Result<Node, (String, Pos)> {
    parse_document(text, true)
}

fn parse_document(text: &str, top_must_be_mapping: bool) -> Result<Node, (String, Pos)> {
    // The same tree as below for the common subset, several times cheaper (`yaml_fast.rs`).
    if let Some(node) = fast::parse(text, top_must_be_mapping) {
        return Ok(node);
    }
    parse_slow(text, top_must_be_mapping)
}

/// yaml-rust2's events to the tree: the whole of YAML, with its errors and their positions.
fn parse_slow(text: &str, top_must_be_mapping: bool) -> Result<Node, (String, Pos)> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut items: Vec<Node> = Vec::new();
    let mut entries: Vec<(Scalar, Node)> = Vec::new();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            // The scanner counts flow nesting (`[[[`) in a byte and stops at 255 levels.
            let msg = match e.info() {
                "recursion limit exceeded" => too_deep(),
                info => format!("invalid YAML: {info}"),
            };
            (msg, to_pos(e.marker()))
        })?;
        let pos = to_pos(&mark);
        let node = match event {
            Event::StreamStart | Event::DocumentStart | Event::Nothing => continue,
            Event::StreamEnd | Event::DocumentEnd => {
                return Ok(Node::Mapping(Mapping {
                    pos,
                    entries: Box::default(),
                }));
            }
            Event::Alias(_) => return Err((no_anchors(), pos)),
            Event::Scalar(value, style, anchor, tag) => {
                refuse_anchor_or_tag(anchor, tag.is_some(), pos)?;
                Node::Scalar(Scalar::new(
                    value,
                    pos,
                    matches!(style, TScalarStyle::Plain),
                ))
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                refuse_anchor_or_tag(anchor, tag.is_some(), pos)?;
                if matches!(stack.last(), Some(Open::Map { key: None, .. })) {
                    return Err(("mapping keys must be plain strings".to_owned(), pos));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err((too_deep(), pos));
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Open::Seq {
                        pos,
                        start: items.len(),
                    },
                    _ => Open::Map {
                        pos,
                        start: entries.len(),
                        key: None,
                        seen: None,
                    },
                });
                continue;
            }
            // Exact size (a boxed slice): a large file has tens of thousands of small
            // containers, all held while the file is lowered.
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq { pos, start }) => Node::Sequence(Sequence {
                    pos,
                    items: items.drain(start..).collect(),
                }),
                Some(Open::Map { pos, start, .. }) => Node::Mapping(Mapping {
                    pos,
                    entries: entries.drain(start..).collect(),
                }),
                None => return Err(("invalid YAML: unbalanced document".to_owned(), pos)),
            },
        };
        match stack.last_mut() {
            None => {
                return match node {
                    Node::Sequence(_) | Node::Scalar(_) if top_must_be_mapping => Err((
                        "a workflow file must be a YAML mapping (`version: 1`, `name: …`, `steps: …`)"
                            .to_owned(),
                        node.pos(),
                    )),
                    _ => Ok(node),
                };
            }
            Some(Open::Seq { .. }) => items.push(node),
            Some(Open::Map {
                start, key, seen, ..
            }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    let Node::Scalar(k) = node else {
                        unreachable!("containers as keys are refused at their start")
                    };
                    if is_duplicate(&entries[*start..], seen, &k) {
                        return Err((format!("duplicate key `{}`", k.as_str()), k.pos()));
                    }
                    *key = Some(k);
                }
            },
        }
    }
}

/// Whether `key` is already among the keys of a mapping being read (whose last value is
/// complete). Most mappings have a handful of keys, searched in place; a long one gets a set
/// (built once), so that a hostile mapping of 100,000 keys is not searched quadratically.
fn is_duplicate(
    entries: &[(Scalar, Node)],
    seen: &mut Option<HashSet<CompactString>>,
    key: &Scalar,
) -> bool {
    const SEARCHED_IN_PLACE: usize = 16;
    if let Some(set) = seen {
        return !set.insert(key.value.clone());
    }
    if entries.iter().any(|(k, _)| k.value == key.value) {
        return true;
    }
    if entries.len() >= SEARCHED_IN_PLACE {
        let mut set: HashSet<CompactString> =
            entries.iter().map(|(k, _)| k.value.clone()).collect();
        set.insert(key.value.clone());
        *seen = Some(set);
    }
    false
}

fn too_deep() -> String {
    format!("the YAML is nested too deeply (the limit is {MAX_DEPTH} levels)")
}

fn no_anchors() -> String {
    "YAML anchors and aliases are not supported in workflow files".to_owned()
}

fn refuse_anchor_or_tag(anchor: usize, tagged: bool, pos: Pos) -> Result<(), (String, Pos)> {
    if anchor != 0 {
        return Err((no_anchors(), pos));
    }
    if tagged {
        return Err((
            "YAML tags (`!tag`) are not supported in workflow files".to_owned(),
            pos,
        ));
    }
    Ok(())
}

/// Parses any YAML value (a data file's list), with the same bounds as [`parse`].
pub fn parse_value(text: &str) -> Result<Node, (String, Pos)> {
    parse_document(text, false)
}

pub fn pos(node: &Node) -> Pos {
    node.pos()
}

pub fn scalar_pos(s: &Scalar) -> Pos {
    s.pos()
}

#[path = "yaml_fast.rs"]
mod fast;

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "yaml_fast_tests.rs"]
mod fast_tests;
