//! The HTTP boundary: our own request and response types, and the one client of a run.
//! reqwest is named only in `client.rs` and `failure.rs`.

mod client;
mod failure;
mod jar;
mod jar_file;
mod redirect;
mod session;

pub use client::HttpClient;
pub use jar::Jar;
pub use jar_file::JarFile;
pub use redirect::{MAX_REDIRECTS_CAP, take_userinfo};
pub use session::{
    Exchange, Hop, SendError, SendPolicy, Session, WireBody, WireHeader, WireRequest,
};

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// A concrete request, rendered from a step's `RequestSpec`.
#[derive(Clone, Debug)]
pub struct PreparedRequest {
    pub method: String,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: PreparedBody,
    pub timeout: Option<Duration>,
    pub transport: Transport,
}

#[derive(Clone, Debug)]
pub enum PreparedBody {
    None,
    Bytes {
        bytes: Vec<u8>,
        content_type: Option<&'static str>,
    },
    Multipart(Vec<PreparedPart>),
    /// A file's bytes, streamed (never read whole into memory).
    File {
        path: PathBuf,
        content_type: Option<String>,
    },
}

#[derive(Clone, Debug)]
pub enum PreparedPart {
    Text {
        name: String,
        value: String,
    },
    File {
        name: String,
        path: PathBuf,
        content_type: Option<String>,
    },
}

/// Client-level settings: requests that share the TLS ones (and the scheme) share a
/// connection pool.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Transport {
    /// Informational: redirects are followed by the session per its `SendPolicy`, and no
    /// pool follows any.
    pub follow_redirects: bool,
    pub verify_tls: bool,
    pub ca_file: Option<PathBuf>,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            follow_redirects: true,
            verify_tls: true,
            ca_file: None,
        }
    }
}

/// A response with its body read in full (decompressed).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub version: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body's size as received (kept when a summary drops the body).
    pub body_bytes: usize,
    pub duration: Duration,
    json: OnceLock<Option<serde_json::Value>>,
}

impl Response {
    pub fn new(
        status: u16,
        version: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        duration: Duration,
    ) -> Self {
        let body_bytes = body.len();
        Self {
            status,
            version,
            headers,
            body,
            body_bytes,
            duration,
            json: OnceLock::new(),
        }
    }

    /// Status, version, size and timing only: what reports need of a step that passed.
    pub fn summary(&self) -> Self {
        Self {
            status: self.status,
            version: self.version.clone(),
            headers: Vec::new(),
            body: Vec::new(),
            body_bytes: self.body_bytes,
            duration: self.duration,
            json: OnceLock::new(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, once; `None` when it is not JSON.
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.body).ok())
            .as_ref()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The value of a cookie set by this response.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.header_all("set-cookie").find_map(|c| {
            let pair = c.split(';').next()?;
            let (n, v) = pair.split_once('=')?;
            (n.trim() == name).then(|| v.trim())
        })
    }
}

/// Why a request got no response.
#[derive(Clone, Debug)]
pub enum TransportError {
    Connect(String),
    Timeout(Duration),
    Tls(String),
    /// More redirects than `max_redirects` (the limit given).
    TooManyRedirects(u32),
    /// A redirect that is not followed: an unusable `Location`, or a 307/308 that would
    /// re-send the body to another origin.
    Redirect(String),
    /// The decoded body is larger than the bound given (`max_body`).
    TooLarge(u64),
    /// The connection broke while the response body was being read.
    Body(String),
    /// The body came but cannot be decoded (a corrupt compression, a broken chunked encoding).
    Decode(String),
    /// The connection was closed or reset before a response came.
    Dropped(String),
    Other(String),
}

impl TransportError {
    /// A failure of the network, which another attempt may not meet: the connection was refused
    /// or failed, timed out, or broke before or during the response. Not one: a limit or a
    /// refusal of apiflow's own (`max_body`, a redirect not followed, too many redirects), a TLS
    /// handshake refused (a certificate not trusted fails again), a response that came whole
    /// but malformed, a request that cannot be built.
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            Self::Connect(_) | Self::Timeout(_) | Self::Body(_) | Self::Dropped(_)
        )
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Connect(m) => write!(f, "could not connect: {m}"),
            TransportError::Timeout(d) => {
                write!(f, "no response within {}", crate::duration::human(*d))
            }
            TransportError::Tls(m) => write!(f, "TLS error: {m}"),
            TransportError::TooManyRedirects(max) => {
                write!(f, "too many redirects (more than {max})")
            }
            TransportError::Redirect(m) => write!(f, "redirect not followed: {m}"),
            TransportError::TooLarge(max) => write!(
                f,
                "response body larger than {} (raise `max_body` or `--max-body`)",
                crate::size::human(*max)
            ),
            TransportError::Body(m) => write!(f, "failed to read the response body: {m}"),
            TransportError::Decode(m) => write!(f, "failed to decode the response body: {m}"),
            TransportError::Dropped(m) => write!(f, "connection lost: {m}"),
            TransportError::Other(m) => write!(f, "request failed: {m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_of_the_network_are_network_failures() {
        let m = || "m".to_owned();
        for e in [
            TransportError::Connect(m()),
            TransportError::Timeout(Duration::from_secs(1)),
            TransportError::Body(m()),
            TransportError::Dropped(m()),
        ] {
            assert!(e.is_network(), "{e}");
        }
        for e in [
            TransportError::Tls(m()),
            TransportError::TooManyRedirects(3),
            TransportError::Redirect(m()),
            TransportError::TooLarge(16),
            TransportError::Decode(m()),
            TransportError::Other(m()),
        ] {
            assert!(!e.is_network(), "{e}");
        }
    }

    #[test]
    fn cookies_and_headers_are_found_by_name() {
        let r = Response::new(
            200,
            "HTTP/1.1".into(),
            vec![
                ("set-cookie".into(), "a=1; Path=/".into()),
                ("set-cookie".into(), "session=xyz; HttpOnly".into()),
                ("content-type".into(), "application/json".into()),
            ],
            b"{\"x\": 1}".to_vec(),
            Duration::ZERO,
        );
        assert_eq!(r.cookie("session"), Some("xyz"));
        assert_eq!(r.cookie("nope"), None);
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.json().unwrap()["x"], 1);
    }
}
