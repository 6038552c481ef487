//! The JSON report: every workflow, step, attempt, check failure and capture name (secret
//! values never included), with timings and outputs. Its shape is `schemas/report.schema.json`.

use serde_json::{Value, json};

use crate::run::outcome::{StepOutcome, WorkflowOutcome};
use crate::source::Loc;

pub const SCHEMA_VERSION: u32 = 1;

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn location(loc: &Loc) -> Value {
    json!({ "file": loc.file.display(), "line": loc.pos.line, "column": loc.pos.column })
}

pub fn render(
    outcomes: &[WorkflowOutcome],
    started_at: &str,
    elapsed: std::time::Duration,
) -> Value {
    let count = |f: &dyn Fn(&WorkflowOutcome) -> usize| outcomes.iter().map(f).sum::<usize>();
    use crate::run::outcome::StepStatus as S;
    json!({
        "schema_version": SCHEMA_VERSION,
        "tool": { "name": "apiflow", "version": env!("CARGO_PKG_VERSION") },
        "started_at": started_at,
        "duration_ms": ms(elapsed),
        "summary": {
            "workflows": outcomes.len(),
            "passed": outcomes.iter().filter(|o| o.passed()).count(),
            "failed": outcomes.iter().filter(|o| !o.passed()).count(),
            "steps": {
                "passed": count(&|o| o.count(S::Passed)),
                "failed": count(&|o| o.count(S::Failed)),
                "errored": count(&|o| o.count(S::Errored)),
                "skipped": count(&|o| o.count(S::Skipped)),
            }
        },
        "workflows": outcomes.iter().map(workflow).collect::<Vec<_>>(),
    })
}

fn workflow(o: &WorkflowOutcome) -> Value {
    let status = if o.interrupted {
        "interrupted"
    } else if o.passed() {
        "passed"
    } else {
        "failed"
    };
    json!({
        "name": o.name,
        "path": o.path,
        "status": status,
        "duration_ms": ms(o.duration),
        "error": o.error.as_ref().map(|e| json!({ "message": e.message, "location": location(&e.loc) })),
        "outputs": o.outputs.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>(),
        "steps": o.steps.iter().map(step).collect::<Vec<_>>(),
    })
}

fn step(s: &StepOutcome) -> Value {
    let last = &s.last;
    json!({
        "index": s.index,
        "id": s.id,
        "name": s.title,
        "kind": s.kind,
        "location": location(&s.loc),
        "finally": s.in_finally,
        "status": s.status,
        "continue_on_error": s.continue_on_error,
        "duration_ms": ms(s.duration),
        "skip_reason": s.skip_reason,
        "attempts": s.attempts,
        "iterations": s.iterations,
        "failed_item": s.failed_item.as_ref().map(|(i, item)| json!({ "index": i, "item": item })),
        "history": s.history,
        "request": last.exchange.as_ref().map(|e| json!({ "method": e.request.method, "url": e.request.url.as_str() })),
        "response": last.exchange.as_ref().and_then(|e| e.response.as_ref()).map(|r| json!({
            "status": r.status,
            "duration_ms": ms(r.duration),
            "body_bytes": r.body_bytes,
        })),
        "checks": {
            "total": last.checks,
            "failed": last.failures.iter().map(|f| json!({
                "subject": f.subject,
                "expected": f.expected,
                "actual": f.actual,
                "location": location(&f.loc),
            })).collect::<Vec<_>>(),
        },
        "error": last.error.as_ref().map(|e| json!({ "message": e.message, "location": location(&e.loc) })),
        "captures": last.captures.iter().map(|c| json!({
            "name": c.name,
            "secret": c.secret,
            "value": if c.secret { Value::Null } else { serde_json::from_str::<Value>(&c.value).unwrap_or(Value::Null) },
        })).collect::<Vec<_>>(),
    })
}
