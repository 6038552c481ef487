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
    pub verify_tls: bool,
    pub ca_file: Option<PathBuf>,
}

#[derive(Clone)]
pub enum BodySpec {
    Json(ValueTemplate),
    Form(Vec<(String, Text)>),
    Raw(Text),
    Multipart(Vec<MultipartPart>),
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
