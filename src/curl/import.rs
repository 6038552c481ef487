//! A plain request written out as a workflow step (or a whole workflow). Credentials become
//! secret inputs read from the environment and their pasted values are written nowhere;
//! `<PLACEHOLDER>`s and `$VARIABLE`s become required inputs; text that would read as template
//! markup is escaped so it is sent as pasted.

use serde_yaml::{Mapping, Value as Yaml};

use super::request::{Body, Part, Request};
use super::shell::{Piece, pieces};

/// An input the imported step needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputDecl {
    pub name: String,
    pub env: String,
    pub secret: bool,
    pub default: Option<String>,
    pub description: String,
}

/// The YAML text and what the user should know about it (for stderr).
#[derive(Debug)]
pub struct Imported {
    pub yaml: String,
    pub inputs: Vec<InputDecl>,
    pub notes: Vec<String>,
}

/// IBM Cloud endpoints whose base URL becomes an input, so `apiflow run --sandbox` (and
/// staging accounts) can point the step elsewhere: (host, input, variable).
const IBM_BASES: &[(&str, &str, &str)] = &[
    ("iam.cloud.ibm.com", "iam_url", "IBMCLOUD_IAM_URL"),
    ("iam.test.cloud.ibm.com", "iam_url", "IBMCLOUD_IAM_URL"),
    ("compliance.cloud.ibm.com", "scc_url", "IBMCLOUD_SCC_URL"),
];

/// A name (form field, query parameter, JSON key) whose value is a credential.
pub fn is_secret_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    crate::secrets::is_sensitive_field(&n)
        || ["apikey", "api_key", "password", "secret", "token"]
            .iter()
            .any(|s| n.ends_with(s))
}

/// A header whose value is a credential.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    crate::secrets::is_sensitive_header(&n)
        || n == "apikey"
        || n == "api-key"
        || ["-api-key", "-apikey", "-token", "-secret"]
            .iter()
            .any(|s| n.ends_with(s))
}

/// `X-Api-Key` → `x_api_key`.
fn snake(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let out = out.trim_matches('_').to_owned();
    match out.chars().next() {
        None => "value".into(),
        Some(c) if c.is_ascii_digit() => format!("v_{out}"),
        Some(_) => out,
    }
}

struct Builder {
    inputs: Vec<InputDecl>,
    notes: Vec<String>,
    iam: bool,
}

impl Builder {
    /// `{{ inputs.NAME }}` for an input, declared once per name.
    fn input(&mut self, decl: InputDecl) -> String {
        let existing = self
            .inputs
            .iter()
            .find(|i| i.name == decl.name || i.env == decl.env);
        let name = match existing {
            Some(i) if i.env == decl.env => {
                let name = i.name.clone();
                if decl.secret {
                    if let Some(i) = self.inputs.iter_mut().find(|i| i.name == name) {
                        i.secret = true;
                    }
                }
                name
            }
            _ => {
                let mut name = decl.name.clone();
                let mut n = 2;
                while self.inputs.iter().any(|i| i.name == name) {
                    name = format!("{}_{n}", decl.name);
                    n += 1;
                }
                self.inputs.push(InputDecl {
                    name: name.clone(),
                    ..decl
                });
                name
            }
        };
        format!("{{{{ inputs.{name} }}}}")
    }

    /// A value as template text: references and placeholders become inputs, the rest is
    /// escaped so it renders to itself.
    fn text(&mut self, value: &str) -> String {
        let mut out = String::new();
        for piece in pieces(value) {
            match piece {
                Piece::Ref(var) => out.push_str(&self.input(InputDecl {
                    name: snake(var),
                    env: var.to_owned(),
                    secret: false,
                    default: None,
                    description: format!("`${var}` in the imported command"),
                })),
                Piece::Lit(lit) => {
                    let mut rest = lit;
                    while let Some((before, name, after)) = next_placeholder(rest) {
                        out.push_str(&escape_markup(before));
                        out.push_str(&self.input(InputDecl {
                            name: snake(name),
                            env: name.to_owned(),
                            secret: false,
                            default: None,
                            description: format!("`<{name}>` in the imported command"),
                        }));
                        rest = after;
                    }
                    out.push_str(&escape_markup(rest));
                }
            }
        }
        out
    }

