//! Lowering of `expect`: checks and their matchers (captures are in `capture.rs`).

use std::sync::Arc;

use super::yaml::Node;

use super::keys;
use super::lowerer::Lowerer;
use super::yaml;
use crate::jsonpath::Query;
use crate::model::{Check, JsonType, Matcher, Op, Subject};
use crate::source::Pos;
use crate::template::ValueTemplate;
use crate::xpath::XPath;

impl Lowerer<'_> {
    pub(super) fn expect(&mut self, node: &Node) -> Vec<Check> {
        let Some(f) = self.fields(node, "`expect`", keys::EXPECT) else {
            return Vec::new();
        };
        // Sized up front (one check per key, or per entry of the keys that hold a mapping):
        // mimalloc keeps a shrunk block whole, so `shrink_to_fit` alone would leave the
        // doubling growth allocated for the whole run.
        let most = f
            .map
            .iter()
            .map(|(k, v)| match (k.as_str(), v.as_mapping()) {
                ("headers" | "cookies" | "json" | "xpath", Some(m)) => m.len(),
                _ => 1,
            })
            .sum();
        let mut checks = Vec::with_capacity(most);
        // Checks keep the order they were written in.
        for (key, value) in f.map.iter() {
            let pos = yaml::scalar_pos(key);
            match key.as_str() {
                "status" => {
                    if let Some(matcher) = self.status_matcher(value) {
                        checks.push(Check {
                            subject: Subject::Status,
                            matcher,
                            pos,
                        });
                    }
                }
                "headers" => {
                    let Some(map) = value.as_mapping() else {
                        self.error(
                            yaml::pos(value),
                            "`headers` must be a mapping of header names to matchers",
                        );
                        continue;
                    };
                    for (name, m) in map.iter() {
                        if let Some(matcher) = self.matcher(m) {
                            let subject = Subject::Header(name.as_str().to_ascii_lowercase());
                            checks.push(Check {
                                subject,
                                matcher,
                                pos: yaml::scalar_pos(name),
                            });
                        }
                    }
                }
                "cookies" => {
                    let Some(map) = value.as_mapping() else {
                        self.error(
                            yaml::pos(value),
                            "`cookies` must be a mapping of cookie names to matchers",
                        );
                        continue;
                    };
                    for (name, m) in map.iter() {
                        if let Some(matcher) = self.matcher(m) {
                            checks.push(Check {
                                subject: Subject::Cookie(name.as_str().to_owned()),
                                matcher,
                                pos: yaml::scalar_pos(name),
                            });
                        }
                    }
                }
                "json" => {
                    let Some(map) = value.as_mapping() else {
                        self.error(
                            yaml::pos(value),
                            "`json` must be a mapping of JSONPaths to matchers",
                        );
                        continue;
                    };
                    for (path, m) in map.iter() {
                        self.length_hint(path);
                        let query = self.jsonpath(path.as_str(), yaml::scalar_pos(path));
                        let matcher = self.matcher(m);
                        if let (Some(q), Some(matcher)) = (query, matcher) {
                            checks.push(Check {
                                subject: Subject::Json(q),
                                matcher,
                                pos: yaml::scalar_pos(path),
                            });
                        }
                    }
                }
                "xpath" => {
                    let Some(map) = value.as_mapping() else {
                        self.error(
                            yaml::pos(value),
                            "`xpath` must be a mapping of XPath expressions to matchers",
                        );
                        continue;
                    };
                    for (expr, m) in map.iter() {
                        let xpath = self.xpath(expr.as_str(), yaml::scalar_pos(expr));
                        let matcher = self.matcher(m);
                        if let (Some(x), Some(matcher)) = (xpath, matcher) {
                            checks.push(Check {
                                subject: Subject::XPath(x),
                                matcher,
                                pos: yaml::scalar_pos(expr),
                            });
                        }
                    }
                }
                "body" => {
                    if let Some(matcher) = self.matcher(value) {
                        checks.push(Check {
                            subject: Subject::Body,
                            matcher,
                            pos,
                        });
                    }
                }
                "schema" => {
                    if let Some(validator) = self.schema(value) {
                        let root = Query::parse("$").expect("`$` is a valid JSONPath");
                        let matcher = Matcher {
                            ops: vec![(Op::Schema(validator), yaml::pos(value))],
                        };
                        checks.push(Check {
                            subject: Subject::Json(root),
                            matcher,
                            pos,
                        });
                    }
                }
                _ => {
                    if let Some(d) = self.duration(value, "`max_duration`") {
                        let limit =
                            ValueTemplate::Lit(minijinja::Value::from(d.as_millis() as u64));
                        let matcher = Matcher {
                            ops: vec![(Op::Lte(limit), yaml::pos(value))],
                        };
                        checks.push(Check {
                            subject: Subject::Duration,
                            matcher,
                            pos,
                        });
                    }
                }
            }
        }
        // Kept for the whole run: no spare capacity.
        checks.shrink_to_fit();
        checks
    }

    pub(super) fn xpath(&mut self, text: &str, pos: Pos) -> Option<XPath> {
        match XPath::compile(text) {
            Ok(x) => Some(x),
            Err(e) => {
                let d = self.error(pos, e);
                d.width = text.chars().count().max(1);
                None
            }
        }
    }

    pub(super) fn jsonpath(&mut self, text: &str, pos: Pos) -> Option<Query> {
        match Query::parse(text) {
            Ok(q) => Some(q),
            Err(e) => {
                let d = self.error(pos, e);
                d.width = text.chars().count().max(1);
                if !text.starts_with('$') {
                    d.help = Some(format!(
                        "JSONPaths start at the root: `$.{}`",
                        text.trim_start_matches('.')
                    ));
                } else if let Some(seg) = text
                    .split(['.', '[', ']'])
                    .find(|s| s.contains('-') && !s.contains('\''))
                {
                    d.help = Some(format!("names with `-` need brackets: `['{seg}']`"));
                }
                None
            }
        }
    }

    /// `$.items.length` selects a member named `length` (JSONPath has no such function); the
    /// author almost always meant the `length` matcher.
    fn length_hint(&mut self, path: &yaml::Scalar) {
        let text = path.as_str();
        let Some(base) = text.strip_suffix(".length") else {
            return;
        };
        let d = self.warn(
            yaml::scalar_pos(path),
            format!("`{text}` selects a member named `length`, not the number of items"),
        );
        d.width = text.chars().count();
        d.help = Some(format!(
            "to check the count write `{base}: {{ length: N }}`"
        ));
    }

    /// `200`, `[200, 201]`, `2xx`, or a matcher map.
    fn status_matcher(&mut self, node: &Node) -> Option<Matcher> {
        let pos = yaml::pos(node);
        if let Some(s) = node.as_scalar() {
            let text = s.as_str();
            if let Some(class) = text
                .strip_suffix("xx")
                .and_then(|c| c.parse::<u16>().ok())
                .filter(|c| (1..=5).contains(c))
            {
                return Some(Matcher {
                    ops: vec![(Op::StatusClass(class), pos)],
                });
            }
            let is_code = text.parse::<u16>().is_ok_and(|c| (100..=599).contains(&c));
            if !s.may_coerce() && is_code {
                let d = self.error(
                    pos,
                    format!("`status: \"{text}\"` is a string, and a status is a number"),
                );
                d.width = text.len() + 2;
                d.help = Some(format!("write it without quotes: `status: {text}`"));
                return None;
            }
            if !s.may_coerce() || !is_code {
                let d = self.error(pos, format!("`status` must be a status code, a list of codes or a class such as `2xx`, not `{text}`"));
                d.width = text.len().max(1);
                return None;
            }
        }
        if let Some(seq) = node.as_sequence() {
            let all_codes = seq.iter().all(|n| {
                n.as_scalar()
                    .is_some_and(|s| s.as_str().parse::<u16>().is_ok())
            });
            if !all_codes {
                self.error(pos, "`status` as a list must hold status codes only");
                return None;
            }
            let list = ValueTemplate::Lit(crate::template::to_value(yaml::to_json(node)));
            return Some(Matcher {
                ops: vec![(Op::OneOf(list), pos)],
            });
        }
        self.matcher(node)
    }

    /// A plain value (equality) or a map of operators.
    fn matcher(&mut self, node: &Node) -> Option<Matcher> {
        let pos = yaml::pos(node);
        let Some(map) = node.as_mapping() else {
            return Some(Matcher {
                ops: vec![(Op::Eq(self.value(node)?), pos)],
            });
        };
        let operator_keys = map
            .keys()
            .filter(|k| keys::has(keys::OPERATORS, k.as_str()))
            .count();
        if operator_keys == 0 {
            // Typos of operators are far likelier than objects with one odd key.
            if map.len() == 1 {
                let key = map.keys().next().expect("one key");
                if let Some(s) = crate::suggest::did_you_mean(
                    key.as_str(),
                    keys::OPERATORS.iter().map(|k| k.name),
                ) {
                    let d = self.error(
                        yaml::scalar_pos(key),
                        format!("unknown matcher operator `{}`", key.as_str()),
                    );
                    d.width = key.as_str().len().max(1);
                    d.label = Some(format!("did you mean `{s}`?"));
                    d.help = Some("to compare with an object, write `eq: { … }`".into());
                    return None;
                }
            }
            return Some(Matcher {
                ops: vec![(Op::Eq(self.value(node)?), pos)],
            });
        }
        if operator_keys != map.len() {
            for key in map
                .keys()
                .filter(|k| !keys::has(keys::OPERATORS, k.as_str()))
            {
                self.unknown_key(key, "a matcher", keys::OPERATORS);
            }
            return None;
        }
        let mut ops = Vec::new();
        for (key, value) in map.iter() {
            let op_pos = yaml::scalar_pos(key);
            let op = match key.as_str() {
                "eq" => self.value(value).map(Op::Eq),
                "ne" => self.value(value).map(Op::Ne),
                "gt" => self.value(value).map(Op::Gt),
                "gte" => self.value(value).map(Op::Gte),
                "lt" => self.value(value).map(Op::Lt),
                "lte" => self.value(value).map(Op::Lte),
                "contains" => self.value(value).map(Op::Contains),
                "not_contains" => self.value(value).map(Op::NotContains),
                "starts_with" => self.value(value).map(Op::StartsWith),
                "ends_with" => self.value(value).map(Op::EndsWith),
                "one_of" => {
                    if value.as_sequence().is_none()
                        && value.as_scalar().is_none_or(|s| !s.as_str().contains("{{"))
                    {
                        self.error(yaml::pos(value), "`one_of` takes a list");
                        None
                    } else {
                        self.value(value).map(Op::OneOf)
                    }
                }
                "matches" => self.regex(value).map(Op::Matches),
                "exists" => self.bool(value, "`exists`").map(Op::Exists),
                "empty" => self.bool(value, "`empty`").map(Op::Empty),
                "type" => {
                    let name = value.as_scalar().map(|s| s.as_str()).unwrap_or_default();
                    match JsonType::parse(name) {
                        Some(t) => Some(Op::Type(t)),
                        None => {
                            let d = self.error(yaml::pos(value), format!("unknown type `{name}`"));
                            d.width = name.len().max(1);
                            d.label = crate::suggest::did_you_mean(name, JsonType::NAMES)
                                .map(|s| format!("did you mean `{s}`?"));
                            d.help = Some(format!("types: {}", JsonType::NAMES.join(", ")));
                            None
                        }
                    }
                }
                _ => self.matcher(value).map(|m| Op::Length(Box::new(m))),
            };
            if let Some(op) = op {
                ops.push((op, op_pos));
            }
        }
        Some(Matcher { ops })
    }

    pub(super) fn regex(&mut self, node: &Node) -> Option<regex::Regex> {
        let text = self.string(node, "`matches`")?;
        match regex::Regex::new(&text) {
            Ok(r) => Some(r),
            Err(e) => {
                let reason = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid")
                    .trim()
                    .to_owned();
                let d = self.error(
                    yaml::pos(node),
                    format!("invalid regular expression `{text}`: {reason}"),
                );
                d.width = text.chars().count().max(1);
                None
            }
        }
    }

    fn schema(&mut self, node: &Node) -> Option<Arc<jsonschema::Validator>> {
        let pos = yaml::pos(node);
        let schema = match node
            .as_mapping()
            .and_then(|m| m.get_node("file"))
            .filter(|_| node.as_mapping().is_some_and(|m| m.len() == 1))
        {
            Some(file) => {
                let path = self.file_path(file, "`schema.file`")?;
                let text = match crate::source::read_text(&path, crate::source::MAX_DATA_BYTES) {
                    Ok(t) => t,
                    Err((e, _)) => {
                        self.error(yaml::pos(file), format!("schema: {e}"));
                        return None;
                    }
                };
                match serde_yaml::from_str::<serde_json::Value>(&text) {
                    Ok(v) => v,
                    Err(e) => {
                        self.error(
                            yaml::pos(file),
                            format!("schema `{}` is not JSON or YAML: {e}", path.display()),
                        );
                        return None;
                    }
                }
            }
            None => yaml::to_json(node),
        };
        match jsonschema::validator_for(&schema) {
            Ok(v) => Some(Arc::new(v)),
            Err(e) => {
                self.error(pos, format!("invalid JSON Schema: {e}"));
                None
            }
        }
    }
}
