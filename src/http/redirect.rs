//! The redirect rules, as pure functions over a request: which request a 3xx leads to, and
//! what a request may carry when it leaves its origin.
//!
//! - 301, 302, 303: the next request is a GET without a body (HEAD stays HEAD).
//! - 307, 308: method and body are kept, but a body is never re-sent to another origin: that
//!   redirect is refused (the step fails saying so).
//! - A hop to another origin (scheme, host or port) drops `Authorization`, `Cookie`,
//!   `Proxy-Authorization`, `IAM-ApiKey`, `X-API-Key` and every header whose value holds a
//!   registered secret. What is dropped stays dropped for the rest of the chain.
//! - Userinfo in a `Location` is dropped; apiflow never sends `Referer`.

use super::{PreparedBody, PreparedRequest, TransportError};
use crate::secrets::Redactor;

/// The most redirects a request may follow, whatever `max_redirects` says.
pub const MAX_REDIRECTS_CAP: u32 = 100;

/// Headers that are credentials by their name.
const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "iam-apikey",
    "x-api-key",
];

/// Headers that describe a body, dropped with it.
const BODY_HEADERS: &[&str] = &["content-type", "content-length", "transfer-encoding"];

/// The request a response redirects to, `None` when it is not a redirect to follow (not a
/// redirect status, or no `Location`).
pub fn next(
    current: &PreparedRequest,
    status: u16,
    location: Option<&str>,
    secrets: &Redactor,
) -> Result<Option<PreparedRequest>, TransportError> {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = location.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let mut url = current.url.join(location).map_err(|e| {
        TransportError::Redirect(format!(
            "the {status} response's Location `{}` is not a URL: {e}",
            secrets.redact(location)
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TransportError::Redirect(format!(
            "the {status} response redirects to the unsupported scheme `{}`",
            url.scheme()
        )));
    }
    // Credentials in a Location are the server's to know, not ours to send.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    let cross_origin = url.origin() != current.url.origin();
    let mut next = PreparedRequest {
        url,
        ..current.clone()
    };
    if matches!(status, 301..=303) {
        if next.method != "HEAD" {
            next.method = "GET".into();
        }
        next.body = PreparedBody::None;
        next.headers
            .retain(|(n, _)| !BODY_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(n)));
    } else if cross_origin && !matches!(current.body, PreparedBody::None) {
        return Err(TransportError::Redirect(format!(
            "a {status} redirect to {} would re-send the request body to another origin",
            next.url.origin().ascii_serialization()
        )));
    }
    if cross_origin {
        strip_credentials(&mut next.headers, secrets);
    }
    Ok(Some(next))
}

/// Removes what a request to another origin must not carry.
pub fn strip_credentials(headers: &mut Vec<(String, String)>, secrets: &Redactor) {
    headers.retain(|(name, value)| {
        !CREDENTIAL_HEADERS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
            && !secrets.holds_secret(value)
    });
}

/// Whether the URL carries `user:password@` (or either part).
pub fn has_userinfo(url: &url::Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// Moves `user:password@` out of the URL into a Basic `Authorization` header (unless the
/// request has one), registering the password and the header as secrets.
pub fn take_userinfo(url: &mut url::Url, headers: &mut Vec<(String, String)>, secrets: &Redactor) {
    if !has_userinfo(url) {
        return;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let username = decode(url.username());
    let password = url.password().map(decode).unwrap_or_default();
    secrets.add(&password);
    if let Some(raw) = url.password() {
        secrets.add(raw);
    }
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
    {
        use base64::Engine as _;
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        secrets.add(&encoded);
        headers.push(("Authorization".into(), format!("Basic {encoded}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Transport;

    fn request(method: &str, url: &str, body: PreparedBody) -> PreparedRequest {
        PreparedRequest {
            method: method.into(),
            url: url::Url::parse(url).unwrap(),
            headers: vec![
                ("Authorization".into(), "Bearer tok-123456".into()),
                ("X-Trace".into(), "t1".into()),
                ("X-Custom-Key".into(), "my-secret-value".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body,
            timeout: None,
            transport: Transport::default(),
        }
    }

    fn bytes() -> PreparedBody {
        PreparedBody::Bytes {
            bytes: b"{}".to_vec(),
            content_type: Some("application/json"),
        }
    }

    fn names(r: &PreparedRequest) -> Vec<String> {
        r.headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect()
    }

    #[test]
    fn see_other_becomes_a_get_without_body() {
        let s = Redactor::new();
        let r = request("POST", "http://a.test/x", bytes());
        let n = next(&r, 303, Some("/y"), &s).unwrap().unwrap();
        assert_eq!(n.method, "GET");
        assert!(matches!(n.body, PreparedBody::None));
        assert_eq!(n.url.as_str(), "http://a.test/y");
        assert!(!names(&n).contains(&"content-type".to_owned()));
        // Same origin: credentials stay.
        assert!(names(&n).contains(&"authorization".to_owned()));
    }

    #[test]
    fn temporary_redirects_keep_method_and_body_on_the_same_origin_only() {
        let s = Redactor::new();
        let r = request("PUT", "http://a.test/x", bytes());
        let n = next(&r, 307, Some("/z"), &s).unwrap().unwrap();
        assert_eq!(n.method, "PUT");
        assert!(matches!(n.body, PreparedBody::Bytes { .. }));
        let e = next(&r, 308, Some("http://b.test/z"), &s).unwrap_err();
        assert!(matches!(e, TransportError::Redirect(m) if m.contains("re-send the request body")));
        // Without a body, a 307 to another origin is followed, stripped.
        let r = request("DELETE", "http://a.test/x", PreparedBody::None);
        let n = next(&r, 307, Some("http://b.test/z"), &s).unwrap().unwrap();
        assert_eq!(n.method, "DELETE");
    }

    #[test]
    fn another_origin_gets_no_credentials() {
        let s = Redactor::new();
        s.add("my-secret-value");
        let r = request("GET", "http://a.test/x", PreparedBody::None);
        // A different port is a different origin.
        let n = next(&r, 302, Some("http://a.test:8080/y"), &s)
            .unwrap()
            .unwrap();
        assert_eq!(names(&n), vec!["x-trace"]);
    }

    #[test]
    fn userinfo_in_a_location_is_dropped_and_odd_locations_refused() {
        let s = Redactor::new();
        let r = request("GET", "http://a.test/x", PreparedBody::None);
        let n = next(&r, 301, Some("http://u:p@a.test/y#frag"), &s)
            .unwrap()
            .unwrap();
        assert_eq!(n.url.as_str(), "http://a.test/y");
        assert!(matches!(
            next(&r, 302, Some("ftp://a.test/"), &s),
            Err(TransportError::Redirect(_))
        ));
        assert!(next(&r, 304, Some("/y"), &s).unwrap().is_none());
        assert!(next(&r, 302, None, &s).unwrap().is_none());
    }

    #[test]
    fn userinfo_becomes_basic_auth_with_the_password_a_secret() {
        let s = Redactor::new();
        let mut url = url::Url::parse("http://al%20ice:pa%3Ass@a.test/x").unwrap();
        let mut headers = Vec::new();
        take_userinfo(&mut url, &mut headers, &s);
        assert_eq!(url.as_str(), "http://a.test/x");
        use base64::Engine as _;
        let expected = base64::engine::general_purpose::STANDARD.encode("al ice:pa:ss");
        assert_eq!(
            headers,
            vec![("Authorization".into(), format!("Basic {expected}"))]
        );
        assert!(s.holds_secret("pa:ss"));
    }
}
