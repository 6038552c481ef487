//! Lowering of template text (strings, values, expressions) and the check that every name a
//! template reads is defined where it runs, so a typo is found before anything is sent.

use super::lowerer::{Lowerer, Names, RESERVED, node_kind};
use super::yaml::{self, Node};
use crate::source::Pos;
use crate::suggest::did_you_mean;
use crate::template::{Expr, Text, ValueTemplate, env::is_global};

impl Lowerer<'_> {
    /// A string field that may hold a template.
    pub fn text(&mut self, node: &Node, what: &str) -> Option<Text> {
        let Some(s) = node.as_scalar() else {
            self.error_at(
                node,
                format!("{what} must be a string, not {}", node_kind(node)),
            );
            return None;
        };
        let pos = yaml::scalar_pos(s);
        match Text::compile(s.as_str(), pos) {
            Ok(t) => {
                self.check_names_in(t.names(), pos, Some(what));
                Some(t)
            }
            Err(e) => {
                self.error_at(node, format!("{what}: {e}"));
                None
            }
        }
    }

    /// A mapping of names to string templates (headers, query, form).
    pub fn text_map(&mut self, node: &Node, what: &str) -> Vec<(String, Text)> {
        let Some(map) = node.as_mapping() else {
            self.error_at(node, format!("{what} must be a mapping of names to values"));
            return Vec::new();
        };
        let mut out = Vec::with_capacity(map.len());
        for (k, v) in map.iter() {
            let field = format!("{what} `{}`", k.as_str());
            // Numbers and booleans are fine here: they are sent as text.
            if let Some(t) = self.text(v, &field) {
                out.push((k.as_str().to_owned(), t));
            }
        }
        out
    }

    /// Any YAML value whose strings may be templates.
    pub fn value(&mut self, node: &Node) -> Option<ValueTemplate> {
        match node {
            Node::Scalar(s) => {
                let pos = yaml::scalar_pos(s);
                if !crate::template::compiled::has_markup(s.as_str()) {
                    return Some(ValueTemplate::Lit(literal(s)));
                }
                match ValueTemplate::compile_str(s.as_str(), pos) {
                    Ok(t) => {
                        t.for_each_names(&mut |names, pos| self.check_names(names, pos));
                        Some(t)
                    }
                    Err(e) => {
                        self.error_at(node, e);
                        None
                    }
                }
            }
            Node::Sequence(seq) => {
                let items: Vec<ValueTemplate> = seq.iter().filter_map(|n| self.value(n)).collect();
                if items.iter().all(|i| matches!(i, ValueTemplate::Lit(_))) {
                    return Some(ValueTemplate::Lit(crate::template::to_value(
                        yaml::to_json(node),
                    )));
                }
                Some(ValueTemplate::Seq(items))
            }
            Node::Mapping(map) => {
                let entries: Vec<(String, ValueTemplate)> = map
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str().to_owned(), self.value(v)?)))
                    .collect();
                if entries
                    .iter()
                    .all(|(_, i)| matches!(i, ValueTemplate::Lit(_)))
                {
                    return Some(ValueTemplate::Lit(crate::template::to_value(
                        yaml::to_json(node),
                    )));
                }
                Some(ValueTemplate::Map(entries))
            }
        }
    }

    /// A bare expression (`if`, `until`, `for_each`, `that`).
    pub fn expr(&mut self, node: &Node, what: &str) -> Option<Expr> {
        let Some(s) = node.as_scalar() else {
            self.error_at(
                node,
                format!("{what} must be an expression, not {}", node_kind(node)),
            );
            return None;
        };
        let pos = yaml::scalar_pos(s);
        let source = s.as_str().trim();
        if source.starts_with("{{") && source.ends_with("}}") {
            self.error_at(
                node,
                format!("{what} takes a bare expression, without `{{{{ }}}}`"),
            )
            .help = Some(format!(
                "write `{}`",
                source
                    .trim_start_matches("{{")
                    .trim_end_matches("}}")
                    .trim()
            ));
            return None;
        }
        match Expr::compile(source, pos) {
            Ok(e) => {
                self.check_names_in(e.names(), pos, Some(what));
                Some(e)
            }
            Err(e) => {
                self.error_at(node, format!("{what}: {e}"));
                None
            }
        }
    }

    /// Checks every name a template refers to against what is defined at this point.
    pub fn check_names(&mut self, names: &[String], pos: Pos) {
        self.check_names_in(names, pos, None);
    }

    /// As [`Self::check_names`]; the message names the step and the field (`what`).
    pub fn check_names_in(&mut self, names: &[String], pos: Pos, what: Option<&str>) {
        for name in names {
            if let Some((msg, hint)) = self.names.problem(name) {
                let place = match (&self.step, what) {
                    (Some(step), Some(what)) => format!("{step}, {what}: "),
                    (Some(step), None) => format!("{step}: "),
                    (None, Some(what)) => format!("{what}: "),
                    (None, None) => String::new(),
                };
                let d = self.error(pos, format!("{place}{msg}"));
                d.label = hint;
            }
        }
    }
}

