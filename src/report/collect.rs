//! Gathers the streamed records into one `RunRecord` for the report files (JSON, JUnit, HTML),
//! which are written once the run has finished. Only created when a report file is asked for.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::record::{RunRecord, StepRecord};
use crate::run::event::{Event, Reporter};

#[derive(Default)]
pub struct Collector {
    steps: Mutex<BTreeMap<usize, Vec<StepRecord>>>,
    run: Mutex<Option<RunRecord>>,
}

impl Collector {
    pub fn new() -> Self {
        Self::default()
    }

    /// The whole run, once `RunFinished` was seen.
    pub fn take(&self) -> Option<RunRecord> {
        self.run.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

impl Reporter for Collector {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::RunFinished { run } = event {
            let mut run = (*run).clone();
            let mut steps = self.steps.lock().unwrap_or_else(|e| e.into_inner());
            for w in &mut run.workflows {
                w.steps = steps.remove(&w.index).unwrap_or_default();
            }
            *self.run.lock().unwrap_or_else(|e| e.into_inner()) = Some(run);
        }
    }

    /// Each step's record is taken whole once every reporter saw it (see `Reporter`).
    fn keep_step(&self, workflow: usize, step: StepRecord) -> Option<StepRecord> {
        let mut steps = self.steps.lock().unwrap_or_else(|e| e.into_inner());
        steps.entry(workflow).or_default().push(step);
        None
    }
}
