//! HTTP/2 (over TLS, by ALPN): a stream the server refuses, cancels or resets, or a connection
//! it shuts down before the response, is a failure of the network that `retry: { on:
//! [network] }` retries; a stream reset for a protocol error is not. Against a real h2 server
//! on 127.0.0.1 with a certificate made for the test.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use support::{Dir, json_report, run_reporting};
use tokio_rustls::rustls;

/// An h2-only TLS server. `/reset/N` answers with RST_STREAM of reason N, `/goaway` with a
/// GOAWAY (NO_ERROR) and the end of the connection, anything else with 200. Started
/// `refusing`, it answers every request with a GOAWAY whose last stream is 0 instead (written
/// frame by frame: h2's server cannot refuse a stream it has read).
struct H2Server {
    url: String,
    /// The path of every request received.
    seen: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

impl H2Server {
    fn start(certs: &support::tls::Certificates, refusing: bool) -> Self {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_file_iter(&certs.cert)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(&certs.key).unwrap();
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = Arc::clone(&seen);
        let connections: Arc<AtomicUsize> = Arc::default();
        let count = Arc::clone(&connections);
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, log) = (acceptor.clone(), Arc::clone(&log));
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    if refusing {
                        return goaway_before_any_stream(tls).await;
                    }
                    let Ok(mut conn) = h2::server::handshake(tls).await else {
                        return;
                    };
                    while let Some(Ok((request, mut respond))) = conn.accept().await {
                        let path = request.uri().path().to_owned();
                        log.lock().unwrap().push(path.clone());
                        if let Some(code) = path.strip_prefix("/reset/") {
                            respond.send_reset(h2::Reason::from(code.parse::<u32>().unwrap()));
                        } else if path == "/goaway" {
                            conn.abrupt_shutdown(h2::Reason::NO_ERROR);
                        } else {
                            let response = axum::http::Response::new(());
                            let _ = respond.send_response(response, true);
                        }
                    }
                });
            }
        });
        Self {
            url,
            seen,
            connections,
            _runtime: runtime,
        }
    }

    fn received(&self, path: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

/// Reads the client's preface and frames up to its request's HEADERS, then answers GOAWAY with
/// last stream 0 (nothing processed) and NO_ERROR, as a server shutting down does.
async fn goaway_before_any_stream(mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut preface = [0u8; 24];
    if tls.read_exact(&mut preface).await.is_err() {
        return;
    }
    // A frame: 3 bytes of length, type, flags, 4 bytes of stream id, payload. Our SETTINGS
    // (none) first.
    let _ = tls.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await;
    loop {
        let mut head = [0u8; 9];
        if tls.read_exact(&mut head).await.is_err() {
            return;
        }
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let mut payload = vec![0u8; len];
        if tls.read_exact(&mut payload).await.is_err() {
            return;
        }
        match (head[3], head[4] & 1) {
            // The client's SETTINGS: acknowledged.
            (4, 0) => {
                let _ = tls.write_all(&[0, 0, 0, 4, 1, 0, 0, 0, 0]).await;
            }
            // HEADERS: the request.
            (1, _) => break,
            _ => {}
        }
    }
    let goaway = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let _ = tls.write_all(&goaway).await;
    let _ = tls.flush().await;
    // Open a moment longer, so the client reads the frame before the connection ends.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let _ = tls.shutdown().await;
}

/// Runs one step at `path`, retried on network failures only; returns the step's record and
/// the output.
fn run_step(dir: &Dir, server: &H2Server, path: &str) -> (i32, Value, String) {
    let file = dir.write(
        "w.yaml",
        &format!(
            "version: 1\nname: h2\nsteps:\n  - request: {{ url: \"{}{path}\", ca_file: ca.pem }}\n    retry: {{ attempts: 3, delay: 1ms, max_delay: 5ms, on: [network] }}\n",
            server.url
        ),
    );
    let report = dir.path().join("report.json");
    let (code, out, err) = run_reporting(&file, "json", &report, &[]);
    let record = json_report(&report);
    (
        code,
        record["workflows"][0]["steps"][0].clone(),
        format!("{out}{err}"),
    )
}

fn attempts(step: &Value) -> usize {
    step["attempts"].as_array().unwrap().len()
}

#[test]
fn h2_resets_and_shutdowns_before_the_response_are_network_failures() {
    let dir = Dir::new();
    let server = H2Server::start(&support::tls::certificates(dir.path()), false);

    // The server answers over HTTP/2: the step passes at once.
    let (code, step, out) = run_step(&dir, &server, "/ok");
    assert_eq!(code, 0, "{out}");
    assert_eq!(attempts(&step), 1);
    assert_eq!(server.received("/ok"), 1);

    // NO_ERROR (0), REFUSED_STREAM (7), CANCEL (8), INTERNAL_ERROR (2), ENHANCE_YOUR_CALM (11):
    // retried, every attempt sent. (The HTTP client itself may send a refused stream again.)
    for reason in [0, 7, 8, 2, 11] {
        let path = format!("/reset/{reason}");
        let (code, step, out) = run_step(&dir, &server, &path);
        assert_eq!(code, 1, "{out}");
        assert_eq!(attempts(&step), 3, "reason {reason}: {out}");
        assert!(server.received(&path) >= 3, "reason {reason}");
    }
    let (code, step, out) = run_step(&dir, &server, "/goaway");
    assert_eq!(code, 1, "{out}");
    assert_eq!(attempts(&step), 3, "GOAWAY: {out}");
    assert!(server.received("/goaway") >= 3);
}

#[test]
fn an_h2_protocol_error_is_not_retried() {
    let dir = Dir::new();
    let server = H2Server::start(&support::tls::certificates(dir.path()), false);
    // PROTOCOL_ERROR (1) and HTTP_1_1_REQUIRED (13): the two sides disagree, and would again.
    for reason in [1, 13] {
        let path = format!("/reset/{reason}");
        let (code, step, out) = run_step(&dir, &server, &path);
        assert_eq!(code, 1, "{out}");
        assert_eq!(attempts(&step), 1, "reason {reason}: {out}");
        assert_eq!(server.received(&path), 1, "reason {reason}");
    }
}

#[test]
fn a_goaway_that_processed_no_stream_is_a_network_failure() {
    let dir = Dir::new();
    let server = H2Server::start(&support::tls::certificates(dir.path()), true);
    let (code, step, out) = run_step(&dir, &server, "/any");
    assert_eq!(code, 1, "{out}");
    assert_eq!(attempts(&step), 3, "{out}");
    // Each attempt came on connections of its own (the HTTP client also tries a new one).
    assert!(server.connections.load(Ordering::SeqCst) >= 3);
    // The GOAWAY frame reached apiflow: a dropped connection, not another failure.
    assert!(
        out.contains("connection lost: connection error received"),
        "{out}"
    );
}
