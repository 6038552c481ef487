//! Turning live values (hops, JSON values, texts) into record values, redacted on the way in.
//!
//! Redaction happens here, before any writer escapes or encodes anything (JSON, XML, HTML,
//! annotations): an encoder cannot change a secret's form before it is masked. Bodies are
//! redacted whole and only then cut to their bound, so a truncation never leaves the first
//! characters of a secret. The redacting text pass at the output remains as a second net.

use super::{BodyRecord, Header, HopRecord, RequestRecord, ResponseRecord};
use crate::http::{Hop, Response, WireBody, WireRequest};
use crate::secrets::{MASK, Redactor, is_sensitive_header};

/// How much of an exchange a record keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Request line, status and timing: what a passed step needs.
    Summary,
    /// Every header and the bodies up to [`BODY_BOUND`].
    Full,
}

/// The most of a body a record keeps (the contract: 64 KiB).
pub const BODY_BOUND: usize = 64 * 1024;

/// One hop of an exchange, taken by value: a summary's method and URL are moved, not copied.
pub fn hop_owned(
    hop: Hop,
    purpose: Option<String>,
    secrets: &Redactor,
    detail: Detail,
) -> HopRecord {
    let response = hop
        .response
        .as_deref()
        .map(|r| response(r, secrets, detail));
    let error = hop.error.map(|e| text_owned(e, secrets));
    let request = match detail {
        Detail::Summary => RequestRecord {
            url: text_owned(hop.request.url.into(), secrets),
            method: hop.request.method,
            headers: Vec::new(),
            body: None,
        },
        Detail::Full => request(&hop.request, secrets, detail),
    };
    HopRecord {
        purpose,
        request,
        response,
        error,
    }
}

pub fn request(req: &WireRequest, secrets: &Redactor, detail: Detail) -> RequestRecord {
    let url = secrets.redact(req.url.as_str()).into_owned();
    if detail == Detail::Summary {
        return RequestRecord {
            method: req.method.clone(),
            url,
            headers: Vec::new(),
            body: None,
        };
    }
    let content_type = find(&req.headers, "content-type");
    let body = match &req.body {
        WireBody::None => None,
        WireBody::Bytes(bytes) => Some(body(bytes, content_type, secrets)),
        WireBody::File { path, bytes } => Some(BodyRecord {
            size: *bytes,
            text: None,
            omitted: 0,
            note: Some(format!(
                "file {}",
                secrets.redact(&path.display().to_string())
            )),
            content_type: content_type.map(str::to_owned),
        }),
        WireBody::Multipart(parts) => Some(BodyRecord {
            size: 0,
            text: Some(
                parts
                    .iter()
                    .map(|(name, value)| format!("{name}: {value}\n"))
                    .map(|line| secrets.redact(&line).into_owned())
                    .collect(),
            ),
            omitted: 0,
            note: Some("multipart".into()),
            content_type: content_type.map(str::to_owned),
        }),
    };
    RequestRecord {
        method: req.method.clone(),
        url,
        headers: headers(&req.headers, secrets),
        body,
    }
}

pub fn response(r: &Response, secrets: &Redactor, detail: Detail) -> ResponseRecord {
    let duration_ms = r.duration.as_secs_f64() * 1000.0;
    if detail == Detail::Summary {
        return ResponseRecord {
            status: r.status,
            version: r.version.clone(),
            headers: Vec::new(),
            body: None,
            duration_ms,
        };
    }
    ResponseRecord {
        status: r.status,
        version: r.version.clone(),
        headers: headers(&r.headers, secrets),
        body: Some(body(&r.body, r.header("content-type"), secrets)),
        duration_ms,
    }
}

