//! How curl reads its data and form options: `@file`s, `--data-urlencode`'s forms and
//! escaping, `-F`'s part syntax and the content types curl guesses for files.

use std::path::Path;

use crate::curl::command::{Data, FormArg};
use crate::curl::request::Part;
use crate::curl::shell::{Piece, pieces, reference};

/// A body read from a file must fit in memory as YAML text: 16 MiB.
const MAX_FILE: u64 = 16 << 20;

pub(super) fn read_file(name: &str, base: &Path) -> Result<Vec<u8>, String> {
    if name == "-" {
        return Err(
            "data read from standard input (`@-`) is not supported: put it in a file".into(),
        );
    }
    let path = base.join(name);
    let meta = std::fs::metadata(&path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    if meta.len() > MAX_FILE {
        return Err(format!("`{name}` is larger than 16 MiB"));
    }
    std::fs::read(&path).map_err(|e| format!("cannot read `{name}`: {e}"))
}

/// The body curl sends for its data options, joined as curl joins them.
pub(super) fn join_data(data: &[Data], base: &Path) -> Result<Option<Vec<u8>>, String> {
    let mut out: Option<Vec<u8>> = None;
    for d in data {
        let piece: Vec<u8> = match d {
            Data::Ascii(v) => match v.strip_prefix('@') {
                Some(f) => read_file(f, base)?
                    .into_iter()
                    .filter(|b| *b != b'\r' && *b != b'\n')
                    .collect(),
                None => v.clone().into_bytes(),
            },
            Data::Binary(v) | Data::Json(v) => match v.strip_prefix('@') {
                Some(f) => read_file(f, base)?,
                None => v.clone().into_bytes(),
            },
            Data::Raw(v) => v.clone().into_bytes(),
            Data::UrlEncode(v) => urlencode_arg(v, base)?.into_bytes(),
        };
        match &mut out {
            None => out = Some(piece),
            Some(body) => {
                if !matches!(d, Data::Json(_)) {
                    body.push(b'&');
                }
                body.extend(piece);
            }
        }
    }
    Ok(out)
}

/// `--data-urlencode`'s forms: `content`, `=content`, `name=content`, `@file`, `name@file`.
pub(super) fn urlencode_arg(arg: &str, base: &Path) -> Result<String, String> {
    let split = arg.find('=').or_else(|| arg.find('@'));
    let (name, content) = match split {
        Some(i) if arg.as_bytes()[i] == b'@' => {
            let bytes = read_file(&arg[i + 1..], base)?;
            (&arg[..i], bytes)
        }
        Some(i) => (&arg[..i], arg.as_bytes()[i + 1..].to_vec()),
        None => ("", arg.as_bytes().to_vec()),
    };
    let encoded = curl_escape(&content);
    Ok(if name.is_empty() {
        encoded
    } else {
        format!("{name}={encoded}")
    })
}

/// curl's escaping for `--data-urlencode`: unreserved characters stay, a space is `+`, every
/// other byte is `%XX`. References stay whole, so an exported `"$NAME"` is encoded by curl.
pub(super) fn curl_escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let text = String::from_utf8_lossy(bytes);
    for piece in pieces(&text) {
        match piece {
            Piece::Ref(name) => out.push_str(&reference(name)),
            Piece::Lit(lit) => {
                for b in lit.bytes() {
                    match b {
                        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                            out.push(b as char)
                        }
                        b' ' => out.push('+'),
                        b => out.push_str(&format!("%{b:02X}")),
                    }
                }
            }
        }
    }
    out
}

/// The content type curl gives a file part by its name (curl's own short table).
pub fn curl_file_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "gif" => "image/gif",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" => "text/plain",
        "htm" | "html" => "text/html",
        "pdf" => "application/pdf",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

pub(super) fn parts(form: &[FormArg], base: &Path) -> Result<Vec<Part>, String> {
    let mut out = Vec::new();
    for f in form {
        let (arg, literal) = match f {
            FormArg::Form(a) => (a, false),
            FormArg::FormString(a) => (a, true),
        };
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("`-F {arg}`: expected `name=value`"))?;
        let name = name.to_owned();
        if literal {
            out.push(Part::Text {
                name,
                value: value.to_owned(),
            });
            continue;
        }
        if let Some(spec) = value.strip_prefix('@') {
            let (path, params) = form_path(spec);
            let mut content_type = None;
            for p in params {
                match p.split_once('=') {
                    Some(("type", t)) => content_type = Some(t.to_owned()),
                    Some(("filename", n))
                        if Some(n) == Path::new(&path).file_name().and_then(|f| f.to_str()) => {}
                    _ => {
                        return Err(format!(
                            "`-F {name}=@{path};…`: the part parameter `;{p}` is not supported (a file part takes `;type=`)"
                        ));
                    }
                }
            }
            if path.contains(',') && !base.join(&path).exists() {
                return Err(format!(
                    "`-F {name}=@{path}`: several files in one part are not supported"
                ));
            }
            read_file(&path, base)?;
            out.push(Part::File {
                name,
                content_type: Some(
                    content_type.unwrap_or_else(|| curl_file_type(&path).to_owned()),
                ),
                path,
            });
        } else if let Some(file) = value.strip_prefix('<') {
            let bytes = read_file(file, base)?;
            let value = String::from_utf8(bytes)
                .map_err(|_| format!("`-F {name}=<{file}`: the file is not UTF-8 text"))?;
            out.push(Part::Text { name, value });
        } else {
            if value.contains(';') {
                // The value is not echoed: it may be a credential.
                return Err(format!(
                    "`-F {name}=…`: curl reads what follows `;` in the value as part parameters; use `--form-string` for a value holding `;`"
                ));
            }
            out.push(Part::Text {
                name,
                value: value.to_owned(),
            });
        }
    }
    Ok(out)
}

/// A `-F` file spec: the path (bare or `"quoted"`) and its `;param=value`s.
fn form_path(spec: &str) -> (String, Vec<String>) {
    let (path, rest) = if let Some(q) = spec.strip_prefix('"') {
        let mut path = String::new();
        let mut chars = q.char_indices();
        let mut end = q.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        path.push(n);
                    }
                }
                '"' => {
                    end = i + 1;
                    break;
                }
                c => path.push(c),
            }
        }
        (path, &q[end..])
    } else {
        let end = spec.find(';').unwrap_or(spec.len());
        (spec[..end].to_owned(), &spec[end..])
    };
    let params = rest
        .split(';')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    (path, params)
}
