//! GitHub Actions annotations (`::error file=…,line=…::…`) for every failure and every
//! validation error, pointing at the line of the workflow file where it was written; a failure
//! allowed by `continue_on_error` is a `::warning`.
//!
//! Values reach this writer already redacted (the record is); escaping comes after.

use std::sync::Arc;

use super::output::Output;
use crate::check::matcher::describe;
use crate::check::show;
use crate::diagnostic::Diagnostic;
use crate::record::Location;
use crate::run::event::{Event, Reporter};

pub struct GithubAnnotations {
    output: Arc<Output>,
}

impl GithubAnnotations {
    pub fn new(output: Arc<Output>) -> Self {
        Self { output }
    }

    /// Whether the environment asks for annotations.
    pub fn wanted() -> bool {
        std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
    }

    /// Validation errors (nothing ran): one annotation each. Their messages are redacted by the
    /// output like everything else.
    pub fn diagnostics(output: &Output, diagnostics: &[Diagnostic]) {
        let mut text = String::new();
        for d in diagnostics {
            let message = match &d.help {
                Some(help) => format!("{}\n{help}", d.message),
                None => d.message.clone(),
            };
            match &d.loc {
                Some(loc) => text.push_str(&annotation(
                    &loc.file.display(),
                    loc.pos.line,
                    loc.pos.column,
                    "apiflow: invalid workflow",
                    &message,
                )),
                None => text.push_str(&format!(
                    "::error title=apiflow::{}\n",
                    escape_data(&message)
                )),
            }
        }
        output.out(&text);
    }
}

/// GitHub's escapes for `%`, CR and LF; every other control character (an escape sequence a
/// server put in a header or body) becomes U+FFFD, as on the terminal and in the HTML report.
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(file: &str, line: u32, col: u32, title: &str, message: &str) -> String {
    annotation_at("error", file, line, col, title, message)
}

fn annotation_at(
    level: &str,
    file: &str,
    line: u32,
    col: u32,
    title: &str,
    message: &str,
) -> String {
    format!(
        "::{level} file={},line={line},col={col},title={}::{}\n",
        escape_property(file),
        escape_property(title),
        escape_data(message)
    )
}

fn at(level: &str, loc: &Location, title: &str, message: &str) -> String {
    annotation_at(level, &loc.file, loc.line, loc.column, title, message)
}

impl Reporter for GithubAnnotations {
    /// Annotations are for failures only.
    fn wants_passed_steps(&self) -> bool {
        false
    }

    fn on_event(&self, event: &Event<'_>) {
        let text = match event {
            Event::StepFinished { step, .. } if step.status.is_failure() => {
                let Some(last) = step.last() else { return };
                let title = format!("apiflow: {}", step.title);
                // A failure `continue_on_error` allows is shown, but does not fail the run.
                let level = if step.allowed_failure {
                    "warning"
                } else {
                    "error"
                };
                let mut text = String::new();
                if let Some(e) = &last.error {
                    match &e.location {
                        Some(loc) => text.push_str(&at(level, loc, &title, &e.message)),
                        None => text.push_str(&at(level, &step.location, &title, &e.message)),
                    }
                }
                for c in last.failed_checks() {
                    let actual = match (&c.actual, &c.message) {
                        (Some(v), _) => show(v),
                        (None, Some(m)) => m.clone(),
                        (None, None) => "nothing".into(),
                    };
                    let message = format!(
                        "{}: expected {}, actual {}",
                        c.subject,
                        describe(&c.operator, &c.expected),
                        actual
                    );
                    text.push_str(&at(level, &c.location, &title, &message));
                }
                text
            }
            Event::WorkflowFinished { workflow } => match &workflow.error {
                Some(e) => {
                    let title = format!("apiflow: {}", workflow.name);
                    match &e.location {
                        Some(loc) => at("error", loc, &title, &e.message),
                        None => format!(
                            "::error title={}::{}\n",
                            escape_property(&title),
                            escape_data(&e.message)
                        ),
                    }
                }
                None => return,
            },
            _ => return,
        };
        self.output.out(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_and_data_are_escaped() {
        let line = annotation("a,b:c.yaml", 3, 5, "t: x", "50%\nnext");
        assert_eq!(
            line,
            "::error file=a%2Cb%3Ac.yaml,line=3,col=5,title=t%3A x::50%25%0Anext\n"
        );
    }

    #[test]
    fn control_characters_do_not_reach_the_log() {
        let line = annotation("w.yaml", 1, 1, "t\x1b]0;x\x07", "a\x1b[2Jb\tc\r\u{9b}");
        assert_eq!(
            line,
            "::error file=w.yaml,line=1,col=1,title=t\u{fffd}]0;x\u{fffd}::a\u{fffd}[2Jb\tc%0D\u{fffd}\n"
        );
    }
}
