use std::sync::Arc;
use std::time::Duration;

use super::Step;
use crate::source::{Pos, SourceFile};
use crate::template::{Text, ValueTemplate};

/// One workflow file, ready to run.
pub struct Workflow {
    pub file: Arc<SourceFile>,
    pub name: String,
    pub description: Option<String>,
    pub inputs: Vec<InputDecl>,
    pub vars: Vec<VarDecl>,
    pub auth: Vec<AuthProvider>,
    pub steps: Vec<Step>,
    pub finally: Vec<Step>,
    pub outputs: Vec<(String, ValueTemplate)>,
    pub timeout: Option<Duration>,
    /// Top-level `cookies: false` turns the workflow's cookie jar off.
    pub cookies: bool,
}

/// A parameter of the workflow.
pub struct InputDecl {
    pub name: String,
    pub description: Option<String>,
    pub env: Option<String>,
    pub secret: bool,
    pub required: bool,
    pub default: Option<serde_json::Value>,
    pub pos: Pos,
}

/// A named value computed once before the first step.
pub struct VarDecl {
    pub name: String,
    pub value: ValueTemplate,
    pub pos: Pos,
}

/// A named OAuth2-style token provider.
pub struct AuthProvider {
    pub name: String,
    pub token_url: Text,
    pub grant_type: Text,
    pub params: Vec<(String, Text)>,
    pub client: Option<ClientAuth>,
    pub scope: Option<Text>,
    /// Fraction of the lifetime after which the token is renewed.
    pub refresh_at: f64,
    pub pos: Pos,
}

/// HTTP Basic client authentication at the token endpoint.
pub struct ClientAuth {
    pub id: Text,
    pub secret: Text,
}

impl Workflow {
    /// Every step, the `finally` ones last.
    pub fn all_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().chain(&self.finally)
    }
}
