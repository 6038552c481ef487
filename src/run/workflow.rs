//! One workflow: vars, each step in order, `finally`, outputs; a bound on the whole.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use minijinja::Value;

use super::context::RunContext;
use super::event::Event;
use crate::http::Session;
use crate::model::{Step, Workflow};
use crate::record::{
    ErrorRecord, Location, StepCounts, StepRecord, StepStatus, WorkflowRecord, WorkflowStatus,
};
use crate::secrets::Redactor;
use crate::source::Pos;
use crate::template::{RenderError, Scope};

/// Runs a workflow to completion, streaming its steps to the reporters; the record returned
/// holds no steps (see `Event::WorkflowFinished`).
///
/// `secrets` is the run's redactor through a handle of this file's own
/// ([`Redactor::for_workflow`]): what the file registers counts against its own bounds.
pub async fn run_workflow(
    ctx: &RunContext,
    secrets: Redactor,
    wf: &Workflow,
    index: usize,
    inputs: BTreeMap<String, Value>,
) -> WorkflowRecord {
    let path = wf.file.display();
    ctx.reporter.on_event(&Event::WorkflowStarted {
        index,
        path: &path,
        name: &wf.name,
    });
    let jar = ctx.jar_file.as_ref().map(|j| j.start()).unwrap_or_default();
    let session = Arc::new(Session::with_jar(Arc::clone(&ctx.http), wf.cookies, jar));
    let run = WorkflowRun::new(
        ctx,
        secrets,
        wf,
        index,
        inputs,
        Arc::clone(&session),
        Sink::Report,
    );
    let (record, _, _) = run.run().await;
    if let Some(j) = &ctx.jar_file {
        j.finish(index, session.jar());
    }
    ctx.reporter
        .on_event(&Event::WorkflowFinished { workflow: &record });
    record
}

/// Where finished steps go: to the reporters, or (an included workflow) back to the caller.
pub(super) enum Sink {
    Report,
    Keep(Vec<StepRecord>),
}

pub(super) struct WorkflowRun<'a> {
    pub ctx: &'a RunContext,
    /// The run's secrets, through a handle that counts what this file (and the files it
    /// includes) registers against the bounds of one workflow file.
    pub secrets: Redactor,
    pub wf: &'a Workflow,
    pub index: usize,
    pub scope: Scope,
    /// The file's name, shared by every location of its records.
    pub file: Arc<str>,
    /// One session (cookie jar) for the workflow and the workflows it includes.
    pub session: Arc<Session>,
    /// The step ids a template of this file may read through `steps.ID` (`None`: any, the
    /// file indexes `steps[...]`). Other steps' responses are not kept for templates.
    referenced: Option<std::collections::HashSet<String>>,
    sink: Sink,
    counts: StepCounts,
    /// How many of `steps` (then `finally`) have been accounted for.
    done: usize,
    pub failed: bool,
    /// Running `finally` steps: an interrupt no longer cancels anything (a second one exits).
    pub in_finally: bool,
}

impl<'a> WorkflowRun<'a> {
    pub fn new(
        ctx: &'a RunContext,
        secrets: Redactor,
        wf: &'a Workflow,
        index: usize,
        inputs: BTreeMap<String, Value>,
        session: Arc<Session>,
        sink: Sink,
    ) -> Self {
        Self {
            ctx,
            secrets,
            wf,
            index,
            scope: Scope::new(inputs),
            file: Arc::from(wf.file.display()),
            referenced: referenced_steps(&wf.file.text),
            session,
            sink,
            counts: StepCounts::default(),
            done: 0,
            failed: false,
            in_finally: false,
        }
    }

    pub fn location(&self, pos: Pos) -> Location {
        Location::new(&self.file, pos)
    }

    pub fn error_at(&self, message: impl Into<String>, pos: Pos) -> ErrorRecord {
        ErrorRecord {
            message: message.into(),
            location: Some(self.location(pos)),
        }
    }

    pub fn render_error(&self, e: RenderError) -> ErrorRecord {
        self.error_at(e.message, e.pos)
    }

    /// Whether an interrupt should stop what runs now (never in `finally`).
    pub fn stopping(&self) -> bool {
        !self.in_finally && self.ctx.interrupt.is_set()
    }

