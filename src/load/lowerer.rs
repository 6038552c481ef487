//! The shared machinery of lowering YAML nodes to the model: typed getters that record a
//! positioned error instead of stopping, unknown-key detection, and the name checks that let
//! a typo in a template be found before anything is sent.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::yaml::Node;

use super::keys;
use super::yaml::{self, Mapping};
use crate::diagnostic::Diagnostic;
use crate::source::{Loc, Pos, SourceFile};
use crate::suggest::did_you_mean;

/// Names templates may refer to, as known at the point being lowered.
#[derive(Clone, Default)]
pub(super) struct Names {
    pub inputs: Vec<String>,
    pub vars: Vec<String>,
    pub all_step_ids: NameList,
    pub step_ids: NameList,
    pub captured: NameList,
    /// Every name any step of the file captures or sets, for "later" messages and suggestions.
    pub all_captured: NameList,
    pub locals: Vec<&'static str>,
    /// Auth providers declared under `auth:`.
    pub providers: Vec<String>,
    /// Lowering `defaults.request`: it is rendered in each step's scope, so any name some step
    /// captures or sets (and any step id) may be used; a step that runs too early fails then.
    pub in_defaults: bool,
}

/// Names in the order they were defined, with a set for lookups: a file with thousands of
/// steps checks every template name against thousands of ids and captures.
#[derive(Clone, Default)]
pub(super) struct NameList {
    order: Vec<String>,
    set: std::collections::HashSet<String>,
}

impl NameList {
    pub fn push(&mut self, name: String) {
        // Most pushes repeat a name (every step captures `item_id`): no copy for those.
        if !self.set.contains(&name) {
            self.set.insert(name.clone());
            self.order.push(name);
        }
    }

    /// As [`Self::push`], copying the name only when it is new.
    pub fn push_str(&mut self, name: &str) {
        if !self.set.contains(name) {
            self.push(name.to_owned());
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.order
    }
}

impl Extend<String> for NameList {
    fn extend<I: IntoIterator<Item = String>>(&mut self, iter: I) {
        iter.into_iter().for_each(|n| self.push(n));
    }
}

impl FromIterator<String> for NameList {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        let mut list = Self::default();
        list.extend(iter);
        list
    }
}

pub(super) const RESERVED: [&str; 7] =
    ["inputs", "vars", "env", "steps", "item", "index", "attempt"];

pub(super) struct Lowerer<'l> {
    pub file: Arc<SourceFile>,
    pub errors: Vec<Diagnostic>,
    pub names: Names,
    /// Loads included workflows (with cycle detection and a cache).
    pub loader: &'l mut super::Loader,
    /// The step being lowered (`step `login``), named in undefined-name errors.
    pub step: Option<StepLabel>,
    pub warnings: Vec<Diagnostic>,
}

/// How errors name the step being lowered: by id, else by its name as written, else by its
/// line. Written out only when an error names it (most steps have none).
pub(super) enum StepLabel {
    Defaults,
    Id(String),
    Name(String),
    Line(u32),
}

impl std::fmt::Display for StepLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepLabel::Defaults => f.write_str("`defaults`"),
            StepLabel::Id(id) => write!(f, "step `{id}`"),
            StepLabel::Name(name) => write!(f, "step \"{name}\""),
            StepLabel::Line(line) => write!(f, "the step at line {line}"),
        }
    }
}

/// A mapping whose keys were checked against the allowed set.
pub(super) struct Fields<'n> {
    pub map: &'n Mapping,
}

impl<'n> Fields<'n> {
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.map.get_node(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.get_node(key).is_some()
    }
}

pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn node_kind(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "a scalar",
        Node::Sequence(_) => "a list",
        Node::Mapping(_) => "a mapping",
    }
}

