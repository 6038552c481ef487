//! Checks and captures: pure functions of (spec, response, scope), unit-tested with literal
//! responses. The body is parsed once per response and borrowed by every check.

use std::borrow::Cow;

use minijinja::Value as TValue;
use serde_json::Value;

use super::outcome::CheckFailure;
use crate::http::Response;
use crate::jsonpath::Selection;
use crate::model::{Capture, CaptureSource, Check, Matcher, Op, RegexGroup, Subject};
use crate::source::{Loc, SourceFile};
use crate::template::RenderError;
use std::sync::Arc;

/// The value a check looks at.
#[derive(Debug)]
enum Actual<'a> {
    Missing(&'static str),
    Json(Cow<'a, Value>),
}

/// Evaluates every check of a step, returning the failures and how many checks ran.
pub fn evaluate(
    checks: &[Check],
    resp: &Response,
    ctx: &TValue,
    file: &Arc<SourceFile>,
) -> Result<Vec<CheckFailure>, RenderError> {
    let mut failures = Vec::new();
    for check in checks {
        let (subject, actual) = subject_value(&check.subject, resp);
        // A JSON check on a body that is not JSON fails once, whatever the operators.
        if matches!(actual, Actual::Missing(why) if why == NOT_JSON) {
            failures.push(CheckFailure {
                subject,
                expected: "a JSON body".into(),
                actual: format!("not JSON: {}", excerpt(&resp.text(), 120)),
                loc: Loc::new(file, check.pos),
            });
            continue;
        }
        eval_matcher(&check.matcher, &subject, &actual, ctx, file, &mut failures)?;
    }
    Ok(failures)
}

const NOT_JSON: &str = "the body is not JSON";

fn subject_value<'a>(subject: &Subject, resp: &'a Response) -> (String, Actual<'a>) {
    match subject {
        Subject::Status => (
            "status".into(),
            Actual::Json(Cow::Owned(Value::from(resp.status))),
        ),
        Subject::Duration => (
            "duration (ms)".into(),
            Actual::Json(Cow::Owned(Value::from(resp.duration.as_millis() as u64))),
        ),
        Subject::Header(name) => {
            let values: Vec<&str> = resp.header_all(name).collect();
            let actual = if values.is_empty() {
                Actual::Missing("no such header")
            } else {
                Actual::Json(Cow::Owned(Value::String(values.join(", "))))
            };
            (format!("header `{name}`"), actual)
        }
        Subject::Body => (
            "body".into(),
            Actual::Json(Cow::Owned(Value::String(resp.text().into_owned()))),
        ),
        Subject::Cookie(_) | Subject::XPath(_) => {
            unimplemented!("cookie and XPath checks are run by the runner rework")
        }
        Subject::Json(q) => {
            let text = q.text().to_owned();
            let Some(doc) = resp.json() else {
                return (text, Actual::Missing(NOT_JSON));
            };
            let actual = match q.select(doc) {
                Selection::Single(Some(v)) => Actual::Json(Cow::Borrowed(v)),
                Selection::Single(None) => Actual::Missing("nothing selected"),
                Selection::List(vs) if vs.is_empty() => Actual::Missing("nothing selected"),
                Selection::List(vs) => {
                    Actual::Json(Cow::Owned(Value::Array(vs.into_iter().cloned().collect())))
                }
            };
            (text, actual)
        }
    }
}

fn eval_matcher(
    matcher: &Matcher,
    subject: &str,
    actual: &Actual<'_>,
    ctx: &TValue,
    file: &Arc<SourceFile>,
    failures: &mut Vec<CheckFailure>,
) -> Result<(), RenderError> {
    for (op, pos) in &matcher.ops {
        let fail = |expected: String, actual_text: String| CheckFailure {
            subject: subject.to_owned(),
            expected,
            actual: actual_text,
            loc: Loc::new(file, *pos),
        };
        let value = match actual {
            Actual::Missing(why) => {
                if !matches!(op, Op::Exists(false)) {
                    failures.push(fail(describe_op(op, ctx)?, (*why).to_owned()));
                }
                continue;
            }
            Actual::Json(v) => v.as_ref(),
        };
        if let Op::Length(inner) = op {
            match length_of(value) {
                Some(n) => {
                    let length_subject = format!("length of {subject}");
                    eval_matcher(
                        inner,
                        &length_subject,
                        &Actual::Json(Cow::Owned(Value::from(n))),
                        ctx,
                        file,
                        failures,
                    )?;
                }
                None => failures.push(fail(
                    "a string, list or object (for `length`)".into(),
                    show(value),
                )),
            }
            continue;
        }
        if let Op::Schema(validator) = op {
            let errors: Vec<String> = validator
                .iter_errors(value)
                .take(5)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    let at = if at.is_empty() {
                        "the document".to_owned()
                    } else {
                        at
                    };
                    format!("{at}: {e}")
                })
                .collect();
            if !errors.is_empty() {
                failures.push(fail(
                    "the body to match the JSON Schema".into(),
                    errors.join("; "),
                ));
            }
            continue;
        }
        if !holds(op, value, ctx)? {
            failures.push(fail(describe_op(op, ctx)?, show(value)));
        }
    }
    Ok(())
}

