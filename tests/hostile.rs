//! Hostile input (issue 9): seeded random inputs thrown at the loader, the data-file reader,
//! XPath, `import curl`'s chain and the cookie-jar reader. Nothing may panic; each generator
//! is seeded so that a failure names the input that caused it and reproduces.

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use support::{Dir, apiflow};

/// A small xorshift generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// `len` tokens from `alphabet`, joined.
    fn text(&mut self, alphabet: &[&str], len: usize) -> String {
        (0..len).map(|_| self.pick(alphabet)).collect()
    }
}

/// `count` inputs drawn from `seed`, each of `min` to `min + spread - 1` tokens of `alphabet`.
fn inputs(
    seed: u64,
    count: usize,
    alphabet: &'static [&'static str],
    min: usize,
    spread: usize,
) -> impl Iterator<Item = String> {
    let mut rng = Rng(seed);
    (0..count).map(move |_| {
        let n = min + rng.below(spread);
        rng.text(alphabet, n)
    })
}

/// Runs `f` on each generated input; a panic fails the test naming the input.
fn no_panic(name: &str, inputs: impl Iterator<Item = String>, f: impl Fn(&str)) {
    for input in inputs {
        let r = catch_unwind(AssertUnwindSafe(|| f(&input)));
        assert!(r.is_ok(), "{name} panicked on {input:?}");
    }
}

const CURL_TOKENS: &[&str] = &[
    "curl ",
    " ",
    " ",
    "-H ",
    "-d ",
    "-u ",
    "-F ",
    "-X ",
    "-G ",
    "-b ",
    "-c ",
    "--json ",
    "--data-urlencode ",
    "--url ",
    "--data-binary ",
    "-k ",
    "-L ",
    "--compressed ",
    "-o ",
    "'",
    "'",
    "\"",
    "\"",
    "\\",
    "$'",
    "\\n",
    "\\x",
    "\\u",
    "$",
    "${",
    "}",
    "{{",
    "}}",
    "@",
    "=",
    ":",
    ";",
    ";type=",
    "http://",
    "https://",
    "127.0.0.1",
    ":8080",
    "/p",
    "?a=1",
    "&",
    "#",
    "%",
    "%zz",
    "%41",
    "[",
    "]",
    "\n",
    "\\\n",
    "|",
    "a",
    "bc",
    "é",
    "\u{ffff}",
    "\t",
    "Authorization: Bearer ",
    "Cookie: s=",
    "Content-Type: ",
    "application/json",
    "{\"a\":",
    "-",
    "--",
    "-:",
    "--next ",
    "-K ",
    "--user-agent ",
    "-e ",
    "--oauth2-bearer ",
    "<",
    ">",
];

#[test]
fn import_curl_never_panics_on_odd_quoting() {
    let dir = Dir::new();
    let inputs =
        inputs(0x9e37_79b9_7f4a_7c15, 3000, CURL_TOKENS, 1, 24).map(|t| format!("curl {t}"));
    no_panic("import curl", inputs, |text| {
        let Ok(split) = apiflow::curl::shell::split(text) else {
            return;
        };
        let Ok(parsed) = apiflow::curl::command::CurlCommand::parse(&split.words) else {
            return;
        };
        let Ok(req) = apiflow::curl::mapping::from_curl(&parsed.command, dir.path()) else {
            return;
        };
        let _ = apiflow::curl::import::import(&req, true);
        let _ = apiflow::curl::import::import(&req, false);
        let _ = apiflow::curl::export::command(&req);
    });
}

const XPATH_TOKENS: &[&str] = &[
    "/",
    "//",
    "a",
    "b",
    "*",
    "@",
    "@id",
    "[",
    "]",
    "(",
    ")",
    "1",
    "0",
    "-1",
    "last()",
    "position()",
    "count(",
    "string(",
    "concat(",
    "substring(",
    "'x'",
    "\"y\"",
    ",",
    "|",
    " and ",
    " or ",
    "=",
    "!=",
    "<",
    ">",
    "+",
    "-",
    " div ",
    " mod ",
    "..",
    ".",
    "text()",
    "node()",
    "::",
    "child",
    "ancestor",
    "following-sibling",
    "$v",
    "namespace::",
    "9e999",
    "normalize-space(",
    "translate(",
    "sum(",
    "number(",
    "id(",
    "lang(",
    "\u{0}",
    "é",
];

const BODIES: &[(&str, &str)] = &[
    ("application/xml", "<a id='1'><b>x</b><b>y</b><c/></a>"),
    ("text/html", "<html><body><a id=1>x<b>y</a><p>é</body>"),
    (
        "application/xml",
        "<?xml version='1.0'?><!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",
    ),
    ("text/html", ""),
    ("application/xml", "<a xmlns:p='urn:x'><p:b/></a"),
];