impl Lowerer<'_> {
    pub fn dir(&self) -> PathBuf {
        self.file
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    pub fn loc(&self, pos: Pos) -> Loc {
        Loc::new(&self.file, pos)
    }

    /// Records an error and returns it so a label or hint can be added.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::new(message).at(self.loc(pos));
        self.errors.push(d);
        self.errors.last_mut().expect("just pushed")
    }

    /// Records a warning: the file loads, but this is probably not what was meant.
    pub fn warn(&mut self, pos: Pos, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::new(message).at(self.loc(pos));
        self.warnings.push(d);
        self.warnings.last_mut().expect("just pushed")
    }

    pub(super) fn error_at(&mut self, node: &Node, message: impl Into<String>) -> &mut Diagnostic {
        let width = match node {
            Node::Scalar(s) => s.as_str().lines().next().map_or(1, |l| l.chars().count()),
            _ => 1,
        };
        let d = self.error(yaml::pos(node), message);
        d.width = width.clamp(1, 60);
        d
    }

    /// A mapping whose keys must all be among `allowed`.
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &'static [keys::Key],
    ) -> Option<Fields<'n>> {
        let Some(map) = node.as_mapping() else {
            self.error_at(
                node,
                format!("{what} must be a mapping, not {}", node_kind(node)),
            );
            return None;
        };
        for key in map.keys() {
            if !keys::has(allowed, key.as_str()) {
                self.unknown_key(key, what, allowed);
            }
        }
        Some(Fields { map })
    }

    pub fn unknown_key(&mut self, key: &yaml::Scalar, what: &str, allowed: &'static [keys::Key]) {
        let names = keys::names(allowed);
        self.unknown_name(key, what, &names);
    }

    /// An unknown key among names known only at load time (an included workflow's inputs).
    pub fn unknown_name(&mut self, key: &yaml::Scalar, what: &str, allowed: &[&str]) {
        let name = key.as_str();
        let pos = yaml::scalar_pos(key);
        let suggestion = did_you_mean(name, allowed.iter().copied());
        let d = self.error(pos, format!("unknown key `{name}` in {what}"));
        d.width = name.chars().count().max(1);
        match suggestion {
            Some(s) => {
                d.label = Some(format!("did you mean `{s}`?"));
            }
            None => {
                d.help = Some(format!("{what} takes: {}", allowed.join(", ")));
            }
        }
    }

    pub fn required<'n>(
        &mut self,
        fields: &Fields<'n>,
        key: &str,
        what: &str,
        pos: Pos,
    ) -> Option<&'n Node> {
        let node = fields.get(key);
        if node.is_none() {
            self.error(pos, format!("{what} is missing the required key `{key}`"));
        }
        node
    }

    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.as_scalar() {
            Some(s) => Some(s.as_str().to_owned()),
            None => {
                self.error_at(
                    node,
                    format!("{what} must be a string, not {}", node_kind(node)),
                );
                None
            }
        }
    }

    pub fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.as_scalar().and_then(|s| s.as_bool()) {
            Some(b) => Some(b),
            None => {
                self.error_at(node, format!("{what} must be `true` or `false`"));
                None
            }
        }
    }

    pub fn integer(&mut self, node: &Node, what: &str, min: u64, max: u64) -> Option<u64> {
        let value = node
            .as_scalar()
            .filter(|s| s.may_coerce())
            .and_then(|s| s.as_str().parse::<u64>().ok());
        match value {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.error_at(
                    node,
                    format!("{what} must be a whole number from {min} to {max}"),
                );
                None
            }
        }
    }

    pub fn duration(&mut self, node: &Node, what: &str) -> Option<Duration> {
        let Some(s) = node.as_scalar() else {
            self.error_at(node, format!("{what} must be a duration such as `30s`"));
            return None;
        };
        match crate::duration::parse(s.as_str()) {
            Ok(d) => {
                let bare = s.may_coerce() && s.as_str().parse::<u64>().is_ok_and(|n| n < 1000);
                if bare {
                    let n = s.as_str();
                    let w = self.warn(
                        yaml::scalar_pos(s),
                        format!("{what}: `{n}` without a unit is {n} milliseconds"),
                    );
                    w.width = n.len();
                    w.help = Some(format!(
                        "write `{n}s` for seconds, or `{n}ms` to keep milliseconds"
                    ));
                }
                Some(d)
            }
            Err(e) => {
                self.error_at(node, format!("{what}: {e}"));
                None
            }
        }
    }

    pub fn identifier(&mut self, key: &yaml::Scalar, what: &str) -> Option<String> {
        let name = key.as_str();
        let pos = yaml::scalar_pos(key);
        if !is_identifier(name) {
            let d = self.error(pos, format!("{what} `{name}` is not a valid name"));
            d.width = name.chars().count().max(1);
            d.help = Some(
                "names start with a letter or `_` and contain only letters, digits and `_`".into(),
            );
            return None;
        }
        Some(name.to_owned())
    }
}
