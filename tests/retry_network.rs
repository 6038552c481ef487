//! `retry: { on: [network] }` retries what the network did (a refused connection, a connection
//! dropped before the response, a timeout, a token request that could not connect) and nothing
//! else: a body over `max_body` is apiflow's own limit and is not sent again.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use support::{Dir, TestServer, json_report, run_reporting};

const RETRY: &str = "retry: { attempts: 3, delay: 1ms, max_delay: 5ms, on: [network] }";

/// Runs one workflow with a JSON report; (exit code, output, the report's first workflow).
fn run_reported(dir: &Dir, workflow: &str) -> (i32, String, Value) {
    let file = dir.write("w.yaml", workflow);
    let report = dir.path().join("report.json");
    let (code, out, err) = run_reporting(&file, "json", &report, &[]);
    let record = json_report(&report);
    (code, format!("{out}{err}"), record["workflows"][0].clone())
}

/// The number of attempts the report shows for step `n`.
fn attempts(workflow: &Value, n: usize) -> usize {
    workflow["steps"][n]["attempts"].as_array().unwrap().len()
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A raw server: for its `n`th connection (from 1) it reads the request and writes what
/// `answer(n)` gives, or closes the connection without a response on `None`. Returns its URL
/// and the connection count.
fn raw_server(
    answer: impl Fn(usize) -> Option<Vec<u8>> + Send + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            if let Some(response) = answer(n) {
                let _ = stream.write_all(&response);
            }
        }
    });
    (url, seen)
}

/// The first `drops` connections are closed without a response; later ones get a JSON 200.
fn dropping_server(drops: usize) -> (String, Arc<AtomicUsize>) {
    raw_server(move |n| {
        (n > drops).then(|| {
            let body = format!("{{\"connection\": {n}}}");
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        })
    })
}

#[test]
fn a_body_over_max_body_is_not_retried_as_a_network_failure() {
    let server = TestServer::start();
    let dir = Dir::new();
    let workflow = format!(
        "version: 1\nname: big\nsteps:\n  - request: {{ url: \"{}/echo/big\", max_body: 16 }}\n    {RETRY}\n",
        server.url
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("larger than"), "{out}");
    assert_eq!(server.requests(), 1, "{out}");
    assert_eq!(attempts(&wf, 0), 1, "{wf}");

    // Retried on any failure (no `on`), the same step is sent three times.
    let workflow = workflow.replace(", on: [network]", "");
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert_eq!(server.requests(), 1 + 3, "{out}");
    assert_eq!(attempts(&wf, 0), 3, "{wf}");
}

#[test]
fn a_refused_connection_is_retried() {
    let dir = Dir::new();
    let url = format!("http://127.0.0.1:{}/x", closed_port());
    let workflow = format!(
        "version: 1\nname: refused\nsteps:\n  - request: {{ url: \"{url}\" }}\n    {RETRY}\n"
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("could not connect"), "{out}");
    assert_eq!(attempts(&wf, 0), 3, "{wf}");
    // A policy that names only statuses does not retry it.
    let (code, out, wf) = run_reported(&dir, &workflow.replace("[network]", "[5xx]"));
    assert_eq!(code, 1, "{out}");
    assert_eq!(attempts(&wf, 0), 1, "{wf}");
}

#[test]
fn a_dropped_connection_is_retried_until_a_response_comes() {
    let (url, seen) = dropping_server(2);
    let dir = Dir::new();
    let workflow = format!(
        "version: 1\nname: dropped\nsteps:\n  - request: {{ url: \"{url}/x\" }}\n    {RETRY}\n    expect: {{ status: 200, json: {{ $.connection: 3 }} }}\n"
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 0, "{out}");
    assert_eq!(seen.load(Ordering::SeqCst), 3, "{out}");
    assert_eq!(attempts(&wf, 0), 3, "{wf}");

    // Without `network` in the list, the first drop fails the step.
    let (url, seen) = dropping_server(2);
    let workflow = format!(
        "version: 1\nname: dropped\nsteps:\n  - request: {{ url: \"{url}/x\" }}\n    {}\n",
        RETRY.replace("[network]", "[429, 5xx]")
    );
    let (code, out, _) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("connection lost"), "{out}");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "{out}");
}

