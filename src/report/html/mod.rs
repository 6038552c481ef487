//! The HTML report: one self-contained file (inline CSS, no script, no external style, font or
//! image), readable offline and with scripts off. Every workflow, step and check is in it;
//! failed steps are open with their full exchange, the others collapsed; filters by status are
//! radio buttons and CSS alone.
//!
//! Built with maud, which escapes every interpolated value, from the record, which is already
//! redacted: a secret is masked before HTML escaping could change its form.

mod json;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::exchange_text::check_text;
use crate::check::matcher::describe;
use crate::check::show;
use crate::duration::human;
use crate::record::{
    AttemptRecord, BodyRecord, CheckRecord, Header, HopRecord, RunRecord, StepRecord, StepStatus,
    WorkflowRecord, WorkflowStatus,
};

const CSS: &str = include_str!("style.css");

pub fn render(run: &RunRecord) -> String {
    let t = run.summary;
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "apiflow report" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { "apiflow report" }
                    p.summary {
                        span.badge.(run_class(run)) { (run_verdict(run)) }
                        " "
                        (t.workflows) " workflow" (plural(t.workflows)) ": "
                        (t.workflows_passed) " passed, " (t.workflows_failed) " failed"
                        @if run.not_started > 0 { " (" (run.not_started) " not started)" }
                        " · steps: " (t.steps_passed) " passed, " (t.steps_failed) " failed, "
                        (t.steps_skipped) " skipped · " (ms(run.duration_ms))
                        span.dim { " · " (run.tool) " · " (run.started_at) }
                    }
                }
                // The radio buttons come before <main> so CSS sibling selectors can filter it.
                input #show-all type="radio" name="show" checked;
                input #show-failed type="radio" name="show";
                input #show-passed type="radio" name="show";
                input #show-skipped type="radio" name="show";
                nav.filters {
                    "Show: "
                    label for="show-all" { "all" }
                    label for="show-failed" { "failed" }
                    label for="show-passed" { "passed" }
                    label for="show-skipped" { "skipped" }
                }
                main {
                    @for w in &run.workflows { (workflow(w)) }
                }
            }
        }
    };
    // Control characters from names and bodies (an ESC, a NUL) have no place in HTML text: each
    // becomes U+FFFD. The page itself writes none but line breaks and tabs.
    let page = page.into_string();
    let unsafe_char = |c: char| c.is_control() && !matches!(c, '\n' | '\t' | '\r');
    if page.contains(unsafe_char) {
        page.replace(unsafe_char, "\u{FFFD}") + "\n"
    } else {
        page + "\n"
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn run_class(run: &RunRecord) -> &'static str {
    if run.interrupted {
        "interrupted"
    } else if run.summary.workflows_failed > 0 {
        "failed"
    } else {
        "passed"
    }
}

fn run_verdict(run: &RunRecord) -> &'static str {
    match run_class(run) {
        "interrupted" => "interrupted",
        "failed" => "FAILED",
        _ => "passed",
    }
}

fn ms(value: f64) -> String {
    human(crate::record::duration_of(value))
}

fn workflow(w: &WorkflowRecord) -> Markup {
    let (class, verdict) = match w.status {
        WorkflowStatus::Passed if w.counts.failed > 0 => ("passed", "passed (failures allowed)"),
        WorkflowStatus::Passed => ("passed", "passed"),
        WorkflowStatus::Failed => ("failed", "FAILED"),
        WorkflowStatus::Interrupted => ("interrupted", "interrupted"),
    };
    let badge = if verdict.starts_with("passed (") {
        "allowed"
    } else {
        class
    };
    let c = w.counts;
    html! {
        section.workflow.(class).has-failures[c.failed > 0] id=(format!("workflow-{}", w.index)) {
            header {
                h2 { (w.name) " " span.badge.(badge) { (verdict) } }
                div.dim.mono { (w.path) }
                div.dim {
                    (c.passed) " passed, " (c.failed) " failed, " (c.skipped) " skipped · "
                    (ms(w.duration_ms))
                }
            }
            @if let Some(e) = &w.error {
                p.error {
                    (e.message)
                    @if let Some(l) = &e.location { span.dim.mono { "  --> " (l) } }
                }
            }
            @for s in &w.steps { (step(s)) }
            @if !w.outputs.is_empty() {
                h3 { "Outputs" }
                table.outputs {
                    @for (k, v) in &w.outputs {
                        tr { td.mono { (k) } td.mono { (show(v)) } }
                    }
                }
            }
        }
    }
}

fn status_class(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Passed => "passed",
        StepStatus::Failed => "failed",
        StepStatus::Errored => "errored",
        StepStatus::Skipped => "skipped",
    }
}

