//! `defaults.request` may use names that steps capture: rendered per step, in its scope.
//! Plus the load-time hints that name the step and field.

mod support;

use support::{Dir, TestServer, run};

#[test]
fn defaults_use_a_captured_token_on_every_later_step() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "login.yaml",
        &format!(
            r#"version: 1
name: login
defaults:
  request:
    auth: {{ bearer: "{{{{ token }}}}" }}
    headers: {{ X-Login-Status: "{{{{ steps.login.response.status }}}}" }}
steps:
  - id: login
    request: {{ url: "{url}/json", auth: none, headers: {{ X-Login-Status: "-" }} }}
    capture:
      token: $.token
  - id: first
    request: {{ url: "{url}/echo/first" }}
  - id: second
    request: {{ url: "{url}/echo/second" }}
"#,
            url = server.url
        ),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let log = server.log();
    let echoed: Vec<_> = log
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/echo/"))
        .collect();
    assert_eq!(echoed.len(), 2);
    for e in echoed {
        assert_eq!(e["headers"]["authorization"], "Bearer tok-9f8e7d6c5b4a");
        assert_eq!(e["headers"]["x-login-status"], "200");
    }
}

#[test]
fn a_step_that_runs_before_the_name_exists_fails_naming_itself_and_the_field() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "early.yaml",
        &format!(
            r#"version: 1
name: early
defaults:
  request:
    auth: {{ bearer: "{{{{ token }}}}" }}
steps:
  - name: fetch too early
    request: {{ url: "{url}/echo/early" }}
  - id: login
    request: {{ url: "{url}/json", auth: none }}
    capture: {{ token: $.token }}
"#,
            url = server.url
        ),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    let all = format!("{out}{err}");
    assert!(
        all.contains("step \"fetch too early\", `defaults.request.auth`"),
        "{all}"
    );
    assert!(all.contains("`token` is not defined"), "{all}");
    assert!(!all.contains("this step"), "{all}");
    assert_eq!(server.requests(), 0, "nothing was sent");
}

#[test]
fn load_time_names_in_defaults_must_exist_somewhere() {
    let dir = Dir::new();
    let file = dir.write(
        "typo.yaml",
        r#"version: 1
name: typo
defaults:
  request:
    auth: { bearer: "{{ tokn }}" }
steps:
  - id: login
    request: { url: "http://127.0.0.1:9/json", auth: none }
    capture: { token: $.token }
"#,
    );
    let (code, _, err) = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "`defaults`, `bearer`: `tokn` is not defined: no step of the file captures or sets it"
        ),
        "{err}"
    );
    assert!(err.contains("did you mean `token`?"), "{err}");
    assert!(err.contains(&format!("{}:5:21", file.display())), "{err}");
}

#[test]
fn hints_say_what_to_write_instead() {
    let dir = Dir::new();
    // Step id and field in an undefined-name error; a quoted status.
    let file = dir.write(
        "hints.yaml",
        r#"version: 1
name: hints
steps:
  - id: fetch
    request: { url: "http://127.0.0.1:9/{{ acount }}" }
    expect:
      status: "200"
"#,
    );
    let (code, _, err) = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("step `fetch`, `url`: `acount` is not defined"),
        "{err}"
    );
    assert!(err.contains("`status: \"200\"` is a string"), "{err}");
    assert!(
        err.contains("write it without quotes: `status: 200`"),
        "{err}"
    );

    // An unquoted template is a YAML error with a hint to quote it.
    let file = dir.write(
        "unquoted.yaml",
        "version: 1\nname: u\nsteps:\n  - request:\n      url: {{ base }}/items\n",
    );
    let (code, _, err) = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("must be quoted"), "{err}");

    // Warnings: a bare-number duration and `.length` in a JSONPath; the file stays valid.
    let file = dir.write(
        "warn.yaml",
        r#"version: 1
name: w
steps:
  - request: { url: "http://127.0.0.1:9/x", timeout: 5 }
    expect:
      json:
        $.items.length: 3
"#,
    );
    let (code, out, err) = run(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("warning: `timeout`: `5` without a unit is 5 milliseconds"),
        "{err}"
    );
    assert!(err.contains("write `5s` for seconds"), "{err}");
    assert!(
        err.contains("`$.items.length` selects a member named `length`"),
        "{err}"
    );
    assert!(err.contains("`$.items: { length: N }`"), "{err}");
}

#[test]
fn a_mistyped_optional_input_is_warned_about() {
    let server = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "inputs.yaml",
        &format!(
            "version: 1\nname: i\ninputs:\n  region: {{ default: us-south }}\nsteps:\n  - request: {{ url: \"{}/echo/{{{{ inputs.region }}}}\" }}\n",
            server.url
        ),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap(), "--input", "regoin=eu-de"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("`--input regoin` is not an input of any workflow being run"),
        "{err}"
    );
    assert!(err.contains("did you mean `region`? (a typo?)"), "{err}");
    assert_eq!(server.log()[0]["path"], "/echo/us-south");
}
