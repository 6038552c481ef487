//! The reqwest-backed client: one connection pool per distinct transport setting, created on
//! first use and reused by every request of the run. It sends exactly one request per call
//! (redirects are the session's job) and reads the response body up to a bound.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderName, HeaderValue};

use super::failure::{classify, root_cause};
use super::session::{WireBody, WireHeader, WireRequest};
use super::{PreparedBody, PreparedPart, PreparedRequest, Response, Transport, TransportError};

/// Default bound on one request when neither the step nor the defaults set `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

const USER_AGENT: &str = concat!("apiflow/", env!("CARGO_PKG_VERSION"));

/// What the client stack asks for when the request does not say (for the wire record):
/// tower-http's decompression layer inside reqwest writes it without spaces.
const ACCEPT_ENCODING: &str = "gzip,deflate,br";

/// The settings a pool is built from. `https` is part of the key so that a run that only
/// speaks plain HTTP never builds a TLS configuration (no certificate store is read).
#[derive(Clone, Debug)]
struct PoolKey {
    https: bool,
    verify_tls: bool,
    ca_file: Option<PathBuf>,
}

#[derive(Default)]
pub struct HttpClient {
    /// A handful at most (one per TLS setting and scheme): scanned, not hashed, so that the
    /// lookup every request makes neither clones a path nor runs SipHash.
    clients: Mutex<Vec<(PoolKey, reqwest::Client)>>,
}

impl HttpClient {
    pub fn new() -> Self {
        Self::default()
    }

    fn client(&self, t: &Transport, https: bool) -> Result<reqwest::Client, TransportError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let found = clients.iter().find(|(k, _)| {
            k.https == https && k.verify_tls == t.verify_tls && k.ca_file == t.ca_file
        });
        if let Some((_, c)) = found {
            return Ok(c.clone());
        }
        let key = PoolKey {
            https,
            verify_tls: t.verify_tls,
            ca_file: t.ca_file.clone(),
        };
        let client = build(&key)?;
        clients.push((key, client.clone()));
        Ok(client)
    }

    /// Sends one request (no redirect is followed) with `cookie` as its last header, and
    /// reads its body, decoded, up to `max_body` bytes. Once the request could be built, it
    /// is returned as it went on the wire, with the response or why none came.
    pub async fn send(
        &self,
        req: &PreparedRequest,
        cookie: Option<&str>,
        max_body: u64,
    ) -> Result<(WireRequest, Result<Response, TransportError>), TransportError> {
        let timeout = req.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let built = async {
            let client = self.client(&req.transport, req.url.scheme() == "https")?;
            let (request, wire) = build_request(&client, req, cookie).await?;
            Ok::<_, TransportError>((client, request, wire))
        };
        let (client, request, wire) = built.await?;
        let started = Instant::now();
        let exchange = async {
            let response = client
                .execute(request)
                .await
                .map_err(|e| classify(&e, timeout))?;
            read_response(response, max_body, timeout, started).await
        };
        // The timeout bounds the whole exchange, the body included.
        let result = match tokio::time::timeout(timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(timeout)),
        };
        Ok((wire, result))
    }
}

