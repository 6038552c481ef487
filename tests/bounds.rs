//! Hostile or unlucky input files: every one is a load error (exit 2) with a position, never a
//! crash, a hang, or a print of what the file holds.

mod support;

use std::time::{Duration, Instant};

use support::{Dir, TestServer, run};

fn validate(path: &std::path::Path) -> (i32, String, String) {
    run(&["validate", path.to_str().unwrap()])
}

#[test]
fn deep_yaml_is_refused_quickly_at_its_position() {
    let dir = Dir::new();
    for levels in [10_000, 17_000] {
        let file = dir.write(
            &format!("deep{levels}.yaml"),
            &("- ".repeat(levels) + "x\n"),
        );
        let started = Instant::now();
        let (code, out, err) = validate(&file);
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{levels} levels took {:?}",
            started.elapsed()
        );
        assert!(
            err.contains("nested too deeply (the limit is 256 levels)"),
            "{err}"
        );
        assert!(
            err.contains(&format!("{}:1:513", file.display())),
            "the error points at level 257: {err}"
        );
    }
    // Flow style, inside a real workflow.
    let file = dir.write(
        "flow.yaml",
        &format!(
            "version: 1\nname: x\nsteps:\n  - set: {{ a: {} }}\n",
            "[".repeat(5000)
        ),
    );
    let (code, _, err) = validate(&file);
    assert_eq!(code, 2);
    assert!(
        err.contains("nested too deeply (the limit is 256 levels)"),
        "{err}"
    );
    // 250 levels are fine.
    let file = dir.write(
        "ok.yaml",
        &format!(
            "version: 1\nname: x\nsteps:\n  - set: {{ a: {}1{} }}\n",
            "[".repeat(250),
            "]".repeat(250)
        ),
    );
    let (code, out, err) = validate(&file);
    assert_eq!(code, 0, "{out}{err}");
}

fn include_chain(dir: &Dir, depth: usize, url: &str) -> std::path::PathBuf {
    for i in 0..depth {
        dir.write(
            &format!("inc{i}.yaml"),
            &format!(
                "version: 1\nname: level {i}\nsteps:\n  - include: inc{}.yaml\n",
                i + 1
            ),
        );
    }
    dir.write(
        &format!("inc{depth}.yaml"),
        &format!(
            "version: 1\nname: leaf\nsteps:\n  - request: {{ url: \"{url}/echo/leaf\" }}\n    expect: {{ status: 200 }}\n"
        ),
    );
    dir.path().join("inc0.yaml")
}

#[test]
fn include_chains_are_bounded() {
    let server = TestServer::start();
    let dir = Dir::new();
    let top = include_chain(&dir, 64, &server.url);
    let (code, out, err) = run(&["run", top.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("nested more than 32 levels"), "{err}");
    assert_eq!(server.requests(), 0);
    // As a folder too (every file is a workflow: the loader starts from each).
    let (code, out, err) = run(&["run", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(server.requests(), 0);

    // 32 levels run (on the multi-threaded runtime of a folder run, too).
    let dir = Dir::new();
    let top = include_chain(&dir, 32, &server.url);
    let (code, out, err) = run(&["run", top.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(server.requests(), 1);
    let (code, out, err) = run(&["run", "--jobs", "4", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(server.requests(), 2);
}

#[test]
fn system_files_and_devices_are_refused_without_printing_them() {
    let dir = Dir::new();
    let secret = "s3cr3t-environment-value-4242";
    for target in ["/proc/self/environ", "/dev/zero", "/dev/null"] {
        if !std::path::Path::new(target).exists() {
            continue;
        }
        let file = dir.write(
            "inc.yaml",
            &format!("version: 1\nname: x\nsteps:\n  - include: {target}\n"),
        );
        let started = Instant::now();
        let out = support::apiflow()
            .env("LOAD_TEST_SECRET", secret)
            .args(["validate", file.to_str().unwrap()])
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(2), "{target}: {stdout}{stderr}");
        assert!(started.elapsed() < Duration::from_secs(5), "{target}");
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
        assert!(!stderr.contains("PATH="), "{target}: {stderr}");
        assert!(
            stderr.contains("system file") || stderr.contains("not a regular file"),
            "{target}: {stderr}"
        );
    }
}

#[test]
fn file_text_problems_are_errors_with_positions() {
    let dir = Dir::new();
    // A byte-order mark is not part of the first key.
    let bom = dir.write(
        "bom.yaml",
        "\u{feff}version: 1\nname: bom\nsteps:\n  - set: { a: 1 }\n",
    );
    let (code, out, err) = validate(&bom);
    assert_eq!(code, 0, "{out}{err}");

    // A NUL byte is an error, not the end of the file.
    let nul = dir.write(
        "nul.yaml",
        "version: 1\nname: nul\nsteps:\n  - set: { a: 1 }\n\0  - bad: [\n",
    );
    let (code, _, err) = validate(&nul);
    assert_eq!(code, 2);
    assert!(err.contains("NUL byte"), "{err}");
    assert!(err.contains(&format!("{}:5:1", nul.display())), "{err}");

    // Bare CR line ends: the position and the quoted line agree.
    let cr = dir.write(
        "cr.yaml",
        "version: 1\rname: cr\rsteps:\r  - set: { a: 1 }\r    bogus: 2\r",
    );
    let (code, _, err) = validate(&cr);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:5:5", cr.display())), "{err}");
    assert!(err.contains("5 |     bogus: 2"), "{err}");

    // An empty or null URL is a load error, not a request to nowhere.
    for url in ["~", "\"\"", "null"] {
        let f = dir.write(
            "url.yaml",
            &format!("version: 1\nname: u\nsteps:\n  - request: {{ url: {url} }}\n"),
        );
        let (code, _, err) = validate(&f);
        assert_eq!(code, 2, "{url}");
        assert!(err.contains("`url` is empty"), "{url}: {err}");
    }

    // Oversized workflow file.
    let big = dir.path().join("big.yaml");
    let mut text = String::from("version: 1\nname: big\nsteps:\n  - set: { a: 1 }\n");
    text.push_str(
        &"# padding padding padding padding padding padding padding padding\n".repeat(140_000),
    );
    std::fs::write(&big, text).unwrap();
    let (code, _, err) = validate(&big);
    assert_eq!(code, 2);
    assert!(err.contains("workflow files are limited to 8 MiB"), "{err}");
}

#[test]
fn list_masks_the_default_of_a_secret_input() {
    let dir = Dir::new();
    let file = dir.write(
        "secret.yaml",
        "version: 1\nname: s\ninputs:\n  apikey: { secret: true, default: dflt-s3cr3t-value }\n  region: { default: us-south }\nsteps:\n  - set: { a: 1 }\n",
    );
    let (code, out, err) = run(&["list", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("dflt-s3cr3t-value") && !err.contains("dflt-s3cr3t-value"));
    assert!(out.contains("default ••••••"), "{out}");
    assert!(out.contains("default \"us-south\""), "{out}");
}
