//! Test support: a real HTTP server on 127.0.0.1 (port 0) with the endpoints the tests need,
//! and helpers to write workflow files and run the real binary.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};

pub mod serve;
pub mod tls;

#[derive(Default)]
pub struct Seen {
    pub requests: AtomicUsize,
    pub counters: Mutex<HashMap<String, usize>>,
    pub log: Mutex<Vec<Value>>,
}

/// A loopback server running on its own thread and runtime; stopped on drop.
pub struct TestServer {
    pub url: String,
    pub seen: Arc<Seen>,
    _served: serve::Served,
}

impl TestServer {
    pub fn start() -> Self {
        let seen: Arc<Seen> = Default::default();
        let served = serve::serve(router(Arc::clone(&seen)));
        Self {
            url: served.url.clone(),
            seen,
            _served: served,
        }
    }

    pub fn requests(&self) -> usize {
        self.seen.requests.load(Ordering::SeqCst)
    }

    pub fn log(&self) -> Vec<Value> {
        self.seen.log.lock().unwrap().clone()
    }
}

fn router(seen: Arc<Seen>) -> Router {
    Router::new()
        .route("/echo", any(echo))
        .route("/echo/{*rest}", any(echo))
        .route("/json", get(|| async { axum::Json(json!({"id": "abc123", "token": "tok-9f8e7d6c5b4a", "count": 3, "items": [{"n": 1}, {"n": 2}, {"n": 3}], "nested": {"ok": true}, "price": 9.5, "none": null})) }))
        .route("/status/{code}", any(status))
        .route("/text", get(|| async { ([("content-type", "text/plain")], "hello world, id=42") }))
        .route("/html", get(|| async { ([("content-type", "text/html")], "<html><body>Bad gateway</body></html>") }))
        .route("/invalid-utf8", get(|| async { ([("content-type", "application/json")], Bytes::from_static(b"{\"a\": \"\xff\xfe\"}")) }))
        .route("/gzip", get(gzip))
        .route("/redirect", get(|| async { (StatusCode::FOUND, [("location", "/json")]) }))
        .route("/cookie", get(|| async { ([("set-cookie", "session=s3ss10n-value; Path=/; HttpOnly")], "ok") }))
        .route("/slow/{ms}", get(slow))
        .route("/flaky/{key}/{fails}", get(flaky))
        .route("/limited/{key}", get(limited))
        .route("/items", get(|| async { axum::Json(json!({"state": "active"})) }))
        .route("/poll/{key}/{after}", get(poll))
        .route("/counter/{key}", get(counter))
        .with_state(seen)
}

fn record(seen: &Seen, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Value {
    seen.requests.fetch_add(1, Ordering::SeqCst);
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), Value::from(v.to_str().unwrap_or(""))))
        .collect();
    let entry = json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query().unwrap_or(""),
        "headers": headers,
        "body": String::from_utf8_lossy(body),
    });
    seen.log.lock().unwrap().push(entry.clone());
    entry
}

async fn echo(
    State(seen): State<Arc<Seen>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::Json<Value> {
    let mut entry = record(&seen, &method, &uri, &headers, &body);
    if let Ok(json) = serde_json::from_slice::<Value>(&body) {
        entry["json"] = json;
    }
    axum::Json(entry)
}

async fn status(
    State(seen): State<Arc<Seen>>,
    UrlPath(code): UrlPath<u16>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&seen, &method, &uri, &headers, b"");
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (
        code,
        axum::Json(
            json!({"status": code.as_u16(), "error": {"code": "E42", "message": "as requested"}}),
        ),
    )
        .into_response()
}

async fn gzip() -> Response {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(br#"{"compressed": true}"#).unwrap();
    let bytes = enc.finish().unwrap();
    (
        [
            ("content-type", "application/json"),
            ("content-encoding", "gzip"),
        ],
        bytes,
    )
        .into_response()
}

async fn slow(UrlPath(ms): UrlPath<u64>) -> &'static str {
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    "done"
}

fn bump(seen: &Seen, key: &str) -> usize {
    let mut c = seen.counters.lock().unwrap();
    let n = c.entry(key.to_owned()).or_default();
    *n += 1;
    *n
}

/// 503 (with `Retry-After: 0`) `fails` times per key, then 200.
async fn flaky(
    State(seen): State<Arc<Seen>>,
    UrlPath((key, fails)): UrlPath<(String, usize)>,
) -> Response {
    seen.requests.fetch_add(1, Ordering::SeqCst);
    let n = bump(&seen, &key);
    if n <= fails {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "0")],
            "try again",
        )
            .into_response()
    } else {
        axum::Json(json!({"attempt": n})).into_response()
    }
}

/// 429 with `Retry-After: 1` on the first call per key, then 200.
async fn limited(State(seen): State<Arc<Seen>>, UrlPath(key): UrlPath<String>) -> Response {
    let n = bump(&seen, &key);
    if n == 1 {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            "slow down",
        )
            .into_response()
    } else {
        axum::Json(json!({"attempt": n})).into_response()
    }
}