/// The request to send, and its record: every header as it goes on the wire, including those
/// the client stack adds (`host`, `user-agent`, `accept`, `accept-encoding`,
/// `content-length`).
async fn build_request(
    client: &reqwest::Client,
    req: &PreparedRequest,
    cookie: Option<&str>,
) -> Result<(reqwest::Request, WireRequest), TransportError> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes())
        .map_err(|_| TransportError::Other(format!("invalid HTTP method `{}`", req.method)))?;
    // The request is filled in place, not through reqwest's `RequestBuilder`, which moves
    // itself (a few hundred bytes) on every call; the checks are the builder's own: a URL
    // with a host, header names and values parsed as `HeaderName`/`HeaderValue` do, the
    // first error kept (its innermost cause is the same text).
    if !req.url.has_host() {
        return Err(TransportError::Other("URL scheme is not allowed".into()));
    }
    let mut request = reqwest::Request::new(method, req.url.clone());
    let invalid = |e: &dyn std::error::Error| TransportError::Other(root_cause(e));
    let headers = request.headers_mut();
    for (name, value) in &req.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| invalid(&e))?;
        let value = HeaderValue::from_str(value).map_err(|e| invalid(&e))?;
        headers.append(name, value);
    }
    if let Some(cookie) = cookie {
        let value = HeaderValue::from_str(cookie).map_err(|e| invalid(&e))?;
        headers.append(COOKIE, value);
    }
    let has = |name: &str| {
        req.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let body = match &req.body {
        PreparedBody::None => WireBody::None,
        PreparedBody::Bytes {
            bytes,
            content_type,
        } => {
            if let (Some(ct), false) = (content_type, has("content-type")) {
                headers.append(CONTENT_TYPE, HeaderValue::from_static(ct));
            }
            *request.body_mut() = Some(reqwest::Body::from(bytes.clone()));
            WireBody::Bytes(Arc::from(bytes.as_slice()))
        }
        PreparedBody::File { path, content_type } => {
            let (file, len) = open(path).await?;
            if !has("content-type") {
                let ct = HeaderValue::from_str(&guess_type(path, content_type))
                    .map_err(|e| invalid(&e))?;
                headers.append(CONTENT_TYPE, ct);
            }
            // Streamed from the file: memory does not grow with its size.
            headers.append(CONTENT_LENGTH, HeaderValue::from(len));
            *request.body_mut() = Some(reqwest::Body::from(file));
            WireBody::File {
                path: path.clone(),
                bytes: len,
            }
        }
        PreparedBody::Multipart(parts) => {
            let (form, listed) = multipart(parts).await?;
            request = reqwest::RequestBuilder::from_parts(client.clone(), request)
                .multipart(form)
                .build()
                .map_err(|e| TransportError::Other(root_cause(&e)))?;
            WireBody::Multipart(listed)
        }
    };
    let mut headers: Vec<WireHeader> = Vec::with_capacity(request.headers().len() + 5);
    if let Some(host) = req.url.host_str() {
        let host = match req.url.port() {
            Some(p) => {
                let mut s = String::with_capacity(host.len() + 6);
                s.push_str(host);
                // Infallible: writing to a String.
                let _ = write!(s, ":{p}");
                s
            }
            None => host.to_owned(),
        };
        headers.push((Cow::Borrowed("host"), Cow::Owned(host)));
    }
    // Names as HTTP/1.1 sends them (lower case), the step's and what the client added.
    for (name, value) in request.headers() {
        headers.push((
            Cow::Owned(name.as_str().to_owned()),
            Cow::Owned(header_text(value.as_bytes())),
        ));
    }
    let present = |headers: &[WireHeader], name: &str| {
        headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    for (name, value) in [
        ("user-agent", USER_AGENT),
        ("accept", "*/*"),
        ("accept-encoding", ACCEPT_ENCODING),
    ] {
        if !present(&headers, name) {
            headers.push((Cow::Borrowed(name), Cow::Borrowed(value)));
        }
    }
    if let Some(len) = request
        .body()
        .and_then(|b| b.as_bytes())
        .map(<[u8]>::len)
        .filter(|_| !present(&headers, "content-length"))
    {
        headers.push((Cow::Borrowed("content-length"), Cow::Owned(len.to_string())));
    }
    let wire = WireRequest {
        method: req.method.clone(),
        url: req.url.clone(),
        headers,
        body,
    };
    Ok((request, wire))
}

async fn open(path: &std::path::Path) -> Result<(tokio::fs::File, u64), TransportError> {
    let unreadable =
        |e: std::io::Error| TransportError::Other(format!("cannot read `{}`: {e}", path.display()));
    let file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    let len = file.metadata().await.map_err(unreadable)?.len();
    Ok((file, len))
}

fn build(key: &PoolKey) -> Result<reqwest::Client, TransportError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        // Redirects are followed by the session, which sees and records every hop.
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .pool_idle_timeout(Duration::from_secs(30))
        .tcp_nodelay(true);
    if !proxy_in_env() {
        // The system proxy matcher then matches nothing, yet costs ~1,300 instructions a
        // request to ask (callgrind): leave it out.
        builder = builder.no_proxy();
    }
    if !key.https {
        // Plain HTTP only: an empty root store, so no system certificate is loaded. The
        // session picks a pool per hop, so an https hop never uses this one.
        return builder
            .tls_certs_only(Vec::<reqwest::Certificate>::new())
            .build()
            .map_err(|e| TransportError::Other(root_cause(&e)));
    }
    builder = builder.tls_danger_accept_invalid_certs(!key.verify_tls);
    if let Some(path) = &key.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| TransportError::Tls(format!("cannot read `{}`: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            TransportError::Tls(format!(
                "`{}` is not a PEM certificate bundle: {e}",
                path.display()
            ))
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| TransportError::Other(root_cause(&e)))
}