    /// Resolves on an interrupt, except during `finally`, which runs to its end.
    pub async fn interrupted(&self) {
        if self.in_finally {
            std::future::pending::<()>().await;
        }
        self.ctx.interrupt.wait().await;
    }

    /// Whether some template of the file may read `steps.ID` for this id.
    pub fn referenced(&self, id: &str) -> bool {
        self.referenced.as_ref().is_none_or(|ids| ids.contains(id))
    }

    /// Whether a step that did not fail needs its record: an include keeps its steps for
    /// the including workflow; otherwise only if a reporter reads such steps.
    pub fn records_passed_steps(&self) -> bool {
        match self.sink {
            Sink::Keep(_) => true,
            Sink::Report => self.ctx.reporter.wants_passed_steps(),
        }
    }

    /// Counts a step that did not fail and whose record nobody reads.
    pub fn count_unrecorded(&mut self, status: StepStatus) {
        debug_assert!(!status.is_failure());
        self.counts.add(status);
    }

    /// A finished step (or item): counted, then streamed or kept.
    pub fn record(&mut self, step: StepRecord) {
        self.counts.add(step.status);
        if step.fails_workflow() {
            self.failed = true;
        }
        match &mut self.sink {
            Sink::Report => {
                self.ctx.reporter.on_event(&Event::StepFinished {
                    workflow: self.index,
                    step: &step,
                });
                // A collector takes the record; otherwise it is dropped here.
                let _ = self.ctx.reporter.keep_step(self.index, step);
            }
            Sink::Keep(steps) => steps.push(step),
        }
    }

    /// The workflow's record (without its steps), the steps kept (an include's), and the
    /// outputs unredacted (an including workflow sees the real values).
    pub async fn run(
        mut self,
    ) -> (
        WorkflowRecord,
        Vec<StepRecord>,
        serde_json::Map<String, serde_json::Value>,
    ) {
        let started = Instant::now();
        // Templates outside `finally` stop on Ctrl-C; those of `finally` run to their end.
        let outer = crate::template::bounds::current();
        let flag = Arc::clone(self.ctx.interrupt.flag());
        let mut error = (outer.clone())
            .interrupted_by(Some(Arc::clone(&flag)))
            .sync_scope(|| self.eval_vars().err());
        let mut interrupted = false;
        if error.is_none() {
            let timeout = self.wf.timeout;
            // Every wait inside a step ends on an interrupt, so the loop only needs the
            // workflow's time bound.
            let steps = async {
                // Read once polled, inside `with_timeout`: its deadline is kept.
                let bounds = crate::template::bounds::current().interrupted_by(Some(flag));
                bounds
                    .scope(async {
                        for (i, step) in self.wf.steps.iter().enumerate() {
                            self.run_step(step, i, false).await;
                            self.done = i + 1;
                        }
                    })
                    .await
            };
            let what = format!(
                "the workflow's `timeout` of {}",
                crate::duration::human(timeout.unwrap_or_default())
            );
            let finished = with_timeout(timeout, &what, steps).await.is_some();
            interrupted = self.stopping();
            if !finished {
                let d = timeout.unwrap_or_default();
                error = Some(self.error_at(
                    format!(
                        "the workflow timed out after {} (its `timeout`)",
                        crate::duration::human(d)
                    ),
                    Pos::new(1, 1),
                ));
                let first = self.done;
                for (i, step) in self.wf.steps.iter().enumerate().skip(first) {
                    let reason = if i == first {
                        "the workflow timed out while this step ran"
                    } else {
                        "the workflow timed out"
                    };
                    let r = self.skipped(step, i, false, reason);
                    self.record(r);
                }
                self.failed = true;
            }
        } else {
            self.failed = true;
            for (i, step) in self.wf.steps.iter().enumerate() {
                let r = self.skipped(step, i, false, "a var could not be computed");
                self.record(r);
            }
        }
        // Clean-up runs whatever happened, interrupt included.
        self.in_finally = true;
        let base = self.wf.steps.len();
        let cleanup = outer.interrupted_by(None);
        cleanup
            .scope(async {
                for (i, step) in self.wf.finally.iter().enumerate() {
                    self.run_step(step, base + i, true).await;
                }
            })
            .await;
        let outputs = match self.eval_outputs() {
            Ok(o) => o,
            Err(e) => {
                error.get_or_insert(e);
                self.failed = true;
                serde_json::Map::new()
            }
        };
        let status = if interrupted {
            WorkflowStatus::Interrupted
        } else if self.failed || error.is_some() {
            WorkflowStatus::Failed
        } else {
            WorkflowStatus::Passed
        };
        let secrets = &self.secrets;
        let record = WorkflowRecord {
            index: self.index,
            path: self.wf.file.display(),
            name: secrets.redact(&self.wf.name).into_owned(),
            status,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            counts: self.counts,
            steps: Vec::new(),
            error: error.map(|e| ErrorRecord {
                message: secrets.redact(&e.message).into_owned(),
                location: e.location,
            }),
            outputs: outputs
                .iter()
                .map(|(k, v)| (k.clone(), crate::record::build::json(v, secrets)))
                .collect(),
        };
        let kept = match self.sink {
            Sink::Keep(steps) => steps,
            Sink::Report => Vec::new(),
        };
        (record, kept, outputs)
    }

