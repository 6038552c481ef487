//! Static checks: every problem in a file is found before anything is sent, each with
//! file:line:column, a one-line reason and a suggestion where a near name exists.

mod support;

use support::{Dir, TestServer, run};

const BROKEN: &str = r#"version: 1
name: broken
inputs:
  region: { default: us }
steps:
  - id: first
    request:
      url: "{{ inputs.regoin }}/x"
      methd: GET
    expcet:
      status: 200
  - id: first
    request:
      url: "http://127.0.0.1:1/{{ steps.later.response.status }}"
      timeout: 30 parsecs
    expect:
      json:
        "$.a[": 1
      body: { matches: "([a-z" }
      status: { eq: 200, lenght: 3 }
  - id: later
    request:
      url: "http://127.0.0.1:1/{{ acess_token }}"
      headers: { X: "{{ 1 + }}" }
    capture:
      access_token: $.token
    retry: { backoff: sometimes }
  - sleep: 5 minutes
  - set: { inputs: 1 }
"#;

#[test]
fn every_problem_is_reported_at_once_with_positions_and_suggestions() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "broken.yaml",
        &BROKEN.replace("http://127.0.0.1:1", &server.url),
    );
    let (code, out, err) = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    let p = file.display().to_string();
    let expect = [
        (
            format!("{p}:8:12"),
            "`inputs.regoin` is not a declared input",
            Some("did you mean `region`?"),
        ),
        (
            format!("{p}:9:7"),
            "unknown key `methd` in `request`",
            Some("did you mean `method`?"),
        ),
        (
            format!("{p}:10:5"),
            "unknown key `expcet` in a step",
            Some("did you mean `expect`?"),
        ),
        (
            format!("{p}:12:9"),
            "duplicate step id `first`",
            Some("first used on line 6"),
        ),
        (format!("{p}:14:12"), "step `later` runs later", None),
        (format!("{p}:15:16"), "invalid duration `30 parsecs`", None),
        (format!("{p}:18:9"), "invalid JSONPath `$.a[`", None),
        (
            format!("{p}:19:24"),
            "invalid regular expression `([a-z`",
            None,
        ),
        (
            format!("{p}:20:26"),
            "unknown key `lenght` in a matcher",
            Some("did you mean `length`?"),
        ),
        (
            format!("{p}:23:12"),
            "`acess_token` is not defined",
            Some("did you mean `access_token`?"),
        ),
        (format!("{p}:24:21"), "template syntax error", None),
        (
            format!("{p}:27:23"),
            "`backoff` must be `fixed`, `linear` or `exponential`",
            None,
        ),
        (format!("{p}:28:12"), "invalid duration `5 minutes`", None),
        (
            format!("{p}:29:12"),
            "`set` name `inputs` shadows a reserved name",
            None,
        ),
    ];
    for (loc, message, label) in &expect {
        let at = err
            .find(message)
            .unwrap_or_else(|| panic!("missing `{message}` in:\n{err}"));
        let block = &err[at..];
        let block = &block[..block.find("\nerror:").unwrap_or(block.len())];
        assert!(
            block.contains(loc.as_str()),
            "`{message}` should be at {loc}:\n{block}"
        );
        if let Some(label) = label {
            assert!(
                block.contains(label),
                "`{message}` should suggest {label}:\n{block}"
            );
        }
    }
    assert!(
        err.contains(&format!(
            "{} problems found; nothing was sent",
            expect.len()
        )),
        "{err}"
    );
    // `run` reports the same problems and sends nothing.
    let (code, _, _) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(server.requests(), 0);
}

#[test]
fn unreadable_files_get_clear_messages() {
    let dir = Dir::new();
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (dir.write("empty.yaml", "  \n"), "the file is empty"),
        (
            dir.write("syntax.yaml", "version: 1\nname: [unclosed\nsteps: []\n"),
            "invalid YAML",
        ),
        (
            dir.write("list.yaml", "- a\n- b\n"),
            "a workflow file must be a YAML mapping",
        ),
        (
            dir.write("dup.yaml", "version: 1\nversion: 2\n"),
            "duplicate key `version`",
        ),
        (
            dir.write("anchor.yaml", "a: &x 1\nb: *x\n"),
            "anchors and aliases are not supported",
        ),
        (
            dir.write("noversion.yaml", "name: x\nsteps: []\n"),
            "missing the required key `version`",
        ),
        (
            dir.write("v2.yaml", "version: 2\nname: x\nsteps: []\n"),
            "unsupported `version`",
        ),
        (
            dir.write("noaction.yaml", "version: 1\nname: x\nsteps:\n  - id: a\n"),
            "this step has no action",
        ),
        (
            dir.write(
                "two.yaml",
                "version: 1\nname: x\nsteps:\n  - sleep: 1s\n    set: {a: 1}\n",
            ),
            "exactly one action",
        ),
    ];
    let binary = dir.path().join("binary.yaml");
    std::fs::write(&binary, [0u8, 159, 146, 150, 255, 0, 1]).unwrap();
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, "a: 1\n".repeat(2_200_000)).unwrap();
    for (path, message) in cases.iter().map(|(p, m)| (p.clone(), *m)).chain([
        (binary, "is it a binary file?"),
        (big, "workflow files are limited to 8 MiB"),
    ]) {
        let (code, out, err) = run(&["validate", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{}: {out}{err}", path.display());
        assert!(
            err.contains(message),
            "{}: expected `{message}` in:\n{err}",
            path.display()
        );
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, err) = run(&["validate", dir.path().join("nope.yaml").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file or folder"), "{err}");
}

#[test]
fn include_cycles_and_missing_includes_are_load_errors() {
    let dir = Dir::new();
    dir.write(
        "a.yaml",
        "version: 1\nname: a\nsteps:\n  - include: b.yaml\n",
    );
    dir.write(
        "b.yaml",
        "version: 1\nname: b\nsteps:\n  - include: a.yaml\n",
    );
    let a = dir.path().join("a.yaml");
    let (code, _, err) = run(&["validate", a.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("include cycle: a.yaml → b.yaml → a.yaml"),
        "{err}"
    );
    let c = dir.write(
        "c.yaml",
        "version: 1\nname: c\nsteps:\n  - include: missing.yaml\n",
    );
    let (code, _, err) = run(&["validate", c.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot include `missing.yaml`: no such file"),
        "{err}"
    );
    assert!(err.contains(&format!("{}:4:14", c.display())), "{err}");
}

#[test]
fn the_shipped_recipes_are_valid() {
    let (code, out, err) = run(&["validate", "workflows"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("valid"), "{out}");
}
