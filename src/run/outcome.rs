//! What running a workflow produced: per step, its status, checks, captures and exchange.

use std::sync::Arc;
use std::time::Duration;

use crate::http::{PreparedRequest, Response};
use crate::source::Loc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    /// A check did not hold.
    Failed,
    /// The step could not be carried out (transport, template, capture, include).
    Errored,
    Skipped,
}

/// A check that did not hold.
#[derive(Clone, Debug)]
pub struct CheckFailure {
    /// `status`, `header content-type`, `$.rules`, `body`, `duration`, `capture token`, `assert`.
    pub subject: String,
    pub expected: String,
    pub actual: String,
    pub loc: Loc,
}

/// Why a step could not be carried out.
#[derive(Clone, Debug)]
pub struct StepError {
    pub message: String,
    pub loc: Loc,
}

/// One request sent and what came back.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub request: Arc<PreparedRequest>,
    pub response: Option<Arc<Response>>,
}

#[derive(Clone, Debug)]
pub struct CaptureRecord {
    pub name: String,
    pub secret: bool,
    /// The value as JSON text (redacted on output like everything else).
    pub value: String,
}

/// The result of one attempt (or one iteration) of a step.
#[derive(Clone, Debug, Default)]
pub struct Attempt {
    pub failures: Vec<CheckFailure>,
    pub error: Option<StepError>,
    pub exchange: Option<Exchange>,
    pub captures: Vec<CaptureRecord>,
    pub checks: usize,
    pub duration: Duration,
}

impl Attempt {
    pub fn status(&self) -> StepStatus {
        if self.error.is_some() {
            StepStatus::Errored
        } else if !self.failures.is_empty() {
            StepStatus::Failed
        } else {
            StepStatus::Passed
        }
    }

    pub fn errored(error: StepError) -> Self {
        Self {
            error: Some(error),
            ..Self::default()
        }
    }
}

/// One attempt of a step (or of one `for_each` item), for reports.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AttemptSummary {
    pub attempt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    pub status: StepStatus,
    pub http_status: Option<u16>,
    pub duration_ms: f64,
    pub failed_checks: usize,
    pub error: Option<String>,
}

impl AttemptSummary {
    pub fn of(a: &Attempt, attempt: u32, item: Option<usize>) -> Self {
        Self {
            attempt,
            item,
            status: a.status(),
            http_status: a
                .exchange
                .as_ref()
                .and_then(|e| e.response.as_ref())
                .map(|r| r.status),
            duration_ms: a.duration.as_secs_f64() * 1000.0,
            failed_checks: a.failures.len(),
            error: a.error.as_ref().map(|e| e.message.clone()),
        }
    }
}

#[derive(Clone, Debug)]
pub struct StepOutcome {
    pub index: usize,
    pub id: Option<String>,
    pub title: String,
    /// The step has a `name` or `id` (else its title is its request line).
    pub named: bool,
    pub kind: &'static str,
    pub loc: Loc,
    pub in_finally: bool,
    pub status: StepStatus,
    pub duration: Duration,
    /// The last attempt (or the failing iteration): what reports show.
    pub last: Attempt,
    pub attempts: u32,
    /// Every attempt (and every `for_each` item), in order.
    pub history: Vec<AttemptSummary>,
    /// For `for_each`: how many items ran, and the item that failed.
    pub iterations: usize,
    pub failed_item: Option<(usize, String)>,
    pub skip_reason: Option<String>,
    pub continue_on_error: bool,
}

#[derive(Clone, Debug)]
pub struct WorkflowOutcome {
    pub path: String,
    pub name: String,
    pub steps: Vec<StepOutcome>,
    pub duration: Duration,
    /// A problem outside any step (an input, a var, the workflow timeout).
    pub error: Option<StepError>,
    pub outputs: Vec<(String, serde_json::Value)>,
    pub interrupted: bool,
}

impl WorkflowOutcome {
    pub fn passed(&self) -> bool {
        self.error.is_none()
            && !self.interrupted
            && self.steps.iter().all(|s| {
                matches!(s.status, StepStatus::Passed | StepStatus::Skipped) || s.continue_on_error
            })
    }

    pub fn count(&self, status: StepStatus) -> usize {
        self.steps.iter().filter(|s| s.status == status).count()
    }
}
