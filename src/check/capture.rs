//! Captures: values kept from a response under a name.

use minijinja::Value as TValue;

use crate::http::Response;
use crate::model::{Capture, CaptureSource, RegexGroup};

const NOT_JSON: &str = "the body is not JSON";

/// What a capture takes from a response; `Ok(None)` when it selects nothing.
pub fn capture(c: &Capture, resp: &Response) -> Result<Option<TValue>, String> {
    Ok(match &c.source {
        CaptureSource::Json(q) => {
            let doc = resp
                .json()
                .ok_or_else(|| format!("{NOT_JSON}, so `{}` selects nothing", q.text()))?;
            let sel = q.select(doc);
            if sel.is_empty() {
                None
            } else {
                sel.to_value().map(crate::template::to_value)
            }
        }
        CaptureSource::Header(name) => resp.header(name).map(TValue::from),
        CaptureSource::Status => Some(TValue::from(resp.status)),
        CaptureSource::Body => Some(TValue::from(resp.text().into_owned())),
        CaptureSource::Cookie(name) => resp.cookie(name).map(TValue::from),
        CaptureSource::XPath(x) => match x.evaluate(&resp.body, resp.header("content-type"))? {
            // An empty node-set selects nothing.
            serde_json::Value::Array(items) if items.is_empty() => None,
            v => Some(crate::template::to_value(v)),
        },
        CaptureSource::Regex { regex, group } => {
            let text = resp.text();
            regex.captures(&text).and_then(|caps| {
                let m = match group {
                    RegexGroup::Index(i) => caps.get(*i),
                    RegexGroup::Name(n) => caps.name(n),
                };
                m.map(|m| TValue::from(m.as_str()))
            })
        }
    })
}

/// Where a capture looks, for messages.
pub fn describe_capture(c: &Capture) -> String {
    match &c.source {
        CaptureSource::Json(q) => q.text().to_owned(),
        CaptureSource::Header(n) => format!("header `{n}`"),
        CaptureSource::Status => "the status".into(),
        CaptureSource::Body => "the body".into(),
        CaptureSource::Cookie(n) => format!("cookie `{n}`"),
        CaptureSource::XPath(x) => format!("xpath `{}`", x.text()),
        CaptureSource::Regex { regex, .. } => format!("/{}/", regex.as_str()),
    }
}
