//! Reports for CI: JUnit (validated against a published schema and read by junitparser), the
//! JSON report (validated against schemas/report.schema.json), GitHub annotations, sharding,
//! and the workflow schema checked by check-jsonschema.

mod support;

use serde_json::Value;
use support::{Dir, TestServer, junit_suites, python, run, run_reporting};

const MIXED: &str = r#"version: 1
name: mixed
inputs:
  token: { secret: true, default: "Pl4nted-Secret-Value-0123456789" }
steps:
  - id: ok
    request: { url: "BASE/json" }
    expect: { status: 200 }
    capture:
      id: $.id
      hidden: { json: $.token, secret: true }
  - id: loop
    for_each: "[1, 2]"
    request: { url: "BASE/echo?n={{ item }}" }
  - id: flaky
    retry: { attempts: 3, delay: 10ms }
    request: { url: "BASE/flaky/k/1" }
    expect: { status: 200 }
  - id: bad
    continue_on_error: true
    request: { url: "BASE/json", headers: { Authorization: "Bearer {{ inputs.token }}" } }
    expect:
      status: 201
      json: { $.count: { gt: 5 } }
  - id: broken
    request: { url: "http://127.0.0.1:9/unreachable" }
  - id: never
    request: { url: "BASE/json" }
outputs:
  first_id: "{{ id }}"
"#;

fn run_mixed(extra: &[&str]) -> (Dir, TestServer, i32, String) {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write("mixed.yaml", &MIXED.replace("BASE", &server.url));
    let junit = dir.path().join("out/junit.xml");
    let json = dir.path().join("out/report.json");
    let mut args = vec![
        "run".to_owned(),
        file.to_string_lossy().into_owned(),
        "--report".into(),
        format!("junit={}", junit.display()),
        "--report".into(),
        format!("json={}", json.display()),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args);
    (dir, server, code, out + &err)
}

