//! End-to-end: the real binary runs workflow files against a real server on 127.0.0.1.

mod support;

use support::{Dir, TestServer, run};

fn workflow(server: &TestServer, body: &str) -> String {
    format!(
        "version: 1\nname: test\nsteps:\n{}",
        body.replace("BASE", &server.url)
    )
}

#[test]
fn captures_and_templates_flow_into_later_steps() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "flow.yaml",
        &format!(
            "version: 1\nname: flow\ninputs:\n  who: {{ default: world }}\nvars:\n  base: {}\n  greeting: \"hello {{{{ inputs.who }}}}\"\n{}",
            server.url,
            r#"steps:
  - id: first
    request:
      url: "{{ vars.base }}/json"
    expect:
      status: 200
      json:
        $.id: abc123
        $.count: { eq: 3, type: integer }
        $.items[*].n: [1, 2, 3]
        $.items: { length: 3 }
    capture:
      item_id: $.id
      count: { json: $.count }
  - id: second
    request:
      method: post
      url: "{{ vars.base }}/echo"
      query: { id: "{{ item_id }}", greeting: "{{ vars.greeting }}" }
      headers: { X-Count: "{{ count }}", X-Prev-Status: "{{ steps.first.response.status }}" }
      json:
        count: "{{ count }}"
        label: "n={{ count }}"
        nested: { list: ["{{ item_id }}", 2] }
    expect:
      json:
        $.json.count: 3
        $.json.label: "n=3"
        $.json.nested.list[0]: abc123
        $.query: { contains: "id=abc123" }
        $.headers['x-count']: "3"
        $.headers['x-prev-status']: "200"
        $.headers['content-type']: application/json
"#
        ),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("✓ first"), "{out}");
    let log = server.log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["method"], "POST");
    assert!(
        log[0]["query"]
            .as_str()
            .unwrap()
            .contains("greeting=hello+world")
    );
}

#[test]
fn every_failed_check_is_reported_and_later_steps_are_skipped() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "fail.yaml",
        &workflow(
            &server,
            r#"  - id: get
    request: { url: "BASE/json" }
    expect:
      status: 201
      json:
        $.id: { starts_with: xyz }
        $.count: { lt: 2 }
        $.nested.ok: true
        $.missing: { exists: true }
  - id: never
    request: { url: "BASE/echo" }
"#,
        ),
    );
    let (code, out, _) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("status: expected 201, actual 200"), "{out}");
    assert!(
        out.contains("$.id: expected to start with \"xyz\", actual \"abc123\""),
        "{out}"
    );
    assert!(out.contains("$.count: expected < 2, actual 3"), "{out}");
    assert!(
        out.contains("$.missing: expected to exist, actual nothing selected"),
        "{out}"
    );
    assert!(
        !out.contains("$.nested.ok: expected"),
        "a passing check is not reported: {out}"
    );
    // Each failure points at the line where the check was written.
    let path = file.display().to_string();
    assert!(out.contains(&format!("{path}:7:")), "{out}");
    assert!(out.contains(&format!("{path}:10:")), "{out}");
    assert!(out.contains("skipped: an earlier step failed"), "{out}");
    // The failure shows the request and an excerpt of the response.
    assert!(out.contains("> GET"), "{out}");
    assert!(out.contains("\"id\": \"abc123\""), "{out}");
    assert_eq!(
        server.log().iter().filter(|r| r["path"] == "/echo").count(),
        0,
        "a skipped step sends nothing"
    );
}

