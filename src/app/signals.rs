//! Ctrl-C and SIGTERM during a run.
//!
//! No thread of its own: the signal handler itself sets the interrupt flag (an atomic swap,
//! safe in a handler), which a template busy in a loop checks, so even a run whose one
//! runtime thread is held by that template stops; a task on the runtime then prints the
//! message and wakes every waiting request. A second signal exits at once from the handler.
//! (A thread waiting for signals made the scheduler keep the run off the CPU of the server it
//! talks to, which cost a one-file run over 2x per step: docs/performance.md.)

use std::sync::Arc;

use super::exit;
use crate::report::output::Output;
use crate::run::Interrupt;

/// Watches for signals until dropped.
pub(super) struct SignalWatch {
    #[cfg(unix)]
    ids: Vec<signal_hook::SigId>,
    task: tokio::task::JoinHandle<()>,
}

/// First Ctrl-C or SIGTERM: stop starting steps, cancel requests and templates, run
/// `finally`. Second: exit at once.
#[cfg(unix)]
pub(super) fn watch_signals(interrupt: Interrupt, output: Arc<Output>) -> SignalWatch {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use tokio::signal::unix::{SignalKind, signal};
    let mut ids = Vec::new();
    for sig in [SIGINT, SIGTERM] {
        let flag = Arc::clone(interrupt.flag());
        // SAFETY: the action does only what a signal handler may: an atomic swap, write(2)
        // and _exit(2).
        let id = unsafe {
            signal_hook::low_level::register(sig, move || {
                if flag.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    let msg = b"\ninterrupted again: aborting now\n";
                    libc::write(2, msg.as_ptr().cast(), msg.len());
                    signal_hook::low_level::exit(exit::INTERRUPTED);
                }
            })
        };
        match id {
            Ok(id) => ids.push(id),
            Err(e) => output.err(&format!("warning: cannot watch for Ctrl-C: {e}\n")),
        }
    }
    // The message and the wake-up, once the runtime gets to them.
    let streams = [SignalKind::interrupt(), SignalKind::terminate()].map(signal);
    let task = tokio::spawn(async move {
        let [Ok(mut int), Ok(mut term)] = streams else {
            return;
        };
        loop {
            tokio::select! {
                Some(()) = int.recv() => {}
                Some(()) = term.recv() => {}
                else => return,
            }
            on_signal(1, &interrupt, &output);
        }
    });
    SignalWatch { ids, task }
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
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
        self.task.abort();
    }
}
