//! A live progress line on a terminal (indicatif): how many workflows are done and what runs
//! now. Drawn on standard error, only on a terminal and never with `--quiet`; the terminal
//! reporter's lines are printed above it (see `Output`).

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::event::{Event, Reporter};

pub struct Progress {
    bar: ProgressBar,
    running: Mutex<Vec<(usize, String)>>,
}

impl Progress {
    pub fn new(workflows: usize) -> Self {
        let bar = ProgressBar::with_draw_target(
            Some(workflows as u64),
            ProgressDrawTarget::stderr_with_hz(10),
        );
        let style =
            ProgressStyle::with_template("{spinner} [{pos}/{len} workflows] {elapsed} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Self {
            bar,
            running: Mutex::new(Vec::new()),
        }
    }

    pub fn bar(&self) -> ProgressBar {
        self.bar.clone()
    }

    fn show(&self, running: &[(usize, String)]) {
        let msg: Vec<&str> = running.iter().map(|(_, s)| s.as_str()).collect();
        self.bar.set_message(msg.join(" · "));
    }
}

impl Reporter for Progress {
    fn on_event(&self, event: &Event<'_>) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::WorkflowStarted { index, name, .. } => {
                running.push((*index, (*name).to_owned()))
            }
            Event::StepFinished { workflow, step } => {
                if let Some(entry) = running.iter_mut().find(|(i, _)| i == workflow) {
                    let name = entry.1.split(" › ").next().unwrap_or_default().to_owned();
                    entry.1 = format!("{name} › {}", step.title);
                }
            }
            Event::WorkflowFinished { workflow } => {
                running.retain(|(i, _)| *i != workflow.index);
                self.bar.inc(1);
            }
            Event::RunStarted { .. } | Event::RunFinished { .. } => {}
        }
        self.show(&running);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
