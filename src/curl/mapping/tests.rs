//! The mapping's tests: known commands, and generated requests through export and import.

use std::path::Path;

use super::curl_data::curl_escape;
use super::*;
use crate::curl::command::CurlCommand;
use crate::curl::request::{Body, Part, Request};
use crate::curl::shell::reference;

fn import(args: &[&str]) -> Result<Request, String> {
    let words: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let cmd = CurlCommand::parse(&words)?.command;
    from_curl(&cmd, Path::new("."))
}

#[test]
fn the_iam_token_request_is_a_form_post() {
    let r = import(&[
        "curl",
        "-X",
        "POST",
        "https://iam.cloud.ibm.com/identity/token",
        "--header",
        "Content-Type: application/x-www-form-urlencoded",
        "--header",
        "Accept: application/json",
        "--data-urlencode",
        "grant_type=urn:ibm:params:oauth:grant-type:apikey",
        "--data-urlencode",
        "apikey=<API_KEY>",
    ])
    .unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.url, "https://iam.cloud.ibm.com/identity/token");
    assert_eq!(
        r.headers,
        [("Accept".to_owned(), "application/json".to_owned())]
    );
    assert_eq!(
        r.body,
        Body::Form(vec![
            (
                "grant_type".into(),
                "urn:ibm:params:oauth:grant-type:apikey".into()
            ),
            ("apikey".into(), "<API_KEY>".into()),
        ])
    );
    assert!(!r.follow_redirects);
}

#[test]
fn json_get_and_userinfo() {
    let r = import(&[
        "--json",
        r#"{"a": [1, "x"]}"#,
        "http://u:p%40ss@h:8/x?q=1#frag",
    ])
    .unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.body, Body::Json(serde_json::json!({"a": [1, "x"]})));
    assert_eq!(r.basic, Some(("u".into(), "p@ss".into())));
    assert_eq!(r.url, "http://h:8/x");
    assert_eq!(r.query, [("q".to_owned(), "1".to_owned())]);
    assert_eq!(r.header("accept"), Some("application/json"));
    let r = import(&[
        "-G",
        "-d",
        "a=1",
        "--data-urlencode",
        "b=x y",
        "h.example/p",
    ])
    .unwrap();
    assert_eq!(r.method, "GET");
    assert_eq!(r.url, "http://h.example/p");
    assert_eq!(r.body, Body::None);
    assert_eq!(r.query.len(), 2);
    assert_eq!(r.query[1].1, "x y");
}

#[test]
fn other_bodies_stay_text_with_their_type() {
    let r = import(&["-d", "hello", "http://h/"]).unwrap();
    assert_eq!(r.body, Body::Raw("hello".into()));
    assert_eq!(r.header("content-type"), Some(FORM_TYPE));
    let r = import(&[
        "-H",
        "Content-Type: text/plain",
        "--data-raw",
        "@x",
        "http://h/",
    ])
    .unwrap();
    assert_eq!(r.body, Body::Raw("@x".into()));
    assert!(import(&["-d", "@/no/such/file", "http://h/"]).is_err());
    assert!(import(&["-u", "nopass", "http://h/"]).is_err());
    assert!(import(&["-b", "jar.txt", "http://h/"]).is_err());
    let r = import(&["--oauth2-bearer", "t0k", "http://h/"]).unwrap();
    assert_eq!(r.header("authorization"), Some("Bearer t0k"));
    // A session's jar, as export writes it, is apiflow's own jar's job.
    let r = import(&["-b", "jar.txt", "-c", "jar.txt", "http://h/"]).unwrap();
    assert_eq!(r.header("cookie"), None);
    assert!(import(&["http://a/", "http://b/"]).is_err());
}

#[test]
fn escaping_matches_curl() {
    assert_eq!(curl_escape(b"a b*~/"), "a+b%2A~%2F");
}

/// A random request of the model, with references (`"$NAME"`) mixed into its values.
fn generated(rng: &mut rand::rngs::StdRng) -> Request {
    use rand::Rng as _;
    let alphabet: Vec<char> = " aZ9&=+%?#;:,/'\"\\$`!{}<>@é☃\t".chars().collect();
    let text = |rng: &mut rand::rngs::StdRng, refs: bool| -> String {
        let mut t: String = (0..rng.random_range(0..10))
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        if refs && rng.random_bool(0.3) {
            t.push_str(&reference("SOME_VAR"));
        }
        t
    };
    let name = |rng: &mut rand::rngs::StdRng| format!("n{}", rng.random_range(0..1000));
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    let method = methods[rng.random_range(0..methods.len())];
    let mut r = Request::new(
        method,
        &format!("http://h.example/p{}", rng.random_range(0..9)),
    );
    for _ in 0..rng.random_range(0..3) {
        let (n, v) = (text(rng, false), text(rng, true));
        r.query.push((n, v));
    }
    if r.query.iter().all(|(n, v)| n.is_empty() && v.is_empty()) {
        r.query.clear();
    }
    for _ in 0..rng.random_range(0..3) {
        let v = text(rng, true).trim().to_owned();
        r.headers.push((format!("X-{}", name(rng)), v));
    }
    r.body = match rng.random_range(0..5) {
        0 => Body::None,
        1 => Body::Form(
            (0..rng.random_range(1..4))
                .map(|_| (text(rng, false), text(rng, true)))
                .collect(),
        ),
        2 => Body::Json(serde_json::json!({
            "s": text(rng, true), "n": rng.random_range(-5..5), "l": [text(rng, false), null, true]
        })),
        3 => {
            if rng.random_bool(0.5) {
                r.headers.push(("Content-Type".into(), "text/plain".into()));
            }
            Body::Raw(text(rng, true))
        }
        _ => Body::Multipart(
            (0..rng.random_range(1..3))
                .map(|_| Part::Text {
                    name: name(rng),
                    value: text(rng, true),
                })
                .collect(),
        ),
    };
    if r.method == "GET" && r.body != Body::None {
        r.method = "POST".into();
    }
    if rng.random_bool(0.3) {
        r.basic = Some((name(rng), text(rng, true)));
    }
    r.follow_redirects = rng.random_bool(0.5);
    if r.follow_redirects && rng.random_bool(0.5) {
        r.max_redirects = Some(rng.random_range(0..20));
    }
    if rng.random_bool(0.3) {
        r.timeout_ms = Some(rng.random_range(1..100_000));
    }
    r.verify_tls = rng.random_bool(0.5);
    r
}

