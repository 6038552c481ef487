//! The human report: a line per step, failures expanded with where the check was written, the
//! request line and an excerpt of the response; `-v` dumps every exchange.
//!
//! Output of concurrently running workflows is grouped: each workflow's lines are buffered and
//! written as one block when it finishes, so lines never interleave.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::output::Output;
use super::style::Style;
use crate::diagnostic::Diagnostic;
use crate::duration::human;
use crate::http::{PreparedBody, PreparedPart, PreparedRequest, Response};
use crate::run::check::excerpt;
use crate::run::event::{Event, Reporter};
use crate::run::outcome::{Exchange, StepOutcome, StepStatus, WorkflowOutcome};
use crate::secrets::{MASK, is_sensitive_header};

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
    /// Buffer each workflow's lines until it finishes (several run at once).
    grouped: bool,
    buffers: Mutex<HashMap<usize, String>>,
}

const BODY_EXCERPT: usize = 800;
const VERBOSE_BODY: usize = 4000;

impl TerminalReporter {
    pub fn new(output: Arc<Output>, style: Style, verbosity: Verbosity, grouped: bool) -> Self {
        Self {
            output,
            style,
            verbosity,
            grouped,
            buffers: Mutex::new(HashMap::new()),
        }
    }

    fn emit(&self, index: usize, text: String, done: bool) {
        if !self.grouped {
            self.output.out(&text);
            return;
        }
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        let buf = buffers.entry(index).or_default();
        buf.push_str(&text);
        if done {
            let block = buffers.remove(&index).unwrap_or_default();
            drop(buffers);
            self.output.out(&block);
        }
    }

    fn step_line(&self, o: &StepOutcome) -> String {
        let s = self.style;
        let (mark, title) = match o.status {
            StepStatus::Passed => (s.green("✓"), o.title.clone()),
            StepStatus::Failed | StepStatus::Errored if o.continue_on_error => {
                (s.yellow("!"), o.title.clone())
            }
            StepStatus::Failed | StepStatus::Errored => (s.red("✗"), s.bold(&o.title)),
            StepStatus::Skipped => (s.dim("○"), s.dim(&o.title)),
        };
        let mut line = format!("  {mark} {title}");
        if o.in_finally {
            line.push_str(&s.dim(" [finally]"));
        }
        if let Some(ex) = &o.last.exchange {
            let status = ex.response.as_ref().map(|r| {
                let code = r.status.to_string();
                if r.status < 400 {
                    s.green(&code)
                } else {
                    s.red(&code)
                }
            });
            if o.named {
                let target = format!("{} {}", ex.request.method, short_url(&ex.request.url));
                line.push_str(&format!("  {}", s.dim(&target)));
            }
            if let Some(status) = status {
                line.push_str(&format!(" → {status}"));
            }
        }
        match o.status {
            StepStatus::Skipped => {
                if let Some(reason) = &o.skip_reason {
                    line.push_str(&s.dim(&format!("  skipped: {reason}")));
                }
            }
            _ => {
                let mut extra = Vec::new();
                if o.attempts as usize > o.iterations.max(1) {
                    extra.push(format!("{} attempts", o.attempts));
                }
                if o.iterations > 0 {
                    extra.push(format!("{} items", o.iterations));
                }
                extra.push(human(o.duration));
                line.push_str(&s.dim(&format!("  ({})", extra.join(", "))));
            }
        }
        line.push('\n');
        line
    }

    fn step_details(&self, o: &StepOutcome) -> String {
        let s = self.style;
        let mut out = String::new();
        if !matches!(o.status, StepStatus::Failed | StepStatus::Errored) {
            return out;
        }
        let pad = "      ";
        if let Some((i, item)) = &o.failed_item {
            out.push_str(&format!("{pad}{} item {i}: {item}\n", s.yellow("in")));
        }
        if o.attempts > 1 && o.failed_item.is_none() {
            out.push_str(&format!(
                "{pad}{}\n",
                s.yellow(&format!("the last of {} attempts:", o.attempts))
            ));
        }
        if let Some(e) = &o.last.error {
            let d = Diagnostic::new(e.message.clone()).at(e.loc.clone());
            out.push_str(&d.render(s, pad));
        }
        for f in &o.last.failures {
            out.push_str(&format!(
                "{pad}{} {}: expected {}, actual {}\n{pad}  {} {}\n",
                s.red("✗"),
                s.bold(&f.subject),
                s.green(&f.expected),
                s.red(&f.actual),
                s.blue("-->"),
                f.loc
            ));
        }
        if let Some(Exchange {
            request,
            response: Some(r),
        }) = &o.last.exchange
        {
            out.push_str(&format!(
                "{pad}{} {} {}\n",
                s.dim("request:"),
                request.method,
                request.url
            ));
            out.push_str(&format!(
                "{pad}{} {} {}\n",
                s.dim("response:"),
                r.status,
                describe_body(r)
            ));
            for line in body_excerpt(r, BODY_EXCERPT).lines().take(20) {
                out.push_str(&format!("{pad}  {}\n", s.dim(line)));
            }
        }
        out
    }

