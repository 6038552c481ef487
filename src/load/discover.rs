//! Command-line paths → the workflow files to run, sorted and de-duplicated.
//!
//! A folder holds more than workflows (input files, CI configs, fixtures), so a YAML file found
//! in a folder is taken only when its top level has a `version` key; the others are reported as
//! skipped. A file named on the command line is always taken: the loader then says what is
//! wrong with it.

use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};

/// What the search found.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<PathBuf>,
    /// Paths given on the command line that do not exist.
    pub missing: Vec<PathBuf>,
    /// Files seen in a folder and left out, with the reason (for `-v`).
    pub skipped: Vec<(PathBuf, String)>,
}

/// `--exclude` patterns (`*`, `?`, `**`, `[abc]`).
#[derive(Debug, Default, Clone)]
pub struct Excludes {
    patterns: Vec<(String, Pattern)>,
}

impl Excludes {
    pub fn new(globs: &[String]) -> Result<Self, String> {
        let patterns = globs
            .iter()
            .map(|g| {
                let cleaned = g.strip_prefix("./").unwrap_or(g);
                Pattern::new(cleaned)
                    .map(|p| (g.clone(), p))
                    .map_err(|e| format!("`--exclude {g}`: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }

    /// The pattern that excludes `path`, if any. A pattern without `/` is matched against the
    /// file name as well, so `--exclude '*.inputs.yaml'` works at any depth; `*` never crosses
    /// a `/`, `**` does.
    pub fn matching(&self, path: &Path) -> Option<&str> {
        let options = MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        let full = path.to_string_lossy();
        let full = full.strip_prefix("./").unwrap_or(&full);
        let name = path.file_name().map(|n| n.to_string_lossy());
        self.patterns
            .iter()
            .find(|(text, p)| {
                p.matches_with(full, options)
                    || (!text.contains('/')
                        && name.as_deref().is_some_and(|n| p.matches_with(n, options)))
            })
            .map(|(text, _)| text.as_str())
    }
}

/// Expands folders (recursively, `*.yaml`/`*.yml`, hidden entries skipped, only workflows) and
/// keeps files as given, leaving out what `excludes` matches.
pub fn discover_with(paths: &[PathBuf], excludes: &Excludes) -> Discovered {
    let mut out = Discovered::default();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found);
            found.sort();
            for file in found {
                if let Some(pattern) = excludes.matching(&file) {
                    out.skipped
                        .push((file, format!("excluded by `--exclude {pattern}`")));
                } else if !is_workflow(&file) {
                    out.skipped
                        .push((file, "not a workflow (no top-level `version` key)".into()));
                } else {
                    out.files.push(file);
                }
            }
        } else if path.is_file() {
            match excludes.matching(path) {
                Some(pattern) => out
                    .skipped
                    .push((path.clone(), format!("excluded by `--exclude {pattern}`"))),
                None => out.files.push(path.clone()),
            }
        } else {
            out.missing.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.files
        .retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    out
}

/// Expands folders and keeps files as given, without excludes. Returns the files and the paths
/// that do not exist.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let found = discover_with(paths, &Excludes::default());
    (found.files, found.missing)
}

/// Whether a file's top level has a `version` key, judged from its text without parsing it:
/// a top-level key of a block mapping starts a line at column 0 (flow style `{version: 1}` is
/// recognised too). Unreadable files count as workflows so that the loader reports why.
fn is_workflow(path: &Path) -> bool {
    let Ok(bytes) = crate::source::read_bounded(path, crate::source::MAX_WORKFLOW_BYTES) else {
        return true;
    };
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    crate::source::lines(text).any(|line| {
        if line.starts_with([' ', '\t']) {
            return false; // indented: a key of some nested mapping
        }
        let line = line.trim_start_matches('{').trim_start();
        let key = line
            .strip_prefix("version")
            .or_else(|| line.strip_prefix("\"version\""))
            .or_else(|| line.strip_prefix("'version'"));
        key.is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_with_a_version_key_are_workflows() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        assert!(is_workflow(&write("a.yaml", "# c\nversion: 1\nname: x\n")));
        assert!(is_workflow(&write("b.yaml", "\u{feff}\"version\" : 1\n")));
        assert!(is_workflow(&write("c.yaml", "{version: 1, name: x}\n")));
        assert!(!is_workflow(&write(
            "d.yaml",
            "apikey: x\nregion: us-south\n"
        )));
        assert!(!is_workflow(&write("e.yaml", "jobs:\n  version: 1\n")));
        assert!(!is_workflow(&write("f.yaml", "versions: 1\n")));
    }

    #[test]
    fn excludes_match_paths_and_bare_names() {
        let ex = Excludes::new(&["*.inputs.yaml".into(), "tests/fixtures/**".into()]).unwrap();
        assert!(ex.matching(Path::new("a/b/dev.inputs.yaml")).is_some());
        assert!(
            ex.matching(Path::new("./tests/fixtures/x/y.yaml"))
                .is_some()
        );
        assert!(ex.matching(Path::new("tests/flow.yaml")).is_none());
        let star = Excludes::new(&["tests/*.yaml".into()]).unwrap();
        assert!(star.matching(Path::new("tests/a.yaml")).is_some());
        assert!(star.matching(Path::new("tests/sub/a.yaml")).is_none());
        assert!(Excludes::new(&["[".into()]).is_err());
    }
}
