//! A workflow file may register a bounded number of secrets (1024 values, each up to 64 KiB,
//! 4 MiB in all with their encoded forms), counted per file so that a suite of many files is
//! not bounded by their sum. A server that makes apiflow register more (a `secret: true`
//! capture of a huge array or value, sensitive headers in every response) fails the step with a
//! message naming the bounds, and nothing of what it sent reaches any output: the run fails
//! closed, prints masks and writes no report.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{any, get};
use support::{Dir, json_report, run_reporting};

const LIMIT_MESSAGE: &str = "a workflow file may register at most 1024 secrets, each up to 64 KiB";

/// A loopback server that hands out as many secrets as it is asked for.
struct Hostile {
    url: String,
    /// Requests received, by route: `/array`, `/headers`, `/big`, `/after`.
    seen: Arc<[AtomicUsize; 4]>,
    _served: support::serve::Served,
}

/// The `i`-th secret value of a batch: distinct, and easy to look for.
fn value(batch: usize, i: usize) -> String {
    format!("zq{batch:03}x{i:05}-secret-value")
}

impl Hostile {
    fn start() -> Self {
        let seen: Arc<[AtomicUsize; 4]> = Arc::default();
        let app = axum::Router::new()
            .route(
                "/array/{n}",
                get(
                    |State(s): State<Arc<[AtomicUsize; 4]>>, Path(n): Path<usize>| async move {
                        s[0].fetch_add(1, Ordering::SeqCst);
                        axum::Json((0..n).map(|i| value(0, i)).collect::<Vec<_>>())
                    },
                ),
            )
            .route(
                "/headers/{batch}",
                get(
                    |State(s): State<Arc<[AtomicUsize; 4]>>, Path(batch): Path<usize>| async move {
                        s[1].fetch_add(1, Ordering::SeqCst);
                        let mut headers = HeaderMap::new();
                        let mut body = String::new();
                        for i in 0..90 {
                            headers.append("x-api-key", value(batch, i).parse().unwrap());
                            // Echoed in the body too: only the redactor can hide it there.
                            body.push_str(&value(batch, i));
                            body.push('\n');
                        }
                        (headers, body)
                    },
                ),
            )
            .route(
                "/big/{n}/{len}",
                get(
                    |State(s): State<Arc<[AtomicUsize; 4]>>,
                     Path((n, len)): Path<(usize, usize)>| async move {
                        s[2].fetch_add(1, Ordering::SeqCst);
                        axum::Json(big(n, len))
                    },
                ),
            )
            .route(
                "/after",
                any(|State(s): State<Arc<[AtomicUsize; 4]>>| async move {
                    s[3].fetch_add(1, Ordering::SeqCst);
                    "after"
                }),
            )
            .with_state(Arc::clone(&seen));
        let served = support::serve::serve(app);
        Self {
            url: served.url.clone(),
            seen,
            _served: served,
        }
    }

    fn hits(&self, route: usize) -> usize {
        self.seen[route].load(Ordering::SeqCst)
    }
}

/// Runs `steps` with `-v` and a JSON report; returns (code, stdout + stderr, the report if
/// one was written).
fn run_steps(steps: &str) -> (i32, String, Option<serde_json::Value>) {
    let dir = Dir::new();
    let wf = dir.write(
        "wf.yaml",
        &format!("version: 1\nname: hostile secrets\nsteps:\n{steps}"),
    );
    let report = dir.path().join("report.json");
    let (code, out, err) = run_reporting(&wf, "json", &report, &["-v"]);
    let report = Some(json_report(&report)).filter(|r| !r.is_null());
    (code, format!("{out}{err}"), report)
}

/// `n` strings of `len` bytes, made of the values of batch 9 in turn.
fn big(n: usize, len: usize) -> Vec<String> {
    let per = len / value(9, 0).len();
    (0..n)
        .map(|k| (0..per).map(|j| value(9, k * per + j)).collect())
        .collect()
}

/// No value of `batch` (below `n`) appears in `text`, whole or as its distinctive head.
fn assert_none_shown(text: &str, batch: usize, n: usize) {
    for i in 0..n {
        let v = value(batch, i);
        assert!(!text.contains(&v[..9]), "{v} leaked:\n{text}");
    }
}

fn capture_steps(url: &str, path: &str) -> String {
    format!(
        r#"  - id: grab
    request: {{ url: "{url}{path}" }}
    capture:
      all: {{ json: $, secret: true }}
  - request: {{ method: POST, url: "{url}/after", json: {{ got: "{{{{ all }}}}" }} }}
"#
    )
}

/// `n` requests to `/headers/{item}` (90 secret headers each), then one to `/after`.
fn header_steps(url: &str, n: usize) -> String {
    header_batches(url, 0, n)
}