#[test]
fn xpath_never_panics() {
    let inputs = inputs(0x1234_5678_9abc_def1, 3000, XPATH_TOKENS, 1, 12);
    no_panic("xpath", inputs, |expr| {
        let Ok(xp) = apiflow::xpath::XPath::compile(expr) else {
            return;
        };
        for (ct, body) in BODIES {
            let _ = xp.evaluate(body.as_bytes(), Some(ct));
        }
    });
}

const DATA_TOKENS: &[&str] = &[
    ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", "a", "id", "name", "1", " ", "é", "\u{feff}", "{",
    "}", "[", "]", ":", "null", "true", "-", "#", "'", "\t", "\\", "\u{0}", "&a", "*a", "!!", "- ",
    "? ", "|", ">",
];

#[test]
fn data_files_never_panic() {
    let dir = Dir::new();
    let inputs = inputs(0x0dd_ba11_cafe_f00d, 400, DATA_TOKENS, 0, 30);
    // The data reader is private: it runs through the loader, as `validate` runs it.
    no_panic("data file", inputs, |text| {
        for ext in ["csv", "json", "yaml"] {
            dir.write(&format!("rows.{ext}"), text);
            let wf = format!(
                "version: 1\nname: d\nsteps:\n  - for_each: {{ file: rows.{ext} }}\n    assert:\n      - that: true\n"
            );
            let path = dir.write("d.yaml", &wf);
            let _ = apiflow::load::Loader::new().load(&path);
        }
    });
}

const YAML_TOKENS: &[&str] = &[
    "version: 1\n",
    "name: x\n",
    "steps:\n",
    "  - id: a\n",
    "    request:\n",
    "      url: http://127.0.0.1:1/\n",
    "      method: GET\n",
    "    expect:\n",
    "      status: 200\n",
    "inputs:\n",
    "  k: { secret: true }\n",
    "vars:\n",
    "  v: 1\n",
    "  - for_each: [1, 2]\n",
    "  - include: x.yaml\n",
    "    json: { $.a: 1 }\n",
    "    xpath: { '//a': 1 }\n",
    "{{",
    "}}",
    "- ",
    "  ",
    "\t",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!str ",
    "? ",
    ": ",
    "'",
    "\"",
    "#",
    "\n",
    "[",
    "]",
    "{",
    "}",
    ",",
    "|\n",
    ">-\n",
    "é",
    "\u{feff}",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "defaults:\n",
    "  request: { timeout: 1s }\n",
    "finally:\n",
    "outputs:\n",
    "  o: \"{{ vars.v }}\"\n",
    "    retry: { attempts: 99999 }\n",
];

#[test]
fn the_loader_never_panics_on_odd_yaml() {
    let dir = Dir::new();
    let inputs = inputs(0xfeed_face_dead_beef, 400, YAML_TOKENS, 0, 40);
    no_panic("loader", inputs, |text| {
        let path = dir.write("w.yaml", text);
        let _ = apiflow::load::Loader::new().load(&path);
    });
}

const JAR_LINES: &[&str] = &[
    "127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tvalue-123456\n",
    "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\th\tv\n",
    ".example.com\tTRUE\t/\tTRUE\t99999999999999\tx\ty\n",
    "\tTRUE\t/\tTRUE\t0\tx\ty\n",
    ".\tTRUE\t/\tTRUE\t0\tx\ty\n",
    "..\tTRUE\t\tTRUE\t-5\t\t\n",
    "[::1]\tFALSE\t/\tFALSE\t0\tx\ty\n",
    "::1\tFALSE\t/\tFALSE\t0\tx\ty\n",
    "a b\tFALSE\t/\tFALSE\t0\tx\ty\n",
    "h\tFALSE\t//x/../\tFALSE\t0\tx\ty\n",
    "h\tFALSE\t/\tFALSE\t-9223372036854775808\tx\ty\n",
    "h\tFALSE\t/\tFALSE\t9223372036854775807\tx\ty\n",
    "h\tFALSE\t/\tFALSE\t1e9\tx\ty\n",
    "#HttpOnly_\n",
    "h:99999\tFALSE\t/\tFALSE\t0\tx\ty\n",
    "h\tFALSE\t/\tFALSE\t0\t;=\t\u{7f}\n",
    "é.com\tTRUE\t/\tFALSE\t0\tx\ty\n",
    "com\tTRUE\t/\tFALSE\t0\tx\ty\n",
    "\r\n",
    "# comment\n",
];

/// A malformed Netscape cookie file is a clean error or an accepted jar, never a panic (the
/// jar reader is private, so it is driven through `--cookie-jar`).
#[test]
fn cookie_jar_files_never_crash_the_run() {
    let dir = Dir::new();
    dir.write(
        "w.yaml",
        "version: 1\nname: w\nsteps:\n  - assert:\n      - that: true\n",
    );
    for jar in inputs(0xc00c_1e5e_ed00_0001, 16, JAR_LINES, 1, 5) {
        let path = dir.write("jar.txt", &jar);
        let out = apiflow()
            .arg("run")
            .arg(dir.path().join("w.yaml"))
            .arg("--cookie-jar")
            .arg(&path)
            .output()
            .unwrap();
        let code = out.status.code();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(code, Some(0..=2)) && !err.contains("panicked"),
            "jar {jar:?}: exit {code:?}\n{err}"
        );
    }
}

