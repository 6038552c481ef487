//! Reporters: they consume run events and results, and write through the redacting output.

pub mod output;
pub mod style;
pub mod terminal;
