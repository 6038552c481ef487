//! `--quiet` with no report does not build the records of steps that passed (nothing reads
//! them); what it prints and counts, and every report asked for, stay as they were.

mod support;

use serde_json::Value;
use support::{Dir, TestServer, run};

fn workflow(dir: &Dir, url: &str) -> String {
    dir.write(
        "inc.yaml",
        &format!(
            "version: 1\nname: inc\nsteps:\n  - request: {{ url: \"{url}/echo\" }}\n    expect: {{ status: 200 }}\n"
        ),
    );
    dir.write(
        "main.yaml",
        &format!(
            r#"version: 1
name: main
steps:
  - name: first
    request: {{ url: "{url}/echo" }}
    expect: {{ status: 200 }}
  - name: each
    for_each: "[1, 2]"
    request: {{ url: "{url}/echo?n={{{{ item }}}}" }}
  - include: inc.yaml
  - name: failing
    request: {{ url: "{url}/echo" }}
    expect: {{ status: 201 }}
"#
        ),
    )
    .to_str()
    .unwrap()
    .to_owned()
}

#[test]
fn quiet_counts_every_step_and_reports_keep_them() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = workflow(&dir, &server.url);
    let (code, quiet, _) = run(&["run", &file, "--quiet"]);
    assert_eq!(code, 1, "{quiet}");
    assert!(!quiet.contains("first"), "{quiet}");
    assert!(quiet.contains("✗ failing"), "{quiet}");
    assert!(
        quiet.contains("steps: 4 passed, 1 failed, 0 skipped"),
        "{quiet}"
    );
    assert_eq!(server.requests(), 5);

    // The same run with a report: every step is in it, the included one inside its include.
    let report = dir.path().join("r.json");
    let (code, again, _) = run(&[
        "run",
        &file,
        "--quiet",
        "--report",
        &format!("json={}", report.display()),
    ]);
    assert_eq!(code, 1, "{again}");
    assert_eq!(quiet.lines().count(), again.lines().count(), "{again}");
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let steps = report["workflows"][0]["steps"].as_array().unwrap();
    let titles: Vec<&str> = steps.iter().map(|s| s["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 5, "{titles:?}");
    assert_eq!(titles[0], "first");
    assert_eq!(titles[1], "each [0]");
    assert_eq!(titles[2], "each [1]");
    assert_eq!(titles[4], "failing");
    let statuses: Vec<&str> = steps
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["passed", "passed", "passed", "passed", "failed"]);
    assert_eq!(report["summary"]["steps_passed"], 4);
}
