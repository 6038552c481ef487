//! Servers for the HTTP session tests (redirects, cookies, bodies), on 127.0.0.1, port 0:
//! an axum server that records every request it receives (each redirect hop included), and a
//! raw TCP server for hostile bodies (a gzip bomb, an endless chunked body). Its users declare
//! `mod support` too (the router is served by `support::serve`).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};

use super::support::serve;

type Log = Arc<Mutex<Vec<Value>>>;

pub struct HttpServer {
    pub url: String,
    log: Log,
    _served: serve::Served,
}

impl HttpServer {
    pub fn start() -> Self {
        let log: Log = Default::default();
        let served = serve::serve(router(Arc::clone(&log)));
        Self {
            url: served.url.clone(),
            log,
            _served: served,
        }
    }

    /// The same server under the name `localhost` (another origin, another cookie host).
    pub fn localhost_url(&self) -> String {
        self.url.replace("127.0.0.1", "localhost")
    }

    /// Every request received, in order.
    pub fn log(&self) -> Vec<Value> {
        self.log.lock().unwrap().clone()
    }

    /// The requests received for `path`.
    pub fn hits(&self, path: &str) -> Vec<Value> {
        self.log()
            .into_iter()
            .filter(|e| e["path"] == path)
            .collect()
    }
}

fn router(log: Log) -> Router {
    Router::new()
        .route("/echo", any(echo))
        .route("/echo/{*rest}", any(echo))
        .route("/to", any(to))
        .route("/chain/{n}", any(chain))
        .route("/login", any(login))
        .route("/home", any(home))
        .route("/set", any(set))
        .route("/big/{n}", get(big))
        // Uploads in these tests are a few MiB.
        .layer(axum::extract::DefaultBodyLimit::max(64 << 20))
        .with_state(log)
}

fn record(log: &Log, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Value {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), Value::from(v.to_str().unwrap_or(""))))
        .collect();
    let entry = json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query().unwrap_or(""),
        "headers": headers,
        "body_len": body.len(),
        "body": String::from_utf8_lossy(&body[..body.len().min(4096)]),
    });
    log.lock().unwrap().push(entry.clone());
    entry
}

async fn echo(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::Json<Value> {
    axum::Json(record(&log, &method, &uri, &headers, &body))
}

/// `/to?status=307&url=URL`: a redirect of that status to that URL.
async fn to(
    State(log): State<Log>,
    Query(q): Query<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&log, &method, &uri, &headers, &body);
    let status = q
        .get("status")
        .and_then(|s| s.parse().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::FOUND);
    let url = q.get("url").cloned().unwrap_or_default();
    (status, [("location", url)]).into_response()
}

/// `/chain/N`: N redirects, then a JSON body.
async fn chain(
    State(log): State<Log>,
    UrlPath(n): UrlPath<u32>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&log, &method, &uri, &headers, b"");
    if n == 0 {
        axum::Json(json!({"arrived": true})).into_response()
    } else {
        (
            StatusCode::FOUND,
            [("location", format!("/chain/{}", n - 1))],
        )
            .into_response()
    }
}

/// A login form: 303 to `/home` setting the session cookie.
async fn login(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&log, &method, &uri, &headers, &body);
    (
        StatusCode::SEE_OTHER,
        [
            ("location", "/home"),
            ("set-cookie", "sid=s3ss10n-secret; Path=/; HttpOnly"),
        ],
    )
        .into_response()
}

/// 200 with the user when the session cookie came, else 401.
async fn home(State(log): State<Log>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    record(&log, &method, &uri, &headers, b"");
    let cookie = headers
        .get("cookie")
        .and_then(|c| c.to_str().ok())
        .unwrap_or("");
    if cookie.contains("sid=s3ss10n-secret") {
        axum::Json(json!({"user": "alice"})).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "log in first").into_response()
    }
}

/// `/set?cookie=SET-COOKIE-VALUE[&to=URL]`: sets the cookie, redirecting when `to` is given.
async fn set(
    State(log): State<Log>,
    Query(q): Query<Vec<(String, String)>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&log, &method, &uri, &headers, b"");
    let mut response = match q.iter().find(|(k, _)| k == "to") {
        Some((_, to)) => (StatusCode::FOUND, [("location", to.clone())]).into_response(),
        None => "set".into_response(),
    };
    for (_, c) in q.iter().filter(|(k, _)| k == "cookie") {
        response
            .headers_mut()
            .append("set-cookie", c.parse().unwrap());
    }
    response
}

async fn big(UrlPath(n): UrlPath<usize>) -> Vec<u8> {
    vec![b'a'; n]
}

/// What the raw server answers every connection with.
#[derive(Clone, Copy)]
pub enum Hostile {
    /// A gzip body that inflates to this many bytes of zeros.
    GzipBomb(usize),
    /// A chunked body that never ends.
    Endless,
}

/// A raw HTTP/1.1 server: one thread per connection, the response written by hand.
pub struct RawServer {
    pub url: String,
}

impl RawServer {
    pub fn start(kind: Hostile) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let bomb = match kind {
            Hostile::GzipBomb(n) => Some(Arc::new(gzip_zeros(n))),
            Hostile::Endless => None,
        };
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let bomb = bomb.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    let _ = stream.read(&mut buf);
                    match bomb {
                        Some(body) => {
                            let head = format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
                                body.len()
                            );
                            let _ = stream.write_all(head.as_bytes());
                            let _ = stream.write_all(&body);
                        }
                        None => {
                            let _ = stream.write_all(
                                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n",
                            );
                            let chunk = vec![b'x'; 64 * 1024];
                            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                            frame.extend_from_slice(&chunk);
                            frame.extend_from_slice(b"\r\n");
                            while stream.write_all(&frame).is_ok() {}
                        }
                    }
                });
            }
        });
        Self { url }
    }
}

fn gzip_zeros(n: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(zeros.len());
        enc.write_all(&zeros[..k]).unwrap();
        left -= k;
    }
    enc.finish().unwrap()
}