fn step(s: &StepRecord) -> Markup {
    let class = status_class(s.status);
    let mark = match s.status {
        StepStatus::Passed => "✓",
        _ if s.allowed_failure => "!",
        StepStatus::Failed | StepStatus::Errored => "✗",
        StepStatus::Skipped => "○",
    };
    let code = s.last().and_then(AttemptRecord::http_status);
    let code_class = status_class_of(s.last().and_then(AttemptRecord::status_held));
    html! {
        details.step.(class).allowed[s.allowed_failure] open[s.fails_workflow()] {
            summary {
                span.mark { (mark) } " " strong.title { (s.title) }
                @if s.in_finally { span.dim { " [finally]" } }
                @if let Some(code) = code { " → " span.mono.(code_class) { (code) } }
                span.dim {
                    "  " (class)
                    @if s.allowed_failure { " (allowed: continue_on_error)" }
                    @if s.attempts.len() > 1 { " · " (s.attempts.len()) " attempts" }
                    " · " (ms(s.duration_ms))
                }
            }
            div.body {
                div.dim.mono { (s.kind) " at " (s.location) }
                @if let Some(reason) = &s.skip_reason { p.dim { "skipped: " (reason) } }
                @for a in &s.attempts {
                    @if s.attempts.len() > 1 {
                        h4 { "Attempt " (a.attempt) " of " (s.attempts.len()) }
                    }
                    (attempt(a))
                }
            }
        }
    }
}

fn attempt(a: &AttemptRecord) -> Markup {
    html! {
        @if let Some(e) = &a.error {
            p.error {
                (e.message)
                @if let Some(l) = &e.location { span.dim.mono { "  --> " (l) } }
            }
        }
        @if !a.checks.is_empty() {
            table.checks {
                tr { th { "check" } th { "expected" } th { "actual" } th { "result" } th { "at" } }
                @for c in &a.checks { (check(c)) }
            }
        }
        @if !a.captures.is_empty() {
            table.captures {
                tr { th { "captured" } th { "value" } }
                @for c in &a.captures {
                    tr { td.mono { (c.name) } td.mono { (show(&c.value)) } }
                }
            }
        }
        @for (n, h) in a.exchanges.iter().enumerate() {
            (hop(h, if a.is_final_hop(n) { status_class_of(a.status_held()) } else { "status" }))
        }
        @if !a.included.is_empty() {
            div.included {
                h4 { "Included steps" }
                @for s in &a.included { (step(s)) }
            }
        }
    }
}

fn check(c: &CheckRecord) -> Markup {
    let result = if c.passed { "passed" } else { "failed" };
    let actual = match (&c.actual, &c.message) {
        (Some(v), Some(m)) => format!("{} ({m})", show(v)),
        (Some(v), None) => show(v),
        (None, Some(m)) => m.clone(),
        (None, None) => "nothing".into(),
    };
    html! {
        tr.check.(result) title=(check_text(c)) {
            td.mono.subject { (c.subject) }
            td.mono.expected { (describe(&c.operator, &c.expected)) }
            td.mono.actual { (actual) }
            td.result { (result) }
            td.dim.mono { (c.location) }
        }
    }
}

/// A status is green or red by whether the step's status check held, plain without one.
fn status_class_of(held: Option<bool>) -> &'static str {
    match held {
        Some(true) => "status-ok",
        Some(false) => "status-bad",
        None => "status",
    }
}

fn hop(h: &HopRecord, status_class: &str) -> Markup {
    let r = &h.request;
    html! {
        div.hop {
            @if let Some(p) = &h.purpose { div.dim { "(" (p) ")" } }
            h4.request.mono { (r.method) " " (r.url) }
            (headers(&r.headers))
            @if let Some(b) = &r.body { (body(b)) }
            @if let Some(resp) = &h.response {
                h4.response.mono {
                    (resp.version) " "
                    span class=(status_class) { (resp.status) }
                    span.dim { " · " (ms(resp.duration_ms)) }
                }
                (headers(&resp.headers))
                @if let Some(b) = &resp.body { (body(b)) }
            }
            @if let Some(e) = &h.error { p.error { (e) } }
        }
    }
}

fn headers(list: &[Header]) -> Markup {
    html! {
        @if !list.is_empty() {
            table.headers.mono {
                @for h in list { tr { td { (h.name) } td { (h.value) } } }
            }
        }
    }
}

fn body(b: &BodyRecord) -> Markup {
    html! {
        @match &b.text {
            Some(t) if t.is_empty() => {}
            Some(t) => {
                @match json::highlight(t, b.content_type.as_deref()) {
                    Some(m) => pre.body.json { (m) },
                    None => pre.body { (t) },
                }
                @if b.omitted > 0 {
                    p.dim { "… " (b.omitted) " more bytes not kept (of " (b.size) ")" }
                }
            }
            None => p.dim { "<" (b.note.as_deref().unwrap_or("binary")) ", " (b.size) " bytes>" },
        }
    }
}
