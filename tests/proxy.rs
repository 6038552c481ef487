//! A proxy named in the environment (`HTTP_PROXY`, `ALL_PROXY`, either case) carries the
//! requests; without one they go direct. The client leaves the system proxy matcher out when
//! the environment names no proxy (a per-request cost), so both sides are pinned here.

mod support;

use support::{Dir, TestServer, apiflow};

const PROXY_VARS: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
];

/// Runs `file` with exactly `proxy` set (none: no proxy variable at all); the exit code.
fn run_with(file: &std::path::Path, proxy: Option<(&str, &str)>) -> i32 {
    let mut cmd = apiflow();
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    if let Some((var, url)) = proxy {
        cmd.env(var, url);
    }
    let out = cmd
        .args(["run", "--quiet", file.to_str().unwrap()])
        .output()
        .unwrap();
    out.status.code().unwrap_or(-1)
}

#[test]
fn a_proxy_in_the_environment_carries_the_request() {
    let proxy = TestServer::start();
    let dir = Dir::new();
    // A host that cannot be reached: only a proxy can answer for it.
    let file = dir.write(
        "proxied.yaml",
        "version: 1\nname: proxied\nsteps:\n  - request: { url: \"http://apiflow-proxy-test.invalid/echo\", timeout: 5s }\n    expect: { status: 200, json: { $.path: /echo } }\n",
    );
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        assert_eq!(run_with(&file, Some((var, &proxy.url))), 0, "{var}");
    }
    let log = proxy.log();
    assert_eq!(log.len(), 4);
    for entry in &log {
        assert_eq!(entry["headers"]["host"], "apiflow-proxy-test.invalid");
        assert_eq!(entry["path"], "/echo");
    }
}

#[test]
fn without_a_proxy_in_the_environment_requests_go_direct() {
    let proxy = TestServer::start();
    let target = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "direct.yaml",
        &format!(
            "version: 1\nname: direct\nsteps:\n  - request: {{ url: \"{}/echo\" }}\n    expect: {{ status: 200 }}\n",
            target.url
        ),
    );
    assert_eq!(run_with(&file, None), 0);
    // An empty variable names no proxy either.
    assert_eq!(run_with(&file, Some(("HTTP_PROXY", ""))), 0);
    assert_eq!(target.requests(), 2);
    assert_eq!(proxy.requests(), 0);
    // The same file through the proxy: the target sees nothing more.
    assert_eq!(run_with(&file, Some(("HTTP_PROXY", &proxy.url))), 0);
    assert_eq!(proxy.requests(), 1);
    assert_eq!(target.requests(), 2);
}
