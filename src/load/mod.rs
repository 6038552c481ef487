//! Load stage: workflow files on disk → validated, compiled [`Workflow`]s, or every problem
//! found in them (not only the first), each with file, line and column.

mod check;
pub mod discover;
pub mod keys;
mod lowerer;
mod request;
mod step;
mod workflow;
pub mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::model::Workflow;
use crate::source::{Loc, Pos, SourceFile};

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

/// Larger files are refused rather than parsed: no real workflow comes near it.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

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
        let bytes = match read_limited(path) {
            Ok(b) => b,
            Err(msg) => {
                self.errors.push(file_error(msg));
                return None;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let valid = &e.as_bytes()[..offset];
                let line = valid.iter().filter(|b| **b == b'\n').count() as u32 + 1;
                let column = valid.iter().rev().take_while(|b| **b != b'\n').count() as u32 + 1;
                let file = SourceFile::new(
                    path.to_path_buf(),
                    String::from_utf8_lossy(valid).into_owned(),
                );
                self.errors.push(
                    Diagnostic::new("the file is not UTF-8 text (is it a binary file?)")
                        .at(Loc::new(&file, Pos::new(line, column))),
                );
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
                self.errors
                    .push(Diagnostic::new(msg).at(Loc::new(&file, pos)));
                return None;
            }
        };
        let mut lowerer = lowerer::Lowerer {
            file: Arc::clone(&file),
            errors: Vec::new(),
            names: lowerer::Names::default(),
            loader: self,
        };
        let workflow = lowerer.workflow(&root);
        let mut errors = std::mem::take(&mut lowerer.errors);
        errors.sort_by_key(|d| d.loc.as_ref().map(|l| l.pos));
        let ok = errors.is_empty();
        self.errors.extend(errors);
        workflow.filter(|_| ok).map(Arc::new)
    }
}

/// The file's bytes, refusing files over the size limit before reading them.
fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "the file is {:.1} MiB; workflow files are limited to {} MiB",
            size as f64 / 1048576.0,
            MAX_FILE_BYTES / 1048576
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))
}

fn short_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}
