//! The typed record of a run: what ran, every HTTP hop, every check and capture.
//!
//! The runner builds these values (already redacted: see [`build`]) and emits them as events;
//! every reporter consumes them, and the JSON report is this record serialized, so a later
//! `report merge` can read sharded runs back. `schemas/report.schema.json` is generated from
//! these types (`apiflow schema --report`) and a test fails when it drifts.

pub mod build;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The format of the record; bumped when a field changes meaning.
pub const RECORD_VERSION: u32 = 2;

/// A whole run: every workflow, in the order they were given.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
#[schemars(
    title = "apiflow JSON report (record version 2)",
    extend("$id" = "https://apiflow.dev/schemas/report.schema.json")
)]
pub struct RunRecord {
    #[schemars(extend("const" = 2))]
    pub version: u32,
    pub tool: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: f64,
    pub interrupted: bool,
    /// Files that never started (`--fail-fast`, an interrupt).
    pub not_started: usize,
    pub summary: Totals,
    pub workflows: Vec<WorkflowRecord>,
}

/// Counts over workflows and steps.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(deny_unknown_fields)]
pub struct Totals {
    pub workflows: usize,
    pub workflows_passed: usize,
    pub workflows_failed: usize,
    pub steps_passed: usize,
    pub steps_failed: usize,
    pub steps_skipped: usize,
}

/// One workflow file's run.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WorkflowRecord {
    pub index: usize,
    pub path: String,
    pub name: String,
    pub status: WorkflowStatus,
    pub duration_ms: f64,
    pub counts: StepCounts,
    pub steps: Vec<StepRecord>,
    /// A problem outside any step (an input, a var, the workflow timeout, outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorRecord>,
    #[serde(default)]
    pub outputs: serde_json::Map<String, serde_json::Value>,
}

/// How many steps (and `for_each` items) ended each way.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(deny_unknown_fields)]
pub struct StepCounts {
    pub passed: usize,
    /// Failed or errored, `continue_on_error` ones included.
    pub failed: usize,
    pub skipped: usize,
}

impl StepCounts {
    pub fn add(&mut self, status: StepStatus) {
        match status {
            StepStatus::Passed => self.passed += 1,
            StepStatus::Failed | StepStatus::Errored => self.failed += 1,
            StepStatus::Skipped => self.skipped += 1,
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowStatus {
    Passed,
    Failed,
    Interrupted,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    /// A check did not hold.
    Failed,
    /// The step could not be carried out (transport, template, capture, include, timeout).
    Errored,
    Skipped,
}

impl StepStatus {
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Errored)
    }
}

/// Where something was written: `file:line:column`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(deny_unknown_fields)]
pub struct Location {
    /// Shared by every location in one file: built once per workflow, not per check.
    pub file: std::sync::Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn new(file: &std::sync::Arc<str>, pos: crate::source::Pos) -> Self {
        Self {
            file: std::sync::Arc::clone(file),
            line: pos.line,
            column: pos.column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One step, or one item of a `for_each` step (each item is its own entry).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StepRecord {
    /// Position among the workflow's steps (`finally` steps continue the count).
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The rendered name, else the id, else the rendered request line; `TITLE [INDEX]` for an
    /// item of a `for_each`.
    pub title: String,
    pub kind: String,
    pub location: Location,
    #[serde(default)]
    pub in_finally: bool,
    /// For an item of a `for_each`: its index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    pub status: StepStatus,
    /// The failure was allowed by `continue_on_error`: reported, but the workflow goes on.
    #[serde(default)]
    pub allowed_failure: bool,
    pub duration_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// Every attempt, in order; the last one decided the status.
    pub attempts: Vec<AttemptRecord>,
}

impl StepRecord {
    pub fn last(&self) -> Option<&AttemptRecord> {
        self.attempts.last()
    }

    /// Whether this step makes its workflow fail.
    pub fn fails_workflow(&self) -> bool {
        self.status.is_failure() && !self.allowed_failure
    }
}

/// One attempt of a step (`retry` makes several).
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AttemptRecord {
    pub attempt: u32,
    pub status: Option<StepStatus>,
    pub duration_ms: f64,
    /// Every HTTP exchange of the attempt, in order: token requests, then each hop.
    #[serde(default)]
    pub exchanges: Vec<HopRecord>,
    #[serde(default)]
    pub checks: Vec<CheckRecord>,
    #[serde(default)]
    pub captures: Vec<CaptureRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorRecord>,
    /// For an `include` step: the included workflow's steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub included: Vec<StepRecord>,
}

impl AttemptRecord {
    pub fn failed_checks(&self) -> impl Iterator<Item = &CheckRecord> {
        self.checks.iter().filter(|c| !c.passed)
    }

    /// The final response's status, if a request got one.
    pub fn http_status(&self) -> Option<u16> {
        self.exchanges
            .iter()
            .rev()
            .find(|h| h.purpose.is_none())
            .and_then(|h| h.response.as_ref())
            .map(|r| r.status)
    }
}

/// Why a step (or a workflow) could not be carried out.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ErrorRecord {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// One check, held or not, with the value actually compared.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CheckRecord {
    /// `status`, `header content-type`, `$.rules`, `body`, `duration`, `cookie NAME`,
    /// `xpath EXPR`, `capture NAME`, `assert`, `retry until`.
    pub subject: String,
    /// `eq`, `gt`, `matches`, `class`, `schema`, ..., `select` (captures), `true` (asserts).
    pub operator: String,
    /// The expected value that was compared (templates rendered once, this value).
    pub expected: serde_json::Value,
    /// The actual value, as JSON; absent when there was nothing to compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<serde_json::Value>,
    pub passed: bool,
    /// For people: why it failed, when more than expected/actual is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub location: Location,
}

/// A value kept from a response.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CaptureRecord {
    pub name: String,
    pub secret: bool,
    /// Redacted (a secret capture is masked whole).
    pub value: serde_json::Value,
}

/// One HTTP request as sent on the wire and what came back.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HopRecord {
    /// Why apiflow sent it when the step did not ask for it: `auth provider NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    pub request: RequestRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    /// Every header as sent, sensitive values masked; absent in a summary.
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ResponseRecord {
    pub status: u16,
    pub version: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyRecord>,
    pub duration_ms: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// A body, redacted, then cut to a bound.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BodyRecord {
    /// The body's full size in bytes.
    pub size: u64,
    /// The text (UTF-8, invalid bytes replaced), up to the bound; absent for binary bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// How many bytes of the (redacted) text were left out.
    #[serde(default)]
    pub omitted: u64,
    /// What the body is when it is not shown as text: `binary`, `file PATH`, `multipart`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}
