//! Generated YAML for the fast path's differential tests: random documents in and near
//! its subset, and byte-level mutations of any text.

use rand::Rng;
use rand::rngs::StdRng;

/// Characters that mean something to YAML, and some that do not.
const ALPHABET: &[&str] = &[
    " ", " ", "  ", "\n", "\n  ", ":", ": ", "- ", "-", "#", " #", ",", "[", "]", "{", "}", "'",
    "\"", "\\", "?", "|", ">", "&", "*", "!", "%", "@", "`", "~", "é", "日", "\t", "\r", "x", "a",
    "1", ".", "---", "...", "''", "\\n", "\\u00e9", "\\x4", "\u{feff}",
];

pub(super) fn mutate(rng: &mut StdRng, text: &str) -> String {
    let mut text = text.to_owned();
    for _ in 0..rng.random_range(1..4) {
        let mut at = rng.random_range(0..=text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        match rng.random_range(0..4) {
            0 | 1 => text.insert_str(at, ALPHABET[rng.random_range(0..ALPHABET.len())]),
            2 => {
                let mut end = (at + rng.random_range(1..4)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(at..end, "");
            }
            _ => {
                let mut end = (at + rng.random_range(1..12)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                let copy = text[at..end].to_owned();
                text.insert_str(at, &copy);
            }
        }
    }
    text
}

/// Random documents in and near the subset.
pub(super) struct Gen {
    pub(super) rng: StdRng,
    pub(super) out: String,
}

impl Gen {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.rng.random_range(0..from.len())]
    }

    fn emit(&mut self, from: &[&str]) {
        let piece = self.pick(from);
        self.out.push_str(piece);
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn scalar_text(&mut self) -> String {
        const PARTS: &[&str] = &[
            "a",
            "b",
            "key",
            "x1",
            "200",
            "-5",
            "1.5",
            "true",
            "~",
            "null",
            "é",
            "日本",
            " ",
            ":",
            ":x",
            "#",
            "x#",
            ",",
            "[",
            "]",
            "{",
            "}",
            "'",
            "\"",
            "\\",
            "-",
            "?",
            "$.id",
            "{{ t }}",
            "http://h:80/p?q=1",
            "|",
            ">",
            "&",
            "*",
            "!",
            "%",
            "@",
            "/",
            ".",
            "_",
        ];
        const SAFE: &[&str] = &[
            "a", "b", "key", "x1", "200", "1.5", "true", "é", "$.id", "{{ t }}",
        ];
        let n = self.rng.random_range(1..4);
        let parts = if self.chance(0.6) { SAFE } else { PARTS };
        (0..n).map(|_| self.pick(parts)).collect()
    }

    fn scalar(&mut self) -> String {
        let text = self.scalar_text();
        match self.rng.random_range(0..10) {
            0..=5 => text,
            6 | 7 => format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
            8 => format!("'{}'", text.replace('\'', "''")),
            _ => {
                let escape = self.pick(&["\\n", "\\t", "\\u00e9", "\\x41", "\\U0001F600", "\\q"]);
                format!("\"{text}{escape}\"")
            }
        }
    }

    fn key(&mut self) -> String {
        if self.chance(0.8) {
            self.pick(&["a", "b", "c", "id", "name", "$.x", "k y", "é", "1"])
                .to_owned()
        } else {
            self.scalar()
        }
    }

    fn flow(&mut self, depth: usize) -> String {
        let n = self.rng.random_range(0..4);
        let space = if self.chance(0.7) { " " } else { "" };
        if self.chance(0.6) {
            let entries: Vec<String> = (0..n)
                .map(|_| {
                    let key = self.key();
                    let value = self.flow_value(depth + 1);
                    let sep = self.pick(&[": ", ": ", ":", " : "]);
                    format!("{key}{sep}{value}")
                })
                .collect();
            format!(
                "{{{space}{}{space}}}",
                entries.join(self.pick(&[", ", ",", " , "]))
            )
        } else {
            let items: Vec<String> = (0..n).map(|_| self.flow_value(depth + 1)).collect();
            format!("[{space}{}{space}]", items.join(self.pick(&[", ", ","])))
        }
    }

    fn flow_value(&mut self, depth: usize) -> String {
        if depth < 3 && self.chance(0.3) {
            self.flow(depth)
        } else {
            self.scalar()
        }
    }

    fn line_end(&mut self) {
        if self.chance(0.1) {
            self.emit(&[" # note", "  #: x", "#x", " "]);
        }
        self.out.push('\n');
        if self.chance(0.1) {
            let filler = self.pick(&["\n", "# c\n", "   # c\n", "  \n"]);
            self.out.push_str(filler);
        }
    }

    fn indent_step(&mut self) -> usize {
        if self.chance(0.9) {
            2
        } else {
            self.rng.random_range(0..5)
        }
    }

    pub(super) fn mapping(&mut self, indent: usize, depth: usize, first_inline: bool) {
        let n = self.rng.random_range(1..5);
        for i in 0..n {
            if i > 0 || !first_inline {
                let pad = if self.chance(0.03) {
                    indent + 1
                } else {
                    indent
                };
                self.out.push_str(&" ".repeat(pad));
            }
            let key = self.key();
            self.out.push_str(&key);
            self.value(indent, depth);
        }
    }

    /// After a key: `: ` and a value on the line, or a block below.
    fn value(&mut self, indent: usize, depth: usize) {
        match self.rng.random_range(0..10) {
            0..=4 => {
                let v = self.scalar();
                self.emit(&[": ", ": ", ":  ", ":", " : ", "  :  "]);
                self.out.push_str(&v);
                self.line_end();
            }
            5 | 6 => {
                let v = self.flow(0);
                self.out.push_str(": ");
                self.out.push_str(&v);
                self.line_end();
            }
            7 if depth < 4 => {
                self.out.push(':');
                self.line_end();
                let inner = indent + self.indent_step();
                self.mapping(inner, depth + 1, false);
            }
            8 if depth < 4 => {
                self.out.push(':');
                self.line_end();
                let inner = if self.chance(0.3) {
                    indent
                } else {
                    indent + self.indent_step()
                };
                self.sequence(inner, depth + 1);
            }
            9 if self.chance(0.5) => self.block_scalar(indent),
            _ => {
                self.out.push(':');
                self.line_end();
            }
        }
    }

    /// `: |` and lines below, some blank, some indented more or less.
    fn block_scalar(&mut self, indent: usize) {
        self.emit(&[
            ": |", ": >", ": |-", ": >-", ": |+", ": >+", ": |2", ": | # c", ": >\n",
        ]);
        self.out.push('\n');
        let inner = indent + self.indent_step();
        for _ in 0..self.rng.random_range(0..5) {
            match self.rng.random_range(0..8) {
                0 => self.out.push('\n'),
                1 => {
                    let pad = self.rng.random_range(0..inner + 3);
                    self.out.push_str(&" ".repeat(pad));
                    self.out.push('\n');
                }
                2 => {
                    self.out
                        .push_str(&" ".repeat(inner + 1 + self.rng.random_range(0..2)));
                    let text = self.scalar_text();
                    self.out.push_str(&text);
                    self.out.push('\n');
                }
                3 => {
                    self.out.push_str(&" ".repeat(inner));
                    self.emit(&["# not a comment", "#", "- x", "a: b"]);
                    self.out.push('\n');
                }
                _ => {
                    self.out.push_str(&" ".repeat(inner));
                    let text = self.scalar_text();
                    self.out.push_str(&text);
                    self.out.push('\n');
                }
            }
        }
        if self.chance(0.1) {
            self.emit(&["  # after\n", "\n\n", " # x\n"]);
        }
    }

    pub(super) fn sequence(&mut self, indent: usize, depth: usize) {
        let n = self.rng.random_range(1..4);
        for _ in 0..n {
            self.out.push_str(&" ".repeat(indent));
            self.emit(&["- ", "- ", "-  ", "-"]);
            match self.rng.random_range(0..4) {
                0 => {
                    let v = self.scalar();
                    self.out.push_str(&v);
                    self.line_end();
                }
                1 => {
                    let v = self.flow(0);
                    self.out.push_str(&v);
                    self.line_end();
                }
                _ if depth < 4 => {
                    let column = self.out.len() - self.out.rfind('\n').map_or(0, |i| i + 1);
                    self.mapping(column, depth + 1, true);
                }
                _ => self.line_end(),
            }
        }
    }
}
