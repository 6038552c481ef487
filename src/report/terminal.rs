//! The human report: a line per step, failures expanded with where each check was written and
//! the full exchange that failed (every hop, every header as sent and received, a body excerpt
//! that says how much it left out); `-v` shows every step's exchange with whole bodies;
//! `--quiet` keeps only the failed steps (in full) and the summary. A status code is green or
//! red by whether the step's status check held, uncoloured when it has none.
//!
//! Each workflow's lines are buffered and written as one block when it finishes whenever
//! several run at once (so lines never interleave) or `--quiet` may drop them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::output::Output;
use super::style::Style;
use crate::check::matcher::describe;
use crate::check::show;
use crate::duration::human;
use crate::record::{
    AttemptRecord, BodyRecord, CheckRecord, HopRecord, Location, StepRecord, StepStatus,
    WorkflowRecord, WorkflowStatus, duration_of,
};
use crate::run::event::{Event, Reporter};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

pub struct TerminalReporter {
    output: Arc<Output>,
    style: Style,
    verbosity: Verbosity,
    /// Buffer each workflow's lines until it finishes.
    grouped: bool,
    buffers: Mutex<HashMap<usize, String>>,
}

/// Lines of a body shown under a failed step (all of it under `-v`, up to the record's bound).
const EXCERPT_LINES: usize = 40;
const PAD: &str = "      ";

impl TerminalReporter {
    pub fn new(output: Arc<Output>, style: Style, verbosity: Verbosity, concurrent: bool) -> Self {
        Self {
            output,
            style,
            verbosity,
            grouped: concurrent || verbosity == Verbosity::Quiet,
            buffers: Mutex::new(HashMap::new()),
        }
    }

    fn emit(&self, index: usize, text: &str) {
        let text = &super::style::terminal_safe(text);
        if !self.grouped {
            self.output.out(text);
            return;
        }
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        buffers.entry(index).or_default().push_str(text);
    }

    fn flush(&self, index: usize, keep: bool) {
        let block = {
            let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
            buffers.remove(&index).unwrap_or_default()
        };
        if keep {
            self.output.out(&block);
        }
    }

    fn step_line(&self, r: &StepRecord) -> String {
        let s = self.style;
        let (mark, title) = match r.status {
            StepStatus::Passed => (s.green("✓"), r.title.clone()),
            _ if r.allowed_failure => (s.yellow("!"), r.title.clone()),
            StepStatus::Failed | StepStatus::Errored => (s.red("✗"), s.bold(&r.title)),
            StepStatus::Skipped => (s.dim("○"), s.dim(&r.title)),
        };
        let mut line = format!("  {mark} {title}");
        if r.in_finally {
            line.push_str(&s.dim(" [finally]"));
        }
        let own = r
            .last()
            .and_then(|a| a.exchanges.iter().rev().find(|h| h.purpose.is_none()));
        if let Some(hop) = own {
            // An untitled step's title is its request line already.
            if !r.title.starts_with(&hop.request.method) {
                let target = format!("{} {}", hop.request.method, short(&hop.request.url, 100));
                line.push_str(&format!("  {}", s.dim(&target)));
            }
            if let Some(resp) = &hop.response {
                let code = self.status_code(resp.status, status_held(r));
                line.push_str(&format!(" → {code}"));
            }
        }
        match (&r.status, &r.skip_reason) {
            (StepStatus::Skipped, Some(reason)) => {
                line.push_str(&s.dim(&format!("  skipped: {reason}")));
            }
            _ => {
                let mut extra = Vec::new();
                if r.attempts.len() > 1 {
                    extra.push(format!("{} attempts", r.attempts.len()));
                }
                if r.allowed_failure {
                    extra.push("continue_on_error".into());
                }
                extra.push(human(duration_of(r.duration_ms)));
                line.push_str(&s.dim(&format!("  ({})", extra.join(", "))));
            }
        }
        line.push('\n');
        line
    }

