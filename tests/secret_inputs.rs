//! The value of a `secret: true` input taken from the environment is a secret from the moment
//! the file is loaded: a load error (in `run`, `validate` or `list`) never shows it, in any
//! output, while a plain input's value is shown as usual.

mod support;

use support::{Dir, apiflow};

const SECRET: &str = "S3cr3t-Load-Value-7781";
const PLAIN: &str = "Plain-Load-Value-4413";

/// A workflow whose secret input comes from the environment, and a file it includes with an
/// unknown key that is the environment value itself: the error names it and quotes its line.
fn files(dir: &Dir) -> String {
    dir.write(
        "broken.yaml",
        &format!(
            "version: 1\nname: broken\nsteps:\n  - request: {{ url: \"http://127.0.0.1:9/\", \
             {SECRET}: 1, {PLAIN}: 2 }}\n"
        ),
    );
    dir.write(
        "main.yaml",
        "version: 1\nname: main\ninputs:\n  apikey: { env: T_SECRET_INPUT, secret: true }\n  \
         region: { env: T_PLAIN_INPUT }\nsteps:\n  - include: broken.yaml\n",
    )
    .to_string_lossy()
    .into_owned()
}

fn output(args: &[&str], github: bool) -> (i32, String) {
    let mut cmd = apiflow();
    cmd.args(args)
        .env("T_SECRET_INPUT", SECRET)
        .env("T_PLAIN_INPUT", PLAIN);
    if github {
        cmd.env("GITHUB_ACTIONS", "true");
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn a_load_error_never_shows_a_secret_inputs_env_value() {
    let dir = Dir::new();
    let main = files(&dir);
    for command in ["run", "validate", "list"] {
        for github in [false, true] {
            let (code, text) = output(&[command, &main], github);
            assert_eq!(code, 2, "`{command}` exits 2 on a load error: {text}");
            assert!(
                text.contains("broken.yaml"),
                "`{command}`: the error is reported: {text}"
            );
            assert!(
                !text.contains(SECRET) && !text.contains("S3cr3t"),
                "`{command}` (GITHUB_ACTIONS={github}) shows the secret: {text}"
            );
            assert!(
                text.contains(support_mask()),
                "`{command}`: the secret is masked where it was: {text}"
            );
        }
    }
}

#[test]
fn a_plain_inputs_value_is_not_treated_as_secret() {
    let dir = Dir::new();
    dir.write(
        "broken.yaml",
        &format!(
            "version: 1\nname: broken\nsteps:\n  - request: {{ url: \"http://127.0.0.1:9/\", \
             {PLAIN}: 1 }}\n"
        ),
    );
    let main = dir
        .write(
            "main.yaml",
            "version: 1\nname: main\ninputs:\n  apikey: { env: T_SECRET_INPUT, secret: true }\n  \
             region: { env: T_PLAIN_INPUT }\nsteps:\n  - include: broken.yaml\n",
        )
        .to_string_lossy()
        .into_owned();
    let (code, text) = output(&["validate", &main], false);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains(PLAIN), "a plain value is shown: {text}");
}

#[test]
fn the_environment_read_as_an_include_shows_no_secret() {
    let dir = Dir::new();
    let main = dir
        .write(
            "main.yaml",
            "version: 1\nname: main\ninputs:\n  apikey: { env: T_SECRET_INPUT, secret: true }\n\
             steps:\n  - include: /proc/self/environ\n",
        )
        .to_string_lossy()
        .into_owned();
    for command in ["run", "validate"] {
        let (code, text) = output(&[command, &main], false);
        assert_eq!(code, 2, "{text}");
        assert!(
            !text.contains(SECRET),
            "`{command}` shows the secret: {text}"
        );
    }
}

fn support_mask() -> &'static str {
    "••••••"
}
