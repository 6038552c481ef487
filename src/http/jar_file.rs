//! `--cookie-jar FILE` across a run: every workflow file starts from the jar as loaded (files
//! running concurrently never share cookies), and the jars they end with are merged in file
//! order (a later file wins on the same cookie) and written back, also after a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::jar::Jar;
use crate::secrets::Redactor;

pub struct JarFile {
    path: PathBuf,
    loaded: Jar,
    finished: Mutex<BTreeMap<usize, Jar>>,
}

impl JarFile {
    /// Reads FILE (a missing one is an empty jar); its values are registered as secrets.
    pub fn load(path: &Path, secrets: &Redactor) -> Result<Self, String> {
        let loaded = Jar::load(path)?;
        loaded.register_secrets(secrets);
        Ok(Self {
            path: path.to_owned(),
            loaded,
            finished: Mutex::new(BTreeMap::new()),
        })
    }

    /// The jar a workflow file starts with.
    pub fn start(&self) -> Jar {
        self.loaded.clone()
    }

    /// The jar the file at `index` (its place in the run) ended with.
    pub fn finish(&self, index: usize, jar: Jar) {
        let mut finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        finished.insert(index, jar);
    }

    /// The merged jar: the loaded one when no file finished, else each file's in order.
    pub fn merged(&self) -> Jar {
        let finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        if finished.is_empty() {
            return self.loaded.clone();
        }
        let mut out = Jar::new();
        for jar in finished.values() {
            out.merge(jar);
        }
        out
    }

    pub fn save(&self) -> Result<(), String> {
        self.merged().save(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_start_from_the_loaded_jar_and_merge_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jar");
        let url = url::Url::parse("http://a.test/").unwrap();
        let mut first = Jar::new();
        first.store(&url, ["sid=loaded-value"].into_iter());
        first.save(&path).unwrap();
        let secrets = Redactor::new();
        let file = JarFile::load(&path, &secrets).unwrap();
        assert!(secrets.holds_secret("loaded-value"));
        let (mut a, mut b) = (file.start(), file.start());
        a.store(&url, ["x=from-a", "sid=from-a"].into_iter());
        b.store(&url, ["sid=from-b"].into_iter());
        // Finished out of order: the merge still follows file order.
        file.finish(1, b);
        file.finish(0, a);
        file.save().unwrap();
        let back = Jar::load(&path).unwrap();
        let mut pairs = back.request_pairs(&url);
        pairs.sort();
        assert_eq!(
            pairs,
            vec![
                ("sid".to_owned(), "from-b".to_owned()),
                ("x".to_owned(), "from-a".to_owned())
            ]
        );
    }
}
