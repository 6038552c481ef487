//! What a run shares across workflows, and the interrupt signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::event::Reporter;
use super::tokens::TokenStore;
use crate::http::HttpClient;
use crate::secrets::Redactor;

/// Everything a run shares across workflows: the connection pools, the token store, the
/// secrets, the reporters and the interrupt signal.
pub struct RunContext {
    pub http: Arc<HttpClient>,
    pub tokens: TokenStore,
    pub secrets: Redactor,
    pub reporter: Arc<dyn Reporter>,
    pub interrupt: Interrupt,
    /// Default bound on a decoded response body (`--max-body`).
    pub max_body: u64,
    /// Keep every exchange in full (`-v`), not only those of failed steps.
    pub full_exchanges: bool,
    /// `--cookie-jar FILE`: every workflow's jar starts from it; it is written back after.
    pub cookie_jar: Option<std::path::PathBuf>,
    /// The jar loaded from `cookie_jar`, which every workflow file starts from.
    pub jar_file: Option<Arc<crate::http::JarFile>>,
}

/// Default `--max-body`: 64 MiB.
pub const DEFAULT_MAX_BODY: u64 = 64 * 1024 * 1024;

/// Set once on Ctrl-C or SIGTERM: no new step starts, in-flight requests are cancelled.
#[derive(Clone, Default)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    notify: Arc<tokio::sync::Notify>,
}

impl Interrupt {
    pub fn trigger(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// The flag itself, for work that polls it (a template being rendered).
    pub fn flag(&self) -> &Arc<AtomicBool> {
        &self.flag
    }

    pub async fn wait(&self) {
        let notified = self.notify.notified();
        if self.is_set() {
            return;
        }
        notified.await;
    }
}
