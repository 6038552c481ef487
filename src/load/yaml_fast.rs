//! A fast path in front of yaml-rust2 for the block YAML that workflows are written in.
//!
//! yaml-rust2 costs about 230 instructions per byte of a typical workflow (tokens queued,
//! simple keys tracked, every character through a ring buffer); this scanner reads the common
//! subset straight into the same [`Node`] tree in one pass over the bytes. Its contract: it
//! returns **exactly** the tree the yaml-rust2 path returns (same text, positions and plain
//! flags), or `None` ("not in my subset"), and the file is then parsed by yaml-rust2 as
//! before. It never reports an error: anything invalid, unusual or merely unsure (duplicate
//! keys, anchors, tags, tabs, multi-line scalars or flow collections, empty sequence items,
//! deep nesting…) is `None`, so every error message and position stays yaml-rust2's. The
//! differential tests (`yaml_fast_tests.rs`) hold it to that.
//!
//! The subset: a top-level block mapping (or, for a data file, sequence) at column 0; block
//! mappings and `- ` sequences (also indentless, and compact `- key: value` mappings); values
//! on the key's line as plain, single- or double-quoted scalars or one-line flow mappings
//! and sequences; empty values; `|` and `>` block scalars; comments, blank lines, and `\n`
//! or `\r\n` line ends. This file reads the block structure; `yaml_fast_flow.rs` the flow
//! collections, `yaml_fast_scalar.rs` the scalars.

use std::collections::HashSet;

use compact_str::CompactString;

use super::{Mapping, Node, PLAIN, Scalar, Sequence, is_duplicate};
use crate::source::Pos;

#[path = "yaml_fast_flow.rs"]
mod flow;
#[path = "yaml_fast_scalar.rs"]
mod scalar;

/// Deeper nesting than this leaves the file to yaml-rust2 (which refuses past `MAX_DEPTH`);
/// it also bounds this parser's recursion.
const MAX_FAST_DEPTH: usize = 64;

/// A key longer than this (bytes from its start to its `:`) may be past yaml-rust2's 1024
/// characters for a simple key, which changes how it is read.
const MAX_KEY_BYTES: usize = 1000;

/// The tree of `text` if it is in the subset, exactly as the yaml-rust2 path builds it;
/// a top-level block sequence too unless `mapping_only` (a workflow file, where yaml-rust2's
/// path refuses it).
pub(super) fn parse(text: &str, mapping_only: bool) -> Option<Node> {
    // Tabs, NUL (yaml-rust2's end of input) and other controls, a carriage return but in a
    // `\r\n` line end, and a byte order mark anywhere: the slow path. One branch-free pass
    // per 64 bytes (vectorised), which also finds whether the text is ASCII, so columns are
    // byte offsets.
    let (mut refused, mut high, mut cr) = (false, false, false);
    for chunk in text.as_bytes().chunks(64) {
        for &c in chunk {
            refused |= c < b' ' && c != b'\n' && c != b'\r';
            high |= c >= 0x80;
            cr |= c == b'\r';
        }
        if refused {
            return None;
        }
    }
    if high && text.contains('\u{feff}') {
        return None;
    }
    if cr && text.split('\r').skip(1).any(|rest| !rest.starts_with('\n')) {
        return None;
    }
    let mut p = Fast {
        b: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        line_start: 0,
        col_byte: 0,
        col_chars: 0,
        ascii: !high,
        depth: 0,
        items: Vec::new(),
        entries: Vec::new(),
    };
    if p.next_content_line()? != 0 || p.at_end() {
        return None;
    }
    let node = match p.at_entry() {
        true if mapping_only => return None,
        true => p.block_sequence(0, false)?,
        false => p.block_mapping(0, None)?,
    };
    // The top-level collection ends only at the end of the text.
    (p.i == p.b.len()).then_some(node)
}

struct Fast<'a> {
    b: &'a [u8],
    text: &'a str,
    /// The cursor (a byte offset).
    i: usize,
    /// The line of the cursor, from 1, and where that line starts.
    line: u32,
    line_start: usize,
    /// A byte offset on the current line and its column in characters, so that positions
    /// (asked for in increasing order) are counted from there, not from the line's start.
    col_byte: usize,
    col_chars: u32,
    /// Whether the text is all ASCII, so that a column is a byte offset.
    ascii: bool,
    depth: usize,
    /// The children of every open container, as on the yaml-rust2 path.
    items: Vec<Node>,
    entries: Vec<(Scalar, Node)>,
}

fn is_space_or_end(c: Option<u8>) -> bool {
    matches!(c, None | Some(b' ' | b'\n' | b'\r'))
}

