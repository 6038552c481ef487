//! One-line flow collections (`{ a: b }`, `[1, 2]`) on the fast path (`yaml_fast.rs`);
//! one spanning lines, a trailing `,`, an empty or missing value: yaml-rust2's path.

use std::collections::HashSet;

use compact_str::CompactString;

use super::{Fast, tail};
use crate::load::yaml::{Mapping, Node, Sequence, is_duplicate};

impl Fast<'_> {
    fn flow_value(&mut self) -> Option<Node> {
        match self.peek()? {
            b'{' => self.flow_mapping(),
            b'[' => self.flow_sequence(),
            _ => self.scalar(true).map(Node::Scalar),
        }
    }

    /// After an entry of a flow collection: `,` and the next entry, or the collection's end
    /// `close` (`Some(true)`). A trailing `,` is left to yaml-rust2.
    fn flow_next(&mut self, close: u8) -> Option<bool> {
        self.skip_spaces();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.skip_spaces();
                (self.peek()? != close).then_some(false)
            }
            c if c == close => {
                self.i += 1;
                Some(true)
            }
            _ => None,
        }
    }

    /// A one-line flow mapping at the cursor (`{`).
    pub(super) fn flow_mapping(&mut self) -> Option<Node> {
        self.enter()?;
        let pos = self.pos(self.i);
        let start = self.entries.len();
        let mut seen: Option<HashSet<CompactString>> = None;
        self.i += 1;
        self.skip_spaces();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                let (key, _) = self.key(true)?;
                if is_duplicate(&self.entries[start..], &mut seen, &key) {
                    return None;
                }
                self.skip_spaces();
                let value = self.flow_value()?;
                self.entries.push((key, value));
                if self.flow_next(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Some(Node::Mapping(Mapping {
            pos,
            entries: tail(&mut self.entries, start),
        }))
    }

    /// A one-line flow sequence at the cursor (`[`).
    pub(super) fn flow_sequence(&mut self) -> Option<Node> {
        self.enter()?;
        let pos = self.pos(self.i);
        let start = self.items.len();
        self.i += 1;
        self.skip_spaces();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                let value = self.flow_value()?;
                self.items.push(value);
                if self.flow_next(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Some(Node::Sequence(Sequence {
            pos,
            items: tail(&mut self.items, start),
        }))
    }
}
