//! A workflow's request steps as curl commands. Each step's request is rendered the way
//! `apiflow run` renders it (the same `prepare`), in a scope where everything known before the
//! run has its value (inputs given with `--input`, defaults, `vars`, `set` steps) and
//! everything else is a reference the shell fills in (`"$NAME"`): secrets, captured values,
//! provider tokens, earlier responses, environment variables.

use std::collections::BTreeMap;

use minijinja::Value;

pub use super::print::{COOKIE_FILE, command};
use super::print::{command_with, jar, references_in};
use super::request::{Body, Part, Request};
use super::shell::{REF_OPEN, reference};
use crate::http::{PreparedBody, PreparedPart};
use crate::model::{
    Action, AuthSpec, BodySpec, MultipartPart, RequestCookies, RequestSpec, Step, Workflow,
};
use crate::template::{Scope, Text};

use super::export_refs::{ExportContext, RefPath, value_or_ref, var_name};

/// One exported step.
#[derive(Debug)]
pub struct ExportedStep {
    /// The step's id, else its title.
    pub label: String,
    pub request: Request,
    /// The shell command (`curl …`, one option per line).
    pub command: String,
}

#[derive(Debug, Default)]
pub struct Exported {
    pub steps: Vec<ExportedStep>,
    /// Variables the commands read, and where their values come from.
    pub variables: BTreeMap<String, String>,
    pub notes: Vec<String>,
}

struct Exporter<'a> {
    scope: Scope,
    out: Exported,
    given: &'a BTreeMap<String, String>,
}

