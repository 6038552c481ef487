//! `import curl` and `export curl` checked three ways at a recording server on 127.0.0.1: each
//! command is sent by the real `curl` binary, by `apiflow run` of the imported workflow, and by
//! bash running the exported command; the server compares what it received (method, path,
//! query, the headers that matter, the body: form fields, JSON values, multipart part by part,
//! other bodies byte for byte).

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use support::{Dir, apiflow};

/// One request as the server received it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

struct Recorder {
    url: String,
    log: Arc<Mutex<Vec<Seen>>>,
    _served: support::serve::Served,
}

impl Recorder {
    fn start() -> Self {
        let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let sink = Arc::clone(&log);
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let sink = Arc::clone(&sink);
                async move { record(&sink, method, uri, headers, body) }
            },
        );
        let served = support::serve::serve(app);
        Self {
            url: served.url.clone(),
            log,
            _served: served,
        }
    }

    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

fn record(
    sink: &Mutex<Vec<Seen>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sink.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    });
    if uri.path() == "/redirect" {
        return (StatusCode::FOUND, [("location", "/target")]).into_response();
    }
    if uri.path() == "/typed" {
        return axum::Json(json!({"n": 7, "b": false, "o": {"k": [1, "x"]}, "s": "text"}))
            .into_response();
    }
    // `/chain/N`: N redirects in a row (down to `/chain/0`).
    if let Some(n) = uri.path().strip_prefix("/chain/") {
        if let Some(next) = n.parse::<u32>().ok().and_then(|n| n.checked_sub(1)) {
            let location = format!("/chain/{next}");
            return (StatusCode::FOUND, [("location", location)]).into_response();
        }
    }
    axum::Json(json!({"ok": true})).into_response()
}

/// Headers every client sets its own way, or that describe the connection, not the request.
const NOT_COMPARED: &[&str] = &[
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "content-length",
    "connection",
    "transfer-encoding",
    "expect",
];

/// What is compared of a request: a JSON value, so a mismatch prints readably.
fn normal(seen: &Seen, explicit: &[String]) -> Value {
    let mut headers = BTreeMap::new();
    let mut content_type = String::new();
    for (name, value) in &seen.headers {
        if name == "content-type" {
            content_type = value.clone();
        }
        let wanted = !NOT_COMPARED.contains(&name.as_str()) || explicit.contains(name);
        if wanted && name != "content-type" {
            headers
                .entry(name.clone())
                .and_modify(|v: &mut String| {
                    v.push_str(", ");
                    v.push_str(value)
                })
                .or_insert_with(|| value.clone());
        }
    }
    let base_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let body = if seen.body.is_empty() {
        Value::Null
    } else if base_type == "application/x-www-form-urlencoded" && is_pairs(&seen.body) {
        pairs(&seen.body)
    } else if base_type.ends_with("json") {
        serde_json::from_slice(&seen.body).unwrap_or_else(|_| bytes(&seen.body))
    } else if base_type == "multipart/form-data" {
        multipart(&content_type, &seen.body)
    } else {
        bytes(&seen.body)
    };
    json!({
        "method": seen.method,
        "path": seen.path,
        "query": seen.query.as_deref().map(|q| pairs(q.as_bytes())),
        "headers": headers,
        "content_type": if base_type == "multipart/form-data" { base_type } else { content_type },
        "body": body,
    })
}

fn is_pairs(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|t| t.split('&').all(|p| p.contains('=')))
}

fn pairs(text: &[u8]) -> Value {
    Value::Array(
        url::form_urlencoded::parse(text)
            .map(|(k, v)| json!([k, v]))
            .collect(),
    )
}

fn bytes(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(t) => json!({ "text": t }),
        Err(_) => json!({ "bytes": b }),
    }
}

