//! Secret tracking and redaction: the one choke point every output passes through.
//!
//! Secrets are registered as they appear (secret inputs, secret captures, tokens, values of
//! sensitive headers and form fields); every string written to the terminal or a report file
//! goes through [`Redactor::redact`]. Common encodings are covered too: base64 (standard and
//! URL-safe, at every byte alignment, so a secret inside a Basic header is found) and
//! percent-encoding.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

mod matcher;
#[cfg(test)]
use matcher::Matcher;
use matcher::Matchers;

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

/// Shortest line of a multi-line secret that is registered on its own (a PEM key is printed
/// line by line in an excerpt).
const MIN_LINE_LEN: usize = 4;

/// Authorization schemes whose credential (the word after them) is a secret on its own.
const SCHEMES: &[&str] = &["bearer", "basic", "digest", "token", "negotiate", "apikey"];

/// The percent-encoding sets of the URL standard (as the `url` crate applies them to a path,
/// a query and userinfo), plus "every non-alphanumeric byte": each is a form apiflow may write.
mod sets {
    use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC};
    pub const QUERY: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>');
    pub const SPECIAL_QUERY: &AsciiSet = &QUERY.add(b'\'');
    pub const PATH: &AsciiSet = &QUERY.add(b'?').add(b'`').add(b'{').add(b'}');
    pub const USERINFO: &AsciiSet = &PATH
        .add(b'/')
        .add(b':')
        .add(b';')
        .add(b'=')
        .add(b'@')
        .add(b'[')
        .add(b'\\')
        .add(b']')
        .add(b'^')
        .add(b'|');
    pub const ALL: [&AsciiSet; 5] = [QUERY, SPECIAL_QUERY, PATH, USERINFO, NON_ALPHANUMERIC];
}

#[derive(Default)]
struct State {
    /// Every registered form, to skip repeats.
    known: std::collections::HashSet<String>,
    /// Forms registered since the last build of the matchers.
    pending: Vec<String>,
    /// Secrets already registered (their plain form), to skip repeats cheaply.
    seen: std::collections::HashSet<String>,
    /// Built lazily, on the first redaction after a registration: registering the secrets
    /// of a step costs one build, not one per value.
    matchers: Matchers,
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

    /// Registers a secret value and every form apiflow may write it in. Empty values are
    /// ignored.
    pub fn add(&self, secret: &str) {
        if secret.trim().is_empty() {
            return;
        }
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            if state.seen.contains(secret) {
                return;
            }
        }
        let forms = forms(secret);
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.seen.insert(secret.to_owned());
        for f in forms {
            if !f.is_empty() && !state.known.contains(&f) {
                state.known.insert(f.clone());
                state.pending.push(f);
            }
        }
    }

    /// Registers every leaf of a structured secret (a secret capture of an object).
    pub fn add_value(&self, value: &serde_json::Value) {
        use serde_json::Value as V;
        match value {
            V::String(s) => self.add(s),
            V::Number(n) => self.add(&n.to_string()),
            V::Array(items) => items.iter().for_each(|v| self.add_value(v)),
            V::Object(map) => map.values().for_each(|v| self.add_value(v)),
            V::Bool(_) | V::Null => {}
        }
    }

    /// Calls `f` with the matchers, after adding the forms registered since the last call.
    fn with_matchers<T>(&self, f: impl FnOnce(&Matchers) -> T) -> T {
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            if state.pending.is_empty() {
                return f(&state.matchers);
            }
        }
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let pending = std::mem::take(&mut state.pending);
        state.matchers.extend(pending);
        f(&state.matchers)
    }

    /// The text with every secret replaced by a mask.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        // A text shorter than the shortest form holds no secret: most texts of a record are.
        self.with_matchers(|m| {
            if text.len() >= m.shortest() && m.is_match(text) {
                Cow::Owned(m.replace_all(text, MASK))
            } else {
                Cow::Borrowed(text)
            }
        })
    }

    /// Whether a text of `len` bytes could hold a secret (it is at least as long as the
    /// shortest registered form): lets a caller skip writing out a text only to redact it.
    pub fn could_hold(&self, len: usize) -> bool {
        self.with_matchers(|m| !m.is_empty() && len >= m.shortest())
    }

    /// Whether the text holds any registered secret (in any of its forms).
    pub fn holds_secret(&self, text: &str) -> bool {
        self.with_matchers(|m| text.len() >= m.shortest() && m.is_match(text))
    }
}

