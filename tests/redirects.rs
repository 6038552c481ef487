//! Redirects followed by apiflow itself, against real servers on 127.0.0.1: what each hop
//! carried as the servers received it, and what the JSON report recorded.

mod http_server;
mod support;

use http_server::HttpServer;
use serde_json::Value;
use support::{Dir, apiflow};

/// Runs a workflow file with `-v` and a JSON report; (exit code, stdout, report).
fn run(dir: &Dir, yaml: &str, extra: &[&str]) -> (i32, String, Value) {
    let file = dir.write("wf.yaml", yaml);
    let report = dir.path().join("report.json");
    let out = apiflow()
        .arg("run")
        .arg(&file)
        .arg("-v")
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .args(extra)
        .env("SECRET_HEADER", "s3cr3t-header-value")
        .output()
        .unwrap();
    let stdout =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let text = std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report: {stdout}"));
    (
        out.status.code().unwrap_or(-1),
        stdout,
        serde_json::from_str(&text).unwrap(),
    )
}

fn step(report: &Value, i: usize) -> &Value {
    &report["workflows"][0]["steps"][i]
}

fn hops(report: &Value, i: usize) -> &Vec<Value> {
    step(report, i)["attempts"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["exchanges"]
        .as_array()
        .unwrap()
}

fn header<'a>(entry: &'a Value, name: &str) -> Option<&'a str> {
    entry["headers"][name].as_str()
}

