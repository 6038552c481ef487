//! The scalars of the fast path (`yaml_fast.rs`): plain, single- and double-quoted ones on
//! one line, and `|`/`>` block scalars, each read exactly as yaml-rust2 reads it or refused.

use compact_str::CompactString;

use super::{Fast, is_break, is_flow_indicator, is_space_or_end, memchr_newline};
use crate::load::yaml::{Node, PLAIN, Scalar};

/// The bytes that end a plain scalar, or may, in block and in flow context.
const BLOCK_SPECIAL: [bool; 256] = special(b"\n\r: ");
const FLOW_SPECIAL: [bool; 256] = special(b"\n\r: -,[]{}");

const fn special(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

impl Fast<'_> {
    /// A plain, single- or double-quoted scalar on one line; the cursor ends just after it.
    pub(super) fn scalar(&mut self, flow: bool) -> Option<Scalar> {
        let start = self.i;
        let value = match self.peek()? {
            b'"' => self.double_quoted()?,
            b'\'' => self.single_quoted()?,
            c => {
                let next = self.at(start + 1);
                let plain_start = match c {
                    b'-' => !(is_space_or_end(next) || flow && next.is_some_and(is_flow_indicator)),
                    b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!'
                    | b'|' | b'>' | b'%' | b'@' | b'`' | b' ' | b'\n' | b'\r' => false,
                    _ => true,
                };
                if !plain_start {
                    return None;
                }
                let value = self.plain(flow)?;
                return Some(self.scalar_at(start, value, true));
            }
        };
        Some(self.scalar_at(start, value, false))
    }

    pub(super) fn scalar_at(&mut self, start: usize, value: CompactString, plain: bool) -> Scalar {
        let pos = self.pos(start);
        Scalar {
            line: pos.line,
            column: pos.column.min(PLAIN - 1) | if plain { PLAIN } else { 0 },
            value,
        }
    }

    /// The text of a one-line plain scalar at the cursor: up to `: `, ` #`, the line end, or
    /// (in a flow collection) a flow indicator; without its trailing spaces.
    fn plain(&mut self, flow: bool) -> Option<CompactString> {
        let b = self.b;
        let start = self.i;
        let mut i = start;
        let mut end = start;
        // What can end a plain scalar or needs a closer look; the rest is skipped in bulk.
        let special = if flow { &FLOW_SPECIAL } else { &BLOCK_SPECIAL };
        loop {
            while i < b.len() && !special[usize::from(b[i])] {
                i += 1;
                end = i;
            }
            match b.get(i) {
                None | Some(b'\n' | b'\r') => break,
                Some(b':') => {
                    let next = b.get(i + 1).copied();
                    if is_space_or_end(next) || (flow && next.is_some_and(is_flow_indicator)) {
                        break;
                    }
                    i += 1;
                    end = i;
                }
                Some(b' ') => {
                    while b.get(i) == Some(&b' ') {
                        i += 1;
                    }
                    if matches!(b.get(i), None | Some(b'\n' | b'\r' | b'#')) {
                        break;
                    }
                }
                // yaml-rust2 refuses `-` before a flow indicator inside a flow collection.
                Some(b'-') if flow && b.get(i + 1).is_some_and(|&c| is_flow_indicator(c)) => {
                    return None;
                }
                Some(&c) if flow && is_flow_indicator(c) => break,
                Some(_) => {
                    i += 1;
                    end = i;
                }
            }
        }
        self.i = end;
        Some(CompactString::new(&self.text[start..end]))
    }

    /// A one-line single-quoted scalar (`''` is a quote).
    fn single_quoted(&mut self) -> Option<CompactString> {
        let b = self.b;
        let mut i = self.i + 1;
        let mut owned = String::new();
        let mut run = i;
        loop {
            match *b.get(i)? {
                b'\'' if b.get(i + 1) == Some(&b'\'') => {
                    owned.push_str(&self.text[run..=i]);
                    i += 2;
                    run = i;
                }
                b'\'' => break,
                b'\n' | b'\r' => return None,
                _ => i += 1,
            }
        }
        self.i = i + 1;
        Some(self.quoted_text(owned, run, i))
    }

    /// A one-line double-quoted scalar, its escapes resolved as yaml-rust2 does.
    fn double_quoted(&mut self) -> Option<CompactString> {
        let b = self.b;
        let mut i = self.i + 1;
        let mut owned = String::new();
        let mut run = i;
        loop {
            match *b.get(i)? {
                b'"' => break,
                b'\n' | b'\r' => return None,
                b'\\' => {
                    owned.push_str(&self.text[run..i]);
                    let (c, len) = escape(&b[i + 1..])?;
                    owned.push(c);
                    i += 1 + len;
                    run = i;
                }
                _ => i += 1,
            }
        }
        self.i = i + 1;
        Some(self.quoted_text(owned, run, i))
    }

    /// The text of a quoted scalar: what was unescaped so far (`owned`) and the rest, the
    /// slice `run..end`.
    fn quoted_text(&self, mut owned: String, run: usize, end: usize) -> CompactString {
        let rest = &self.text[run..end];
        if owned.is_empty() {
            return CompactString::new(rest);
        }
        owned.push_str(rest);
        CompactString::from(owned)
    }

    /// A `|` or `>` block scalar, the value of a key in a block mapping at column `parent`,
    /// read as yaml-rust2 reads it; the cursor ends on the next content line.
    pub(super) fn block_scalar(&mut self, parent: usize) -> Option<Node> {
        let literal = self.peek() == Some(b'|');
        self.i += 1;
        let chomping = match self.peek() {
            Some(c @ (b'-' | b'+')) => {
                self.i += 1;
                c
            }
            _ => b' ',
        };
        // An indentation indicator, or anything else but a comment before the line end.
        if !self.peek().is_some_and(|c| c == b' ' || is_break(c)) {
            return None;
        }
        self.skip_spaces();
        if self.peek() == Some(b'#') && self.b[self.i - 1] == b' ' {
            self.i += memchr_newline(&self.b[self.i..])?;
        }
        if !self.peek().is_some_and(is_break) {
            return None;
        }
        self.newline();
        // The indentation: the most of the leading blank lines' and the first content line's.
        let mut breaks = 0;
        let mut widest = 0;
        loop {
            self.skip_spaces();
            widest = widest.max(self.i - self.line_start);
            match self.peek()? {
                b'\n' | b'\r' => {
                    breaks += 1;
                    self.newline();
                }
                _ => break,
            }
        }
        let indent = widest.max(parent + 1);
        if self.i - self.line_start != indent {
            return None;
        }
        let pos = self.pos(self.i);
        let mut text = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        while self.i - self.line_start == indent && !self.at_end() {
            let trailing_blank = self.peek() == Some(b' ');
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if breaks == 0 {
                    text.push(' ');
                }
            } else if leading_break {
                text.push('\n');
            }
            push_breaks(&mut text, breaks);
            breaks = 0;
            leading_blank = trailing_blank;
            let mut end = self.i + memchr_newline(&self.b[self.i..])?;
            if self.b[end - 1] == b'\r' {
                end -= 1;
            }
            text.push_str(&self.text[self.i..end]);
            self.i = end;
            self.newline();
            leading_break = true;
            // Past the indentation of the next lines, counting the blank ones.
            loop {
                while self.i - self.line_start < indent && self.peek() == Some(b' ') {
                    self.i += 1;
                }
                if !self.peek().is_some_and(is_break) {
                    break;
                }
                breaks += 1;
                self.newline();
            }
        }
        if self.at_end() && self.i != self.line_start {
            return None;
        }
        if chomping != b'-' && leading_break {
            text.push('\n');
        }
        if chomping == b'+' {
            push_breaks(&mut text, breaks);
        }
        self.next_content_line()?;
        let value = CompactString::from(text);
        Some(Node::Scalar(Scalar {
            line: pos.line,
            column: pos.column.min(PLAIN - 1),
            value,
        }))
    }
}

fn push_breaks(text: &mut String, n: usize) {
    for _ in 0..n {
        text.push('\n');
    }
}

/// The character of a double-quoted escape whose text (after the `\`) starts `b`, and the
/// number of bytes it takes; `None` for what yaml-rust2 refuses (or a line break).
fn escape(b: &[u8]) -> Option<(char, usize)> {
    let c = match *b.first()? {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\x0d',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex_escape(b, 2),
        b'u' => return hex_escape(b, 4),
        b'U' => return hex_escape(b, 8),
        _ => return None,
    };
    Some((c, 1))
}

fn hex_escape(b: &[u8], digits: usize) -> Option<(char, usize)> {
    let hex = b.get(1..=digits)?;
    let mut value = 0u32;
    for &d in hex {
        value = (value << 4) + char::from(d).to_digit(16)?;
    }
    Some((char::from_u32(value)?, 1 + digits))
}
