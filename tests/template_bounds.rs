//! Templates are bounded: a runaway loop obeys the step `timeout`, the workflow `timeout`,
//! Ctrl-C and SIGTERM, and stops on its own (fuel); a value over 64 MiB is an error, not an
//! abort. Driven through the real binary, reports read back with a JSON parser.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Dir, TestServer, json_report, run_reporting};

/// Three nested loops of 10,000: 10^12 iterations, far beyond any bound.
const RUNAWAY: &str = "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}x{% endfor %}{% endfor %}{% endfor %}";

fn write(dir: &Dir, server: &TestServer, body: &str) -> String {
    dir.write(
        "bounds.yaml",
        &body
            .replace("BASE", &server.url)
            .replace("RUNAWAY", RUNAWAY),
    )
    .to_string_lossy()
    .into_owned()
}

/// Runs with a JSON report; returns (exit code, elapsed, report, stdout).
fn run_with_report(dir: &Dir, file: &str) -> (i32, Duration, Value, String) {
    let path = dir.path().join("report.json");
    let started = Instant::now();
    let (code, out, err) = run_reporting(std::path::Path::new(file), "json", &path, &[]);
    let elapsed = started.elapsed();
    (code, elapsed, json_report(&path), format!("{out}{err}"))
}

fn step_error(doc: &Value, step: usize) -> String {
    let s = &doc["workflows"][0]["steps"][step];
    s["attempts"][0]["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_runaway_template_stops_at_the_step_timeout() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: step timeout
steps:
  - id: spin
    timeout: 100ms
    request: { url: "BASE/echo?x=RUNAWAY" }
finally:
  - request: { url: "BASE/echo?cleanup=1" }
"#,
    );
    let (code, elapsed, doc, out) = run_with_report(&dir, &f);
    assert_eq!(code, 1, "{out}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert_eq!(
        doc["workflows"][0]["steps"][0]["status"], "errored",
        "{out}"
    );
    let msg = step_error(&doc, 0);
    assert!(msg.contains("the step timed out after 100 ms"), "{msg}");
    // The runaway request was never sent; `finally` was.
    let queries: Vec<Value> = server.log().iter().map(|r| r["query"].clone()).collect();
    assert_eq!(queries, [Value::from("cleanup=1")], "{out}");
}

#[test]
fn a_runaway_template_stops_at_the_workflow_timeout() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: workflow timeout
timeout: 100ms
steps:
  - set: { spin: "RUNAWAY" }
  - request: { url: "BASE/echo?after=1" }
"#,
    );
    let (code, elapsed, doc, out) = run_with_report(&dir, &f);
    assert_eq!(code, 1, "{out}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    let wf = &doc["workflows"][0];
    assert_eq!(wf["status"], "failed");
    assert_eq!(server.requests(), 0, "no later step ran");
    let wf_error = wf["error"]["message"].as_str().unwrap_or_default();
    assert!(
        wf_error.contains("the workflow timed out after 100 ms"),
        "{out}"
    );
    let msg = step_error(&doc, 0);
    assert!(
        msg.contains("stopped: the workflow's `timeout` of 100 ms passed"),
        "{msg}"
    );
}

#[test]
fn a_runaway_template_without_a_timeout_stops_on_its_own() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        "version: 1\nname: fuel\nsteps:\n  - set: { spin: \"RUNAWAY\" }\n",
    );
    let (code, elapsed, doc, out) = run_with_report(&dir, &f);
    assert_eq!(code, 1, "{out}");
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    let msg = step_error(&doc, 0);
    assert!(msg.contains("more work than a template may"), "{msg}");
}

#[cfg(unix)]
fn interrupted_by(signal: &str) {
    let server = TestServer::start();
    let dir = Dir::new();
    // Every item renders the runaway template: the run lasts far longer than the signal's
    // delay, whichever of fuel or the loop is spent first.
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: interrupted
steps:
  - for_each: "range(100000)"
    set: { spin: "RUNAWAY" }
  - request: { url: "BASE/echo?after=1" }
finally:
  - request: { url: "BASE/echo?cleanup=1" }
"#,
    );
    let path = dir.path().join("report.json");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("apiflow"))
        .args(["run", &f, "--report"])
        .arg(format!("json={}", path.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let started = Instant::now();
    std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let elapsed = started.elapsed();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        elapsed < Duration::from_secs(3),
        "exited {elapsed:?} after {signal}"
    );
    assert_eq!(out.status.code(), Some(130), "{text}");
    let doc = json_report(&path);
    assert_eq!(doc["workflows"][0]["status"], "interrupted", "{text}");
    let queries: Vec<Value> = server.log().iter().map(|r| r["query"].clone()).collect();
    assert_eq!(
        queries,
        [Value::from("cleanup=1")],
        "only `finally` sent: {text}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_runaway_template_and_writes_the_report() {
    interrupted_by("-INT");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_a_runaway_template_and_writes_the_report() {
    interrupted_by("-TERM");
}

#[test]
fn a_doubling_string_stops_with_a_clear_error_not_an_abort() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: doubling
steps:
  - set:
      big: "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
"#,
    );
    let (code, elapsed, doc, out) = run_with_report(&dir, &f);
    assert_eq!(code, 1, "exit 1 (a failed step), not an abort: {out}");
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    let msg = step_error(&doc, 0);
    assert!(msg.contains("64 MiB"), "{msg}");
}

#[test]
fn a_rendered_value_over_64_mib_is_an_error_and_one_under_passes() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: sizes
steps:
  - id: under
    set: { fine: "{{ 'x' * 1000000 }}", text: "a{{ 'x' * 1000000 }}" }
  - id: whole
    continue_on_error: true
    set: { big: "{{ 'x' * 70000000 }}" }
  - id: text
    continue_on_error: true
    set: { big: "a{{ 'x' * 70000000 }}" }
  - assert:
      - that: fine | length == 1000000
      - that: text | length == 1000001
"#,
    );
    let (code, _, doc, out) = run_with_report(&dir, &f);
    assert_eq!(code, 0, "failures allowed by `continue_on_error`: {out}");
    let steps = &doc["workflows"][0]["steps"];
    assert_eq!(steps[0]["status"], "passed", "{out}");
    assert_eq!(steps[3]["status"], "passed", "{out}");
    for i in [1, 2] {
        assert_eq!(steps[i]["status"], "errored", "{out}");
        let msg = step_error(&doc, i);
        assert!(msg.contains("larger than 64 MiB"), "{msg}");
    }
}

#[test]
fn a_bounded_loop_renders_and_booleans_render_lower_case() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = write(
        &dir,
        &server,
        r#"version: 1
name: fine
inputs:
  ready: { default: true }
steps:
  - request:
      url: "BASE/echo?ready={{ inputs.ready }}&off={{ not inputs.ready }}&n={% for i in range(3) %}{{ i }}{% endfor %}"
    expect:
      json:
        $.query: "ready=true&off=false&n=012"
"#,
    );
    let (code, _, _, out) = run_with_report(&dir, &f);
    assert_eq!(code, 0, "{out}");
    assert_eq!(server.log()[0]["query"], "ready=true&off=false&n=012");
}
