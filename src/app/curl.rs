//! `apiflow import curl` and `apiflow export curl`: read, convert, print; notes on stderr.

use std::collections::BTreeMap;
use std::io::Read as _;

use super::{exit, load_all, report_diagnostics};
use crate::cli::{ExportCurlArgs, ImportCurlArgs, Select};
use crate::curl::command::CurlCommand;
use crate::curl::{export as exporter, import as importer, mapping, shell};
use crate::report::output::Output;

fn note(output: &Output, text: &str) {
    output.err(&format!("note: {text}\n"));
}

fn fail(output: &Output, text: &str) -> i32 {
    output.err(&format!("error: {text}\n"));
    exit::INVALID
}

pub fn import(args: ImportCurlArgs, output: &Output) -> i32 {
    let words = if args.args.is_empty() {
        use std::io::IsTerminal as _;
        if std::io::stdin().is_terminal() {
            output.err("Paste the curl command, then press Ctrl-D:\n");
        }
        let mut text = String::new();
        let read = std::io::stdin()
            .take(shell::MAX_TEXT as u64 + 1)
            .read_to_string(&mut text);
        if let Err(e) = read {
            return fail(output, &format!("cannot read the command from stdin: {e}"));
        }
        match shell::split(&text) {
            Ok(split) => {
                if let Some(rest) = &split.ignored_pipe {
                    note(
                        output,
                        &format!("ignored `{rest}`: only the curl command is imported"),
                    );
                }
                split.words
            }
            Err(e) => return fail(output, &e.0),
        }
    } else {
        args.args
    };
    if words.is_empty() {
        return fail(
            output,
            "no curl command given (pass it after `--`, or on stdin)",
        );
    }
    let parsed = match CurlCommand::parse(&words) {
        Ok(p) => p,
        Err(e) => return fail(output, &e),
    };
    for n in &parsed.notes {
        note(output, n);
    }
    let base = std::env::current_dir().unwrap_or_default();
    let request = match mapping::from_curl(&parsed.command, &base) {
        Ok(r) => r,
        Err(e) => return fail(output, &e),
    };
    let imported = importer::import(&request, args.workflow);
    for n in &imported.notes {
        note(output, n);
    }
    output.out(&imported.yaml);
    exit::OK
}

pub fn export(args: ExportCurlArgs, output: &Output) -> i32 {
    let mut given = BTreeMap::new();
    for i in &args.inputs {
        match i.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                given.insert(k.to_owned(), v.to_owned());
            }
            _ => return fail(output, &format!("`--input {i}`: expected NAME=VALUE")),
        }
    }
    let workflows = match load_all(std::slice::from_ref(&args.path), &Select::default(), output) {
        Ok(w) => w,
        Err(diagnostics) => {
            report_diagnostics(output, &diagnostics);
            return exit::INVALID;
        }
    };
    let mut found = false;
    let mut text = String::new();
    for wf in &workflows {
        let exported = match exporter::export(wf, args.step.as_deref(), &given) {
            Ok(e) => e,
            Err(e) if workflows.len() > 1 && args.step.is_some() => {
                let _ = e;
                continue;
            }
            Err(e) => return fail(output, &e),
        };
        found = true;
        for n in &exported.notes {
            note(output, n);
        }
        text.push_str(&format!("# {} ({})\n", wf.name, wf.file.path.display()));
        if !exported.variables.is_empty() {
            text.push_str("# These commands read shell variables; set them first:\n");
            for (name, why) in &exported.variables {
                text.push_str(&format!("#   {name}: {why}\n"));
            }
        }
        if exported
            .steps
            .iter()
            .any(|s| s.command.contains(exporter::COOKIE_FILE))
        {
            text.push_str(&format!(
                "# The commands share cookies through {}, as the steps share the workflow's cookie jar.\n",
                exporter::COOKIE_FILE
            ));
        }
        for step in &exported.steps {
            text.push_str(&format!("\n# step: {}\n{}\n", step.label, step.command));
        }
        text.push('\n');
    }
    if !found {
        return fail(
            output,
            &format!(
                "no request step with id `{}`",
                args.step.as_deref().unwrap_or_default()
            ),
        );
    }
    output.out(&text);
    exit::OK
}
