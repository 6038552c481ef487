//! Reports for CI: JUnit (validated against a published schema and read by junitparser), the
//! JSON report (validated against schemas/report.schema.json), GitHub annotations, sharding,
//! and the workflow schema checked by check-jsonschema.

mod support;

use serde_json::Value;
use support::{Dir, TestServer, python, python_script, run};

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
    let cache = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/junit-xsd");
    let (ok, parsed) = python_script("validate_junit.py", &[junit.as_os_str(), cache.as_os_str()]);
    assert!(ok, "{parsed}");
    let suites: Value = serde_json::from_str(parsed.lines().last().unwrap()).unwrap();
    let suite = &suites[0];
    assert_eq!(suite["tests"], 6, "{suite}");
    assert_eq!(suite["failures"], 1);
    assert_eq!(suite["errors"], 1);
    assert_eq!(suite["skipped"], 1);
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
    assert_eq!(bad["results"][0]["kind"], "Failure");
    let text = bad["results"][0]["text"].as_str().unwrap();
    assert!(text.contains("status: expected 201, actual 200"), "{text}");
    assert!(text.contains("$.count: expected > 5, actual 3"), "{text}");
    assert!(text.contains("mixed.yaml:23:15"), "{text}");
    assert_eq!(case("broken")["results"][0]["kind"], "Error");
    assert_eq!(case("never")["results"][0]["kind"], "Skipped");
    assert!(
        case("flaky")["system_out"]
            .as_str()
            .unwrap()
            .contains("attempts: 2")
    );
    assert!(
        case("ok")["system_out"]
            .as_str()
            .unwrap()
            .contains("captured id = \"abc123\"")
    );
}

#[test]
fn the_json_report_matches_its_schema_and_says_everything() {
    let (dir, _server, code, out) = run_mixed(&[]);
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
    let wf = &report["workflows"][0];
    assert_eq!(wf["status"], "failed");
    assert_eq!(wf["outputs"]["first_id"], "abc123");
    let steps = wf["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6);
    assert_eq!(
        steps[0]["captures"][1],
        serde_json::json!({"name": "hidden", "secret": true, "value": null})
    );
    assert_eq!(steps[1]["iterations"], 2);
    assert_eq!(steps[1]["history"].as_array().unwrap().len(), 2);
    assert_eq!(steps[2]["attempts"], 2);
    assert_eq!(steps[2]["history"][0]["http_status"], 503);
    assert_eq!(steps[3]["checks"]["failed"].as_array().unwrap().len(), 2);
    assert_eq!(steps[4]["status"], "errored");
    assert_eq!(steps[5]["skip_reason"], "an earlier step failed");
    assert_eq!(report["summary"]["steps"]["skipped"], 1);
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
    }
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
    assert!(stdout.contains(&format!("::error file={path},line=23,col=15,title=apiflow%3A bad::status: expected 201, actual 200")), "{stdout}");
    assert!(
        stdout.contains(&format!("::error file={path},line=24,col=")),
        "{stdout}"
    );
    let plain = support::apiflow()
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("::error"));
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