#[test]
fn request_bodies_auth_and_headers_are_sent_as_written() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("upload.txt", "file contents");
    let file = dir.write(
        "bodies.yaml",
        &workflow(
            &server,
            r#"  - request:
      method: PUT
      url: BASE/echo
      form: { grant_type: password, username: "a b" }
      auth: { basic: { username: user, password: pa55 } }
    expect:
      json:
        $.body: "grant_type=password&username=a+b"
        $.headers.authorization: "Basic dXNlcjpwYTU1"
        $.headers['content-type']: application/x-www-form-urlencoded
  - request:
      method: POST
      url: BASE/echo
      headers: { Content-Type: text/csv }
      body: "a,b\n1,2"
    expect:
      json:
        $.body: "a,b\n1,2"
        $.headers['content-type']: text/csv
  - request:
      method: POST
      url: BASE/echo
      multipart:
        note: hello
        upload: { file: upload.txt, content_type: text/plain }
    expect:
      json:
        $.body: { contains: "file contents" }
        $.headers['content-type']: { starts_with: multipart/form-data }
  - request: { url: BASE/gzip }
    expect:
      json: { $.compressed: true }
  - request: { url: BASE/redirect, follow_redirects: false }
    expect:
      status: 302
      headers: { location: /json }
  - request: { url: BASE/redirect }
    expect: { status: 2xx, json: { $.id: abc123 } }
  - request: { url: BASE/cookie }
    capture:
      session: { cookie: session }
  - request: { url: BASE/text }
    expect:
      body: { matches: 'id=\d+', not_contains: error }
    capture:
      id: { regex: 'id=(\d+)' }
  - assert:
      - that: id == "42"
"#,
        ),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn connection_refused_and_timeouts_are_clear_errors() {
    let dir = Dir::new();
    // A port that was just free: bind, read the port, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let file = dir.write(
        "refused.yaml",
        &format!("version: 1\nname: refused\nsteps:\n  - id: call\n    request: {{ url: \"http://127.0.0.1:{port}/x\" }}\n"),
    );
    let (code, out, _) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("could not connect"), "{out}");
    assert!(out.contains(&format!("{}:4:7", file.display())), "{out}");

    let server = TestServer::start();
    let file = dir.write(
        "slow.yaml",
        &workflow(
            &server,
            "  - request: { url: BASE/slow/3000, timeout: 200ms }\n",
        ),
    );
    let started = std::time::Instant::now();
    let (code, out, _) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("no response within 200 ms"), "{out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}

#[test]
fn json_checks_on_bad_bodies_fail_without_panicking() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "bodies.yaml",
        &workflow(
            &server,
            r#"  - request: { url: BASE/html }
    continue_on_error: true
    expect:
      json: { $.a: 1 }
  - request: { url: BASE/invalid-utf8 }
    expect:
      body: { contains: '"a"' }
      json: { $.a: x }
"#,
        ),
    );
    let (code, out, _) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("expected a JSON body, actual not JSON: <html>"),
        "{out}"
    );
    // Invalid UTF-8 is not JSON, but the body is still readable as text.
    assert!(
        out.contains("✗ $.a: expected a JSON body, actual not JSON: {\"a\": \"\u{fffd}"),
        "{out}"
    );
    assert!(!out.contains("body: expected"), "{out}");
}

#[test]
fn an_undefined_name_at_run_time_names_it_the_step_and_the_field() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "undef.yaml",
        &workflow(
            &server,
            r#"  - id: get
    request: { url: BASE/json }
    capture:
      maybe: { json: $.nothing, optional: true }
  - id: use
    request: { url: "BASE/echo?x={{ maybe }}" }
"#,
        ),
    );
    let (code, out, _) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`maybe` is not defined"), "{out}");
    assert!(out.contains(&format!("{}:9:", file.display())), "{out}");
}