fn expected(t: &crate::template::ValueTemplate, ctx: &TValue) -> Result<Value, RenderError> {
    let v = t.render(ctx)?;
    Ok(serde_json::to_value(&v).unwrap_or(Value::Null))
}

/// Does the operator hold for this (present) value?
fn holds(op: &Op, v: &Value, ctx: &TValue) -> Result<bool, RenderError> {
    Ok(match op {
        Op::Eq(t) => json_eq(v, &expected(t, ctx)?),
        Op::Ne(t) => !json_eq(v, &expected(t, ctx)?),
        Op::Gt(t) => compare(v, &expected(t, ctx)?).is_some_and(|o| o.is_gt()),
        Op::Gte(t) => compare(v, &expected(t, ctx)?).is_some_and(|o| o.is_ge()),
        Op::Lt(t) => compare(v, &expected(t, ctx)?).is_some_and(|o| o.is_lt()),
        Op::Lte(t) => compare(v, &expected(t, ctx)?).is_some_and(|o| o.is_le()),
        Op::Contains(t) => contains(v, &expected(t, ctx)?),
        Op::NotContains(t) => !contains(v, &expected(t, ctx)?),
        Op::Matches(re) => v.as_str().is_some_and(|s| re.is_match(s)),
        Op::StartsWith(t) => match (v.as_str(), expected(t, ctx)?.as_str()) {
            (Some(s), Some(p)) => s.starts_with(p),
            _ => false,
        },
        Op::EndsWith(t) => match (v.as_str(), expected(t, ctx)?.as_str()) {
            (Some(s), Some(p)) => s.ends_with(p),
            _ => false,
        },
        Op::Exists(b) => *b,
        Op::Type(t) => t.matches(v),
        Op::OneOf(t) => match expected(t, ctx)? {
            Value::Array(items) => items.iter().any(|i| json_eq(v, i)),
            other => json_eq(v, &other),
        },
        Op::Empty(b) => *b == length_of(v).map_or(v.is_null(), |n| n == 0),
        Op::StatusClass(c) => v.as_u64().is_some_and(|s| s / 100 == u64::from(*c)),
        Op::Length(_) | Op::Schema(_) => true,
    })
}

/// JSON equality where `1` equals `1.0`.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64() == y.as_f64() && (x.as_i64() == y.as_i64() || x.as_f64().is_some())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| json_eq(a, b)))
        }
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match (haystack, needle) {
        (Value::String(s), Value::String(n)) => s.contains(n.as_str()),
        (Value::Array(items), n) => items.iter().any(|i| json_eq(i, n)),
        (Value::Object(map), Value::String(k)) => map.contains_key(k),
        _ => false,
    }
}

fn length_of(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        _ => None,
    }
}

fn describe_op(op: &Op, ctx: &TValue) -> Result<String, RenderError> {
    let e = |t| expected(t, ctx).map(|v| show(&v));
    Ok(match op {
        Op::Eq(t) => e(t)?,
        Op::Ne(t) => format!("not {}", e(t)?),
        Op::Gt(t) => format!("> {}", e(t)?),
        Op::Gte(t) => format!(">= {}", e(t)?),
        Op::Lt(t) => format!("< {}", e(t)?),
        Op::Lte(t) => format!("<= {}", e(t)?),
        Op::Contains(t) => format!("to contain {}", e(t)?),
        Op::NotContains(t) => format!("not to contain {}", e(t)?),
        Op::Matches(re) => format!("to match /{}/", re.as_str()),
        Op::StartsWith(t) => format!("to start with {}", e(t)?),
        Op::EndsWith(t) => format!("to end with {}", e(t)?),
        Op::Exists(true) => "to exist".into(),
        Op::Exists(false) => "not to exist".into(),
        Op::Type(t) => format!("type {}", t.name()),
        Op::Length(_) => "a length".into(),
        Op::OneOf(t) => format!("one of {}", e(t)?),
        Op::Empty(true) => "empty".into(),
        Op::Empty(false) => "not empty".into(),
        Op::StatusClass(c) => format!("{c}xx"),
        Op::Schema(_) => "to match the JSON Schema".into(),
    })
}

