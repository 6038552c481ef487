//! Lowering of a workflow file's top level: inputs, vars, auth providers, defaults, outputs.

use std::sync::Arc;

use super::yaml::Node;

use super::keys;
use super::lowerer::{Lowerer, StepLabel, is_identifier};
use super::request::PartialRequest;
use super::yaml;
use crate::model::{AuthProvider, ClientAuth, InputDecl, VarDecl, Workflow};
use crate::source::Pos;

impl Lowerer<'_> {
    pub(super) fn workflow(&mut self, mut root: Node) -> Option<Workflow> {
        // The steps are taken out of the tree so that each one's nodes are freed as soon as
        // it is lowered (a 10,000-step file's tree is as large as its model).
        let (step_items, finally_items) = match &mut root {
            Node::Mapping(m) => (
                m.take_sequence_items("steps"),
                m.take_sequence_items("finally"),
            ),
            _ => (None, None),
        };
        let top = self.fields(&root, "the workflow", keys::TOP)?;
        let start = Pos::new(1, 1);

        match self.required(&top, "version", "the workflow", start) {
            Some(v) if v.as_scalar().is_some_and(|s| s.as_str() == "1") => {}
            Some(v) => {
                let d = self.error(
                    yaml::pos(v),
                    "unsupported `version`: this apiflow reads version 1",
                );
                d.help = Some("write `version: 1`".into());
            }
            None => {}
        }
        let name = self
            .required(&top, "name", "the workflow", start)
            .and_then(|n| self.string(n, "`name`"))
            .unwrap_or_default();
        let description = top
            .get("description")
            .and_then(|n| self.string(n, "`description`"));
        let inputs = top
            .get("inputs")
            .map(|n| self.inputs(n))
            .unwrap_or_default();
        self.names.inputs = inputs.iter().map(|i| i.name.clone()).collect();
        let vars = top.get("vars").map(|n| self.vars(n)).unwrap_or_default();
        let auth = top
            .get("auth")
            .map(|n| self.providers(n))
            .unwrap_or_default();
        self.names.providers = auth.iter().map(|p| p.name.clone()).collect();
        let timeout = top
            .get("timeout")
            .and_then(|n| self.duration(n, "`timeout`"));
        let cookies = top
            .get("cookies")
            .and_then(|n| self.bool(n, "`cookies`"))
            .unwrap_or(true);

        // Only checked here: the items themselves were taken out above.
        if let Some(n) = self.required(&top, "steps", "the workflow", start) {
            self.sequence(n, "`steps`");
        }
        if let Some(n) = top.get("finally") {
            self.sequence(n, "`finally`");
        }
        self.collect_step_ids(
            step_items
                .iter()
                .chain(finally_items.iter())
                .flat_map(|s| s.iter()),
        );
        // After the ids and captured names are known: defaults may use any of them.
        self.names.in_defaults = true;
        self.step = Some(StepLabel::Defaults);
        let defaults = match top.get("defaults") {
            Some(n) => self.defaults(n),
            None => PartialRequest::default(),
        };
        self.names.in_defaults = false;
        self.step = None;

        let steps = self.steps(step_items.unwrap_or_default(), &defaults);
        let finally = self.steps(finally_items.unwrap_or_default(), &defaults);

        let outputs = match top.get("outputs") {
            Some(n) => self.outputs(n),
            None => Vec::new(),
        };

        Some(Workflow {
            file: Arc::clone(&self.file),
            name,
            description,
            inputs,
            vars,
            auth,
            steps,
            finally,
            outputs,
            timeout,
            cookies,
        })
    }

    pub(super) fn sequence<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match node.as_sequence() {
            Some(seq) => Some(seq),
            None => {
                let d = self.error(yaml::pos(node), format!("{what} must be a list"));
                d.help = Some("start each item with `- `".into());
                None
            }
        }
    }

    fn inputs(&mut self, node: &Node) -> Vec<InputDecl> {
        let Some(map) = node.as_mapping() else {
            self.error(
                yaml::pos(node),
                "`inputs` must be a mapping of input names to their settings",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            let Some(name) = self.identifier(key, "input") else {
                continue;
            };
            let pos = yaml::scalar_pos(key);
            // `apikey:` with no settings is a plain optional input.
            if value
                .as_scalar()
                .is_some_and(|s| s.as_str().is_empty() && s.may_coerce())
            {
                out.push(InputDecl {
                    name,
                    description: None,
                    env: None,
                    secret: false,
                    required: false,
                    default: None,
                    pos,
                });
                continue;
            }
            let what = format!("input `{name}`");
            let Some(f) = self.fields(value, &what, keys::INPUT) else {
                continue;
            };
            let decl = InputDecl {
                description: f
                    .get("description")
                    .and_then(|n| self.string(n, "`description`")),
                env: f.get("env").and_then(|n| self.string(n, "`env`")),
                secret: f
                    .get("secret")
                    .and_then(|n| self.bool(n, "`secret`"))
                    .unwrap_or(false),
                required: f
                    .get("required")
                    .and_then(|n| self.bool(n, "`required`"))
                    .unwrap_or(false),
                default: f.get("default").map(yaml::to_json),
                name,
                pos,
            };
            // Registered now, before any later part of this file (or a file it includes) can
            // fail to load and print what it read.
            if decl.secret {
                if let Some(value) = decl.env.as_deref().and_then(crate::environment::var) {
                    super::found_secret(&value);
                }
                match &decl.default {
                    Some(serde_json::Value::String(d)) => super::found_secret(d),
                    Some(d) if !d.is_null() => super::found_secret(&d.to_string()),
                    _ => {}
                }
            }
            out.push(decl);
        }
        out
    }

    fn vars(&mut self, node: &Node) -> Vec<VarDecl> {
        let Some(map) = node.as_mapping() else {
            self.error(
                yaml::pos(node),
                "`vars` must be a mapping of names to values",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            let Some(name) = self.identifier(key, "var") else {
                continue;
            };
            if let Some(t) = self.value(value) {
                out.push(VarDecl {
                    name: name.clone(),
                    value: t,
                    pos: yaml::scalar_pos(key),
                });
            }
            self.names.vars.push(name);
        }
        out
    }

    fn providers(&mut self, node: &Node) -> Vec<AuthProvider> {
        let Some(map) = node.as_mapping() else {
            self.error(
                yaml::pos(node),
                "`auth` must be a mapping of provider names to their settings",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            let Some(name) = self.identifier(key, "auth provider") else {
                continue;
            };
            let pos = yaml::scalar_pos(key);
            let what = format!("auth provider `{name}`");
            let Some(f) = self.fields(value, &what, keys::PROVIDER) else {
                continue;
            };
            let token_url = self
                .required(&f, "token_url", &what, pos)
                .and_then(|n| self.text(n, "`token_url`"));
            let grant_type = self
                .required(&f, "grant_type", &what, pos)
                .and_then(|n| self.text(n, "`grant_type`"));
            let params = f
                .get("params")
                .map(|n| self.text_map(n, "`params`"))
                .unwrap_or_default();
            let client = f.get("client").and_then(|n| {
                let c = self.fields(n, "`client`", keys::CLIENT)?;
                let id = self
                    .required(&c, "id", "`client`", yaml::pos(n))
                    .and_then(|n| self.text(n, "`client.id`"));
                let secret = self
                    .required(&c, "secret", "`client`", yaml::pos(n))
                    .and_then(|n| self.text(n, "`client.secret`"));
                Some(ClientAuth {
                    id: id?,
                    secret: secret?,
                })
            });
            let scope = f.get("scope").and_then(|n| self.text(n, "`scope`"));
            let refresh_at = match f.get("refresh_at") {
                None => 0.8,
                Some(n) => match n
                    .as_scalar()
                    .and_then(|s| s.as_str().trim_end_matches('%').parse::<f64>().ok())
                {
                    Some(p) if p > 1.0 && p < 100.0 => p / 100.0,
                    Some(p) if p > 0.0 && p <= 1.0 => p,
                    _ => {
                        self.error(yaml::pos(n), "`refresh_at` must be a fraction of the token lifetime, such as `0.8` or `80%`");
                        0.8
                    }
                },
            };
            if let (Some(token_url), Some(grant_type)) = (token_url, grant_type) {
                out.push(AuthProvider {
                    name,
                    token_url,
                    grant_type,
                    params,
                    client,
                    scope,
                    refresh_at,
                    pos,
                });
            }
        }
        out
    }

    fn defaults(&mut self, node: &Node) -> PartialRequest {
        let Some(f) = self.fields(node, "`defaults`", keys::DEFAULTS) else {
            return PartialRequest::default();
        };
        match f.get("request") {
            Some(n) => self
                .partial_request(n, "`defaults.request`")
                .unwrap_or_default(),
            None => PartialRequest::default(),
        }
    }

    fn outputs(&mut self, node: &Node) -> Vec<(String, crate::template::ValueTemplate)> {
        let Some(map) = node.as_mapping() else {
            self.error(
                yaml::pos(node),
                "`outputs` must be a mapping of names to values",
            );
            return Vec::new();
        };
        map.iter()
            .filter_map(|(k, v)| {
                if !is_identifier(k.as_str()) {
                    self.error(
                        yaml::scalar_pos(k),
                        format!("output `{}` is not a valid name", k.as_str()),
                    );
                    return None;
                }
                Some((k.as_str().to_owned(), self.value(v)?))
            })
            .collect()
    }
}
