//! What becomes an input of an imported step: credentials (secret inputs read from the
//! environment, whatever was pasted), `<PLACEHOLDER>`s and `$VARIABLE`s (required inputs).
//! Everything else is literal text, escaped so template markup in it is sent as pasted.

use serde_yaml::{Mapping, Value as Yaml};

use super::shell::{Piece, pieces};

/// An input the imported step needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputDecl {
    pub name: String,
    pub env: String,
    pub secret: bool,
    pub default: Option<String>,
    pub description: String,
}

/// A name (form field, query parameter, JSON key) whose value is a credential.
pub fn is_secret_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    crate::secrets::is_sensitive_field(&n)
        || ["apikey", "api_key", "password", "secret", "token"]
            .iter()
            .any(|s| n.ends_with(s))
}

/// A header whose value is a credential.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    crate::secrets::is_sensitive_header(&n)
        || n == "apikey"
        || n == "api-key"
        || ["-api-key", "-apikey", "-token", "-secret"]
            .iter()
            .any(|s| n.ends_with(s))
}

/// `X-Api-Key` → `x_api_key`.
pub(super) fn snake(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let out = out.trim_matches('_').to_owned();
    match out.chars().next() {
        None => "value".into(),
        Some(c) if c.is_ascii_digit() => format!("v_{out}"),
        Some(_) => out,
    }
}

pub(super) struct Builder {
    pub(super) inputs: Vec<InputDecl>,
    pub(super) notes: Vec<String>,
    /// The request goes to IBM Cloud IAM: its `apikey` is read from `IBMCLOUD_API_KEY`.
    pub(super) iam: bool,
}

impl Builder {
    /// `{{ inputs.NAME }}` for an input, declared once per name.
    pub(super) fn input(&mut self, decl: InputDecl) -> String {
        let existing = self
            .inputs
            .iter()
            .find(|i| i.name == decl.name || i.env == decl.env);
        let name = match existing {
            Some(i) if i.env == decl.env => {
                let name = i.name.clone();
                if decl.secret {
                    if let Some(i) = self.inputs.iter_mut().find(|i| i.name == name) {
                        i.secret = true;
                    }
                }
                name
            }
            _ => {
                let mut name = decl.name.clone();
                let mut n = 2;
                while self.inputs.iter().any(|i| i.name == name) {
                    name = format!("{}_{n}", decl.name);
                    n += 1;
                }
                self.inputs.push(InputDecl {
                    name: name.clone(),
                    ..decl
                });
                name
            }
        };
        format!("{{{{ inputs.{name} }}}}")
    }

    /// A value as template text: references and placeholders become inputs, the rest is
    /// escaped so it renders to itself.
    pub(super) fn text(&mut self, value: &str) -> String {
        let mut out = String::new();
        for piece in pieces(value) {
            match piece {
                Piece::Ref(var) => out.push_str(&self.input(InputDecl {
                    name: snake(var),
                    env: var.to_owned(),
                    secret: false,
                    default: None,
                    description: format!("`${var}` in the imported command"),
                })),
                Piece::Lit(lit) => {
                    let mut rest = lit;
                    while let Some((before, name, after)) = next_placeholder(rest) {
                        out.push_str(&escape_markup(before));
                        out.push_str(&self.input(InputDecl {
                            name: snake(name),
                            env: name.to_owned(),
                            secret: false,
                            default: None,
                            description: format!("`<{name}>` in the imported command"),
                        }));
                        rest = after;
                    }
                    out.push_str(&escape_markup(rest));
                }
            }
        }
        out
    }

    /// A credential: always a secret input, whatever was pasted. `field` names it.
    pub(super) fn secret(&mut self, field: &str, value: &str) -> String {
        let name = snake(field);
        let from_var = match pieces(value).as_slice() {
            [Piece::Ref(var)] => Some((*var).to_owned()),
            _ => None,
        };
        let pasted = from_var.is_none() && next_placeholder(value).is_none() && !value.is_empty();
        let env = from_var.unwrap_or_else(|| {
            if self.iam && name == "apikey" {
                "IBMCLOUD_API_KEY".into()
            } else {
                name.to_ascii_uppercase()
            }
        });
        if pasted {
            self.notes.push(format!(
                "the pasted value of `{field}` is not written out: it is read from ${env}"
            ));
        }
        self.input(InputDecl {
            name,
            env,
            secret: true,
            default: None,
            description: format!("the `{field}` credential"),
        })
    }