impl Exporter<'_> {
    fn context(&self) -> Value {
        Value::from_object(ExportContext(self.scope.context()))
    }

    /// A reference to `$NAME`, remembered with where its value comes from.
    fn reference(&mut self, name: &str, why: String) -> Value {
        self.out.variables.entry(name.to_owned()).or_insert(why);
        Value::from(reference(name))
    }

    fn inputs(&mut self, wf: &Workflow) {
        let mut values = BTreeMap::new();
        for i in &wf.inputs {
            let env = i.env.clone().unwrap_or_else(|| var_name(&i.name));
            let known = if i.secret {
                None
            } else {
                self.given
                    .get(&i.name)
                    .map(|v| Value::from(v.as_str()))
                    .or_else(|| {
                        i.env
                            .as_deref()
                            .and_then(crate::environment::var)
                            .map(Value::from)
                    })
                    .or_else(|| i.default.as_ref().map(crate::template::to_value))
            };
            let value = known.unwrap_or_else(|| {
                let why = if i.secret {
                    format!("the secret input `{}`", i.name)
                } else {
                    format!("the input `{}`", i.name)
                };
                self.reference(&env, why)
            });
            values.insert(i.name.clone(), value);
        }
        self.scope = Scope::new(values);
        for v in &wf.vars {
            let value = match v.value.render(&self.context()) {
                Ok(value) => value,
                Err(_) => self.reference(&var_name(&v.name), format!("`vars.{}`", v.name)),
            };
            self.scope.set_var(&v.name, value);
        }
    }

    fn step(&mut self, wf: &Workflow, step: &Step, wanted: Option<&str>) {
        let label = step.id.clone().unwrap_or_else(|| step.title());
        if let Some(crate::model::ForEach::Items { items, .. }) = &step.for_each
            && let Some(first) = items.first()
        {
            // Rows read from a data file are known now: the command shows the first row's
            // request (the others differ only in the row's values).
            self.scope
                .set_local("item", crate::template::to_value(first));
            self.scope.set_local("index", minijinja::Value::from(0));
        } else if step.for_each.is_some() {
            for (local, name) in [("item", "ITEM"), ("index", "INDEX")] {
                self.reference(name, format!("`{local}` of step `{label}`'s for_each"));
                // A path object, so `{{ item.id }}` is `$ITEM_ID`, and a JSON body keeps its type.
                let v = Value::from_object(RefPath(vec![local.to_owned()]));
                self.scope.set_local(local, v);
            }
        }
        match &step.action {
            Action::Set(items) => {
                for item in items {
                    let value = match item.value.render(&self.context()) {
                        Ok(v) => v,
                        Err(_) => self.reference(
                            &var_name(&item.name),
                            format!("`{}`, set by step `{label}`", item.name),
                        ),
                    };
                    self.scope.set_name(&item.name, value);
                }
            }
            Action::Request(r) => {
                if wanted.is_none_or(|w| step.id.as_deref() == Some(w)) {
                    match self.request(wf, &r.spec, &label) {
                        Ok(request) => match command_with(&request, jar(wf, &r.spec)) {
                            Ok(command) => self.out.steps.push(ExportedStep {
                                label: label.clone(),
                                request,
                                command,
                            }),
                            Err(e) => self.out.notes.push(format!("step `{label}`: {e}")),
                        },
                        Err(e) => self
                            .out
                            .notes
                            .push(format!("step `{label}` cannot be exported: {e}")),
                    }
                }
                for c in &r.captures {
                    self.reference(
                        &var_name(&c.name),
                        format!("`{}`, captured by step `{label}`", c.name),
                    );
                    // A path object, so `{{ rule.name }}` is `$RULE_NAME` rather than an error.
                    let v = Value::from_object(RefPath(vec![c.name.clone()]));
                    self.scope.set_name(&c.name, v);
                }
            }
            Action::Include(_) => self.out.notes.push(format!(
                "step `{label}` includes another workflow: export that file for its requests"
            )),
            Action::Assert(_) | Action::Sleep(_) => {}
        }
        self.scope.clear_local("item");
        self.scope.clear_local("index");
    }

    fn request(
        &mut self,
        wf: &Workflow,
        spec: &RequestSpec,
        label: &str,
    ) -> Result<Request, String> {
        let ctx = self.context();
        // Fields that cannot be rendered before the run (a filter on a captured value, say)
        // become references named after the field.
        let later: std::cell::RefCell<Vec<String>> = Default::default();
        let text = |t: &Text, hint: &str| -> Text {
            if t.render(&ctx).is_ok() {
                return t.clone();
            }
            let name = var_name(hint);
            later.borrow_mut().push(name.clone());
            Text::Lit(reference(&name))
        };
        let mut typed = Vec::new();
        let body = spec.body.as_ref().map(|b| match b {
            BodySpec::Json(v) => BodySpec::Json(value_or_ref(
                v,
                &ctx,
                "json",
                &mut later.borrow_mut(),
                &mut typed,
            )),
            BodySpec::Form(fields) => BodySpec::Form(
                fields
                    .iter()
                    .map(|(n, t)| (n.clone(), text(t, n)))
                    .collect(),
            ),
            BodySpec::Raw(t) => BodySpec::Raw(text(t, "body")),
            BodySpec::Multipart(parts) => BodySpec::Multipart(
                parts
                    .iter()
                    .map(|p| match p {
                        MultipartPart::Text { name, value } => MultipartPart::Text {
                            name: name.clone(),
                            value: text(value, name),
                        },
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        });
        // The URL and query are rendered here, not by `prepare`: a URL that starts with a
        // reference (`"$BASE_URL"/login`) is not a URL until the shell fills it in.
        let url = text(&spec.url, "url");
        let url = url
            .render(&ctx)
            .map(|u| u.trim().to_owned())
            .unwrap_or_default();
        let mut query = Vec::with_capacity(spec.query.len());
        for (n, t) in &spec.query {
            let value = text(t, n).render(&ctx).map(|v| v.into_owned());
            query.push((n.clone(), value.unwrap_or_default()));
        }
        let plain = RequestSpec {
            method: text(&spec.method, "method"),
            url: Text::Lit("http://apiflow.invalid/".into()),
            query: Vec::new(),
            headers: spec
                .headers
                .iter()
                .map(|(n, t)| (n.clone(), text(t, n)))
                .collect(),
            body,
            auth: AuthSpec::None,
            timeout: spec.timeout,
            follow_redirects: spec.follow_redirects,
            max_redirects: spec.max_redirects,
            max_body: spec.max_body,
            verify_tls: spec.verify_tls,
            ca_file: spec.ca_file.clone(),
            cookies: match &spec.cookies {
                RequestCookies::Jar(list) => {
                    RequestCookies::Jar(list.iter().map(|(n, t)| (n.clone(), text(t, n))).collect())
                }
                RequestCookies::Off => RequestCookies::Off,
            },
            from_defaults: Vec::new(),
        };
        for name in typed {
            let why = self.out.variables.get(&name).cloned().unwrap_or_else(|| {
                "a value known only when the workflow runs (a response or a captured value)".into()
            });
            self.reference(
                &format!("{name}_JSON"),
                format!("{why}, as JSON (a string with its quotes, as `jq -c` prints it)"),
            );
        }
        for name in later.into_inner() {
            self.reference(
                &name,
                format!("a value of step `{label}` known only when the workflow runs"),
            );
        }
        let prepared = crate::run::prepare::prepare(&plain, &ctx, &crate::secrets::Redactor::new())
            .map_err(|e| match e {
                crate::run::prepare::PrepareError::Render { error, field } => {
                    format!("`{field}`: {}", error.message)
                }
                crate::run::prepare::PrepareError::Invalid(m) => m,
            })?;
        let render = |t: &Text| {
            t.render(&ctx)
                .map(|s| s.into_owned())
                .map_err(|e| format!("`auth`: {}", e.message))
        };
        let mut req = Request::new(&prepared.method, &normalized_url(&url));
        req.query = query;
        for (name, value) in &prepared.headers {
            let literal = spec
                .headers
                .iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, t)| t.as_literal().is_some());
            let value =
                if super::inputs::is_secret_header(name) && !literal && !value.contains(REF_OPEN) {
                    // A credential that came from an input given on the command line or the
                    // environment: its value stays out of the command.
                    let v = self.reference(&var_name(name), format!("the `{name}` header"));
                    v.as_str().unwrap_or_default().to_owned()
                } else {
                    value.clone()
                };
            req.headers.push((name.clone(), value));
        }
        match &spec.auth {
            AuthSpec::None => {}
            AuthSpec::Bearer(t) => {
                let token = render(t)?;
                let token = if token.contains(REF_OPEN) || t.as_literal().is_some() {
                    token
                } else {
                    let v = self.reference("TOKEN", "the bearer token".into());
                    v.as_str().unwrap_or_default().to_owned()
                };
                req.headers
                    .push(("Authorization".into(), format!("Bearer {token}")));
            }
            AuthSpec::Basic { username, password } => {
                let pass = render(password)?;
                let pass = if pass.contains(REF_OPEN) || password.as_literal().is_some() {
                    pass
                } else {
                    let v = self.reference("PASSWORD", "the basic auth password".into());
                    v.as_str().unwrap_or_default().to_owned()
                };
                req.basic = Some((render(username)?, pass));
            }
            AuthSpec::Provider(name) => {
                let var = format!("{}_TOKEN", var_name(name));
                let provider = wf
                    .auth
                    .iter()
                    .find(|p| &p.name == name)
                    .map(|p| p.token_url.source_text().to_owned())
                    .unwrap_or_default();
                let v = self.reference(
                    &var,
                    format!("a token of the auth provider `{name}` ({provider})"),
                );
                req.headers.push((
                    "Authorization".into(),
                    format!("Bearer {}", v.as_str().unwrap_or_default()),
                ));
            }
        }
        req.body = match prepared.body {
            PreparedBody::None => Body::None,
            PreparedBody::Bytes {
                bytes,
                content_type: Some("application/json"),
            } => Body::Json(serde_json::from_slice(&bytes).map_err(|e| e.to_string())?),
            PreparedBody::Bytes {
                bytes,
                content_type: Some(_),
            } => Body::Form(
                url::form_urlencoded::parse(&bytes)
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            ),
            PreparedBody::Bytes {
                bytes,
                content_type: None,
            } => Body::Raw(String::from_utf8(bytes).map_err(|e| e.to_string())?),
            PreparedBody::File { path, content_type } => Body::File {
                path: path.display().to_string(),
                content_type,
            },
            PreparedBody::Multipart(parts) => Body::Multipart(
                parts
                    .into_iter()
                    .map(|p| match p {
                        PreparedPart::Text { name, value } => Part::Text { name, value },
                        PreparedPart::File {
                            name,
                            path,
                            content_type,
                        } => Part::File {
                            name,
                            path: path.display().to_string(),
                            content_type,
                        },
                    })
                    .collect(),
            ),
        };
        req.follow_redirects = spec.follow_redirects;
        req.max_redirects = (spec.max_redirects != crate::model::DEFAULT_MAX_REDIRECTS)
            .then_some(spec.max_redirects);
        req.timeout_ms = spec.timeout.map(|d| d.as_millis() as u64);
        req.verify_tls = spec.verify_tls;
        req.ca_file = spec.ca_file.as_ref().map(|p| p.display().to_string());
        Ok(req)
    }
}

