use std::path::PathBuf;
use std::time::Duration;

use super::{Capture, Check};
use crate::template::{Text, ValueTemplate};

/// A `request` step: what to send, what to check, what to keep.
pub struct RequestStep {
    pub spec: RequestSpec,
    pub checks: Vec<Check>,
    pub captures: Vec<Capture>,
}

/// The request as written (templates), kept apart from the concrete request it renders to.
pub struct RequestSpec {
    pub method: Text,
    pub url: Text,
    pub query: Vec<(String, Text)>,
    pub headers: Vec<(String, Text)>,
    pub body: Option<BodySpec>,
    pub auth: AuthSpec,
    pub timeout: Option<Duration>,
    pub follow_redirects: bool,
    /// `max_redirects` (default 10): more hops than this fail the step.
    pub max_redirects: u32,
    /// `max_body`: a bound on the decoded response body; `None` takes `--max-body` (64 MiB).
    pub max_body: Option<u64>,
    pub verify_tls: bool,
    pub ca_file: Option<PathBuf>,
    /// `cookies:` of the request.
    pub cookies: RequestCookies,
    /// Which fields came from `defaults.request` (`"auth"`, `"headers.X-Name"`, ...), so a
    /// render error in one of them names `defaults.request.FIELD`.
    pub from_defaults: Vec<String>,
}

pub const DEFAULT_MAX_REDIRECTS: u32 = 10;

/// `request.cookies`: extra cookies for this request, on top of the jar's; or `false`.
#[derive(Clone)]
pub enum RequestCookies {
    /// Send the jar's matching cookies plus these.
    Jar(Vec<(String, Text)>),
    /// `cookies: false`: nothing from the jar for this request.
    Off,
}

impl Default for RequestCookies {
    fn default() -> Self {
        Self::Jar(Vec::new())
    }
}

#[derive(Clone)]
pub enum BodySpec {
    Json(ValueTemplate),
    Form(Vec<(String, Text)>),
    Raw(Text),
    Multipart(Vec<MultipartPart>),
    /// `body: { file: PATH, content_type: TYPE }`: the file's bytes, streamed.
    File {
        /// Resolved against the workflow file's folder.
        path: PathBuf,
        content_type: Option<String>,
    },
}

#[derive(Clone)]
pub enum MultipartPart {
    Text {
        name: String,
        value: Text,
    },
    File {
        name: String,
        path: PathBuf,
        content_type: Option<String>,
    },
}

#[derive(Clone)]
pub enum AuthSpec {
    None,
    Bearer(Text),
    Basic { username: Text, password: Text },
    Provider(String),
}
