//! `for_each: { file: … }`: rows from CSV, JSON or YAML, every item run (also after one
//! fails), each its own record entry with its rendered name.

mod support;

use serde_json::Value;
use support::{Dir, TestServer, run, run_reporting};

const USERS_CSV: &str = "name,role,code\nada,admin,200\nbob,viewer,404\n\"o'hara, c\",editor,200\n";

fn steps_of(report: &std::path::Path) -> Vec<Value> {
    let record: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    record["workflows"][0]["steps"].as_array().unwrap().clone()
}

#[test]
fn every_row_of_a_csv_runs_and_is_its_own_entry() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("data/users.csv", USERS_CSV);
    let file = dir.write(
        "users.yaml",
        &format!(
            r#"version: 1
name: users
steps:
  - id: create
    name: "create {{{{ item.name }}}} ({{{{ index }}}})"
    for_each: {{ file: data/users.csv }}
    request:
      method: POST
      url: "{url}/echo/{{{{ item.code }}}}"
      json: {{ name: "{{{{ item.name }}}}", role: "{{{{ item.role }}}}" }}
    expect:
      json:
        $.path: /echo/200
"#,
            url = server.url
        ),
    );
    let report = dir.path().join("report.json");
    let (code, out, err) = run_reporting(&file, "json", &report, &[]);
    assert_eq!(code, 1, "bob's row fails the step: {out}{err}");

    // Every row was sent, in order, with its values — also the one after the failure.
    let log = server.log();
    let sent: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["body"].as_str().unwrap()))
        .collect();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(sent[0].0, "/echo/200");
    assert_eq!(sent[1].0, "/echo/404");
    let third: Value = serde_json::from_str(sent[2].1).unwrap();
    assert_eq!(
        third,
        serde_json::json!({"name": "o'hara, c", "role": "editor"})
    );

    let steps = steps_of(&report);
    let entries: Vec<(String, u64, String)> = steps
        .iter()
        .map(|s| {
            (
                s["title"].as_str().unwrap().to_owned(),
                s["item"].as_u64().unwrap(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("create ada (0) [0]".to_owned(), 0, "passed".to_owned()),
            ("create bob (1) [1]".to_owned(), 1, "failed".to_owned()),
            (
                "create o'hara, c (2) [2]".to_owned(),
                2,
                "passed".to_owned()
            ),
        ]
    );
    assert!(out.contains("create bob (1) [1]"), "{out}");
}

#[test]
fn json_and_yaml_lists_work_and_bad_files_are_load_errors() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("ids.json", r#"[{"id": 1}, {"id": 2}]"#);
    dir.write("ids.yaml", "- id: 3\n- id: 4\n");
    let file = dir.write(
        "ids.yaml.yaml",
        &format!(
            r#"version: 1
name: ids
steps:
  - for_each: {{ file: ids.json }}
    request: {{ url: "{url}/echo/{{{{ item.id }}}}" }}
  - for_each: {{ file: ids.yaml }}
    request: {{ url: "{url}/echo/{{{{ item.id }}}}" }}
"#,
            url = server.url
        ),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let paths: Vec<String> = server
        .log()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["/echo/1", "/echo/2", "/echo/3", "/echo/4"]);

    for (data, name, want) in [
        ("{\"a\": 1}", "m.json", "holds a mapping"),
        ("a,b\n1,2\n3\n", "r.csv", "invalid CSV"),
        ("x", "x.txt", "must be `.csv`"),
    ] {
        dir.write(name, data);
        let f = dir.write(
            "bad.yaml",
            &format!(
                "version: 1\nname: bad\nsteps:\n  - for_each: {{ file: {name} }}\n    request: {{ url: \"{}/echo\" }}\n",
                server.url
            ),
        );
        let (code, _, err) = run(&["validate", f.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(
            err.contains(&format!("{}:4:23", f.display())),
            "{name}: {err}"
        );
    }
    let f = dir.write(
        "missing.yaml",
        "version: 1\nname: m\nsteps:\n  - for_each: { file: nope.csv }\n    set: { a: 1 }\n  - for_each: { flie: x.csv }\n    set: { a: 1 }\n",
    );
    let (code, _, err) = run(&["validate", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file"), "{err}");
    assert!(err.contains("unknown key `flie`"), "{err}");
}
