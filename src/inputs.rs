//! Input values: from `--input`, `--input-file` (YAML or .env), the variable named by `env`,
//! then `default`, highest first. Secret inputs are registered for redaction as they resolve.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::Value;

use crate::diagnostic::Diagnostic;
use crate::model::Workflow;
use crate::secrets::Redactor;
use crate::source::Loc;

/// Values given on the command line and in input files, before matching them to a workflow.
#[derive(Default, Debug)]
pub struct InputSources {
    pub given: BTreeMap<String, GivenInput>,
    /// The names given with `--input`, checked against what the workflows declare.
    pub from_args: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct GivenInput {
    pub value: serde_json::Value,
    /// Marked secret in its input file (`{ value: …, secret: true }`).
    pub secret: bool,
}

impl InputSources {
    /// Adds an input file: later files override earlier ones, `--input` overrides all.
    pub fn add_file(&mut self, path: &Path) -> Result<(), String> {
        let text =
            crate::source::read_text(path, crate::source::MAX_DATA_BYTES).map_err(|(e, pos)| {
                match pos {
                    Some(p) => format!(
                        "input file `{}`:{}:{}: {e}",
                        path.display(),
                        p.line,
                        p.column
                    ),
                    None => format!("input file: {e}"),
                }
            })?;
        let is_dotenv = path.extension().is_some_and(|e| e == "env")
            || path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".env"));
        if is_dotenv {
            for (k, v) in parse_dotenv(&text).map_err(|e| format!("{}: {e}", path.display()))? {
                self.given.insert(
                    k,
                    GivenInput {
                        value: serde_json::Value::String(v),
                        secret: false,
                    },
                );
            }
            return Ok(());
        }
        let doc: serde_json::Value = serde_yaml::from_str(&text)
            .map_err(|e| format!("input file `{}` is not valid YAML: {e}", path.display()))?;
        let serde_json::Value::Object(map) = doc else {
            return Err(format!(
                "input file `{}` must be a mapping of input names to values",
                path.display()
            ));
        };
        for (k, v) in map {
            let (value, secret) = match v {
                serde_json::Value::Object(ref m)
                    if m.contains_key("value")
                        && m.keys().all(|k| k == "value" || k == "secret") =>
                {
                    (
                        m["value"].clone(),
                        m.get("secret").and_then(|s| s.as_bool()).unwrap_or(false),
                    )
                }
                other => (other, false),
            };
            self.given.insert(k, GivenInput { value, secret });
        }
        Ok(())
    }

    /// Adds `--input NAME=VALUE`.
    pub fn add_arg(&mut self, arg: &str) -> Result<(), String> {
        let (k, v) = arg
            .split_once('=')
            .ok_or_else(|| format!("`--input {arg}`: expected NAME=VALUE"))?;
        if k.trim().is_empty() {
            return Err(format!("`--input {arg}`: the name is empty"));
        }
        let secret = self.given.get(k.trim()).is_some_and(|g| g.secret);
        self.from_args.push(k.trim().to_owned());
        self.given.insert(
            k.trim().to_owned(),
            GivenInput {
                value: serde_json::Value::String(v.to_owned()),
                secret,
            },
        );
        Ok(())
    }
}

/// Parses a .env file: `KEY=value`, optional `export`, `#` comments, single or double quotes.
pub fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected KEY=VALUE", n + 1))?;
        let v = v.trim();
        let v = if (v.starts_with('"') && v.ends_with('"')
            || v.starts_with('\'') && v.ends_with('\''))
            && v.len() >= 2
        {
            v[1..v.len() - 1].to_owned()
        } else {
            v.split(" #").next().unwrap_or("").trim().to_owned()
        };
        out.push((k.trim().to_owned(), v));
    }
    Ok(out)
}

