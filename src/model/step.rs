use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{RequestStep, Workflow};
use crate::source::Pos;
use crate::template::{Expr, Text, ValueTemplate};

/// One step: exactly one action, plus the controls around it.
pub struct Step {
    pub id: Option<String>,
    /// May hold templates (rendered per run, seeing `item` and `index` in a `for_each`).
    pub name: Option<Text>,
    pub pos: Pos,
    pub action: Action,
    pub condition: Option<Expr>,
    pub for_each: Option<ForEach>,
    /// Boxed: few steps retry, and every step of a large file is held for the whole run.
    pub retry: Option<Box<Retry>>,
    pub timeout: Option<Duration>,
    pub continue_on_error: bool,
}

pub enum Action {
    Request(Box<RequestStep>),
    Set(Vec<SetItem>),
    Assert(Vec<AssertItem>),
    Sleep(Duration),
    Include(Box<Include>),
}

/// `for_each`: an expression giving a list, or rows read from a file at load time.
pub enum ForEach {
    Expr(Expr),
    /// `for_each: { file: PATH }` (JSON, YAML: a list; CSV: one map of strings per row).
    Items {
        path: PathBuf,
        items: Arc<Vec<serde_json::Value>>,
    },
}

pub struct SetItem {
    pub name: String,
    pub value: ValueTemplate,
    pub pos: Pos,
}

pub struct AssertItem {
    pub that: Expr,
    pub message: Option<String>,
    pub pos: Pos,
}

pub struct Include {
    pub path: PathBuf,
    pub workflow: Arc<Workflow>,
    pub with: Vec<(String, ValueTemplate)>,
}

pub struct Retry {
    pub attempts: u32,
    pub delay: Duration,
    pub backoff: Backoff,
    pub jitter: bool,
    pub max_delay: Duration,
    pub until: Option<Expr>,
    /// Empty: any failure is retried.
    pub on: Vec<RetryOn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    Fixed,
    Linear,
    Exponential,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryOn {
    Network,
    Status(u16),
    Class(u16),
}

impl Step {
    /// The title shown in reports: the name, else the id, else a short description.
    pub fn title(&self) -> String {
        if let Some(name) = &self.name {
            return name.source_text().to_owned();
        }
        if let Some(id) = &self.id {
            return id.clone();
        }
        match &self.action {
            Action::Request(r) => {
                let method = r.spec.method.as_literal().unwrap_or("?");
                let url = r.spec.url.source_text();
                format!("{method} {url}")
            }
            Action::Set(items) => {
                let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
                format!("set {}", names.join(", "))
            }
            Action::Assert(items) => format!(
                "assert {}",
                items.first().map(|i| i.that.source()).unwrap_or("")
            ),
            Action::Sleep(d) => format!("sleep {}", crate::duration::human(*d)),
            Action::Include(inc) => format!("include {}", inc.path.display()),
        }
    }

    /// A short word for the action, for reports.
    pub fn kind(&self) -> &'static str {
        match &self.action {
            Action::Request(_) => "request",
            Action::Set(_) => "set",
            Action::Assert(_) => "assert",
            Action::Sleep(_) => "sleep",
            Action::Include(_) => "include",
        }
    }
}