    /// A credential: always a secret input, whatever was pasted. `field` names it.
    fn secret(&mut self, field: &str, value: &str) -> String {
        let name = snake(field);
        let from_var = match pieces(value).as_slice() {
            [Piece::Ref(var)] => Some((*var).to_owned()),
            _ => None,
        };
        let pasted = from_var.is_none() && next_placeholder(value).is_none() && !value.is_empty();
        let env = from_var.unwrap_or_else(|| {
            if self.iam && name == "apikey" {
                "IBMCLOUD_API_KEY".into()
            } else {
                name.to_ascii_uppercase()
            }
        });
        if pasted {
            self.notes.push(format!(
                "the pasted value of `{field}` is not written out: it is read from ${env}"
            ));
        }
        self.input(InputDecl {
            name,
            env,
            secret: true,
            default: None,
            description: format!("the `{field}` credential"),
        })
    }

    fn field(&mut self, name: &str, value: &str) -> String {
        if is_secret_field(name) {
            self.secret(name, value)
        } else {
            self.text(value)
        }
    }

    fn header(&mut self, name: &str, value: &str) -> String {
        if !is_secret_header(name) {
            return self.text(value);
        }
        // Keep the scheme of `Authorization: Bearer …`; the credential after it is the secret.
        if let Some((scheme, cred)) = value.split_once(' ') {
            let lower = scheme.to_ascii_lowercase();
            if ["bearer", "token", "apikey"].contains(&lower.as_str()) {
                let field = if lower == "apikey" { "apikey" } else { "token" };
                return format!("{scheme} {}", self.secret(field, cred.trim()));
            }
        }
        self.secret(name, value)
    }

    fn json(&mut self, value: &serde_json::Value, key: Option<&str>) -> Yaml {
        match value {
            serde_json::Value::String(s) => Yaml::String(match key {
                Some(k) => self.field(k, s),
                None => self.text(s),
            }),
            serde_json::Value::Array(items) => {
                Yaml::Sequence(items.iter().map(|v| self.json(v, key)).collect())
            }
            serde_json::Value::Object(map) => {
                let mut m = Mapping::new();
                for (k, v) in map {
                    m.insert(Yaml::String(k.clone()), self.json(v, Some(k)));
                }
                Yaml::Mapping(m)
            }
            other => serde_yaml::to_value(other).unwrap_or(Yaml::Null),
        }
    }
}

