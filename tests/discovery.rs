//! Folder runs take only workflow files (a top-level `version` key), honour `--exclude`, and
//! say under `-v` what they skipped.

mod support;

use support::{Dir, TestServer, run};

fn workflow(name: &str, url: &str) -> String {
    format!(
        "version: 1\nname: {name}\nsteps:\n  - request: {{ url: \"{url}/echo/{name}\" }}\n    expect: {{ status: 200 }}\n"
    )
}

fn paths_seen(server: &TestServer) -> Vec<String> {
    let mut p: Vec<String> = server
        .log()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    p.sort();
    p
}

#[test]
fn a_folder_run_takes_only_workflows() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("a.yaml", &workflow("a", &server.url));
    dir.write("sub/b.yml", &workflow("b", &server.url));
    dir.write("inputs.yaml", "apikey: not-a-workflow\nregion: us-south\n");
    dir.write(
        ".github/ci.yaml",
        "on: push\njobs:\n  test:\n    version: 1\n",
    );
    dir.write("ci.yaml", "on: push\njobs:\n  test:\n    version: 1\n");
    let folder = dir.path().to_str().unwrap();

    let (code, out, err) = run(&["run", folder]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(paths_seen(&server), ["/echo/a", "/echo/b"]);
    assert!(!err.contains("skipped"), "only under -v: {err}");

    let (code, out, err) = run(&["validate", "-v", folder]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 workflow files valid"), "{out}");
    for skipped in ["inputs.yaml", "ci.yaml"] {
        let line = err
            .lines()
            .find(|l| l.contains("skipped") && l.contains(skipped))
            .unwrap_or_else(|| panic!("{skipped} not listed: {err}"));
        assert!(line.contains("no top-level `version` key"), "{line}");
    }

    // Named explicitly, a non-workflow is an error.
    let (code, _, err) = run(&["validate", dir.path().join("inputs.yaml").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("`version`"), "{err}");
}

#[test]
fn exclude_skips_matching_files_in_run_validate_and_list() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("a.yaml", &workflow("a", &server.url));
    dir.write("slow/b.yaml", &workflow("b", &server.url));
    dir.write("slow/deep/c.yaml", &workflow("c", &server.url));
    dir.write("d.smoke.yaml", &workflow("d", &server.url));
    dir.write("broken.yaml", "version: 1\nname: broken\nsteps: 3\n");
    let folder = dir.path().to_str().unwrap().to_owned();

    let slow = format!("{folder}/slow/**");
    let (code, out, err) = run(&[
        "run",
        &folder,
        "--exclude",
        &slow,
        "--exclude",
        "broken.yaml",
        "--exclude",
        "*.smoke.yaml",
        "-v",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(paths_seen(&server), ["/echo/a"]);
    assert!(err.contains("excluded by `--exclude broken.yaml`"), "{err}");

    // `*` does not cross folders; `**` does.
    let one_level = format!("{folder}/slow/*.yaml");
    let (code, out, err) = run(&[
        "list",
        &folder,
        "--exclude",
        &one_level,
        "--exclude",
        "broken.yaml",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("c.yaml") && !out.contains("b.yaml"), "{out}");

    // Without the exclude the broken file fails validation.
    let (code, _, err) = run(&["validate", &folder]);
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = run(&["validate", &folder, "--exclude", "broken.yaml"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("4 workflow files valid"), "{out}");

    let (code, _, err) = run(&["validate", &folder, "--exclude", "[oops"]);
    assert_eq!(code, 2);
    assert!(err.contains("--exclude [oops"), "{err}");
}
