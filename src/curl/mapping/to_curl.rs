//! A request → curl options that send it.

use super::{JSON_TYPE, append_query};
use crate::curl::command::{CurlCommand, Data, FormArg};
use crate::curl::request::{Body, Part, Request};
use crate::curl::shell::{Piece, pieces, reference};

/// Options that make curl send `req`.
pub fn to_curl(req: &Request) -> CurlCommand {
    let mut cmd = CurlCommand::default();
    let mut url = req.url.clone();
    for (name, value) in &req.query {
        append_query(
            &mut url,
            &format!("{}={}", form_encode(name), form_encode(value)),
        );
    }
    cmd.urls.push(url);
    let has_body = !matches!(req.body, Body::None);
    match (req.method.as_str(), has_body) {
        ("GET", false) | ("POST", true) => {}
        ("HEAD", false) => cmd.head = true,
        (m, _) => cmd.method = Some(m.to_owned()),
    }
    for (name, value) in &req.headers {
        cmd.headers.push(if value.is_empty() {
            format!("{name};")
        } else {
            format!("{name}: {value}")
        });
    }
    let header = |cmd: &mut CurlCommand, name: &str, value: &str| {
        if req.header(name).is_none() {
            cmd.headers.push(format!("{name}: {value}"));
        }
    };
    match &req.body {
        Body::None => {}
        Body::Form(pairs) => {
            for (name, value) in pairs {
                cmd.data.push(if name.is_empty() {
                    Data::Raw(format!("={}", form_encode(value)))
                } else {
                    Data::UrlEncode(format!("{}={value}", form_encode(name)))
                });
            }
        }
        Body::Json(value) => {
            header(&mut cmd, "Content-Type", JSON_TYPE);
            let text = serde_json::to_string(value).unwrap_or_default();
            cmd.data.push(Data::Raw(
                crate::curl::export_refs::unquote_json_references(&text),
            ));
        }
        Body::Raw(text) => {
            if req.header("content-type").is_none() {
                // apiflow sends no content type for a text body without one; curl would.
                cmd.headers.push("Content-Type:".into());
            }
            cmd.data.push(Data::Raw(text.clone()));
        }
        Body::File { path, content_type } => {
            let ct = content_type.clone().unwrap_or_else(|| {
                mime_guess::from_path(path)
                    .first_or_octet_stream()
                    .to_string()
            });
            header(&mut cmd, "Content-Type", &ct);
            cmd.data.push(Data::Binary(format!("@{path}")));
        }
        Body::Multipart(parts) => {
            for p in parts {
                cmd.form.push(match p {
                    Part::Text { name, value } => FormArg::FormString(format!("{name}={value}")),
                    Part::File {
                        name,
                        path,
                        content_type,
                    } => {
                        let ct = content_type.clone().unwrap_or_else(|| {
                            mime_guess::from_path(path)
                                .first_or_octet_stream()
                                .to_string()
                        });
                        let quoted = path.replace('\\', "\\\\").replace('"', "\\\"");
                        FormArg::Form(format!("{name}=@\"{quoted}\";type={ct}"))
                    }
                });
            }
        }
    }
    if let Some((user, pass)) = &req.basic {
        cmd.user = Some(format!("{user}:{pass}"));
    }
    if req.follow_redirects {
        cmd.location = true;
        cmd.max_redirs = Some(
            req.max_redirects
                .unwrap_or(crate::model::DEFAULT_MAX_REDIRECTS)
                .to_string(),
        );
    }
    if let Some(ms) = req.timeout_ms {
        cmd.max_time = Some(if ms % 1000 == 0 {
            (ms / 1000).to_string()
        } else {
            format!("{}.{:03}", ms / 1000, ms % 1000)
        });
    }
    cmd.insecure = !req.verify_tls;
    cmd.cacert = req.ca_file.clone();
    cmd.compressed = true;
    cmd
}

/// `application/x-www-form-urlencoded` encoding (as apiflow sends `form:` and `query:`), with
/// references kept whole for the shell to fill in.
fn form_encode(s: &str) -> String {
    pieces(s)
        .into_iter()
        .map(|p| match p {
            Piece::Ref(name) => reference(name),
            Piece::Lit(lit) => url::form_urlencoded::byte_serialize(lit.as_bytes()).collect(),
        })
        .collect()
}
