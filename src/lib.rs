//! apiflow: a declarative workflow and test-harness runner for HTTP APIs.
//!
//! The pipeline, one module per stage:
//! `load` (read, parse, validate, compile) → `run` (render, send, check, capture) →
//! `report` (terminal, JUnit, JSON), with `app` sequencing them for the command line.

pub mod app;
pub mod check;
pub mod cli;
pub mod curl;

pub mod diagnostic;
pub mod duration;
pub mod environment;
pub mod http;
pub mod inputs;
pub mod jsonpath;
pub mod load;
pub mod model;
pub mod record;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod schema;
pub mod secrets;
pub mod size;
pub mod source;
pub mod suggest;
pub mod template;
pub mod xpath;