/// Requests to `/headers/{first}` to `/headers/{first + n - 1}`, then one to `/after`.
fn header_batches(url: &str, first: usize, n: usize) -> String {
    format!(
        r#"  - for_each: range({n})
    request: {{ url: "{url}/headers/{{{{ item + {first} }}}}" }}
  - request: {{ url: "{url}/after" }}
"#
    )
}

#[test]
fn a_secret_capture_under_the_bound_is_held_and_masked() {
    let server = Hostile::start();
    let (code, text, report) = run_steps(&capture_steps(&server.url, "/array/1000"));
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains(LIMIT_MESSAGE), "{text}");
    assert_none_shown(&text, 0, 1000);
    let report = report.expect("a report is written");
    assert_eq!(report["summary"]["steps_passed"], 2, "{report}");
    assert_none_shown(&report.to_string(), 0, 1000);
    assert_eq!((server.hits(0), server.hits(3)), (1, 1));
}

#[test]
fn a_secret_capture_past_the_count_bound_fails_closed() {
    let server = Hostile::start();
    let (code, text, report) = run_steps(&capture_steps(&server.url, "/array/1100"));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(LIMIT_MESSAGE), "{text}");
    // Neither the values held nor the ones refused are shown, and the values never left.
    assert_none_shown(&text, 0, 1100);
    assert!(!text.contains("/array/1100"), "{text}");
    assert!(report.is_none(), "no report past the bound");
    assert_eq!((server.hits(0), server.hits(3)), (1, 0));
}

/// A capture of `/big/N/LEN` fails closed.
fn big_capture_fails_closed(n: usize, len: usize) {
    let server = Hostile::start();
    let (code, text, report) = run_steps(&capture_steps(&server.url, &format!("/big/{n}/{len}")));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(LIMIT_MESSAGE), "{text}");
    assert_none_shown(&text, 9, n * len / value(9, 0).len());
    assert!(report.is_none());
    assert_eq!((server.hits(2), server.hits(3)), (1, 0));
}

#[test]
fn a_secret_capture_past_the_length_bound_fails_closed() {
    // One value of 100 kB, over 64 KiB.
    big_capture_fails_closed(1, 100_000);
}

#[test]
fn a_secret_capture_past_the_byte_bound_fails_closed() {
    // 20 values of 60 kB each: under 64 KiB, but their forms go past 4 MiB.
    big_capture_fails_closed(20, 60_000);
}

#[test]
fn sensitive_headers_past_the_bound_fail_closed() {
    let server = Hostile::start();
    // 90 `x-api-key` values a response: the 12th response goes past 1024.
    let (code, text, report) = run_steps(&header_steps(&server.url, 15));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(LIMIT_MESSAGE), "{text}");
    for batch in 0..15 {
        assert_none_shown(&text, batch, 90);
    }
    assert!(report.is_none());
    assert_eq!((server.hits(1), server.hits(3)), (15, 0));
}

#[test]
fn sensitive_headers_under_the_bound_are_masked() {
    let server = Hostile::start();
    let (code, text, report) = run_steps(&header_steps(&server.url, 11));
    assert_eq!(code, 0, "{text}");
    for batch in 0..11 {
        assert_none_shown(&text, batch, 90);
    }
    let report = report.expect("a report is written");
    assert_none_shown(&report.to_string(), 3, 90);
    assert_eq!((server.hits(1), server.hits(3)), (11, 1));
}

#[test]
fn the_bound_counts_per_workflow_file_not_per_run() {
    // Two files of 8 responses (720 distinct secrets each, 1440 in the run): each file is
    // under the bound, so the run passes, with every value masked in every output.
    let server = Hostile::start();
    let dir = Dir::new();
    let files: Vec<String> = [0, 8]
        .iter()
        .map(|&first| {
            let steps = header_batches(&server.url, first, 8);
            let name = format!("wf{first}.yaml");
            let text = format!("version: 1\nname: file {first}\nsteps:\n{steps}");
            dir.write(&name, &text).to_string_lossy().into_owned()
        })
        .collect();
    let report = dir.path().join("report.json");
    let report_arg = format!("json={}", report.display());
    let (code, out, err) = support::run(&[
        "run",
        &files[0],
        &files[1],
        "--jobs",
        "2",
        "-v",
        "--report",
        &report_arg,
    ]);
    let text = format!("{out}{err}");
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains(LIMIT_MESSAGE), "{text}");
    let report = json_report(&report);
    assert_eq!(report["summary"]["steps_passed"], 18, "{report}");
    for batch in 0..16 {
        assert_none_shown(&text, batch, 90);
        assert_none_shown(&report.to_string(), batch, 90);
    }
    assert_eq!((server.hits(1), server.hits(3)), (16, 2));
}