    fn exchange_dump(&self, step: &str, ex: &Exchange, error: Option<&str>) -> String {
        let s = self.style;
        let pad = "      ";
        let mut out = format!("    {} {}\n", s.cyan("·"), s.dim(step));
        let req: &PreparedRequest = &ex.request;
        out.push_str(&format!(
            "{pad}{} {} {}\n",
            s.cyan(">"),
            s.bold(&req.method),
            req.url
        ));
        for (n, v) in &req.headers {
            out.push_str(&format!(
                "{pad}{} {}: {}\n",
                s.cyan(">"),
                n.to_ascii_lowercase(),
                header_value(n, v)
            ));
        }
        match &req.body {
            PreparedBody::None => {}
            PreparedBody::Bytes { bytes, .. } => {
                let text = String::from_utf8_lossy(bytes);
                let text = mask_form_fields(&text);
                out.push_str(&format!("{pad}{}\n", s.cyan(">")));
                for line in excerpt(&text, VERBOSE_BODY).lines() {
                    out.push_str(&format!("{pad}{} {line}\n", s.cyan(">")));
                }
            }
            PreparedBody::File { .. } => {}
            PreparedBody::Multipart(parts) => {
                for p in parts {
                    let line = match p {
                        PreparedPart::Text { name, value } => {
                            format!("part {name}: {}", excerpt(value, 200))
                        }
                        PreparedPart::File { name, path, .. } => {
                            format!("part {name}: file {}", path.display())
                        }
                    };
                    out.push_str(&format!("{pad}{} {line}\n", s.cyan(">")));
                }
            }
        }
        match (&ex.response, error) {
            (Some(r), _) => {
                out.push_str(&format!(
                    "{pad}{} {} {} {}\n",
                    s.cyan("<"),
                    r.version,
                    s.bold(&r.status.to_string()),
                    s.dim(&format!("({})", human(r.duration)))
                ));
                for (n, v) in &r.headers {
                    out.push_str(&format!(
                        "{pad}{} {n}: {}\n",
                        s.cyan("<"),
                        header_value(n, v)
                    ));
                }
                if !r.body.is_empty() {
                    out.push_str(&format!("{pad}{}\n", s.cyan("<")));
                    for line in body_excerpt(r, VERBOSE_BODY).lines() {
                        out.push_str(&format!("{pad}{} {line}\n", s.cyan("<")));
                    }
                }
            }
            (None, Some(e)) => out.push_str(&format!("{pad}{} {}\n", s.red("<"), s.red(e))),
            (None, None) => {}
        }
        out
    }

    fn workflow_footer(&self, o: &WorkflowOutcome) -> String {
        let s = self.style;
        let mut out = String::new();
        if let Some(e) = &o.error {
            out.push_str(
                &Diagnostic::new(e.message.clone())
                    .at(e.loc.clone())
                    .render(s, "  "),
            );
        }
        let counts = format!(
            "{} passed, {} failed, {} skipped",
            o.count(StepStatus::Passed),
            o.count(StepStatus::Failed) + o.count(StepStatus::Errored),
            o.count(StepStatus::Skipped)
        );
        let verdict = if o.interrupted {
            s.yellow("interrupted")
        } else if o.passed() {
            s.green_bold("passed")
        } else {
            s.red_bold("FAILED")
        };
        out.push_str(&format!(
            "  {verdict} {}\n\n",
            s.dim(&format!("· {counts} · {}", human(o.duration)))
        ));
        out
    }
}

impl Reporter for TerminalReporter {
    fn on_event(&self, event: &Event<'_>) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        match event {
            Event::WorkflowStarted { index, workflow } => {
                let s = self.style;
                let text = format!(
                    "{} {}  {}\n",
                    s.bold("▶"),
                    s.bold(&workflow.name),
                    s.dim(&workflow.file.display())
                );
                self.emit(*index, text, false);
            }
            Event::Exchange {
                index,
                step,
                exchange,
                error,
            } => {
                if self.verbosity == Verbosity::Verbose {
                    self.emit(*index, self.exchange_dump(step, exchange, *error), false);
                }
            }
            Event::StepFinished { index, outcome } => {
                let text = self.step_line(outcome) + &self.step_details(outcome);
                self.emit(*index, text, false);
            }
            Event::WorkflowFinished { index, outcome } => {
                self.emit(*index, self.workflow_footer(outcome), true);
            }
        }
    }
}

fn short_url(url: &url::Url) -> String {
    let text = url.as_str();
    match text.char_indices().nth(100) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

fn header_value(name: &str, value: &str) -> String {
    if is_sensitive_header(name) {
        // Keep the scheme word, which says what kind of credential it was.
        match value.split_once(' ') {
            Some((scheme, _)) if name.eq_ignore_ascii_case("authorization") => {
                format!("{scheme} {MASK}")
            }
            _ => MASK.to_owned(),
        }
    } else {
        value.to_owned()
    }
}

/// Masks sensitive fields of a form-encoded body, whatever their values.
fn mask_form_fields(text: &str) -> String {
    if !text.contains('=') || text.contains(char::is_whitespace) {
        return text.to_owned();
    }
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if crate::secrets::is_sensitive_field(k) => format!("{k}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn describe_body(r: &Response) -> String {
    let ct = r.header("content-type").unwrap_or("no content type");
    format!("({ct}, {} bytes)", r.body.len())
}

/// The body for people: JSON pretty-printed, text as is, cut at `max` characters.
fn body_excerpt(r: &Response, max: usize) -> String {
    let text = match r.json() {
        Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        None if std::str::from_utf8(&r.body).is_err() && r.body.contains(&0) => {
            format!("<{} bytes of binary data>", r.body.len())
        }
        None => r.text().into_owned(),
    };
    excerpt(&text, max)
}
