//! A request step: prepare → auth → send (redirects, cookies) → 401 renewal → captures →
//! checks.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::Value;

use super::attempt::Attempt;
use super::prepare::{PrepareError, prepare, set_bearer};
use super::tokens::ProviderRequest;
use super::workflow::WorkflowRun;
use crate::check::{self, Subjects};
use crate::http::{Hop, PreparedRequest, Response, SendPolicy, WireBody, WireRequest};
use crate::model::{AuthSpec, CaptureSource, RequestCookies, RequestSpec, RequestStep, Step};
use crate::record::{CheckRecord, ErrorRecord};
use crate::secrets::is_sensitive_header;

impl WorkflowRun<'_> {
    pub(super) async fn request(&mut self, step: &Step, r: &RequestStep) -> Attempt {
        let ctx = self.scope.context();
        let mut req = match prepare(&r.spec, &ctx, &self.secrets) {
            Ok(req) => req,
            Err(PrepareError::Render { error, field }) => {
                let section = if r.spec.from_defaults.iter().any(|f| f == &field) {
                    "defaults.request"
                } else {
                    "request"
                };
                let step_name = step.id.as_deref().map_or_else(
                    || format!("step \"{}\"", super::step::static_title(step)),
                    |id| format!("step `{id}`"),
                );
                return Attempt::errored(self.error_at(
                    format!("{step_name}, `{section}.{field}`: {}", error.message),
                    error.pos,
                ));
            }
            Err(PrepareError::Invalid(msg)) => {
                return Attempt::errored(self.error_at(msg, step.pos));
            }
        };
        let mut attempt = Attempt {
            request_line: Some(request_line(&req.method, req.url.as_str())),
            ..Attempt::default()
        };
        let provider = match &r.spec.auth {
            AuthSpec::Provider(name) => match self.provider(name, &ctx) {
                Ok(p) => Some(p),
                Err(e) => {
                    return Attempt {
                        error: Some(e),
                        ..attempt
                    };
                }
            },
            _ => None,
        };
        // The context shares the scope's data: held across the send, it would make the
        // captures below copy every map of the scope (copy-on-write) on every step.
        drop(ctx);
        let mut token = None;
        if let Some(p) = &provider {
            match self.token(p, None, &mut attempt).await {
                Ok(t) => {
                    set_bearer(&mut req, &t);
                    token = Some(t);
                }
                Err(msg) => {
                    attempt.error = Some(self.error_at(msg, step.pos));
                    return attempt;
                }
            }
        }
        let policy = self.policy(&r.spec);
        let mut sent = self.send(step, &req, &policy, &mut attempt).await;
        // A 401 with a provider's token: renew once, repeat once.
        if let (Some(p), Some(stale), true) = (&provider, &token, sent) {
            if attempt.response().is_some_and(|r| r.status == 401) {
                match self.token(p, Some(stale), &mut attempt).await {
                    Ok(t) => {
                        set_bearer(&mut req, &t);
                        sent = self.send(step, &req, &policy, &mut attempt).await;
                    }
                    Err(msg) => {
                        attempt.error = Some(self.error_at(msg, step.pos));
                        return attempt;
                    }
                }
            }
        }
        if !sent {
            return attempt;
        }
        let response = Arc::clone(attempt.response().expect("a sent request has a response"));
        let cookies = cookies_set(&attempt.exchanges);
        if let Some(id) = step.id.as_ref().filter(|id| self.referenced(id)) {
            let fields = response_fields(&response, &attempt.exchanges);
            self.scope.set_step(
                id,
                crate::template::to_value(BTreeMap::from([("response", fields)])),
            );
        }
        self.captures(r, &response, &cookies, &mut attempt);
        let on = Subjects {
            response: &response,
            cookies: &cookies,
            secrets: &self.secrets,
        };
        match check::evaluate(&r.checks, &on, &self.scope.context(), &self.file) {
            Ok(records) => attempt.checks.extend(records),
            Err(e) => attempt.error = Some(self.render_error(e)),
        }
        attempt
    }

    fn policy(&self, spec: &RequestSpec) -> SendPolicy {
        SendPolicy {
            follow_redirects: spec.follow_redirects,
            max_redirects: spec.max_redirects,
            max_body: spec.max_body.unwrap_or(self.ctx.max_body),
            send_jar_cookies: matches!(spec.cookies, RequestCookies::Jar(_)),
        }
    }

    /// Captures are registered as secrets here, before anything about the response is recorded.
    fn captures(
        &mut self,
        r: &RequestStep,
        response: &Response,
        cookies: &BTreeMap<String, String>,
        attempt: &mut Attempt,
    ) {
        for c in &r.captures {
            let value = match &c.source {
                CaptureSource::Cookie(name) => {
                    Ok(cookies.get(name).map(|v| Value::from(v.as_str())))
                }
                _ => check::capture::capture(c, response),
            };
            let failure = |actual: Option<String>| CheckRecord {
                subject: format!("capture `{}`", c.name),
                operator: "select".into(),
                expected: serde_json::Value::String(check::capture::describe_capture(c)),
                actual: None,
                passed: false,
                message: Some(actual.unwrap_or_else(|| "nothing selected".into())),
                location: self.location(c.pos),
            };
            match value {
                Ok(Some(v)) => {
                    let json = serde_json::to_value(&v).unwrap_or_default();
                    if c.secret {
                        self.secrets.add_value(&json);
                    }
                    attempt.captures.push((c.name.clone(), c.secret, json));
                    self.scope.set_name(&c.name, v);
                }
                Ok(None) if c.optional => {}
                Ok(None) => attempt.checks.push(failure(None)),
                Err(msg) => attempt.checks.push(failure(Some(msg))),
            }
        }
    }

    /// Sends through the workflow's session; every hop goes into the attempt. False when no
    /// final response came (the attempt then carries the error).
    async fn send(
        &self,
        step: &Step,
        req: &PreparedRequest,
        policy: &SendPolicy,
        attempt: &mut Attempt,
    ) -> bool {
        let secrets = &self.secrets;
        let result = tokio::select! {
            r = self.session.send(req, policy, secrets) => Some(r),
            _ = self.interrupted() => None,
        };
        let (mut exchange, error, failure) = match result {
            Some(Ok(exchange)) => (exchange, None, None),
            Some(Err(e)) => (e.exchange, Some(e.error.to_string()), Some(e.error)),
            None => (Default::default(), Some("interrupted".to_owned()), None),
        };
        // A request that got no hop recorded (one that could not be built) is still reported
        // as the request it was, with why it failed.
        if error.is_some() && exchange.hops.is_empty() {
            exchange.hops.push(Hop {
                request: WireRequest {
                    method: req.method.clone(),
                    url: req.url.clone(),
                    headers: req
                        .headers
                        .iter()
                        .map(|(n, v)| (n.clone().into(), v.clone().into()))
                        .collect(),
                    body: WireBody::None,
                },
                response: None,
                error: error.clone(),
                failure,
            });
        }
        for hop in &exchange.hops {
            if let Some(resp) = &hop.response {
                register_response_secrets(resp, secrets);
            }
        }
        attempt
            .exchanges
            .extend(exchange.hops.into_iter().map(|h| (None, h)));
        match error {
            None => true,
            Some(e) => {
                let last = attempt.exchanges.len().saturating_sub(1);
                attempt.hop_errors.push((last, e.clone()));
                attempt.error = Some(ErrorRecord {
                    message: format!("{} {}: {e}", req.method, req.url),
                    location: Some(self.location(step.pos)),
                });
                false
            }
        }
    }

    fn provider(&self, name: &str, ctx: &Value) -> Result<ProviderRequest, ErrorRecord> {
        let p = self
            .wf
            .auth
            .iter()
            .find(|p| p.name == name)
            .expect("provider names are checked at load");
        let r = |t: &crate::template::Text| {
            t.render(ctx)
                .map(|s| s.into_owned())
                .map_err(|e| self.render_error(e))
        };
        let client = match &p.client {
            Some(c) => Some((r(&c.id)?, r(&c.secret)?)),
            None => None,
        };
        Ok(ProviderRequest {
            name: p.name.clone(),
            token_url: r(&p.token_url)?,
            grant_type: r(&p.grant_type)?,
            params: p
                .params
                .iter()
                .map(|(k, v)| Ok((k.clone(), r(v)?)))
                .collect::<Result<_, ErrorRecord>>()?,
            client,
            scope: p.scope.as_ref().map(r).transpose()?,
            refresh_at: p.refresh_at,
        })
    }

    /// A provider's token; its token requests go into the attempt, marked as such.
    async fn token(
        &self,
        p: &ProviderRequest,
        stale: Option<&str>,
        attempt: &mut Attempt,
    ) -> Result<String, String> {
        let mut hops = Vec::new();
        let fetch = self
            .ctx
            .tokens
            .token(&self.session, &self.secrets, p, stale, &mut hops);
        let token = tokio::select! {
            t = fetch => t,
            _ = self.interrupted() => Err(format!("auth provider `{}`: interrupted", p.name)),
        };
        let purpose = format!("auth provider `{}`", p.name);
        attempt
            .exchanges
            .extend(hops.into_iter().map(|h| (Some(purpose.clone()), h)));
        let token = token?;
        self.secrets.add(&token);
        Ok(token)
    }
}

