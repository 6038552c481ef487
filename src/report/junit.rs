//! JUnit XML: one `<testsuite>` per workflow file, one `<testcase>` per step (and per
//! `for_each` item); failed checks are `<failure>`, steps that could not run `<error>`, skipped
//! steps `<skipped>`. A failed step's `<system-out>` carries its exchange as sent and received.
//! Built with quick-junit from the (redacted) record; written through the redacting output.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite, XmlString};

use super::exchange_text::{check_text, hop_text};
use crate::record::{RunRecord, StepRecord, StepStatus};

fn secs(ms: f64) -> Duration {
    crate::record::duration_of(ms)
}

pub fn render(run: &RunRecord) -> String {
    let mut report = Report::new("apiflow");
    report.set_time(secs(run.duration_ms));
    for wf in &run.workflows {
        let mut suite = TestSuite::new(xml_safe(&format!("{} ({})", wf.name, wf.path)));
        suite.set_time(secs(wf.duration_ms));
        // quick-junit strips ANSI escapes from every string it is given, character by
        // character (~180 instructions each): the class name, the same for every step, is
        // made once and cloned (an `XmlString` is taken as it is).
        let classname = XmlString::new(xml_safe(&wf.path));
        for step in &wf.steps {
            suite.add_test_case(test_case(&classname, step));
        }
        if let Some(e) = &wf.error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            let at = e
                .location
                .as_ref()
                .map(|l| format!("\n  --> {l}"))
                .unwrap_or_default();
            status
                .set_message(xml_safe(&e.message))
                .set_description(xml_safe(&format!("{}{at}", e.message)));
            let mut case = TestCase::new("workflow", status);
            case.set_classname(classname.clone());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}

fn test_case(classname: &XmlString, step: &StepRecord) -> TestCase {
    let status = match step.status {
        StepStatus::Passed => TestCaseStatus::success(),
        StepStatus::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(xml_safe(step.skip_reason.as_deref().unwrap_or("skipped")));
            s
        }
        // An allowed failure (`continue_on_error`) passes the workflow: not a JUnit failure.
        _ if step.allowed_failure => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(xml_safe(&format!(
                "allowed failure (continue_on_error): {}",
                headline(step)
            )))
            .set_description(xml_safe(&details(step)));
            s
        }
        StepStatus::Failed | StepStatus::Errored => {
            let kind = if step.status == StepStatus::Errored {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(xml_safe(&headline(step)))
                .set_description(xml_safe(&details(step)));
            s.set_type(if step.status == StepStatus::Failed {
                "check failed"
            } else {
                "step error"
            });
            s
        }
    };
    let mut case = TestCase::new(xml_safe(&step.title), status);
    case.set_classname(classname.clone());
    case.set_time(secs(step.duration_ms));
    let mut out = Vec::new();
    if step.attempts.len() > 1 {
        out.push(format!("attempts: {}", step.attempts.len()));
    }
    if let Some(last) = step.last() {
        for c in &last.captures {
            out.push(format!("captured {} = {}", c.name, c.value));
        }
        if step.status.is_failure() {
            for hop in &last.exchanges {
                out.push(hop_text(hop));
            }
        }
    }
    if !out.is_empty() {
        case.set_system_out(xml_safe(&out.join("\n")));
    }
    case
}

/// The one-line message: what failed first.
fn headline(step: &StepRecord) -> String {
    let Some(last) = step.last() else {
        return "failed".into();
    };
    if let Some(e) = &last.error {
        return e.message.clone();
    }
    let failed: Vec<_> = last.failed_checks().collect();
    match failed.first() {
        Some(c) if failed.len() == 1 => check_text(c),
        Some(c) => format!("{} (and {} more)", check_text(c), failed.len() - 1),
        None => "failed".into(),
    }
}

/// Everything a person reads in the terminal: each failure with where it was written.
fn details(step: &StepRecord) -> String {
    let mut lines = Vec::new();
    if step.attempts.len() > 1 {
        lines.push(format!("after {} attempts", step.attempts.len()));
    }
    if let Some(last) = step.last() {
        if let Some(e) = &last.error {
            let at = e
                .location
                .as_ref()
                .map(|l| format!("\n  --> {l}"))
                .unwrap_or_default();
            lines.push(format!("{}{at}", e.message));
        }
        for c in last.failed_checks() {
            lines.push(format!("{}\n  --> {}", check_text(c), c.location));
        }
    }
    lines.join("\n")
}

/// XML 1.0 cannot carry some characters at all (most C0 controls, U+FFFE, U+FFFF), escaped or
/// not: they are replaced so the report stays well-formed.
fn xml_safe(text: &str) -> String {
    // Nearly every text has none: one pass over the bytes finds out (U+FFFE and U+FFFF are
    // EF BF BE and EF BF BF in UTF-8), instead of rebuilding the text a character at a time.
    let b = text.as_bytes();
    let clean = b.iter().enumerate().all(|(i, &c)| match c {
        b'\t' | b'\n' | b'\r' => true,
        0..=0x1f => false,
        0xef => !(b.get(i + 1) == Some(&0xbf) && matches!(b.get(i + 2), Some(0xbe | 0xbf))),
        _ => true,
    });
    if clean {
        return text.to_owned();
    }
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hostile_record_renders_well_formed_xml() {
        let xml = super::render(&crate::record::hostile_record());
        assert!(
            xml.contains("<testsuite name=\"name\u{fffd} (w\u{fffd}.yaml)\""),
            "{xml}"
        );
        let forbidden = |c: char| {
            matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}')
                || c == '\u{fffe}'
                || c == '\u{ffff}'
        };
        assert!(!xml.chars().any(forbidden), "{xml:?}");
        assert!(xml.contains("classname=\"w\u{fffd}.yaml\""), "{xml}");
        for (text, safe) in [
            ("plain é ✓ \u{fffd}\u{fffd}", "plain é ✓ \u{fffd}\u{fffd}"),
            ("tab\tnl\ncr\r", "tab\tnl\ncr\r"),
            ("a\u{1b}[31mb\u{0}", "a\u{fffd}[31mb\u{fffd}"),
            ("x\u{fffe}y\u{ffff}z\u{fffd}", "x\u{fffd}y\u{fffd}z\u{fffd}"),
            ("\u{efbf}", "\u{efbf}"),
        ] {
            assert_eq!(super::xml_safe(text), safe, "{text:?}");
        }
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(
            super::xml_safe("a\u{fffe}b\u{1}c\nd"),
            "a\u{fffd}b\u{fffd}c\nd"
        );
    }
}