fn find<'a, N: AsRef<str>, V: AsRef<str>>(headers: &'a [(N, V)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

/// Headers with sensitive values masked by structure (cookie names stay visible), and every
/// other value passed through the redactor.
pub fn headers<N: AsRef<str>, V: AsRef<str>>(
    headers: &[(N, V)],
    secrets: &Redactor,
) -> Vec<Header> {
    headers
        .iter()
        .map(|(name, value)| Header {
            name: name.as_ref().to_owned(),
            value: masked_header(name.as_ref(), value.as_ref(), secrets),
        })
        .collect()
}

/// A header value as it may be shown.
pub fn masked_header(name: &str, value: &str, secrets: &Redactor) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "cookie" => value
            .split(';')
            .map(|pair| match pair.split_once('=') {
                Some((n, _)) => format!("{}={MASK}", n.trim()),
                None => MASK.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        "set-cookie" => {
            let mut parts = value.split(';');
            let first = parts.next().unwrap_or_default();
            let name = first.split_once('=').map(|(n, _)| n.trim()).unwrap_or("");
            let attrs: Vec<String> = parts
                .map(|a| secrets.redact(a.trim()).into_owned())
                .collect();
            let mut out = format!("{name}={MASK}");
            for a in attrs {
                out.push_str("; ");
                out.push_str(&a);
            }
            out
        }
        "authorization" | "proxy-authorization" => match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} {MASK}"),
            None => MASK.to_owned(),
        },
        _ if is_sensitive_header(name) => MASK.to_owned(),
        _ => secrets.redact(value).into_owned(),
    }
}

/// A body as text, redacted whole, then cut to [`BODY_BOUND`] on a character boundary.
pub fn body(bytes: &[u8], content_type: Option<&str>, secrets: &Redactor) -> BodyRecord {
    let size = bytes.len() as u64;
    let content_type = content_type.map(str::to_owned);
    if looks_binary(bytes) {
        return BodyRecord {
            size,
            text: None,
            omitted: size,
            note: Some("binary".into()),
            content_type,
        };
    }
    let text = String::from_utf8_lossy(bytes);
    let text = pretty(&text, content_type.as_deref()).unwrap_or(text.into_owned());
    let redacted = secrets.redact(&text).into_owned();
    let (kept, omitted) = cut(&redacted, BODY_BOUND);
    BodyRecord {
        size,
        text: Some(kept.to_owned()),
        omitted: omitted as u64,
        note: None,
        content_type,
    }
}

/// JSON bodies pretty-printed for people (a body that does not parse is left as it is).
fn pretty(text: &str, content_type: Option<&str>) -> Option<String> {
    let json = content_type.is_some_and(|c| c.contains("json"))
        || text.trim_start().starts_with(['{', '[']);
    if !json || text.len() > BODY_BOUND * 4 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string_pretty(&v).ok()
}

/// The longest prefix of `text` of at most `max` bytes ending on a character boundary, and how
/// many bytes were left out.
pub fn cut(text: &str, max: usize) -> (&str, usize) {
    if text.len() <= max {
        return (text, 0);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], text.len() - end)
}

fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.contains(&0) || std::str::from_utf8(head).is_err() && std::str::from_utf8(bytes).is_err()
}

/// The longest text an integer is written as (`-9223372036854775808`, `u64::MAX`).
const MAX_INTEGER_TEXT: usize = 20;

/// [`json`] for a value the caller owns: strings that hold no secret are kept, not copied.
pub fn json_owned(value: serde_json::Value, secrets: &Redactor) -> serde_json::Value {
    use serde_json::Value as V;
    match value {
        V::String(s) => V::String(text_owned(s, secrets)),
        V::Array(items) => V::Array(items.into_iter().map(|v| json_owned(v, secrets)).collect()),
        V::Object(map) => V::Object(
            map.into_iter()
                .map(|(k, v)| (text_owned(k, secrets), json_owned(v, secrets)))
                .collect(),
        ),
        // An integer too short to hold any secret is not written out to be searched.
        V::Number(n) if (n.is_i64() || n.is_u64()) && !secrets.could_hold(MAX_INTEGER_TEXT) => {
            V::Number(n)
        }
        V::Number(n) => {
            let text = n.to_string();
            match secrets.redact(&text) {
                std::borrow::Cow::Borrowed(_) => V::Number(n),
                std::borrow::Cow::Owned(masked) => V::String(masked),
            }
        }
        V::Bool(_) | V::Null => value,
    }
}

