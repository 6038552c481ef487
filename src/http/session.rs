//! One workflow run's HTTP state over the run's shared connection pools: its cookie jar, and
//! redirects followed here (not inside the client) so that every hop is seen, recorded,
//! cookie-jarred and stripped of credentials when it leaves the origin.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use super::jar::{Jar, register_value};
use super::{HttpClient, PreparedRequest, Response, TransportError, redirect};
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
    /// Borrowed for what is the same on every request (`accept: */*`): no copy per request.
    pub headers: Vec<WireHeader>,
    pub body: WireBody,
}

/// A header name and value as sent.
pub type WireHeader = (Cow<'static, str>, Cow<'static, str>);

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
    /// Why this hop got no response (a timeout, a refused connection, a body too large).
    pub error: Option<String>,
    /// The same, typed, when the transport failed (what `retry: { on: [network] }` asks).
    pub failure: Option<TransportError>,
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
    jar: Mutex<Jar>,
}

impl Session {
    pub fn new(client: Arc<HttpClient>, cookies_enabled: bool) -> Self {
        Self::with_jar(client, cookies_enabled, Jar::new())
    }

    /// A session whose jar starts with `jar` (`--cookie-jar`).
    pub fn with_jar(client: Arc<HttpClient>, cookies_enabled: bool, jar: Jar) -> Self {
        Self {
            client,
            cookies_enabled,
            jar: Mutex::new(jar),
        }
    }

    /// The jar as it is now.
    pub fn jar(&self) -> Jar {
        self.lock_jar().clone()
    }

    fn lock_jar(&self) -> std::sync::MutexGuard<'_, Jar> {
        self.jar.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `req`, following redirects per `policy`, filling the jar from every response and
    /// registering cookie values with `secrets`. Cross-origin hops carry no credentials.
    pub async fn send(
        &self,
        req: &PreparedRequest,
        policy: &SendPolicy,
        secrets: &Redactor,
    ) -> Result<Exchange, SendError> {
        // Boxed: the exchange's state is large, and a step's future is nested once per
        // include level (32 of them must fit on a thread's stack).
        Box::pin(self.follow(req, policy, secrets)).await
    }

    async fn follow(
        &self,
        req: &PreparedRequest,
        policy: &SendPolicy,
        secrets: &Redactor,
    ) -> Result<Exchange, SendError> {
        // The request is copied only when this send must change it (userinfo in its URL,
        // its own `Cookie` header) or a redirect makes a new one: a plain request goes out as
        // the step prepared it.
        let mut current = Cow::Borrowed(req);
        if redirect::has_userinfo(&req.url) {
            let owned = current.to_mut();
            redirect::take_userinfo(&mut owned.url, &mut owned.headers, secrets);
        }
        // The request's own cookies (`request.cookies`, a `Cookie` header) are merged with
        // the jar's on every hop that stays on the first origin; they win on the same name.
        let own_cookies = if has_cookie_header(&current.headers) {
            take_cookie_pairs(&mut current.to_mut().headers)
        } else {
            Vec::new()
        };
        let max_redirects = policy.max_redirects.min(redirect::MAX_REDIRECTS_CAP);
        let mut exchange = Exchange::default();
        // The first hop's origin, known once a redirect needs it.
        let mut origin = None;
        let mut left_origin = false;
        loop {
            let cookie = if left_origin {
                None
            } else {
                let jar = if self.cookies_enabled && policy.send_jar_cookies {
                    self.lock_jar().request_pairs(&current.url)
                } else {
                    Vec::new()
                };
                cookie_header(jar, &own_cookies)
            };
            let sent = self
                .client
                .send(&current, cookie.as_deref(), policy.max_body)
                .await;
            let (request, result) = match sent {
                Ok(sent) => sent,
                Err(error) => return Err(SendError { error, exchange }),
            };
            let response = match result {
                Ok(r) => Arc::new(r),
                Err(error) => {
                    exchange.hops.push(Hop {
                        request,
                        response: None,
                        error: Some(error.to_string()),
                        failure: Some(error.clone()),
                    });
                    return Err(SendError { error, exchange });
                }
            };
            self.take_cookies(&current.url, &response, secrets);
            exchange.hops.push(Hop {
                request,
                response: Some(Arc::clone(&response)),
                error: None,
                failure: None,
            });
            if !policy.follow_redirects {
                return Ok(exchange);
            }
            let next = redirect::next(
                &current,
                response.status,
                response.header("location"),
                secrets,
            );
            match next {
                Ok(None) => return Ok(exchange),
                Ok(Some(next)) => {
                    if exchange.hops.len() as u32 > max_redirects {
                        return Err(SendError {
                            error: TransportError::TooManyRedirects(max_redirects),
                            exchange,
                        });
                    }
                    let first = origin.get_or_insert_with(|| current.url.origin());
                    left_origin |= next.url.origin() != *first;
                    current = Cow::Owned(next);
                }
                Err(error) => return Err(SendError { error, exchange }),
            }
        }
    }

    /// Every `Set-Cookie` of a response goes into the jar (unless the jar is off); its values
    /// are credentials either way.
    fn take_cookies(&self, url: &url::Url, response: &Response, secrets: &Redactor) {
        let mut any = false;
        for header in response.header_all("set-cookie") {
            any = true;
            if let Some((_, value)) = header.split(';').next().and_then(|p| p.split_once('=')) {
                register_value(value.trim(), secrets);
            }
        }
        if any && self.cookies_enabled {
            self.lock_jar()
                .store(url, response.header_all("set-cookie"));
        }
    }
}

fn has_cookie_header(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("cookie"))
}

/// Removes the request's `Cookie` headers, returning their `name=value` pairs.
fn take_cookie_pairs(headers: &mut Vec<(String, String)>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    headers.retain(|(name, value)| {
        if !name.eq_ignore_ascii_case("cookie") {
            return true;
        }
        for pair in value.split(';') {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            pairs.push((n.trim().to_owned(), v.trim().to_owned()));
        }
        false
    });
    pairs
}

/// One `Cookie` header: the jar's pairs, then the request's own (which replace the jar's of
/// the same name).
fn cookie_header(jar: Vec<(String, String)>, own: &[(String, String)]) -> Option<String> {
    let mut pairs: Vec<(String, String)> = jar
        .into_iter()
        .filter(|(n, _)| !own.iter().any(|(o, _)| o == n))
        .collect();
    pairs.extend(own.iter().cloned());
    if pairs.is_empty() {
        return None;
    }
    Some(
        pairs
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_cookies_replace_the_jars_of_the_same_name() {
        let mut headers = vec![
            ("Accept".to_owned(), "*/*".to_owned()),
            ("Cookie".to_owned(), "a=1; b=2".to_owned()),
        ];
        let own = take_cookie_pairs(&mut headers);
        assert_eq!(headers.len(), 1);
        let jar = vec![
            ("b".to_owned(), "jar".to_owned()),
            ("c".to_owned(), "3".to_owned()),
        ];
        assert_eq!(cookie_header(jar, &own).unwrap(), "c=3; a=1; b=2");
        assert_eq!(cookie_header(Vec::new(), &[]), None);
    }
}
