//! The cookie jar against a real server on 127.0.0.1: filled from every response (redirect
//! hops included), sent by RFC 6265 rules, shared with includes but never between files,
//! `--cookie-jar` in the Netscape format read back by the real `curl`.

mod http_server;
mod support;

use http_server::HttpServer;
use serde_json::Value;
use support::{Dir, apiflow};

fn run(dir: &Dir, files: &[&str], extra: &[&str]) -> (i32, String, Value) {
    let report = dir.path().join("report.json");
    let out = apiflow()
        .arg("run")
        .args(files.iter().map(|f| dir.path().join(f)))
        .arg("-v")
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .args(extra)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let json = std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report: {text}"));
    (
        out.status.code().unwrap_or(-1),
        text,
        serde_json::from_str(&json).unwrap(),
    )
}

fn cookie_of(entry: &Value) -> Option<&str> {
    entry["headers"]["cookie"].as_str()
}

const LOGIN: &str = r#"version: 1
name: login
steps:
  - id: login
    request:
      method: POST
      url: "A/login"
      form: { user: alice, password: pw-for-alice }
    expect:
      status: 200
      json: { $.user: alice }
      cookies:
        sid: { exists: true, length: 14 }
        other: { exists: false }
  - assert:
      - that: steps.login.response.cookies.sid | length == 14
      - that: steps.login.response.redirects | length == 1
"#;

#[test]
fn a_cookie_set_on_a_redirect_hop_is_sent_on_the_next_hop_and_later_steps() {
    let a = HttpServer::start();
    let dir = Dir::new();
    let yaml = format!(
        "{LOGIN}{}",
        r#"  - request: { url: "A/home" }
    expect: { status: 200 }
  - request: { url: "A/home", cookies: false }
    expect: { status: 401 }
  - request: { url: "A/echo/own", cookies: { extra: "extra-value-1", sid: replaced } }
  - name: a check on a cookie that does not hold
    request: { url: "A/login", method: POST }
    expect:
      cookies: { sid: not-the-value }
"#
    )
    .replace("A/", &format!("{}/", a.url));
    dir.write("wf.yaml", &yaml);
    let (code, out, report) = run(&dir, &["wf.yaml"], &[]);
    assert_eq!(code, 1, "{out}");
    let steps = report["workflows"][0]["steps"].as_array().unwrap();
    let statuses: Vec<&str> = steps
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["passed", "passed", "passed", "passed", "passed", "failed"]
    );
    let home = a.hits("/home");
    assert_eq!(cookie_of(&home[0]), Some("sid=s3ss10n-secret"));
    assert_eq!(cookie_of(&home[1]), Some("sid=s3ss10n-secret"));
    assert_eq!(cookie_of(&home[2]), None, "`cookies: false` sent the jar");
    assert_eq!(
        cookie_of(&a.hits("/echo/own")[0]),
        Some("extra=extra-value-1; sid=replaced")
    );
    // The failed cookie check names the cookie, never its value.
    let failed = &steps[5]["attempts"][0]["checks"][0];
    assert_eq!(failed["passed"], false);
    assert!(failed["subject"].as_str().unwrap().contains("sid"));
    let all = report.to_string() + &out;
    assert!(!all.contains("s3ss10n-secret"), "a cookie value leaked");
    assert!(!all.contains("extra-value-1"), "a request cookie leaked");
    assert!(out.contains("sid=••••••"), "{out}");
}

