//! Response bodies are bounded (a gzip bomb, an endless chunked body, a declared length over
//! the bound) with memory measured, and request bodies stream from files; all against real
//! servers on 127.0.0.1.

mod http_server;
mod support;

use std::process::Command;

use http_server::{Hostile, HttpServer, RawServer};
use support::{Dir, apiflow};

/// Runs the binary under `/usr/bin/time -v`; (exit code, output, peak RSS in KiB if measured).
fn run_measured(args: &[&str]) -> (i32, String, Option<u64>) {
    let bin = assert_cmd::cargo::cargo_bin("apiflow");
    let timed = std::path::Path::new("/usr/bin/time").exists();
    let out = if timed {
        Command::new("/usr/bin/time")
            .arg("-v")
            .arg(&bin)
            .args(args)
            .output()
            .unwrap()
    } else {
        Command::new(&bin).args(args).output().unwrap()
    };
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let peak = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok());
    (out.status.code().unwrap_or(-1), text, peak)
}

/// One request to a hostile server (`request` is the step's mapping, `URL` its address) fails
/// at the 4 MiB body bound, with the peak RSS (when `/usr/bin/time` measures it) under 200 MiB.
fn stops_at_4_mib(label: &str, hostile: Hostile, request: &str, args: &[&str]) {
    let server = RawServer::start(hostile);
    let dir = Dir::new();
    let file = dir.write(
        "w.yaml",
        &format!(
            "version: 1\nname: {label}\nsteps:\n  - request: {}\n",
            request.replace("URL", &server.url)
        ),
    );
    let mut all = vec!["run", file.to_str().unwrap()];
    all.extend_from_slice(args);
    let (code, out, peak) = run_measured(&all);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("response body larger than 4 MiB"), "{out}");
    if let Some(kib) = peak {
        eprintln!("{label}: peak RSS {} MiB", kib / 1024);
        assert!(kib < 200 * 1024, "peak RSS {kib} KiB");
    }
}

#[test]
fn a_gzip_bomb_stops_at_the_bound_with_memory_bounded() {
    // 512 MiB of zeros, about 0.5 MiB on the wire.
    stops_at_4_mib(
        "gzip bomb",
        Hostile::GzipBomb(512 << 20),
        r#"{ url: "URL/bomb" }"#,
        &["--max-body", "4MiB"],
    );
}

#[test]
fn an_endless_body_stops_at_the_bound_with_memory_bounded() {
    stops_at_4_mib(
        "endless body",
        Hostile::Endless,
        r#"{ url: "URL/endless", max_body: 4MiB, timeout: 20s }"#,
        &[],
    );
}

#[test]
fn max_body_holds_at_the_limit_and_fails_above_it() {
    let server = HttpServer::start();
    let dir = Dir::new();
    let yaml = r#"version: 1
name: sizes
defaults:
  request: { max_body: 1000 }
steps:
  - request: { url: "A/big/1000" }
    expect: { status: 200 }
  - request: { url: "A/big/5000", max_body: 5KB }
    expect: { status: 200 }
  - request: { url: "A/big/1001" }
"#
    .replace("A/", &format!("{}/", server.url));
    let file = dir.write("wf.yaml", &yaml);
    let report = dir.path().join("r.json");
    let out = apiflow()
        .args(["run", file.to_str().unwrap(), "--report"])
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let steps = report["workflows"][0]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["status"], "passed");
    assert_eq!(steps[1]["status"], "passed");
    assert_eq!(steps[2]["status"], "errored");
    assert!(
        steps[2]["attempts"][0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("response body larger than 1000 bytes")
    );
}

#[test]
fn a_file_body_is_streamed_with_its_length_and_type() {
    let server = HttpServer::start();
    let dir = Dir::new();
    let data: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("blob.bin"), &data).unwrap();
    dir.write("doc.json", "{\"a\": 1}");
    let yaml = r#"version: 1
name: upload
steps:
  - request:
      method: PUT
      url: "A/echo/blob"
      body: { file: blob.bin }
    expect: { status: 200, json: { $.body_len: 3145728 } }
  - request:
      method: POST
      url: "A/echo/doc"
      body: { file: doc.json, content_type: application/vnd.test+json }
  - request:
      method: POST
      url: "A/echo/form"
      multipart:
        note: hello
        doc: { file: doc.json }
