//! Executes one workflow: vars, then each step (condition → loop → retry → action → captures
//! → checks), then `finally`, then outputs, emitting an event as each step finishes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use minijinja::Value;

use super::check::{self, describe_capture};
use super::event::{Event, Reporter};
use super::outcome::{
    Attempt, AttemptSummary, CaptureRecord, CheckFailure, Exchange, StepError, StepOutcome,
    StepStatus, WorkflowOutcome,
};
use super::prepare::{PrepareError, prepare, set_bearer};
use super::retry;
use super::tokens::{ProviderRequest, TokenStore};
use crate::http::{HttpClient, Response};
use crate::model::{Action, AuthSpec, RequestStep, Step, Workflow};
use crate::secrets::{Redactor, is_sensitive_header};
use crate::source::{Loc, Pos};
use crate::template::{RenderError, Scope};

/// Everything a run shares across workflows: one HTTP client (connection pools), the token
/// store, the secrets, the reporter and the interrupt signal.
pub struct RunContext {
    pub http: HttpClient,
    pub tokens: TokenStore,
    pub secrets: Redactor,
    pub reporter: Arc<dyn Reporter>,
    pub interrupt: Interrupt,
}

/// Set once on Ctrl-C or SIGTERM: no new step starts, in-flight requests are cancelled.
#[derive(Clone, Default)]
pub struct Interrupt {
    flag: Arc<std::sync::atomic::AtomicBool>,
    notify: Arc<tokio::sync::Notify>,
}

