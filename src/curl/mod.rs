//! Recipes between curl and workflows: `apiflow import curl` and `apiflow export curl`.
//!
//! One chain serves both directions, so that they are inverses of each other:
//! shell words ([`shell`]) ⇄ curl's options ([`command`], over curl's option table) ⇄ a plain
//! request ([`request`], the workflow's request model with concrete strings; the mapping is
//! [`mapping`]). Import then writes the request as YAML ([`import`]), credentials and
//! placeholders turned into inputs ([`inputs`]); export renders a workflow's request steps into
//! plain requests ([`export`]).

pub mod command;
pub mod export;
mod export_refs;
pub mod import;
pub mod inputs;
pub mod mapping;
pub mod option_table;
mod print;
pub mod request;
pub mod shell;