/// The text redacted, itself when it holds no secret.
pub fn text_owned(text: String, secrets: &Redactor) -> String {
    let masked = match secrets.redact(&text) {
        std::borrow::Cow::Owned(masked) => Some(masked),
        std::borrow::Cow::Borrowed(_) => None,
    };
    masked.unwrap_or(text)
}

/// A JSON value with every string (keys included) passed through the redactor.
pub fn json(value: &serde_json::Value, secrets: &Redactor) -> serde_json::Value {
    use serde_json::Value as V;
    match value {
        V::String(s) => V::String(secrets.redact(s).into_owned()),
        V::Array(items) => V::Array(items.iter().map(|v| json(v, secrets)).collect()),
        V::Object(map) => V::Object(
            map.iter()
                .map(|(k, v)| (secrets.redact(k).into_owned(), json(v, secrets)))
                .collect(),
        ),
        V::Number(n) if (n.is_i64() || n.is_u64()) && !secrets.could_hold(MAX_INTEGER_TEXT) => {
            value.clone()
        }
        // A number may be a secret too (a PIN): compare its text.
        V::Number(n) => {
            let text = n.to_string();
            match secrets.redact(&text) {
                std::borrow::Cow::Borrowed(_) => value.clone(),
                std::borrow::Cow::Owned(masked) => V::String(masked),
            }
        }
        V::Bool(_) | V::Null => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_redacted_before_they_are_cut() {
        let secrets = Redactor::new();
        secrets.add("SECRETSECRET");
        let text = format!("{}SECRETSECRET tail", "x".repeat(BODY_BOUND - 4));
        let b = body(text.as_bytes(), Some("text/plain"), &secrets);
        let kept = b.text.unwrap();
        assert!(
            !kept.contains("SECR"),
            "a cut secret must not show its head"
        );
        assert!(b.omitted > 0);
    }

    #[test]
    fn cookie_and_authorization_values_are_masked_by_structure() {
        let s = Redactor::new();
        assert_eq!(
            masked_header("Cookie", "a=1; b=2", &s),
            format!("a={MASK}; b={MASK}")
        );
        assert_eq!(
            masked_header("set-cookie", "sid=abc; Path=/; HttpOnly", &s),
            format!("sid={MASK}; Path=/; HttpOnly")
        );
        assert_eq!(
            masked_header("Authorization", "Bearer xyz", &s),
            format!("Bearer {MASK}")
        );
        assert_eq!(masked_header("Accept", "text/html", &s), "text/html");
    }

    #[test]
    fn cut_respects_character_boundaries() {
        assert_eq!(cut("ééé", 3), ("é", 4));
        assert_eq!(cut("abc", 10), ("abc", 0));
    }

    #[test]
    fn owned_json_is_redacted_like_borrowed_json() {
        let s = Redactor::new();
        s.add("hunter22");
        s.add("31415926");
        let v = serde_json::json!({"hunter22": ["a hunter22 b", 1, 31415926, 2.5], "k": "v"});
        assert_eq!(json_owned(v.clone(), &s), json(&v, &s));
        let r = json_owned(v, &s).to_string();
        assert!(!r.contains("hunter22") && !r.contains("31415926"), "{r}");
        // A long secret: short integers are left as they are, without being searched.
        let long = Redactor::new();
        long.add("a-secret-longer-than-twenty-bytes");
        let n = serde_json::json!([200, -1, u64::MAX]);
        assert_eq!(json_owned(n.clone(), &long), n);
    }

    #[test]
    fn json_leaves_and_keys_are_redacted() {
        let s = Redactor::new();
        s.add("hunter22");
        let v = serde_json::json!({"hunter22": ["a hunter22 b", 1]});
        let r = json(&v, &s).to_string();
        assert!(!r.contains("hunter22"));
    }
}
