//! Shell words: splitting a command pasted from documentation the way bash would, and quoting
//! words back so that bash gives exactly the same bytes.
//!
//! Hand-written because the command is pasted with bash's quoting: `$'…'` (ANSI-C quoting, used
//! for bodies with newlines) is handled by none of `shlex`, `shell-words` or `shellwords`.
//! `$NAME` and `${NAME}` are kept as references (see [`reference`]) so a recipe that reads
//! `$IBMCLOUD_API_KEY` becomes an input read from that variable; any other expansion (`$(…)`,
//! backquotes) is an error, since its value is not in the text.

use std::fmt;

/// Marks a reference to a value from outside the command (an environment variable), inside a
/// word: `REF_OPEN NAME REF_CLOSE`. Private-use characters never appear in pasted text.
pub const REF_OPEN: char = '\u{E000}';
pub const REF_CLOSE: char = '\u{E001}';

/// The in-word form of a reference to the variable `name`.
pub fn reference(name: &str) -> String {
    format!("{REF_OPEN}{name}{REF_CLOSE}")
}

/// Whether `word` holds a reference that a template filter or slice took apart: a marker
/// without its pair, or markers percent-encoded (`urlencode`). Such a word cannot be written
/// as a `"$NAME"` reference, and as text it would be a wrong value.
pub fn has_broken_reference(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    if lower.contains("%ee%80%80") || lower.contains("%ee%80%81") {
        return true;
    }
    pieces(word).iter().any(|p| match p {
        Piece::Lit(text) => text.contains(REF_OPEN) || text.contains(REF_CLOSE),
        Piece::Ref(name) => name.contains(REF_OPEN),
    })
}

/// A piece of a word: literal text or a reference to a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Lit(&'a str),
    Ref(&'a str),
}

