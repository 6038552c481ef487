use super::*;
use crate::secrets::Redactor;

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn print(verbosity: Verbosity, run: &crate::record::RunRecord) -> String {
    let buffer = Buffer::default();
    let output = Arc::new(Output::new(
        Redactor::new(),
        Box::new(buffer.clone()),
        Box::new(std::io::sink()),
    ));
    let reporter = TerminalReporter::new(output, Style::plain(), verbosity, false);
    for w in &run.workflows {
        reporter.on_event(&Event::WorkflowStarted {
            index: w.index,
            path: &w.path,
            name: &w.name,
        });
        for step in &w.steps {
            reporter.on_event(&Event::StepFinished {
                workflow: w.index,
                step,
            });
        }
        reporter.on_event(&Event::WorkflowFinished { workflow: w });
    }
    let bytes = buffer.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_hostile_record_prints_without_panicking() {
    let run = crate::record::hostile_record();
    for v in [Verbosity::Quiet, Verbosity::Normal, Verbosity::Verbose] {
        let out = print(v, &run);
        assert_eq!(out.matches("✗ status").count(), 3, "{v:?}: {out}");
        assert!(out.contains("FAILED"), "{out}");
    }
}

#[test]
fn the_more_marker_counts_what_it_left_out() {
    assert_eq!(more_text(0, 0, 0), None);
    assert_eq!(
        more_text(3, 120, 0).unwrap(),
        "... 120 more bytes (3 more lines, -v shows them)"
    );
    assert_eq!(
        more_text(0, 0, 10).unwrap(),
        "... 10 more bytes (not kept: reports keep 64 KiB of a body)"
    );
}