#[test]
fn junit_has_a_testcase_per_step_and_passes_a_published_schema() {
    let (dir, _server, code, out) = run_mixed(&[]);
    assert_eq!(code, 1, "{out}");
    let junit = dir.path().join("out/junit.xml");
    let suites = junit_suites(&junit);
    let suite = &suites[0];
    // Each `for_each` item is its own case; the allowed failure is skipped, not failed.
    assert_eq!(suite["tests"], 7, "{suite}");
    assert_eq!(suite["failures"], 0, "{suite}");
    assert_eq!(suite["errors"], 1, "{suite}");
    assert_eq!(suite["skipped"], 2, "{suite}");
    let names: Vec<&str> = suite["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ok", "loop [0]", "loop [1]", "flaky", "bad", "broken", "never"
        ]
    );
    let case = |name: &str| {
        suite["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap()
    };
    let bad = case("bad");
    assert_eq!(bad["results"][0]["kind"], "Skipped");
    let message = bad["results"][0]["message"].as_str().unwrap();
    assert!(
        message
            .starts_with("allowed failure (continue_on_error): status: expected 201, actual 200"),
        "{message}"
    );
    let text = bad["results"][0]["text"].as_str().unwrap();
    assert!(text.contains("status: expected 201, actual 200"), "{text}");
    assert!(text.contains("$.count: expected > 5, actual 3"), "{text}");
    assert!(text.contains("mixed.yaml:23:15"), "{text}");
    // The failed step's exchange, as sent and as received, redacted.
    let exchange = bad["system_out"].as_str().unwrap();
    assert!(exchange.contains("> GET http://127.0.0.1:"), "{exchange}");
    assert!(
        exchange.contains("> authorization: Bearer ••••••"),
        "{exchange}"
    );
    assert!(exchange.contains("< HTTP/1.1 200"), "{exchange}");
    assert!(exchange.contains("\"count\": 3"), "{exchange}");
    let broken = case("broken");
    assert_eq!(broken["results"][0]["kind"], "Error");
    assert!(
        broken["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{broken}"
    );
    // A refused connection is reported as the request it was, with why it failed.
    let sent = broken["system_out"].as_str().unwrap();
    assert!(
        sent.contains("> GET http://127.0.0.1:9/unreachable"),
        "{sent}"
    );
    assert!(sent.contains("< error: could not connect"), "{sent}");
    assert_eq!(case("never")["results"][0]["kind"], "Skipped");
    assert_eq!(
        case("never")["results"][0]["message"],
        "an earlier step failed"
    );
    assert_eq!(case("ok")["results"], serde_json::json!([]));
    assert_eq!(case("flaky")["system_out"], "attempts: 2");
    assert_eq!(
        case("ok")["system_out"],
        "captured id = \"abc123\"\ncaptured hidden = \"••••••\""
    );
}

#[test]
fn the_json_report_matches_its_schema_and_says_everything() {
    let (dir, server, code, out) = run_mixed(&[]);
    assert_eq!(code, 1, "{out}");
    let text = std::fs::read_to_string(dir.path().join("out/report.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../schemas/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The report reads back into the record it was written from.
    let record: apiflow::record::RunRecord = serde_json::from_str(&text).unwrap();
    assert_eq!(record.version, apiflow::record::RECORD_VERSION);
    assert_eq!(report["version"], 2);
    assert!(report["tool"].as_str().unwrap().starts_with("apiflow "));
    assert_eq!(
        report["summary"],
        serde_json::json!({
            "workflows": 1, "workflows_passed": 0, "workflows_failed": 1,
            "steps_passed": 4, "steps_failed": 2, "steps_skipped": 1
        })
    );
    let wf = &report["workflows"][0];
    assert_eq!(wf["status"], "failed");
    assert_eq!(wf["outputs"]["first_id"], "abc123");
    let steps = wf["steps"].as_array().unwrap();
    let titles: Vec<&str> = steps.iter().map(|s| s["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "ok", "loop [0]", "loop [1]", "flaky", "bad", "broken", "never"
        ]
    );
    assert_eq!(
        steps[0]["attempts"][0]["captures"][1],
        serde_json::json!({"name": "hidden", "secret": true, "value": "••••••"})
    );
    assert_eq!(
        (steps[1]["item"].clone(), steps[2]["item"].clone()),
        (0.into(), 1.into())
    );
    // Retries: every attempt is kept, the first one's 503 included.
    let flaky = &steps[3]["attempts"];
    assert_eq!(flaky.as_array().unwrap().len(), 2);
    assert_eq!(flaky[0]["exchanges"][0]["response"]["status"], 503);
    assert_eq!(flaky[0]["status"], "failed");
    assert_eq!(flaky[1]["status"], "passed");
    // The allowed failure: both failed checks, typed, with the value actually compared.
    let bad = &steps[4];
    assert_eq!(bad["status"], "failed");
    assert_eq!(bad["allowed_failure"], true);
    let checks = bad["attempts"][0]["checks"].as_array().unwrap();
    let failed: Vec<&Value> = checks.iter().filter(|c| c["passed"] == false).collect();
    assert_eq!(failed.len(), 2, "{checks:?}");
    assert_eq!(failed[0]["subject"], "status");
    assert_eq!(failed[0]["expected"], 201);
    assert_eq!(failed[0]["actual"], 200);
    assert_eq!(failed[0]["location"]["line"], 23);
    assert_eq!(failed[1]["subject"], "$.count");
    assert_eq!(failed[1]["operator"], "gt");
    assert_eq!(failed[1]["actual"], 3);
    // Its exchange: the request as sent (the credential masked), the response with its body.
    let hop = &bad["attempts"][0]["exchanges"][0];
    let sent = hop["request"]["headers"].as_array().unwrap();
    assert!(
        sent.contains(&serde_json::json!({"name": "authorization", "value": "Bearer ••••••"})),
        "{sent:?}"
    );
    assert_eq!(hop["response"]["status"], 200);
    let body = hop["response"]["body"]["text"].as_str().unwrap();
    assert_eq!(serde_json::from_str::<Value>(body).unwrap()["count"], 3);
    // What the server received is what the report says was sent.
    let received: Vec<Value> = server
        .log()
        .into_iter()
        .filter(|r| r["path"] == "/echo")
        .map(|r| r["query"].clone())
        .collect();
    assert_eq!(received, ["n=1", "n=2"]);
    for (step, query) in steps[1..3].iter().zip(&received) {
        let url = step["attempts"][0]["exchanges"][0]["request"]["url"]
            .as_str()
            .unwrap();
        assert!(
            url.ends_with(&format!("/echo?{}", query.as_str().unwrap())),
            "{url}"
        );
    }
    assert_eq!(steps[5]["status"], "errored");
    let error = steps[5]["attempts"][0]["error"]["message"]
        .as_str()
        .unwrap();
    assert!(error.contains("could not connect"), "{error}");
    let hop = &steps[5]["attempts"][0]["exchanges"][0];
    assert_eq!(hop["request"]["url"], "http://127.0.0.1:9/unreachable");
    assert!(hop.get("response").is_none(), "{hop}");
    assert!(
        hop["error"]
            .as_str()
            .unwrap()
            .starts_with("could not connect"),
        "{hop}"
    );
    assert_eq!(steps[6]["status"], "skipped");
    assert_eq!(steps[6]["skip_reason"], "an earlier step failed");
    // The same report also passes check-jsonschema, a validator no one here wrote.
    let status = std::process::Command::new(python())
        .args(["-m", "check_jsonschema", "--schemafile"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json"))
        .arg(dir.path().join("out/report.json"))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    // Secrets are nowhere in either report.
    let junit = std::fs::read_to_string(dir.path().join("out/junit.xml")).unwrap();
    for t in [&text, &junit, &out] {
        assert!(!t.contains("Pl4nted-Secret-Value-0123456789"), "{t}");
        assert!(!t.contains("tok-9f8e7d6c5b4a"), "a secret capture: {t}");
    }
}

/// One GitHub workflow command (`::LEVEL k=v,k=v::message`), properties and message unescaped
/// as the runner reads them.
#[derive(Debug, PartialEq)]
struct Annotation {
    level: String,
    props: std::collections::BTreeMap<String, String>,
    message: String,
}

fn annotations(stdout: &str) -> Vec<Annotation> {
    let unescape = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::"))
        .map(|l| {
            let (head, message) = l.split_once("::").expect("a command has `::` twice");
            let (level, props) = head.split_once(' ').unwrap_or((head, ""));
            let props = props
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').expect("k=v");
                    (k.to_owned(), unescape(v))
                })
                .collect();
            Annotation {
                level: level.to_owned(),
                props,
                message: unescape(message),
            }
        })
        .collect()
}

#[test]
fn github_annotations_point_at_the_failing_lines() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write("a.yaml", &MIXED.replace("BASE", &server.url));
    let out = support::apiflow()
        .env("GITHUB_ACTIONS", "true")
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let path = file.display().to_string();
    let found = annotations(&stdout);
    let summary: Vec<(&str, &str, &str, &str)> = found
        .iter()
        .map(|a| {
            (
                a.level.as_str(),
                a.props["line"].as_str(),
                a.props["title"].as_str(),
                a.message.as_str(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{stdout}");
    assert!(found.iter().all(|a| a.props["file"] == path), "{found:?}");
    // The allowed failure is a warning at each failed check; the step that broke an error.
    assert_eq!(
        summary[..2],
        [
            (
                "warning",
                "23",
                "apiflow: bad",
                "status: expected 201, actual 200"
            ),
            (
                "warning",
                "24",
                "apiflow: bad",
                "$.count: expected > 5, actual 3"
            ),
        ]
    );
    assert_eq!(found[0].props["col"], "15");
    assert_eq!((summary[2].0, summary[2].1), ("error", "25"));
    assert!(summary[2].3.contains("could not connect"), "{stdout}");
    let plain = support::apiflow()
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(annotations(&String::from_utf8_lossy(&plain.stdout)).is_empty());
}

#[test]
fn validation_errors_become_error_annotations() {
    let dir = Dir::new();
    let file = dir.write(
        "v.yaml",
        "version: 1\nname: v\nsteps:\n  - request: { url: \"http://127.0.0.1:9/\" }\n    expect: { stauts: 200 }\n",
    );
    let out = support::apiflow()
        .env("GITHUB_ACTIONS", "true")
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let found = annotations(&stdout);
    assert_eq!(found.len(), 1, "{stdout}");
    assert_eq!(found[0].level, "error");
    assert_eq!(found[0].props["file"], file.display().to_string());
    assert_eq!(found[0].props["line"], "5");
    assert!(found[0].message.contains("stauts"), "{found:?}");
}

#[test]
fn shards_split_the_files_once_and_deterministically() {
    let server = TestServer::start();
    let dir = Dir::new();
    for i in 0..12 {
        dir.write(
            &format!("suite/w{i:02}.yaml"),
            &format!(
                "version: 1\nname: w{i:02}\nsteps:\n  - request: {{ url: \"{}/echo?w={i:02}\" }}\n",
                server.url
            ),
        );
    }
    let suite = dir.path().join("suite");
    let mut seen = Vec::new();
    for k in 1..=3 {
        let (code, out, err) = run(&["run", suite.to_str().unwrap(), "--shard", &format!("{k}/3")]);
        assert_eq!(code, 0, "{out}{err}");
        let names: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("▶ "))
            .map(|l| l.split_whitespace().next().unwrap().to_owned())
            .collect();
        seen.extend(names);
    }
    seen.sort();
    let expected: Vec<String> = (0..12).map(|i| format!("w{i:02}")).collect();
    assert_eq!(seen, expected, "each file runs in exactly one shard");
    assert_eq!(server.requests(), 12);
    let (code, _, err) = run(&["run", suite.to_str().unwrap(), "--shard", "4/3"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected K/N"), "{err}");
}

#[test]
fn the_recipes_validate_against_the_workflow_schema_with_check_jsonschema() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "workflows",
        "workflows/ibm-cloud",
        "workflows/examples",
        "workflows/examples/common",
    ] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml")),
            );
        }
    }
    assert!(files.len() >= 3);
    for f in &files {
        let first = std::fs::read_to_string(f)
            .unwrap()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        assert!(
            first.starts_with("# yaml-language-server: $schema="),
            "{} has no schema modeline",
            f.display()
        );
    }
    let out = std::process::Command::new(python())
        .args(["-m", "check_jsonschema", "--schemafile"])
        .arg(root.join("schemas/workflow.schema.json"))
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn list_schema_and_completions() {
    let (code, out, _) = run(&["list", "workflows/ibm-cloud/api-setup.yaml"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("input apikey  required, secret, env IBMCLOUD_API_KEY"),
        "{out}"
    );
    assert!(
        out.contains("1. Exchange the API key for an IAM access token  request"),
        "{out}"
    );
    let (code, out, _) = run(&["schema"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim_end(),
        include_str!("../schemas/workflow.schema.json").trim_end()
    );
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = run(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(out.contains("apiflow"), "{shell}");
    }
}

#[test]
fn a_progress_line_is_drawn_on_a_terminal_only() {
    let server = TestServer::start();
    let dir = Dir::new();
    for i in 0..2 {
        dir.write(
            &format!("p{i}.yaml"),
            &format!(
                "version: 1\nname: p{i}\nsteps:\n  - request: {{ url: \"{}/slow/700\" }}\n",
                server.url
            ),
        );
    }
    let bin = assert_cmd::cargo::cargo_bin("apiflow");
    let command = format!("{} run {}", bin.display(), dir.path().display());
    // `script` gives the command a pseudo-terminal, as a person's shell would.
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(tty.contains("/2 workflows]"), "{tty}");
    assert!(tty.contains("\u{1b}["), "colour on a terminal: {tty}");
    let (_, piped, err) = run(&["run", dir.path().to_str().unwrap()]);
    assert!(
        !piped.contains("workflows]") && !err.contains("workflows]"),
        "{piped}{err}"
    );
    assert!(!piped.contains('\u{1b}'), "no colour when piped");
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let no_color = String::from_utf8_lossy(&out.stdout);
    assert!(!no_color.contains("\u{1b}[32m"), "NO_COLOR: {no_color}");
}

const EXCHANGE: &str = r#"version: 1
name: exchange
inputs:
  base: { default: "BASE" }
steps:
  - id: first
    request: { url: "{{ inputs.base }}/json" }
    expect: { status: 200 }
  - request:
      method: POST
      url: "{{ inputs.base }}/echo/items"
      headers: { X-Trace: trace-77 }
      json: { items: ITEMS }
    expect:
      status: 201
      json: { "$.json.items[0]": 0 }
"#;

fn exchange_file(server: &TestServer, dir: &Dir) -> std::path::PathBuf {
    let items: Vec<String> = (0..60).map(|i| i.to_string()).collect();
    let text = EXCHANGE
        .replace("BASE", &server.url)
        .replace("ITEMS", &format!("[{}]", items.join(", ")));
    dir.write("exchange.yaml", &text)
}

/// `... N more bytes (M more lines, -v shows them)` read back as (N, M).
fn more_marker(out: &str) -> Option<(usize, usize)> {
    // The response's marker: the last one (the request's body, when cut, has one before it).
    let line = out.lines().rev().find(|l| l.contains("-v shows them"))?;
    let rest = line.split("... ").nth(1)?;
    let (bytes, rest) = rest.split_once(" more bytes (")?;
    let (lines, _) = rest.split_once(" more lines")?;
    Some((bytes.parse().ok()?, lines.parse().ok()?))
}

#[test]
fn a_failed_step_prints_its_full_exchange_in_every_mode() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = exchange_file(&server, &dir);
    let json = dir.path().join("r.json");
    let (code, out, err) = run_reporting(&file, "json", &json, &[]);
    assert_eq!(code, 1, "{out}{err}");
    // Untitled: the rendered request line, never the template text.
    let title = format!("POST {}/echo/items", server.url);
    assert!(out.contains(&format!("✗ {title}")), "{out}");
    assert!(!out.contains("{{"), "{out}");
    assert!(out.contains("✗ status: expected 201, actual 200"), "{out}");
    // The request as sent, every header; the response with its headers and a body excerpt.
    assert!(
        out.contains(&format!("> POST {}/echo/items", server.url)),
        "{out}"
    );
    assert!(out.contains("> x-trace: trace-77"), "{out}");
    assert!(out.contains("< HTTP/1.1 200"), "{out}");
    assert!(out.contains("< content-type: application/json"), "{out}");
    // The server got what the terminal says was sent.
    let log = server.log();
    let received = log.iter().find(|r| r["path"] == "/echo/items").unwrap();
    assert_eq!(received["method"], "POST");
    assert_eq!(received["headers"]["x-trace"], "trace-77");
    // The excerpt says how much it left out, measured against the record's body.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let step = &report["workflows"][0]["steps"][1];
    assert_eq!(step["title"], title.as_str());
    let body = step["attempts"][0]["exchanges"][0]["response"]["body"]["text"]
        .as_str()
        .unwrap();
    let shown: usize = body.lines().take(40).map(|l| l.len() + 1).sum();
    let (bytes, lines) = more_marker(&out).unwrap_or_else(|| panic!("no marker: {out}"));
    assert_eq!(lines, body.lines().count() - 40, "{out}");
    assert_eq!(bytes, body.len().saturating_sub(shown), "{out}");
    // --quiet: the failed step in full and the summary; the passed step is left out.
    let (code, quiet, _) = run(&["run", file.to_str().unwrap(), "--quiet"]);
    assert_eq!(code, 1);
    assert!(!quiet.contains("first"), "{quiet}");
    for part in [
        format!("✗ {title}").as_str(),
        "✗ status: expected 201, actual 200",
        "> x-trace: trace-77",
        "< HTTP/1.1 200",
        "-v shows them",
        "✗ 1 workflow: 0 passed, 1 failed",
    ] {
        assert!(quiet.contains(part), "{part}: {quiet}");
    }
    // -v: every exchange, bodies whole.
    let (_, verbose, _) = run(&["run", file.to_str().unwrap(), "-v"]);
    assert!(!verbose.contains("-v shows them"), "{verbose}");
    assert_eq!(more_marker(&verbose), None);
    assert!(
        verbose.contains(&format!("> GET {}/json", server.url)),
        "{verbose}"
    );
    for line in body.lines() {
        assert!(verbose.contains(line), "{line} missing under -v");
    }
}

#[test]
fn status_codes_are_coloured_by_whether_they_were_expected() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "colour.yaml",
        &format!(
            "version: 1\nname: colour\nsteps:\n  - id: gone\n    request: {{ url: \"{0}/status/404\" }}\n    expect: {{ status: 404 }}\n  - id: wrong\n    request: {{ url: \"{0}/status/200\" }}\n    expect: {{ status: 201 }}\n",
            server.url
        ),
    );
    let bin = assert_cmd::cargo::cargo_bin("apiflow");
    let command = format!("{} run {}", bin.display(), file.display());
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    let line = |id: &str| {
        tty.lines()
            .find(|l| l.contains(id) && l.contains('→'))
            .unwrap_or_else(|| panic!("{id}: {tty}"))
            .to_owned()
    };
    assert!(
        line("gone").contains("\u{1b}[32m404\u{1b}[0m"),
        "expected 404 is green: {tty}"
    );
    assert!(
        line("wrong").contains("\u{1b}[31m200\u{1b}[0m"),
        "unexpected 200 is red: {tty}"
    );
}

#[test]
fn allowed_failures_are_reported_honestly() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "allowed.yaml",
        &format!(
            "version: 1\nname: allowed\nsteps:\n  - id: optional\n    continue_on_error: true\n    request: {{ url: \"{0}/status/500\" }}\n    expect: {{ status: 200 }}\n  - id: after\n    request: {{ url: \"{0}/json\" }}\n",
            server.url
        ),
    );
    let junit = dir.path().join("j.xml");
    let (code, out, _) = run_reporting(&file, "junit", &junit, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("! optional"), "{out}");
    assert!(
        out.contains("passed (failures allowed) · 1 passed, 1 failed, 0 skipped"),
        "{out}"
    );
    let suites = junit_suites(&junit);
    let case = &suites[0]["cases"][0];
    assert_eq!(case["results"][0]["kind"], "Skipped", "{case}");
    assert_eq!(
        case["results"][0]["message"],
        "allowed failure (continue_on_error): status: expected 200, actual 500"
    );
    assert_eq!(suites[0]["failures"], 0);
}