fn secret_text(v: &serde_json::Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

/// Warnings for `--input` names that no workflow of the run declares: an optional input with a
/// mistyped name would otherwise be silently ignored.
pub fn undeclared_args(
    workflows: &[std::sync::Arc<Workflow>],
    sources: &InputSources,
) -> Vec<String> {
    let declared: Vec<&str> = workflows
        .iter()
        .flat_map(|w| w.inputs.iter().map(|i| i.name.as_str()))
        .collect();
    let mut out = Vec::new();
    for name in &sources.from_args {
        if declared.contains(&name.as_str()) || out.iter().any(|(n, _)| n == name) {
            continue;
        }
        let hint = match crate::suggest::did_you_mean(name, declared.iter().copied()) {
            Some(near) => format!(" — did you mean `{near}`? (a typo?)"),
            None if declared.is_empty() => " (the workflows take no inputs)".to_owned(),
            None => format!(" (inputs: {})", declared.join(", ")),
        };
        out.push((
            name.clone(),
            format!("`--input {name}` is not an input of any workflow being run{hint}"),
        ));
    }
    out.into_iter().map(|(_, m)| m).collect()
}

/// The inputs of a top-level workflow; every missing required input is reported.
pub fn resolve(
    wf: &Workflow,
    sources: &InputSources,
    secrets: &Redactor,
) -> Result<BTreeMap<String, Value>, Vec<Diagnostic>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for input in &wf.inputs {
        let value = sources
            .given
            .get(&input.name)
            .map(|g| (g.value.clone(), g.secret))
            .or_else(|| {
                input
                    .env
                    .as_ref()
                    .and_then(|e| crate::environment::var(e))
                    .map(|v| (serde_json::Value::String(v), false))
            })
            .or_else(|| input.default.clone().map(|d| (d, false)));
        match value {
            Some((v, marked_secret)) => {
                if input.secret || marked_secret {
                    secrets.add(&secret_text(&v));
                }
                out.insert(input.name.clone(), crate::template::to_value(v));
            }
            None if input.required => {
                let mut ways = vec![
                    format!("`--input {}=…`", input.name),
                    "an `--input-file`".to_owned(),
                ];
                if let Some(env) = &input.env {
                    ways.push(format!("the environment variable `{env}`"));
                }
                let mut d =
                    Diagnostic::new(format!("the required input `{}` has no value", input.name))
                        .at(Loc::new(&wf.file, input.pos))
                        .help(format!("give it with {}", ways.join(", or ")));
                d.width = input.name.len();
                if let Some(near) = crate::suggest::did_you_mean(
                    &input.name,
                    sources.given.keys().map(String::as_str),
                ) {
                    d.label = Some(format!("an input named `{near}` was given: a typo?"));
                }
                errors.push(d);
            }
            None => {}
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The inputs of an included workflow: `with`, then its own `env` and `default`.
pub fn resolve_nested(
    wf: &Workflow,
    mut given: BTreeMap<String, Value>,
    secrets: &Redactor,
) -> Result<BTreeMap<String, Value>, String> {
    let mut out = BTreeMap::new();
    for input in &wf.inputs {
        let value = given
            .remove(&input.name)
            .or_else(|| {
                input
                    .env
                    .as_ref()
                    .and_then(|e| crate::environment::var(e))
                    .map(Value::from)
            })
            .or_else(|| input.default.as_ref().map(crate::template::to_value));
        match value {
            Some(v) => {
                if input.secret {
                    secrets.add(
                        &v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string()),
                    );
                }
                out.insert(input.name.clone(), v);
            }
            None if input.required => {
                return Err(format!(
                    "the included workflow `{}` needs input `{}`",
                    wf.file.display(),
                    input.name
                ));
            }
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_forms() {
        let parsed =
            parse_dotenv("# c\nA=1\nexport B=\"two words\"\nC='x#y'\nD=plain # note\n\n").unwrap();
        assert_eq!(
            parsed,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "x#y".into()),
                ("D".into(), "plain".into())
            ]
        );
        assert!(parse_dotenv("NOEQUALS").is_err());
    }
}
