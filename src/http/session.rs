//! One workflow run's HTTP state over the run's shared connection pools: its cookie jar, and
//! redirects followed here (not inside the client) so that every hop is seen, recorded,
//! cookie-jarred and stripped of credentials when it leaves the origin.
//!
//! INTERFACE (implemented by the HTTP rework; the runner codes against these signatures).

use std::sync::Arc;

use super::{HttpClient, PreparedRequest, Response, TransportError};
use crate::secrets::Redactor;

/// How one request is sent: limits and what the step asked for.
#[derive(Clone, Debug)]
pub struct SendPolicy {
    pub follow_redirects: bool,
    pub max_redirects: u32,
    /// Bound on the decoded body of every response, in bytes.
    pub max_body: u64,
    /// `cookies: false` on the request: send nothing from the jar.
    pub send_jar_cookies: bool,
}

/// A request exactly as it went on the wire: every header, including those apiflow or the
/// HTTP client added (`host`, `user-agent`, `accept`, `accept-encoding`, `content-type`,
/// `content-length`, `cookie`).
#[derive(Clone, Debug)]
pub struct WireRequest {
    pub method: String,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: WireBody,
}

/// What a request carried as its body, for reports.
#[derive(Clone, Debug)]
pub enum WireBody {
    None,
    Bytes(Arc<[u8]>),
    /// Streamed from a file: its path and size.
    File {
        path: std::path::PathBuf,
        bytes: u64,
    },
    /// Multipart: the parts' names and, for files, their paths (the boundary is the client's).
    Multipart(Vec<(String, String)>),
}

/// One request sent and what came back; a redirect chain is several hops.
#[derive(Debug)]
pub struct Hop {
    pub request: WireRequest,
    pub response: Option<Arc<Response>>,
}

/// The hops of one `send`, the last one's response being the final response.
#[derive(Debug, Default)]
pub struct Exchange {
    pub hops: Vec<Hop>,
}

impl Exchange {
    /// The final response, if any hop got one.
    pub fn response(&self) -> Option<&Arc<Response>> {
        self.hops.last().and_then(|h| h.response.as_ref())
    }

    /// The URLs that redirected (every hop but the last).
    pub fn redirects(&self) -> Vec<String> {
        let n = self.hops.len().saturating_sub(1);
        self.hops[..n]
            .iter()
            .map(|h| h.request.url.to_string())
            .collect()
    }
}

/// A send that did not end in a final response; the hops made before the failure are kept.
#[derive(Debug)]
pub struct SendError {
    pub error: TransportError,
    pub exchange: Exchange,
}

/// A workflow run's session: share it with included workflows, never across files.
pub struct Session {
    client: Arc<HttpClient>,
    cookies_enabled: bool,
}

impl Session {
    pub fn new(client: Arc<HttpClient>, cookies_enabled: bool) -> Self {
        Self {
            client,
            cookies_enabled,
        }
    }

    /// Sends `req`, following redirects per `policy`, filling the jar from every response and
    /// registering cookie values with `secrets`. Cross-origin hops carry no credentials.
    pub async fn send(
        &self,
        req: &PreparedRequest,
        policy: &SendPolicy,
        secrets: &Redactor,
    ) -> Result<Exchange, SendError> {
        let _ = (policy, secrets, self.cookies_enabled);
        match self.client.send(req).await {
            Ok(r) => Ok(Exchange {
                hops: vec![Hop {
                    request: WireRequest {
                        method: req.method.clone(),
                        url: req.url.clone(),
                        headers: req.headers.clone(),
                        body: WireBody::None,
                    },
                    response: Some(Arc::new(r)),
                }],
            }),
            Err(error) => Err(SendError {
                error,
                exchange: Exchange::default(),
            }),
        }
    }
}
