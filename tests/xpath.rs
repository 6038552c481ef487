//! `expect.xpath` and `capture … xpath` on XML and HTML bodies from a real local server: every
//! check form where it holds and where it must not, captures used in a later request (read back
//! from what the server received), load-time errors, and the bounds on hostile bodies.

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::Uri;
use axum::routing::get;
use serde_json::Value;
use support::{Dir, json_report, run, run_reporting};

const CATALOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<catalog xmlns:p="urn:example:price">
  <item id="a1" stock="4"><name>Apple</name><p:price>1.50</p:price></item>
  <item id="b2" stock="0"><name>Bread</name><p:price>2.25</p:price></item>
  <item id="c3" stock="12"><name>Cheese</name><p:price>7</p:price></item>
</catalog>"#;

const PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Order 42</title></head><body>\
<ul id=lines><li class=line>Apple<li class=line>Bread</ul>\
<form><input name=csrf value=tok-5521></form><p>unclosed <b>bold";

/// A loopback server for XML and HTML bodies; it records the query of every request.
struct Server {
    url: String,
    queries: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start() -> Self {
        let queries = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&queries);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let record = move |uri: Uri| {
                    seen.lock()
                        .unwrap()
                        .push(uri.query().unwrap_or_default().to_owned());
                };
                let r1 = record.clone();
                let r2 = record.clone();
                let r3 = record.clone();
                let app = Router::new()
                    .route(
                        "/catalog",
                        get(move |uri: Uri| async move {
                            r1(uri);
                            ([("content-type", "application/xml")], CATALOG)
                        }),
                    )
                    .route(
                        "/page",
                        get(move |uri: Uri| async move {
                            r2(uri);
                            ([("content-type", "text/html; charset=utf-8")], PAGE)
                        }),
                    )
                    .route(
                        "/deep",
                        get(|| async {
                            let body = "<a>".repeat(300) + &"</a>".repeat(300);
                            ([("content-type", "text/xml")], body)
                        }),
                    )
                    .route(
                        "/many",
                        get(|| async {
                            let body = format!("<r>{}</r>", "<i/>".repeat(3000));
                            ([("content-type", "text/xml")], body)
                        }),
                    )
                    .route(
                        "/broken",
                        get(|| async { ([("content-type", "application/xml")], "<a><b></a>") }),
                    )
                    .route(
                        "/use",
                        get(move |uri: Uri| async move {
                            r3(uri);
                            "ok"
                        }),
                    );
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        Self {
            url: rx.recv().unwrap(),
            queries,
        }
    }

    fn queries(&self) -> Vec<String> {
        self.queries.lock().unwrap().clone()
    }
}

fn write(dir: &Dir, server: &Server, body: &str) -> String {
    dir.write("xpath.yaml", &body.replace("BASE", &server.url))
        .to_string_lossy()
        .into_owned()
}

/// Runs with a JSON report: (exit code, report, output).
fn run_report(dir: &Dir, file: &str) -> (i32, Value, String) {
    let path = dir.path().join("report.json");
    let (code, out, err) = run_reporting(std::path::Path::new(file), "json", &path, &[]);
    (code, json_report(&path), format!("{out}{err}"))
}

