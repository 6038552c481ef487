//! Lowering of steps: ids, controls (`if`, `for_each`, `retry`, …) and the non-request actions.

use super::yaml::Node;

use super::keys;
use super::lowerer::{Fields, Lowerer, RESERVED, StepLabel};
use super::request::PartialRequest;
use super::yaml;
use crate::model::{Action, AssertItem, Backoff, ForEach, Include, Retry, RetryOn, SetItem, Step};
use crate::source::Pos;

const ACTIONS: &[&str] = &["request", "set", "assert", "include", "sleep"];

/// How errors name a step: by id, else by its name as written, else by its line.
fn step_label(id: Option<&str>, name: Option<&Node>, pos: Pos) -> StepLabel {
    if let Some(id) = id {
        return StepLabel::Id(id.to_owned());
    }
    match name.and_then(Node::as_scalar) {
        Some(n) => StepLabel::Name(n.as_str().to_owned()),
        None => StepLabel::Line(pos.line),
    }
}

impl Lowerer<'_> {
    /// Records every step id up front so that a reference to a later step can be told apart
    /// from a typo, and reports duplicates.
    pub(super) fn collect_step_ids<'n>(&mut self, steps: impl Iterator<Item = &'n Node>) {
        let mut seen: Vec<(String, Pos)> = Vec::new();
        let mut first_use: std::collections::HashMap<String, Pos> = Default::default();
        for step in steps {
            for key in ["capture", "set"] {
                if let Some(map) = step.as_mapping().and_then(|m| m.get_mapping(key)) {
                    for k in map.keys() {
                        self.names.all_captured.push_str(k.as_str());
                    }
                }
            }
            let Some(id) = step.as_mapping().and_then(|m| m.get_scalar("id")) else {
                continue;
            };
            let pos = yaml::scalar_pos(id);
            if let Some(first) = first_use.get(id.as_str()).copied() {
                let d = self.error(pos, format!("duplicate step id `{}`", id.as_str()));
                d.width = id.as_str().len().max(1);
                d.label = Some(format!("first used on line {}", first.line));
            } else {
                first_use.insert(id.as_str().to_owned(), pos);
                seen.push((id.as_str().to_owned(), pos));
            }
        }
        self.names.all_step_ids = seen.into_iter().map(|(s, _)| s).collect();
    }

    /// Lowers the steps in order, freeing each one's nodes once it is lowered.
    pub(super) fn steps(
        &mut self,
        nodes: Vec<Node>,
        defaults: &PartialRequest,
    ) -> Vec<crate::model::Step> {
        // Exact capacity: `filter_map` gives no size hint, and doubling growth would leave up
        // to half of a large file's step array unused for the whole run.
        let mut steps = Vec::with_capacity(nodes.len());
        steps.extend(nodes.into_iter().filter_map(|n| self.step(&n, defaults)));
        steps.shrink_to_fit();
        steps
    }

    fn step(&mut self, node: &Node, defaults: &PartialRequest) -> Option<Step> {
        let pos = yaml::pos(node);
        let f = self.fields(node, "a step", keys::STEP)?;
        let id = f.get("id").and_then(|n| {
            let s = n.as_scalar()?;
            let ok = s
                .as_str()
                .starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && s.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                let d = self.error(
                    yaml::pos(n),
                    format!("step id `{}` is not valid", s.as_str()),
                );
                d.help = Some("ids match `[a-z_][a-z0-9_]*`".into());
            }
            Some(s.as_str().to_owned())
        });

        self.step = Some(step_label(id.as_deref(), f.get("name"), pos));
        let step = self.step_body(&f, id, pos, defaults);
        self.step = None;
        step
    }

    fn step_body(
        &mut self,
        f: &Fields<'_>,
        id: Option<String>,
        pos: Pos,
        defaults: &PartialRequest,
    ) -> Option<Step> {
        let actions: Vec<&str> = ACTIONS.iter().copied().filter(|a| f.has(a)).collect();
        if actions.is_empty() {
            let d = self.error(pos, "this step has no action");
            d.help = Some(format!("give it one of: {}", ACTIONS.join(", ")));
            return None;
        }
        if actions.len() > 1 {
            let d = self.error(
                pos,
                format!(
                    "a step has exactly one action, this one has {}",
                    actions.join(" and ")
                ),
            );
            d.help = Some("split it into several steps".into());
            return None;
        }
        for (key, needs) in [
            ("expect", "request"),
            ("capture", "request"),
            ("with", "include"),
        ] {
            if f.has(key) && actions[0] != needs {
                let at = f
                    .map
                    .keys()
                    .find(|k| k.as_str() == key)
                    .map(yaml::scalar_pos)
                    .unwrap_or(pos);
                self.error(at, format!("`{key}` only applies to `{needs}` steps"));
            }
        }

        let condition = f.get("if").and_then(|n| self.expr(n, "`if`"));
        let for_each = f.get("for_each").and_then(|n| self.for_each(n));
        let retry_node = f.get("retry");
        let saved_locals = self.names.locals.clone();
        // Even when `for_each` itself is wrong: no cascade of "`item` is only defined…".
        if f.has("for_each") {
            self.names.locals.extend(["item", "index"]);
        }
        if retry_node.is_some() {
            self.names.locals.push("attempt");
        }
        // The name is rendered for each item (it may show `item` or `index`).
        let name = f.get("name").and_then(|n| self.text(n, "`name`"));
        let timeout = f.get("timeout").and_then(|n| self.duration(n, "`timeout`"));
        let continue_on_error = f
            .get("continue_on_error")
            .and_then(|n| self.bool(n, "`continue_on_error`"))
            .unwrap_or(false);

        let action = match actions[0] {
            "request" => self
                .request_step(f, defaults)
                .map(|r| Action::Request(Box::new(r))),
            "set" => self.set(f.get("set")?).map(Action::Set),
            "assert" => self.asserts(f.get("assert")?).map(Action::Assert),
            "sleep" => self.duration(f.get("sleep")?, "`sleep`").map(Action::Sleep),
            _ => self.include(f).map(|i| Action::Include(Box::new(i))),
        };
        // `until` may use this step's captures and its own response (`steps.ID`), so it is
        // lowered after the action, with the id visible.
        if let Some(id) = &id {
            self.names.step_ids.push(id.clone());
        }
        let retry = retry_node.and_then(|n| self.retry(n)).map(Box::new);
        self.names.locals = saved_locals;
        Some(Step {
            id,
            name,
            pos,
            action: action?,
            condition,
            for_each,
            retry,
            timeout,
            continue_on_error,
        })
    }

    /// Makes a name visible to the templates that follow, refusing reserved names.
    pub(super) fn define_name(&mut self, key: &yaml::Scalar, what: &str) -> Option<String> {
        let name = self.identifier(key, what)?;
        if RESERVED.contains(&name.as_str()) {
            let d = self.error(
                yaml::scalar_pos(key),
                format!("{what} `{name}` shadows a reserved name"),
            );
            d.help = Some(format!("reserved names: {}", RESERVED.join(", ")));
            return None;
        }
        Some(name)
    }

    fn set(&mut self, node: &Node) -> Option<Vec<SetItem>> {
        let Some(map) = node.as_mapping() else {
            self.error(
                yaml::pos(node),
                "`set` must be a mapping of names to values",
            );
            return None;
        };
        let mut items = Vec::new();
        for (key, value) in map.iter() {
            let Some(name) = self.define_name(key, "`set` name") else {
                continue;
            };
            if let Some(v) = self.value(value) {
                items.push(SetItem {
                    name: name.clone(),
                    value: v,
                    pos: yaml::scalar_pos(key),
                });
            }
            self.names.captured.push(name);
        }
        Some(items)
    }

    fn asserts(&mut self, node: &Node) -> Option<Vec<AssertItem>> {
        let items: Vec<&Node> = match node {
            Node::Sequence(seq) => seq.iter().collect(),
            other => vec![other],
        };
        let mut out = Vec::new();
        for item in items {
            let pos = yaml::pos(item);
            let (that, message) = match item {
                Node::Mapping(_) => {
                    let Some(f) = self.fields(item, "an `assert` item", keys::ASSERT_ITEM) else {
                        continue;
                    };
                    let that = self
                        .required(&f, "that", "an `assert` item", pos)
                        .and_then(|n| self.expr(n, "`that`"));
                    (
                        that,
                        f.get("message").and_then(|n| self.string(n, "`message`")),
                    )
                }
                _ => (self.expr(item, "`assert`"), None),
            };
            if let Some(that) = that {
                out.push(AssertItem { that, message, pos });
            }
        }
        Some(out)
    }

    fn retry(&mut self, node: &Node) -> Option<Retry> {
        let f = self.fields(node, "`retry`", keys::RETRY)?;
        let attempts = f
            .get("attempts")
            .and_then(|n| self.integer(n, "`attempts`", 1, 10_000))
            .unwrap_or(3) as u32;
        let delay = f
            .get("delay")
            .and_then(|n| self.duration(n, "`delay`"))
            .unwrap_or(std::time::Duration::from_secs(1));
        let backoff = match f.get("backoff") {
            None => Backoff::Fixed,
            Some(n) => match n.as_scalar().map(|s| s.as_str()) {
                Some("fixed") => Backoff::Fixed,
                Some("linear") => Backoff::Linear,
                Some("exponential") => Backoff::Exponential,
                _ => {
                    self.error(
                        yaml::pos(n),
                        "`backoff` must be `fixed`, `linear` or `exponential`",
                    );
                    Backoff::Fixed
                }
            },
        };
        let jitter = f
            .get("jitter")
            .and_then(|n| self.bool(n, "`jitter`"))
            .unwrap_or(false);
        let max_delay = f
            .get("max_delay")
            .and_then(|n| self.duration(n, "`max_delay`"))
            .unwrap_or(std::time::Duration::from_secs(60));
        let until = f.get("until").and_then(|n| self.expr(n, "`until`"));
        let on = f.get("on").map(|n| self.retry_on(n)).unwrap_or_default();
        Some(Retry {
            attempts,
            delay,
            backoff,
            jitter,
            max_delay,
            until,
            on,
        })
    }

    fn retry_on(&mut self, node: &Node) -> Vec<RetryOn> {
        let items: Vec<&Node> = match node {
            Node::Sequence(seq) => seq.iter().collect(),
            other => vec![other],
        };
        let mut out = Vec::new();
        for item in items {
            let text = item.as_scalar().map(|s| s.as_str()).unwrap_or_default();
            let parsed = match text {
                "network" => Some(RetryOn::Network),
                t if t.len() == 3 && t.ends_with("xx") => t[..1]
                    .parse()
                    .ok()
                    .filter(|c| (1..=5).contains(c))
                    .map(RetryOn::Class),
                t => t
                    .parse()
                    .ok()
                    .filter(|c| (100..=599).contains(c))
                    .map(RetryOn::Status),
            };
            match parsed {
                Some(p) => out.push(p),
                None => {
                    let d = self.error(yaml::pos(item), format!("`on` does not know `{text}`"));
                    d.help = Some(
                        "use `network`, a status code such as `503`, or a class such as `5xx`"
                            .into(),
                    );
                }
            }
        }
        out
    }

    /// `for_each: EXPR` or `for_each: { file: PATH }` (rows read now, relative to this file).
    fn for_each(&mut self, node: &Node) -> Option<ForEach> {
        if node.as_mapping().is_none() {
            return self.expr(node, "`for_each`").map(ForEach::Expr);
        }
        let f = self.fields(node, "`for_each`", keys::FOR_EACH)?;
        let file = self.required(&f, "file", "`for_each`", yaml::pos(node))?;
        let rel = self.string(file, "`for_each.file`")?;
        let path = self.dir().join(&rel);
        match super::data::read_items(&path) {
            Ok(items) => Some(ForEach::Items {
                path,
                items: std::sync::Arc::new(items),
            }),
            Err((msg, at)) => {
                let where_ = at.map_or(String::new(), |p| {
                    format!(" (line {}, column {})", p.line, p.column)
                });
                let d = self.error(
                    yaml::pos(file),
                    format!("`for_each.file` `{rel}`: {msg}{where_}"),
                );
                d.width = rel.chars().count().max(1);
                None
            }
        }
    }

    fn include(&mut self, f: &Fields<'_>) -> Option<Include> {
        let node = f.get("include")?;
        let pos = yaml::pos(node);
        let rel = self.string(node, "`include`")?;
        let path = self.dir().join(&rel);
        let workflow = match self.loader.load_include(&path) {
            Ok(w) => w,
            Err(super::IncludeError::Invalid) => return None,
            Err(super::IncludeError::Cycle(chain)) => {
                let d = self.error(pos, format!("include cycle: {chain}"));
                d.width = rel.len().max(1);
                return None;
            }
            Err(super::IncludeError::Unreadable(msg)) => {
                let d = self.error(pos, format!("cannot include `{rel}`: {msg}"));
                d.width = rel.len().max(1);
                return None;
            }
        };
        let mut with = Vec::new();
        if let Some(w) = f.get("with") {
            let declared: Vec<&str> = workflow.inputs.iter().map(|i| i.name.as_str()).collect();
            if let Some(map) = w.as_mapping() {
                for (k, v) in map.iter() {
                    if !declared.contains(&k.as_str()) {
                        let what = format!("`with` (the inputs of {})", path.display());
                        self.unknown_name(k, &what, &declared);
                        continue;
                    }
                    if let Some(t) = self.value(v) {
                        with.push((k.as_str().to_owned(), t));
                    }
                }
            } else {
                self.error(
                    yaml::pos(w),
                    "`with` must be a mapping of the included workflow's inputs",
                );
            }
        }
        for input in &workflow.inputs {
            let given = with.iter().any(|(n, _)| n == &input.name);
            if input.required && !given && input.env.is_none() && input.default.is_none() {
                let d = self.error(
                    pos,
                    format!("the included workflow needs input `{}`", input.name),
                );
                d.help = Some(format!("add `with: {{ {}: … }}`", input.name));
            }
        }
        Some(Include {
            path,
            workflow,
            with,
        })
    }
}
