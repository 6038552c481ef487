//! Secret tracking and redaction: the one choke point every output passes through.
//!
//! Secrets are registered as they appear (secret inputs, secret captures, tokens, values of
//! sensitive headers and form fields); every string written to the terminal or a report file
//! goes through [`Redactor::redact`]. Common encodings are covered too: base64 (standard and
//! URL-safe, at every byte alignment, so a secret inside a Basic header is found) and
//! percent-encoding.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use aho_corasick::AhoCorasick;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

pub const MASK: &str = "••••••";

/// Header names whose values are always secret.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "iam-apikey",
    "x-api-key",
    "proxy-authorization",
];

/// Form fields (and JSON keys in token responses) whose values are always secret.
pub const SENSITIVE_FIELDS: &[&str] = &[
    "apikey",
    "password",
    "client_secret",
    "refresh_token",
    "access_token",
];

pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

pub fn is_sensitive_field(name: &str) -> bool {
    SENSITIVE_FIELDS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// Shortest secret whose encoded fragments are also hunted for: shorter ones would make
/// fragments of two or three characters that match ordinary text.
const MIN_ENCODED_LEN: usize = 6;

#[derive(Default)]
struct State {
    patterns: Vec<String>,
    matcher: Option<AhoCorasick>,
}

/// The set of known secrets of a run; cheap to clone and share.
#[derive(Clone, Default)]
pub struct Redactor {
    state: Arc<RwLock<State>>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret value (and its encodings). Empty values are ignored.
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.is_empty() {
            return;
        }
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            if state.patterns.iter().any(|p| p == secret) {
                return;
            }
        }
        let mut variants = vec![secret.to_owned()];
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        variants.push(encoded.clone());
        variants.push(encoded.replace("%20", "+"));
        if secret.len() >= MIN_ENCODED_LEN {
            variants.extend(base64_fragments(secret.as_bytes()));
        }
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        for v in variants {
            if !v.is_empty() && !state.patterns.contains(&v) {
                state.patterns.push(v);
            }
        }
        // Longest first, so a whole secret wins over any fragment of it.
        state.patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
        state.matcher = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&state.patterns)
            .ok();
    }

    /// The text with every secret replaced by a mask.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        match &state.matcher {
            Some(m) if m.is_match(text) => {
                Cow::Owned(m.replace_all(text, &vec![MASK; state.patterns.len()]))
            }
            _ => Cow::Borrowed(text),
        }
    }
}

/// The base64 text that any encoding of `secret` contains, whatever bytes precede it: for
/// each of the three alignments, the characters determined by the secret's bytes alone.
fn base64_fragments(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut buf = vec![0u8; offset];
        buf.extend_from_slice(secret);
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&buf);
            // Character i covers bits [6i, 6i+6); keep those inside the secret's bits.
            let first_bit = offset * 8;
            let end_bit = (offset + secret.len()) * 8;
            let start = first_bit.div_ceil(6);
            let end = end_bit / 6;
            if end > start {
                out.push(encoded[start..end].to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_plain_percent_and_base64_forms() {
        let r = Redactor::new();
        let secret = "s3cr3t/Key+with spaces&more";
        r.add(secret);
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{secret}"));
        let url_encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for text in [
            format!("token={secret}!"),
            format!("Authorization: Basic {basic}"),
            format!("apikey={url_encoded}"),
            format!(
                "x{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
            ),
        ] {
            let out = r.redact(&text);
            assert!(out.contains(MASK), "{text} -> {out}");
            assert!(!out.contains(secret));
            assert!(!out.contains(&basic));
        }
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn every_alignment_of_base64_is_caught() {
        let r = Redactor::new();
        let secret = "0123456789abcdef";
        r.add(secret);
        for prefix in ["", "a", "ab", "abc"] {
            let enc = base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{secret}"));
            assert!(r.redact(&enc).contains(MASK), "prefix {prefix:?}: {enc}");
        }
    }
}
