//! Ctrl-C and SIGTERM during a run.
//!
//! Signals are taken on a thread of their own (signal-hook), not on the async runtime: a run
//! of one file uses a single-threaded runtime, and a template busy in a loop holds that thread,
//! so a task waiting for the signal would never run. The thread sets the interrupt flag, which
//! a template being rendered checks, and wakes every waiting request.

use std::sync::Arc;

use super::exit;
use crate::report::output::Output;
use crate::run::Interrupt;

/// Watches for signals until dropped.
pub(super) struct SignalWatch {
    #[cfg(unix)]
    handle: Option<signal_hook::iterator::Handle>,
    #[cfg(not(unix))]
    task: tokio::task::JoinHandle<()>,
}

/// First Ctrl-C or SIGTERM: stop starting steps, cancel requests and templates, run
/// `finally`. Second: exit at once.
#[cfg(unix)]
pub(super) fn watch_signals(interrupt: Interrupt, output: Arc<Output>) -> SignalWatch {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(s) => s,
        Err(e) => {
            output.err(&format!("warning: cannot watch for Ctrl-C: {e}\n"));
            return SignalWatch { handle: None };
        }
    };
    let handle = signals.handle();
    let out = Arc::clone(&output);
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut seen = 0;
            for _ in signals.forever() {
                seen += 1;
                on_signal(seen, &interrupt, &out);
            }
        });
    if let Err(e) = spawned {
        output.err(&format!("warning: cannot watch for Ctrl-C: {e}\n"));
    }
    SignalWatch {
        handle: Some(handle),
    }
}

#[cfg(not(unix))]
pub(super) fn watch_signals(interrupt: Interrupt, output: Arc<Output>) -> SignalWatch {
    let task = tokio::spawn(async move {
        let mut seen = 0;
        while tokio::signal::ctrl_c().await.is_ok() {
            seen += 1;
            on_signal(seen, &interrupt, &output);
        }
    });
    SignalWatch { task }
}

fn on_signal(seen: u32, interrupt: &Interrupt, output: &Output) {
    if seen > 1 {
        output.err("\ninterrupted again: aborting now\n");
        std::process::exit(exit::INTERRUPTED);
    }
    output.err("\ninterrupted: running `finally` steps (press Ctrl-C again to abort)\n");
    interrupt.trigger();
}

impl Drop for SignalWatch {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(h) = &self.handle {
            h.close();
        }
        #[cfg(not(unix))]
        self.task.abort();
    }
}
