//! The single exit for everything apiflow writes: terminal streams and report files all pass
//! through the run's [`Redactor`] here, so no printer can forget to redact.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use crate::secrets::Redactor;

pub struct Output {
    secrets: Redactor,
    /// A live progress line, if one is drawn: output is printed above it.
    progress: std::sync::OnceLock<indicatif::ProgressBar>,
    stdout: Mutex<Box<dyn Write + Send>>,
    stderr: Mutex<Box<dyn Write + Send>>,
}

impl Output {
    pub fn new(
        secrets: Redactor,
        stdout: Box<dyn Write + Send>,
        stderr: Box<dyn Write + Send>,
    ) -> Self {
        Self {
            secrets,
            progress: std::sync::OnceLock::new(),
            stdout: Mutex::new(stdout),
            stderr: Mutex::new(stderr),
        }
    }

    pub fn stdio(secrets: Redactor) -> Self {
        Self::new(
            secrets,
            Box::new(std::io::stdout()),
            Box::new(std::io::stderr()),
        )
    }

    pub fn secrets(&self) -> &Redactor {
        &self.secrets
    }

    pub fn set_progress(&self, bar: indicatif::ProgressBar) {
        let _ = self.progress.set(bar);
    }

    fn write(&self, stream: &Mutex<Box<dyn Write + Send>>, text: &str) {
        let text = self.secrets.redact(text);
        let write = || {
            let mut w = stream.lock().unwrap_or_else(|e| e.into_inner());
            let _ = w.write_all(text.as_bytes());
            let _ = w.flush();
        };
        match self.progress.get() {
            Some(bar) if !bar.is_finished() => bar.suspend(write),
            _ => write(),
        }
    }

    /// Writes to standard output (redacted). Write errors (a closed pipe) are ignored: there is
    /// nowhere left to report them.
    pub fn out(&self, text: &str) {
        self.write(&self.stdout, text);
    }

    /// Writes to standard error (redacted).
    pub fn err(&self, text: &str) {
        self.write(&self.stderr, text);
    }

    /// Writes a report file (redacted), creating its folder.
    pub fn file(&self, path: &Path, text: &str) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, self.secrets.redact(text).as_bytes())
    }
}
