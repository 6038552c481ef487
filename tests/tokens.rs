//! Token providers against real servers: the sandbox (IAM) and oauth2-mock-server (OAuth2).

mod support;

use std::io::BufRead as _;
use std::sync::{Arc, Mutex};

use support::{Dir, SandboxProcess, TestServer, run};

const PROVIDER: &str = r#"inputs:
  apikey: { env: IBMCLOUD_API_KEY, secret: true, required: true }
  iam: { env: IBMCLOUD_IAM_URL, required: true }
auth:
  iam:
    token_url: "{{ inputs.iam }}/identity/token"
    grant_type: urn:ibm:params:oauth:grant-type:apikey
    params: { apikey: "{{ inputs.apikey }}" }
"#;

fn token_requests(sb: &SandboxProcess) -> usize {
    sb.log()
        .iter()
        .filter(|l| l.starts_with("POST /identity/token"))
        .count()
}

#[test]
fn tokens_are_renewed_before_they_expire_and_never_fail_with_401() {
    let sb = SandboxProcess::start(&["--token-ttl", "15s"]);
    let dir = Dir::new();
    let mut steps = String::from("steps:\n");
    for _ in 0..9 {
        steps.push_str("  - request: { url: \"{{ inputs.iam }}/v1/apikeys\", auth: iam }\n    expect: { status: 200 }\n  - sleep: 4s\n");
    }
    let file = dir.write(
        "long.yaml",
        &format!("version: 1\nname: long\n{PROVIDER}{steps}"),
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
    // 36 s of calls with a 15 s token renewed at 80% (12 s): fetched at 0, 12 and 24 s.
    assert_eq!(token_requests(&sb), 3, "{:?}", sb.log());
    assert!(
        sb.log().iter().all(|l| !l.contains(" 401 ")),
        "{:?}",
        sb.log()
    );
}

#[test]
fn a_revoked_token_is_renewed_once_and_the_request_repeated() {
    let dir = Dir::new();
    let file = dir.write(
        "revoked.yaml",
        &format!(
            "version: 1\nname: revoked\n{PROVIDER}{}",
            r#"steps:
  - request: { url: "{{ inputs.iam }}/v1/apikeys", auth: iam }
    expect: { status: 200 }
  - request: { method: POST, url: "{{ inputs.iam }}/sandbox/v1/revoke-tokens" }
    expect: { status: 204 }
  - request: { url: "{{ inputs.iam }}/v1/apikeys", auth: iam }
    expect: { status: 200 }
  - request: { url: "{{ inputs.iam }}/sandbox/v1/stats" }
    expect:
      json: { $.token_requests: 2 }
"#
        ),
    );
    let (code, out, err) = run(&["run", "--sandbox", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn concurrent_workflows_share_one_token_fetch() {
    let sb = SandboxProcess::start(&["--latency", "50ms"]);
    let dir = Dir::new();
    for n in 0..4 {
        dir.write(
            &format!("w{n}.yaml"),
            &format!("version: 1\nname: w{n}\n{PROVIDER}steps:\n  - request: {{ url: \"{{{{ inputs.iam }}}}/v1/apikeys\", auth: iam }}\n    expect: {{ status: 200 }}\n"),
        );
    }
    let out = sb
        .apiflow()
        .args(["run", "--jobs", "4", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(token_requests(&sb), 1, "{:?}", sb.log());
}

#[test]
fn token_endpoint_failures_say_what_the_provider_said() {
    let dir = Dir::new();
    let file = dir.write(
        "bad.yaml",
        &format!("version: 1\nname: bad\n{PROVIDER}steps:\n  - request: {{ url: \"{{{{ inputs.iam }}}}/v1/apikeys\", auth: iam }}\n"),
    );
    let sb = SandboxProcess::start(&[]);
    let out = support::apiflow()
        .env("IBMCLOUD_API_KEY", "not-the-key")
        .env("IBMCLOUD_IAM_URL", &sb.url)
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("auth provider `iam`: the token endpoint answered 400: BXNIM0415E Provided API key could not be found."),
        "{stdout}"
    );
}

#[test]
fn the_token_cache_spares_the_token_endpoint_across_runs() {
    let sb = SandboxProcess::start(&[]);
    let dir = Dir::new();
    let cache = dir.path().join("cache");
    let file = dir.write(
        "cached.yaml",
        &format!("version: 1\nname: cached\n{PROVIDER}steps:\n  - request: {{ url: \"{{{{ inputs.iam }}}}/v1/apikeys\", auth: iam }}\n    expect: {{ status: 200 }}\n"),
    );
    for _ in 0..3 {
        let out = sb
            .apiflow()
            .args([
                "run",
                "--token-cache",
                cache.to_str().unwrap(),
                file.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(token_requests(&sb), 1, "{:?}", sb.log());
    let entries: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1);
    let name = entries[0].file_name().to_string_lossy().into_owned();
    assert!(
        name.trim_end_matches(".json")
            .chars()
            .all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );
    let text = std::fs::read_to_string(entries[0].path()).unwrap();
    assert!(
        !text.contains(sb.apikey.as_deref().unwrap()),
        "the raw key is never stored"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            entries[0].metadata().unwrap().permissions().mode() & 0o777,
            0o600
        );
        let folder = std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
        assert_eq!(folder, 0o700, "the cache folder is private");
        // A link planted at the old predictable temporary name is never followed: the token is
        // written under a fresh random name, then renamed.
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "untouched").unwrap();
        let planted = entries[0].path().with_extension("tmp");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        std::fs::remove_file(entries[0].path()).unwrap();
        let out = sb
            .apiflow()
            .args([
                "run",
                "--token-cache",
                cache.to_str().unwrap(),
                file.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    }
}

/// oauth2-mock-server, started with `node`; `.ci/run` installs it into tests/oauth.
struct OAuthServer {
    url: String,
    grants: Arc<Mutex<Vec<String>>>,
    child: std::process::Child,
}

impl OAuthServer {
    fn start(ttl: u32) -> Self {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oauth");
        if !dir.join("node_modules/oauth2-mock-server").is_dir() {
            // A fresh clone: install it, as .ci/run does, so `cargo test` alone works.
            let status = std::process::Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .expect("npm runs");
            assert!(status.success(), "npm install in tests/oauth failed");
        }
        let mut child = std::process::Command::new("node")
            .arg(dir.join("server.mjs"))
            .env("TOKEN_TTL", ttl.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("node runs");
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let grants = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&grants);
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if let Some(port) = line
                    .strip_prefix("listening ")
                    .and_then(|u| u.rsplit(':').next())
                {
                    let _ = tx.send(format!("http://127.0.0.1:{port}"));
                } else if let Some(g) = line.strip_prefix("grant ") {
                    sink.lock().unwrap().push(g.to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("oauth2-mock-server started");
        Self { url, grants, child }
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_real_oauth2_server_client_credentials_and_refresh_token_grants() {
    let oauth = OAuthServer::start(2);
    let api = TestServer::start();
    let dir = Dir::new();
    let file = dir.write(
        "oauth.yaml",
        &r#"version: 1
name: oauth
auth:
  machine:
    token_url: OAUTH/token
    grant_type: client_credentials
    client: { id: apiflow, secret: s3cret-client }
    scope: read write
  user:
    token_url: OAUTH/token
    grant_type: password
    params: { username: alice, password: alice-password, client_id: apiflow }
    refresh_at: 50%
steps:
  - request: { url: API/echo, auth: machine }
    expect:
      json:
        $.headers.authorization: { matches: '^Bearer [\w-]+\.[\w-]+\.[\w-]+$' }
  - id: first
    request: { url: API/echo, auth: user }
    capture: { first_auth: "$.headers.authorization" }
  - sleep: 1500ms
  - request: { url: API/echo, auth: user }
    expect:
      json:
        $.headers.authorization: { ne: "{{ first_auth }}" }
"#
        .replace("OAUTH", &oauth.url)
        .replace("API", &api.url),
    );
    let (code, out, err) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let grants = oauth.grants.lock().unwrap().clone();
    assert_eq!(grants, ["client_credentials", "password", "refresh_token"]);
    let log = api.log();
    assert!(!out.contains("s3cret-client") && !out.contains("alice-password"));
    assert!(
        log[0]["headers"]["authorization"]
            .as_str()
            .unwrap()
            .starts_with("Bearer ")
    );
}
