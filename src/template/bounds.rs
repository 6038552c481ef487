//! Bounds on rendering: the time left to the step or workflow, Ctrl-C, work (fuel) and size.
//!
//! Rendering is synchronous. A `tokio::time::timeout` around a step cannot stop a template
//! stuck in a loop, and on the single-threaded runtime nothing else runs meanwhile, so the
//! limits travel with the task (a task-local) and are checked from inside the render: before
//! it starts, and as apiflow's own `range()` iterates (the loops a template can write). The
//! rest is bounded by minijinja's fuel, which charges every instruction and every byte built,
//! and by the size of the rendered value.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use minijinja::{Error, ErrorKind, Value};

/// The largest value a template may render: 64 MiB.
pub const MAX_RENDERED: usize = 64 * 1024 * 1024;

/// minijinja fuel per render: one fuel per instruction, one per 64 bytes built. Four million
/// pays for a 64 MiB value built by doubling and written out, and stops a runaway loop after
/// about a million iterations.
pub const FUEL: u64 = 4_000_000;

/// A `range()` larger than this is refused (minijinja's own limit).
const MAX_RANGE: usize = 100_000;

/// The limits a render runs under, inherited by everything the task renders.
#[derive(Clone, Default)]
pub struct Bounds {
    deadline: Option<(Instant, Arc<str>)>,
    stop: Option<Arc<AtomicBool>>,
}

/// Why a render was stopped before it finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The deadline named (`the step's \`timeout\` of 2s`) passed.
    Deadline(Arc<str>),
    /// Ctrl-C or SIGTERM.
    Interrupted,
}

impl Stop {
    pub fn message(&self) -> String {
        match self {
            Stop::Deadline(what) => format!("stopped: {what} passed"),
            Stop::Interrupted => "stopped: interrupted (Ctrl-C or SIGTERM)".into(),
        }
    }
}

tokio::task_local! {
    static BOUNDS: Bounds;
}

thread_local! {
    /// Set when a `range()` iteration ended early; read when the render returns.
    static STOPPED: RefCell<Option<Stop>> = const { RefCell::new(None) };
}

/// The bounds of the running task (none outside a bounded scope).
pub fn current() -> Bounds {
    BOUNDS.try_with(Bounds::clone).unwrap_or_default()
}

impl Bounds {
    /// These bounds with a deadline `what` at `at`; the earlier deadline wins.
    pub fn deadline(mut self, at: Instant, what: &str) -> Self {
        if self.deadline.as_ref().is_none_or(|(t, _)| at < *t) {
            self.deadline = Some((at, Arc::from(what)));
        }
        self
    }

    /// These bounds, stopped by `flag` (`None`: not by an interrupt, as in `finally`).
    pub fn interrupted_by(mut self, flag: Option<Arc<AtomicBool>>) -> Self {
        self.stop = flag;
        self
    }

    /// Runs `fut` under these bounds.
    pub async fn scope<F: std::future::Future>(self, fut: F) -> F::Output {
        BOUNDS.scope(self, fut).await
    }

    /// Runs `f` under these bounds.
    pub fn sync_scope<R>(self, f: impl FnOnce() -> R) -> R {
        BOUNDS.sync_scope(self, f)
    }

    /// Whether rendering may go on.
    pub fn check(&self) -> Result<(), Stop> {
        if self
            .stop
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
        {
            return Err(Stop::Interrupted);
        }
        match &self.deadline {
            Some((at, what)) if Instant::now() >= *at => Err(Stop::Deadline(Arc::clone(what))),
            _ => Ok(()),
        }
    }
}

/// Clears a stop left by an earlier render on this thread.
pub(super) fn reset() {
    STOPPED.with(|s| s.borrow_mut().take());
}

/// The reason the last render on this thread was stopped, if it was.
pub(super) fn take_stop() -> Option<Stop> {
    STOPPED.with(|s| s.borrow_mut().take())
}

fn note_stop(stop: Stop) {
    STOPPED.with(|s| *s.borrow_mut() = Some(stop));
}

