//! Secrets made of every awkward character class travel through every place a value can go
//! (path, query, form, JSON body, headers, captures, outputs, failure messages, bodies cut at
//! their bound), and no form of them (as is, line by line, JSON-, XML-, URL-, form-, base64- or
//! annotation-encoded) appears in stdout, stderr, `-v`, `--quiet`, JUnit, JSON or annotations.
//! The encodings are computed here independently of apiflow's redactor.

mod support;

use base64::Engine as _;
use support::{Dir, TestServer};

/// Every form a writer could give `secret` (computed without apiflow's code).
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    for line in secret.lines().filter(|l| l.len() >= 8) {
        out.push(line.to_owned());
        // The head of each line: a secret cut short (by a truncation, or by a URL that reads
        // `?` or `#` inside it as a delimiter) still leaks.
        out.push(line.chars().take(10).collect());
    }
    let json = serde_json::to_string(secret).unwrap();
    out.push(json[1..json.len() - 1].to_owned());
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    out.push(xml.replace('"', "&quot;").replace('\'', "&apos;"));
    out.push(xml.replace('"', "&#34;").replace('\'', "&#39;"));
    out.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    let mut u = url::Url::parse("http://h/").unwrap();
    u.query_pairs_mut().append_pair("q", secret);
    out.push(u.query().unwrap()[2..].to_owned());
    let all: String =
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    out.push(all);
    out.push(
        secret
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    );
    for engine in [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        out.push(engine.encode(secret));
    }
    out.retain(|f| f.len() >= 8);
    out
}

const SECRETS: [(&str, &str); 3] = [
    ("punct", "Tr0ub4dor-3._*~!%&<>\"\\'@:;,=+/?#[]"),
    (
        "spaces",
        "correct horse battery st\u{e4}ple \u{2603} \u{1F511}",
    ),
    (
        "multiline",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nAQEFAASCBKcwggSjAgEAAoIB\n-----END PRIVATE KEY-----",
    ),
];

fn workflow(base: &str, pad: usize) -> String {
    format!(
        r#"version: 1
name: awkward secrets
inputs:
  punct: {{ secret: true, required: true }}
  spaces: {{ secret: true, required: true }}
  multiline: {{ secret: true, required: true }}
outputs:
  leaked: "{{{{ echoed }}}}"
steps:
  - id: everywhere
    request:
      method: POST
      url: "{base}/echo/{{{{ inputs.punct }}}}/{{{{ inputs.spaces }}}}"
      query: {{ p: "{{{{ inputs.punct }}}}", s: "{{{{ inputs.spaces }}}}", m: "{{{{ inputs.multiline }}}}" }}
      headers: {{ X-Custom: "{{{{ inputs.spaces }}}}" }}
      form: {{ note: "{{{{ inputs.multiline }}}}", other: "{{{{ inputs.punct }}}}" }}
    capture:
      echoed: {{ json: $.body }}
    expect:
      status: 200
  - id: json_body
    continue_on_error: true
    request:
      method: POST
      url: "{base}/echo"
      json: {{ a: "{{{{ inputs.punct }}}}", b: ["{{{{ inputs.multiline }}}}"], pad: "{{{{ 'x' * {pad} }}}}{{{{ inputs.spaces }}}}" }}
    expect:
      json:
        $.json.a: "not the secret"
        $.json.b[0]: {{ eq: "{{{{ inputs.spaces }}}}" }}
  - id: fails
    request: {{ url: "{base}/echo?x={{{{ inputs.multiline | urlencode }}}}" }}
    expect:
      body: {{ contains: "{{{{ inputs.punct }}}}" }}
      json:
        $.query: {{ eq: "{{{{ inputs.spaces }}}}" }}
"#
    )
}

#[test]
fn awkward_secrets_appear_in_no_output_in_any_form() {
    let server = TestServer::start();
    let dir = Dir::new();
    let mut outputs: Vec<(String, String)> = Vec::new();
    // The JSON body's padding puts the secret on both sides of the 64 KiB cut of a body.
    for (run, pad) in [(0, 10), (1, 65_536 - 60), (2, 65_536 - 20), (3, 65_536 + 3)] {
        for (mode, flags) in [
            ("normal", vec![]),
            ("verbose", vec!["-v"]),
            ("quiet", vec!["--quiet"]),
        ] {
            let file = dir.write(&format!("w{run}{mode}.yaml"), &workflow(&server.url, pad));
            let junit = dir.path().join(format!("reports/{run}{mode}.xml"));
            let json = dir.path().join(format!("reports/{run}{mode}.json"));
            let mut cmd = support::apiflow();
            cmd.env("GITHUB_ACTIONS", "true").arg("run").arg(&file);
            for (name, value) in SECRETS {
                cmd.args(["--input", &format!("{name}={value}")]);
            }
            let out = cmd
                .arg("--report")
                .arg(format!("junit={}", junit.display()))
                .arg("--report")
                .arg(format!("json={}", json.display()))
                .args(&flags)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
            assert!(
                stdout.contains("••••••"),
                "the secrets were masked, not missing: {stdout}"
            );
            outputs.push((format!("{run} {mode} stdout"), stdout));
            outputs.push((format!("{run} {mode} stderr"), stderr));
        }
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
    assert_eq!(outputs.len(), 4 * 3 * 4);
    // The server did receive every secret: they travelled, and were masked on the way out.
    let log = serde_json::to_string(&server.log()).unwrap();
    assert!(log.contains("correct horse"), "{log}");
    for (name, text) in &outputs {
        for (secret_name, secret) in SECRETS {
            for form in forms(secret) {
                assert!(
                    !text.contains(&form),
                    "{name} leaks the `{secret_name}` secret as `{form}`:\n{text}"
                );
            }
        }
    }
}
