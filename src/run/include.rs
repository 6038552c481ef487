//! `include`: another workflow run in its own scope, sharing the caller's session (cookies).

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::Value;

use super::attempt::Attempt;
use super::workflow::{Sink, WorkflowRun};
use crate::model::{Include, Step};
use crate::record::{CheckRecord, ErrorRecord};

impl WorkflowRun<'_> {
    pub(super) async fn include(&mut self, step: &Step, inc: &Include) -> Attempt {
        let ctx = self.scope.context();
        let mut given = BTreeMap::new();
        for (name, t) in &inc.with {
            match t.render(&ctx) {
                Ok(v) => {
                    given.insert(name.clone(), v);
                }
                Err(e) => return Attempt::errored(self.render_error(e)),
            }
        }
        let inputs = match crate::inputs::resolve_nested(&inc.workflow, given, &self.secrets) {
            Ok(i) => i,
            Err(msg) => return Attempt::errored(self.error_at(msg, step.pos)),
        };
        let session = Arc::clone(&self.session);
        let mut run = WorkflowRun::new(
            self.ctx,
            self.secrets.clone(),
            &inc.workflow,
            self.index,
            inputs,
            session,
            Sink::Keep(Vec::new()),
        );
        run.in_finally = self.in_finally;
        // Boxed: an include chain is bounded at load time, but each level is a new future.
        let (record, steps, outputs) = GrowStack(Box::pin(run.run())).await;
        let mut attempt = Attempt::default();
        for s in steps.iter().filter(|s| s.fails_workflow()) {
            let Some(last) = s.last() else { continue };
            if let Some(e) = &last.error {
                attempt.error.get_or_insert(ErrorRecord {
                    message: format!("included step `{}` failed: {}", s.title, e.message),
                    location: e.location.clone(),
                });
            }
            for c in last.failed_checks() {
                attempt.checks.push(CheckRecord {
                    subject: format!("{} (included step `{}`)", c.subject, s.title),
                    ..c.clone()
                });
            }
        }
        if let Some(e) = record.error {
            attempt.error.get_or_insert(e);
        }
        attempt.included = steps;
        if let Some(id) = &step.id {
            let outputs: BTreeMap<String, Value> = outputs
                .iter()
                .map(|(k, v)| (k.clone(), crate::template::to_value(v)))
                .collect();
            self.scope.set_step(
                id,
                crate::template::to_value(BTreeMap::from([("outputs", outputs)])),
            );
        }
        attempt
    }
}

/// An included workflow's future, polled on a stack grown on demand: each level of an include
/// chain nests one more poll, and the run's thread is the process's main thread, whose stack
/// is the system's default (8 MiB) rather than one sized for the deepest chain.
struct GrowStack<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for GrowStack<F> {
    type Output = F::Output;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        // Less than 1 MiB left: go on in a fresh 8 MiB segment.
        stacker::maybe_grow(1 << 20, 8 << 20, || self.0.as_mut().poll(cx))
    }
}