impl Interrupt {
    pub fn trigger(&self) {
        self.flag.store(true, std::sync::atomic::Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_set(&self) -> bool {
        self.flag.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub async fn wait(&self) {
        let notified = self.notify.notified();
        if self.is_set() {
            return;
        }
        notified.await;
    }
}

/// Runs a workflow to completion and reports it.
pub async fn run_workflow(
    ctx: &RunContext,
    wf: &Workflow,
    index: usize,
    inputs: BTreeMap<String, Value>,
) -> WorkflowOutcome {
    ctx.reporter.on_event(&Event::WorkflowStarted {
        index,
        workflow: wf,
    });
    let outcome = WorkflowRun::new(ctx, wf, index, inputs, false).run().await;
    ctx.reporter.on_event(&Event::WorkflowFinished {
        index,
        outcome: &outcome,
    });
    outcome
}

struct WorkflowRun<'a> {
    ctx: &'a RunContext,
    wf: &'a Workflow,
    index: usize,
    scope: Scope,
    /// Included workflows report through their include step, not on their own.
    nested: bool,
    steps: Vec<StepOutcome>,
    failed: bool,
    /// The attempts of the step running now.
    history: Vec<AttemptSummary>,
    /// The `for_each` item running now.
    item: Option<usize>,
    /// Running `finally` steps: an interrupt no longer cancels anything (a second one exits).
    in_finally: bool,
}

impl<'a> WorkflowRun<'a> {
    fn new(
        ctx: &'a RunContext,
        wf: &'a Workflow,
        index: usize,
        inputs: BTreeMap<String, Value>,
        nested: bool,
    ) -> Self {
        Self {
            ctx,
            wf,
            index,
            scope: Scope::new(inputs),
            nested,
            steps: Vec::new(),
            failed: false,
            history: Vec::new(),
            item: None,
            in_finally: false,
        }
    }

    fn loc(&self, pos: Pos) -> Loc {
        Loc::new(&self.wf.file, pos)
    }

    /// Whether an interrupt should stop what runs now (never in `finally`).
    fn stopping(&self) -> bool {
        !self.in_finally && self.ctx.interrupt.is_set()
    }

    /// Resolves on an interrupt, except during `finally`, which runs to its end.
    async fn interrupted(&self) {
        if self.in_finally {
            std::future::pending::<()>().await;
        }
        self.ctx.interrupt.wait().await;
    }

    async fn run(mut self) -> WorkflowOutcome {
        let started = Instant::now();
        let mut error = self.eval_vars().err();
        let mut interrupted = false;
        if error.is_none() {
            let timeout = self.wf.timeout;
            // Every wait inside a step (request, sleep, retry delay, token) ends on an
            // interrupt, so the loop itself only needs the workflow's time bound.
            let steps = async {
                for (i, step) in self.wf.steps.iter().enumerate() {
                    self.run_step(step, i, false).await;
                }
            };
            with_timeout(timeout, steps).await;
            interrupted = self.stopping();
            // A timeout drops the step in flight: it and the rest are accounted for here.
            let timed_out = self.steps.len() < self.wf.steps.len();
            if timed_out {
                let d = timeout.unwrap_or_default();
                error = Some(StepError {
                    message: format!(
                        "the workflow timed out after {} (its `timeout`)",
                        crate::duration::human(d)
                    ),
                    loc: self.loc(Pos::new(1, 1)),
                });
            }
            let first_unfinished = self.steps.len();
            for (i, step) in self.wf.steps.iter().enumerate().skip(first_unfinished) {
                let reason = if i == first_unfinished {
                    "the workflow timed out while this step ran"
                } else {
                    "the workflow timed out"
                };
                let o = self.skipped(step, i, false, reason.into());
                self.record(o);
            }
            if error.is_some() {
                self.failed = true;
            }
        } else {
            self.failed = true;
            for (i, step) in self.wf.steps.iter().enumerate() {
                let o = self.skipped(step, i, false, "a var could not be computed".into());
                self.record(o);
            }
        }
        // Clean-up runs whatever happened, interrupt included.
        self.in_finally = true;
        let base = self.wf.steps.len();
        for (i, step) in self.wf.finally.iter().enumerate() {
            self.run_step(step, base + i, true).await;
        }
        let outputs = match self.eval_outputs() {
            Ok(o) => o,
            Err(e) => {
                error.get_or_insert(e);
                Vec::new()
            }
        };
        WorkflowOutcome {
            path: self.wf.file.display(),
            name: self.wf.name.clone(),
            steps: self.steps,
            duration: started.elapsed(),
            error,
            outputs,
            interrupted,
        }
    }

    fn render_error(&self, e: RenderError) -> StepError {
        StepError {
            message: e.message,
            loc: self.loc(e.pos),
        }
    }

    fn eval_vars(&mut self) -> Result<(), StepError> {
        for var in &self.wf.vars {
            let value = var
                .value
                .render(&self.scope.context())
                .map_err(|e| self.render_error(e))?;
            self.scope.set_var(&var.name, value);
        }
        Ok(())
    }

    fn eval_outputs(&self) -> Result<Vec<(String, serde_json::Value)>, StepError> {
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

    fn record(&mut self, mut outcome: StepOutcome) {
        outcome.history = std::mem::take(&mut self.history);
        self.item = None;
        if matches!(outcome.status, StepStatus::Failed | StepStatus::Errored)
            && !outcome.continue_on_error
        {
            self.failed = true;
        }
        if !self.nested {
            self.ctx.reporter.on_event(&Event::StepFinished {
                index: self.index,
                outcome: &outcome,
            });
        }
        // Reporters have seen the whole exchange; a passed step keeps only its summary, so a
        // long run does not hold every response body until the end.
        if matches!(outcome.status, StepStatus::Passed | StepStatus::Skipped) {
            if let Some(ex) = &mut outcome.last.exchange {
                ex.response = ex.response.as_deref().map(|r| Arc::new(r.summary()));
            }
        }
        self.steps.push(outcome);
    }

    fn skipped(&self, step: &Step, index: usize, in_finally: bool, reason: String) -> StepOutcome {
        let mut o = self.outcome(step, index, in_finally, Attempt::default(), Duration::ZERO);
        o.status = StepStatus::Skipped;
        o.skip_reason = Some(reason);
        o.attempts = 0;
        o
    }

    fn outcome(
        &self,
        step: &Step,
        index: usize,
        in_finally: bool,
        last: Attempt,
        duration: Duration,
    ) -> StepOutcome {
        StepOutcome {
            index,
            id: step.id.clone(),
            title: step.title(),
            named: step.name.is_some() || step.id.is_some(),
            kind: step.kind(),
            loc: self.loc(step.pos),
            in_finally,
            status: last.status(),
            duration,
            last,
            attempts: 1,
            history: Vec::new(),
            iterations: 0,
            failed_item: None,
            skip_reason: None,
            continue_on_error: step.continue_on_error,
        }
    }

    async fn run_step(&mut self, step: &Step, index: usize, in_finally: bool) {
        if self.stopping() {
            let o = self.skipped(step, index, in_finally, "interrupted".into());
            return self.record(o);
        }
        if self.failed && !in_finally {
            let o = self.skipped(step, index, in_finally, "an earlier step failed".into());
            return self.record(o);
        }
        let started = Instant::now();
        if let Some(cond) = &step.condition {
            match cond.is_true(&self.scope.context()) {
                Ok(true) => {}
                Ok(false) => {
                    let o = self.skipped(
                        step,
                        index,
                        in_finally,
                        format!("`if: {}` was false", cond.source()),
                    );
                    return self.record(o);
                }
                Err(e) => {
                    let o = self.outcome(
                        step,
                        index,
                        in_finally,
                        Attempt::errored(self.render_error(e)),
                        started.elapsed(),
                    );
                    return self.record(o);
                }
            }
        }
        let outcome = match &step.for_each {
            Some(crate::model::ForEach::Expr(expr)) => {
                self.run_loop(step, expr, index, in_finally, started).await
            }
            Some(crate::model::ForEach::Items { .. }) => {
                unimplemented!("for_each from a file is run by the runner rework")
            }
            None => {
                let (last, attempts) = self.attempts(step).await;
                let mut o = self.outcome(step, index, in_finally, last, started.elapsed());
                o.attempts = attempts;
                o
            }
        };
        self.record(outcome);
    }

    async fn run_loop(
        &mut self,
        step: &Step,
        expr: &crate::template::Expr,
        index: usize,
        in_finally: bool,
        started: Instant,
    ) -> StepOutcome {
        let items: Vec<Value> = match expr.eval(&self.scope.context()) {
            Ok(v) => match v.try_iter() {
                Ok(iter) if v.kind() != minijinja::value::ValueKind::String => iter.collect(),
                _ => {
                    let err = StepError {
                        message: format!(
                            "`for_each: {}` must give a list, it gave {v}",
                            expr.source()
                        ),
                        loc: self.loc(expr.pos),
                    };
                    return self.outcome(
                        step,
                        index,
                        in_finally,
                        Attempt::errored(err),
                        started.elapsed(),
                    );
                }
            },
            Err(e) => {
                return self.outcome(
                    step,
                    index,
                    in_finally,
                    Attempt::errored(self.render_error(e)),
                    started.elapsed(),
                );
            }
        };
        let mut iterations = Vec::with_capacity(items.len());
        let mut last = Attempt::default();
        let mut total_attempts = 0;
        let mut failed_item = None;
        for (i, item) in items.iter().enumerate() {
            if self.stopping() {
                break;
            }
            self.scope.set_local("item", item.clone());
            self.scope.set_local("index", Value::from(i));
            self.item = Some(i);
            let (attempt, n) = self.attempts(step).await;
            total_attempts += n;
            iterations.push(iteration_value(&attempt));
            let failed = attempt.status() != StepStatus::Passed;
            last = attempt;
            if failed {
                failed_item = Some((i, check::excerpt(&item.to_string(), 80)));
                break;
            }
        }
        self.scope.clear_local("item");
        self.scope.clear_local("index");
        if let Some(id) = &step.id {
            let value = crate::template::to_value(BTreeMap::from([(
                "iterations",
                Value::from(iterations.clone()),
            )]));
            self.scope.set_step(id, value);
        }
        let mut o = self.outcome(step, index, in_finally, last, started.elapsed());
        o.attempts = total_attempts;
        o.iterations = iterations.len();
        o.failed_item = failed_item;
        o
    }

    /// Runs the action once, or under `retry` until it passes (or `until` holds).
    async fn attempts(&mut self, step: &Step) -> (Attempt, u32) {
        let Some(policy) = &step.retry else {
            let attempt = self.attempt(step).await;
            self.history
                .push(AttemptSummary::of(&attempt, 1, self.item));
            return (attempt, 1);
        };
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
            self.history
                .push(AttemptSummary::of(&attempt, n, self.item));
            let retryable = retry::applies(&policy.on, &attempt);
            if done || !retryable || n >= policy.attempts || self.stopping() {
                if !done {
                    if let Some(until) = &policy.until {
                        if attempt.error.is_none() {
                            attempt.failures.push(CheckFailure {
                                subject: "retry until".into(),
                                expected: format!("`{}` to become true", until.source()),
                                actual: format!(
                                    "still false after {n} attempt{}",
                                    if n == 1 { "" } else { "s" }
                                ),
                                loc: self.loc(until.pos),
                            });
                        }
                    }
                }
                self.scope.clear_local("attempt");
                return (attempt, n);
            }
            let delay = retry::delay(
                policy,
                n,
                attempt
                    .exchange
                    .as_ref()
                    .and_then(|e| e.response.as_deref()),
            );
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
        let mut attempt = match with_timeout(timeout, self.action(step)).await {
            Some(a) => a,
            None => Attempt::errored(StepError {
                message: format!(
                    "the step timed out after {} (its `timeout`)",
                    crate::duration::human(timeout.unwrap_or_default())
                ),
                loc: self.loc(pos),
            }),
        };
        attempt.duration = started.elapsed();
        attempt
    }

    async fn action(&mut self, step: &Step) -> Attempt {
        match &step.action {
            Action::Request(r) => self.request(step, r).await,
            Action::Set(items) => {
                for item in items {
                    match item.value.render(&self.scope.context()) {
                        Ok(v) => self.scope.set_name(&item.name, v),
                        Err(e) => return Attempt::errored(self.render_error(e)),
                    }
                }
                Attempt::default()
            }
            Action::Assert(items) => {
                let ctx = self.scope.context();
                let mut attempt = Attempt::default();
                for item in items {
                    attempt.checks += 1;
                    match item.that.is_true(&ctx) {
                        Ok(true) => {}
                        Ok(false) => attempt.failures.push(CheckFailure {
                            subject: "assert".into(),
                            expected: item
                                .message
                                .clone()
                                .unwrap_or_else(|| format!("`{}`", item.that.source())),
                            actual: format!("`{}` is false", item.that.source()),
                            loc: self.loc(item.pos),
                        }),
                        Err(e) => return Attempt::errored(self.render_error(e)),
                    }
                }
                attempt
            }
            Action::Sleep(d) => {
                tokio::select! {
                    _ = tokio::time::sleep(*d) => {}
                    _ = self.interrupted() => {}
                }
                Attempt::default()
            }
            Action::Include(inc) => self.include(step, inc).await,
        }
    }

    async fn include(&mut self, step: &Step, inc: &crate::model::Include) -> Attempt {
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
        let inputs = match crate::inputs::resolve_nested(&inc.workflow, given, &self.ctx.secrets) {
            Ok(i) => i,
            Err(msg) => {
                return Attempt::errored(StepError {
                    message: msg,
                    loc: self.loc(step.pos),
                });
            }
        };
        let mut run = WorkflowRun::new(self.ctx, &inc.workflow, self.index, inputs, true);
        run.in_finally = self.in_finally;
        let outcome = Box::pin(run.run()).await;
        let mut attempt = Attempt::default();
        for s in outcome
            .steps
            .iter()
            .filter(|s| matches!(s.status, StepStatus::Failed | StepStatus::Errored))
        {
            if let Some(e) = &s.last.error {
                attempt.error.get_or_insert(StepError {
                    message: format!("included step `{}` failed: {}", s.title, e.message),
                    loc: e.loc.clone(),
                });
            }
            for f in &s.last.failures {
                let mut f = f.clone();
                f.subject = format!("{} (included step `{}`)", f.subject, s.title);
                attempt.failures.push(f);
            }
            attempt.exchange = s.last.exchange.clone().or(attempt.exchange);
        }
        if let Some(e) = outcome.error {
            attempt.error.get_or_insert(e);
        }
        if let Some(id) = &step.id {
            let outputs: BTreeMap<String, Value> = outcome
                .outputs
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

    async fn request(&mut self, step: &Step, r: &RequestStep) -> Attempt {
        let ctx = self.scope.context();
        let mut req = match prepare(&r.spec, &ctx, &self.ctx.secrets) {
            Ok(req) => req,
            Err(PrepareError::Render(e)) => return Attempt::errored(self.render_error(e)),
            Err(PrepareError::Invalid(msg)) => {
                return Attempt::errored(StepError {
                    message: msg,
                    loc: self.loc(step.pos),
                });
            }
        };
        let provider = match &r.spec.auth {
            AuthSpec::Provider(name) => match self.provider(name, &ctx) {
                Ok(p) => Some(p),
                Err(e) => return Attempt::errored(e),
            },
            _ => None,
        };
        let mut token = None;
        if let Some(p) = &provider {
            match self.token(p, None).await {
                Ok(t) => {
                    set_bearer(&mut req, &t);
                    token = Some(t);
                }
                Err(msg) => {
                    return Attempt::errored(StepError {
                        message: msg,
                        loc: self.loc(step.pos),
                    });
                }
            }
        }
        let mut result = self.send(step, req.clone()).await;
        // A 401 with a provider's token: renew once, repeat once.
        if let (Some(p), Some(stale), Ok(ex)) = (&provider, &token, &result) {
            if ex.response.as_ref().is_some_and(|r| r.status == 401) {
                match self.token(p, Some(stale)).await {
                    Ok(t) => {
                        set_bearer(&mut req, &t);
                        result = self.send(step, req).await;
                    }
                    Err(msg) => {
                        return Attempt::errored(StepError {
                            message: msg,
                            loc: self.loc(step.pos),
                        });
                    }
                }
            }
        }
        let exchange = match result {
            Ok(ex) => ex,
            Err(attempt) => return *attempt,
        };
        let response = Arc::clone(
            exchange
                .response
                .as_ref()
                .expect("a sent exchange has a response"),
        );
        let mut attempt = Attempt {
            exchange: Some(exchange),
            ..Attempt::default()
        };
        if let Some(id) = &step.id {
            self.scope.set_step(id, response_value(&response));
        }
        for c in &r.captures {
            match check::capture(c, &response) {
                Ok(Some(v)) => {
                    if c.secret {
                        self.ctx.secrets.add(
                            &v.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| v.to_string()),
                        );
                    }
                    attempt.captures.push(CaptureRecord {
                        name: c.name.clone(),
                        secret: c.secret,
                        value: serde_json::to_string(&v).unwrap_or_default(),
                    });
                    self.scope.set_name(&c.name, v);
                }
                Ok(None) if c.optional => {}
                Ok(None) => attempt.failures.push(CheckFailure {
                    subject: format!("capture `{}`", c.name),
                    expected: format!("{} to select a value", describe_capture(c)),
                    actual: "nothing selected".into(),
                    loc: self.loc(c.pos),
                }),
                Err(msg) => attempt.failures.push(CheckFailure {
                    subject: format!("capture `{}`", c.name),
                    expected: format!("{} to select a value", describe_capture(c)),
                    actual: msg,
                    loc: self.loc(c.pos),
                }),
            }
        }
        attempt.checks = r.checks.len();
        match check::evaluate(&r.checks, &response, &self.scope.context(), &self.wf.file) {
            Ok(failures) => attempt.failures.extend(failures),
            Err(e) => attempt.error = Some(self.render_error(e)),
        }
        attempt
    }

    /// Sends a request, reporting the exchange; a transport failure becomes an errored attempt.
    async fn send(
        &self,
        step: &Step,
        req: crate::http::PreparedRequest,
    ) -> Result<Exchange, Box<Attempt>> {
        let request = Arc::new(req);
        let result = tokio::select! {
            r = self.ctx.http.send(&request) => r,
            _ = self.interrupted() => Err(crate::http::TransportError::Other("interrupted".into())),
        };
        let title = step.title();
        match result {
            Ok(response) => {
                for (name, value) in &response.headers {
                    if is_sensitive_header(name) {
                        self.ctx.secrets.add(value);
                    }
                }
                super::tokens::register_token_fields(&response, &self.ctx.secrets);
                let exchange = Exchange {
                    request,
                    response: Some(Arc::new(response)),
                };
                self.ctx.reporter.on_event(&Event::Exchange {
                    index: self.index,
                    step: &title,
                    exchange: &exchange,
                    error: None,
                });
                Ok(exchange)
            }
            Err(e) => {
                let message = format!("{} {}: {e}", request.method, request.url);
                let exchange = Exchange {
                    request,
                    response: None,
                };
                self.ctx.reporter.on_event(&Event::Exchange {
                    index: self.index,
                    step: &title,
                    exchange: &exchange,
                    error: Some(&message),
                });
                let mut attempt = Attempt::errored(StepError {
                    message,
                    loc: self.loc(step.pos),
                });
                attempt.exchange = Some(exchange);
                Err(Box::new(attempt))
            }
        }
    }

    fn provider(&self, name: &str, ctx: &Value) -> Result<ProviderRequest, StepError> {
        let p = self
            .wf
            .auth
            .iter()
            .find(|p| p.name == name)
            .expect("provider names are checked at load");
        let r = |t: &crate::template::Text| {
            t.render(ctx)
                .map(|s| s.into_owned())
                .map_err(|e| self.render_error(e))
        };
        let client = match &p.client {
            Some(c) => Some((r(&c.id)?, r(&c.secret)?)),
            None => None,
        };
        Ok(ProviderRequest {
            name: p.name.clone(),
            token_url: r(&p.token_url)?,
            grant_type: r(&p.grant_type)?,
            params: p
                .params
                .iter()
                .map(|(k, v)| Ok((k.clone(), r(v)?)))
                .collect::<Result<_, StepError>>()?,
            client,
            scope: p.scope.as_ref().map(r).transpose()?,
            refresh_at: p.refresh_at,
        })
    }

    async fn token(&self, p: &ProviderRequest, stale: Option<&str>) -> Result<String, String> {
        let index = self.index;
        let reporter = Arc::clone(&self.ctx.reporter);
        let title = format!("auth provider `{}`", p.name);
        let on_exchange = move |ex: &Exchange, error: Option<&str>| {
            reporter.on_event(&Event::Exchange {
                index,
                step: &title,
                exchange: ex,
                error,
            });
        };
        let fetch =
            self.ctx
                .tokens
                .token(&self.ctx.http, &self.ctx.secrets, p, stale, &on_exchange);
        let token = tokio::select! {
            t = fetch => t?,
            _ = self.interrupted() => return Err(format!("auth provider `{}`: interrupted", p.name)),
        };
        self.ctx.secrets.add(&token);
        Ok(token)
    }
}

async fn with_timeout<F: std::future::Future>(
    timeout: Option<Duration>,
    fut: F,
) -> Option<F::Output> {
    match timeout {
        Some(t) => tokio::time::timeout(t, fut).await.ok(),
        None => Some(fut.await),
    }
}

/// `steps.ID.response` as templates see it.
fn response_value(r: &Response) -> Value {
    let mut headers: BTreeMap<&str, &str> = BTreeMap::new();
    for (n, v) in &r.headers {
        headers.entry(n.as_str()).or_insert(v.as_str());
    }
    let response = BTreeMap::from([
        ("status", Value::from(r.status)),
        ("headers", crate::template::to_value(&headers)),
        (
            "json",
            r.json()
                .map(crate::template::to_value)
                .unwrap_or(Value::from(())),
        ),
        ("body", Value::from(r.text().into_owned())),
        ("duration_ms", Value::from(r.duration.as_millis() as u64)),
    ]);
    crate::template::to_value(BTreeMap::from([("response", response)]))
}

/// One entry of `steps.ID.iterations`.
fn iteration_value(a: &Attempt) -> Value {
    let mut map = BTreeMap::new();
    if let Some(resp) = a.exchange.as_ref().and_then(|e| e.response.as_deref()) {
        if let Ok(r) = response_value(resp).get_attr("response") {
            map.insert("response".to_owned(), r);
        }
    }
    let captures: BTreeMap<String, Value> = a
        .captures
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                serde_json::from_str::<serde_json::Value>(&c.value)
                    .map(crate::template::to_value)
                    .unwrap_or_default(),
            )
        })
        .collect();
    map.insert("captures".to_owned(), crate::template::to_value(captures));
    crate::template::to_value(map)
}