/// Every form of a secret that apiflow or a report writer may produce.
fn forms(secret: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    push(secret.to_owned());
    push(secret.trim().to_owned());
    // `Bearer xyz`: the credential alone is what a server may echo back.
    if let Some((scheme, rest)) = secret.trim().split_once(' ') {
        if SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) && !rest.trim().is_empty() {
            for f in forms(rest.trim()) {
                push(f);
            }
        }
    }
    for line in secret.lines().map(str::trim) {
        if line.len() >= MIN_LINE_LEN && line != secret {
            push(line.to_owned());
        }
    }
    // A secret templated raw into a URL is cut by the URL parser at `?` and `#`: each piece is
    // printed on its own (path-encoded, with `\\` read as `/`).
    if secret.contains(['?', '#']) {
        for piece in secret.split(['?', '#']).filter(|p| p.len() >= MIN_LINE_LEN) {
            for set in sets::ALL {
                push(
                    percent_encoding::utf8_percent_encode(&piece.replace('\\', "/"), set)
                        .to_string(),
                );
                push(percent_encoding::utf8_percent_encode(piece, set).to_string());
            }
            push(piece.to_owned());
        }
    }
    for set in sets::ALL {
        let encoded = percent_encoding::utf8_percent_encode(secret, set).to_string();
        push(encoded.replace("%20", "+"));
        push(encoded);
    }
    // In the path of an http(s) URL a backslash is read as a slash.
    push(percent_encoding::utf8_percent_encode(&secret.replace('\\', "/"), sets::PATH).to_string());
    push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    // JSON string escapes (serde_json's, and the HTML-safe ones minijinja's `tojson` adds).
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json[1..json.len().saturating_sub(1).max(1)].to_owned();
    push(
        json.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .replace('\'', "\\u0027"),
    );
    // A JSON body echoed inside another JSON string (an echo server, an error message that
    // quotes the request) is escaped twice.
    let twice = serde_json::to_string(&json).unwrap_or_default();
    push(twice[1..twice.len().saturating_sub(1).max(1)].to_owned());
    push(json);
    // XML and HTML escapes, each quote written the ways writers do.
    let amp = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    for (dq, sq) in [
        ("&quot;", "&apos;"),
        ("&#34;", "&#39;"),
        ("&#x22;", "&#x27;"),
        ("\"", "'"),
    ] {
        push(amp.replace('"', dq).replace('\'', sq));
    }
    // GitHub annotation escapes (data, then property).
    let data = secret
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    push(data.replace(':', "%3A").replace(',', "%2C"));
    push(data);
    if secret.len() >= MIN_ENCODED_LEN {
        for f in base64_fragments(secret.as_bytes()) {
            push(f);
        }
    }
    out
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
    fn every_escaped_form_is_caught() {
        let r = Redactor::new();
        let secret = "Tr0ub4dor-3!&<\"x'\\%:,é ~*";
        r.add(secret);
        let json = serde_json::to_string(secret).unwrap();
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let xml = secret
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;");
        let mut u = url::Url::parse("http://h/").unwrap();
        u.query_pairs_mut().append_pair("p", secret);
        let mut path = url::Url::parse("http://h/").unwrap();
        path.set_path(secret);
        let annotation = secret.replace('%', "%25");
        for text in [json, form, xml, u.to_string(), path.to_string(), annotation] {
            let out = r.redact(&text);
            assert!(out.contains(MASK), "{text} -> {out}");
            assert!(!out.contains("Tr0ub4dor"), "{text} -> {out}");
        }
    }

    #[test]
    fn bearer_credentials_and_lines_of_a_key_are_secrets_on_their_own() {
        let r = Redactor::new();
        r.add("Bearer abcdef123456");
        assert_eq!(
            r.redact("token abcdef123456 echoed"),
            format!("token {MASK} echoed")
        );
        r.add("-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDDEEEE\n-----END KEY-----");
        assert!(!r.redact("line: DDDDEEEE").contains("DDDDEEEE"));
        assert!(r.holds_secret("x AAAABBBBCCCC y"));
        assert!(!r.holds_secret("nothing"));
    }

    #[test]
    fn the_packed_searcher_and_the_nfa_mask_the_same() {
        let r = Redactor::new();
        r.add("Bearer abcdef123456");
        r.add("s3cr3t/Key+with spaces&more");
        r.add("é-secret-ü");
        let state = r.state.read().unwrap();
        let mut patterns: Vec<String> = state.known.iter().cloned().collect();
        patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let packed = Matcher::build(&patterns).unwrap();
        assert!(
            matches!(packed, Matcher::Packed(_)),
            "Teddy is there on x86_64"
        );
        let nfa = Matcher::nfa(&patterns).unwrap();
        for text in [
            "no secret here",
            "abcdef123456",
            "x abcdef123456 y abcdef123456",
            "Authorization: Bearer abcdef123456",
            "q=s3cr3t%2FKey%2Bwith%20spaces%26more&é-secret-ü!",
            "ééé é-secret-ü",
        ] {
            assert_eq!(packed.is_match(text), nfa.is_match(text), "{text}");
            assert_eq!(
                packed.replace_all(text, MASK),
                nfa.replace_all(text, MASK),
                "{text}"
            );
        }
        // Many patterns: Teddy declines, the NFA answers.
        let many: Vec<String> = (0..500).map(|i| format!("secret-number-{i:04}")).collect();
        let m = Matcher::build(&many).unwrap();
        assert!(matches!(m, Matcher::Nfa(_)));
        assert_eq!(
            m.replace_all("a secret-number-0042 b", MASK),
            format!("a {MASK} b")
        );
    }

    #[test]
    fn a_text_as_long_as_the_shortest_form_is_still_searched() {
        let r = Redactor::new();
        r.add("Bearer abcdef123456");
        // The credential alone (12 bytes) is among the forms: exactly that long is masked.
        assert_eq!(r.redact("abcdef123456"), MASK);
        assert_eq!(r.redact("abcdef12345"), "abcdef12345");
        assert!(r.holds_secret("abcdef123456"));
        assert!(!r.holds_secret("short"));
        assert!(r.could_hold(12));
        assert!(!r.could_hold(11));
        assert!(!Redactor::new().could_hold(1000));
    }

    #[test]
    fn every_leaf_of_a_secret_object_is_registered() {
        let r = Redactor::new();
        r.add_value(&serde_json::json!({"a": {"b": ["leafvalue1"]}, "n": 123456789}));
        assert!(!r.redact("leafvalue1 and 123456789").contains("leafvalue1"));
        assert!(!r.redact("123456789").contains("123456789"));
    }

    #[test]
    fn the_matcher_is_the_one_cheap_to_rebuild() {
        let r = Redactor::new();
        r.add("a-secret-value-0123");
        let Some(Matcher::Nfa(nfa)) = Matcher::nfa(&["a-secret-value-0123".to_owned()]) else {
            panic!("the NFA builds");
        };
        assert_eq!(nfa.kind(), aho_corasick::AhoCorasickKind::ContiguousNFA);
        assert_eq!(r.redact("x a-secret-value-0123 y"), format!("x {MASK} y"));
    }

    #[test]
    fn a_secret_registered_after_many_others_is_masked() {
        let r = Redactor::new();
        for i in 0..200 {
            r.add(&format!("item-secret-{i:03}-0123456789abcdef"));
            assert_eq!(r.redact("a line of output"), "a line of output");
        }
        r.add("the-last-one-xyz");
        assert_eq!(
            r.redact("x the-last-one-xyz y item-secret-000-0123456789abcdef"),
            format!("x {MASK} y {MASK}")
        );
        assert!(r.holds_secret("item-secret-123-0123456789abcdef"));
        // The whole secret is masked, not a shorter secret inside it.
        r.add("secret-1");
        assert_eq!(
            r.redact("item-secret-150-0123456789abcdef secret-1"),
            format!("{MASK} {MASK}")
        );
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
