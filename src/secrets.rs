//! Secret tracking and redaction: the one choke point every output passes through.
//!
//! Secrets are registered as they appear (secret inputs, secret captures, tokens, values of
//! sensitive headers and form fields); every string written to the terminal or a report file
//! goes through [`Redactor::redact`]. Common encodings are covered too: base64 (standard and
//! URL-safe, at every byte alignment, so a secret inside a Basic header is found) and
//! percent-encoding.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// How many distinct secrets one workflow file (with the files it includes) may register, how
/// long one may be, and how many bytes all the forms it masks may take (the matcher built over
/// them takes some 40 bytes a byte of form). A real workflow registers a few secrets of a few
/// KiB at most: the bounds are there so that a hostile server (a thousand `Set-Cookie`
/// headers, a `secret: true` capture of a huge array) cannot grow the redactor without end.
/// They count per workflow file, not per run, so that a suite of thousands of files, each
/// with its own token, stays far from them: what a run holds is then bounded by the number of
/// files the user gave it.
pub const MAX_SECRETS: usize = 1024;
pub const MAX_SECRET_LEN: usize = 64 * 1024;
pub const MAX_FORM_BYTES: usize = 4 * 1024 * 1024;

/// The same bounds over the whole run, every file together: what a run holds stays bounded
/// however many files it is given (a suite of thousands of files, each with a token of its
/// own, stays far below them).
pub const RUN_MAX_SECRETS: usize = 16 * 1024;
pub const RUN_MAX_FORM_BYTES: usize = 16 * 1024 * 1024;

/// The error of the step that went past a bound. Output after that is masked whole, except
/// this text (which holds no secret), so the reader learns why.
pub const LIMIT_MESSAGE: &str = "a workflow file may register at most 1024 secrets, each up \
     to 64 KiB, 4 MiB in all with their encoded forms (a run 16384 secrets, 16 MiB), and more \
     were registered (secret inputs, sensitive headers, cookies, token fields, secret \
     captures): every step that ends from then on fails, every output is masked and no report \
     file is written";

#[derive(Default)]
struct State {
    /// Every registered form, to skip repeats.
    known: std::collections::HashSet<String>,
    /// Forms registered since the last build of the matchers.
    pending: Vec<String>,
    /// Secrets already registered (their plain form), to skip repeats cheaply.
    seen: std::collections::HashSet<String>,
    /// Bytes of the forms in `known`, against [`RUN_MAX_FORM_BYTES`].
    form_bytes: usize,
    /// Built lazily, on the first redaction after a registration: registering the secrets
    /// of a step costs one build, not one per value.
    matchers: Matchers,
}

/// The set of known secrets of a run; cheap to clone and share.
#[derive(Clone, Default)]
pub struct Redactor {
    state: Arc<RwLock<State>>,
    /// Set (for good) when a secret past the bound was refused: from then on every text is
    /// masked whole, since the refused secret could be anywhere in it (fail closed).
    overflowed: Arc<AtomicBool>,
    /// What the workflow file this handle was made for has registered, against the bounds
    /// (see [`Redactor::for_workflow`]).
    budget: Arc<Budget>,
}

/// Secrets and bytes of forms registered through the handles of one workflow file. Updated
/// only under the state's write lock; atomics so that handles can be shared across threads.
#[derive(Default)]
struct Budget {
    secrets: AtomicUsize,
    form_bytes: AtomicUsize,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// A handle on the same secrets with a budget of its own: what it registers counts
    /// against the bounds of one workflow file, not against the run's other files.
    pub fn for_workflow(&self) -> Self {
        Self {
            state: Arc::clone(&self.state),
            overflowed: Arc::clone(&self.overflowed),
            budget: Arc::default(),
        }
    }

    /// Registers a secret value and every form apiflow may write it in. Empty values are
    /// ignored. A secret past a bound ([`MAX_SECRETS`], [`MAX_SECRET_LEN`], [`MAX_FORM_BYTES`])
    /// is not held: the redactor is marked overflowed instead, and masks every text from then
    /// on.
    pub fn add(&self, secret: &str) {
        if secret.trim().is_empty() {
            return;
        }
        let refuse = || self.overflowed.store(true, Ordering::SeqCst);
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            if state.seen.contains(secret) {
                return;
            }
            // Checked before the forms are made: they would be big for a big secret.
            let count = self.budget.secrets.load(Ordering::Relaxed);
            if count >= MAX_SECRETS || secret.len() > MAX_SECRET_LEN {
                return refuse();
            }
        }
        let forms = forms(secret);
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.seen.contains(secret) {
            return; // registered by another thread since the check above
        }
        let new_bytes: usize = forms
            .iter()
            .filter(|f| !state.known.contains(*f))
            .map(String::len)
            .sum();
        let (count, bytes) = (&self.budget.secrets, &self.budget.form_bytes);
        if count.load(Ordering::Relaxed) >= MAX_SECRETS
            || bytes.load(Ordering::Relaxed) + new_bytes > MAX_FORM_BYTES
            || state.seen.len() >= RUN_MAX_SECRETS
            || state.form_bytes + new_bytes > RUN_MAX_FORM_BYTES
        {
            return refuse();
        }
        count.fetch_add(1, Ordering::Relaxed);
        bytes.fetch_add(new_bytes, Ordering::Relaxed);
        state.form_bytes += new_bytes;
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

    /// Whether a secret was refused for the bound (see [`Redactor::add`]).
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::SeqCst)
    }

    /// The text with every secret replaced by a mask.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.overflowed() {
            return Cow::Owned(self.mask_all(text));
        }
        // A text shorter than the shortest form holds no secret: most texts of a record are.
        self.with_matchers(|m| {
            if text.len() >= m.shortest() && m.is_match(text) {
                Cow::Owned(m.replace_all(text, MASK))
            } else {
                Cow::Borrowed(text)
            }
        })
    }

    /// An overflowed redactor's output: every line masked whole but for [`LIMIT_MESSAGE`].
    fn mask_all(&self, text: &str) -> String {
        let message = self.with_matchers(|m| m.replace_all(LIMIT_MESSAGE, MASK));
        let mut out = String::new();
        for line in text.split_inclusive('\n') {
            let (body, end) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            for (i, part) in body.split(LIMIT_MESSAGE).enumerate() {
                if i > 0 {
                    out.push_str(&message);
                }
                if !part.is_empty() {
                    out.push_str(MASK);
                }
            }
            out.push_str(end);
        }
        out
    }

    /// Whether a text of `len` bytes could hold a secret (it is at least as long as the
    /// shortest registered form): lets a caller skip writing out a text only to redact it.
    pub fn could_hold(&self, len: usize) -> bool {
        self.overflowed() || self.with_matchers(|m| !m.is_empty() && len >= m.shortest())
    }

    /// Whether the text holds any registered secret (in any of its forms); always, once the
    /// redactor has overflowed.
    pub fn holds_secret(&self, text: &str) -> bool {
        self.overflowed() || self.with_matchers(|m| text.len() >= m.shortest() && m.is_match(text))
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
mod tests;
