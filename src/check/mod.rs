//! The check stage: expectations and captures evaluated against a response, as typed results.
//!
//! Pure functions of (spec, response, scope), unit-tested with literal responses. The body is
//! parsed once per response and borrowed by every check. Each expected value is rendered once
//! and that value is both compared and recorded.

pub mod capture;
pub mod matcher;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::Value as TValue;
use serde_json::Value;

use crate::http::Response;
use crate::jsonpath::Selection;
use crate::model::{Check, Matcher, Op, Subject};
use crate::record::{CheckRecord, Location};
use crate::template::RenderError;
pub use matcher::{excerpt, show};

/// What checks look at: the final response, and the cookies the exchange set.
pub struct Subjects<'a> {
    pub response: &'a Response,
    /// Cookies set by any response of the exchange (redirect hops included), later ones win.
    pub cookies: &'a BTreeMap<String, String>,
    /// The run's secrets: a body excerpt is redacted before it is cut, so that a cut never
    /// leaves a secret's first characters.
    pub secrets: &'a crate::secrets::Redactor,
}

/// The value a check looks at.
#[derive(Debug)]
enum Actual<'a> {
    Missing(Cow<'static, str>),
    Json(Cow<'a, Value>),
}

const NOT_JSON: &str = "the body is not JSON";

/// Evaluates every check of a step: one record per operator, held or not.
pub fn evaluate(
    checks: &[Check],
    on: &Subjects<'_>,
    ctx: &TValue,
    file: &Arc<str>,
) -> Result<Vec<CheckRecord>, RenderError> {
    let mut out = Vec::with_capacity(checks.len());
    for check in checks {
        let (subject, actual) = subject_value(&check.subject, on);
        // A JSON check on a body that is not JSON fails once, whatever the operators.
        if matches!(&actual, Actual::Missing(why) if why == NOT_JSON) {
            out.push(CheckRecord {
                subject,
                operator: "json".into(),
                expected: Value::String("a JSON body".into()),
                actual: None,
                passed: false,
                message: Some(format!(
                    "not JSON: {}",
                    excerpt(&on.secrets.redact(&on.response.text()), 120)
                )),
                location: Location::new(file, check.pos),
            });
            continue;
        }
        let masked = matches!(check.subject, Subject::Cookie(_));
        let first = out.len();
        eval_matcher(&check.matcher, &subject, &actual, ctx, file, &mut out)?;
        if masked {
            // Cookie values are credentials: the record never holds what the server set.
            for r in &mut out[first..] {
                if r.actual.is_some() {
                    r.actual = Some(Value::String(crate::secrets::MASK.into()));
                }
            }
        }
    }
    Ok(out)
}

fn subject_value<'a>(subject: &Subject, on: &Subjects<'a>) -> (String, Actual<'a>) {
    let resp = on.response;
    let owned = |v: Value| Actual::Json(Cow::Owned(v));
    match subject {
        Subject::Status => ("status".into(), owned(Value::from(resp.status))),
        Subject::Duration => (
            "duration (ms)".into(),
            owned(Value::from(resp.duration.as_millis() as u64)),
        ),
        Subject::Header(name) => {
            let values: Vec<&str> = resp.header_all(name).collect();
            let actual = if values.is_empty() {
                Actual::Missing("no such header".into())
            } else {
                owned(Value::String(values.join(", ")))
            };
            (format!("header `{name}`"), actual)
        }
        Subject::Body => (
            "body".into(),
            owned(Value::String(resp.text().into_owned())),
        ),
        Subject::Cookie(name) => {
            let actual = match on.cookies.get(name) {
                Some(v) => owned(Value::String(v.clone())),
                None => Actual::Missing("the response set no such cookie".into()),
            };
            (format!("cookie `{name}`"), actual)
        }
        Subject::XPath(x) => {
            let actual = match x.evaluate(&resp.body, resp.header("content-type")) {
                Ok(Value::Array(items)) if items.is_empty() => {
                    Actual::Missing("nothing selected".into())
                }
                Ok(v) => owned(v),
                Err(e) => Actual::Missing(e.into()),
            };
            (format!("xpath `{}`", x.text()), actual)
        }
        Subject::Json(q) => {
            let text = q.text().to_owned();
            let Some(doc) = resp.json() else {
                return (text, Actual::Missing(NOT_JSON.into()));
            };
            let actual = match q.select(doc) {
                Selection::Single(Some(v)) => Actual::Json(Cow::Borrowed(v)),
                Selection::Single(None) => Actual::Missing("nothing selected".into()),
                Selection::List(vs) if vs.is_empty() => Actual::Missing("nothing selected".into()),
                Selection::List(vs) => owned(Value::Array(vs.into_iter().cloned().collect())),
            };
            (text, actual)
        }
    }
}