#[test]
fn top_level_cookies_false_turns_the_jar_off() {
    let a = HttpServer::start();
    let dir = Dir::new();
    let yaml = r#"version: 1
name: no jar
cookies: false
steps:
  - request: { method: POST, url: "A/login" }
    expect: { status: 401, cookies: { sid: { exists: true } } }
"#
    .replace("A/", &format!("{}/", a.url));
    dir.write("wf.yaml", &yaml);
    let (code, out, _) = run(&dir, &["wf.yaml"], &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(cookie_of(&a.hits("/home")[0]), None);
}

#[test]
fn an_included_workflow_shares_the_jar_and_concurrent_files_do_not() {
    let a = HttpServer::start();
    let dir = Dir::new();
    dir.write("login.yaml", &LOGIN.replace("A/", &format!("{}/", a.url)));
    let main = r#"version: 1
name: main
steps:
  - include: login.yaml
  - request: { url: "A/home" }
    expect: { status: 200 }
"#
    .replace("A/", &format!("{}/", a.url));
    dir.write("main.yaml", &main);
    // Runs at the same time as main (two jobs) and asks later: it must not see main's jar.
    let other = r#"version: 1
name: other
steps:
  - sleep: 1s
  - request: { url: "A/echo/other" }
"#
    .replace("A/", &format!("{}/", a.url));
    dir.write("other.yaml", &other);
    let (code, out, _) = run(&dir, &["main.yaml", "other.yaml"], &["--jobs", "2"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(cookie_of(&a.hits("/home")[1]), Some("sid=s3ss10n-secret"));
    assert_eq!(cookie_of(&a.hits("/echo/other")[0]), None);
}

fn curl(args: &[&str]) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "-S"])
        .args(args)
        .output()
        .expect("curl is installed");
    assert!(out.status.success(), "curl {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_cookie_jar_file_round_trips_with_curl() {
    let a = HttpServer::start();
    let dir = Dir::new();
    dir.write("login.yaml", &LOGIN.replace("A/", &format!("{}/", a.url)));
    let jar = dir.path().join("jar.txt");
    let jar_arg = jar.to_str().unwrap();
    let (code, out, _) = run(&dir, &["login.yaml"], &["--cookie-jar", jar_arg]);
    assert_eq!(code, 0, "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&jar).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the jar is readable by others");
    }
    // curl reads apiflow's jar and is let in.
    let body = curl(&["-b", jar_arg, &format!("{}/home", a.url)]);
    assert_eq!(body, r#"{"user":"alice"}"#);

    // curl writes a jar (a cookie for another path, one for all paths) that apiflow reads.
    let curl_jar = dir.path().join("curl.txt");
    let curl_jar_arg = curl_jar.to_str().unwrap();
    curl(&[
        "-c",
        curl_jar_arg,
        &format!(
            "{}/set?cookie=k%3Dcurl-set-value%3B%20Path%3D%2F&cookie=narrow%3Dn%3B%20Path%3D%2Fother",
            a.url
        ),
    ]);
    let uses = r#"version: 1
name: uses curl's jar
steps:
  - request: { url: "A/echo/with-curl-jar" }
  - name: fails, but the jar is still written
    request: { url: "A/set?cookie=late%3Dlate-value%3B%20Path%3D%2F" }
    expect: { status: 500 }
"#
    .replace("A/", &format!("{}/", a.url));
    dir.write("uses.yaml", &uses);
    let (code, out, _) = run(&dir, &["uses.yaml"], &["--cookie-jar", curl_jar_arg]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        cookie_of(&a.hits("/echo/with-curl-jar")[0]),
        Some("k=curl-set-value")
    );
    assert!(
        !out.contains("curl-set-value"),
        "a loaded cookie leaked: {out}"
    );
    let text = std::fs::read_to_string(&curl_jar).unwrap();
    assert!(text.contains("\tlate\tlate-value"), "{text}");
    assert!(text.contains("\tnarrow\tn"), "{text}");
    // And curl reads it back after apiflow rewrote it.
    let echoed = curl(&["-b", curl_jar_arg, &format!("{}/echo/by-curl", a.url)]);
    let echoed: Value = serde_json::from_str(&echoed).unwrap();
    let sent = echoed["headers"]["cookie"].as_str().unwrap();
    assert!(
        sent.contains("k=curl-set-value") && sent.contains("late=late-value"),
        "{sent}"
    );
}

#[test]
fn an_unreadable_cookie_jar_is_an_input_error() {
    let dir = Dir::new();
    dir.write("wf.yaml", "version: 1\nname: t\nsteps:\n  - sleep: 1ms\n");
    dir.write("bad.txt", "example.com\tFALSE\n");
    let out = apiflow()
        .arg("run")
        .arg(dir.path().join("wf.yaml"))
        .arg("--cookie-jar")
        .arg(dir.path().join("bad.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.txt:1: a cookie line has 7"), "{err}");
}

#[test]
fn the_cookie_login_example_passes() {
    let a = HttpServer::start();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("workflows/examples/cookie-login.yaml");
    let out = apiflow()
        .arg("run")
        .arg(example)
        .args(["-i", &format!("base={}", a.url)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(cookie_of(&a.hits("/home")[1]), Some("sid=s3ss10n-secret"));
}
