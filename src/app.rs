//! Sequences the stages for the command line: discover → load → resolve inputs → run →
//! report. The only place that prints errors and chooses the exit code.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{Cli, Command, RunArgs, SandboxArgs};
use crate::diagnostic::Diagnostic;
use crate::inputs::InputSources;
use crate::load::{Loader, discover::discover};
use crate::model::{Action, Workflow};
use crate::report::output::Output;
use crate::report::style::Style;
use crate::report::terminal::{TerminalReporter, Verbosity};
use crate::run::outcome::{StepStatus, WorkflowOutcome};
use crate::run::{Interrupt, RunContext, run_workflow};
use crate::secrets::Redactor;

/// Exit statuses, as the format contract fixes them.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const INVALID: i32 = 2;
    pub const INTERRUPTED: i32 = 130;
}

pub fn main(cli: Cli) -> i32 {
    let secrets = Redactor::new();
    let output = Arc::new(Output::stdio(secrets.clone()));
    // One workflow file runs its steps one after another: a single-threaded runtime does that
    // with less memory. Several files at once (`--jobs`) and the sandbox use every core.
    let sequential = match &cli.command {
        Command::Run(args) => args.jobs <= 1 || (args.paths.len() == 1 && args.paths[0].is_file()),
        Command::Sandbox(_) => false,
        _ => true,
    };
    let mut builder = if sequential {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            output.err(&format!("error: cannot start the async runtime: {e}\n"));
            return exit::FAILED;
        }
    };
    match cli.command {
        Command::Validate { paths } => validate(&paths, &output),
        Command::List { paths } => list(&paths, &output),
        Command::Run(args) => runtime.block_on(run(args, output)),
        Command::Sandbox(args) => runtime.block_on(sandbox(args, output)),
        Command::Schema => {
            output.out(&format!("{}\n", crate::schema::workflow_schema_text()));
            exit::OK
        }
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "apiflow", &mut buf);
            output.out(&String::from_utf8_lossy(&buf));
            exit::OK
        }
    }
}

fn err_style() -> Style {
    use std::io::IsTerminal;
    Style::for_stream(std::io::stderr().is_terminal())
}

fn out_style() -> Style {
    use std::io::IsTerminal;
    Style::for_stream(std::io::stdout().is_terminal())
}

fn report_diagnostics(output: &Output, diagnostics: &[Diagnostic]) {
    let style = err_style();
    let text: String = diagnostics
        .iter()
        .map(|d| d.render(style, "") + "\n")
        .collect();
    output.err(&text);
    let n = diagnostics.len();
    output.err(&format!(
        "{} {n} problem{} found; nothing was sent\n",
        style.red_bold("✗"),
        if n == 1 { "" } else { "s" }
    ));
}

