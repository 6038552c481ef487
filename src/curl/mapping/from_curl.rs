//! curl options → the request curl sends.

use std::path::Path;

use super::curl_data::{join_data, parts, urlencode_arg};
use super::{FORM_TYPE, JSON_TYPE, append_query};
use crate::curl::command::{CurlCommand, Data};
use crate::curl::request::{Body, Request};

/// How many redirects curl follows with `-L` and no `--max-redirs` (curl's manual, on
/// `--max-redirs`: "by default, the limit is set to 50 redirects").
pub const CURL_MAX_REDIRS: u32 = 50;

/// The request a curl command sends. `base` is the folder `@file` names are relative to.
pub fn from_curl(cmd: &CurlCommand, base: &Path) -> Result<Request, String> {
    let url = match cmd.urls.as_slice() {
        [] => return Err("the command has no URL".into()),
        [u] => u.clone(),
        _ => {
            return Err(format!(
                "the command has {} URLs; import one request at a time",
                cmd.urls.len()
            ));
        }
    };
    let mut req = Request::new("GET", "");
    let (url, userinfo) = split_url(&url);
    req.url = url;
    req.basic = userinfo;
    if let Some(user) = &cmd.user {
        // The value is not echoed: without its `:` it may be a token (`-u sk_live_…`).
        let (u, p) = user.split_once(':').ok_or_else(|| {
            "`-u …` has no password (curl would prompt for it): write `-u USER:PASSWORD`".to_owned()
        })?;
        req.basic = Some((u.to_owned(), p.to_owned()));
    }

    // Headers, with curl's removals (`Name:`) kept apart.
    let mut removed: Vec<String> = Vec::new();
    for h in &cmd.headers {
        if let Some((name, value)) = h.split_once(':') {
            let value = value.trim_start_matches([' ', '\t']).trim_end();
            if name.is_empty() || name.contains(' ') {
                // The value is not echoed: it may be a credential.
                return Err(format!("`-H {name}: …`: `{name}` is not a header name"));
            }
            if value.is_empty() {
                removed.push(name.to_owned());
                req.remove_header(name);
            } else {
                req.headers.push((name.to_owned(), value.to_owned()));
            }
        } else if let Some(name) = h.strip_suffix(';').filter(|n| !n.is_empty()) {
            req.headers.push((name.to_owned(), String::new()));
        } else if h.starts_with('@') {
            return Err(format!(
                "`-H {h}`: headers read from a file are not supported"
            ));
        } else {
            return Err(
                "a `-H` value is not a header (`Name: value`); its text is not shown, it may be a credential"
                    .into(),
            );
        }
    }
    let add_default = |req: &mut Request, name: &str, value: Option<&str>| {
        if let Some(v) = value.filter(|_| req.header(name).is_none()) {
            req.headers.push((name.to_owned(), v.to_owned()));
        }
    };
    add_default(&mut req, "User-Agent", cmd.user_agent.as_deref());
    add_default(&mut req, "Referer", cmd.referer.as_deref());
    // `-b FILE -c FILE` is a session's cookie jar (as export writes it): apiflow's own jar
    // does that between steps.
    let session_jar = cmd.cookie.is_some() && cmd.cookie == cmd.cookie_jar;
    if let Some(c) = cmd.cookie.as_ref().filter(|_| !session_jar) {
        if !c.contains('=') {
            return Err(format!(
                "`-b {c}` reads a cookie file, which import does not support: write the cookies (`-b 'name=value'`)"
            ));
        }
        add_default(&mut req, "Cookie", Some(c));
    }
    let json = cmd.data.iter().any(|d| matches!(d, Data::Json(_)));
    if json {
        add_default(&mut req, "Content-Type", Some(JSON_TYPE));
        add_default(&mut req, "Accept", Some(JSON_TYPE));
    }

    for q in &cmd.url_query {
        let piece = match q.strip_prefix('+') {
            Some(raw) => raw.to_owned(),
            None => urlencode_arg(q, base)?,
        };
        append_query(&mut req.url, &piece);
    }
    let data = join_data(&cmd.data, base)?;
    if cmd.get {
        if let Some(d) = &data {
            let text = String::from_utf8(d.clone())
                .map_err(|_| "`-G` data is not UTF-8 text".to_owned())?;
            append_query(&mut req.url, &text);
        }
    }
    split_query(&mut req);

    req.method = match (&cmd.method, cmd.head) {
        (Some(m), _) => m.clone(),
        (None, true) => "HEAD".into(),
        (None, false) if (data.is_some() && !cmd.get) || !cmd.form.is_empty() => "POST".into(),
        _ => "GET".into(),
    };
    if !cmd.form.is_empty() {
        if data.is_some() && !cmd.get {
            return Err("curl cannot send both `-d` data and `-F` parts".into());
        }
        req.body = Body::Multipart(parts(&cmd.form, base)?);
        // curl writes its own multipart content type (with the boundary); so does apiflow.
        if req
            .header("content-type")
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
        {
            req.remove_header("content-type");
        }
    } else if let (Some(bytes), false) = (data, cmd.get) {
        let removed_type = removed
            .iter()
            .any(|n| n.eq_ignore_ascii_case("content-type"));
        if req.header("content-type").is_none() && !removed_type {
            req.headers.push(("Content-Type".into(), FORM_TYPE.into()));
        }
        req.body = classify_body(&mut req, bytes, single_binary_file(&cmd.data))?;
    }

    req.follow_redirects = cmd.location;
    if let Some(n) = &cmd.max_redirs {
        req.max_redirects =
            Some(n.trim().parse().map_err(|_| {
                format!("`--max-redirs {n}`: not a number of redirects (0 or more)")
            })?);
    } else if cmd.location {
        // `-L` alone follows as many redirects as curl does, not apiflow's default of 10.
        req.max_redirects = Some(CURL_MAX_REDIRS);
    }
    if let Some(t) = &cmd.max_time {
        let secs: f64 = t
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s < 1e9)
            .ok_or_else(|| format!("`--max-time {t}`: not a number of seconds"))?;
        req.timeout_ms = Some((secs * 1000.0).round().max(1.0) as u64);
    }
    req.verify_tls = !cmd.insecure;
    req.ca_file = cmd.cacert.clone();
    Ok(req)
}

