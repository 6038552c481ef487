//! The actions that send nothing: `set` and `assert`.

use super::attempt::Attempt;
use super::workflow::WorkflowRun;
use crate::model::{AssertItem, SetItem};
use crate::record::CheckRecord;

impl WorkflowRun<'_> {
    pub(super) fn set(&mut self, items: &[SetItem]) -> Attempt {
        for item in items {
            match item.value.render(&self.scope.context()) {
                Ok(v) => self.scope.set_name(&item.name, v),
                Err(e) => return Attempt::errored(self.render_error(e)),
            }
        }
        Attempt::default()
    }

    pub(super) fn assert(&mut self, items: &[AssertItem]) -> Attempt {
        let ctx = self.scope.context();
        let mut attempt = Attempt::default();
        for item in items {
            let passed = match item.that.is_true(&ctx) {
                Ok(v) => v,
                Err(e) => return Attempt::errored(self.render_error(e)),
            };
            attempt.checks.push(CheckRecord {
                subject: "assert".into(),
                operator: "true".into(),
                expected: serde_json::Value::String(format!("`{}`", item.that.source())),
                actual: Some(serde_json::Value::Bool(passed)),
                passed,
                message: if passed { None } else { item.message.clone() },
                location: self.location(item.pos),
            });
        }
        attempt
    }
}
