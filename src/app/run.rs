//! `apiflow run`: load, resolve inputs, start the sandbox if asked, run the files (at most
//! `--jobs` at once) with every reporter on the event stream, write the report files, and
//! choose the exit code from the run record.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{err_style, exit, load_all, out_style, report_diagnostics, signals::watch_signals};
use crate::cli::{ReportKind, RunArgs};
use crate::diagnostic::Diagnostic;
use crate::inputs::InputSources;
use crate::model::Workflow;
use crate::record::{RECORD_VERSION, RunRecord, Totals, WorkflowRecord, WorkflowStatus};
use crate::report::collect::Collector;
use crate::report::output::Output;
use crate::report::terminal::{TerminalReporter, Verbosity};
use crate::run::event::{Event, Fanout, Reporter};
use crate::run::{DEFAULT_MAX_BODY, Interrupt, RunContext, run_workflow};
use crate::secrets::Redactor;

pub(super) async fn run(args: RunArgs, output: Arc<Output>) -> i32 {
    let secrets = output.secrets().clone();
    let select = crate::cli::Select {
        exclude: args.exclude.clone(),
        verbose: args.verbose,
    };
    let workflows = match load_all(&args.paths, &select, &output) {
        Ok(w) => w,
        Err(errors) => {
            report_diagnostics(&output, &errors);
            return exit::INVALID;
        }
    };
    let workflows: Vec<Arc<Workflow>> = match args.shard {
        Some((k, n)) => workflows
            .into_iter()
            .filter(|w| shard_of(&w.file.path, n) == k)
            .collect(),
        None => workflows,
    };

    let mut sources = InputSources::default();
    let mut problems = Vec::new();
    for f in &args.input_files {
        if let Err(e) = sources.add_file(f) {
            problems.push(Diagnostic::new(e));
        }
    }
    for i in &args.inputs {
        if let Err(e) = sources.add_arg(i) {
            problems.push(Diagnostic::new(e));
        }
    }
    let mut overlay = BTreeMap::new();
    for f in &args.env_files {
        match crate::source::read_text(f, crate::source::MAX_DATA_BYTES)
            .map_err(|(e, _)| e)
            .and_then(|t| crate::inputs::parse_dotenv(&t))
        {
            Ok(vars) => overlay.extend(vars),
            Err(e) => problems.push(Diagnostic::new(format!("env file `{}`: {e}", f.display()))),
        }
    }
    // `--cookie-jar FILE`: read before anything runs (a missing file is an empty jar).
    let jar_file = args.cookie_jar.as_ref().and_then(|path| {
        crate::http::JarFile::load(path, &secrets)
            .map_err(|e| problems.push(Diagnostic::new(e)))
            .ok()
            .map(Arc::new)
    });
    if !problems.is_empty() {
        report_diagnostics(&output, &problems);
        return exit::INVALID;
    }

    let sandbox = if args.sandbox {
        match crate::sandbox::start(crate::sandbox::Config::default(), None).await {
            Ok(handle) => {
                secrets.add(&handle.apikey);
                overlay.extend(handle.env());
                let s = err_style();
                output.err(&format!("{} sandbox at {}\n", s.dim("·"), handle.base_url));
                Some(handle)
            }
            Err(e) => {
                output.err(&format!("error: cannot start the sandbox: {e}\n"));
                return exit::FAILED;
            }
        }
    } else {
        None
    };
    crate::environment::set_overlay(overlay);

    let typos = crate::inputs::undeclared_args(&workflows, &sources);
    if !typos.is_empty() {
        let s = err_style();
        let text: String = typos
            .iter()
            .map(|t| format!("{}: {t}\n", s.yellow("warning")))
            .collect();
        output.err(&text);
    }
    let mut resolved = Vec::with_capacity(workflows.len());
    let mut missing = Vec::new();
    for w in &workflows {
        // Each file's secrets (its secret inputs too) count against bounds of its own.
        let file_secrets = secrets.for_workflow();
        match crate::inputs::resolve(w, &sources, &file_secrets) {
            Ok(inputs) => resolved.push((inputs, file_secrets)),
            Err(e) => missing.extend(e),
        }
    }
    if !missing.is_empty() {
        report_diagnostics(&output, &missing);
        if let Some(s) = sandbox {
            s.stop().await;
        }
        return exit::INVALID;
    }

    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let jobs = args.jobs.max(1).min(workflows.len().max(1));
    let mut reporters: Vec<Box<dyn Reporter>> = vec![Box::new(TerminalReporter::new(
        Arc::clone(&output),
        out_style(),
        verbosity,
        jobs > 1,
    ))];
    let progress = {
        use std::io::IsTerminal as _;
        (verbosity != Verbosity::Quiet && std::io::stderr().is_terminal())
            .then(|| Arc::new(crate::report::progress::Progress::new(workflows.len())))
    };
    if let Some(p) = &progress {
        output.set_progress(p.bar());
        reporters.push(Box::new(Shared(Arc::clone(p))));
    }
    if crate::report::annotations::GithubAnnotations::wanted() {
        reporters.push(Box::new(
            crate::report::annotations::GithubAnnotations::new(Arc::clone(&output)),
        ));
    }
    let collector = (!args.reports.is_empty()).then(|| Arc::new(Collector::new()));
    if let Some(c) = &collector {
        reporters.push(Box::new(Shared(Arc::clone(c))));
    }
    let reporter: Arc<dyn Reporter> = Arc::new(Fanout(reporters));
    let ctx = Arc::new(RunContext {
        http: Arc::new(crate::http::HttpClient::new()),
        tokens: match args.token_cache.clone() {
            Some(dir) => crate::run::tokens::TokenStore::with_cache(dir),
            None => crate::run::tokens::TokenStore::new(),
        },
        secrets: secrets.clone(),
        reporter: Arc::clone(&reporter),
        interrupt: Interrupt::default(),
        max_body: args.max_body.unwrap_or(DEFAULT_MAX_BODY),
        full_exchanges: verbosity == Verbosity::Verbose,
        cookie_jar: args.cookie_jar.clone(),
        jar_file,
    });
    let signals = watch_signals(ctx.interrupt.clone(), Arc::clone(&output));

    let started = std::time::Instant::now();
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    reporter.on_event(&Event::RunStarted {
        workflows: workflows.len(),
    });
    let records = run_all(&ctx, &workflows, resolved, jobs, args.fail_fast).await;
    drop(signals);
    // Written after every run, failed or interrupted ones too.
    let jar_saved = match ctx.jar_file.as_ref().map(|j| j.save()) {
        Some(Err(e)) => {
            output.err(&format!("error: {e}\n"));
            false
        }
        _ => true,
    };
    if let Some(s) = sandbox {
        s.stop().await;
    }
    if let Some(p) = &progress {
        p.bar().finish_and_clear();
    }
    let run = run_record(
        records,
        workflows.len(),
        started_at,
        started.elapsed(),
        ctx.interrupt.is_set(),
    );
    reporter.on_event(&Event::RunFinished { run: &run });
    summary_line(&output, &run);
    let mut code = exit_code(&run);
    if !jar_saved {
        code = code.max(exit::FAILED);
    }
    // Past the redactor's bound every text is masked whole: a report would be a page of
    // masks (and not valid JSON or XML), so none is written, and the run fails.
    if secrets.overflowed() {
        output.err(&format!("{}\n", crate::secrets::LIMIT_MESSAGE));
        return code.max(exit::FAILED);
    }
    if let Some(run) = collector.and_then(|c| c.take()) {
        for (kind, path) in &args.reports {
            let text = match kind {
                ReportKind::Junit => crate::report::junit::render(&run),
                ReportKind::Json => crate::report::json::render(&run),
                ReportKind::Html => crate::report::html::render(&run),
            };
            if let Err(e) = output.file(path, &text) {
                output.err(&format!(
                    "error: cannot write the report `{}`: {e}\n",
                    path.display()
                ));
                code = code.max(exit::FAILED);
            }
        }
    }
    code
}

