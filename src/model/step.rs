use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{RequestStep, Workflow};
use crate::source::Pos;
use crate::template::{Expr, ValueTemplate};

/// One step: exactly one action, plus the controls around it.
pub struct Step {
    pub id: Option<String>,
    pub name: Option<String>,
    pub pos: Pos,
    pub action: Action,
    pub condition: Option<Expr>,
    pub for_each: Option<Expr>,
    pub retry: Option<Retry>,
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
            return name.clone();
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
