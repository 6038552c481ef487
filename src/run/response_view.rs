//! `steps.ID.response` as templates see it: a view over the response that converts a field
//! only when a template reads it (the body is not copied, nor the JSON converted, for the many
//! steps whose response no later template reads).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object};

use crate::http::{Hop, Response};

#[derive(Debug)]
pub struct ResponseView {
    response: Arc<Response>,
    url: String,
    redirects: Vec<String>,
    cookies: BTreeMap<String, String>,
    json: OnceLock<Value>,
    headers: OnceLock<Value>,
}

const FIELDS: &[&str] = &[
    "status",
    "headers",
    "json",
    "body",
    "duration_ms",
    "url",
    "redirects",
    "cookies",
];

impl ResponseView {
    /// The view of a step's final response; `hops` are the step's own (not token requests').
    pub fn value(
        response: Arc<Response>,
        hops: &[&Hop],
        cookies: BTreeMap<String, String>,
    ) -> Value {
        let url = hops
            .last()
            .map(|h| h.request.url.to_string())
            .unwrap_or_default();
        let redirects = hops
            .iter()
            .take(hops.len().saturating_sub(1))
            .map(|h| h.request.url.to_string())
            .collect();
        Value::from_object(Self {
            response,
            url,
            redirects,
            cookies,
            json: OnceLock::new(),
            headers: OnceLock::new(),
        })
    }
}

impl Object for ResponseView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let r = &self.response;
        Some(match key.as_str()? {
            "status" => Value::from(r.status),
            "headers" => self
                .headers
                .get_or_init(|| {
                    let mut headers: BTreeMap<&str, &str> = BTreeMap::new();
                    for (n, v) in &r.headers {
                        headers.entry(n.as_str()).or_insert(v.as_str());
                    }
                    crate::template::to_value(&headers)
                })
                .clone(),
            "json" => self
                .json
                .get_or_init(|| {
                    r.json()
                        .map(crate::template::to_value)
                        .unwrap_or(Value::from(()))
                })
                .clone(),
            "body" => Value::from(r.text().into_owned()),
            "duration_ms" => Value::from(r.duration.as_millis() as u64),
            "url" => Value::from(self.url.as_str()),
            "redirects" => Value::from(self.redirects.clone()),
            "cookies" => crate::template::to_value(&self.cookies),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(FIELDS)
    }
}