/// `GET https://…`, without the formatting machinery (once per step).
fn request_line(method: &str, url: &str) -> String {
    let mut line = String::with_capacity(method.len() + 1 + url.len());
    line.push_str(method);
    line.push(' ');
    line.push_str(url);
    line
}

/// Values a response carries that are secrets by their place: sensitive headers, token fields.
fn register_response_secrets(resp: &Response, secrets: &crate::secrets::Redactor) {
    for (name, value) in &resp.headers {
        if is_sensitive_header(name) && !name.eq_ignore_ascii_case("set-cookie") {
            secrets.add(value);
        }
    }
    super::tokens::register_token_fields(resp, secrets);
}

/// The cookies set by the responses of an exchange (redirect hops included), later ones win.
pub fn cookies_set(hops: &[(Option<String>, Hop)]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (purpose, hop) in hops {
        if purpose.is_some() {
            continue;
        }
        if let Some(resp) = &hop.response {
            for c in resp.header_all("set-cookie") {
                let pair = c.split(';').next().unwrap_or_default();
                if let Some((n, v)) = pair.split_once('=') {
                    out.insert(n.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
    }
    out
}

/// `steps.ID.response` as templates see it (a lazy view: see `response_view`).
pub fn response_fields(r: &Arc<Response>, hops: &[(Option<String>, Hop)]) -> Value {
    let own: Vec<&Hop> = hops
        .iter()
        .filter(|(p, _)| p.is_none())
        .map(|(_, h)| h)
        .collect();
    super::response_view::ResponseView::value(Arc::clone(r), &own, cookies_set(hops))
}