/// The URL without its userinfo and fragment (curl sends neither), and the userinfo as Basic
/// credentials. A URL without a scheme gets `http://`, as curl gives it.
fn split_url(url: &str) -> (String, Option<(String, String)>) {
    let url = url.split('#').next().unwrap_or_default();
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_owned(), r),
        None => ("http".to_owned(), url),
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let tail = if tail.is_empty() { "/" } else { tail };
    let tail = if tail.starts_with('?') {
        format!("/{tail}")
    } else {
        tail.to_owned()
    };
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let creds = userinfo.map(|u| {
        let (user, pass) = u.split_once(':').unwrap_or((u, ""));
        (decode(user), decode(pass))
    });
    (format!("{scheme}://{host}{tail}"), creds)
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Moves the URL's query into `query` when it is a list of `name=value` pairs of text;
/// anything else stays in the URL as written.
fn split_query(req: &mut Request) {
    let Some((base, query)) = req.url.split_once('?') else {
        return;
    };
    if let Some(pairs) = form_pairs(query) {
        req.query = pairs;
        req.url = base.to_owned();
    }
}

/// `a=1&b=2` decoded, when every piece is `name=value` and decodes to text.
fn form_pairs(text: &str) -> Option<Vec<(String, String)>> {
    if text.is_empty() {
        return None;
    }
    text.split('&')
        .map(|piece| {
            let (n, v) = piece.split_once('=')?;
            Some((form_decode(n)?, form_decode(v)?))
        })
        .collect()
}

fn form_decode(s: &str) -> Option<String> {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// `--data-binary @file` alone sends the file as it is: a `body: { file: … }`.
fn single_binary_file(data: &[Data]) -> Option<String> {
    match data {
        [Data::Binary(v)] => v.strip_prefix('@').map(str::to_owned),
        _ => None,
    }
}

fn base_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A form body becomes `form:`, a JSON body `json:`, a lone binary file `body: { file }`,
/// anything else `body:` text with its content type kept as a header.
fn classify_body(req: &mut Request, bytes: Vec<u8>, file: Option<String>) -> Result<Body, String> {
    let content_type = req.header("content-type").map(str::to_owned);
    let kind = content_type.as_deref().map(base_type).unwrap_or_default();
    let text = String::from_utf8(bytes).ok();
    if kind == FORM_TYPE {
        if let Some(pairs) = text.as_deref().and_then(form_pairs) {
            if content_type.as_deref() == Some(FORM_TYPE) {
                req.remove_header("content-type");
            }
            return Ok(Body::Form(pairs));
        }
    }
    if kind == JSON_TYPE || kind.ends_with("+json") {
        if let Some(value) = text
            .as_deref()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        {
            if content_type.as_deref() == Some(JSON_TYPE) {
                req.remove_header("content-type");
            }
            return Ok(Body::Json(value));
        }
    }
    if let Some(path) = file {
        req.remove_header("content-type");
        return Ok(Body::File { path, content_type });
    }
    text.map(Body::Raw).ok_or_else(|| {
        "the data is not UTF-8 text: send binary data with `--data-binary @FILE`".into()
    })
}
