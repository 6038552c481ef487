//! GitHub Actions annotations (`::error file=…,line=…::…`) for every failure, pointing at the
//! line of the workflow file where the failing check or step was written.

use std::sync::Arc;

use super::output::Output;
use crate::run::event::{Event, Reporter};
use crate::run::outcome::StepStatus;
use crate::source::Loc;

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
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(loc: &Loc, title: &str, message: &str) -> String {
    format!(
        "::error file={},line={},col={},title={}::{}\n",
        escape_property(&loc.file.display()),
        loc.pos.line,
        loc.pos.column,
        escape_property(title),
        escape_data(message)
    )
}

impl Reporter for GithubAnnotations {
    fn on_event(&self, event: &Event<'_>) {
        let Event::StepFinished { outcome, .. } = event else {
            return;
        };
        if !matches!(outcome.status, StepStatus::Failed | StepStatus::Errored) {
            return;
        }
        let title = format!("apiflow: {}", outcome.title);
        let mut text = String::new();
        if let Some(e) = &outcome.last.error {
            text.push_str(&annotation(&e.loc, &title, &e.message));
        }
        for f in &outcome.last.failures {
            let message = format!(
                "{}: expected {}, actual {}",
                f.subject, f.expected, f.actual
            );
            text.push_str(&annotation(&f.loc, &title, &message));
        }
        self.output.out(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Pos, SourceFile};

    #[test]
    fn properties_and_data_are_escaped() {
        let file = SourceFile::new("a,b:c.yaml".into(), String::new());
        let line = annotation(&Loc::new(&file, Pos::new(3, 5)), "t: x", "50%\nnext");
        assert_eq!(
            line,
            "::error file=a%2Cb%3Ac.yaml,line=3,col=5,title=t%3A x::50%25%0Anext\n"
        );
    }
}
