//! Ctrl-C and SIGTERM during a run.

use std::sync::Arc;

use super::exit;
use crate::report::output::Output;
use crate::run::Interrupt;

/// First Ctrl-C or SIGTERM: stop starting steps, cancel requests, run `finally`. Second: exit.
pub(super) async fn watch_signals(interrupt: Interrupt, output: Arc<Output>) {
    let mut seen = 0;
    loop {
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        seen += 1;
        if seen > 1 {
            output.err("\ninterrupted again: aborting now\n");
            std::process::exit(exit::INTERRUPTED);
        }
        output.err("\ninterrupted: running `finally` steps (press Ctrl-C again to abort)\n");
        interrupt.trigger();
    }
}