    fn eval_vars(&mut self) -> Result<(), ErrorRecord> {
        for var in &self.wf.vars {
            let value = var
                .value
                .render(&self.scope.context())
                .map_err(|e| self.render_error(e))?;
            self.scope.set_var(&var.name, value);
        }
        Ok(())
    }

    fn eval_outputs(&self) -> Result<serde_json::Map<String, serde_json::Value>, ErrorRecord> {
        let ctx = self.scope.context();
        self.wf
            .outputs
            .iter()
            .map(|(name, t)| {
                let v = t.render(&ctx).map_err(|e| self.render_error(e))?;
                Ok((name.clone(), serde_json::to_value(&v).unwrap_or_default()))
            })
            .collect()
    }

    /// The record of a step that did not run.
    pub fn skipped(&self, step: &Step, index: usize, in_finally: bool, reason: &str) -> StepRecord {
        StepRecord {
            index,
            id: step.id.clone(),
            title: super::step::static_title(step),
            kind: step.kind().to_owned(),
            location: self.location(step.pos),
            in_finally,
            item: None,
            status: StepStatus::Skipped,
            allowed_failure: false,
            duration_ms: 0.0,
            skip_reason: Some(reason.to_owned()),
            attempts: Vec::new(),
        }
    }
}

/// The ids the file's text reads as `steps.ID` (a conservative scan of the source: a mention
/// in a comment keeps a response, never the reverse); `None` when it indexes `steps[...]`.
fn referenced_steps(text: &str) -> Option<std::collections::HashSet<String>> {
    let mut ids = std::collections::HashSet::new();
    let mut rest = text;
    // memchr's vectorised search: `str::find` cost ~4 instructions a byte of the file.
    let finder = memchr::memmem::Finder::new("steps");
    while let Some(at) = finder.find(rest.as_bytes()) {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + 5..];
        rest = after;
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let after = after.trim_start();
        if after.starts_with('[') {
            return None;
        }
        if let Some(tail) = after.strip_prefix('.') {
            let id: String = tail
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            ids.insert(id);
        }
    }
    Some(ids)
}

/// Runs `fut` within `timeout`; `None` when it ran out. Templates rendered inside see the
/// deadline (named `what` in their error) and stop at it, so time spent in a template that
/// never awaits still counts: finishing after the deadline is timing out.
pub(super) async fn with_timeout<F: std::future::Future>(
    timeout: Option<Duration>,
    what: &str,
    fut: F,
) -> Option<F::Output> {
    let Some(t) = timeout else {
        return Some(fut.await);
    };
    let at = Instant::now() + t;
    let bounds = crate::template::bounds::current().deadline(at, what);
    match tokio::time::timeout(t, bounds.scope(fut)).await {
        Ok(out) if Instant::now() < at => Some(out),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::referenced_steps;

    #[test]
    fn only_the_steps_templates_read_are_kept() {
        let ids = referenced_steps("steps:\n  - id: a\n    if: steps.a.response.status == 200 and steps . b.x\n  - mysteps.c\n").unwrap();
        assert!(ids.contains("a") && ids.contains("b"));
        assert!(!ids.contains("c"), "`mysteps.c` is another name");
        assert!(
            referenced_steps("x: \"{{ steps[name] }}\"").is_none(),
            "an index keeps all"
        );
    }
}