/// Discovers and loads every file; `Err` carries the diagnostics (exit 2).
fn load_all(paths: &[PathBuf]) -> Result<Vec<Arc<Workflow>>, Vec<Diagnostic>> {
    let (files, missing) = discover(paths);
    let mut errors: Vec<Diagnostic> = missing
        .iter()
        .map(|p| Diagnostic::new(format!("no such file or folder: `{}`", p.display())))
        .collect();
    if files.is_empty() && missing.is_empty() {
        errors.push(Diagnostic::new(
            "no workflow files (*.yaml, *.yml) found in the given paths",
        ));
    }
    let mut loader = Loader::new();
    let workflows: Vec<Arc<Workflow>> = files.iter().filter_map(|f| loader.load(f)).collect();
    errors.extend(loader.errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    // A file that another discovered file includes runs as part of it, not on its own.
    let included: HashSet<PathBuf> = workflows
        .iter()
        .flat_map(|w| {
            w.all_steps()
                .filter_map(|s| match &s.action {
                    Action::Include(i) => std::fs::canonicalize(&i.path).ok(),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let explicit: HashSet<PathBuf> = paths
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    Ok(workflows
        .into_iter()
        .filter(|w| {
            let key = std::fs::canonicalize(&w.file.path).unwrap_or_else(|_| w.file.path.clone());
            explicit.contains(&key) || !included.contains(&key)
        })
        .collect())
}

fn validate(paths: &[PathBuf], output: &Output) -> i32 {
    match load_all(paths) {
        Ok(workflows) => {
            let s = out_style();
            for w in &workflows {
                output.out(&format!(
                    "{} {}  {}\n",
                    s.green("✓"),
                    w.file.display(),
                    s.dim(&w.name)
                ));
            }
            output.out(&format!(
                "{} workflow file{} valid\n",
                workflows.len(),
                if workflows.len() == 1 { "" } else { "s" }
            ));
            exit::OK
        }
        Err(errors) => {
            report_diagnostics(output, &errors);
            exit::INVALID
        }
    }
}

fn list(paths: &[PathBuf], output: &Output) -> i32 {
    let workflows = match load_all(paths) {
        Ok(w) => w,
        Err(errors) => {
            report_diagnostics(output, &errors);
            return exit::INVALID;
        }
    };
    let s = out_style();
    let mut text = String::new();
    for w in &workflows {
        text.push_str(&format!(
            "{}  {}\n",
            s.bold(&w.name),
            s.dim(&w.file.display())
        ));
        for i in &w.inputs {
            let mut notes = Vec::new();
            if i.required {
                notes.push("required".to_owned());
            }
            if i.secret {
                notes.push("secret".to_owned());
            }
            if let Some(e) = &i.env {
                notes.push(format!("env {e}"));
            }
            if let Some(d) = &i.default {
                notes.push(format!("default {d}"));
            }
            text.push_str(&format!(
                "  input {}  {}\n",
                i.name,
                s.dim(&notes.join(", "))
            ));
        }
        for (n, step) in w.all_steps().enumerate() {
            text.push_str(&format!(
                "  {:>2}. {}  {}\n",
                n + 1,
                step.title(),
                s.dim(step.kind())
            ));
        }
        text.push('\n');
    }
    output.out(&text);
    exit::OK
}

async fn run(args: RunArgs, output: Arc<Output>) -> i32 {
    let secrets = output.secrets().clone();
    let workflows = match load_all(&args.paths) {
        Ok(w) => w,
        Err(errors) => {
            report_diagnostics(&output, &errors);
            return exit::INVALID;
        }
    };

    let workflows = match args.shard {
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
        match std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|t| crate::inputs::parse_dotenv(&t))
        {
            Ok(vars) => overlay.extend(vars),
            Err(e) => problems.push(Diagnostic::new(format!("env file `{}`: {e}", f.display()))),
        }
    }
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

    let mut resolved = Vec::with_capacity(workflows.len());
    let mut missing = Vec::new();
    for w in &workflows {
        match crate::inputs::resolve(w, &sources, &secrets) {
            Ok(inputs) => resolved.push(inputs),
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
    let terminal = TerminalReporter::new(Arc::clone(&output), out_style(), verbosity, jobs > 1);
    let mut reporters: Vec<Box<dyn crate::run::event::Reporter>> = vec![Box::new(terminal)];
    let progress = {
        use std::io::IsTerminal as _;
        (verbosity != Verbosity::Quiet && std::io::stderr().is_terminal())
            .then(|| Arc::new(crate::report::progress::Progress::new(workflows.len())))
    };
    if let Some(p) = &progress {
        output.set_progress(p.bar());
        reporters.push(Box::new(ProgressHandle(Arc::clone(p))));
    }
    if crate::report::annotations::GithubAnnotations::wanted() {
        reporters.push(Box::new(
            crate::report::annotations::GithubAnnotations::new(Arc::clone(&output)),
        ));
    }
    let ctx = Arc::new(RunContext {
        http: crate::http::HttpClient::new(),
        tokens: match args.token_cache.clone() {
            Some(dir) => crate::run::tokens::TokenStore::with_cache(dir),
            None => crate::run::tokens::TokenStore::new(),
        },
        secrets: secrets.clone(),
        reporter: Arc::new(crate::report::Fanout(reporters)),
        interrupt: Interrupt::default(),
    });
    let signals = tokio::spawn(watch_signals(ctx.interrupt.clone(), Arc::clone(&output)));

    let started = std::time::Instant::now();
    let started_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let outcomes = run_all(&ctx, &workflows, resolved, jobs, args.fail_fast).await;
    signals.abort();
    if let Some(s) = sandbox {
        s.stop().await;
    }
    if let Some(p) = &progress {
        p.bar().finish_and_clear();
    }
    let elapsed = started.elapsed();
    let not_started = workflows.len() - outcomes.len();
    let mut code = summarize(
        &output,
        &outcomes,
        not_started,
        elapsed,
        ctx.interrupt.is_set(),
    );
    for (kind, path) in &args.reports {
        let text = match kind {
            crate::cli::ReportKind::Junit => crate::report::junit::render(&outcomes, elapsed),
            crate::cli::ReportKind::Json => {
                let doc = crate::report::json::render(&outcomes, &started_at, elapsed);
                serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
            }
        };
        if let Err(e) = output.file(path, &text) {
            output.err(&format!(
                "error: cannot write the report `{}`: {e}\n",
                path.display()
            ));
            code = code.max(exit::FAILED);
        }
    }
    code
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

/// Runs the workflows, at most `jobs` at once, and returns their outcomes in input order.
async fn run_all(
    ctx: &Arc<RunContext>,
    workflows: &[Arc<Workflow>],
    inputs: Vec<BTreeMap<String, minijinja::Value>>,
    jobs: usize,
    fail_fast: bool,
) -> Vec<WorkflowOutcome> {
    let limit = Arc::new(tokio::sync::Semaphore::new(jobs));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (wf, inputs)) in workflows.iter().cloned().zip(inputs).enumerate() {
        let (ctx, limit, stop) = (Arc::clone(ctx), Arc::clone(&limit), Arc::clone(&stop));
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.ok()?;
            if stop.load(std::sync::atomic::Ordering::SeqCst) || ctx.interrupt.is_set() {
                return None;
            }
            let outcome = run_workflow(&ctx, &wf, index, inputs).await;
            if fail_fast && !outcome.passed() {
                stop.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            Some((index, outcome))
        });
    }
    let mut outcomes: Vec<(usize, WorkflowOutcome)> =
        tasks.join_all().await.into_iter().flatten().collect();
    outcomes.sort_by_key(|(i, _)| *i);
    outcomes.into_iter().map(|(_, o)| o).collect()
}

/// First Ctrl-C or SIGTERM: stop starting steps, cancel requests, run `finally`. Second: exit.
async fn watch_signals(interrupt: Interrupt, output: Arc<Output>) {
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

fn summarize(
    output: &Output,
    outcomes: &[WorkflowOutcome],
    not_started: usize,
    elapsed: std::time::Duration,
    interrupted: bool,
) -> i32 {
    let s = out_style();
    let not_started = if not_started > 0 {
        format!(" ({not_started} not started)")
    } else {
        String::new()
    };
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let failed = outcomes.len() - passed;
    let steps = |st: StepStatus| outcomes.iter().map(|o| o.count(st)).sum::<usize>();
    let line = format!(
        "{} workflow{}: {passed} passed, {failed} failed{not_started} · steps: {} passed, {} failed, {} skipped · {}\n",
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        steps(StepStatus::Passed),
        steps(StepStatus::Failed) + steps(StepStatus::Errored),
        steps(StepStatus::Skipped),
        crate::duration::human(elapsed)
    );
    let mark = if interrupted {
        s.yellow("■")
    } else if failed == 0 {
        s.green_bold("✓")
    } else {
        s.red_bold("✗")
    };
    output.out(&format!("{mark} {line}"));
    if interrupted {
        exit::INTERRUPTED
    } else if failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

async fn sandbox(args: SandboxArgs, output: Arc<Output>) -> i32 {
    let parse = || -> Result<crate::sandbox::Config, String> {
        let addr = args
            .addr
            .parse()
            .map_err(|e| format!("--addr `{}`: {e}", args.addr))?;
        let token_ttl =
            crate::duration::parse(&args.token_ttl).map_err(|e| format!("--token-ttl: {e}"))?;
        let latency = args
            .latency
            .as_deref()
            .map(crate::duration::parse)
            .transpose()
            .map_err(|e| format!("--latency: {e}"))?;
        let fail_rate = args.fail_rate.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&fail_rate) {
            return Err("--fail-rate must be from 0 to 1".into());
        }
        let rate_limit = args
            .rate_limit
            .as_deref()
            .map(crate::sandbox::parse_rate_limit)
            .transpose()?;
        if let Some(a) = &args.account_id {
            if a.len() != 32 || !a.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err("--account-id must be 32 hexadecimal characters".into());
            }
        }
        let refresh_ttl = crate::duration::parse(&args.refresh_token_ttl)
            .map_err(|e| format!("--refresh-token-ttl: {e}"))?;
        Ok(crate::sandbox::Config {
            addr,
            apikey: args.apikey.clone(),
            account_id: args.account_id.clone(),
            token_ttl,
            refresh_ttl,
            seed: args.seed,
            latency,
            fail_rate,
            fail_statuses: crate::sandbox::parse_fail_statuses(args.fail_status.as_deref())?,
            rate_limit,
            clients: crate::sandbox::parse_clients(&args.clients)?,
            identity: if args.identity == "user" {
                crate::sandbox::SeedIdentity::User
            } else {
                crate::sandbox::SeedIdentity::Service
            },
        })
    };
    let config = match parse() {
        Ok(c) => c,
        Err(e) => {
            output.err(&format!("error: {e}\n"));
            return exit::INVALID;
        }
    };
    let log_out = Arc::clone(&output);
    let log: crate::sandbox::LogSink =
        Arc::new(move |line: &str| log_out.out(&format!("{line}\n")));
    let handle = match crate::sandbox::start(config, Some(log)).await {
        Ok(h) => h,
        Err(e) => {
            output.err(&format!("error: {e}\n"));
            return match e {
                crate::sandbox::StartError::Invalid(_) => exit::INVALID,
                crate::sandbox::StartError::Bind(_) => exit::FAILED,
            };
        }
    };
    output.out(&format!(
        "apiflow sandbox listening on {}\n",
        handle.base_url
    ));
    output.out(&format!("account id: {}\n", handle.account_id));
    if handle.apikey_generated {
        // Printed once, on purpose: it is a sandbox key the user needs to call the sandbox.
        let mut text = format!("api key (generated): {}\n", handle.apikey);
        text.push_str(&format!(
            "  export IBMCLOUD_API_KEY={} IBMCLOUD_IAM_URL={} IBMCLOUD_SCC_URL={}\n",
            handle.apikey, handle.base_url, handle.base_url
        ));
        // Written past the redactor: this is the one place a sandbox key is meant to be shown.
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(text.as_bytes());
        let _ = std::io::stdout().flush();
    } else {
        output.out("api key: the one given with --apikey (not shown)\n");
    }
    output.secrets().add(&handle.apikey);
    let _ = tokio::signal::ctrl_c().await;
    output.out("stopping\n");
    handle.stop().await;
    exit::OK
}

/// Shares the progress line between the reporters and the end of the run, which clears it.
struct ProgressHandle(Arc<crate::report::progress::Progress>);

impl crate::run::event::Reporter for ProgressHandle {
    fn on_event(&self, event: &crate::run::event::Event<'_>) {
        self.0.on_event(event);
    }
}