/// `import curl`'s errors never echo a value that may be a credential.
#[test]
fn import_curl_errors_do_not_echo_credentials() {
    let dir = Dir::new();
    for args in [
        ["--user=alice:Pw-s3cr3t-1", "http://127.0.0.1:9/"],
        [
            "--header=Authorization: Bearer Pw-s3cr3t-1",
            "http://127.0.0.1:9/",
        ],
        ["-u", "Pw-s3cr3t-1"],
    ] {
        let out = apiflow()
            .args(["import", "curl", "--workflow", "--", "curl"])
            .args(args)
            .args(["http://127.0.0.1:9/x"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains("error:"), "{args:?}: {text}");
        assert!(!text.contains("s3cr3t"), "{args:?} leaked: {text}");
    }
}

/// A secret made of awkward characters: `-._*~!%&<>"\'`, a space, a newline, non-ASCII.
const AWKWARD: &str = "Zq9Xk-._*~!%&<>\"\\' é\nΩ✓+/=tail7Wp";
/// Pieces of it that must not show either (a cut secret shows its first characters).
const PIECES: &[&str] = &["Zq9Xk", "tail7Wp"];

/// Every string inside a JSON document.
fn json_strings(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| {
            out.push_str(k);
            out.push('\n');
            json_strings(v, out);
        }),
        _ => {}
    }
}

/// The text and attribute values of an XML document, entities decoded.
fn xml_text(xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("JUnit: {e}\n{xml}"));
    let mut out = String::new();
    for node in doc.descendants() {
        if let Some(t) = node.text() {
            out.push_str(t);
            out.push('\n');
        }
        for a in node.attributes() {
            out.push_str(a.value());
            out.push('\n');
        }
    }
    out
}

