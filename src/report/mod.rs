//! Reporters: they consume run events and records, and write through the redacting output.

pub mod annotations;
pub mod collect;
mod exchange_text;
pub mod html;
pub mod json;
pub mod junit;
pub mod output;
pub mod progress;
pub mod style;
pub mod terminal;
