//! Plain-text forms of record pieces shared by the file reports (JUnit's `<system-out>`,
//! messages): a check as one line, an exchange as an HTTP-like dump.

use crate::check::matcher::describe;
use crate::check::show;
use crate::record::{BodyRecord, CheckRecord, HopRecord};

/// `subject: expected X, actual Y`.
pub fn check_text(c: &CheckRecord) -> String {
    let actual = match (&c.actual, &c.message) {
        (Some(v), Some(m)) => format!("{} ({m})", show(v)),
        (Some(v), None) => show(v),
        (None, Some(m)) => m.clone(),
        (None, None) => "nothing".into(),
    };
    format!(
        "{}: expected {}, actual {actual}",
        c.subject,
        describe(&c.operator, &c.expected)
    )
}

/// A hop as an HTTP-like dump: request line, headers, body; then the response.
pub fn hop_text(hop: &HopRecord) -> String {
    let mut out = String::new();
    if let Some(p) = &hop.purpose {
        out.push_str(&format!("({p})\n"));
    }
    let r = &hop.request;
    out.push_str(&format!("> {} {}\n", r.method, r.url));
    for h in &r.headers {
        out.push_str(&format!("> {}: {}\n", h.name, h.value));
    }
    if let Some(b) = &r.body {
        out.push_str(&body_text(b));
    }
    match (&hop.response, &hop.error) {
        (Some(resp), _) => {
            out.push_str(&format!("< {} {}\n", resp.version, resp.status));
            for h in &resp.headers {
                out.push_str(&format!("< {}: {}\n", h.name, h.value));
            }
            if let Some(b) = &resp.body {
                out.push_str(&body_text(b));
            }
        }
        (None, Some(e)) => out.push_str(&format!("< error: {e}\n")),
        (None, None) => {}
    }
    out
}

fn body_text(b: &BodyRecord) -> String {
    match &b.text {
        Some(t) if t.is_empty() => String::new(),
        Some(t) => {
            let mut out = format!("\n{t}\n");
            if b.omitted > 0 {
                out.push_str(&format!("… ({} more bytes not kept)\n", b.omitted));
            }
            out
        }
        None => format!(
            "\n<{}, {} bytes>\n",
            b.note.as_deref().unwrap_or("binary"),
            b.size
        ),
    }
}
