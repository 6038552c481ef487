//! The sandbox: the recipes and a conformance workflow run against it, and the long-running
//! `apiflow sandbox` command behaves as documented.

mod support;

use support::{Dir, SandboxProcess, run};

#[test]
fn every_recipe_passes_against_the_in_process_sandbox() {
    let (code, out, err) = run(&["run", "--sandbox", "workflows"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("5 workflows: 5 passed, 0 failed"), "{out}");
}

#[test]
fn the_sandbox_behaves_as_the_reference_says() {
    let (code, out, err) = run(&[
        "run",
        "--sandbox",
        "tests/workflows/sandbox-conformance.yaml",
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn the_sandbox_command_prints_its_url_logs_requests_and_stops_on_ctrl_c() {
    let sb = SandboxProcess::start(&["--seed", "7", "--token-ttl", "90s"]);
    assert!(sb.url.starts_with("http://127.0.0.1:"), "{}", sb.url);
    let key = sb.apikey.clone().expect("a generated key is printed");
    assert_eq!(key.len(), 44);
    let dir = Dir::new();
    let file = dir.write(
        "call.yaml",
        r#"version: 1
name: call
inputs:
  key: { env: IBMCLOUD_API_KEY, secret: true, required: true }
  base: { env: IBMCLOUD_IAM_URL, required: true }
steps:
  - request:
      method: POST
      url: "{{ inputs.base }}/identity/token"
      form: { grant_type: "urn:ibm:params:oauth:grant-type:apikey", apikey: "{{ inputs.key }}" }
    expect: { json: { $.expires_in: 90 } }
  - request: { url: "{{ inputs.base }}/config/v1/rules?account_id={{ inputs.key }}" }
    expect: { status: 401 }
"#,
    );
    let out = sb
        .apiflow()
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = sb.log();
    let requests: Vec<&String> = log
        .iter()
        .filter(|l| l.contains(" /identity/token ") || l.contains(" /config/v1/rules "))
        .collect();
    assert_eq!(requests.len(), 2, "{log:?}");
    assert!(
        requests[0].starts_with("POST /identity/token 200"),
        "{log:?}"
    );
    // Query strings, and so the key planted in one, are never logged.
    assert!(
        log.iter()
            .skip_while(|l| !l.starts_with("POST"))
            .all(|l| !l.contains(&key)),
        "{log:?}"
    );
    assert_eq!(sb.interrupt(), 0);

    // The same seed gives the same account; a key given with --apikey is never printed.
    let given = "my-own-sandbox-key-0123456789abcdef0123";
    let sb = SandboxProcess::start(&["--seed", "7", "--apikey", given]);
    assert!(sb.apikey.is_none());
    assert!(
        sb.log().iter().all(|l| !l.contains(given)),
        "{:?}",
        sb.log()
    );
}

#[test]
fn faults_on_demand() {
    let sb = SandboxProcess::start(&["--rate-limit", "2/s", "--latency", "20ms"]);
    let dir = Dir::new();
    let file = dir.write(
        "limit.yaml",
        &r#"version: 1
name: limit
steps:
  - id: burst
    for_each: "[1, 2, 3]"
    continue_on_error: true
    request: { url: "BASE/identity/keys" }
  - name: the third call of the second was refused with Retry-After
    request: { url: "BASE/identity/keys" }
    retry: { attempts: 3, delay: 10ms, max_delay: 2s, on: [429] }
    expect: { status: 200, max_duration: 1s }
"#
        .replace("BASE", &sb.url),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("→ 429"), "{out}");
    let log = sb.log();
    assert!(
        log.iter().any(|l| l.starts_with("GET /identity/keys 429")),
        "{log:?}"
    );

    let sb = SandboxProcess::start(&["--fail-rate", "1"]);
    let file = dir.write("fail.yaml", &format!("version: 1\nname: f\nsteps:\n  - request: {{ url: \"{}/identity/keys\" }}\n    expect: {{ status: 503 }}\n", sb.url));
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, _, err) = run(&["sandbox", "--addr", "0.0.0.0:0"]);
    assert_ne!(code, 0);
    assert!(err.contains("loopback only"), "{err}");
}
