//! No secret reaches any output: a long random secret planted as an input, a capture and a
//! provider token is searched for (as is, base64, URL-encoded) in stdout, stderr and every
//! report file, across passing, failing and verbose runs.

mod support;

use base64::Engine as _;
use support::{Dir, SandboxProcess, TestServer};

fn random_secret(tag: &str) -> String {
    use rand::Rng as _;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let body: String = (0..40)
        .map(|_| CHARS[rand::rng().random_range(0..CHARS.len())] as char)
        .collect();
    // `+`, `/` and `=` make the URL-encoded form differ from the plain one.
    format!("{tag}+{body}/=")
}

fn forms(secret: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    vec![
        secret.to_owned(),
        b64.encode(secret).trim_end_matches('=').to_owned(),
        url.encode(secret),
        percent_encode(secret),
        percent_encode(secret).replace("%20", "+"),
    ]
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const WORKFLOW: &str = r#"version: 1
name: secrets
inputs:
  apikey: { env: IBMCLOUD_API_KEY, secret: true, required: true }
  iam: { env: IBMCLOUD_IAM_URL, required: true }
  extra: { secret: true, required: true }
auth:
  iam:
    token_url: "{{ inputs.iam }}/identity/token"
    grant_type: urn:ibm:params:oauth:grant-type:apikey
    params: { apikey: "{{ inputs.apikey }}" }
steps:
  - id: echo
    request:
      method: POST
      url: "APIBASE/echo?planted={{ inputs.extra | urlencode }}"
      auth: iam
      headers: { X-Key: "{{ inputs.apikey | b64encode }}", IAM-ApiKey: "{{ inputs.apikey }}" }
      form: { apikey: "{{ inputs.apikey }}", note: "{{ inputs.extra }}" }
    capture:
      planted: { json: $.query, secret: true }
      bearer: { json: "$.headers.authorization" }
    expect:
      status: STATUS
      json:
        $.body: { contains: "{{ inputs.extra | urlencode }}" }
  - set:
      derived: "{{ planted }}-{{ bearer }}"
  - request:
      url: "APIBASE/echo?again={{ planted | b64encode }}"
    expect:
      json:
        $.query: { eq: "{{ derived }}" }
"#;

#[test]
fn secrets_appear_in_no_output_in_any_mode() {
    let apikey = random_secret("key");
    let extra = random_secret("extra");
    let sb = SandboxProcess::start(&["--apikey", &apikey]);
    let api = TestServer::start();
    let dir = Dir::new();
    let mut outputs = Vec::new();
    for (name, status, flags) in [
        ("pass", "200", vec![]),
        ("fail", "418", vec!["-v"]),
        ("verbose", "200", vec!["-v"]),
    ] {
        let file = dir.write(
            &format!("{name}.yaml"),
            &WORKFLOW
                .replace("APIBASE", &api.url)
                .replace("STATUS", status),
        );
        let junit = dir.path().join(format!("reports/{name}.xml"));
        let json = dir.path().join(format!("reports/{name}.json"));
        let out = support::apiflow()
            .env("IBMCLOUD_API_KEY", &apikey)
            .env("IBMCLOUD_IAM_URL", &sb.url)
            .env("GITHUB_ACTIONS", "true")
            .arg("run")
            .arg(&file)
            .args(["--input", &format!("extra={extra}")])
            .arg("--report")
            .arg(format!("junit={}", junit.display()))
            .arg("--report")
            .arg(format!("json={}", json.display()))
            .args(&flags)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            stdout.contains("▶ secrets"),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push((format!("{name} stdout"), stdout));
        outputs.push((
            format!("{name} stderr"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    for entry in std::fs::read_dir(dir.path().join("reports"))
        .unwrap()
        .flatten()
    {
        outputs.push((
            entry.path().display().to_string(),
            std::fs::read_to_string(entry.path()).unwrap(),
        ));
    }
    assert_eq!(outputs.len(), 12);
    // The token the server saw is a secret too.
    let token = api.log()[0]["headers"]["authorization"]
        .as_str()
        .unwrap()
        .trim_start_matches("Bearer ")
        .to_owned();
    assert!(token.len() > 100);
    let planted_capture = format!("planted={}", percent_encode(&extra));
    let mut secrets = forms(&apikey);
    secrets.extend(forms(&extra));
    secrets.extend(forms(&token));
    secrets.push(planted_capture);
    for (name, text) in &outputs {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{name} leaks `{s}`:\n{text}");
        }
    }
    // The runs did see the secrets: they were masked, not missing.
    let (_, fail_out) = &outputs[2];
    assert!(fail_out.contains("••••••"), "{fail_out}");
    assert!(
        fail_out.contains("status: expected 418, actual 200"),
        "{fail_out}"
    );
    assert!(sb.log().iter().all(|l| !l.contains(&apikey)));
}
