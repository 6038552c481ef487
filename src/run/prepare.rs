//! A step's `RequestSpec` (templates) rendered into a concrete `PreparedRequest`, registering
//! every secret it carries (auth, sensitive headers and form fields) on the way.

use base64::Engine as _;
use minijinja::Value;

use crate::http::{PreparedBody, PreparedPart, PreparedRequest, Transport};
use crate::model::{AuthSpec, BodySpec, MultipartPart, RequestCookies, RequestSpec};
use crate::secrets::{Redactor, is_sensitive_field, is_sensitive_header};
use crate::template::RenderError;

/// Why a request could not be prepared.
pub enum PrepareError {
    /// A template failed; `field` names where (`url`, `headers.Accept`, `auth`, `json`, ...).
    Render {
        error: RenderError,
        field: String,
    },
    Invalid(String),
}

/// Names the field a render error came from.
fn at(field: &str) -> impl FnOnce(RenderError) -> PrepareError + '_ {
    move |error| PrepareError::Render {
        error,
        field: field.to_owned(),
    }
}

/// Renders everything but provider auth, which needs the (async) token store.
pub fn prepare(
    spec: &RequestSpec,
    ctx: &Value,
    secrets: &Redactor,
) -> Result<PreparedRequest, PrepareError> {
    let method = spec
        .method
        .render(ctx)
        .map_err(at("method"))?
        .to_ascii_uppercase();
    let raw_url = spec.url.render(ctx).map_err(at("url"))?;
    let mut url = super::url_parse::parse(raw_url.trim())
        .map_err(|e| PrepareError::Invalid(format!("invalid URL `{raw_url}`: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(PrepareError::Invalid(format!(
            "unsupported URL scheme `{}` in `{raw_url}`",
            url.scheme()
        )));
    }
    if !spec.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &spec.query {
            let value = value
                .render(ctx)
                .map_err(|e| at(&format!("query.{name}"))(e))?;
            if is_sensitive_field(name) {
                secrets.add(&value);
            }
            pairs.append_pair(name, &value);
        }
    }
    let mut headers = Vec::with_capacity(spec.headers.len() + 1);
    for (name, value) in &spec.headers {
        let value = value
            .render(ctx)
            .map_err(|e| at(&format!("headers.{name}"))(e))?
            .into_owned();
        if is_sensitive_header(name) {
            secrets.add(&value);
        }
        headers.push((name.clone(), value));
    }
    match &spec.auth {
        AuthSpec::None | AuthSpec::Provider(_) => {}
        AuthSpec::Bearer(token) => {
            let token = token.render(ctx).map_err(at("auth"))?;
            secrets.add(&token);
            headers.push(("Authorization".into(), bearer(&token)));
        }
        AuthSpec::Basic { username, password } => {
            let username = username.render(ctx).map_err(at("auth"))?;
            let password = password.render(ctx).map_err(at("auth"))?;
            secrets.add(&password);
            headers.push((
                "Authorization".into(),
                basic_header(&username, &password, secrets),
            ));
        }
    }
    if let RequestCookies::Jar(extra) = &spec.cookies {
        if !extra.is_empty() {
            let mut pairs = Vec::with_capacity(extra.len());
            for (name, value) in extra {
                let value = value
                    .render(ctx)
                    .map_err(|e| at(&format!("cookies.{name}"))(e))?;
                secrets.add(&value);
                pairs.push(format!("{name}={value}"));
            }
            // The session merges these with the jar's (these win on the same name).
            headers.push(("Cookie".into(), pairs.join("; ")));
        }
    }
    // `https://user:password@host`: Basic auth, the password a secret from here on.
    crate::http::take_userinfo(&mut url, &mut headers, secrets);
    let body = match &spec.body {
        None => PreparedBody::None,
        Some(BodySpec::Json(t)) => {
            let value = t.render(ctx).map_err(at("json"))?;
            let bytes = serde_json::to_vec(&value).map_err(|e| {
                PrepareError::Invalid(format!("the JSON body cannot be serialized: {e}"))
            })?;
            PreparedBody::Bytes {
                bytes,
                content_type: Some("application/json"),
            }
        }
        Some(BodySpec::Form(fields)) => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in fields {
                let value = value
                    .render(ctx)
                    .map_err(|e| at(&format!("form.{name}"))(e))?;
                if is_sensitive_field(name) {
                    secrets.add(&value);
                }
                form.append_pair(name, &value);
            }
            PreparedBody::Bytes {
                bytes: form.finish().into_bytes(),
                content_type: Some("application/x-www-form-urlencoded"),
            }
        }
        Some(BodySpec::Raw(text)) => PreparedBody::Bytes {
            bytes: text
                .render(ctx)
                .map_err(at("body"))?
                .into_owned()
                .into_bytes(),
            content_type: None,
        },
        Some(BodySpec::File { path, content_type }) => PreparedBody::File {
            path: path.clone(),
            content_type: content_type.clone(),
        },
        Some(BodySpec::Multipart(parts)) => {
            let mut out = Vec::with_capacity(parts.len());
            for part in parts {
                out.push(match part {
                    MultipartPart::Text { name, value } => {
                        let value = value
                            .render(ctx)
                            .map_err(|e| at(&format!("multipart.{name}"))(e))?
                            .into_owned();
                        if is_sensitive_field(name) {
                            secrets.add(&value);
                        }
                        PreparedPart::Text {
                            name: name.clone(),
                            value,
                        }
                    }
                    MultipartPart::File {
                        name,
                        path,
                        content_type,
                    } => PreparedPart::File {
                        name: name.clone(),
                        path: path.clone(),
                        content_type: content_type.clone(),
                    },
                });
            }
            PreparedBody::Multipart(out)
        }
    };
    Ok(PreparedRequest {
        method,
        url,
        headers,
        body,
        timeout: spec.timeout,
        transport: Transport {
            follow_redirects: spec.follow_redirects,
            verify_tls: spec.verify_tls,
            ca_file: spec.ca_file.clone(),
        },
    })
}

/// `Basic base64(user:password)`, registered as a secret as a whole.
pub fn basic_header(username: &str, password: &str, secrets: &Redactor) -> String {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    secrets.add(&encoded);
    format!("Basic {encoded}")
}

/// Replaces (or adds) the bearer token of a prepared request.
pub fn set_bearer(req: &mut PreparedRequest, token: &str) {
    req.headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
    req.headers.push(("Authorization".into(), bearer(token)));
}

/// `Bearer TOKEN`, built without the formatting machinery (once per step).
fn bearer(token: &str) -> String {
    let mut value = String::with_capacity(7 + token.len());
    value.push_str("Bearer ");
    value.push_str(token);
    value
}