/// Cuts a word into literal text and references.
pub fn pieces(word: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(start) = rest.find(REF_OPEN) {
        let after = &rest[start + REF_OPEN.len_utf8()..];
        let Some(end) = after.find(REF_CLOSE) else {
            break;
        };
        if start > 0 {
            out.push(Piece::Lit(&rest[..start]));
        }
        out.push(Piece::Ref(&after[..end]));
        rest = &after[end + REF_CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest));
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError(pub String);

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the splitter found besides the words.
#[derive(Debug, Default)]
pub struct Split {
    pub words: Vec<String>,
    /// Set when the text went on after a `|` (such as `| jq .`), which was not imported.
    pub ignored_pipe: Option<String>,
}

/// The pasted text's bound: a command is short; a megabyte is plenty for any body in it.
pub const MAX_TEXT: usize = 1 << 20;

/// Splits a pasted command into words as bash does. A leading `$ ` prompt is dropped.
pub fn split(text: &str) -> Result<Split, SplitError> {
    if text.len() > MAX_TEXT {
        return Err(SplitError(format!(
            "the command is longer than {} bytes",
            MAX_TEXT
        )));
    }
    let trimmed = text.trim_start();
    let body = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
    Splitter {
        chars: body.chars().collect(),
        at: 0,
    }
    .run()
}

struct Splitter {
    chars: Vec<char>,
    at: usize,
}

impl Splitter {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn run(mut self) -> Result<Split, SplitError> {
        let mut out = Split::default();
        // The word being built, and whether it exists at all ('' makes an empty word).
        let mut word = String::new();
        let mut started = false;
        while let Some(c) = self.bump() {
            match c {
                ' ' | '\t' | '\n' | '\r' => {
                    if started {
                        out.words.push(std::mem::take(&mut word));
                        started = false;
                    }
                }
                '#' if !started => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.at += 1;
                    }
                }
                '\\' => match self.bump() {
                    Some('\n') => {}
                    Some('\r') if self.peek() == Some('\n') => self.at += 1,
                    Some(c) => {
                        word.push(c);
                        started = true;
                    }
                    // A backslash at the very end stays, as bash keeps it.
                    None => {
                        word.push('\\');
                        started = true;
                    }
                },
                '\'' => {
                    self.single(&mut word)?;
                    started = true;
                }
                '"' => {
                    self.double(&mut word)?;
                    started = true;
                }
                '$' => {
                    self.dollar(&mut word)?;
                    started = true;
                }
                '`' => return Err(SplitError(
                    "the command uses a backquoted command substitution; replace it with its value"
                        .into(),
                )),
                '|' => {
                    let rest: String = self.chars[self.at..].iter().collect();
                    out.ignored_pipe = Some(format!("|{rest}").trim().to_owned());
                    break;
                }
                ';' | '&' | '<' | '>' | '(' | ')' => {
                    return Err(SplitError(format!(
                        "the command goes on after the shell operator `{c}`: paste only the curl command (quote values holding `{c}`)"
                    )));
                }
                c => {
                    word.push(c);
                    started = true;
                }
            }
        }
        if started {
            out.words.push(word);
        }
        Ok(out)
    }

    fn single(&mut self, word: &mut String) -> Result<(), SplitError> {
        loop {
            match self.bump() {
                Some('\'') => return Ok(()),
                Some(c) => word.push(c),
                None => return Err(SplitError("a `'` quote is never closed".into())),
            }
        }
    }

    fn double(&mut self, word: &mut String) -> Result<(), SplitError> {
        loop {
            match self.bump() {
                Some('"') => return Ok(()),
                Some('\\') => match self.bump() {
                    Some('\n') => {}
                    Some(c @ ('$' | '`' | '"' | '\\')) => word.push(c),
                    Some(c) => {
                        word.push('\\');
                        word.push(c);
                    }
                    None => break,
                },
                Some('$') => self.dollar(word)?,
                Some('`') => {
                    return Err(SplitError(
                        "the command uses a backquoted command substitution; replace it with its value"
                            .into(),
                    ));
                }
                Some(c) => word.push(c),
                None => break,
            }
        }
        Err(SplitError("a `\"` quote is never closed".into()))
    }

    /// After a `$`: a variable reference, `$'…'`, `$"…"`, or a lone dollar sign.
    fn dollar(&mut self, word: &mut String) -> Result<(), SplitError> {
        match self.peek() {
            Some('\'') => {
                self.at += 1;
                self.ansi_c(word)
            }
            Some('"') => {
                self.at += 1;
                self.double(word)
            }
            Some('(') => Err(SplitError(
                "the command uses a `$(…)` substitution; replace it with its value".into(),
            )),
            Some('{') => {
                let start = self.at + 1;
                let mut end = start;
                while self.chars.get(end).is_some_and(|c| is_name_char(*c)) {
                    end += 1;
                }
                if end == start || self.chars.get(end) != Some(&'}') {
                    return Err(SplitError(
                        "the command uses a `${…}` expansion other than `${NAME}`; replace it with its value"
                            .into(),
                    ));
                }
                let name: String = self.chars[start..end].iter().collect();
                self.at = end + 1;
                word.push_str(&reference(&name));
                Ok(())
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(c) = self.peek().filter(|c| is_name_char(*c)) {
                    name.push(c);
                    self.at += 1;
                }
                word.push_str(&reference(&name));
                Ok(())
            }
            Some(c) if c.is_ascii_digit() || "@*#?-$!".contains(c) => Err(SplitError(format!(
                "the command uses the shell parameter `${c}`; replace it with its value"
            ))),
            _ => {
                word.push('$');
                Ok(())
            }
        }
    }

    /// `$'…'`: bash's ANSI-C quoting.
    fn ansi_c(&mut self, word: &mut String) -> Result<(), SplitError> {
        let unclosed = || SplitError("a `$'` quote is never closed".into());
        loop {
            let c = self.bump().ok_or_else(unclosed)?;
            match c {
                '\'' => return Ok(()),
                '\\' => {
                    let e = self.bump().ok_or_else(unclosed)?;
                    match e {
                        'a' => word.push('\x07'),
                        'b' => word.push('\x08'),
                        'e' | 'E' => word.push('\x1b'),
                        'f' => word.push('\x0c'),
                        'n' => word.push('\n'),
                        'r' => word.push('\r'),
                        't' => word.push('\t'),
                        'v' => word.push('\x0b'),
                        '\\' | '\'' | '"' | '?' => word.push(e),
                        '0'..='7' => {
                            let mut n = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match self.peek().and_then(|c| c.to_digit(8)) {
                                    Some(d) => {
                                        n = n * 8 + d;
                                        self.at += 1;
                                    }
                                    None => break,
                                }
                            }
                            self.push_byte(word, n & 0xff)?;
                        }
                        'x' => match self.hex(2) {
                            Some(n) => self.push_byte(word, n)?,
                            None => word.push_str("\\x"),
                        },
                        'u' | 'U' => {
                            let max = if e == 'u' { 4 } else { 8 };
                            match self.hex(max) {
                                Some(n) => word.push(char::from_u32(n).ok_or_else(|| {
                                    SplitError(format!(
                                        "`\\{e}{n:X}` in a `$'…'` quote is not a character"
                                    ))
                                })?),
                                None => {
                                    word.push('\\');
                                    word.push(e);
                                }
                            }
                        }
                        'c' => {
                            let x = self.bump().ok_or_else(unclosed)?;
                            self.push_byte(word, (x as u32) & 0x1f)?;
                        }
                        other => {
                            word.push('\\');
                            word.push(other);
                        }
                    }
                }
                c => word.push(c),
            }
        }
    }

    fn hex(&mut self, max: usize) -> Option<u32> {
        let mut n = 0u32;
        let mut digits = 0;
        while digits < max {
            let Some(d) = self.peek().and_then(|c| c.to_digit(16)) else {
                break;
            };
            n = n * 16 + d;
            digits += 1;
            self.at += 1;
        }
        (digits > 0).then_some(n)
    }

    /// A byte from an escape: a NUL ends a C string (bash drops the rest), and bytes above
    /// 0x7f would not be text.
    fn push_byte(&mut self, word: &mut String, n: u32) -> Result<(), SplitError> {
        match n {
            0 => Err(SplitError(
                "a `$'…'` quote holds a NUL byte, which no command argument can carry".into(),
            )),
            1..=0x7f => {
                word.push(char::from_u32(n).unwrap_or('?'));
                Ok(())
            }
            _ => Err(SplitError(format!(
                "a `$'…'` quote holds the byte 0x{n:02x}, which is not UTF-8 text on its own; write the character itself"
            ))),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Characters that need no quoting in bash.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteError(pub String);

/// Quotes a word (with references) for bash: references become `"$NAME"`, literal text is
/// left bare when it is plain, put in `'…'`, or, when it holds control characters, in `$'…'`
/// with escapes (so a pasted command never carries raw control bytes to a terminal).
pub fn quote(word: &str) -> Result<String, QuoteError> {
    if word.contains('\0') {
        return Err(QuoteError(
            "a value holds a NUL byte, which no command argument can carry".into(),
        ));
    }
    if word.is_empty() {
        return Ok("''".into());
    }
    let mut out = String::new();
    for piece in pieces(word) {
        match piece {
            Piece::Ref(name) => {
                out.push_str("\"$");
                out.push_str(name);
                out.push('"');
            }
            Piece::Lit(text) => quote_literal(text, &mut out),
        }
    }
    Ok(out)
}

fn quote_literal(text: &str, out: &mut String) {
    if text.chars().all(is_plain) && !text.starts_with('#') {
        // A bare word right after a `"$NAME"` could not extend the name: the quote ends it.
        out.push_str(text);
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        out.push_str("$'");
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    // \u, not \x: bash reads as many hex digits as follow a \x.
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
                c => out.push(c),
            }
        }
        out.push('\'');
    } else {
        out.push('\'');
        out.push_str(&text.replace('\'', r"'\''"));
        out.push('\'');
    }
}

#[cfg(test)]
#[path = "shell_tests.rs"]
mod tests;