/// `range()` as minijinja has it, but each iteration checks the bounds: a loop nested three
/// deep stops within one iteration of the deadline or of Ctrl-C.
pub fn range(lower: i64, upper: Option<i64>, step: Option<i64>) -> Result<Value, Error> {
    let bounds = current();
    if let Err(stop) = bounds.check() {
        note_stop(stop.clone());
        return Err(Error::new(ErrorKind::InvalidOperation, stop.message()));
    }
    let (start, end) = match upper {
        Some(upper) => (lower, upper),
        None => (0, lower),
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "cannot create range with step of 0",
        ));
    }
    let span = if step > 0 {
        end.saturating_sub(start)
    } else {
        start.saturating_sub(end)
    };
    let len = if span <= 0 {
        0
    } else {
        (span as u64).div_ceil(step.unsigned_abs())
    };
    if len > MAX_RANGE as u64 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("range has too many elements (at most {MAX_RANGE})"),
        ));
    }
    Ok(Value::make_iterable(move || Checked {
        bounds: bounds.clone(),
        next: start,
        left: len,
        step,
        done: false,
    }))
}

/// The iterator of a `range()`: ends early, noting why, once the bounds say stop.
struct Checked {
    bounds: Bounds,
    next: i64,
    left: u64,
    step: i64,
    done: bool,
}

impl Iterator for Checked {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        if self.done || self.left == 0 {
            return None;
        }
        if let Err(stop) = self.bounds.check() {
            note_stop(stop);
            self.done = true;
            return None;
        }
        let v = self.next;
        self.next = self.next.wrapping_add(self.step);
        self.left -= 1;
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.left as usize;
        (n, Some(n))
    }
}

/// The size of a rendered value, counted as far as the limit: its strings and bytes, through
/// lists. (Everything built along the way was paid for in fuel.)
pub fn oversized(value: &Value) -> bool {
    size_of(value, 8) > MAX_RENDERED
}

fn size_of(value: &Value, depth: usize) -> usize {
    if let Some(s) = value.as_str() {
        return s.len();
    }
    if let Some(b) = value.as_bytes() {
        return b.len();
    }
    if depth == 0 {
        return 0;
    }
    match value
        .as_object()
        .and_then(|o| o.downcast_ref::<Vec<Value>>())
    {
        Some(items) => {
            let mut total = 0usize;
            for item in items {
                total = total.saturating_add(size_of(item, depth - 1));
                if total > MAX_RENDERED {
                    break;
                }
            }
            total
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn items(v: &Value) -> Vec<i64> {
        v.try_iter().unwrap().map(|x| x.as_i64().unwrap()).collect()
    }

    #[test]
    fn range_keeps_minijinja_semantics() {
        assert_eq!(items(&range(3, None, None).unwrap()), [0, 1, 2]);
        assert_eq!(items(&range(2, Some(8), Some(3)).unwrap()), [2, 5]);
        assert_eq!(items(&range(5, Some(0), Some(-2)).unwrap()), [5, 3, 1]);
        assert!(items(&range(5, Some(1), None).unwrap()).is_empty());
        assert!(range(0, Some(1), Some(0)).is_err());
        assert!(range(200_000, None, None).is_err());
        assert!(range(100_000, None, None).is_ok());
    }

    #[test]
    fn a_passed_deadline_ends_iteration_and_says_why() {
        let bounds = Bounds::default().deadline(Instant::now(), "the step's `timeout` of 1ms");
        reset();
        let err = bounds
            .clone()
            .sync_scope(|| range(10, None, None))
            .unwrap_err();
        assert!(err.to_string().contains("timeout"), "{err}");
        assert!(matches!(take_stop(), Some(Stop::Deadline(_))));
        // A range made in time stops as soon as the deadline passes.
        let later = Bounds::default().deadline(Instant::now() + Duration::from_millis(50), "x");
        let v = later.sync_scope(|| range(100_000, None, None)).unwrap();
        let mut n = 0;
        for _ in v.try_iter().unwrap() {
            n += 1;
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(n < 1000, "iterated {n} times");
        assert!(take_stop().is_some());
    }

    #[test]
    fn the_earlier_deadline_wins_and_the_flag_stops() {
        let now = Instant::now();
        let b = Bounds::default()
            .deadline(now + Duration::from_secs(60), "late")
            .deadline(now, "early")
            .deadline(now + Duration::from_secs(30), "later");
        assert_eq!(b.check(), Err(Stop::Deadline(Arc::from("early"))));
        let flag = Arc::new(AtomicBool::new(true));
        let b = Bounds::default().interrupted_by(Some(flag));
        assert_eq!(b.check(), Err(Stop::Interrupted));
        assert_eq!(b.interrupted_by(None).check(), Ok(()));
    }

    #[test]
    fn sizes_count_strings_through_lists() {
        let big = Value::from("x".repeat(MAX_RENDERED / 2 + 1));
        assert!(!oversized(&big));
        assert!(oversized(&Value::from(vec![big.clone(), big])));
    }
}
