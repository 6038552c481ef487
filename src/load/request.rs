//! Lowering of `request` (and `defaults.request`): method, URL, query, headers, body, auth and
//! transport settings; the step's request is the defaults overlaid by what the step sets.

use std::path::PathBuf;
use std::time::Duration;

use super::yaml::Node;

use super::keys;
use super::lowerer::{Fields, Lowerer};
use super::yaml;
use crate::model::{AuthSpec, BodySpec, MultipartPart, RequestCookies, RequestSpec, RequestStep};
use crate::template::Text;

const BODY_KEYS: [&str; 4] = ["json", "form", "body", "multipart"];
const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

/// A request with every field optional: both `defaults.request` and a step's `request`.
#[derive(Default)]
pub(super) struct PartialRequest {
    method: Option<Text>,
    url: Option<Text>,
    query: Vec<(String, Text)>,
    headers: Vec<(String, Text)>,
    body: Option<BodySpec>,
    auth: Option<AuthSpec>,
    timeout: Option<Duration>,
    follow_redirects: Option<bool>,
    max_redirects: Option<u32>,
    max_body: Option<u64>,
    cookies: Option<RequestCookies>,
    verify_tls: Option<bool>,
    ca_file: Option<PathBuf>,
}

impl Lowerer<'_> {
    pub(super) fn request_step(
        &mut self,
        f: &Fields<'_>,
        defaults: &PartialRequest,
    ) -> Option<RequestStep> {
        let node = f.get("request")?;
        let partial = self.partial_request(node, "`request`")?;
        let spec = self.merge(partial, defaults, yaml::pos(node))?;
        // Captures come before checks, so checks (and `until`) may use this step's captures.
        let captures = f
            .get("capture")
            .map(|n| self.captures(n))
            .unwrap_or_default();
        let checks = f.get("expect").map(|n| self.expect(n)).unwrap_or_default();
        Some(RequestStep {
            spec,
            checks,
            captures,
        })
    }

    pub(super) fn partial_request(&mut self, node: &Node, what: &str) -> Option<PartialRequest> {
        let f = self.fields(node, what, keys::REQUEST)?;
        let bodies: Vec<&str> = BODY_KEYS.iter().copied().filter(|k| f.has(k)).collect();
        if bodies.len() > 1 {
            self.error(
                yaml::pos(node),
                format!(
                    "a request has at most one body, this one has {}",
                    bodies.join(" and ")
                ),
            );
        }
        let method = f.get("method").and_then(|n| {
            let text = self.text(n, "`method`")?;
            match text {
                Text::Lit(m) => {
                    let upper = m.to_ascii_uppercase();
                    if !METHODS.contains(&upper.as_str()) {
                        let d = self.error(yaml::pos(n), format!("unknown HTTP method `{m}`"));
                        d.label = crate::suggest::did_you_mean(&upper, METHODS.iter().copied())
                            .map(|s| format!("did you mean `{s}`?"));
                    }
                    Some(Text::Lit(upper))
                }
                t => Some(t),
            }
        });
        let body = match bodies.first().copied() {
            Some("json") => f
                .get("json")
                .and_then(|n| self.value(n))
                .map(BodySpec::Json),
            Some("form") => f
                .get("form")
                .map(|n| BodySpec::Form(self.text_map(n, "`form`"))),
            Some("body") => f.get("body").and_then(|n| self.body(n)),
            Some(_) => f
                .get("multipart")
                .and_then(|n| self.multipart(n))
                .map(BodySpec::Multipart),
            None => None,
        };
        Some(PartialRequest {
            method,
            url: f.get("url").and_then(|n| self.url(n)),
            query: f
                .get("query")
                .map(|n| self.text_map(n, "`query`"))
                .unwrap_or_default(),
            headers: f
                .get("headers")
                .map(|n| self.text_map(n, "`headers`"))
                .unwrap_or_default(),
            body,
            auth: f.get("auth").and_then(|n| self.auth(n)),
            timeout: f.get("timeout").and_then(|n| self.duration(n, "`timeout`")),
            follow_redirects: f
                .get("follow_redirects")
                .and_then(|n| self.bool(n, "`follow_redirects`")),
            max_redirects: f.get("max_redirects").and_then(|n| {
                self.integer(
                    n,
                    "`max_redirects`",
                    0,
                    u64::from(crate::http::MAX_REDIRECTS_CAP),
                )
                .map(|v| v as u32)
            }),
            max_body: f.get("max_body").and_then(|n| self.size(n, "`max_body`")),
            cookies: f.get("cookies").and_then(|n| self.request_cookies(n)),
            verify_tls: f
                .get("verify_tls")
                .and_then(|n| self.bool(n, "`verify_tls`")),
            ca_file: f
                .get("ca_file")
                .and_then(|n| self.file_path(n, "`ca_file`")),
        })
    }

    /// `body:` raw text, or `{ file: PATH, content_type: TYPE }`.
    fn body(&mut self, node: &Node) -> Option<BodySpec> {
        if node.as_mapping().is_none() {
            return self.text(node, "`body`").map(BodySpec::Raw);
        }
        let f = self.fields(node, "`body`", keys::BODY_FILE)?;
        let path = self
            .required(&f, "file", "`body`", yaml::pos(node))
            .and_then(|n| self.file_path(n, "`file`"))?;
        let content_type = f
            .get("content_type")
            .and_then(|n| self.string(n, "`content_type`"));
        Some(BodySpec::File { path, content_type })
    }

    /// `request.cookies`: `false`, or a mapping of names to templates.
    fn request_cookies(&mut self, node: &Node) -> Option<RequestCookies> {
        if node.as_scalar().is_some() {
            return match self.bool(node, "`cookies`")? {
                false => Some(RequestCookies::Off),
                true => Some(RequestCookies::default()),
            };
        }
        Some(RequestCookies::Jar(self.text_map(node, "`cookies`")))
    }

    /// A size: `64MiB`, `512KiB`, `1GB`, or a number of bytes.
    fn size(&mut self, node: &Node, what: &str) -> Option<u64> {
        let text = self.string(node, what)?;
        match crate::size::parse(&text) {
            Ok(n) => Some(n),
            Err(e) => {
                self.error(yaml::pos(node), format!("{what}: {e}"));
                None
            }
        }
    }

    /// A path relative to the workflow file that must exist.
    pub(super) fn file_path(&mut self, node: &Node, what: &str) -> Option<PathBuf> {
        let rel = self.string(node, what)?;
        let path = self.dir().join(&rel);
        if !path.is_file() {
            let d = self.error(
                yaml::pos(node),
                format!("{what}: no file at `{}`", path.display()),
            );
            d.help = Some("paths are relative to the workflow file".into());
            return None;
        }
        Some(path)
    }

    fn multipart(&mut self, node: &Node) -> Option<Vec<MultipartPart>> {
        let Some(map) = node.as_mapping() else {
            self.error(
                yaml::pos(node),
                "`multipart` must be a mapping of field names to values or files",
            );
            return None;
        };
        let mut parts = Vec::new();
        for (k, v) in map.iter() {
            let name = k.as_str().to_owned();
            if v.as_mapping().is_some() {
                let what = format!("multipart field `{name}`");
                let Some(pf) = self.fields(v, &what, keys::MULTIPART_FILE) else {
                    continue;
                };
                let Some(path) = self
                    .required(&pf, "file", &what, yaml::pos(v))
                    .and_then(|n| self.file_path(n, "`file`"))
                else {
                    continue;
                };
                let content_type = pf
                    .get("content_type")
                    .and_then(|n| self.string(n, "`content_type`"));
                parts.push(MultipartPart::File {
                    name,
                    path,
                    content_type,
                });
            } else if let Some(value) = self.text(v, &format!("multipart field `{name}`")) {
                parts.push(MultipartPart::Text { name, value });
            }
        }
        Some(parts)
    }

    fn auth(&mut self, node: &Node) -> Option<AuthSpec> {
        if let Some(s) = node.as_scalar() {
            let name = s.as_str();
            if name == "none" {
                return Some(AuthSpec::None);
            }
            if !self.names.providers.iter().any(|p| p == name) {
                let label = crate::suggest::did_you_mean(
                    name,
                    self.names.providers.iter().map(String::as_str),
                )
                .map(|s| format!("did you mean `{s}`?"));
                let d = self.error(yaml::pos(node), format!("no auth provider named `{name}`"));
                d.width = name.len().max(1);
                d.label = label;
                d.help = Some("declare providers under the top-level `auth:`, or write `{ bearer: … }`, `{ basic: … }` or `none`".into());
                return None;
            }
            return Some(AuthSpec::Provider(name.to_owned()));
        }
        let f = self.fields(node, "`auth`", keys::AUTH)?;
        if let Some(b) = f.get("bearer") {
            return self.text(b, "`bearer`").map(AuthSpec::Bearer);
        }
        let basic = f.get("basic")?;
        let bf = self.fields(basic, "`basic`", keys::BASIC)?;
        let pos = yaml::pos(basic);
        let username = self
            .required(&bf, "username", "`basic`", pos)
            .and_then(|n| self.text(n, "`username`"));
        let password = self
            .required(&bf, "password", "`basic`", pos)
            .and_then(|n| self.text(n, "`password`"));
        Some(AuthSpec::Basic {
            username: username?,
            password: password?,
        })
    }

    /// The step's request over the defaults: headers and query merge, the rest replace.
    fn merge(
        &mut self,
        step: PartialRequest,
        defaults: &PartialRequest,
        pos: crate::source::Pos,
    ) -> Option<RequestSpec> {
        let Some(url) = step.url else {
            self.error(pos, "`request` is missing the required key `url`");
            return None;
        };
        let mut from_defaults = Vec::new();
        let mut headers: Vec<(String, Text)> = defaults
            .headers
            .iter()
            .filter(|(name, _)| {
                !step
                    .headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name))
            })
            .map(|(n, t)| (n.clone(), t.clone()))
            .collect();
        from_defaults.extend(headers.iter().map(|(n, _)| format!("headers.{n}")));
        headers.extend(step.headers);
        let mut query: Vec<(String, Text)> = defaults
            .query
            .iter()
            .filter(|(name, _)| !step.query.iter().any(|(n, _)| n == name))
            .map(|(n, t)| (n.clone(), t.clone()))
            .collect();
        from_defaults.extend(query.iter().map(|(n, _)| format!("query.{n}")));
        query.extend(step.query);
        // Which fields the step inherits, named as a render error names them.
        if step.method.is_none() && defaults.method.is_some() {
            from_defaults.push("method".into());
        }
        if step.auth.is_none() && defaults.auth.is_some() {
            from_defaults.push("auth".into());
        }
        if step.body.is_none() {
            match &defaults.body {
                Some(BodySpec::Json(_)) => from_defaults.push("json".into()),
                Some(BodySpec::Raw(_)) => from_defaults.push("body".into()),
                Some(BodySpec::Form(fields)) => {
                    from_defaults.extend(fields.iter().map(|(n, _)| format!("form.{n}")));
                }
                Some(BodySpec::Multipart(parts)) => {
                    from_defaults.extend(parts.iter().map(|p| match p {
                        MultipartPart::Text { name, .. } | MultipartPart::File { name, .. } => {
                            format!("multipart.{name}")
                        }
                    }));
                }
                Some(BodySpec::File { .. }) | None => {}
            }
        }
        Some(RequestSpec {
            method: step
                .method
                .or_else(|| defaults.method.clone())
                .unwrap_or_else(|| Text::Lit("GET".into())),
            url,
            query,
            headers,
            body: step.body.or_else(|| defaults.body.clone()),
            auth: step
                .auth
                .or_else(|| defaults.auth.clone())
                .unwrap_or(AuthSpec::None),
            timeout: step.timeout.or(defaults.timeout),
            follow_redirects: step
                .follow_redirects
                .or(defaults.follow_redirects)
                .unwrap_or(true),
            max_redirects: step
                .max_redirects
                .or(defaults.max_redirects)
                .unwrap_or(crate::model::DEFAULT_MAX_REDIRECTS),
            max_body: step.max_body.or(defaults.max_body),
            verify_tls: step.verify_tls.or(defaults.verify_tls).unwrap_or(true),
            ca_file: step.ca_file.or_else(|| defaults.ca_file.clone()),
            cookies: step
                .cookies
                .or_else(|| defaults.cookies.clone())
                .unwrap_or_default(),
            from_defaults,
        })
    }
}

impl Lowerer<'_> {
    /// `url:` — a template that is not empty: `url: ~` or `url: ""` would send a request to
    /// nowhere and fail only at run time.
    fn url(&mut self, node: &Node) -> Option<Text> {
        let empty = node
            .as_scalar()
            .is_some_and(|s| s.as_str().trim().is_empty() || yaml::scalar_to_json(s).is_null());
        if empty {
            let d = self.error(yaml::pos(node), "`url` is empty");
            d.help = Some(
                "write the URL to send the request to, such as `https://api.example.com/items`"
                    .into(),
            );
            return None;
        }
        self.text(node, "`url`")
    }
}