/// Parts of a multipart body: name, file name, content type, data.
fn multipart(content_type: &str, body: &[u8]) -> Value {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .unwrap_or_default()
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let text = body;
    let mut parts = Vec::new();
    let positions: Vec<usize> = find_all(text, delimiter.as_bytes());
    for w in positions.windows(2) {
        let chunk = &text[w[0] + delimiter.len()..w[1]];
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let split = find_all(chunk, b"\r\n\r\n")[0];
        let head = String::from_utf8_lossy(&chunk[..split]).to_string();
        let data = &chunk[split + 4..];
        let mut name = String::new();
        let mut filename = Value::Null;
        let mut ctype = Value::Null;
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for p in line.split(';') {
                    let p = p.trim();
                    if let Some(n) = p.strip_prefix("name=") {
                        name = n.trim_matches('"').to_owned();
                    }
                    if let Some(n) = p.strip_prefix("filename=") {
                        filename = json!(n.trim_matches('"'));
                    }
                }
            } else if lower.starts_with("content-type:") {
                ctype = json!(line[13..].trim());
            }
        }
        parts.push(json!({"name": name, "filename": filename, "type": ctype, "data": bytes(data)}));
    }
    Value::Array(parts)
}

fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    (0..hay.len().saturating_sub(needle.len() - 1))
        .filter(|&i| &hay[i..i + needle.len()] == needle)
        .collect()
}

/// A command to compare: curl's arguments (`{URL}` is the server), the environment the
/// imported workflow reads its secrets from, and the secret values that must not be written.
struct Case {
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
}

fn case(args: &[&str], env: &[(&'static str, &'static str)]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        env: env.to_vec(),
    }
}

fn files(dir: &Path) {
    std::fs::write(dir.join("a.txt"), "hello file\nline two\n").unwrap();
    std::fs::write(dir.join("form.txt"), "a=1\n&b=two%20words\r\n").unwrap();
    std::fs::write(dir.join("data.json"), r#"{"from": "file", "n": [1, 2]}"#).unwrap();
    std::fs::write(
        dir.join("img.png"),
        [0x89u8, b'P', b'N', b'G', 0, 1, 2, 255],
    )
    .unwrap();
}

/// The headers a case sets itself, so they are compared even when clients differ by default.
fn explicit_headers(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let prev = if i > 0 { args[i - 1].as_str() } else { "" };
        if prev == "-H" || prev == "--header" {
            if let Some((n, _)) = a.split_once([':', ';']) {
                out.push(n.to_ascii_lowercase());
            }
        }
        if prev == "-A" {
            out.push("user-agent".into());
        }
        if a == "--json" {
            out.push("accept".into());
        }
    }
    out
}