#[test]
fn junit_stays_well_formed_with_characters_xml_cannot_carry() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "odd.yaml",
        &format!(
            "version: 1\nname: \"odd\\x01name\\uFFFE\"\nsteps:\n  - name: \"bell\\x07\\uFFFF\"\n    request: {{ url: \"{}/status/500\" }}\n    expect: {{ status: 200 }}\n",
            server.url
        ),
    );
    let junit = dir.path().join("j.xml");
    let (code, out, err) = run_reporting(&file, "junit", &junit, &[]);
    assert_eq!(code, 1, "{out}{err}");
    let suites = junit_suites(&junit);
    assert!(
        suites[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("odd\u{fffd}name\u{fffd}"),
        "{suites}"
    );
    assert_eq!(suites[0]["cases"][0]["name"], "bell\u{fffd}\u{fffd}");
    assert_eq!(suites[0]["cases"][0]["results"][0]["kind"], "Failure");
}

#[test]
fn an_interrupted_sleep_is_not_reported_as_passed() {
    let dir = Dir::new();
    let file = dir.write(
        "nap.yaml",
        "version: 1\nname: nap\nsteps:\n  - name: nap\n    sleep: 20s\n",
    );
    let report = dir.path().join("r.json");
    let junit = dir.path().join("j.xml");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("apiflow"))
        .args(["run", file.to_str().unwrap(), "--report"])
        .arg(format!("json={}", report.display()))
        .arg("--report")
        .arg(format!("junit={}", junit.display()))
        .env_remove("GITHUB_ACTIONS")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(!stdout.contains("✓ nap"), "{stdout}");
    assert!(stdout.contains("✗ nap"), "{stdout}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let step = &doc["workflows"][0]["steps"][0];
    assert_eq!(step["status"], "errored", "{step}");
    assert_eq!(
        step["attempts"][0]["error"]["message"],
        "interrupted during `sleep`"
    );
    assert_eq!(doc["summary"]["steps_passed"], 0);
    let suites = junit_suites(&junit);
    assert_eq!(suites[0]["cases"][0]["results"][0]["kind"], "Error");
}

#[cfg(unix)]
#[test]
fn a_second_interrupt_aborts_the_finally_steps_at_once() {
    // The first Ctrl-C ends the nap and starts the `finally` nap, which an interrupt does
    // not cut; the second exits at once, with its message and no report.
    let dir = Dir::new();
    let file = dir.write(
        "nap.yaml",
        "version: 1\nname: nap\nsteps:\n  - sleep: 20s\nfinally:\n  - sleep: 20s\n",
    );
    let report = dir.path().join("r.json");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("apiflow"))
        .args(["run", file.to_str().unwrap(), "--report"])
        .arg(format!("json={}", report.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let kill = |pid: u32| {
        std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap()
    };
    std::thread::sleep(std::time::Duration::from_millis(700));
    kill(child.id());
    std::thread::sleep(std::time::Duration::from_millis(700));
    // Still running: the `finally` nap is not cut by the first interrupt.
    assert!(child.try_wait().unwrap().is_none());
    let started = std::time::Instant::now();
    kill(child.id());
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: running `finally` steps"),
        "{stderr}"
    );
    assert!(
        stderr.contains("interrupted again: aborting now"),
        "{stderr}"
    );
    assert!(!report.exists());
}
