//! The request both directions meet at: the workflow's request model (`request:` of a step)
//! with concrete strings instead of templates. Strings may hold references to outside values
//! ([`super::shell::reference`]): `$NAME` in a pasted command, or a secret in an export.

/// One HTTP request, as a `request:` step would send it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    /// The URL; its query may stay in it when it is not a list of `name=value` pairs.
    pub url: String,
    /// Query parameters added to the URL, decoded.
    pub query: Vec<(String, String)>,
    /// Headers in order; an empty value is sent as an empty header.
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// HTTP Basic credentials (`-u`, URL userinfo, `auth: { basic: … }`).
    pub basic: Option<(String, String)>,
    pub follow_redirects: bool,
    /// `None`: the default (apiflow's 10).
    pub max_redirects: Option<u32>,
    pub timeout_ms: Option<u64>,
    pub verify_tls: bool,
    pub ca_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    /// `form:` (application/x-www-form-urlencoded), decoded pairs.
    Form(Vec<(String, String)>),
    /// `json:`.
    Json(serde_json::Value),
    /// `body:` text; its content type is a header.
    Raw(String),
    /// `body: { file, content_type }`.
    File {
        path: String,
        content_type: Option<String>,
    },
    /// `multipart:`.
    Multipart(Vec<Part>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text {
        name: String,
        value: String,
    },
    File {
        name: String,
        path: String,
        content_type: Option<String>,
    },
}

impl Request {
    pub fn new(method: &str, url: &str) -> Self {
        Self {
            method: method.to_owned(),
            url: url.to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            basic: None,
            follow_redirects: false,
            max_redirects: None,
            timeout_ms: None,
            verify_tls: true,
            ca_file: None,
        }
    }

    /// The value of a header (the first of that name, any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
}