/// The URL as `apiflow run` would send it (the `url` crate's encoding), references kept whole;
/// as rendered when it is not a URL before the shell fills in its references.
fn normalized_url(url: &str) -> String {
    let mut names = Vec::new();
    let mut with_tokens = String::new();
    for piece in super::shell::pieces(url) {
        match piece {
            super::shell::Piece::Lit(l) => with_tokens.push_str(l),
            super::shell::Piece::Ref(name) => {
                with_tokens.push_str(&format!("apiflowref{}x", names.len()));
                names.push(name.to_owned());
            }
        }
    }
    match url::Url::parse(&with_tokens) {
        Ok(parsed) => {
            let mut out = parsed.as_str().to_owned();
            for (i, name) in names.iter().enumerate().rev() {
                out = out.replace(&format!("apiflowref{i}x"), &reference(name));
            }
            out
        }
        Err(_) => url.to_owned(),
    }
}

/// Every request step of the workflow (or only step `only`), as curl commands.
pub fn export(
    wf: &Workflow,
    only: Option<&str>,
    given: &BTreeMap<String, String>,
) -> Result<Exported, String> {
    if let Some(id) = only {
        let found = wf
            .all_steps()
            .any(|s| s.id.as_deref() == Some(id) && matches!(s.action, Action::Request(_)));
        if !found {
            return Err(format!(
                "no request step with id `{id}` in {}",
                wf.file.path.display()
            ));
        }
    }
    let mut e = Exporter {
        scope: Scope::default(),
        out: Exported::default(),
        given,
    };
    for name in given.keys() {
        if !wf.inputs.iter().any(|i| &i.name == name) {
            e.out.notes.push(format!(
                "`--input {name}=…`: {} has no input named `{name}`",
                wf.file.path.display()
            ));
        }
    }
    e.inputs(wf);
    for step in wf.all_steps() {
        e.step(wf, step, only);
    }
    // Exactly the variables the printed commands read, each with where its value comes from.
    let mut used = BTreeMap::new();
    for step in &e.out.steps {
        for name in references_in(&step.command) {
            let why = e.out.variables.get(&name).cloned().unwrap_or_else(|| {
                "a value known only when the workflow runs (a response or a captured value)".into()
            });
            used.insert(name, why);
        }
    }
    e.out.variables = used;
    Ok(e.out)
}
