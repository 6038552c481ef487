//! A plain request written out as a workflow step (or a whole workflow). Credentials become
//! secret inputs read from the environment and their pasted values are written nowhere;
//! `<PLACEHOLDER>`s and `$VARIABLE`s become required inputs; text that would read as template
//! markup is escaped so it is sent as pasted.

use serde_yaml::{Mapping, Value as Yaml};

use super::inputs::{Builder, InputDecl};
use super::request::{Body, Part, Request};

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
                let (Part::Text { name, .. } | Part::File { name, .. }) = p;
                if m.contains_key(name.as_str()) {
                    b.notes.push(format!(
                        "the multipart field `{name}` was given twice: only its last value is kept (`multipart:` has one value per name)"
                    ));
                }
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
}