#[test]
fn a_timeout_and_an_unreachable_token_endpoint_are_network_failures() {
    let server = TestServer::start();
    let dir = Dir::new();
    let workflow = format!(
        "version: 1\nname: slow\nsteps:\n  - request: {{ url: \"{}/slow/2000\", timeout: 100ms }}\n    {RETRY}\n",
        server.url
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert_eq!(attempts(&wf, 0), 3, "{wf}");

    // The step's own `timeout` cutting the request off counts the same.
    let workflow = format!(
        "version: 1\nname: slow-step\nsteps:\n  - request: {{ url: \"{}/slow/2000\" }}\n    timeout: 100ms\n    {RETRY}\n",
        server.url
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("its `timeout`"), "{out}");
    assert_eq!(attempts(&wf, 0), 3, "{wf}");

    let token_url = format!("http://127.0.0.1:{}/token", closed_port());
    let workflow = format!(
        "version: 1\nname: token\nauth:\n  p:\n    token_url: \"{token_url}\"\n    grant_type: client_credentials\nsteps:\n  - request: {{ url: \"{}/echo/t\", auth: p }}\n    {RETRY}\n",
        server.url
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert_eq!(attempts(&wf, 0), 3, "{wf}");
    assert_eq!(server.requests(), 0, "{out}");
}

#[test]
fn an_error_of_the_step_itself_is_not_a_network_failure() {
    let server = TestServer::start();
    let dir = Dir::new();
    // The template fails when the request is prepared: nothing is sent, nothing to retry.
    let workflow = format!(
        "version: 1\nname: tpl\nsteps:\n  - request: {{ url: \"{}/echo/{{{{ 'a' | int }}}}\" }}\n    {RETRY}\n",
        server.url
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert_eq!(attempts(&wf, 0), 1, "{wf}");
    assert_eq!(server.requests(), 0, "{out}");
}

#[test]
fn a_refused_redirect_is_not_a_network_failure() {
    // A 307 to another origin would re-send the body there: apiflow does not follow it.
    let elsewhere = format!("http://127.0.0.1:{}/x", closed_port());
    let (url, seen) = raw_server(move |_| {
        Some(
            format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {elsewhere}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            .into_bytes(),
        )
    });
    let dir = Dir::new();
    let workflow = format!(
        "version: 1\nname: moved\nsteps:\n  - request: {{ method: POST, url: \"{url}/x\", json: {{ a: 1 }} }}\n    {RETRY}\n"
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("redirect not followed"), "{out}");
    assert_eq!(attempts(&wf, 0), 1, "{wf}");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "{out}");
}

#[test]
fn a_body_cut_short_is_retried_and_a_malformed_response_is_not() {
    // The first two responses promise 100 bytes and send 10 before closing.
    let (url, seen) = raw_server(|n| {
        Some(if n <= 2 {
            "HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\n0123456789".into()
        } else {
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".into()
        })
    });
    let dir = Dir::new();
    let workflow = format!(
        "version: 1\nname: cut\nsteps:\n  - request: {{ url: \"{url}/x\" }}\n    {RETRY}\n    expect: {{ body: ok }}\n"
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 0, "{out}");
    assert_eq!(seen.load(Ordering::SeqCst), 3, "{out}");
    assert_eq!(attempts(&wf, 0), 3, "{wf}");

    // A response that is not HTTP came whole: the server is wrong, not the network.
    let (url, seen) = raw_server(|_| Some("HTTX/9 200 OK\r\n\r\n".into()));
    let workflow = format!(
        "version: 1\nname: garbled\nsteps:\n  - request: {{ url: \"{url}/x\" }}\n    {RETRY}\n"
    );
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("connection lost"), "{out}");
    assert_eq!(attempts(&wf, 0), 1, "{wf}");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "{out}");
}

#[test]
fn a_truncated_compressed_body_is_not_a_network_failure() {
    // The HTTP message is complete (its content-length is right); the gzip stream inside it is
    // cut. The decoder reports an unexpected end, which is the server's fault, not the
    // network's: no retry.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&[b'x'; 4096]).unwrap();
    let mut payload = gz.finish().unwrap();
    payload.truncate(payload.len() / 2);
    let (url, seen) = raw_server(move |_| {
        let mut response = format!(
            "HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            payload.len()
        )
        .into_bytes();
        response.extend_from_slice(&payload);
        Some(response)
    });
    let dir = Dir::new();
    let workflow =
        format!("version: 1\nname: gz\nsteps:\n  - request: {{ url: \"{url}/x\" }}\n    {RETRY}\n");
    let (code, out, wf) = run_reported(&dir, &workflow);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("connection lost"), "{out}");
    assert_eq!(attempts(&wf, 0), 1, "{wf}");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "{out}");
}