    pub(super) fn field(&mut self, name: &str, value: &str) -> String {
        if is_secret_field(name) {
            self.secret(name, value)
        } else {
            self.text(value)
        }
    }

    pub(super) fn header(&mut self, name: &str, value: &str) -> String {
        if !is_secret_header(name) {
            return self.text(value);
        }
        // Keep the scheme of `Authorization: Bearer …`; the credential after it is the secret.
        if let Some((scheme, cred)) = value.split_once(' ') {
            let lower = scheme.to_ascii_lowercase();
            if ["bearer", "token", "apikey"].contains(&lower.as_str()) {
                let field = if lower == "apikey" { "apikey" } else { "token" };
                return format!("{scheme} {}", self.secret(field, cred.trim()));
            }
        }
        self.secret(name, value)
    }

    pub(super) fn json(&mut self, value: &serde_json::Value, key: Option<&str>) -> Yaml {
        match value {
            serde_json::Value::String(s) => {
                let text = match key {
                    Some(k) => self.field(k, s),
                    None => self.text(s),
                };
                Yaml::String(keep_string(text))
            }
            serde_json::Value::Array(items) => {
                Yaml::Sequence(items.iter().map(|v| self.json(v, key)).collect())
            }
            serde_json::Value::Object(map) => {
                let mut m = Mapping::new();
                for (k, v) in map {
                    m.insert(Yaml::String(k.clone()), self.json(v, Some(k)));
                }
                Yaml::Mapping(m)
            }
            other => serde_yaml::to_value(other).unwrap_or(Yaml::Null),
        }
    }
}

/// A `json:` string that is one `{{ … }}` inside whitespace would be read as a whole
/// expression (which keeps its type, and loses the whitespace): the whitespace is written as
/// expressions too, so the string stays a string with its whitespace.
fn keep_string(text: String) -> String {
    let trimmed = text.trim();
    if trimmed.len() == text.len() || !(trimmed.starts_with("{{") && trimmed.ends_with("}}")) {
        return text;
    }
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    let ws = |w: &str| {
        if w.is_empty() {
            String::new()
        } else {
            format!("{{{{ '{w}' }}}}")
        }
    };
    format!("{}{trimmed}{}", ws(&text[..start]), ws(&text[end..]))
}

/// The next `<NAME>` placeholder (capitals, digits, `_`): (before, NAME, after).
pub(super) fn next_placeholder(s: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(open) = s[from..].find('<').map(|i| i + from) {
        let rest = &s[open + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        if len > 0 && rest[len..].starts_with('>') && rest.as_bytes()[0].is_ascii_uppercase() {
            return Some((&s[..open], &rest[..len], &rest[len + 1..]));
        }
        from = open + 1;
    }
    None
}

/// Text that renders to itself: template markup openers are written as expressions.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' {
            match chars.peek() {
                Some(&n @ ('{' | '%' | '#')) => {
                    chars.next();
                    out.push_str(&format!("{{{{ '{{{n}' }}}}"));
                    continue;
                }
                // A `{` at the end could meet an input's `{{ … }}` that follows it.
                None => {
                    out.push_str("{{ '{' }}");
                    continue;
                }
                Some(_) => {}
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_markup() {
        assert_eq!(snake("X-Api-Key"), "x_api_key");
        assert_eq!(snake("9lives"), "v_9lives");
        assert!(is_secret_header("X-Auth-Token") && is_secret_header("ibm-apikey"));
        assert!(!is_secret_header("Accept"));
        assert!(is_secret_field("client_secret") && !is_secret_field("grant_type"));
        assert_eq!(escape_markup("{%x{#{a"), "{{ '{%' }}x{{ '{#' }}{a");
        assert_eq!(escape_markup("a{"), "a{{ '{' }}");
    }
}
