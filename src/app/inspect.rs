//! `validate` and `list`: every static check, nothing sent.

use std::path::PathBuf;

use super::{exit, load_all, out_style, report_diagnostics};
use crate::cli::Select;
use crate::report::output::Output;

pub(super) fn validate(paths: &[PathBuf], select: &Select, output: &Output) -> i32 {
    match load_all(paths, select, output) {
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

pub(super) fn list(paths: &[PathBuf], select: &Select, output: &Output) -> i32 {
    let workflows = match load_all(paths, select, output) {
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
            match &i.default {
                // A secret's default is as secret as any value it may take.
                Some(_) if i.secret => notes.push(format!("default {}", crate::secrets::MASK)),
                Some(d) => notes.push(format!("default {d}")),
                None => {}
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