#[test]
fn see_other_turns_a_post_into_a_get_and_every_hop_is_recorded() {
    let a = HttpServer::start();
    let dir = Dir::new();
    let yaml = r#"version: 1
name: see other
steps:
  - id: post
    request:
      method: POST
      url: "A/to?status=303&url=/echo/landed"
      json: { name: widget }
    expect:
      status: 200
      json:
        $.method: GET
  - assert:
      - that: steps.post.response.url == "A/echo/landed"
      - that: steps.post.response.redirects == ["A/to?status=303&url=/echo/landed"]
"#
    .replace("A/", &format!("{}/", a.url));
    let (code, out, report) = run(&dir, &yaml, &[]);
    assert_eq!(code, 0, "{out}");
    let first = &a.hits("/to")[0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["body"], r#"{"name":"widget"}"#);
    let second = &a.hits("/echo/landed")[0];
    assert_eq!(second["method"], "GET");
    assert_eq!(second["body_len"], 0);
    assert_eq!(header(second, "content-type"), None);
    assert_eq!(header(second, "referer"), None);
    let hops = hops(&report, 0);
    assert_eq!(hops.len(), 2);
    assert_eq!(hops[0]["response"]["status"], 303);
    assert_eq!(hops[0]["request"]["method"], "POST");
    assert_eq!(hops[1]["request"]["method"], "GET");
    assert_eq!(hops[1]["response"]["status"], 200);
    assert!(
        hops[1]["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/echo/landed")
    );
}

#[test]
fn temporary_redirects_keep_method_and_body_on_the_same_origin() {
    let a = HttpServer::start();
    let dir = Dir::new();
    let yaml = r#"version: 1
name: temporary
steps:
  - request:
      method: PUT
      url: "A/to?status=307&url=/echo/a"
      body: "plain text"
      headers: { Content-Type: text/plain }
    expect: { status: 200 }
  - request:
      method: PATCH
      url: "A/to?status=308&url=/echo/b"
      json: [1, 2]
    expect: { status: 200 }
"#
    .replace("A/", &format!("{}/", a.url));
    let (code, out, _) = run(&dir, &yaml, &[]);
    assert_eq!(code, 0, "{out}");
    let a1 = &a.hits("/echo/a")[0];
    assert_eq!(a1["method"], "PUT");
    assert_eq!(a1["body"], "plain text");
    assert_eq!(header(a1, "content-type"), Some("text/plain"));
    let b1 = &a.hits("/echo/b")[0];
    assert_eq!(b1["method"], "PATCH");
    assert_eq!(b1["body"], "[1,2]");
}

#[test]
fn a_hop_to_another_origin_carries_no_credentials() {
    let a = HttpServer::start();
    let b = HttpServer::start();
    let dir = Dir::new();
    let yaml = r#"version: 1
name: cross origin
inputs:
  token: { secret: true, env: SECRET_HEADER }
steps:
  - request:
      url: "A/to?status=302&url=B/echo/landed"
      auth: { bearer: bearer-t0ken-value }
      headers:
        X-API-Key: api-key-value-1
        IAM-ApiKey: iam-key-value-1
        X-Custom: "{{ inputs.token }}"
        X-Trace: trace-1
      cookies: { own: own-cookie-value }
    expect: { status: 200 }
"#
    .replace("A/", &format!("{}/", a.url))
    .replace("B/", &format!("{}/", b.url));
    let (code, out, report) = run(&dir, &yaml, &[]);
    assert_eq!(code, 0, "{out}");
    let first = &a.hits("/to")[0];
    assert_eq!(
        header(first, "authorization"),
        Some("Bearer bearer-t0ken-value")
    );
    assert_eq!(header(first, "x-custom"), Some("s3cr3t-header-value"));
    assert_eq!(header(first, "cookie"), Some("own=own-cookie-value"));
    let landed = &b.hits("/echo/landed")[0];
    let names: Vec<&String> = landed["headers"].as_object().unwrap().keys().collect();
    for gone in [
        "authorization",
        "x-api-key",
        "iam-apikey",
        "x-custom",
        "cookie",
        "referer",
    ] {
        assert!(
            header(landed, gone).is_none(),
            "{gone} reached the other origin: {names:?}"
        );
    }
    assert_eq!(header(landed, "x-trace"), Some("trace-1"));
    // The record shows what each hop carried, and no secret value.
    let hops = hops(&report, 0);
    let sent: Vec<Vec<String>> = hops
        .iter()
        .map(|h| {
            h["request"]["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["name"].as_str().unwrap().to_ascii_lowercase())
                .collect()
        })
        .collect();
    assert!(sent[0].contains(&"authorization".to_owned()));
    assert!(!sent[1].contains(&"authorization".to_owned()));
    let text = report.to_string() + &out;
    for secret in [
        "bearer-t0ken-value",
        "s3cr3t-header-value",
        "own-cookie-value",
    ] {
        assert!(!text.contains(secret), "{secret} in the output");
    }
}

#[test]
fn a_body_is_never_re_sent_to_another_origin() {
    let a = HttpServer::start();
    let b = HttpServer::start();
    let dir = Dir::new();
    let yaml = r#"version: 1
name: no re-post
steps:
  - request:
      method: POST
      url: "A/to?status=307&url=B/echo/stolen"
      form: { apikey: the-api-key-1 }
"#
    .replace("A/", &format!("{}/", a.url))
    .replace("B/", &format!("{}/", b.url));
    let (code, out, report) = run(&dir, &yaml, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(b.log().is_empty(), "the other origin got {:?}", b.log());
    let error = step(&report, 0)["attempts"][0]["error"]["message"]
        .as_str()
        .unwrap();
    assert!(
        error.contains("would re-send the request body to another origin"),
        "{error}"
    );
    assert!(out.contains("re-send the request body"), "{out}");
}

#[test]
fn redirects_are_bounded_by_max_redirects() {
    let a = HttpServer::start();
    let dir = Dir::new();
    let yaml = r#"version: 1
name: bounded
steps:
  - request: { url: "A/chain/3", max_redirects: 3 }
    expect: { status: 200 }
  - request: { url: "A/chain/5", max_redirects: 3 }
"#
    .replace("A/", &format!("{}/", a.url));
    let (code, out, report) = run(&dir, &yaml, &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(step(&report, 0)["status"], "passed");
    let error = step(&report, 1)["attempts"][0]["error"]["message"]
        .as_str()
        .unwrap();
    assert!(
        error.contains("too many redirects (more than 3)"),
        "{error}"
    );
    // 4 hops of the first step, then 4 of the second (the 4th redirect is not followed).
    assert_eq!(a.log().len(), 8);
    assert_eq!(hops(&report, 1).len(), 4);
}

#[test]
fn follow_redirects_false_keeps_the_first_response() {
    let a = HttpServer::start();
    let dir = Dir::new();
    let yaml = r#"version: 1
name: not followed
steps:
  - id: r
    request: { url: "A/chain/2", follow_redirects: false }
    expect:
      status: 302
      headers: { location: /chain/1 }
  - assert:
      - that: steps.r.response.redirects == []
"#
    .replace("A/", &format!("{}/", a.url));
    let (code, out, _) = run(&dir, &yaml, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(a.log().len(), 1);
}

#[test]
fn url_userinfo_becomes_basic_auth_and_a_locations_userinfo_is_dropped() {
    let a = HttpServer::start();
    let dir = Dir::new();
    let with_user = a.url.replace("http://", "http://alice:pw-s3cr3t-9@");
    let yaml = r#"version: 1
name: userinfo
steps:
  - request: { url: "U/echo/basic" }
    expect: { status: 200 }
  - request: { url: "A/to?status=302&url=V/echo/dropped" }
    expect: { status: 200 }
"#
    .replace("U/", &format!("{with_user}/"))
    .replace("A/", &format!("{}/", a.url))
    .replace(
        "V/",
        &format!("{}/", a.url.replace("http://", "http://bob:loc-pw-1@")),
    );
    let (code, out, report) = run(&dir, &yaml, &[]);
    assert_eq!(code, 0, "{out}");
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("alice:pw-s3cr3t-9")
    );
    let basic = &a.hits("/echo/basic")[0];
    assert_eq!(header(basic, "authorization"), Some(expected.as_str()));
    let dropped = &a.hits("/echo/dropped")[0];
    assert_eq!(header(dropped, "authorization"), None);
    let text = report.to_string() + &out;
    assert!(!text.contains("pw-s3cr3t-9"));
}