"#
    .replace("A/", &format!("{}/", server.url));
    let file = dir.write("wf.yaml", &yaml);
    let out = apiflow()
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let blob = &server.hits("/echo/blob")[0];
    assert_eq!(blob["body_len"], data.len());
    assert_eq!(blob["headers"]["content-length"], data.len().to_string());
    assert_eq!(blob["headers"]["content-type"], "application/octet-stream");
    let doc = &server.hits("/echo/doc")[0];
    assert_eq!(doc["body"], "{\"a\": 1}");
    assert_eq!(doc["headers"]["content-type"], "application/vnd.test+json");
    let form = &server.hits("/echo/form")[0];
    let body = form["body"].as_str().unwrap();
    assert!(body.contains("filename=\"doc.json\""), "{body}");
    assert!(body.contains("{\"a\": 1}"), "{body}");
    assert!(
        form["headers"]["content-type"]
            .as_str()
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
}

#[test]
fn a_missing_body_file_is_a_load_error() {
    let dir = Dir::new();
    let file = dir.write(
        "wf.yaml",
        "version: 1\nname: t\nsteps:\n  - request: { url: \"http://127.0.0.1:9/\", body: { file: nope.bin } }\n",
    );
    let out = apiflow()
        .args(["validate", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no file at"), "{err}");
}

#[test]
fn the_upload_example_passes() {
    let server = HttpServer::start();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("workflows/examples/upload-file.yaml");
    let out = apiflow()
        .arg("run")
        .arg(example)
        .args(["-i", &format!("base={}", server.url)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        server.hits("/echo/report")[0]["body"],
        "region,rules,passed\nus-south,12,12\neu-de,9,8\n"
    );
}

#[test]
fn the_new_request_keys_are_checked_at_load() {
    let dir = Dir::new();
    let file = dir.write(
        "wf.yaml",
        r#"version: 1
name: t
cookies: sometimes
steps:
  - request: { url: "http://127.0.0.1:9/", max_redirects: 101 }
  - request: { url: "http://127.0.0.1:9/", max_body: lots }
  - request: { url: "http://127.0.0.1:9/", body: { path: x } }
  - request: { url: "http://127.0.0.1:9/", cookies: [a] }
    expect: { cookies: sid }
"#,
    );
    let out = apiflow()
        .args(["validate", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "wf.yaml:3:",
        "`max_redirects` must be a whole number from 0 to 100",
        "`lots` is not a size",
        "unknown key `path`",
        "`cookies` must be a mapping of cookie names to matchers",
        "`cookies` must be a mapping of names to values",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

/// TLS is set up only for the first https URL: a plain-HTTP run opens no certificate file.
/// Measured with strace where it is installed and allowed to trace.
#[test]
fn a_plain_http_run_reads_no_certificate_store() {
    let server = HttpServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "wf.yaml",
        &format!(
            "version: 1\nname: t\nsteps:\n  - request: {{ url: \"{}/echo/plain\" }}\n    expect: {{ status: 200 }}\n",
            server.url
        ),
    );
    let trace = dir.path().join("trace.txt");
    let bin = assert_cmd::cargo::cargo_bin("apiflow");
    let Ok(out) = Command::new("strace")
        .args(["-f", "-e", "trace=openat,open", "-o"])
        .arg(&trace)
        .arg(&bin)
        .args(["run", file.to_str().unwrap()])
        .output()
    else {
        eprintln!("strace is not installed: not measured");
        return;
    };
    if !out.status.success() || !trace.exists() {
        eprintln!("strace could not trace here: not measured ({out:?})");
        return;
    }
    assert_eq!(server.hits("/echo/plain").len(), 1);
    let opened = std::fs::read_to_string(&trace).unwrap();
    let certs: Vec<&str> = opened
        .lines()
        .filter(|l| l.contains("/etc/ssl") || l.contains("/certs/") || l.contains(".pem"))
        .collect();
    assert!(certs.is_empty(), "{certs:#?}");
}