/// Runs one case three ways; `Err` describes the first difference.
fn three_ways(server: &Recorder, dir: &Path, c: &Case) -> Result<(), String> {
    let args: Vec<String> = c
        .args
        .iter()
        .map(|a| {
            a.replace(
                "{URL_WITH_USER}",
                &server.url.replace("http://", "http://bob:s3cr3t-pass@"),
            )
            .replace("{URL}", &server.url)
        })
        .collect();
    let explicit = explicit_headers(&args);
    server.take();

    // 1. The real curl.
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null"])
        .args(&args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("curl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "curl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let by_curl: Vec<Value> = server.take().iter().map(|s| normal(s, &explicit)).collect();

    // 2. apiflow import, then run.
    let out = apiflow()
        .args(["import", "curl", "--workflow", "--"])
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
    let yaml = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let doc: serde_yaml::Value = serde_yaml::from_str(&yaml).map_err(|e| e.to_string())?;
    for (_, value) in &c.env {
        if yaml.contains(value) {
            return Err(format!(
                "the secret `{value}` is in the imported YAML:\n{yaml}"
            ));
        }
    }
    if let Some(inputs) = doc["inputs"].as_mapping() {
        for (name, decl) in inputs {
            let env = decl["env"].as_str().unwrap_or_default();
            let has_default = decl.get("default").is_some();
            if !has_default && !c.env.iter().any(|(k, _)| *k == env) {
                return Err(format!(
                    "input {name:?} reads ${env}, which the case does not set"
                ));
            }
        }
    }
    let file = dir.join("imported.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let out = apiflow()
        .arg("run")
        .arg(&file)
        .envs(c.env.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap();
    let follows = doc["steps"][0]["request"]["follow_redirects"].as_bool() != Some(false);
    let redirect = args.iter().any(|a| a.ends_with("/redirect"));
    // A redirect that is not followed fails `status: 2xx`: only the request is compared.
    let kept_redirect = redirect && !follows;
    if !out.status.success() && !kept_redirect {
        return Err(format!(
            "apiflow run failed:\n{yaml}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let by_apiflow: Vec<Value> = server.take().iter().map(|s| normal(s, &explicit)).collect();
    if by_apiflow != by_curl {
        return Err(format!(
            "apiflow sent\n{}\ncurl sent\n{}\nfrom\n{yaml}",
            serde_json::to_string_pretty(&by_apiflow).unwrap(),
            serde_json::to_string_pretty(&by_curl).unwrap()
        ));
    }

    // 3. apiflow export of the imported workflow, run by bash.
    let out = apiflow()
        .args(["export", "curl"])
        .arg(&file)
        .current_dir(dir)
        .output()
        .unwrap();
    let script = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    for (_, value) in &c.env {
        if script.contains(value) {
            return Err(format!(
                "the secret `{value}` is in the exported command:\n{script}"
            ));
        }
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .envs(c.env.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(format!(
            "the exported command failed:\n{script}\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let by_export: Vec<Value> = server.take().iter().map(|s| normal(s, &explicit)).collect();
    if by_export != by_curl {
        return Err(format!(
            "the exported command sent\n{}\ncurl sent\n{}\nscript:\n{script}",
            serde_json::to_string_pretty(&by_export).unwrap(),
            serde_json::to_string_pretty(&by_curl).unwrap()
        ));
    }
    Ok(())
}

fn run_cases(cases: &[Case]) {
    let server = Recorder::start();
    let dir = Dir::new();
    files(dir.path());
    let mut failures = Vec::new();
    for c in cases {
        if let Err(e) = three_ways(&server, dir.path(), c) {
            failures.push(format!("curl {}\n{e}", c.args.join(" ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} commands differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn curl_apiflow_and_the_exported_command_send_the_same_requests() {
    run_cases(&[
        case(&["{URL}/plain"], &[]),
        case(&["-X", "DELETE", "{URL}/items/1"], &[]),
        case(&["--request", "PUT", "--url", "{URL}/put"], &[]),
        case(&["-I", "{URL}/head"], &[]),
        case(&["-X", "OPTIONS", "{URL}/options"], &[]),
        case(&["-H", "X-A: 1", "-H", "X-B: two words", "{URL}/h"], &[]),
        case(&["-H", "X-Empty;", "{URL}/empty-header"], &[]),
        case(&["-d", "a=1&b=2", "{URL}/form"], &[]),
        case(&["-d", "a=1", "--data", "b=x y+z", "{URL}/form2"], &[]),
        case(&["-d", "@form.txt", "{URL}/form-file"], &[]),
        case(&["-d", "", "{URL}/empty"], &[]),
        case(&["-d", "just text", "{URL}/not-a-form"], &[]),
        case(
            &[
                "--data-raw",
                "@notafile",
                "-H",
                "Content-Type: text/plain",
                "{URL}/raw",
            ],
            &[],
        ),
        case(
            &[
                "-H",
                "Content-Type:",
                "-d",
                "no type at all",
                "{URL}/no-type",
            ],
            &[],
        ),
        case(
            &[
                "--data-urlencode",
                "q=hello world & more",
                "{URL}/urlencode",
            ],
            &[],
        ),
        case(
            &[
                "--data-urlencode",
                "name@a.txt",
                "--data-urlencode",
                "x=ünï cödé ☃",
                "{URL}/urlencode-file",
            ],
            &[],
        ),
        case(
            &[
                "-H",
                "Content-Type: text/plain",
                "--data-urlencode",
                "=just value",
                "{URL}/urlencode-value",
            ],
            &[],
        ),
        case(
            &["--json", r#"{"a":1,"b":[true,null],"c":"x"}"#, "{URL}/json"],
            &[],
        ),
        case(&["--json", "@data.json", "{URL}/json-file"], &[]),
        case(
            &[
                "-H",
                "Content-Type: application/json",
                "-d",
                r#"{"nested":{"k":"v"},"n":1.5}"#,
                "{URL}/json2",
            ],
            &[],
        ),
        case(
            &[
                "-X",
                "PATCH",
                "-H",
                "Content-Type: application/merge-patch+json",
                "-d",
                r#"{"op":"replace"}"#,
                "{URL}/patch",
            ],
            &[],
        ),
        case(
            &[
                "--json",
                r#"{"t":"{{ not a template }} {% nor this %}"}"#,
                "{URL}/braces",
            ],
            &[],
        ),
        case(
            &[
                "-X",
                "PUT",
                "-H",
                "Content-Type: application/xml",
                "-d",
                "<a><b>1</b></a>",
                "{URL}/xml",
            ],
            &[],
        ),
        case(
            &["-F", "field=value", "-F", "file=@a.txt", "{URL}/multipart"],
            &[],
        ),
        case(
            &[
                "-F",
                "img=@img.png;type=image/png",
                "-F",
                "x=y",
                "{URL}/multipart2",
            ],
            &[],
        ),
        case(
            &[
                "--form-string",
                "raw=@not-a-file;x",
                "-F",
                "text=<a.txt",
                "{URL}/multipart3",
            ],
            &[],
        ),
        case(
            &["-u", "bob:pa55word", "{URL}/basic"],
            &[("PASSWORD", "pa55word")],
        ),
        case(
            &["{URL_WITH_USER}/userinfo"],
            &[("PASSWORD", "s3cr3t-pass")],
        ),
        case(
            &["-G", "-d", "a=1", "--data-urlencode", "b=c d", "{URL}/get"],
            &[],
        ),
        case(&["{URL}/query?x=1&y=two%20words&z=a+b"], &[]),
        case(&["{URL}/query-flag?verbose"], &[]),
        case(&["-k", "{URL}/insecure"], &[]),
        case(&["{URL}/redirect"], &[]),
        case(&["-m", "5", "--max-time", "2.5", "{URL}/timeout"], &[]),
        case(&["--compressed", "{URL}/compressed"], &[]),
        case(&["-A", "my-agent/1.0", "{URL}/agent"], &[]),
        case(&["--user-agent", "other agent", "{URL}/agent2"], &[]),
        case(
            &["-b", "session=abc123; theme=dark", "{URL}/cookie"],
            &[("COOKIE", "session=abc123; theme=dark")],
        ),
        case(&["-e", "https://ref.example/page", "{URL}/referer"], &[]),
        case(
            &["-H", "Authorization: Bearer tok-123456", "{URL}/bearer"],
            &[("TOKEN", "tok-123456")],
        ),
        case(
            &[
                "-H",
                "X-Api-Key: k-abcdef",
                "-H",
                "X-Auth-Token: t-ghijkl",
                "{URL}/keys",
            ],
            &[("X_API_KEY", "k-abcdef"), ("X_AUTH_TOKEN", "t-ghijkl")],
        ),
        case(
            &[
                "-d",
                "grant_type=password&username=u&password=p4ss-w0rd&client_secret=cs-987",
                "{URL}/token",
            ],
            &[("PASSWORD", "p4ss-w0rd"), ("CLIENT_SECRET", "cs-987")],
        ),
        case(
            &[
                "-X",
                "POST",
                "-H",
                "Content-Type: application/x-www-form-urlencoded",
                "--data-urlencode",
                "grant_type=urn:ibm:params:oauth:grant-type:apikey",
                "--data-urlencode",
                "apikey=my-api-key-1",
                "{URL}/identity/token",
            ],
            &[("APIKEY", "my-api-key-1")],
        ),
        case(
            &[
                "--json",
                r#"{"user":"u","password":"json-pw-1","list":[{"token":"json-tok-2"}]}"#,
                "{URL}/json-secrets",
            ],
            &[("PASSWORD", "json-pw-1"), ("TOKEN", "json-tok-2")],
        ),
        case(&["-sSv", "-o", "/dev/null", "{URL}/quiet"], &[]),
        // These three need `max_redirects`, `body: { file }` and no Referer on redirects.
        case(&["-L", "{URL}/redirect"], &[]),
        case(&["-L", "--max-redirs", "3", "{URL}/redirect"], &[]),
        // curl follows 50 redirects by default: the import does too (apiflow's default is 10).
        case(&["-L", "{URL}/chain/20"], &[]),
        case(
            &[
                "--data-binary",
                "@img.png",
                "-H",
                "Content-Type: image/png",
                "{URL}/binary",
            ],
            &[],
        ),
        case(
            &[
                "-X",
                "POST",
                "-H",
                "Content-Type: text/plain",
                "--data-binary",
                "line1\nline2\ttab 'q' \"dq\" $HOME `x`",
                "{URL}/binary-text",
            ],
            &[],
        ),
    ]);
}

/// Runs `apiflow` with `stdin` as input; returns (code, stdout, stderr).
fn with_stdin(args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = apiflow().args(args).write_stdin(stdin).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SEED: &str = "curl -X POST \\
'https://iam.cloud.ibm.com/identity/token' \\
--header 'Content-Type: application/x-www-form-urlencoded' \\
--header 'Accept: application/json' \\
--data-urlencode 'grant_type=urn:ibm:params:oauth:grant-type:apikey' \\
--data-urlencode 'apikey=<API_KEY>'
";

#[test]
fn the_iam_recipe_from_the_docs_runs_against_the_sandbox_with_the_key_from_the_environment() {
    let sandbox = support::SandboxProcess::start(&[]);
    let key = sandbox.apikey.clone().unwrap();
    let dir = Dir::new();
    for pasted in [
        SEED.to_owned(),
        format!("$ {}", SEED.replace("<API_KEY>", &key)),
    ] {
        let (code, yaml, err) = with_stdin(&["import", "curl", "--workflow"], &pasted);
        assert_eq!(code, 0, "{err}");
        assert!(!yaml.contains(&key) && !err.contains(&key), "{yaml}{err}");
        let doc: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(doc["inputs"]["apikey"]["env"], "IBMCLOUD_API_KEY");
        assert_eq!(doc["inputs"]["apikey"]["secret"], true);
        let file = dir.write("seed.yaml", &yaml);
        let out = sandbox.apiflow().arg("run").arg(&file).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{yaml}{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Without the key, the run stops before sending, naming where the key comes from.
        let out = support::apiflow()
            .arg("run")
            .arg(&file)
            .env("IBMCLOUD_IAM_URL", &sandbox.url)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("IBMCLOUD_API_KEY"));
    }
}

#[test]
fn pasted_commands_are_read_as_bash_reads_them() {
    let server = Recorder::start();
    let pasted = format!(
        "$ curl -sS -X PUT \"{}/ansi\" \\\n  -H $'X-Line: a\\tb' \\\n  -H 'Content-Type: text/plain' \\\n  --data-binary $'line 1\\nline \\'2\\'\\n' | jq .\n",
        server.url
    );
    let (code, yaml, err) = with_stdin(&["import", "curl", "--workflow"], &pasted);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ignored `| jq .`"), "{err}");
    assert!(
        err.contains("ignored `-s`") && err.contains("ignored `-S`"),
        "{err}"
    );
    let dir = Dir::new();
    let file = dir.write("pasted.yaml", &yaml);
    let out = apiflow().arg("run").arg(&file).output().unwrap();
    assert!(out.status.success(), "{yaml}");
    let seen = server.take();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(seen[0].body, b"line 1\nline '2'\n");
    assert!(seen[0].headers.contains(&("x-line".into(), "a\tb".into())));
}

#[test]
fn unsupported_options_are_errors_that_name_them() {
    for (args, named) in [
        (&["--proxy", "http://p:3128", "http://h/"][..], "--proxy"),
        (&["-x", "http://p:3128", "http://h/"][..], "-x"),
        (&["--frobnicate", "http://h/"][..], "--frobnicate"),
        (&["-d", "@-", "http://h/"][..], "@-"),
        (&["-b", "cookies.txt", "http://h/"][..], "cookie file"),
        (&["http://a/", "http://b/"][..], "2 URLs"),
        (
            &["-F", "password=pw-never-shown;x", "http://h/"][..],
            "--form-string",
        ),
        (
            &["-H", "Bearer pw-never-shown", "http://h/"][..],
            "not a header",
        ),
    ] {
        let out = apiflow()
            .args(["import", "curl", "--"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(!err.contains("pw-never-shown"), "{err}");
        assert!(out.stdout.is_empty());
    }
    for text in [
        "curl $(cat key) http://h/",
        "curl 'unclosed",
        "curl http://h/; rm x",
    ] {
        let (code, out, err) = with_stdin(&["import", "curl"], text);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(out.is_empty());
    }
}

/// `apiflow export curl WORKFLOW ARGS…` with `env` set; the script it printed.
fn export(wf: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = apiflow()
        .args(["export", "curl"])
        .arg(wf)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs an exported script with bash in `dir`, the variables in `env` set; it must succeed.
fn run_by_bash(script: &str, dir: &Path, env: &[(&str, &str)]) {
    let run = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn export_resolves_what_it_can_and_leaves_secrets_and_run_time_values_to_the_shell() {
    let server = Recorder::start();
    let dir = Dir::new();
    let wf = dir.write(
        "flow.yaml",
        &r#"version: 1
name: Export me
inputs:
  apikey: { env: EXPORT_TEST_KEY, secret: true, required: true }
  region: { required: true }
  base: { default: "BASE" }
vars:
  rules_url: "{{ inputs.base }}/{{ inputs.region }}/rules"
auth:
  iam:
    token_url: "{{ inputs.base }}/token"
    grant_type: urn:ibm:params:oauth:grant-type:apikey
    params: { apikey: "{{ inputs.apikey }}" }
steps:
  - id: token
    request:
      method: POST
      url: "{{ inputs.base }}/token"
      form: { apikey: "{{ inputs.apikey }}", region: "{{ inputs.region }}" }
    capture:
      access_token: { json: $.ok, secret: true }
  - id: ids
    set:
      label: "{{ inputs.region | upper }}-label"
  - id: rules
    request:
      url: "{{ vars.rules_url }}"
      query: { label: "{{ label }}", quote: "it's a \"test\" $HOME `x`" }
      headers: { X-Token: "{{ access_token }}", X-Env: "{{ env.EXPORT_TEST_PLAIN }}" }
      auth: iam
"#
        .replace("BASE", &server.url),
    );
    let script = export(
        &wf,
        &["--input", "region=eu-de"],
        &[
            ("EXPORT_TEST_KEY", "super-secret-key"),
            ("EXPORT_TEST_PLAIN", "plain-env"),
        ],
    );
    assert!(!script.contains("super-secret-key"), "{script}");
    assert!(script.contains("\"$EXPORT_TEST_KEY\""), "{script}");
    assert!(
        script.contains("\"$ACCESS_TOKEN\"") && script.contains("\"$IAM_TOKEN\""),
        "{script}"
    );
    assert!(script.contains("\"$EXPORT_TEST_PLAIN\""), "{script}");
    // Run by bash with the variables set, the commands send what the workflow would.
    run_by_bash(
        &script,
        dir.path(),
        &[
            ("EXPORT_TEST_KEY", "super-secret-key"),
            ("ACCESS_TOKEN", "tok"),
            ("IAM_TOKEN", "iam-tok"),
            ("EXPORT_TEST_PLAIN", "plain"),
        ],
    );
    let seen = server.take();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        pairs(&seen[0].body),
        json!([["apikey", "super-secret-key"], ["region", "eu-de"]])
    );
    assert_eq!(seen[1].path, "/eu-de/rules");
    assert_eq!(
        pairs(seen[1].query.as_deref().unwrap().as_bytes()),
        json!([
            ["label", "EU-DE-label"],
            ["quote", "it's a \"test\" $HOME `x`"]
        ])
    );
    let header = |name: &str| {
        seen[1]
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-token").as_deref(), Some("tok"));
    assert_eq!(header("x-env").as_deref(), Some("plain"));
    assert_eq!(header("authorization").as_deref(), Some("Bearer iam-tok"));
    // The steps share cookies through a file, as they share the workflow's jar.
    assert!(script.contains("-b apiflow-cookies.txt") && script.contains("-c apiflow-cookies.txt"));

    // --step picks one step; an unknown step is an error.
    let out = apiflow()
        .args(["export", "curl"])
        .arg(&wf)
        .args(["--step", "rules", "--input", "region=us"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("# step:").count(), 1, "{text}");
    assert!(text.contains("/us/rules"));
    let out = apiflow()
        .args(["export", "curl"])
        .arg(&wf)
        .args(["--step", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_recipe_in_the_repository_exports_to_commands_bash_accepts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows");
    let out = apiflow()
        .args(["export", "curl"])
        .arg(&root)
        .env("IBMCLOUD_API_KEY", "never-printed-key")
        .output()
        .unwrap();
    let script = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("cannot be exported"), "{err}");
    assert!(!script.contains("never-printed-key"));
    assert!(script.matches("\ncurl \\\n").count() >= 10, "{script}");
    let check = Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

/// A filter or slice on a secret takes its `"$NAME"` marker apart: such a step is not exported
/// (a wrong command, or a piece of the marker, would be worse), and it says why; the other
/// steps still are, and no value is printed.
#[test]
fn a_filtered_secret_is_refused_not_exported_wrong() {
    let dir = Dir::new();
    let file = dir.write(
        "filtered.yaml",
        "version: 1\nname: filtered\ninputs:\n  token: { env: HOSTILE_TOKEN, secret: true, required: true }\n\
         steps:\n  - id: encoded\n    request:\n      url: \"http://127.0.0.1:9/x?t={{ inputs.token | urlencode }}\"\n\
         \x20 - id: sliced\n    request:\n      url: \"http://127.0.0.1:9/y\"\n      headers: { X-T: \"{{ inputs.token[:3] }}\" }\n\
         \x20 - id: plain\n    request:\n      url: \"http://127.0.0.1:9/z\"\n      headers: { X-T: \"{{ inputs.token }}\" }\n",
    );
    let out = apiflow()
        .args(["export", "curl", file.to_str().unwrap()])
        .env("HOSTILE_TOKEN", "Sup3r-Secret-Tok")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    for step in ["encoded", "sliced"] {
        assert!(
            stderr.contains(&format!("step `{step}`: a filter or slice is applied")),
            "{stderr}"
        );
        assert!(!stdout.contains(&format!("# step: {step}")), "{stdout}");
    }
    assert!(stdout.contains("# step: plain"), "{stdout}");
    assert!(stdout.contains("\"$HOSTILE_TOKEN\""), "{stdout}");
    let all = format!("{stdout}{stderr}");
    assert!(!all.to_ascii_lowercase().contains("%ee%80"), "{all}");
    assert!(!all.contains('\u{E000}') && !all.contains("Sup3r"), "{all}");
}

#[test]
fn export_keeps_the_json_type_of_run_time_values_in_a_json_body() {
    let server = Recorder::start();
    let dir = Dir::new();
    let wf = dir.write(
        "typed.yaml",
        &r#"version: 1
name: Typed
steps:
  - id: get
    request: { url: "BASE/typed" }
    capture:
      n: { json: $.n }
      b: { json: $.b }
      o: { json: $.o }
      s: { json: $.s }
  - for_each: '["first"]'
    request:
      method: POST
      url: "BASE/post/{{ s }}"
      json:
        n: "{{ n }}"
        b: "{{ b }}"
        o: "{{ o }}"
        s: "{{ s }}"
        list: "{{ [n, s, 3] }}"
        map: { inner: "{{ o }}" }
        text: "s={{ s }} n={{ n }}"
        response: "{{ steps.get.response.json.o.k }}"
        item: "{{ item }}"
        index: "{{ index }}"
"#
        .replace("BASE", &server.url),
    );
    // What `apiflow run` sends.
    let out = apiflow().arg("run").arg(&wf).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let by_run = server.take();
    assert_eq!(by_run.len(), 2);
    let sent: Value = serde_json::from_slice(&by_run[1].body).unwrap();
    assert_eq!(
        sent,
        json!({"n": 7, "b": false, "o": {"k": [1, "x"]}, "s": "text",
               "list": [7, "text", 3], "map": {"inner": {"k": [1, "x"]}},
               "text": "s=text n=7", "response": [1, "x"], "item": "first", "index": 0})
    );

    let script = export(&wf, &[], &[]);
    // Each whole value reads a `_JSON` variable, listed with what it holds.
    for name in [
        "N_JSON",
        "B_JSON",
        "O_JSON",
        "S_JSON",
        "GET_O_K_JSON",
        "ITEM_JSON",
    ] {
        assert!(
            script.contains(&format!("#   {name}: ")),
            "{name}:\n{script}"
        );
    }
    // The values as `jq -c` prints them; text inside a string reads the plain variable.
    run_by_bash(
        &script,
        dir.path(),
        &[
            ("N_JSON", "7"),
            ("B_JSON", "false"),
            ("O_JSON", r#"{"k":[1,"x"]}"#),
            ("S_JSON", r#""text""#),
            ("GET_O_K_JSON", r#"[1,"x"]"#),
            ("ITEM_JSON", r#""first""#),
            ("INDEX_JSON", "0"),
            ("S", "text"),
            ("N", "7"),
        ],
    );
    let by_export = server.take();
    assert_eq!(by_export.len(), 2);
    assert_eq!(by_export[1].path, by_run[1].path);
    let exported: Value = serde_json::from_slice(&by_export[1].body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&by_export[1].body)));
    assert_eq!(exported, sent, "{script}");
}

/// An object built by an expression around a run-time value keeps its own key order in the
/// export: bash sends the very bytes `apiflow run` sent.
#[test]
fn export_keeps_the_key_order_of_an_object_holding_run_time_values() {
    let server = Recorder::start();
    let dir = Dir::new();
    let wf = dir.write(
        "order.yaml",
        &r#"version: 1
name: Order
steps:
  - id: get
    request: { url: "BASE/typed" }
    capture:
      n: { json: $.n }
  - id: post
    request:
      method: POST
      url: "BASE/post"
      json: "{{ {'b': n, 'a': 1} }}"
"#
        .replace("BASE", &server.url),
    );
    let out = apiflow().arg("run").arg(&wf).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let by_run = server.take();
    assert_eq!(by_run.len(), 2);
    assert_eq!(by_run[1].body, br#"{"b":7,"a":1}"#);

    let script = export(&wf, &[], &[]);
    run_by_bash(&script, dir.path(), &[("N_JSON", "7")]);
    let by_export = server.take();
    assert_eq!(by_export.len(), 2);
    assert_eq!(
        String::from_utf8_lossy(&by_export[1].body),
        String::from_utf8_lossy(&by_run[1].body),
        "{script}"
    );
}
