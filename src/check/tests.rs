use super::capture::capture;
use super::*;
use crate::jsonpath::Query;
use crate::model::JsonType;
use crate::model::{Capture, CaptureSource, RegexGroup};
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

/// The checks that did not hold.
fn run(checks: &[Check], resp: &Response) -> Vec<CheckRecord> {
    let file: Arc<str> = Arc::from("t.yaml");
    let cookies = BTreeMap::new();
    let secrets = crate::secrets::Redactor::new();
    let on = Subjects {
        response: resp,
        cookies: &cookies,
        secrets: &secrets,
    };
    evaluate(checks, &on, &TValue::UNDEFINED, &file)
        .unwrap()
        .into_iter()
        .filter(|r| !r.passed)
        .collect()
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
    assert_eq!(failures[0].expected, Value::String("200".into()));
    assert_eq!(failures[0].actual, Some(Value::from(200)));
    assert_eq!(failures[1].actual, None);
    assert_eq!(failures[1].message.as_deref(), Some("nothing selected"));
    assert_eq!(failures[1].location.to_string(), "t.yaml:3:5");
}

#[test]
fn json_checks_on_a_non_json_body_fail_clearly() {
    let resp = response(502, "<html>Bad gateway</html>\u{fffd}");
    let c = check(
        Subject::Json(Query::parse("$.a").unwrap()),
        vec![Op::Exists(true), Op::Eq(lit(1.into()))],
    );
    let failures = run(&[c], &resp);
    assert_eq!(failures.len(), 1, "one failure, whatever the operators");
    // Nothing was compared (the record's `actual` is absent); the message shows the body.
    assert_eq!(failures[0].operator, "json");
    assert_eq!(failures[0].actual, None);
    let message = failures[0].message.as_deref().unwrap();
    assert!(message.starts_with("not JSON: <html>"), "{message}");
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