/// `{"state": "pending"}` until the `after`-th call per key, then `"active"`.
async fn poll(
    State(seen): State<Arc<Seen>>,
    UrlPath((key, after)): UrlPath<(String, usize)>,
) -> axum::Json<Value> {
    let n = bump(&seen, &key);
    let state = if n >= after { "active" } else { "pending" };
    axum::Json(json!({"state": state, "calls": n}))
}

async fn counter(
    State(seen): State<Arc<Seen>>,
    UrlPath(key): UrlPath<String>,
    Query(_q): Query<HashMap<String, String>>,
) -> axum::Json<Value> {
    let n = bump(&seen, &key);
    axum::Json(json!({"n": n}))
}

/// A temporary folder holding workflow files.
pub struct Dir {
    pub dir: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file, replacing `BASE` with the server URL when one is given.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }
}

pub fn apiflow() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("apiflow").unwrap();
    cmd.env_remove("IBMCLOUD_API_KEY")
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS");
    cmd
}

/// Runs the binary; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = apiflow().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `apiflow run FILE --report KIND=REPORT EXTRA…`; returns (exit code, stdout, stderr).
pub fn run_reporting(
    file: &Path,
    kind: &str,
    report: &Path,
    extra: &[&str],
) -> (i32, String, String) {
    let file = file.to_string_lossy();
    let report = format!("{kind}={}", report.display());
    let mut args = vec!["run", &*file, "--report", &report];
    args.extend_from_slice(extra);
    run(&args)
}

/// A JSON report read back with serde_json; `Value::Null` when no report was written.
pub fn json_report(path: &Path) -> Value {
    std::fs::read_to_string(path)
        .map(|t| serde_json::from_str(&t).expect("the report is JSON"))
        .unwrap_or(Value::Null)
}

/// A JUnit report validated against the published XSD and read by junitparser
/// (tests/python/validate_junit.py): its suites, as that script prints them.
pub fn junit_suites(path: &Path) -> Value {
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/junit-xsd");
    let (ok, parsed) = python_script("validate_junit.py", &[path.as_os_str(), cache.as_os_str()]);
    assert!(ok, "{parsed}");
    serde_json::from_str(parsed.lines().last().unwrap()).unwrap()
}

/// `apiflow sandbox` running as its own process, its stdout collected line by line.
pub struct SandboxProcess {
    pub url: String,
    pub apikey: Option<String>,
    pub child: std::process::Child,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl SandboxProcess {
    pub fn start(extra: &[&str]) -> Self {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("apiflow"))
            .args(["sandbox", "--addr", "127.0.0.1:0"])
            .args(extra)
            .env_remove("APIFLOW_SANDBOX_APIKEY")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line.clone());
                sink.lock().unwrap().push(line);
            }
        });
        let mut url = None;
        let mut apikey = None;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(30)) else {
                break;
            };
            if let Some(u) = line.strip_prefix("apiflow sandbox listening on ") {
                url = Some(u.trim().to_owned());
            }
            if let Some(k) = line.strip_prefix("api key (generated): ") {
                apikey = Some(k.trim().to_owned());
            }
            if line.starts_with("api key") {
                break;
            }
        }
        Self {
            url: url.expect("the sandbox printed its URL"),
            apikey,
            child,
            lines,
        }
    }

    pub fn log(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The binary, pointed at this sandbox the way the IBM recipes read it.
    pub fn apiflow(&self) -> assert_cmd::Command {
        let mut cmd = apiflow();
        cmd.env(
            "IBMCLOUD_API_KEY",
            self.apikey.as_deref().unwrap_or_default(),
        )
        .env("IBMCLOUD_IAM_URL", &self.url);
        cmd
    }

    /// Sends SIGINT and waits; returns the exit code.
    pub fn interrupt(mut self) -> i32 {
        std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        status.code().unwrap_or(-1)
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python of `target/test-venv`, created on first use with tests/python-requirements.txt
/// (the IBM SDKs, xmlschema, junitparser, check-jsonschema). Test binaries run in parallel, so
/// creation is guarded by a lock folder.
pub fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target/test-venv");
    let python = venv.join("bin/python");
    let ready = venv.join(".ready");
    let lock = root.join("target/test-venv.lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(900);
    while !ready.exists() {
        if std::fs::create_dir(&lock).is_ok() {
            let result = (|| -> Result<(), String> {
                let ok = |s: std::io::Result<std::process::ExitStatus>| {
                    s.map_err(|e| e.to_string())?
                        .success()
                        .then_some(())
                        .ok_or("failed".to_string())
                };
                if !python.exists() {
                    ok(std::process::Command::new("python3")
                        .args(["-m", "venv"])
                        .arg(&venv)
                        .status())?;
                }
                ok(std::process::Command::new(&python)
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "-r",
                    ])
                    .arg(root.join("tests/python-requirements.txt"))
                    .status())?;
                std::fs::write(&ready, "").map_err(|e| e.to_string())
            })();
            let _ = std::fs::remove_dir(&lock);
            result.expect("setting up target/test-venv (python3 -m venv, pip install -r tests/python-requirements.txt)");
        } else {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for target/test-venv"
            );
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }
    python
}

/// Runs a Python script of tests/python with the test venv; returns (success, output).
pub fn python_script(script: &str, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(python())
        .arg(root.join("tests/python").join(script))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