/// A JSON value for people: compact, and cut short when long.
pub fn show(v: &Value) -> String {
    excerpt(&serde_json::to_string(v).unwrap_or_default(), 200)
}

/// The first `max` characters of a text, marking what was cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut chars = text.char_indices();
    match chars.nth(max) {
        None => text.to_owned(),
        Some((i, _)) => format!("{}… ({} more bytes)", &text[..i], text.len() - i),
    }
}

/// What a capture takes from a response; `Ok(None)` when it selects nothing.
pub fn capture(c: &Capture, resp: &Response) -> Result<Option<TValue>, String> {
    Ok(match &c.source {
        CaptureSource::Json(q) => {
            let doc = resp
                .json()
                .ok_or_else(|| format!("{NOT_JSON}, so `{}` selects nothing", q.text()))?;
            let sel = q.select(doc);
            if sel.is_empty() {
                None
            } else {
                sel.to_value().map(crate::template::to_value)
            }
        }
        CaptureSource::Header(name) => resp.header(name).map(TValue::from),
        CaptureSource::Status => Some(TValue::from(resp.status)),
        CaptureSource::Body => Some(TValue::from(resp.text().into_owned())),
        CaptureSource::Cookie(name) => resp.cookie(name).map(TValue::from),
        CaptureSource::XPath(x) => Some(crate::template::to_value(
            x.evaluate(&resp.body, resp.header("content-type"))?,
        )),
        CaptureSource::Regex { regex, group } => {
            let text = resp.text();
            regex.captures(&text).and_then(|caps| {
                let m = match group {
                    RegexGroup::Index(i) => caps.get(*i),
                    RegexGroup::Name(n) => caps.name(n),
                };
                m.map(|m| TValue::from(m.as_str()))
            })
        }
    })
}

