//! A request printed as a shell-safe curl command, and the `"$NAME"` variables such a command
//! reads.

use super::mapping::to_curl;
use super::request::Request;
use super::shell::{has_broken_reference, quote};
use crate::model::{Action, RequestCookies, RequestSpec, Workflow};

/// The shell command for a request: `curl`, then one option per line.
pub fn command(req: &Request) -> Result<String, String> {
    command_with(req, None)
}

/// The file export's commands share cookies through, as a workflow's steps share its jar.
pub const COOKIE_FILE: &str = "apiflow-cookies.txt";

/// [`command`], with `-b FILE -c FILE` when the request uses the workflow's cookie jar.
pub fn command_with(req: &Request, jar: Option<&str>) -> Result<String, String> {
    let mut cmd = to_curl(req);
    if let Some(file) = jar {
        cmd.cookie = Some(file.to_owned());
        cmd.cookie_jar = Some(file.to_owned());
    }
    let args = cmd.to_options();
    if args.iter().any(|(flag, value)| {
        has_broken_reference(flag) || value.as_deref().is_some_and(has_broken_reference)
    }) {
        return Err(
            "a filter or slice is applied to a value known only when the workflow runs \
                    (a secret, a captured value, a provider token), so the command cannot pass \
                    it as a \"$NAME\" variable; give the value with --input, or export the step \
                    without the filter"
                .into(),
        );
    }
    let mut out = String::from("curl");
    for (flag, value) in args {
        out.push_str(" \\\n  ");
        if flag.starts_with('-') {
            out.push_str(&flag);
        } else {
            out.push_str(&quote(&flag).map_err(|e| e.0)?);
        }
        if let Some(v) = value {
            out.push(' ');
            out.push_str(&quote(&v).map_err(|e| e.0)?);
        }
    }
    Ok(out)
}

/// The `"$NAME"` references of a quoted command.
pub(super) fn references_in(command: &str) -> Vec<String> {
    command
        .split("\"$")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty() && rest[name.len()..].starts_with('"')).then_some(name)
        })
        .collect()
}

/// The cookie file a step's command reads and writes: the workflow has several requests (so
/// cookies can travel between them), its jar is on, and the request neither turns it off nor
/// sends its own `Cookie` header (which curl would send besides the file's).
pub(super) fn jar(wf: &Workflow, spec: &RequestSpec) -> Option<&'static str> {
    let requests = wf
        .all_steps()
        .filter(|s| matches!(s.action, Action::Request(_)))
        .count();
    if requests < 2 {
        return None;
    }
    let own_cookie = spec
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("cookie"));
    (wf.cookies && matches!(spec.cookies, RequestCookies::Jar(_)) && !own_cookie)
        .then_some(COOKIE_FILE)
}