#[test]
fn verbose_output_shows_exchanges_with_secrets_redacted() {
    let server = TestServer::start();
    let dir = Dir::new();
    let secret = "Zq8vP2mK9xL4nR7tY1wE5uI3oA6sD0fG";
    let file = dir.write(
        "secret.yaml",
        &format!(
            "version: 1\nname: s\ninputs:\n  key: {{ secret: true, required: true }}\nsteps:\n{}",
            r#"  - request:
      method: POST
      url: BASE/echo
      headers: { X-Trace: "{{ inputs.key | b64encode }}" }
      form: { apikey: "{{ inputs.key }}", other: visible-value }
    expect:
      status: 500
"#
            .replace("BASE", &server.url)
        ),
    );
    let (code, out, err) = run(&[
        "run",
        "-v",
        file.to_str().unwrap(),
        "--input",
        &format!("key={secret}"),
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("> POST"), "{out}");
    assert!(out.contains("visible-value"), "{out}");
    let b64 = "WnE4dlAybUs5eEw0blI3dFkxd0U1dUkzb0E2c0QwZkc=";
    for text in [&out, &err] {
        assert!(!text.contains(secret), "secret leaked: {text}");
        assert!(
            !text.contains(b64.trim_end_matches('=')),
            "base64 secret leaked: {text}"
        );
    }
    assert!(out.contains("••••••"));
}

#[test]
fn missing_required_inputs_stop_before_anything_is_sent() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "inputs.yaml",
        &format!(
            "version: 1\nname: i\ninputs:\n  token: {{ required: true, env: APIFLOW_TEST_TOKEN_UNSET }}\nsteps:\n  - request: {{ url: \"{}/echo\" }}\n",
            server.url
        ),
    );
    let (code, _, err) = run(&["run", file.to_str().unwrap(), "--input", "tokn=x"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the required input `token` has no value"),
        "{err}"
    );
    assert!(err.contains("APIFLOW_TEST_TOKEN_UNSET"), "{err}");
    assert!(err.contains("an input named `tokn` was given"), "{err}");
    assert_eq!(server.requests(), 0);

    // An input file and an env file both provide values.
    dir.write("values.yaml", "token: from-file\n");
    dir.write("vars.env", "APIFLOW_TEST_TOKEN_UNSET=from-env\n");
    let with_file = ["run", file.to_str().unwrap(), "--input-file"];
    let values = dir.path().join("values.yaml");
    let (code, out, err) = run(&[&with_file[..], &[values.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{out}{err}");
    let env = dir.path().join("vars.env");
    let (code, out, err) = run(&[
        "run",
        file.to_str().unwrap(),
        "--env-file",
        env.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn folders_are_searched_and_included_files_do_not_run_alone() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "suite/common/get.yaml",
        &format!(
            "version: 1\nname: shared\ninputs:\n  path: {{ required: true }}\nsteps:\n  - id: g\n    request: {{ url: \"{}{{{{ inputs.path }}}}\" }}\n    capture: {{ id: $.id }}\noutputs:\n  id: \"{{{{ id }}}}\"\n",
            server.url
        ),
    );
    dir.write(
        "suite/a.yaml",
        "version: 1\nname: a\nsteps:\n  - id: shared\n    include: common/get.yaml\n    with: { path: /json }\n  - assert:\n      - that: steps.shared.outputs.id == \"abc123\"\n",
    );
    dir.write("suite/notes.txt", "not a workflow");
    let (code, out, err) = run(&["run", dir.path().join("suite").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 workflow: 1 passed"), "{out}");
}

#[test]
fn json_schema_checks_inline_and_from_a_file() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("item.schema.yaml", "type: object\nrequired: [id, count]\nproperties:\n  id: { type: string }\n  count: { type: integer, minimum: 10 }\n");
    let file = dir.write(
        "schema.yaml",
        &workflow(
            &server,
            r#"  - request: { url: BASE/json }
    continue_on_error: true
    expect:
      schema: { file: item.schema.yaml }
  - request: { url: BASE/json }
    expect:
      schema:
        type: object
        required: [id, items]
        properties: { items: { type: array, minItems: 3 } }
"#,
        ),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("expected the body to match the JSON Schema, actual /count: 3 is less than the minimum of 10"), "{out}");
    let bad = dir.write(
        "bad.yaml",
        &workflow(
            &server,
            "  - request: { url: BASE/json }\n    expect:\n      schema: { type: 12 }\n",
        ),
    );
    let (code, _, err) = run(&["validate", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid JSON Schema"), "{err}");
}

#[test]
fn fail_fast_stops_starting_new_files() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "a.yaml",
        &workflow(
            &server,
            "  - request: { url: BASE/status/500 }\n    expect: { status: 200 }\n",
        ),
    );
    for n in ["b", "c", "d"] {
        dir.write(
            &format!("{n}.yaml"),
            &workflow(&server, "  - request: { url: BASE/echo }\n"),
        );
    }
    let (code, out, _) = run(&[
        "run",
        "--jobs",
        "1",
        "--fail-fast",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("1 workflow: 0 passed, 1 failed (3 not started)"),
        "{out}"
    );
    assert_eq!(server.requests(), 1);
    let (code, out, _) = run(&["run", "--jobs", "1", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("4 workflows: 3 passed, 1 failed"), "{out}");
}