/// A line end (`\n`, or the `\r` of `\r\n`: a lone `\r` never gets past the pre-pass).
fn is_break(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> Fast<'a> {
    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn peek(&self) -> Option<u8> {
        self.at(self.i)
    }

    /// yaml-rust2's position of the byte at `i` on the current line: line from 1, column
    /// (in characters) from 1.
    fn pos(&mut self, i: usize) -> Pos {
        if self.ascii {
            let column = u32::try_from(i - self.line_start + 1).unwrap_or(u32::MAX);
            return Pos::new(self.line, column);
        }
        if i < self.col_byte {
            self.col_byte = self.line_start;
            self.col_chars = 0;
        }
        let chars = self.b[self.col_byte..i]
            .iter()
            .filter(|&&c| (c as i8) >= -0x40)
            .count();
        self.col_chars += chars as u32;
        self.col_byte = i;
        Pos::new(self.line, self.col_chars + 1)
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    /// Past the end of the current line (and its `\n`).
    fn next_line(&mut self) {
        match memchr_newline(&self.b[self.i..]) {
            Some(n) => {
                self.i += n;
                self.newline();
            }
            None => self.i = self.b.len(),
        }
    }

    /// Past the line end (`\n` or `\r\n`) at the cursor.
    fn newline(&mut self) {
        if self.b[self.i] == b'\r' {
            self.i += 1;
        }
        self.i += 1;
        self.line += 1;
        self.line_start = self.i;
        self.col_byte = self.i;
        self.col_chars = 0;
    }

    /// From the start of a line: past blank and comment lines to the first character of the
    /// next line with content, whose indentation it returns; `Some(0)` with the cursor at the
    /// end at the end of the text (the caller checks). `None` for what the subset leaves out
    /// at the start of a line (`---`, `...`).
    fn next_content_line(&mut self) -> Option<usize> {
        loop {
            self.skip_spaces();
            match self.peek() {
                None => return Some(0),
                Some(b'\n' | b'\r' | b'#') => self.next_line(),
                Some(_) => {
                    let indent = self.i - self.line_start;
                    if indent == 0
                        && (self.b[self.i..].starts_with(b"---")
                            || self.b[self.i..].starts_with(b"..."))
                    {
                        return None;
                    }
                    return Some(indent);
                }
            }
        }
    }

    /// After a value on the line: spaces, an optional comment, the end of the line; then the
    /// indentation of the next content line.
    fn end_of_line(&mut self) -> Option<usize> {
        self.skip_spaces();
        match self.peek() {
            None => return Some(0),
            Some(b'\n' | b'\r') => {}
            // A comment is separated from what precedes it.
            Some(b'#') if self.b[self.i - 1] == b' ' => {}
            Some(_) => return None,
        }
        self.next_line();
        self.next_content_line()
    }

    fn at_end(&self) -> bool {
        self.i == self.b.len()
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_FAST_DEPTH).then_some(())
    }

    /// Whether the cursor is at a block sequence entry (`- ` or `-` at the end of a line).
    fn at_entry(&self) -> bool {
        self.peek() == Some(b'-') && is_space_or_end(self.at(self.i + 1))
    }

    /// A block mapping at column `indent`: its first key at the cursor, or `first` already
    /// read (with its `:`) as the start of a `- key: value` item. Returns with the cursor on
    /// the first content line that is not part of it, or at the end.
    fn block_mapping(&mut self, indent: usize, first: Option<(Scalar, Pos)>) -> Option<Node> {
        self.enter()?;
        let start = self.entries.len();
        let mut seen: Option<HashSet<CompactString>> = None;
        // yaml-rust2 places a block mapping at its first `:`.
        let (mut key, pos) = match first {
            Some(first) => first,
            None => self.key(false)?,
        };
        loop {
            if is_duplicate(&self.entries[start..], &mut seen, &key) {
                return None;
            }
            self.skip_spaces();
            let value = match self.peek() {
                None | Some(b'\n' | b'\r' | b'#') => self.nested_block(indent)?,
                Some(b'|' | b'>') => self.block_scalar(indent)?,
                _ => {
                    let value = self.inline_value()?;
                    self.end_of_line()?;
                    value
                }
            };
            self.entries.push((key, value));
            let next = self.i - self.line_start;
            if self.at_end() || next < indent {
                break;
            }
            if next > indent || self.at_entry() {
                return None;
            }
            key = self.key(false)?.0;
        }
        self.depth -= 1;
        Some(Node::Mapping(Mapping {
            pos,
            entries: tail(&mut self.entries, start),
        }))
    }

    /// The value of a key at column `indent` whose line ends after its `:`: a block mapping
    /// or sequence on the lines below.
    fn nested_block(&mut self, indent: usize) -> Option<Node> {
        let next = self.end_of_line()?;
        if self.at_end() || next < indent || (next == indent && !self.at_entry()) {
            // An empty value: yaml-rust2's plain empty scalar at the next token. At the end
            // of a text whose last line is blanks or a comment: there if that line's end is
            // left of the mapping (where the mapping ends), else at the start of the line
            // after the text.
            let mut pos = self.pos(self.i);
            if self.at_end() && self.i > self.line_start && pos.column as usize > indent {
                pos = Pos::new(self.line + 1, 1);
            }
            return Some(Node::Scalar(Scalar {
                line: pos.line,
                column: pos.column | PLAIN,
                value: CompactString::const_new(""),
            }));
        }
        if next > indent {
            if self.at_entry() {
                self.block_sequence(next, false)
            } else {
                self.block_mapping(next, None)
            }
        } else {
            self.block_sequence(next, true)
        }
    }

    /// A block sequence whose first `-` is at the cursor, at column `indent`; `indentless`
    /// when it is the value of a key at the same column, so that a key ends it.
    fn block_sequence(&mut self, indent: usize, indentless: bool) -> Option<Node> {
        self.enter()?;
        let mut pos = self.pos(self.i);
        let start = self.items.len();
        loop {
            // Past the `-` and the spaces after it.
            self.i += 1;
            self.skip_spaces();
            let column = self.i - self.line_start;
            // yaml-rust2 places an indentless sequence at its first item, not its `-`.
            if indentless && self.items.len() == start {
                pos = self.pos(self.i);
            }
            let item = match self.peek() {
                // An empty item, a nested block on the next lines, a block scalar.
                None | Some(b'\n' | b'\r' | b'#' | b'|' | b'>') => return None,
                // A nested `- - x`.
                Some(b'-') if is_space_or_end(self.at(self.i + 1)) => return None,
                Some(b'{' | b'[') => {
                    let value = self.inline_value()?;
                    self.end_of_line()?;
                    value
                }
                Some(_) => {
                    let key_start = self.i;
                    let scalar = self.scalar(false)?;
                    let after = self.i;
                    self.skip_spaces();
                    if self.peek() == Some(b':') {
                        let colon = self.colon(key_start, false)?;
                        self.block_mapping(column, Some((scalar, colon)))?
                    } else {
                        self.i = after;
                        self.end_of_line()?;
                        Node::Scalar(scalar)
                    }
                }
            };
            self.items.push(item);
            let next = self.i - self.line_start;
            if self.at_end() || next < indent {
                break;
            }
            if next > indent {
                return None;
            }
            if !self.at_entry() {
                if indentless {
                    break;
                }
                return None;
            }
        }
        self.depth -= 1;
        Some(Node::Sequence(Sequence {
            pos,
            items: tail(&mut self.items, start),
        }))
    }

    /// A key and its `:` (with the space or line end after it), and where the `:` is.
    fn key(&mut self, flow: bool) -> Option<(Scalar, Pos)> {
        let start = self.i;
        let key = self.scalar(flow)?;
        self.skip_spaces();
        let colon = self.colon(start, flow)?;
        Some((key, colon))
    }

    /// The `:` after a key that started at `start`, and the space (or, in block context, the
    /// line end) that makes it one.
    fn colon(&mut self, start: usize, flow: bool) -> Option<Pos> {
        if self.peek() != Some(b':') || self.i - start > MAX_KEY_BYTES {
            return None;
        }
        let pos = self.pos(self.i);
        self.i += 1;
        match self.peek() {
            Some(b' ') => Some(pos),
            None | Some(b'\n' | b'\r') if !flow => Some(pos),
            _ => None,
        }
    }

    /// A value on the line of its key or `- `: a scalar or a one-line flow collection.
    fn inline_value(&mut self) -> Option<Node> {
        match self.peek()? {
            b'{' => self.flow_mapping(),
            b'[' => self.flow_sequence(),
            _ => self.scalar(false).map(Node::Scalar),
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

/// The children of a container that closes: the tail of a scratch list from `start`, in an
/// allocation of exactly their number (copied in one piece). From the start, `split_off`
/// would hand over the scratch list's spare capacity instead.
fn tail<T>(list: &mut Vec<T>, start: usize) -> Box<[T]> {
    if start == 0 {
        return list.drain(..).collect();
    }
    list.split_off(start).into_boxed_slice()
}