#[test]
fn export_then_import_gives_back_generated_requests() {
    use rand::SeedableRng as _;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    for _ in 0..500 {
        let mut req = generated(&mut rng);
        // What the shell reads back from the quoted command, as a pasted command.
        let words: Vec<String> = to_curl(&req)
            .to_args()
            .iter()
            .map(|a| crate::curl::shell::quote(a).unwrap())
            .collect();
        let text = format!("curl {}", words.join(" \\\n  "));
        let split = crate::curl::shell::split(&text).unwrap().words;
        let cmd = CurlCommand::parse(&split).unwrap().command;
        let back = from_curl(&cmd, Path::new(".")).unwrap();
        if req.follow_redirects && req.max_redirects.is_none() {
            req.max_redirects = Some(crate::model::DEFAULT_MAX_REDIRECTS);
        }
        assert_eq!(back, req, "through\n{text}");
    }
}

#[test]
fn no_pasted_text_makes_import_panic() {
    use rand::{Rng as _, SeedableRng as _};
    let alphabet: Vec<char> = " \\\n'\"$`{}()<>|;&#=@:;-dHXFuGLkmbA/?.,aZ9é\t\r"
        .chars()
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let dir = tempfile::tempdir().unwrap();
    let mut loaded = 0;
    for i in 0..3000 {
        let text: String = (0..rng.random_range(0..60))
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        let text = format!("curl {text} http://h/");
        let Ok(split) = crate::curl::shell::split(&text) else {
            continue;
        };
        let Ok(parsed) = CurlCommand::parse(&split.words) else {
            continue;
        };
        if let Ok(req) = from_curl(&parsed.command, Path::new("/nonexistent")) {
            let out = crate::curl::import::import(&req, true);
            // Every imported workflow loads (a new file each time: the loader caches by path).
            let file = dir.path().join(format!("w{i}.yaml"));
            std::fs::write(&file, &out.yaml).unwrap();
            let mut loader = crate::load::Loader::new();
            let ok = loader.load(&file).is_some();
            let errors: Vec<String> = loader.errors.iter().map(|d| d.message.clone()).collect();
            assert!(ok, "{text:?} imported as\n{}\n{errors:?}", out.yaml);
            loaded += 1;
        }
    }
    assert!(loaded > 100, "only {loaded} generated commands imported");
}

#[test]
fn generated_requests_survive_import_to_yaml_and_export_from_the_loaded_workflow() {
    use rand::SeedableRng as _;
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for i in 0..300 {
        let req = generated(&mut rng);
        let imported = crate::curl::import::import(&req, true);
        // `<ABC>` in random text is a placeholder, and a repeated name is joined: both are
        // import's rules, not round trips.
        let other_inputs = imported
            .inputs
            .iter()
            .any(|i| !matches!(i.env.as_str(), "SOME_VAR" | "PASSWORD"));
        let empty_names = req.query.iter().any(|(n, _)| n.is_empty())
            || matches!(&req.body, Body::Form(f) if f.iter().any(|(n, _)| n.is_empty()));
        if other_inputs || empty_names || imported.notes.iter().any(|n| n.contains("twice")) {
            continue;
        }
        let file = dir.path().join(format!("g{i}.yaml"));
        std::fs::write(&file, &imported.yaml).unwrap();
        let mut loader = crate::load::Loader::new();
        let wf = loader.load(&file).unwrap_or_else(|| {
            let errors: Vec<&str> = loader.errors.iter().map(|d| d.message.as_str()).collect();
            panic!("{}\n{errors:?}", imported.yaml)
        });
        let exported = crate::curl::export::export(&wf, None, &Default::default()).unwrap();
        assert_eq!(exported.steps.len(), 1, "{:?}", exported.notes);
        let mut expected = req.clone();
        if expected.max_redirects == Some(crate::model::DEFAULT_MAX_REDIRECTS) {
            expected.max_redirects = None;
        }
        // A password is always a secret input: export writes its variable, never a value.
        if let Some((_, pass)) = &mut expected.basic {
            if *pass != reference("SOME_VAR") {
                *pass = reference("PASSWORD");
            }
        }
        assert_eq!(
            exported.steps[0].request, expected,
            "through\n{}",
            imported.yaml
        );
        compared += 1;
    }
    assert!(compared > 150, "only {compared} of 300 compared");
}