/// Where a capture looks, for messages.
pub fn describe_capture(c: &Capture) -> String {
    match &c.source {
        CaptureSource::Json(q) => q.text().to_owned(),
        CaptureSource::Header(n) => format!("header `{n}`"),
        CaptureSource::Status => "the status".into(),
        CaptureSource::Body => "the body".into(),
        CaptureSource::Cookie(n) => format!("cookie `{n}`"),
        CaptureSource::XPath(x) => format!("xpath `{}`", x.text()),
        CaptureSource::Regex { regex, .. } => format!("/{}/", regex.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonpath::Query;
    use crate::model::JsonType;
    use crate::source::Pos;
    use crate::template::ValueTemplate;
    use std::time::Duration;

    fn response(status: u16, body: &str) -> Response {
        Response::new(
            status,
            "HTTP/1.1".into(),
            vec![("content-type".into(), "application/json".into())],
            body.as_bytes().to_vec(),
            Duration::from_millis(5),
        )
    }

    fn lit(v: Value) -> ValueTemplate {
        ValueTemplate::Lit(crate::template::to_value(v))
    }

    fn check(subject: Subject, ops: Vec<Op>) -> Check {
        Check {
            subject,
            matcher: Matcher {
                ops: ops.into_iter().map(|o| (o, Pos::new(3, 5))).collect(),
            },
            pos: Pos::new(3, 5),
        }
    }

    fn run(checks: &[Check], resp: &Response) -> Vec<CheckFailure> {
        let file = SourceFile::new("t.yaml".into(), String::new());
        evaluate(checks, resp, &TValue::UNDEFINED, &file).unwrap()
    }

    #[test]
    fn operators() {
        let resp = response(
            200,
            r#"{"a": 1, "s": "hello", "l": [1, 2, 3], "o": {"k": null}, "f": 1.0}"#,
        );
        let j = |p: &str| Subject::Json(Query::parse(p).unwrap());
        let passing = vec![
            check(
                Subject::Status,
                vec![Op::Eq(lit(200.into())), Op::StatusClass(2)],
            ),
            check(
                j("$.a"),
                vec![
                    Op::Eq(lit(1.into())),
                    Op::Gt(lit(0.into())),
                    Op::Lte(lit(1.into())),
                    Op::Type(JsonType::Integer),
                ],
            ),
            check(
                j("$.f"),
                vec![Op::Eq(lit(1.into())), Op::Type(JsonType::Number)],
            ),
            check(
                j("$.s"),
                vec![
                    Op::Contains(lit("ell".into())),
                    Op::StartsWith(lit("he".into())),
                    Op::EndsWith(lit("lo".into())),
                ],
            ),
            check(
                j("$.s"),
                vec![
                    Op::Matches(regex::Regex::new("^h.*o$").unwrap()),
                    Op::OneOf(lit(serde_json::json!(["x", "hello"]))),
                ],
            ),
            check(
                j("$.l"),
                vec![
                    Op::Contains(lit(2.into())),
                    Op::NotContains(lit(9.into())),
                    Op::Empty(false),
                ],
            ),
            check(
                j("$.l"),
                vec![Op::Length(Box::new(Matcher {
                    ops: vec![(Op::Eq(lit(3.into())), Pos::default())],
                }))],
            ),
            check(
                j("$.o"),
                vec![Op::Contains(lit("k".into())), Op::Type(JsonType::Object)],
            ),
            check(j("$.nope"), vec![Op::Exists(false)]),
            check(j("$.l[*]"), vec![Op::Eq(lit(serde_json::json!([1, 2, 3])))]),
            check(
                Subject::Header("content-type".into()),
                vec![Op::Contains(lit("json".into()))],
            ),
            check(Subject::Duration, vec![Op::Lt(lit(1000.into()))]),
        ];
        assert!(
            run(&passing, &resp).is_empty(),
            "{:?}",
            run(&passing, &resp)
        );
        let failing = vec![
            check(Subject::Status, vec![Op::Eq(lit("200".into()))]),
            check(
                j("$.nope"),
                vec![Op::Exists(true), Op::Eq(lit(Value::Null))],
            ),
            check(j("$.s"), vec![Op::Gt(lit(5.into()))]),
        ];
        let failures = run(&failing, &resp);
        assert_eq!(failures.len(), 4);
        assert_eq!(failures[0].expected, "\"200\"");
        assert_eq!(failures[0].actual, "200");
        assert_eq!(failures[1].actual, "nothing selected");
        assert_eq!(failures[1].loc.to_string(), "t.yaml:3:5");
    }

    #[test]
    fn json_checks_on_a_non_json_body_fail_clearly() {
        let resp = response(502, "<html>Bad gateway</html>\u{fffd}");
        let c = check(
            Subject::Json(Query::parse("$.a").unwrap()),
            vec![Op::Exists(true), Op::Eq(lit(1.into()))],
        );
        let failures = run(&[c], &resp);
        assert_eq!(failures.len(), 1);
        assert!(failures[0].actual.starts_with("not JSON: <html>"));
    }

    #[test]
    fn captures() {
        let resp = Response::new(
            201,
            "HTTP/1.1".into(),
            vec![
                ("location".into(), "/items/7".into()),
                ("set-cookie".into(), "sid=abc; Path=/".into()),
            ],
            br#"{"id": "x1", "items": [{"n": 1}, {"n": 2}]}"#.to_vec(),
            Duration::ZERO,
        );
        let cap = |source| Capture {
            name: "c".into(),
            source,
            secret: false,
            optional: false,
            pos: Pos::default(),
        };
        let get = |source| capture(&cap(source), &resp).unwrap();
        assert_eq!(
            get(CaptureSource::Json(Query::parse("$.id").unwrap())),
            Some(TValue::from("x1"))
        );
        assert_eq!(
            get(CaptureSource::Json(Query::parse("$.items[*].n").unwrap())),
            Some(crate::template::to_value(serde_json::json!([1, 2])))
        );
        assert_eq!(
            get(CaptureSource::Json(Query::parse("$.missing").unwrap())),
            None
        );
        assert_eq!(
            get(CaptureSource::Header("location".into())),
            Some(TValue::from("/items/7"))
        );
        assert_eq!(get(CaptureSource::Status), Some(TValue::from(201)));
        assert_eq!(
            get(CaptureSource::Cookie("sid".into())),
            Some(TValue::from("abc"))
        );
        let regex = regex::Regex::new(r#""id": "(\w+)""#).unwrap();
        assert_eq!(
            get(CaptureSource::Regex {
                regex,
                group: RegexGroup::Index(1)
            }),
            Some(TValue::from("x1"))
        );
    }
}