/// The value an operator is compared with, rendered once.
fn expected_of(op: &Op, ctx: &TValue) -> Result<Value, RenderError> {
    let render = |t: &crate::template::ValueTemplate| {
        t.render(ctx)
            .map(|v| serde_json::to_value(&v).unwrap_or(Value::Null))
    };
    Ok(match op {
        Op::Eq(t)
        | Op::Ne(t)
        | Op::Gt(t)
        | Op::Gte(t)
        | Op::Lt(t)
        | Op::Lte(t)
        | Op::Contains(t)
        | Op::NotContains(t)
        | Op::StartsWith(t)
        | Op::EndsWith(t)
        | Op::OneOf(t) => render(t)?,
        Op::Matches(re) => Value::String(re.as_str().to_owned()),
        Op::Exists(b) | Op::Empty(b) => Value::Bool(*b),
        Op::Type(t) => Value::String(t.name().to_owned()),
        Op::StatusClass(c) => Value::String(format!("{c}xx")),
        Op::Schema(_) => Value::String("the body to match the JSON Schema".into()),
        Op::Length(_) => Value::String("a string, list or object".into()),
    })
}

fn eval_matcher(
    matcher: &Matcher,
    subject: &str,
    actual: &Actual<'_>,
    ctx: &TValue,
    file: &Arc<str>,
    out: &mut Vec<CheckRecord>,
) -> Result<(), RenderError> {
    for (op, pos) in &matcher.ops {
        let expected = expected_of(op, ctx)?;
        let record = |passed: bool, actual: Option<Value>, message: Option<String>| CheckRecord {
            subject: subject.to_owned(),
            operator: op.name().to_owned(),
            expected: expected.clone(),
            actual,
            passed,
            message,
            location: Location::new(file, *pos),
        };
        let value = match actual {
            Actual::Missing(why) => {
                let passed = matches!(op, Op::Exists(false));
                out.push(record(passed, None, Some(why.to_string())));
                continue;
            }
            Actual::Json(v) => v.as_ref(),
        };
        match op {
            Op::Length(inner) => match matcher::length_of(value) {
                Some(n) => {
                    let subject = format!("{subject} length");
                    let n = Actual::Json(Cow::Owned(Value::from(n)));
                    eval_matcher(inner, &subject, &n, ctx, file, out)?;
                }
                None => out.push(record(
                    false,
                    Some(value.clone()),
                    Some("`length` needs a string, list or object".into()),
                )),
            },
            Op::Schema(validator) => {
                let errors: Vec<String> = validator
                    .iter_errors(value)
                    .take(5)
                    .map(|e| {
                        let at = e.instance_path().to_string();
                        let at = if at.is_empty() {
                            "the document".into()
                        } else {
                            at
                        };
                        format!("{at}: {e}")
                    })
                    .collect();
                let passed = errors.is_empty();
                let message = (!passed).then(|| errors.join("; "));
                out.push(record(passed, None, message));
            }
            _ => {
                let passed = matcher::holds(op, value, &expected);
                // A passed check keeps its actual value only when it is small: a passed `body`
                // check must not copy the body into the record.
                let keep = !passed || is_small(value);
                out.push(record(passed, keep.then(|| value.clone()), None));
            }
        }
    }
    Ok(())
}

fn is_small(v: &Value) -> bool {
    match v {
        Value::String(s) => s.len() <= 256,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests;
