//! Lowering of `capture`: what a response gives to later steps.

use super::keys;
use super::lowerer::Lowerer;
use super::yaml::{self, Node};
use crate::model::{Capture, CaptureSource, RegexGroup};
use crate::source::Pos;

impl Lowerer<'_> {
    pub(super) fn captures(&mut self, node: &Node) -> Vec<Capture> {
        let Some(map) = node.as_mapping() else {
            self.error(
                yaml::pos(node),
                "`capture` must be a mapping of names to what to capture",
            );
            return Vec::new();
        };
        // Sized up front: mimalloc keeps a shrunk block whole, so `shrink_to_fit` alone
        // would leave the doubling growth allocated for the whole run.
        let mut out = Vec::with_capacity(map.len());
        for (key, spec) in map.iter() {
            let Some(name) = self.define_name(key, "capture") else {
                continue;
            };
            let pos = yaml::scalar_pos(key);
            if let Some(c) = self.capture(name.clone(), spec, pos) {
                out.push(c);
            }
            self.names.captured.push(name);
        }
        // Kept for the whole run: no spare capacity.
        out.shrink_to_fit();
        out
    }

    fn capture(&mut self, name: String, spec: &Node, pos: Pos) -> Option<Capture> {
        if let Some(s) = spec.as_scalar() {
            if s.as_str().starts_with('$') {
                let q = self.jsonpath(s.as_str(), yaml::pos(spec))?;
                return Some(Capture {
                    name,
                    source: CaptureSource::Json(q),
                    secret: false,
                    optional: false,
                    pos,
                });
            }
            let d = self.error(
                yaml::pos(spec),
                format!("capture `{name}` must be a JSONPath starting with `$` or a mapping"),
            );
            d.help = Some("for example `{ json: $.id }`, `{ header: Location }` or `{ regex: 'id=(\\w+)', group: 1 }`".into());
            return None;
        }
        let what = format!("capture `{name}`");
        let f = self.fields(spec, &what, keys::CAPTURE)?;
        let sources: Vec<&str> = keys::CAPTURE_SOURCES
            .iter()
            .copied()
            .filter(|k| f.has(k))
            .collect();
        if sources.len() != 1 {
            let d = self.error(yaml::pos(spec), format!("{what} needs exactly one source"));
            d.help = Some(format!("one of: {}", keys::CAPTURE_SOURCES.join(", ")));
            return None;
        }
        let node = f.get(sources[0])?;
        let source = match sources[0] {
            "json" => {
                let text = self.string(node, "`json`")?;
                CaptureSource::Json(self.jsonpath(&text, yaml::pos(node))?)
            }
            "header" => CaptureSource::Header(self.string(node, "`header`")?.to_ascii_lowercase()),
            "cookie" => CaptureSource::Cookie(self.string(node, "`cookie`")?),
            "xpath" => {
                let text = self.string(node, "`xpath`")?;
                CaptureSource::XPath(self.xpath(&text, yaml::pos(node))?)
            }
            "status" => CaptureSource::Status,
            "body" => CaptureSource::Body,
            _ => {
                let regex = self.regex(node)?;
                let group = match f.get("group") {
                    None => RegexGroup::Index(if regex.captures_len() > 1 { 1 } else { 0 }),
                    Some(g) => {
                        let text = g
                            .as_scalar()
                            .map(|s| s.as_str().to_owned())
                            .unwrap_or_default();
                        match text.parse::<usize>() {
                            Ok(i) if i < regex.captures_len() => RegexGroup::Index(i),
                            Ok(i) => {
                                self.error(
                                    yaml::pos(g),
                                    format!(
                                        "the regex has no group {i} (it has {})",
                                        regex.captures_len() - 1
                                    ),
                                );
                                return None;
                            }
                            Err(_) if regex.capture_names().flatten().any(|n| n == text) => {
                                RegexGroup::Name(text)
                            }
                            Err(_) => {
                                self.error(
                                    yaml::pos(g),
                                    format!("the regex has no group named `{text}`"),
                                );
                                return None;
                            }
                        }
                    }
                };
                CaptureSource::Regex { regex, group }
            }
        };
        if f.has("group") && sources[0] != "regex" {
            self.error(pos, "`group` only applies to `regex` captures");
        }
        Some(Capture {
            name,
            source,
            secret: f
                .get("secret")
                .and_then(|n| self.bool(n, "`secret`"))
                .unwrap_or(false),
            optional: f
                .get("optional")
                .and_then(|n| self.bool(n, "`optional`"))
                .unwrap_or(false),
            pos,
        })
    }
}
