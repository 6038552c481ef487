//! Load stage: workflow files on disk → validated, compiled [`Workflow`]s, or every problem
//! found in them (not only the first), each with file, line and column.

mod capture;
mod check;
mod data;
pub mod discover;
pub mod keys;
mod lowerer;
#[cfg(test)]
mod mutations;
mod request;
mod step;
mod templates;
mod workflow;
pub mod yaml;
mod yaml_json;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::model::Workflow;
use crate::source::{Loc, MAX_WORKFLOW_BYTES, Pos, SourceFile, io_reason};

/// Deeper include chains are refused: each level is a recursion of the loader and the runner.
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// Where secret values found while loading go (the run's redactor), so that even a load error
/// never shows them. Set once by the command line; unset, nothing is registered.
static SECRETS: std::sync::OnceLock<crate::secrets::Redactor> = std::sync::OnceLock::new();

/// Registers values met while loading (the environment value of a `secret: true` input) with
/// `secrets` from now on.
pub fn register_secrets_with(secrets: crate::secrets::Redactor) {
    let _ = SECRETS.set(secrets);
}

pub(crate) fn found_secret(value: &str) {
    if let Some(s) = SECRETS.get() {
        s.add(value);
    }
}

pub(crate) enum IncludeError {
    /// The file was read but has errors; they are already recorded.
    Invalid,
    Cycle(String),
    Unreadable(String),
}

/// Loads workflow files, sharing included files and detecting include cycles.
#[derive(Default)]
pub struct Loader {
    cache: HashMap<PathBuf, Option<Arc<Workflow>>>,
    stack: Vec<PathBuf>,
    pub errors: Vec<Diagnostic>,
    /// Things that load but are probably mistakes (`timeout: 5`, `$.items.length`).
    pub warnings: Vec<Diagnostic>,
}

impl Loader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads one file given by the user; `None` when it has errors (recorded in `errors`).
    pub fn load(&mut self, path: &Path) -> Option<Arc<Workflow>> {
        match self.load_include(path) {
            Ok(w) => Some(w),
            Err(IncludeError::Invalid) => None,
            Err(IncludeError::Cycle(msg) | IncludeError::Unreadable(msg)) => {
                self.errors.push(Diagnostic::new(format!(
                    "cannot load `{}`: {msg}",
                    path.display()
                )));
                None
            }
        }
    }

    /// Loads a file (given or included), once: a file's later uses share the first load.
    pub(crate) fn load_include(&mut self, path: &Path) -> Result<Arc<Workflow>, IncludeError> {
        let key =
            std::fs::canonicalize(path).map_err(|e| IncludeError::Unreadable(io_reason(&e)))?;
        if let Some(pos) = self.stack.iter().position(|p| p == &key) {
            let mut chain: Vec<String> = self.stack[pos..].iter().map(|p| short_name(p)).collect();
            chain.push(short_name(&key));
            return Err(IncludeError::Cycle(chain.join(" → ")));
        }
        if let Some(cached) = self.cache.get(&key) {
            return cached.clone().ok_or(IncludeError::Invalid);
        }
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(IncludeError::Unreadable(format!(
                "includes are nested more than {MAX_INCLUDE_DEPTH} levels deep"
            )));
        }
        self.stack.push(key.clone());
        let result = self.read_and_lower(path);
        self.stack.pop();
        self.cache.insert(key, result.clone());
        result.ok_or(IncludeError::Invalid)
    }

    fn read_and_lower(&mut self, path: &Path) -> Option<Arc<Workflow>> {
        let file_error = |msg: String| {
            Diagnostic::new(msg).at(Loc::new(
                &SourceFile::new(path.to_path_buf(), String::new()),
                Pos::new(1, 1),
            ))
        };
        let text = match crate::source::read_text(path, MAX_WORKFLOW_BYTES) {
            Ok(text) => text,
            Err((msg, pos)) => {
                // The file's content is never quoted: it may not be meant for anyone's eyes.
                let d = match pos {
                    Some(pos) => Diagnostic::new(msg).at(Loc::new(
                        &SourceFile::new(path.to_path_buf(), String::new()),
                        pos,
                    )),
                    None => file_error(msg),
                };
                self.errors.push(d);
                return None;
            }
        };
        let file = SourceFile::new(path.to_path_buf(), text);
        if file.text.trim().is_empty() {
            let d = Diagnostic::new("the file is empty").at(Loc::new(&file, Pos::new(1, 1)));
            self.errors
                .push(d.help("a workflow needs at least `version: 1`, `name:` and `steps:`"));
            return None;
        }
        let root = match yaml::parse(&file.text) {
            Ok(root) => root,
            Err((msg, pos)) => {
                let mut d = Diagnostic::new(msg).at(Loc::new(&file, pos));
                if unquoted_template(&file, pos) {
                    d.help = Some(
                        "a value that starts with `{{` must be quoted: `url: \"{{ inputs.base }}/items\"`"
                            .into(),
                    );
                }
                self.errors.push(d);
                return None;
            }
        };
        let mut lowerer = lowerer::Lowerer {
            file: Arc::clone(&file),
            errors: Vec::new(),
            names: lowerer::Names::default(),
            loader: self,
            step: None,
            warnings: Vec::new(),
        };
        let workflow = lowerer.workflow(root);
        let mut warnings = std::mem::take(&mut lowerer.warnings);
        let mut errors = std::mem::take(&mut lowerer.errors);
        warnings.sort_by_key(|d| d.loc.as_ref().map(|l| l.pos));
        self.warnings.extend(warnings);
        errors.sort_by_key(|d| d.loc.as_ref().map(|l| l.pos));
        let ok = errors.is_empty();
        self.errors.extend(errors);
        workflow.filter(|_| ok).map(Arc::new)
    }
}

/// Whether the line of a YAML error (or the one before: the scanner often stops a line late)
/// holds a `{{` outside quotes, which YAML reads as the start of a flow mapping.
fn unquoted_template(file: &SourceFile, pos: Pos) -> bool {
    [pos.line, pos.line.saturating_sub(1)]
        .iter()
        .any(|&n| file.line(n).is_some_and(has_unquoted_braces))
}

fn has_unquoted_braces(line: &str) -> bool {
    let mut quote = None;
    let mut prev = ' ';
    for c in line.chars() {
        match (quote, c) {
            (None, '#') if prev == ' ' => return false,
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '{') if prev == '{' => return true,
            _ => {}
        }
        prev = c;
    }
    false
}

fn short_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::has_unquoted_braces;

    /// The whole load stage (parse, lower, name checks, includes) on mutated workflows: every
    /// outcome is a workflow or positioned errors, never a panic.
    #[test]
    fn mutated_workflows_load_or_fail_with_positions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.yaml");
        for text in super::mutations::mutations(600) {
            std::fs::write(&path, &text).unwrap();
            let mut loader = super::Loader::new();
            let loaded = loader.load(&path);
            assert_eq!(loaded.is_some(), loader.errors.is_empty(), "{text:?}");
            for e in &loader.errors {
                assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn finds_templates_yaml_would_read_as_mappings() {
        assert!(has_unquoted_braces("      url: {{ base }}/items"));
        assert!(has_unquoted_braces("    request: { url: {{ base }} }"));
        assert!(has_unquoted_braces("  - {{ x }}"));
        assert!(!has_unquoted_braces("      url: \"{{ base }}/items\""));
        assert!(!has_unquoted_braces("      url: '{{ base }}' # {{ no }}"));
        assert!(!has_unquoted_braces("    json: { a: { b: 1 } }"));
    }
}