/// The next `<NAME>` placeholder (capitals, digits, `_`): (before, NAME, after).
fn next_placeholder(s: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(open) = s[from..].find('<').map(|i| i + from) {
        let rest = &s[open + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        if len > 0 && rest[len..].starts_with('>') && rest.as_bytes()[0].is_ascii_uppercase() {
            return Some((&s[..open], &rest[..len], &rest[len + 1..]));
        }
        from = open + 1;
    }
    None
}

/// Text that renders to itself: template markup openers are written as expressions.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' {
            if let Some(&n @ ('{' | '%' | '#')) = chars.peek() {
                chars.next();
                out.push_str(&format!("{{{{ '{{{n}' }}}}"));
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn s(v: &str) -> Yaml {
    Yaml::String(v.to_owned())
}

/// Writes the request as a step (and, with `workflow`, a whole workflow around it).
pub fn import(req: &Request, workflow: bool) -> Imported {
    let host = host_of(&req.url);
    let mut b = Builder {
        inputs: Vec::new(),
        notes: Vec::new(),
        iam: host.ends_with("iam.cloud.ibm.com") || host.ends_with("iam.test.cloud.ibm.com"),
    };
    let mut r = Mapping::new();
    if req.method != "GET" {
        r.insert(s("method"), s(&req.method));
    }
    r.insert(s("url"), s(&url_template(&mut b, &req.url, &host)));
    if !req.query.is_empty() {
        let mut q = Mapping::new();
        for (n, v) in &req.query {
            let v = b.field(n, v);
            merge_into(&mut q, n, v, &mut b.notes, "query parameter");
        }
        r.insert(s("query"), Yaml::Mapping(q));
    }
    let mut headers = Mapping::new();
    for (n, v) in &req.headers {
        if n.eq_ignore_ascii_case("content-length") {
            b.notes
                .push("dropped `Content-Length`: apiflow sends the body's own length".into());
            continue;
        }
        let v = b.header(n, v);
        merge_into(&mut headers, n, v, &mut b.notes, "header");
    }
    if !headers.is_empty() {
        r.insert(s("headers"), Yaml::Mapping(headers));
    }
    match &req.body {
        Body::None => {}
        Body::Form(pairs) => {
            let mut m = Mapping::new();
            for (n, v) in pairs {
                let v = b.field(n, v);
                merge_into(&mut m, n, v, &mut b.notes, "form field");
            }
            r.insert(s("form"), Yaml::Mapping(m));
        }
        Body::Json(value) => {
            let v = b.json(value, None);
            r.insert(s("json"), v);
        }
        Body::Raw(text) => {
            let v = b.text(text);
            r.insert(s("body"), s(&v));
        }
        Body::File { path, content_type } => {
            let mut m = Mapping::new();
            m.insert(s("file"), s(path));
            if let Some(ct) = content_type {
                m.insert(s("content_type"), s(ct));
            }
            r.insert(s("body"), Yaml::Mapping(m));
        }
        Body::Multipart(parts) => {
            let mut m = Mapping::new();
            for p in parts {
                match p {
                    Part::Text { name, value } => {
                        let v = b.field(name, value);
                        m.insert(s(name), s(&v));
                    }
                    Part::File {
                        name,
                        path,
                        content_type,
                    } => {
                        let mut f = Mapping::new();
                        f.insert(s("file"), s(path));
                        if let Some(ct) = content_type {
                            f.insert(s("content_type"), s(ct));
                        }
                        m.insert(s(name), Yaml::Mapping(f));
                    }
                }
            }
            r.insert(s("multipart"), Yaml::Mapping(m));
        }
    }
    if let Some((user, pass)) = &req.basic {
        let mut basic = Mapping::new();
        basic.insert(s("username"), s(&b.text(user)));
        basic.insert(s("password"), s(&b.secret("password", pass)));
        let mut auth = Mapping::new();
        auth.insert(s("basic"), Yaml::Mapping(basic));
        r.insert(s("auth"), Yaml::Mapping(auth));
    }
    if let Some(ms) = req.timeout_ms {
        r.insert(
            s("timeout"),
            s(&if ms % 1000 == 0 {
                format!("{}s", ms / 1000)
            } else {
                format!("{ms}ms")
            }),
        );
    }
    if !req.follow_redirects {
        // curl does not follow redirects unless told to (`-L`); apiflow does by default.
        r.insert(s("follow_redirects"), Yaml::Bool(false));
    }
    if let Some(n) = req.max_redirects {
        r.insert(s("max_redirects"), Yaml::Number(n.into()));
    }
    if !req.verify_tls {
        r.insert(s("verify_tls"), Yaml::Bool(false));
    }
    if let Some(ca) = &req.ca_file {
        r.insert(s("ca_file"), s(ca));
    }

    let mut step = Mapping::new();
    step.insert(s("name"), s(&title(req)));
    step.insert(s("request"), Yaml::Mapping(r));
    let mut expect = Mapping::new();
    expect.insert(s("status"), s("2xx"));
    step.insert(s("expect"), Yaml::Mapping(expect));

    let inputs_yaml = {
        let mut m = Mapping::new();
        for i in &b.inputs {
            let mut d = Mapping::new();
            d.insert(s("description"), s(&i.description));
            d.insert(s("env"), s(&i.env));
            if i.secret {
                d.insert(s("secret"), Yaml::Bool(true));
            }
            match &i.default {
                Some(v) => {
                    d.insert(s("default"), s(v));
                }
                None => {
                    d.insert(s("required"), Yaml::Bool(true));
                }
            }
            m.insert(s(&i.name), Yaml::Mapping(d));
        }
        m
    };
    let steps = Yaml::Sequence(vec![Yaml::Mapping(step)]);
    let yaml = if workflow {
        let mut w = Mapping::new();
        w.insert(s("version"), Yaml::Number(1.into()));
        w.insert(s("name"), s(&format!("Imported from curl: {}", title(req))));
        if !inputs_yaml.is_empty() {
            w.insert(s("inputs"), Yaml::Mapping(inputs_yaml));
        }
        w.insert(s("steps"), steps);
        to_text(&Yaml::Mapping(w))
    } else {
        let mut text = String::new();
        if !inputs_yaml.is_empty() {
            text.push_str(
                "# This step needs these inputs (add them under the workflow's `inputs:`):\n",
            );
            let mut inputs = Mapping::new();
            inputs.insert(s("inputs"), Yaml::Mapping(inputs_yaml));
            for line in to_text(&Yaml::Mapping(inputs)).lines() {
                text.push_str("# ");
                text.push_str(line);
                text.push('\n');
            }
        }
        text.push_str(&to_text(&steps));
        text
    };
    Imported {
        yaml,
        inputs: b.inputs,
        notes: b.notes,
    }
}

fn to_text(v: &Yaml) -> String {
    serde_yaml::to_string(v).unwrap_or_default()
}

/// Two values of one name (a repeated header) are joined with `, ` as HTTP allows.
fn merge_into(m: &mut Mapping, name: &str, value: String, notes: &mut Vec<String>, what: &str) {
    let key = m
        .keys()
        .find(|k| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))
        .cloned();
    match key.and_then(|k| m.get_mut(&k)) {
        Some(Yaml::String(existing)) => {
            notes.push(format!(
                "the {what} `{name}` was given twice: its values are joined with `, `"
            ));
            existing.push_str(", ");
            existing.push_str(&value);
        }
        _ => {
            m.insert(s(name), s(&value));
        }
    }
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    host.to_ascii_lowercase()
}

/// The URL as a template: an IBM Cloud endpoint's base becomes an input with a default.
fn url_template(b: &mut Builder, url: &str, host: &str) -> String {
    for (suffix, input, env) in IBM_BASES {
        if host == *suffix || host.ends_with(&format!(".{suffix}")) {
            if let Some(scheme_end) = url.find("://") {
                let after = &url[scheme_end + 3..];
                let path_start = after.find(['/', '?']).unwrap_or(after.len());
                let base = &url[..scheme_end + 3 + path_start];
                let reference = b.input(InputDecl {
                    name: (*input).to_owned(),
                    env: (*env).to_owned(),
                    secret: false,
                    default: Some(base.to_owned()),
                    description: format!("the base URL of {suffix}"),
                });
                return format!("{reference}{}", b.text(&after[path_start..]));
            }
        }
    }
    b.text(url)
}

/// `POST /identity/token`: the method and the URL's path.
fn title(req: &Request) -> String {
    let rest = req
        .url
        .split_once("://")
        .map_or(req.url.as_str(), |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    let path = path.split('?').next().unwrap_or("/");
    let path: String = path
        .chars()
        .map(|c| if c == super::shell::REF_OPEN { '$' } else { c })
        .filter(|c| *c != super::shell::REF_CLOSE)
        .collect();
    format!("{} {path}", req.method)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curl::shell::reference;

    fn iam_request(apikey: &str) -> Request {
        let mut r = Request::new("POST", "https://iam.cloud.ibm.com/identity/token");
        r.headers.push(("Accept".into(), "application/json".into()));
        r.body = Body::Form(vec![
            (
                "grant_type".into(),
                "urn:ibm:params:oauth:grant-type:apikey".into(),
            ),
            ("apikey".into(), apikey.into()),
        ]);
        r
    }

    #[test]
    fn credentials_become_secret_inputs_and_are_written_nowhere() {
        let out = import(&iam_request("s3cr3t-key-value"), true);
        assert!(!out.yaml.contains("s3cr3t"), "{}", out.yaml);
        let doc: serde_yaml::Value = serde_yaml::from_str(&out.yaml).unwrap();
        let apikey = &doc["inputs"]["apikey"];
        assert_eq!(apikey["env"], "IBMCLOUD_API_KEY");
        assert_eq!(apikey["secret"], true);
        assert_eq!(doc["inputs"]["iam_url"]["env"], "IBMCLOUD_IAM_URL");
        let req = &doc["steps"][0]["request"];
        assert_eq!(req["form"]["apikey"], "{{ inputs.apikey }}");
        assert_eq!(req["url"], "{{ inputs.iam_url }}/identity/token");
        assert_eq!(out.notes.len(), 1);
    }

    #[test]
    fn placeholders_and_variables_become_required_inputs() {
        let mut r = Request::new("GET", "https://api.example.com/v1/<ACCOUNT_ID>/rules");
        r.headers.push((
            "Authorization".into(),
            format!("Bearer {}", reference("TOKEN")),
        ));
        r.headers.push(("X-Note".into(), "a {{ b }} <c>".into()));
        let out = import(&r, true);
        let doc: serde_yaml::Value = serde_yaml::from_str(&out.yaml).unwrap();
        assert_eq!(doc["inputs"]["account_id"]["required"], true);
        assert_eq!(doc["inputs"]["token"]["env"], "TOKEN");
        assert_eq!(doc["inputs"]["token"]["secret"], true);
        let h = &doc["steps"][0]["request"]["headers"];
        assert_eq!(h["Authorization"], "Bearer {{ inputs.token }}");
        assert_eq!(h["X-Note"], "a {{ '{{' }} b }} <c>");
    }

    #[test]
    fn names_and_markup() {
        assert_eq!(snake("X-Api-Key"), "x_api_key");
        assert_eq!(snake("9lives"), "v_9lives");
        assert!(is_secret_header("X-Auth-Token") && is_secret_header("ibm-apikey"));
        assert!(!is_secret_header("Accept"));
        assert!(is_secret_field("client_secret") && !is_secret_field("grant_type"));
        assert_eq!(escape_markup("{%x{#{"), "{{ '{%' }}x{{ '{#' }}{");
    }
}