fn run_record(
    workflows: Vec<WorkflowRecord>,
    given: usize,
    started_at: String,
    elapsed: std::time::Duration,
    interrupted: bool,
) -> RunRecord {
    let mut summary = Totals {
        workflows: workflows.len(),
        ..Totals::default()
    };
    for w in &workflows {
        if w.status == WorkflowStatus::Passed {
            summary.workflows_passed += 1;
        } else {
            summary.workflows_failed += 1;
        }
        summary.steps_passed += w.counts.passed;
        summary.steps_failed += w.counts.failed;
        summary.steps_skipped += w.counts.skipped;
    }
    RunRecord {
        version: RECORD_VERSION,
        tool: format!("apiflow {}", env!("CARGO_PKG_VERSION")),
        started_at,
        duration_ms: elapsed.as_secs_f64() * 1000.0,
        interrupted,
        not_started: given - workflows.len(),
        summary,
        workflows,
    }
}

/// The contract's exit statuses, from the record alone.
fn exit_code(run: &RunRecord) -> i32 {
    if run.interrupted {
        exit::INTERRUPTED
    } else if run.summary.workflows_failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

fn summary_line(output: &Output, run: &RunRecord) {
    let s = out_style();
    let t = run.summary;
    let not_started = if run.not_started > 0 {
        format!(" ({} not started)", run.not_started)
    } else {
        String::new()
    };
    let line = format!(
        "{} workflow{}: {} passed, {} failed{not_started} · steps: {} passed, {} failed, {} skipped · {}\n",
        t.workflows,
        if t.workflows == 1 { "" } else { "s" },
        t.workflows_passed,
        t.workflows_failed,
        t.steps_passed,
        t.steps_failed,
        t.steps_skipped,
        crate::duration::human(crate::record::duration_of(run.duration_ms))
    );
    let mark = if run.interrupted {
        s.yellow("■")
    } else if t.workflows_failed == 0 {
        s.green_bold("✓")
    } else {
        s.red_bold("✗")
    };
    output.out(&format!("{mark} {line}"));
}

/// Runs the workflows, at most `jobs` at once, and returns their records in input order.
async fn run_all(
    ctx: &Arc<RunContext>,
    workflows: &[Arc<Workflow>],
    inputs: Vec<(BTreeMap<String, minijinja::Value>, Redactor)>,
    jobs: usize,
    fail_fast: bool,
) -> Vec<WorkflowRecord> {
    let limit = Arc::new(tokio::sync::Semaphore::new(jobs));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (wf, (inputs, secrets))) in workflows.iter().cloned().zip(inputs).enumerate() {
        let (ctx, limit, stop) = (Arc::clone(ctx), Arc::clone(&limit), Arc::clone(&stop));
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.ok()?;
            if stop.load(std::sync::atomic::Ordering::SeqCst) || ctx.interrupt.is_set() {
                return None;
            }
            let record = run_workflow(&ctx, secrets, &wf, index, inputs).await;
            if fail_fast && record.status != WorkflowStatus::Passed {
                stop.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            Some(record)
        });
    }
    let mut records: Vec<WorkflowRecord> = tasks.join_all().await.into_iter().flatten().collect();
    records.sort_by_key(|r| r.index);
    records
}

/// Lets a reporter be shared with the end of the run (the progress line, the collector).
struct Shared<R>(Arc<R>);

impl<R: Reporter> Reporter for Shared<R> {
    fn on_event(&self, event: &Event<'_>) {
        self.0.on_event(event);
    }

    fn wants_passed_steps(&self) -> bool {
        self.0.wants_passed_steps()
    }

    fn keep_step(
        &self,
        workflow: usize,
        step: crate::record::StepRecord,
    ) -> Option<crate::record::StepRecord> {
        self.0.keep_step(workflow, step)
    }
}

/// The shard (1-based) a file belongs to: a hash of its path, so adding a file moves no other.
pub fn shard_of(path: &std::path::Path, shards: u32) -> u32 {
    use sha2::Digest as _;
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.trim_start_matches("./");
    let digest = sha2::Sha256::digest(text.as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    (n % u64::from(shards)) as u32 + 1
}
