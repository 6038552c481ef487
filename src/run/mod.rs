//! Run stage: render, send, capture, check, and the events reporters consume.
//!
//! `workflow` runs one file (vars, steps, `finally`, outputs); `step` the controls around an
//! action (`if`, `for_each`, `retry`, `timeout`); `request`, `include` and `action` the actions;
//! `attempt` turns what an attempt did into its (redacted) record.

mod action;
mod attempt;
pub mod context;
pub mod event;
mod include;
pub mod prepare;
mod request;
mod response_view;
pub mod retry;
mod step;
pub mod tokens;
mod url_parse;
mod workflow;

pub use context::{DEFAULT_MAX_BODY, Interrupt, RunContext};
pub use workflow::run_workflow;
