//! The sandbox: the recipes and a conformance workflow run against it, and the long-running
//! `apiflow sandbox` command behaves as documented.

mod support;

use support::{Dir, SandboxProcess, run};

/// The inputs every workflow below reads.
const HEAD: &str = "version: 1\nname: t\ninputs:\n  key: { env: IBMCLOUD_API_KEY, secret: true, required: true }\n  base: { env: IBMCLOUD_IAM_URL, required: true }\nsteps:\n";

/// Runs `HEAD` + `steps` against the sandbox process; (exit code, stdout + stderr).
fn run_on(sb: &SandboxProcess, steps: &str) -> (i32, String) {
    let dir = Dir::new();
    let file = dir.write("w.yaml", &format!("{HEAD}{steps}"));
    let out = sb
        .apiflow()
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The statuses the sandbox logged for requests to `path`, in order.
fn statuses(sb: &SandboxProcess, path: &str) -> Vec<u16> {
    std::thread::sleep(std::time::Duration::from_millis(200));
    sb.log()
        .iter()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let (_, p, status) = (parts.next()?, parts.next()?, parts.next()?);
            (p == path).then(|| status.parse().ok()).flatten()
        })
        .collect()
}

/// Recipes that need a server other than the sandbox: tests/cookies.rs and
/// tests/http_session.rs and tests/xpath.rs run them against their own.
const NOT_FOR_THE_SANDBOX: &[&str] = &["cookie-login.yaml", "upload-file.yaml", "xpath-check.yaml"];

