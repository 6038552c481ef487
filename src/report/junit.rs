//! JUnit XML: one `<testsuite>` per workflow file, one `<testcase>` per step; failed checks are
//! `<failure>`, steps that could not run are `<error>`, skipped steps `<skipped>`.
//! Built with quick-junit; written through the redacting output like everything else.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::run::outcome::{StepOutcome, StepStatus, WorkflowOutcome};

pub fn render(outcomes: &[WorkflowOutcome], elapsed: std::time::Duration) -> String {
    let mut report = Report::new("apiflow");
    report.set_time(elapsed);
    for wf in outcomes {
        let mut suite = TestSuite::new(format!("{} ({})", wf.name, wf.path));
        suite.set_time(wf.duration);
        for step in &wf.steps {
            suite.add_test_case(test_case(wf, step));
        }
        if let Some(e) = &wf.error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(e.message.clone())
                .set_description(format!("{}\n  --> {}", e.message, e.loc));
            let mut case = TestCase::new("workflow", status);
            case.set_classname(wf.path.clone());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}

fn test_case(wf: &WorkflowOutcome, step: &StepOutcome) -> TestCase {
    let status = match step.status {
        StepStatus::Passed => TestCaseStatus::success(),
        StepStatus::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(step.skip_reason.clone().unwrap_or_else(|| "skipped".into()));
            s
        }
        StepStatus::Failed | StepStatus::Errored => {
            let kind = if step.status == StepStatus::Errored {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(headline(step)).set_description(details(step));
            if step.status == StepStatus::Failed {
                s.set_type("check failed");
            } else {
                s.set_type("step error");
            }
            s
        }
    };
    let mut case = TestCase::new(step.title.clone(), status);
    case.set_classname(wf.path.clone());
    case.set_time(step.duration);
    let mut out = Vec::new();
    if step.attempts > 1 {
        out.push(format!("attempts: {}", step.attempts));
    }
    if step.iterations > 0 {
        out.push(format!("items: {}", step.iterations));
    }
    for c in &step.last.captures {
        let value = if c.secret {
            crate::secrets::MASK.to_owned()
        } else {
            c.value.clone()
        };
        out.push(format!("captured {} = {value}", c.name));
    }
    if !out.is_empty() {
        case.set_system_out(out.join("\n"));
    }
    case
}

/// The one-line message: what failed first.
fn headline(step: &StepOutcome) -> String {
    if let Some(e) = &step.last.error {
        return e.message.clone();
    }
    let n = step.last.failures.len();
    match step.last.failures.first() {
        Some(f) if n == 1 => format!(
            "{}: expected {}, actual {}",
            f.subject, f.expected, f.actual
        ),
        Some(f) => format!(
            "{}: expected {}, actual {} (and {} more)",
            f.subject,
            f.expected,
            f.actual,
            n - 1
        ),
        None => "failed".into(),
    }
}

/// Everything a person reads in the terminal: each failure with where it was written.
fn details(step: &StepOutcome) -> String {
    let mut lines = Vec::new();
    if let Some((i, item)) = &step.failed_item {
        lines.push(format!("in item {i}: {item}"));
    }
    if step.attempts > 1 {
        lines.push(format!("after {} attempts", step.attempts));
    }
    if let Some(e) = &step.last.error {
        lines.push(format!("{}\n  --> {}", e.message, e.loc));
    }
    for f in &step.last.failures {
        lines.push(format!(
            "{}: expected {}, actual {}\n  --> {}",
            f.subject, f.expected, f.actual, f.loc
        ));
    }
    if let Some(ex) = &step.last.exchange {
        let status = ex
            .response
            .as_ref()
            .map(|r| r.status.to_string())
            .unwrap_or_else(|| "no response".into());
        lines.push(format!(
            "request: {} {} → {status}",
            ex.request.method, ex.request.url
        ));
    }
    lines.join("\n")
}
