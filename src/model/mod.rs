//! The validated, compiled form of a workflow file: what the runner executes.
//!
//! Nothing here is raw YAML: templates, JSONPaths, regexes and schemas are compiled, names are
//! resolved, durations parsed, and every node keeps the position it was written at.

mod check;
mod request;
mod step;
mod workflow;

pub use check::{Capture, CaptureSource, Check, JsonType, Matcher, Op, RegexGroup, Subject};
pub use request::{
    AuthSpec, BodySpec, DEFAULT_MAX_REDIRECTS, MultipartPart, RequestCookies, RequestSpec,
    RequestStep,
};
pub use step::{Action, AssertItem, Backoff, ForEach, Include, Retry, RetryOn, SetItem, Step};
pub use workflow::{AuthProvider, ClientAuth, InputDecl, VarDecl, Workflow};
