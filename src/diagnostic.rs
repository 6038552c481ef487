//! Errors that point at a place in a workflow file, rendered the same way everywhere:
//! `error: message`, `--> file:line:col`, the source line, a caret and an optional hint.

use crate::report::style::Style;
use crate::source::Loc;

/// A problem found in a workflow file or while running it, with where it was written.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub message: String,
    pub loc: Option<Loc>,
    /// How many columns the caret underlines.
    pub width: usize,
    /// Shown beside the caret, e.g. "did you mean `expect`?".
    pub label: Option<String>,
    /// A further line of advice.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            loc: None,
            width: 1,
            label: None,
            help: None,
        }
    }

    pub fn at(mut self, loc: Loc) -> Self {
        self.loc = Some(loc);
        self
    }

    pub fn width(mut self, width: usize) -> Self {
        self.width = width.max(1);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic as a warning: something that loads but probably is not what the
    /// author meant.
    pub fn render_warning(&self, style: Style) -> String {
        let text = self.render(style, "");
        match text.strip_prefix(&style.red_bold("error")) {
            Some(rest) => format!("{}{rest}", style.yellow("warning")),
            None => text,
        }
    }

    /// Renders the diagnostic; `indent` prefixes every line (used inside step reports).
    pub fn render(&self, style: Style, indent: &str) -> String {
        let mut out = format!(
            "{indent}{}: {}\n",
            style.red_bold("error"),
            style.bold(&self.message)
        );
        if let Some(loc) = &self.loc {
            let line_no = loc.pos.line.to_string();
            let pad = " ".repeat(line_no.len());
            out.push_str(&format!("{indent}{pad}{} {loc}\n", style.blue("-->")));
            if let Some(text) = loc.file.line(loc.pos.line) {
                let col = (loc.pos.column as usize).saturating_sub(1);
                // Tabs would shift the caret: show them as single spaces.
                let text = text.replace('\t', " ");
                let caret_pad: String = text.chars().take(col).map(|_| ' ').collect();
                let carets = "^".repeat(self.width);
                let label = self
                    .label
                    .as_deref()
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default();
                out.push_str(&format!("{indent}{pad} {}\n", style.blue("|")));
                out.push_str(&format!(
                    "{indent}{} {} {text}\n",
                    style.blue(&line_no),
                    style.blue("|")
                ));
                out.push_str(&format!(
                    "{indent}{pad} {} {caret_pad}{}\n",
                    style.blue("|"),
                    style.red_bold(&format!("{carets}{label}"))
                ));
            }
        } else if let Some(label) = &self.label {
            out.push_str(&format!("{indent}  {label}\n"));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{indent}  {} {help}\n", style.cyan("help:")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Pos, SourceFile};

    #[test]
    fn renders_location_line_and_caret() {
        let file = SourceFile::new("w.yaml".into(), "version: 1\nnmae: x\n".into());
        let d = Diagnostic::new("unknown key `nmae`")
            .at(Loc::new(&file, Pos::new(2, 1)))
            .width(4)
            .label("did you mean `name`?");
        let text = d.render(Style::plain(), "");
        assert_eq!(
            text,
            "error: unknown key `nmae`\n --> w.yaml:2:1\n  |\n2 | nmae: x\n  | ^^^^ did you mean `name`?\n"
        );
    }
}
