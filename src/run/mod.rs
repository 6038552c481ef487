//! Run stage: render, send, capture, check — and events for the reporters.

pub mod check;
pub mod event;
pub mod outcome;
pub mod prepare;
pub mod retry;
mod runner;
pub mod tokens;

pub use runner::{Interrupt, RunContext, run_workflow};
