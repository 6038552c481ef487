//! Events the runner emits and reporters consume; the runner itself never prints.

use super::outcome::{Exchange, StepOutcome, WorkflowOutcome};
use crate::model::Workflow;

pub enum Event<'a> {
    WorkflowStarted {
        index: usize,
        workflow: &'a Workflow,
    },
    /// Every request sent (for `-v`), including retries and token requests.
    Exchange {
        index: usize,
        step: &'a str,
        exchange: &'a Exchange,
        error: Option<&'a str>,
    },
    StepFinished {
        index: usize,
        outcome: &'a StepOutcome,
    },
    WorkflowFinished {
        index: usize,
        outcome: &'a WorkflowOutcome,
    },
}

/// Anything that consumes events: the terminal, a progress line, report builders.
pub trait Reporter: Send + Sync {
    fn on_event(&self, event: &Event<'_>);
}