/// (subject, operator, passed) of every check of a step's last attempt.
fn checks(doc: &Value, step: usize) -> Vec<(String, String, bool)> {
    let attempts = doc["workflows"][0]["steps"][step]["attempts"]
        .as_array()
        .unwrap();
    attempts.last().unwrap()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["subject"].as_str().unwrap().to_owned(),
                c["operator"].as_str().unwrap().to_owned(),
                c["passed"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn xpath_checks_on_xml_hold_and_fail_as_they_should() {
    let server = Server::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: xml checks
steps:
  - id: holds
    request: { url: "BASE/catalog?n=1" }
    expect:
      xpath:
        count(//item): 3
        string(//item[@id='b2']/name): Bread
        "//item[@stock > 0]/@id": ["a1", "c3"]
        boolean(//item[@id='c3']): true
        sum(//p:price): 10.75
        //name: { length: 3, contains: Cheese }
        //missing: { exists: false }
        string(//item[1]/name): { starts_with: App, matches: "^A.*e$" }
        count(//item[@stock = 0]): { lt: 2, gte: 1 }
  - id: fails
    continue_on_error: true
    request: { url: "BASE/catalog?n=2" }
    expect:
      xpath:
        count(//item): 4
        string(//item[@id='b2']/name): Butter
        "//item[@stock > 0]/@id": ["a1"]
        boolean(//item[@id='c3']): false
        //missing: { exists: true }
        //name: { length: 2 }
        count( //item ): "3"
"#,
    );
    let (code, doc, out) = run_report(&dir, &f);
    assert_eq!(code, 0, "failures allowed by `continue_on_error`: {out}");
    assert_eq!(doc["workflows"][0]["steps"][1]["status"], "failed", "{out}");
    let held = checks(&doc, 0);
    assert_eq!(held.len(), 12, "{held:?}");
    assert!(held.iter().all(|c| c.2), "{held:?}\n{out}");
    let failed = checks(&doc, 1);
    assert_eq!(failed.len(), 7, "{failed:?}");
    assert!(failed.iter().all(|c| !c.2), "{failed:?}\n{out}");
    assert!(failed[0].0.contains("xpath `count(//item)`"), "{failed:?}");
    assert_eq!(server.queries(), ["n=1", "n=2"]);
}

#[test]
fn xpath_checks_on_lenient_html_and_captures_feed_later_requests() {
    let server = Server::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: html
steps:
  - id: page
    request: { url: "BASE/page" }
    expect:
      xpath:
        string(//title): Order 42
        count(//li[@class='line']): 2
        //li/text(): ["Apple", "Bread"]
        string(/html/body/p/b): bold
    capture:
      csrf: { xpath: "string(//input[@name='csrf']/@value)", secret: true }
      lines: { xpath: "//li" }
      title: { xpath: "substring-after(//title, 'Order ')" }
      nothing: { xpath: "//table", optional: true }
  - request:
      url: "BASE/use"
      query: { csrf: "{{ csrf }}", first: "{{ lines[0] }}", n: "{{ lines | length }}", order: "{{ title }}" }
  - assert:
      - that: nothing is not defined
"#,
    );
    let (code, doc, out) = run_report(&dir, &f);
    assert_eq!(code, 0, "{out}");
    assert!(checks(&doc, 0).iter().all(|c| c.2));
    assert_eq!(
        server.queries(),
        ["", "csrf=tok-5521&first=Apple&n=2&order=42"]
    );
    assert!(
        !out.contains("tok-5521"),
        "a secret capture is redacted: {out}"
    );
}

#[test]
fn a_capture_that_selects_nothing_fails_the_step() {
    let server = Server::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: capture nothing
steps:
  - request: { url: "BASE/page" }
    capture:
      rows: { xpath: "//table/tr" }
  - request: { url: "BASE/use?after=1" }
"#,
    );
    let (code, doc, out) = run_report(&dir, &f);
    assert_eq!(code, 1, "{out}");
    assert_ne!(doc["workflows"][0]["steps"][0]["status"], "passed");
    assert!(
        out.contains("capture `rows`") && out.contains("nothing selected"),
        "{out}"
    );
    assert_eq!(server.queries(), [""], "the later step did not run");
}

#[test]
fn bad_bodies_fail_the_check_with_the_reason() {
    let server = Server::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: bad bodies
steps:
  - continue_on_error: true
    request: { url: "BASE/broken" }
    expect: { xpath: { count(//a): 1 } }
  - continue_on_error: true
    request: { url: "BASE/deep" }
    expect: { xpath: { count(//a): 300 } }
"#,
    );
    let (code, doc, out) = run_report(&dir, &f);
    assert_eq!(code, 0, "failures allowed by `continue_on_error`: {out}");
    for step in [0, 1] {
        assert_eq!(checks(&doc, step).len(), 1);
        assert!(!checks(&doc, step)[0].2, "{out}");
    }
    assert!(out.contains("not well-formed XML"), "{out}");
    assert!(out.contains("deeper than 256 levels"), "{out}");
}

#[test]
fn an_invalid_expression_is_a_load_error_with_its_place() {
    let server = Server::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: invalid
steps:
  - request: { url: "BASE/catalog" }
    expect:
      xpath:
        "//item[": 1
    capture:
      x: { xpath: "count(" }
"#,
    );
    let (code, out, err) = run(&["validate", &f]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("xpath.yaml:7:"), "{err}");
    assert!(err.contains("xpath.yaml:9:"), "{err}");
    assert!(err.contains("invalid XPath"), "{err}");
    assert!(server.queries().is_empty());
}

#[test]
fn the_example_workflow_passes_against_a_local_server() {
    let server = Server::start();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = root.join("workflows/examples/xpath-check.yaml");
    let (code, out, err) = run(&[
        "run",
        example.to_str().unwrap(),
        "--input",
        &format!("base_url={}", server.url),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(server.queries().len() >= 2, "{:?}", server.queries());
}

#[test]
fn a_slow_evaluation_is_stopped_by_the_step_timeout() {
    let server = Server::start();
    let dir = Dir::new();
    // Quadratic in the document: minutes on 3,000 nodes, unless stopped.
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: slow xpath
steps:
  - timeout: 500ms
    request: { url: "BASE/many" }
    expect:
      xpath:
        count(//i[count(//i) > count(preceding::i)]): 3000
  - request: { url: "BASE/use?after=1" }
"#,
    );
    let started = std::time::Instant::now();
    let (code, doc, out) = run_report(&dir, &f);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{out}"
    );
    assert_eq!(code, 1, "{out}");
    let msg = doc["workflows"][0]["steps"][0]["attempts"][0]["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(msg.contains("the step timed out after 500 ms"), "{out}");
    assert!(server.queries().is_empty(), "the next step did not run");
}
