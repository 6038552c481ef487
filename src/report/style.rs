//! Terminal colour, decided once at the edge (a terminal and no `NO_COLOR`) and passed in.

/// Whether to emit ANSI colour codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

macro_rules! paint {
    ($($name:ident => $code:literal),* $(,)?) => {
        $(
            pub fn $name(&self, text: &str) -> String {
                if self.color {
                    format!(concat!("\x1b[", $code, "m{}\x1b[0m"), text)
                } else {
                    text.to_string()
                }
            }
        )*
    };
}

impl Style {
    pub fn plain() -> Self {
        Self { color: false }
    }

    /// Colour for a stream: only on a terminal, and never when `NO_COLOR` is set.
    pub fn for_stream(is_terminal: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            color: is_terminal && !no_color,
        }
    }

    paint! {
        bold => "1",
        dim => "2",
        red => "31",
        green => "32",
        yellow => "33",
        blue => "34",
        cyan => "36",
        red_bold => "1;31",
        green_bold => "1;32",
    }
}

/// Text a server or a file chose (headers, bodies, names) made safe to print on a terminal:
/// control characters that could move the cursor, clear the screen, set the title or hide text
/// are replaced by U+FFFD. Line breaks, tabs and colour codes (`ESC [ digits ; m`, what
/// [`Style`] writes) pass.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() && c != '\n' && c != '\t') || c == '\u{7f}';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}' {
            let sgr = rest[1..].strip_prefix('[').and_then(|r| {
                let n = r
                    .bytes()
                    .take_while(|b| b.is_ascii_digit() || *b == b';')
                    .count();
                (r.as_bytes().get(n) == Some(&b'm')).then_some(n + 3)
            });
            if let Some(len) = sgr {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
        }
        out.push(if unsafe_char(c) { '\u{fffd}' } else { c });
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_colour_codes_and_line_breaks_reach_the_terminal() {
        assert_eq!(terminal_safe("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            terminal_safe("\x1b[1;31mred\x1b[0m"),
            "\x1b[1;31mred\x1b[0m"
        );
        assert_eq!(
            terminal_safe("x\x1b[2Jy\x1b]0;title\x07z\r\u{9b}"),
            "x\u{fffd}[2Jy\u{fffd}]0;title\u{fffd}z\u{fffd}\u{fffd}"
        );
        assert_eq!(terminal_safe("\x1b"), "\u{fffd}");
    }
}
