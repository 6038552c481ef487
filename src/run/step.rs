//! Step control: `if`, `for_each` (every item its own record), `retry`, the step `timeout`,
//! and the record of what happened.

use std::collections::BTreeMap;
use std::time::Instant;

use minijinja::Value;

use super::attempt::Attempt;
use super::retry;
use super::workflow::{WorkflowRun, with_timeout};
use crate::model::{Action, ForEach, Step};
use crate::record::build::Detail;
use crate::record::{CheckRecord, StepRecord, StepStatus};

/// A title that needs no rendering: the name as written, the id, or a description.
pub fn static_title(step: &Step) -> String {
    step.title()
}

impl WorkflowRun<'_> {
    pub async fn run_step(&mut self, step: &Step, index: usize, in_finally: bool) {
        if self.stopping() {
            let r = self.skipped(step, index, in_finally, "interrupted");
            return self.record(r);
        }
        if self.failed && !in_finally {
            let r = self.skipped(step, index, in_finally, "an earlier step failed");
            return self.record(r);
        }
        let started = Instant::now();
        if let Some(cond) = &step.condition {
            match cond.is_true(&self.scope.context()) {
                Ok(true) => {}
                Ok(false) => {
                    let reason = format!("`if: {}` was false", cond.source());
                    let r = self.skipped(step, index, in_finally, &reason);
                    return self.record(r);
                }
                Err(e) => {
                    let attempt = Attempt::errored(self.render_error(e));
                    let r = self.step_record(step, index, in_finally, None, vec![attempt], started);
                    return self.record(r);
                }
            }
        }
        match &step.for_each {
            None => {
                let attempts = self.attempts(step).await;
                self.finish_step(step, index, in_finally, None, attempts, started);
            }
            Some(each) => self.run_items(step, each, index, in_finally, started).await,
        }
    }

    /// Every item runs and is recorded on its own; the step fails when any item failed.
    async fn run_items(
        &mut self,
        step: &Step,
        each: &ForEach,
        index: usize,
        in_finally: bool,
        started: Instant,
    ) {
        let items: Vec<Value> = match each {
            ForEach::Items { items, .. } => items.iter().map(crate::template::to_value).collect(),
            ForEach::Expr(expr) => match expr.eval(&self.scope.context()) {
                Ok(v) => match v.try_iter() {
                    Ok(iter) if v.kind() != minijinja::value::ValueKind::String => iter.collect(),
                    _ => {
                        let e = self.error_at(
                            format!(
                                "`for_each: {}` must give a list, it gave {v}",
                                expr.source()
                            ),
                            expr.pos,
                        );
                        let r = self.step_record(
                            step,
                            index,
                            in_finally,
                            None,
                            vec![Attempt::errored(e)],
                            started,
                        );
                        return self.record(r);
                    }
                },
                Err(e) => {
                    let attempt = Attempt::errored(self.render_error(e));
                    let r = self.step_record(step, index, in_finally, None, vec![attempt], started);
                    return self.record(r);
                }
            },
        };
        let keep = step.id.as_ref().is_some_and(|id| self.referenced(id));
        let mut iterations = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            if self.stopping() {
                break;
            }
            let item_started = Instant::now();
            self.scope.set_local("item", item);
            self.scope.set_local("index", Value::from(i));
            let attempts = self.attempts(step).await;
            if let (true, Some(last)) = (keep, attempts.last()) {
                iterations.push(iteration_value(last));
            }
            self.finish_step(step, index, in_finally, Some(i), attempts, item_started);
        }
        self.scope.clear_local("item");
        self.scope.clear_local("index");
        if let (true, Some(id)) = (keep, &step.id) {
            let value = crate::template::to_value(BTreeMap::from([(
                "iterations",
                Value::from(iterations),
            )]));
            self.scope.set_step(id, value);
        }
    }

    /// Runs the action once, or under `retry` until it passes (or `until` holds).
    async fn attempts(&mut self, step: &Step) -> Vec<Attempt> {
        let Some(policy) = &step.retry else {
            return vec![self.attempt(step).await];
        };
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut n = 1;
        loop {
            self.scope.set_local("attempt", Value::from(n));
            let mut attempt = self.attempt(step).await;
            let done = match &policy.until {
                Some(until) if attempt.error.is_none() => {
                    match until.is_true(&self.scope.context()) {
                        Ok(v) => v,
                        Err(e) => {
                            attempt.error = Some(self.render_error(e));
                            true
                        }
                    }
                }
                _ => attempt.status() == StepStatus::Passed,
            };
            let retryable = retry::applies(&policy.on, &attempt);
            if done || !retryable || n >= policy.attempts || self.stopping() {
                if let (false, Some(until), None) = (done, &policy.until, &attempt.error) {
                    attempt.checks.push(CheckRecord {
                        subject: "retry until".into(),
                        operator: "until".into(),
                        expected: serde_json::Value::String(format!(
                            "`{}` to become true",
                            until.source()
                        )),
                        actual: None,
                        passed: false,
                        message: Some(format!(
                            "still false after {n} attempt{}",
                            if n == 1 { "" } else { "s" }
                        )),
                        location: self.location(until.pos),
                    });
                }
                self.scope.clear_local("attempt");
                attempts.push(attempt);
                return attempts;
            }
            let delay = retry::delay(policy, n, attempt.response().map(|r| &**r));
            attempts.push(attempt);
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.interrupted() => {}
            }
            n += 1;
        }
    }

    /// One attempt of the action, bounded by the step's `timeout`.
    async fn attempt(&mut self, step: &Step) -> Attempt {
        let started = Instant::now();
        let timeout = step.timeout;
        let pos = step.pos;
        let what = timeout
            .map(|t| format!("the step's `timeout` of {}", crate::duration::human(t)))
            .unwrap_or_default();
        let mut attempt = match with_timeout(timeout, &what, self.action(step)).await {
            Some(a) => a,
            None => Attempt {
                timed_out: true,
                ..Attempt::errored(self.error_at(
                    format!(
                        "the step timed out after {} (its `timeout`)",
                        crate::duration::human(timeout.unwrap_or_default())
                    ),
                    pos,
                ))
            },
        };
        // Once a secret was refused for the redactor's bounds, every step that ends fails
        // (the one that brought it, and any other from then on, in every file of the run): the
        // refused value could be anywhere, and the redactor masks every output from then on.
        if self.secrets.overflowed() && attempt.error.is_none() {
            attempt.error = Some(self.error_at(crate::secrets::LIMIT_MESSAGE, pos));
        }
        attempt.duration = started.elapsed();
        attempt
    }

    async fn action(&mut self, step: &Step) -> Attempt {
        match &step.action {
            Action::Request(r) => self.request(step, r).await,
            Action::Set(items) => self.set(items),
            Action::Assert(items) => self.assert(items),
            Action::Sleep(d) => {
                tokio::select! {
                    _ = tokio::time::sleep(*d) => Attempt::default(),
                    _ = self.interrupted() => Attempt::errored(self.error_at("interrupted during `sleep`", step.pos)),
                }
            }
            Action::Include(inc) => self.include(step, inc).await,
        }
    }

    /// Records a step (or one item) that ran. One that did not fail, when nothing reads such
    /// records (`--quiet` with no report), is only counted: building its record (title
    /// rendered and redacted, checks and captures redacted) cost about 5 k instructions a step.
    fn finish_step(
        &mut self,
        step: &Step,
        index: usize,
        in_finally: bool,
        item: Option<usize>,
        attempts: Vec<Attempt>,
        started: Instant,
    ) {
        let status = attempts.last().map_or(StepStatus::Passed, Attempt::status);
        if !status.is_failure() && !self.records_passed_steps() {
            return self.count_unrecorded(status);
        }
        let r = self.step_record(step, index, in_finally, item, attempts, started);
        self.record(r);
    }

    /// The record of a step (or of one item), with its title rendered in the step's scope.
    fn step_record(
        &self,
        step: &Step,
        index: usize,
        in_finally: bool,
        item: Option<usize>,
        attempts: Vec<Attempt>,
        started: Instant,
    ) -> StepRecord {
        let status = attempts.last().map_or(StepStatus::Passed, Attempt::status);
        let detail = if status.is_failure() || self.ctx.full_exchanges {
            Detail::Full
        } else {
            Detail::Summary
        };
        let mut title = self.title(step, attempts.last());
        if let Some(i) = item {
            title = format!("{title} [{i}]");
        }
        let secrets = &self.secrets;
        StepRecord {
            index,
            id: step.id.clone(),
            title: crate::record::build::text_owned(title, secrets),
            kind: step.kind().to_owned(),
            location: self.location(step.pos),
            in_finally,
            item,
            status,
            allowed_failure: status.is_failure() && step.continue_on_error,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            skip_reason: None,
            attempts: attempts
                .into_iter()
                .zip(1..)
                .map(|(a, n)| a.finish(n, secrets, detail))
                .collect(),
        }
    }

    /// The rendered name, else the id, else the rendered request line.
    fn title(&self, step: &Step, last: Option<&Attempt>) -> String {
        if let Some(name) = &step.name {
            return match name.render(&self.scope.context()) {
                Ok(t) => t.into_owned(),
                Err(_) => name.source_text().to_owned(),
            };
        }
        if let Some(id) = &step.id {
            return id.clone();
        }
        match last.and_then(|a| a.request_line.clone()) {
            Some(line) => line,
            None => static_title(step),
        }
    }
}

/// One entry of `steps.ID.iterations`.
fn iteration_value(a: &Attempt) -> Value {
    let mut map = BTreeMap::new();
    if let Some(resp) = a.response() {
        map.insert(
            "response".to_owned(),
            super::request::response_fields(resp, &a.exchanges),
        );
    }
    let captures: BTreeMap<&str, Value> = a
        .captures
        .iter()
        .map(|(name, _, v)| (name.as_str(), crate::template::to_value(v)))
        .collect();
    map.insert("captures".to_owned(), crate::template::to_value(captures));
    crate::template::to_value(map)
}