    fn step_details(&self, r: &StepRecord) -> String {
        let s = self.style;
        let mut out = String::new();
        if !r.status.is_failure() {
            return out;
        }
        let Some(last) = r.last() else { return out };
        if r.attempts.len() > 1 {
            let text = format!("the last of {} attempts:", r.attempts.len());
            out.push_str(&format!("{PAD}{}\n", s.yellow(&text)));
        }
        if let Some(e) = &last.error {
            out.push_str(&format!("{PAD}{} {}\n", s.red("error:"), e.message));
            if let Some(loc) = &e.location {
                out.push_str(&format!("{PAD}  {} {loc}\n", s.blue("-->")));
            }
        }
        for c in last.failed_checks() {
            out.push_str(&self.check_line(c));
        }
        for inner in &last.included {
            if inner.fails_workflow() {
                out.push_str(&format!(
                    "{PAD}{} {}\n",
                    s.dim("in included step"),
                    inner.title
                ));
            }
        }
        // The full exchange as sent and received (under `-v` it was printed above the line).
        if self.verbosity != Verbosity::Verbose {
            let held = status_held(r);
            for (n, hop) in last.exchanges.iter().enumerate() {
                out.push_str(&self.hop(hop, last.is_final_hop(n).then_some(held)));
            }
        }
        out
    }

    fn check_line(&self, c: &CheckRecord) -> String {
        let s = self.style;
        let expected = describe(&c.operator, &c.expected);
        let actual = match (&c.actual, &c.message) {
            (Some(v), Some(m)) => format!("{} ({m})", show(v)),
            (Some(v), None) => show(v),
            (None, Some(m)) => m.clone(),
            (None, None) => "nothing".into(),
        };
        format!(
            "{PAD}{} {}: expected {}, actual {}\n{PAD}  {} {}\n",
            s.red("✗"),
            s.bold(&c.subject),
            s.green(&expected),
            s.red(&actual),
            s.blue("-->"),
            location(&c.location)
        )
    }

    /// A status code coloured by whether the step's status check held (plain without one).
    fn status_code(&self, status: u16, held: Option<bool>) -> String {
        let code = status.to_string();
        match held {
            Some(true) => self.style.green(&code),
            Some(false) => self.style.red(&code),
            None => self.style.bold(&code),
        }
    }

    /// One hop: the request line, every header and the body as sent (when the record has
    /// them), then the response. `verdict` is set for the step's final response: whether its
    /// status was the one expected.
    fn hop(&self, hop: &HopRecord, verdict: Option<Option<bool>>) -> String {
        let s = self.style;
        let mut out = String::new();
        if let Some(p) = &hop.purpose {
            out.push_str(&format!("{PAD}{}\n", s.dim(&format!("({p})"))));
        }
        let req = &hop.request;
        out.push_str(&format!(
            "{PAD}{} {} {}\n",
            s.cyan(">"),
            s.bold(&req.method),
            req.url
        ));
        for h in &req.headers {
            out.push_str(&format!("{PAD}{} {}: {}\n", s.cyan(">"), h.name, h.value));
        }
        if let Some(b) = &req.body {
            out.push_str(&self.body(">", b));
        }
        match (&hop.response, &hop.error) {
            (Some(r), _) => {
                out.push_str(&format!(
                    "{PAD}{} {} {} {}\n",
                    s.cyan("<"),
                    r.version,
                    self.status_code(r.status, verdict.flatten()),
                    s.dim(&format!("({})", human(duration_of(r.duration_ms))))
                ));
                for h in &r.headers {
                    out.push_str(&format!("{PAD}{} {}: {}\n", s.cyan("<"), h.name, h.value));
                }
                if let Some(b) = &r.body {
                    out.push_str(&self.body("<", b));
                }
            }
            (None, Some(e)) => out.push_str(&format!("{PAD}{} {}\n", s.red("<"), s.red(e))),
            (None, None) => {}
        }
        out
    }

    fn body(&self, mark: &str, b: &BodyRecord) -> String {
        let s = self.style;
        let mark = s.cyan(mark);
        let Some(text) = &b.text else {
            let what = b.note.as_deref().unwrap_or("binary");
            return format!(
                "{PAD}{mark} {}\n",
                s.dim(&format!("<{what}, {} bytes>", b.size))
            );
        };
        if text.is_empty() {
            return String::new();
        }
        let limit = if self.verbosity == Verbosity::Verbose {
            usize::MAX
        } else {
            EXCERPT_LINES
        };
        // A blank marked line between the headers and the body, as in HTTP itself.
        let mut out = format!("{PAD}{mark}\n");
        let mut shown = 0;
        for line in text.lines().take(limit) {
            out.push_str(&format!("{PAD}{mark} {line}\n"));
            shown += line.len() + 1;
        }
        let hidden_lines = text.lines().count().saturating_sub(limit);
        if let Some(more) = more_text(hidden_lines, text.len().saturating_sub(shown), b.omitted) {
            out.push_str(&format!("{PAD}{mark} {}\n", s.dim(&more)));
        }
        out
    }

