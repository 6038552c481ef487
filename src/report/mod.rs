//! Reporters: they consume run events and results, and write through the redacting output.

pub mod annotations;
pub mod json;
pub mod junit;
pub mod output;
pub mod progress;
pub mod style;
pub mod terminal;

use crate::run::event::{Event, Reporter};

/// Fans each event out to every reporter the command line asked for.
pub struct Fanout(pub Vec<Box<dyn Reporter>>);

impl Reporter for Fanout {
    fn on_event(&self, event: &Event<'_>) {
        for r in &self.0 {
            r.on_event(event);
        }
    }
}