/// Whether the environment names a proxy the way reqwest's system proxy matcher reads it
/// (`ALL_PROXY`, `HTTP_PROXY`, `HTTPS_PROXY`, upper or lower case, not empty). Without one,
/// that matcher sends every request direct, as `no_proxy` does.
fn proxy_in_env() -> bool {
    [
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// Status, headers, and the body decoded and bounded: a gzip bomb or an endless chunked body
/// stops at `max_body` bytes, so memory never grows with what the server sends.
async fn read_response(
    mut response: reqwest::Response,
    max_body: u64,
    timeout: Duration,
    started: Instant,
) -> Result<Response, TransportError> {
    let status = response.status().as_u16();
    let version = version_text(response.version());
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), header_text(v.as_bytes())))
        .collect();
    if response.content_length().is_some_and(|n| n > max_body) {
        return Err(TransportError::TooLarge(max_body));
    }
    let capacity = response.content_length().unwrap_or(0).min(max_body);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e, timeout))? {
        if body.len() as u64 + chunk.len() as u64 > max_body {
            return Err(TransportError::TooLarge(max_body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response::new(
        status,
        version,
        headers,
        body,
        started.elapsed(),
    ))
}

/// A header value as text, invalid UTF-8 replaced. Values are nearly always ASCII: checking
/// that first is about half the cost of the lossy conversion's scan.
fn header_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The version as `http::Version`'s `Debug` writes it (what records have always shown),
/// spelled out for the versions there are: `format!` costs ~500 instructions a response.
fn version_text(v: reqwest::Version) -> String {
    let known = match v {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_11 => "HTTP/1.1",
        reqwest::Version::HTTP_2 => "HTTP/2.0",
        reqwest::Version::HTTP_3 => "HTTP/3.0",
        _ => return format!("{v:?}"),
    };
    known.to_owned()
}

fn guess_type(path: &std::path::Path, given: &Option<String>) -> String {
    given.clone().unwrap_or_else(|| {
        mime_guess::from_path(path)
            .first_or_octet_stream()
            .to_string()
    })
}

/// A multipart form whose file parts are streamed from disk, and its parts as listed for
/// reports (name, and the value or the file's path).
async fn multipart(
    parts: &[PreparedPart],
) -> Result<(reqwest::multipart::Form, Vec<(String, String)>), TransportError> {
    let mut form = reqwest::multipart::Form::new();
    let mut listed = Vec::with_capacity(parts.len());
    for part in parts {
        form = match part {
            PreparedPart::Text { name, value } => {
                listed.push((name.clone(), value.clone()));
                form.text(name.clone(), value.clone())
            }
            PreparedPart::File {
                name,
                path,
                content_type,
            } => {
                let (file, len) = open(path).await?;
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mime = guess_type(path, content_type);
                let p = reqwest::multipart::Part::stream_with_length(file, len)
                    .file_name(file_name)
                    .mime_str(&mime)
                    .map_err(|e| {
                        TransportError::Other(format!("invalid content type `{mime}`: {e}"))
                    })?;
                listed.push((name.clone(), format!("file {}", path.display())));
                form.part(name.clone(), p)
            }
        };
    }
    Ok((form, listed))
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
