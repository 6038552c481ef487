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
