//! Sequences the stages for the command line: discover → load → resolve inputs → run →
//! report. The only place that prints errors and chooses the exit code.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

mod curl;
mod init;
mod inspect;
mod run;
mod sandbox;
mod signals;

pub use run::shard_of;

use crate::cli::{Cli, Command, Select};
use crate::diagnostic::Diagnostic;
use crate::load::Loader;
use crate::load::discover::{Discovered, Excludes, discover_with};
use crate::model::{Action, Workflow};
use crate::report::output::Output;
use crate::report::style::Style;
use crate::secrets::Redactor;

/// Exit statuses, as the format contract fixes them.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const INVALID: i32 = 2;
    pub const INTERRUPTED: i32 = 130;
}

/// The stack of the runtime's worker threads (`--jobs`): includes and nested steps recurse
/// (bounded by the loader's depth limits), which the default 2 MiB does not hold at the
/// deepest chains allowed. Untouched pages cost no memory. A one-file run stays on the main
/// thread, whose include chains grow their stack on demand (`run/include.rs`).
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

pub fn main(cli: Cli) -> i32 {
    let secrets = Redactor::new();
    crate::load::register_secrets_with(secrets.clone());
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
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.thread_stack_size(STACK_BYTES);
        b
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            output.err(&format!("error: cannot start the async runtime: {e}\n"));
            return exit::FAILED;
        }
    };
    match cli.command {
        Command::Validate { paths, select } => inspect::validate(&paths, &select, &output),
        Command::List { paths, select } => inspect::list(&paths, &select, &output),
        Command::Run(args) => runtime.block_on(run::run(args, output)),
        Command::Sandbox(args) => runtime.block_on(sandbox::sandbox(args, output)),
        Command::Schema { report: false } => {
            output.out(&format!("{}\n", crate::schema::workflow_schema_text()));
            exit::OK
        }
        Command::Schema { report: true } => {
            output.out(&crate::report::json::schema());
            exit::OK
        }
        Command::Import(crate::cli::ImportCommand::Curl(args)) => curl::import(args, &output),
        Command::Export(crate::cli::ExportCommand::Curl(args)) => curl::export(args, &output),
        Command::Init { dir } => init::init(dir, &output),
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "apiflow", &mut buf);
            output.out(&String::from_utf8_lossy(&buf));
            exit::OK
        }
    }
}

pub(crate) fn err_style() -> Style {
    use std::io::IsTerminal;
    Style::for_stream(std::io::stderr().is_terminal())
}

pub(crate) fn out_style() -> Style {
    use std::io::IsTerminal;
    Style::for_stream(std::io::stdout().is_terminal())
}

pub(crate) fn report_diagnostics(output: &Output, diagnostics: &[Diagnostic]) {
    let style = err_style();
    let text: String = diagnostics
        .iter()
        .map(|d| d.render(style, "") + "\n")
        .collect();
    output.err(&text);
    if crate::report::annotations::GithubAnnotations::wanted() {
        crate::report::annotations::GithubAnnotations::diagnostics(output, diagnostics);
    }
    let n = diagnostics.len();
    output.err(&format!(
        "{} {n} problem{} found; nothing was sent\n",
        style.red_bold("✗"),
        if n == 1 { "" } else { "s" }
    ));
}

/// Discovers and loads every file; `Err` carries the diagnostics (exit 2). With `select.verbose`
/// the files left out of a folder are listed on stderr.
pub(crate) fn load_all(
    paths: &[PathBuf],
    select: &Select,
    output: &Output,
) -> Result<Vec<Arc<Workflow>>, Vec<Diagnostic>> {
    let excludes = Excludes::new(&select.exclude).map_err(|e| vec![Diagnostic::new(e)])?;
    let Discovered {
        files,
        missing,
        skipped,
    } = discover_with(paths, &excludes);
    if select.verbose && !skipped.is_empty() {
        let s = err_style();
        let text: String = skipped
            .iter()
            .map(|(p, why)| format!("{} skipped {}: {why}\n", s.dim("·"), p.display()))
            .collect();
        output.err(&text);
    }
    let mut errors: Vec<Diagnostic> = missing
        .iter()
        .map(|p| Diagnostic::new(format!("no such file or folder: `{}`", p.display())))
        .collect();
    if files.is_empty() && missing.is_empty() {
        errors.push(Diagnostic::new(
            "no workflow files (*.yaml, *.yml with a top-level `version` key) found in the given paths",
        ));
    }
    let mut loader = Loader::new();
    let workflows: Vec<Arc<Workflow>> = files.iter().filter_map(|f| loader.load(f)).collect();
    if !loader.warnings.is_empty() {
        let style = err_style();
        let text: String = loader
            .warnings
            .iter()
            .map(|d| d.render_warning(style) + "\n")
            .collect();
        output.err(&text);
    }
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