/// The text and attribute values of an HTML document, entities decoded.
fn html_text(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let mut out = String::new();
    for node in doc.tree.nodes() {
        match node.value() {
            scraper::Node::Text(t) => {
                out.push_str(t);
                out.push('\n');
            }
            scraper::Node::Element(e) => {
                for (_, v) in e.attrs() {
                    out.push_str(v);
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
    out
}

fn assert_hidden(place: &str, text: &str) {
    for piece in PIECES.iter().copied().chain([AWKWARD]) {
        assert!(!text.contains(piece), "{place} shows `{piece}`:\n{text}");
    }
}

/// The awkward secret travels in a query and a JSON body, comes back in the response, fails a
/// JSON check whose shown value is cut at every offset around the secret; no output shows it,
/// raw or decoded, and the cookie jar file holds the cookie and nothing else.
#[test]
fn an_awkward_secret_is_hidden_in_every_output() {
    let server = support::TestServer::start();
    let dir = Dir::new();
    let yaml = format!(
        r#"version: 1
name: awkward
inputs:
  token: {{ secret: true, env: HOSTILE_TOKEN }}
vars:
  pads: [{pads}]
steps:
  - id: cookie
    request: {{ url: "{url}/cookie" }}
  - id: send
    for_each: vars.pads
    request:
      method: POST
      url: "{url}/echo"
      query: {{ k: "{{{{ inputs.token }}}}" }}
      json: {{ pad: "{{{{ item }}}}", t: "{{{{ inputs.token }}}}" }}
    expect:
      json: {{ $.json: {{ eq: nope }} }}
"#,
        url = server.url,
        pads = [170, 176, 180, 183, 186, 190, 195, 199]
            .map(|n| "x".repeat(n))
            .join(", ")
    );
    dir.write("w.yaml", &yaml);
    let jar = dir.path().join("jar.txt");
    for verbosity in [&["-v"][..], &["--quiet"], &[]] {
        let reports = ["json", "junit", "html"].map(|k| dir.path().join(format!("r.{k}")));
        let out = apiflow()
            .arg("run")
            .arg(dir.path().join("w.yaml"))
            .args(verbosity)
            .arg("--cookie-jar")
            .arg(&jar)
            .args(
                ["json", "junit", "html"]
                    .iter()
                    .zip(&reports)
                    .flat_map(|(k, p)| ["--report".to_owned(), format!("{k}={}", p.display())]),
            )
            .env("HOSTILE_TOKEN", AWKWARD)
            .env("GITHUB_ACTIONS", "true")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
        assert_hidden(&format!("stdout {verbosity:?}"), &stdout);
        assert_hidden(&format!("stderr {verbosity:?}"), &stderr);
        let read = |i: usize| std::fs::read_to_string(&reports[i]).unwrap();
        let (json, junit, html) = (read(0), read(1), read(2));
        let mut decoded = String::new();
        json_strings(&serde_json::from_str(&json).unwrap(), &mut decoded);
        assert_hidden("JSON report", &json);
        assert_hidden("JSON report, decoded", &decoded);
        assert_hidden("JUnit report", &junit);
        assert_hidden("JUnit report, decoded", &xml_text(&junit));
        assert_hidden("HTML report", &html);
        assert_hidden("HTML report, decoded", &html_text(&html));
        // The cookie the server set is a credential too (masked under -v as well).
        for (place, text) in [
            ("stdout", &*stdout),
            ("stderr", &*stderr),
            ("JSON", &json),
            ("JUnit", &junit),
            ("HTML", &html),
        ] {
            assert!(
                !text.contains("s3ss10n"),
                "{place} {verbosity:?} shows the cookie"
            );
        }
        let jar_text = std::fs::read_to_string(&jar).unwrap();
        assert_hidden("cookie jar", &jar_text);
        let cookies: Vec<&str> = jar_text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with("# "))
            .collect();
        assert_eq!(cookies.len(), 1, "{jar_text}");
        assert!(
            cookies[0].ends_with("\tsession\ts3ss10n-value"),
            "{jar_text}"
        );
    }
    // The secret did reach the server, in the query and the body.
    let log = server.log();
    let sent = log.iter().find(|e| e["path"] == "/echo").unwrap();
    assert!(sent["body"].as_str().unwrap().contains("tail7Wp"));
    assert!(sent["query"].as_str().unwrap().contains("tail7Wp"));
}

/// A loopback server answering every request to `/pad/N` with N `x`s and then `AWKWARD`, as
/// plain text (the test server only answers JSON with what it was sent); `/bad/N` the same
/// with status 400.
fn text_server() -> String {
    use std::io::{BufRead as _, BufReader, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = first.split(' ').nth(1).unwrap_or_default();
            let status = if path.starts_with("/bad/") { 400 } else { 200 };
            let n: usize = path
                .strip_prefix("/pad/")
                .or_else(|| path.strip_prefix("/bad/"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let body = format!("{}{AWKWARD}", "x".repeat(n));
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// A JSON check on a text body shows an excerpt of the body: a secret cut by the excerpt's end
/// must not show its first characters.
#[test]
fn a_secret_cut_by_the_not_json_excerpt_stays_hidden() {
    let url = text_server();
    let dir = Dir::new();
    let yaml = format!(
        r#"version: 1
name: cut
inputs:
  token: {{ secret: true, env: HOSTILE_TOKEN }}
vars:
  pads: [100, 110, 115, 117, 119, 120]
steps:
  - for_each: vars.pads
    request: {{ url: "{url}/pad/{{{{ item }}}}", headers: {{ x-t: "{{{{ inputs.token | length }}}}" }} }}
    expect:
      json: {{ $.a: 1 }}
"#
    );
    dir.write("w.yaml", &yaml);
    let report = dir.path().join("r.json");
    let out = apiflow()
        .arg("run")
        .arg(dir.path().join("w.yaml"))
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .env("HOSTILE_TOKEN", AWKWARD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("not JSON"), "{stdout}");
    assert_hidden("stdout", &stdout);
    assert_hidden("stderr", &stderr);
    let mut decoded = String::new();
    let json = std::fs::read_to_string(&report).unwrap();
    json_strings(&serde_json::from_str(&json).unwrap(), &mut decoded);
    assert_hidden("JSON report, decoded", &decoded);
}

/// An auth provider's failing token endpoint answers with text holding the secret it was sent,
/// cut by the error's 200-character excerpt: the secret's first characters stay hidden.
#[test]
fn a_secret_cut_by_a_token_error_excerpt_stays_hidden() {
    let url = text_server();
    let dir = Dir::new();
    for n in [190, 195, 197, 199] {
        let yaml = format!(
            r#"version: 1
name: token
inputs:
  token: {{ secret: true, env: HOSTILE_TOKEN }}
auth:
  p:
    token_url: "{url}/bad/{n}"
    grant_type: client_credentials
    params: {{ apikey: "{{{{ inputs.token }}}}" }}
steps:
  - request: {{ url: "{url}/pad/1", auth: p }}
"#
        );
        dir.write("w.yaml", &yaml);
        let out = apiflow()
            .arg("run")
            .arg(dir.path().join("w.yaml"))
            .env("HOSTILE_TOKEN", AWKWARD)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
        assert!(stdout.contains("answered 400"), "{stdout}");
        assert_hidden("stdout", &stdout);
        assert_hidden("stderr", &stderr);
    }
}
