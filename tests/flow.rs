//! Flow control against a real server: if, for_each, retry (backoff, until, on, Retry-After),
//! timeouts, continue_on_error, include, and finally (after failures, timeouts and Ctrl-C).

mod support;

use std::time::{Duration, Instant};

use support::{Dir, TestServer, run};

fn file(dir: &Dir, server: &TestServer, body: &str) -> String {
    dir.write("flow.yaml", &body.replace("BASE", &server.url))
        .to_string_lossy()
        .into_owned()
}

#[test]
fn if_skips_with_the_reason_and_skipped_captures_stay_undefined() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = file(
        &dir,
        &server,
        r#"version: 1
name: if
inputs:
  create: { default: false }
steps:
  - id: maybe
    if: inputs.create
    request: { url: BASE/json }
    capture: { made: $.id }
  - if: made is not defined
    set: { made: none-made }
  - assert:
      - that: made == "none-made"
"#,
    );
    let (code, out, err) = run(&["run", &f]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("skipped: `if: inputs.create` was false"),
        "{out}"
    );
    assert_eq!(server.requests(), 0);
}

#[test]
fn for_each_runs_per_item_and_a_failure_names_the_item() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = file(
        &dir,
        &server,
        r#"version: 1
name: loop
steps:
  - id: each
    for_each: "['a', 'b', 'c']"
    request: { url: "BASE/echo?item={{ item }}&index={{ index }}" }
    expect: { json: { $.query: { contains: "index=" } } }
    capture: { q: $.query }
  - assert:
      - that: steps.each.iterations | length == 3
      - that: steps.each.iterations[2].captures.q == "item=c&index=2"
      - that: steps.each.iterations[0].response.status == 200
  - id: failing
    for_each: "[1, 2, 3]"
    request: { url: "BASE/status/{{ 200 if item < 2 else 500 }}" }
    expect: { status: 200 }
"#,
    );
    let (code, out, _) = run(&["run", &f]);
    assert_eq!(code, 1, "{out}");
    // Every item runs and is reported on its own line; the step fails for the failing one.
    assert!(out.contains("✗ failing [1]"), "{out}");
    assert!(out.contains("✓ failing [0]"), "{out}");
    assert!(out.contains("status: expected 200, actual 500"), "{out}");
    assert_eq!(
        server.requests(),
        6,
        "every item runs, the failing one included"
    );
}

#[test]
fn retry_until_passing_with_backoff_retry_after_and_until() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = file(
        &dir,
        &server,
        r#"version: 1
name: retry
steps:
  - id: flaky
    request: { url: BASE/flaky/a/2 }
    retry: { attempts: 5, delay: 20ms, backoff: exponential, on: [5xx] }
    expect: { status: 200, json: { $.attempt: 3 } }
  - id: poll
    request: { url: BASE/poll/p/3 }
    retry:
      attempts: 10
      delay: 10ms
      until: steps.poll.response.json.state == "active" and attempt == 3
  - id: limited
    request: { url: BASE/limited/l }
    retry: { attempts: 3, delay: 10ms, max_delay: 300ms }
    expect: { status: 200 }
"#,
    );
    let started = Instant::now();
    let (code, out, err) = run(&["run", &f]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 attempts"), "{out}");
    // Retry-After: 1 was capped by max_delay (300 ms), so the run is well under a second of waiting.
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn retry_gives_up_with_the_last_failure_and_respects_on() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = file(
        &dir,
        &server,
        r#"version: 1
name: giveup
steps:
  - id: not_retried
    continue_on_error: true
    request: { url: BASE/status/404 }
    retry: { attempts: 4, delay: 1ms, on: [network, 503] }
    expect: { status: 200 }
  - id: exhausted
    request: { url: BASE/poll/x/100 }
    retry: { attempts: 3, delay: 1ms, until: steps.exhausted.response.json.state == "active" }
"#,
    );
    let (code, out, _) = run(&["run", &f]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the last of 3 attempts"), "{out}");
    assert!(out.contains("retry until: expected `steps.exhausted.response.json.state == \"active\"` to become true, actual still false after 3 attempts"), "{out}");
    let not_retried = server
        .log()
        .iter()
        .filter(|r| r["path"] == "/status/404")
        .count();
    assert_eq!(not_retried, 1, "a 404 is not in `on`: {:?}", server.log());
}

#[test]
fn timeouts_say_which_bound_expired_and_finally_still_runs() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = file(
        &dir,
        &server,
        r#"version: 1
name: timeouts
timeout: 800ms
steps:
  - id: step_bound
    continue_on_error: true
    timeout: 100ms
    request: { url: BASE/slow/2000 }
  - id: workflow_bound
    request: { url: BASE/slow/5000 }
  - id: after
    request: { url: BASE/json }
finally:
  - request: { url: "BASE/echo?cleanup=1" }
"#,
    );
    let started = Instant::now();
    let (code, out, _) = run(&["run", &f]);
    assert_eq!(code, 1, "{out}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        out.contains("the step timed out after 100 ms (its `timeout`)"),
        "{out}"
    );
    assert!(
        out.contains("the workflow timed out after 800 ms (its `timeout`)"),
        "{out}"
    );
    assert!(out.contains("skipped: the workflow timed out"), "{out}");
    assert!(
        server.log().iter().any(|r| r["query"] == "cleanup=1"),
        "finally ran"
    );
}

#[test]
fn finally_runs_after_a_failure_and_an_included_workflows_own_finally_runs() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "lib/setup.yaml",
        &r#"version: 1
name: setup
steps:
  - request: { url: "BASE/echo?setup=1" }
    capture: { token: $.query }
finally:
  - request: { url: "BASE/echo?inner_cleanup=1" }
outputs:
  token: "{{ token }}"
"#
        .replace("BASE", &server.url),
    );
    let f = file(
        &dir,
        &server,
        r#"version: 1
name: outer
steps:
  - id: setup
    include: lib/setup.yaml
  - request: { url: "BASE/echo?use={{ steps.setup.outputs.token }}" }
    expect: { status: 500 }
  - request: { url: BASE/json }
finally:
  - request: { url: "BASE/status/500" }
    expect: { status: 200 }
  - request: { url: "BASE/echo?outer_cleanup=1" }
"#,
    );
    let (code, out, _) = run(&["run", &f]);
    assert_eq!(code, 1, "{out}");
    let queries: Vec<String> = server
        .log()
        .iter()
        .map(|r| r["query"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        queries,
        [
            "setup=1",
            "inner_cleanup=1",
            "use=setup=1",
            "",
            "outer_cleanup=1"
        ],
        "{out}"
    );
    assert!(out.contains("[finally]"), "{out}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_the_request_runs_finally_writes_reports_and_exits_130() {
    let server = TestServer::start();
    let dir = Dir::new();
    let f = file(
        &dir,
        &server,
        r#"version: 1
name: interrupted
steps:
  - request: { url: BASE/slow/20000 }
  - request: { url: BASE/json }
finally:
  - request: { url: "BASE/echo?cleanup=1" }
"#,
    );
    let report = dir.path().join("report.json");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("apiflow"))
        .args(["run", &f, "--report"])
        .arg(format!("json={}", report.display()))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let started = Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        server.log().iter().any(|r| r["query"] == "cleanup=1"),
        "finally ran"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(doc["workflows"][0]["status"], "interrupted");
    assert_eq!(
        doc["workflows"][0]["steps"][1]["skip_reason"],
        "interrupted"
    );
}
