//! Environment variables as workflows see them: the process environment, overlaid by
//! `--env-file` values and the variables `--sandbox` points the recipes at. The overlay is set
//! once, before any workflow runs, so the process environment itself is never mutated.

use std::collections::BTreeMap;
use std::sync::OnceLock;

static OVERLAY: OnceLock<BTreeMap<String, String>> = OnceLock::new();

/// Installs the overlay; only the first call has an effect.
pub fn set_overlay(vars: BTreeMap<String, String>) {
    let _ = OVERLAY.set(vars);
}

pub fn var(name: &str) -> Option<String> {
    OVERLAY
        .get()
        .and_then(|o| o.get(name).cloned())
        .or_else(|| std::env::var(name).ok())
}