    fn verbose_dump(&self, r: &StepRecord) -> String {
        let s = self.style;
        let mut out = String::new();
        for (n, a) in r.attempts.iter().enumerate() {
            if a.exchanges.is_empty() {
                continue;
            }
            let label = match r.attempts.len() {
                1 => r.title.clone(),
                _ => format!("{} (attempt {})", r.title, n + 1),
            };
            out.push_str(&format!("    {} {}\n", s.cyan("·"), s.dim(&label)));
            let held = a.status_held();
            for (n, hop) in a.exchanges.iter().enumerate() {
                out.push_str(&self.hop(hop, a.is_final_hop(n).then_some(held)));
            }
        }
        out
    }

    fn workflow_footer(&self, w: &WorkflowRecord) -> String {
        let s = self.style;
        let mut out = String::new();
        if let Some(e) = &w.error {
            out.push_str(&format!("  {} {}\n", s.red("error:"), e.message));
            if let Some(loc) = &e.location {
                out.push_str(&format!("    {} {loc}\n", s.blue("-->")));
            }
        }
        let c = w.counts;
        let counts = format!(
            "{} passed, {} failed, {} skipped",
            c.passed, c.failed, c.skipped
        );
        let verdict = match w.status {
            WorkflowStatus::Interrupted => s.yellow("interrupted"),
            WorkflowStatus::Passed if c.failed > 0 => s.yellow("passed (failures allowed)"),
            WorkflowStatus::Passed => s.green_bold("passed"),
            WorkflowStatus::Failed => s.red_bold("FAILED"),
        };
        let took = human(duration_of(w.duration_ms));
        out.push_str(&format!(
            "  {verdict} {}\n\n",
            s.dim(&format!("· {counts} · {took}"))
        ));
        out
    }
}

impl Reporter for TerminalReporter {
    fn on_event(&self, event: &Event<'_>) {
        let quiet = self.verbosity == Verbosity::Quiet;
        match event {
            Event::WorkflowStarted { index, path, name } => {
                let s = self.style;
                self.emit(
                    *index,
                    &format!("{} {}  {}\n", s.bold("▶"), s.bold(name), s.dim(path)),
                );
            }
            Event::StepFinished { workflow, step } => {
                if quiet && !step.status.is_failure() {
                    return;
                }
                let mut text = String::new();
                if self.verbosity == Verbosity::Verbose {
                    text.push_str(&self.verbose_dump(step));
                }
                text.push_str(&self.step_line(step));
                text.push_str(&self.step_details(step));
                self.emit(*workflow, &text);
            }
            Event::WorkflowFinished { workflow } => {
                let keep = !quiet
                    || workflow.status != WorkflowStatus::Passed
                    || workflow.counts.failed > 0;
                if !quiet || keep {
                    self.emit(workflow.index, &self.workflow_footer(workflow));
                }
                self.flush(workflow.index, keep);
            }
            Event::RunStarted { .. } | Event::RunFinished { .. } => {}
        }
    }

    /// `--quiet` shows failed steps only.
    fn wants_passed_steps(&self) -> bool {
        self.verbosity != Verbosity::Quiet
    }
}

fn status_held(r: &StepRecord) -> Option<bool> {
    r.last().and_then(AttemptRecord::status_held)
}

/// The line closing a cut body: how much is not shown, and whether `-v` would show it.
/// `hidden_bytes` were left out of the excerpt, `not_kept` bytes were never recorded.
fn more_text(hidden_lines: usize, hidden_bytes: usize, not_kept: u64) -> Option<String> {
    let total = hidden_bytes as u64 + not_kept;
    match (hidden_lines, not_kept) {
        (0, 0) => None,
        (0, _) => Some(format!(
            "... {total} more bytes (not kept: reports keep 64 KiB of a body)"
        )),
        (lines, _) => Some(format!(
            "... {total} more bytes ({lines} more lines, -v shows them)"
        )),
    }
}

fn location(l: &Location) -> String {
    l.to_string()
}

fn short(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
#[path = "terminal_tests.rs"]
mod tests;
