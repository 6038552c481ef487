//! Events the runner emits and reporters consume; the runner itself never prints.
//!
//! Steps stream out as they finish (`StepFinished`); the workflow and run events carry the
//! records without their steps, so nothing needs to hold a whole run in memory unless a
//! report asks for it (`report::collect`).

use crate::record::{RunRecord, StepRecord, WorkflowRecord};

pub enum Event<'a> {
    RunStarted {
        workflows: usize,
    },
    WorkflowStarted {
        index: usize,
        path: &'a str,
        name: &'a str,
    },
    /// A step (or one `for_each` item) finished; its record is complete and redacted.
    StepFinished {
        workflow: usize,
        step: &'a StepRecord,
    },
    /// `workflow.steps` is empty: the steps were streamed before.
    WorkflowFinished {
        workflow: &'a WorkflowRecord,
    },
    /// `run.workflows` hold no steps (see above).
    RunFinished {
        run: &'a RunRecord,
    },
}

/// Anything that consumes events: the terminal, a progress line, report builders.
pub trait Reporter: Send + Sync {
    fn on_event(&self, event: &Event<'_>);

    /// Whether `StepFinished` matters to this reporter for a step that did not fail. When no
    /// reporter wants them (`--quiet` with no report), such steps are counted, and their
    /// records are not built only to be dropped unread.
    fn wants_passed_steps(&self) -> bool {
        true
    }

    /// After `StepFinished` was seen by every reporter: a reporter that keeps step records
    /// takes this one (`None`), instead of cloning it from the event; others hand it back.
    fn keep_step(&self, _workflow: usize, step: StepRecord) -> Option<StepRecord> {
        Some(step)
    }
}

/// Fans each event out to every reporter the command line asked for.
pub struct Fanout(pub Vec<Box<dyn Reporter>>);

impl Reporter for Fanout {
    fn on_event(&self, event: &Event<'_>) {
        for r in &self.0 {
            r.on_event(event);
        }
    }

    fn wants_passed_steps(&self) -> bool {
        self.0.iter().any(|r| r.wants_passed_steps())
    }

    fn keep_step(&self, workflow: usize, step: StepRecord) -> Option<StepRecord> {
        let mut step = Some(step);
        for r in &self.0 {
            match step.take() {
                Some(s) => step = r.keep_step(workflow, s),
                None => break,
            }
        }
        step
    }
}