/// Every recipe under `workflows/` the sandbox can serve.
fn sandbox_recipes() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml")
                && !NOT_FOR_THE_SANDBOX
                    .iter()
                    .any(|n| path.file_name().is_some_and(|f| f == *n))
            {
                out.push(path.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(std::path::Path::new("workflows"), &mut out);
    out.sort();
    out
}

#[test]
fn every_recipe_passes_against_the_in_process_sandbox() {
    let recipes = sandbox_recipes();
    let mut args = vec!["run", "--sandbox"];
    args.extend(recipes.iter().map(String::as_str));
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{out}{err}");
    let n = recipes.len();
    assert!(n >= 8, "{recipes:?}");
    assert!(
        out.contains(&format!("{n} workflows: {n} passed, 0 failed")),
        "{out}"
    );
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
fn conformance_attachments() {
    let (code, out, err) = run(&[
        "run",
        "--sandbox",
        "tests/workflows/sandbox-attachments.yaml",
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn conformance_service_ids() {
    let (code, out, err) = run(&[
        "run",
        "--sandbox",
        "tests/workflows/sandbox-service-ids.yaml",
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
fn registered_clients_only() {
    let sb = SandboxProcess::start(&["--client", "ci:s3cret", "--client", "other:pw"]);
    let token = |user: &str, pass: &str, status: u16, checks: &str| {
        format!(
            "  - request:\n      method: POST\n      url: \"{{{{ inputs.base }}}}/identity/token\"\n      auth: {{ basic: {{ username: {user}, password: {pass} }} }}\n      form: {{ grant_type: \"urn:ibm:params:oauth:grant-type:apikey\", apikey: \"{{{{ inputs.key }}}}\" }}\n    expect: {{ status: {status}, json: {{ {checks} }} }}\n"
        )
    };
    let steps = [
        token("ci", "s3cret", 200, "$.refresh_token: { length: 64 }"),
        "    capture: { t: { json: $.access_token, secret: true } }\n  - assert: [{ that: '(t | jwt_claims).client_id == \"ci\"' }]\n".into(),
        token("other", "pw", 200, "$.token_type: Bearer"),
        token("bx", "bx", 200, "$.token_type: Bearer"),
        token("ci", "wrong", 401, "$.errorCode: BXNIM0400E"),
        token("nobody", "s3cret", 401, "$.errorCode: BXNIM0400E"),
    ]
    .concat();
    let (code, out) = run_on(&sb, &steps);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        statuses(&sb, "/identity/token"),
        [200, 200, 200, 401, 401],
        "{:?}",
        sb.log()
    );
    // Without --client, `ci` is unknown.
    let sb = SandboxProcess::start(&[]);
    let (code, out) = run_on(&sb, &token("ci", "s3cret", 401, "$.errorCode: BXNIM0400E"));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn user_identity_issues_ibmid_tokens() {
    let steps = r#"  - id: token
    request:
      method: POST
      url: "{{ inputs.base }}/identity/token"
      form: { grant_type: "urn:ibm:params:oauth:grant-type:apikey", apikey: "{{ inputs.key }}" }
    expect: { status: 200, json: { $.ims_user_id: { type: integer, gte: 1000000 }, $.refresh_token: not_supported } }
    capture: { t: { json: $.access_token, secret: true } }
  - set: { c: "{{ t | jwt_claims }}" }
  - assert:
      - that: c.realmid == "IBMid" and c.iam_id is startingwith("IBMid-") and c.id == c.iam_id
      - that: c.sub == c.email and c.email is string and c.given_name is string and c.family_name is string
      - that: c.account.bss | length == 32 and c.sub_type is undefined
  - request:
      url: "{{ inputs.base }}/v1/apikeys/details"
      headers: { IAM-ApiKey: "{{ inputs.key }}", Authorization: "Bearer {{ t }}" }
    expect: { json: { $.iam_id: "{{ c.iam_id }}" } }
  - name: a user's key cannot store its value
    request:
      method: POST
      url: "{{ inputs.base }}/v1/apikeys"
      headers: { Authorization: "Bearer {{ t }}" }
      json: { name: k, iam_id: "{{ c.iam_id }}", store_value: true }
    expect: { status: 400, json: { '$.errors[0].message_code': BXNIM0109E } }
"#;
    let sb = SandboxProcess::start(&["--identity", "user"]);
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 0, "{out}");
    // The default identity is a service ID: the same checks fail.
    let sb = SandboxProcess::start(&[]);
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("$.ims_user_id"), "{out}");
}

#[test]
fn refresh_tokens_expire() {
    let sb = SandboxProcess::start(&["--refresh-token-ttl", "3s"]);
    let get = r#"  - request:
      method: POST
      url: "{{ inputs.base }}/identity/token"
      auth: { basic: { username: bx, password: bx } }
      form: { grant_type: "urn:ibm:params:oauth:grant-type:apikey", apikey: "{{ inputs.key }}" }
    capture: { r: { json: $.refresh_token, secret: true } }
"#;
    let refresh = |status: u16, checks: &str| {
        format!(
            "  - request:\n      method: POST\n      url: \"{{{{ inputs.base }}}}/identity/token\"\n      auth: {{ basic: {{ username: bx, password: bx }} }}\n      form: {{ grant_type: refresh_token, refresh_token: \"{{{{ r }}}}\" }}\n    expect: {{ status: {status}, json: {{ {checks} }} }}\n"
        )
    };
    let steps = [
        get.to_owned(),
        refresh(200, "$.access_token: { type: string }"),
        get.to_owned(),
        "  - sleep: 4s\n".to_owned(),
        refresh(400, "$.errorCode: BXNIM0408E"),
    ]
    .concat();
    let (code, out) = run_on(&sb, &steps);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn injected_failures_look_like_each_service() {
    let sb = SandboxProcess::start(&["--fail-rate", "1", "--fail-status", "502"]);
    let steps = r#"  - request: { url: "{{ inputs.base }}/identity/keys", headers: { Transaction-Id: tx-1 } }
    expect:
      status: 502
      headers: { transaction-id: tx-1, retry-after: { exists: false } }
      json: { $.errorCode: BXNIM0060E, $.errorDetails: HTTP 502 Bad Gateway, $.context.requestId: tx-1 }
  - request: { url: "{{ inputs.base }}/v1/apikeys", headers: { Transaction-Id: tx-2 } }
    expect:
      status: 502
      headers: { transaction-id: tx-2 }
      json: { '$.errors[0].code': bad_gateway, $.status_code: "502", $.trace: tx-2 }
  - request: { url: "{{ inputs.base }}/config/v1/rules", headers: { Transaction-Id: tx-3 } }
    expect:
      status: 502
      headers: { transaction-id: tx-3 }
      json: { '$.errors[0].code': bad_gateway, $.trace: tx-3, $.errorCode: { exists: false } }
  - name: the sandbox's own controls are never faulted
    request: { url: "{{ inputs.base }}/sandbox/v1/stats" }
    expect: { status: 200, json: { $.rules: 0 } }
  - request: { method: POST, url: "{{ inputs.base }}/sandbox/v1/revoke-tokens" }
    expect: { status: 204 }
"#;
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 0, "{out}");

    let sb = SandboxProcess::start(&["--fail-rate", "1", "--fail-status", "503"]);
    let steps = r#"  - request: { url: "{{ inputs.base }}/config/v1/rules" }
    expect: { status: 503, headers: { retry-after: "1" }, json: { '$.errors[0].code': service_unavailable } }
"#;
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 0, "{out}");

    // A drawn 429 says when to come back, like the rate limit's.
    let sb = SandboxProcess::start(&["--fail-rate", "1", "--fail-status", "429"]);
    let steps = r#"  - request: { url: "{{ inputs.base }}/v1/apikeys", headers: { Transaction-Id: tx-4 } }
    expect:
      status: 429
      headers: { retry-after: "1", transaction-id: tx-4 }
      json: { '$.errors[0].code': too_many_requests, $.trace: tx-4 }
"#;
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 0, "{out}");

    // By default the failures are drawn from 500, 502, 503 and 504.
    let sb = SandboxProcess::start(&["--fail-rate", "1", "--seed", "3"]);
    let steps = r#"  - for_each: "range(16)"
    request: { url: "{{ inputs.base }}/identity/keys" }
    expect: { status: { one_of: [500, 502, 503, 504] } }
"#;
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 0, "{out}");
    let mut seen = statuses(&sb, "/identity/keys");
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, [500, 502, 503, 504]);
}

#[test]
fn a_seed_reproduces_the_faults() {
    let steps = r#"  - for_each: "range(24)"
    request: { url: "{{ inputs.base }}/identity/keys" }
    expect: { status: { one_of: [200, 500, 502, 503, 504] } }
"#;
    let sequence = |seed: &str| {
        let sb = SandboxProcess::start(&["--fail-rate", "0.5", "--seed", seed]);
        let (code, out) = run_on(&sb, steps);
        assert_eq!(code, 0, "{out}");
        statuses(&sb, "/identity/keys")
    };
    let first = sequence("42");
    assert_eq!(first.len(), 24);
    assert!(
        first.contains(&200) && first.iter().any(|s| *s >= 500),
        "{first:?}"
    );
    assert_eq!(first, sequence("42"));
    assert_ne!(first, sequence("43"));
}

#[test]
fn the_rate_limit_is_per_endpoint_and_caller() {
    let sb = SandboxProcess::start(&["--rate-limit", "2/m"]);
    let steps = r#"  - for_each: "[1, 2]"
    request: { url: "{{ inputs.base }}/identity/keys", headers: { Authorization: Bearer a } }
    expect: { status: 200 }
  - name: another caller has its own window
    request: { url: "{{ inputs.base }}/identity/keys", headers: { Authorization: Bearer b } }
    expect: { status: 200 }
  - name: another endpoint too
    request: { url: "{{ inputs.base }}/config/v1/rules/x", headers: { Authorization: Bearer a } }
    expect: { status: 401 }
  - name: the third call of the same caller is refused, in IAM's shape
    request: { url: "{{ inputs.base }}/identity/keys", headers: { Authorization: Bearer a, Transaction-Id: tx-429 } }
    expect:
      status: 429
      headers: { retry-after: { matches: '^[1-5]?[0-9]$|^60$' }, transaction-id: tx-429 }
      json: { $.errorCode: BXNIM0429E, $.context.requestId: tx-429 }
  - request: { url: "{{ inputs.base }}/config/v1/rules/y", headers: { Authorization: Bearer a } }
    expect: { status: 401 }
  - name: in SCC's shape on SCC paths (the route, not the ID, is the endpoint)
    request: { url: "{{ inputs.base }}/config/v1/rules/z", headers: { Authorization: Bearer a, Transaction-Id: tx-scc } }
    expect:
      status: 429
      headers: { retry-after: { exists: true } }
      json: { '$.errors[0].code': too_many_requests, $.trace: tx-scc }
  - name: in IAM Identity's shape on its paths
    for_each: "[1, 2]"
    request: { url: "{{ inputs.base }}/v1/apikeys", headers: { Authorization: Bearer a } }
    expect: { status: 401 }
  - request: { url: "{{ inputs.base }}/v1/apikeys", headers: { Authorization: Bearer a, Transaction-Id: tx-id } }
    expect:
      status: 429
      headers: { retry-after: { exists: true }, transaction-id: tx-id }
      json: { '$.errors[0].code': too_many_requests, '$.errors[0].message_code': BXNIM0429E, $.status_code: "429", $.trace: tx-id }
  - name: the token endpoint's caller is the API key
    for_each: "[1, 2]"
    request:
      method: POST
      url: "{{ inputs.base }}/identity/token"
      form: { grant_type: "urn:ibm:params:oauth:grant-type:apikey", apikey: "{{ inputs.key }}" }
    expect: { status: 200 }
  - request:
      method: POST
      url: "{{ inputs.base }}/identity/token"
      form: { grant_type: "urn:ibm:params:oauth:grant-type:apikey", apikey: "{{ inputs.key }}" }
    expect: { status: 429, headers: { retry-after: { exists: true } }, json: { $.errorCode: BXNIM0429E } }
  - request:
      method: POST
      url: "{{ inputs.base }}/identity/token"
      form: { grant_type: "urn:ibm:params:oauth:grant-type:apikey", apikey: another-key }
    expect: { status: 400, json: { $.errorCode: BXNIM0415E } }
  - name: the sandbox's controls are never limited
    for_each: "[1, 2, 3]"
    request: { url: "{{ inputs.base }}/sandbox/v1/stats" }
    expect: { status: 200 }
"#;
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_retry_on_5xx_and_429_survives_a_30_percent_fail_rate() {
    let steps = r#"  - id: token
    request:
      method: POST
      url: "{{ inputs.base }}/identity/token"
      form: { grant_type: "urn:ibm:params:oauth:grant-type:apikey", apikey: "{{ inputs.key }}" }
    RETRY
    capture: { t: { json: $.access_token, secret: true } }
  - request: { url: "{{ inputs.base }}/v1/apikeys/details", headers: { IAM-ApiKey: "{{ inputs.key }}", Authorization: "Bearer {{ t }}" } }
    RETRY
    capture: { account: $.account_id }
  - request:
      method: POST
      url: "{{ inputs.base }}/config/v1/rules"
      headers: { Authorization: "Bearer {{ t }}" }
      json: { rules: [{ rule: { name: r, description: d, target: { service_name: s, resource_kind: k }, required_config: { property: p, operator: is_true }, enforcement_actions: [{ action: audit_log }] } }] }
    RETRY
    expect: { status: 201 }
    capture: { rule: '$.rules[0].rule.rule_id' }
  - request:
      method: POST
      url: "{{ inputs.base }}/config/v1/rules/{{ rule }}/attachments"
      headers: { Authorization: "Bearer {{ t }}" }
      json: { attachments: [{ account_id: "{{ account }}", included_scope: { scope_id: "{{ account }}", scope_type: account } }] }
    RETRY
    expect: { status: 201 }
  - for_each: "range(6)"
    request: { url: "{{ inputs.base }}/config/v1/rules", query: { account_id: "{{ account }}", attached: "true" }, headers: { Authorization: "Bearer {{ t }}" } }
    RETRY
    expect: { status: 200, json: { $.total_count: 1 } }
  - request: { method: DELETE, url: "{{ inputs.base }}/config/v1/rules/{{ rule }}", headers: { Authorization: "Bearer {{ t }}" } }
    RETRY
    expect: { status: 204 }
"#;
    let with = steps.replace(
        "RETRY",
        "retry: { attempts: 10, delay: 1ms, max_delay: 5ms, on: [5xx, 429] }",
    );
    let args = ["--fail-rate", "0.3", "--seed", "11"];
    let sb = SandboxProcess::start(&args);
    let (code, out) = run_on(&sb, &with);
    assert_eq!(code, 0, "{out}");
    let faulted = sb.log().iter().filter(|l| l.contains(" 50")).count();
    assert!(faulted >= 2, "{:?}", sb.log());
    // The same faults without the retry fail the workflow.
    let sb = SandboxProcess::start(&args);
    let (code, out) = run_on(&sb, &steps.replace("    RETRY\n", ""));
    assert_eq!(code, 1, "{out}");
}

#[test]
fn latency_and_a_per_second_limit_with_retry_after() {
    let sb = SandboxProcess::start(&["--rate-limit", "2/s", "--latency", "20ms"]);
    let steps = r#"  - id: burst
    for_each: "[1, 2, 3]"
    continue_on_error: true
    request: { url: "{{ inputs.base }}/identity/keys" }
  - name: the third call of the second was refused with Retry-After
    request: { url: "{{ inputs.base }}/identity/keys" }
    retry: { attempts: 3, delay: 10ms, max_delay: 2s, on: [429] }
    expect: { status: 200, max_duration: 1s }
"#;
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("→ 429"), "{out}");
    let log = sb.log();
    assert!(
        log.iter().any(|l| l.starts_with("GET /identity/keys 429")),
        "{log:?}"
    );
}

#[test]
fn latency_spares_the_sandbox_controls() {
    let sb = SandboxProcess::start(&["--latency", "1500ms"]);
    let steps = r#"  - request: { url: "{{ inputs.base }}/sandbox/v1/stats" }
    expect: { status: 200, max_duration: 1s }
  - id: slow
    request: { url: "{{ inputs.base }}/identity/keys" }
    expect: { status: 200 }
  - assert: [{ that: steps.slow.response.duration_ms >= 1500 }]
"#;
    let (code, out) = run_on(&sb, steps);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_non_loopback_address_is_a_usage_error() {
    let (code, _, err) = run(&["sandbox", "--addr", "0.0.0.0:0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("loopback only"), "{err}");
    let (code, _, err) = run(&["sandbox", "--addr", "127.0.0.1:0", "--fail-status", "404"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--fail-status `404`"), "{err}");
    let (code, _, err) = run(&["sandbox", "--addr", "127.0.0.1:0", "--client", "nosecret"]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("nosecret"), "{err}");
}

/// Every string of a YAML document, and each `url`/`token_url` value, walking it whole.
fn strings_and_urls(doc: &yaml_rust2::Yaml, strings: &mut Vec<String>, urls: &mut Vec<String>) {
    use yaml_rust2::Yaml;
    match doc {
        Yaml::String(s) => strings.push(s.clone()),
        Yaml::Array(items) => items
            .iter()
            .for_each(|i| strings_and_urls(i, strings, urls)),
        Yaml::Hash(map) => {
            for (k, v) in map {
                if let (Some("url" | "token_url"), Some(url)) = (k.as_str(), v.as_str()) {
                    urls.push(url.to_owned());
                }
                strings_and_urls(k, strings, urls);
                strings_and_urls(v, strings, urls);
            }
        }
        _ => {}
    }
}

/// The recipes of the second round run unchanged against IBM Cloud: every URL starts at an
/// input whose default is IBM's real host, nothing names loopback or the sandbox's own paths,
/// and what they create is deleted in `finally`.
#[test]
fn the_ibm_recipes_are_not_sandbox_specific() {
    use yaml_rust2::{Yaml, YamlLoader};
    let hosts = [
        ("iam_url", "IBMCLOUD_IAM_URL", "https://iam.cloud.ibm.com"),
        (
            "scc_url",
            "IBMCLOUD_SCC_URL",
            "https://us.compliance.cloud.ibm.com",
        ),
    ];
    for name in ["attach-rule.yaml", "service-id-key.yaml"] {
        let text = std::fs::read_to_string(format!("workflows/ibm-cloud/{name}")).unwrap();
        let docs = YamlLoader::load_from_str(&text).unwrap();
        let doc = &docs[0];
        let (mut strings, mut urls) = (Vec::new(), Vec::new());
        strings_and_urls(doc, &mut strings, &mut urls);
        for s in &strings {
            for banned in ["127.0.0.1", "localhost", "/sandbox/", "sandbox.example"] {
                assert!(!s.contains(banned), "{name}: {s:?} names {banned}");
            }
        }
        assert!(urls.len() >= 6, "{name}: {urls:?}");
        for url in &urls {
            assert!(
                url.starts_with("{{ inputs.iam_url }}/")
                    || url.starts_with("{{ inputs.scc_url }}/"),
                "{name}: {url}"
            );
        }
        for (input, env, default) in hosts {
            let spec = &doc["inputs"][input];
            if urls.iter().any(|u| u.contains(&format!("inputs.{input}"))) {
                assert_eq!(spec["env"].as_str(), Some(env), "{name}: {input}");
                assert_eq!(spec["default"].as_str(), Some(default), "{name}: {input}");
            }
        }
        let cleanup = doc["finally"].as_vec().expect("a finally section");
        assert!(cleanup.len() >= 2, "{name}");
        for step in cleanup {
            assert_eq!(
                step["request"]["method"],
                Yaml::from_str("DELETE"),
                "{name}"
            );
            assert!(
                step["if"].as_str().is_some(),
                "{name}: cleans up only what exists"
            );
        }
    }
}