/// A scalar without markup as a template value: what `to_value(scalar_to_json(s))` gives,
/// without a pass through serde (two expected values per step of a typical file).
fn literal(s: &yaml::Scalar) -> minijinja::Value {
    use serde_json::Value as J;
    match yaml::scalar_to_json(s) {
        J::Null => minijinja::Value::from(()),
        J::Bool(b) => minijinja::Value::from(b),
        // As serde_json serializes a number: u64, else i64, else f64.
        J::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => minijinja::Value::from(u),
            (None, Some(i), _) => minijinja::Value::from(i),
            (None, None, f) => minijinja::Value::from(f.unwrap_or(f64::NAN)),
        },
        J::String(text) => minijinja::Value::from(text),
        other => crate::template::to_value(other),
    }
}

impl Names {
    /// Why `name` (a dotted path such as `steps.token.response`) cannot be defined, if so.
    fn problem(&self, name: &str) -> Option<(String, Option<String>)> {
        let mut parts = name.split('.');
        let root = parts.next().unwrap_or_default();
        let second = parts.next();
        let suggest = |word: &str, list: &[String]| {
            did_you_mean(word, list.iter().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"))
        };
        match root {
            "env" => None,
            "inputs" => {
                let key = second?;
                (!self.inputs.iter().any(|i| i == key)).then(|| {
                    (
                        format!("`inputs.{key}` is not a declared input"),
                        suggest(key, &self.inputs),
                    )
                })
            }
            "vars" => {
                let key = second?;
                (!self.vars.iter().any(|i| i == key)).then(|| {
                    (
                        format!("`vars.{key}` is not defined (vars may only use earlier vars)"),
                        suggest(key, &self.vars),
                    )
                })
            }
            "steps" => {
                let id = second?;
                let anywhere = self.in_defaults && self.all_step_ids.contains(id);
                if anywhere || self.step_ids.contains(id) {
                    None
                } else if self.all_step_ids.contains(id) {
                    Some((
                        format!(
                            "step `{id}` runs later: a step can only use the results of earlier steps"
                        ),
                        None,
                    ))
                } else {
                    Some((
                        format!("there is no step with id `{id}`"),
                        suggest(id, self.all_step_ids.as_slice()),
                    ))
                }
            }
            "item" | "index" | "attempt" if self.locals.contains(&root) => None,
            "item" | "index" => Some((
                format!("`{root}` is only defined in a step with `for_each`"),
                None,
            )),
            "attempt" => Some((
                "`attempt` is only defined in a step with `retry`".to_owned(),
                None,
            )),
            _ if self.captured.contains(root) || is_global(root) => None,
            _ if self.in_defaults && self.all_captured.contains(root) => None,
            _ if self.all_captured.contains(root) => Some((
                format!(
                    "`{root}` is not defined yet: it is captured or set later (a step's captures exist once its response arrives)"
                ),
                None,
            )),
            _ => {
                let mut known: Vec<String> = self.all_captured.as_slice().to_vec();
                known.extend(RESERVED.iter().map(|s| s.to_string()));
                let msg = if self.in_defaults {
                    format!("`{root}` is not defined: no step of the file captures or sets it")
                } else {
                    format!("`{root}` is not defined: no earlier step captures or sets it")
                };
                Some((msg, suggest(root, &known)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::literal;
    use crate::load::yaml;

    /// The direct conversion gives what the serde path gives: same kind, same text.
    #[test]
    fn literals_match_the_serde_conversion() {
        let text = "a: [200, -3, 18446744073709551615, 1.5, 1e3, true, FALSE, ~, null, '', x, '200', \"true\", .inf, 0x1F, 00]";
        let root = yaml::parse(text).unwrap();
        let list = root.as_mapping().unwrap().get_sequence("a").unwrap();
        for node in list.iter() {
            let s = node.as_scalar().unwrap();
            let fast = literal(s);
            let slow = crate::template::to_value(yaml::scalar_to_json(s));
            assert_eq!(fast.kind(), slow.kind(), "{}", s.as_str());
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{}", s.as_str());
            assert_eq!(fast, slow, "{}", s.as_str());
        }
    }
}
