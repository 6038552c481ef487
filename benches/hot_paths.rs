//! Micro-benchmarks of the per-step hot paths (issue 14, item 3), each through the library
//! code the runner and `apiflow validate` use:
//!
//! - `render`: a step's request rendered by `run::prepare::prepare` (URL with two names, a
//!   bearer `{{ token }}`, a JSON body with three templated fields) against a scope holding
//!   inputs, vars, captured names and three earlier steps;
//! - `checks`: status, two JSONPath equals, a `matches`, an `exists` and one capture against a
//!   20 KB JSON body, through `check::evaluate` and `check::capture::capture`, with and
//!   without the body's (once per response) JSON parse;
//! - `load`: a 500-step workflow (bench/gen.py's shape) from file to validated model through
//!   `load::Loader::load`;
//! - `redact`: a 4 KB text with 10 registered secrets, through `secrets::Redactor::redact`.
//!
//! usage: cargo bench --bench hot_paths [-- FILTER]   (bench/run.sh: SECTIONS=micro)

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use apiflow::check::{self, Subjects};
use apiflow::http::Response;
use apiflow::load::Loader;
use apiflow::model::{Action, RequestStep, Workflow};
use apiflow::secrets::Redactor;
use apiflow::template::{Scope, to_value};

// The binary's allocator (src/main.rs), so that allocation costs what it costs in a run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Loads workflow text through the loader, as `apiflow validate` does; panics on errors (the
/// benchmark's own workflows must be valid).
fn load(dir: &Path, name: &str, text: &str) -> Arc<Workflow> {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write workflow");
    let mut loader = Loader::new();
    match loader.load(&path) {
        Some(w) => w,
        None => panic!("{name} does not load: {:?}", loader.errors),
    }
}

/// The workflow's last step, a request: the one measured (earlier ones set its names).
fn request_step(w: &Workflow) -> &RequestStep {
    match w.steps.last().map(|s| &s.action) {
        Some(Action::Request(r)) => r,
        _ => panic!("the last step is not a request"),
    }
}

const RENDER_STEP: &str = r#"version: 1
name: render
inputs:
  base_url: { default: "http://127.0.0.1:8080" }
  region: { default: us-south }
vars:
  account: acc-7f3e2a
steps:
  - id: login
    request: { method: POST, url: "{{ inputs.base_url }}/token", form: { grant_type: client_credentials } }
    capture: { token: { json: $.access_token, secret: true } }
  - id: parent
    request: { url: "{{ inputs.base_url }}/parents/1" }
    capture: { parent_id: $.id }
  - id: create
    request:
      method: POST
      url: "{{ inputs.base_url }}/v1/accounts/{{ vars.account }}/items"
      auth: { bearer: "{{ token }}" }
      json:
        name: "item of {{ steps.login.response.body.user }}"
        region: "{{ inputs.region }}"
        parent: "{{ parent_id }}"
        kind: widget
        size: 3
    expect: { status: 201 }
"#;

/// The scope a mid-workflow step renders against: inputs, vars, captured names (a token and
/// an id) and three earlier steps' responses.
fn render_scope() -> Scope {
    let mut scope = Scope::new(BTreeMap::from([
        ("base_url".to_owned(), "http://127.0.0.1:8080".into()),
        ("region".to_owned(), "us-south".into()),
        ("apikey".to_owned(), "k-0123456789abcdef0123456789".into()),
    ]));
    scope.set_var("account", "acc-7f3e2a".into());
    scope.set_var("page_size", 50.into());
    scope.set_name(
        "token",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg".into(),
    );
    scope.set_name("parent_id", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6".into());
    for (id, body) in [
        (
            "login",
            serde_json::json!({"user": "ada", "expires_in": 3600}),
        ),
        (
            "list",
            serde_json::json!({"items": [{"id": 1}, {"id": 2}], "next": null}),
        ),
        (
            "parent",
            serde_json::json!({"id": "f81d4fae", "state": "active"}),
        ),
    ] {
        let response = serde_json::json!({"response": {"status": 200, "body": body,
            "headers": {"content-type": "application/json"}}});
        scope.set_step(id, to_value(response));
    }
    scope
}

fn bench_render(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = load(dir.path(), "render.yaml", RENDER_STEP);
    let step = request_step(&w);
    let scope = render_scope();
    let secrets = Redactor::new();
    // Check once that the step renders what it should.
    let ctx = scope.context();
    let Ok(req) = apiflow::run::prepare::prepare(&step.spec, &ctx, &secrets) else {
        panic!("the render step does not prepare");
    };
    assert_eq!(
        req.url.as_str(),
        "http://127.0.0.1:8080/v1/accounts/acc-7f3e2a/items"
    );
    let mut g = c.benchmark_group("render");
    g.bench_function("step request (prepare)", |b| {
        b.iter(|| {
            let ctx = scope.context();
            let req = apiflow::run::prepare::prepare(&step.spec, &ctx, &secrets);
            black_box(req.is_ok())
        })
    });
    g.finish();
}

/// A JSON document of about 20 KB: an object with a few fields and a list of items.
fn body_20kb() -> Vec<u8> {
    let mut items = Vec::new();
    let mut doc = serde_json::json!({});
    for i in 0.. {
        items.push(serde_json::json!({
            "id": format!("item-{i:04}"),
            "name": format!("widget {i}"),
            "owner": if i % 3 == 0 { "team-a" } else { "team-b" },
            "tags": ["blue", "small"],
            "size": i * 7 % 100,
            "created_at": "2026-12-07T10:00:00Z",
        }));
        doc = serde_json::json!({
            "id": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
            "state": "active",
            "count": items.len(),
            "items": items,
        });
        if serde_json::to_vec(&doc).expect("json").len() >= 20 * 1024 {
            break;
        }
    }
    serde_json::to_vec(&doc).expect("json")
}

const CHECK_STEP: &str = r#"version: 1
name: checks
steps:
  - request: { url: "http://127.0.0.1:8080/items" }
    expect:
      status: 200
      json:
        $.state: active
        $.items[0].name: widget 0
        $.id: { matches: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" }
        $.items[99].owner: { exists: true }
    capture:
      item_id: $.items[150].id
"#;

fn response(body: &[u8]) -> Response {
    Response::new(
        200,
        "HTTP/1.1".into(),
        vec![
            ("content-type".into(), "application/json".into()),
            ("content-length".into(), body.len().to_string()),
        ],
        body.to_vec(),
        Duration::from_millis(3),
    )
}

/// What the runner does with a response: captures, then checks (every record kept).
fn check_step(step: &RequestStep, resp: &Response, scope: &Scope, file: &Arc<str>) -> usize {
    let cookies = BTreeMap::new();
    let secrets = Redactor::new();
    let mut captured = 0;
    for c in &step.captures {
        if let Ok(Some(v)) = check::capture::capture(c, resp) {
            black_box(v);
            captured += 1;
        }
    }
    let on = Subjects {
        response: resp,
        cookies: &cookies,
        secrets: &secrets,
    };
    let records = check::evaluate(&step.checks, &on, &scope.context(), file).expect("checks");
    assert!(records.iter().all(|r| r.passed), "{records:?}");
    records.len() + captured
}

fn bench_checks(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = load(dir.path(), "checks.yaml", CHECK_STEP);
    let step = request_step(&w);
    let body = body_20kb();
    let scope = render_scope();
    let file: Arc<str> = Arc::from("checks.yaml");
    assert_eq!(check_step(step, &response(&body), &scope, &file), 6);

    let mut g = c.benchmark_group("checks");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("20KB body, parse included", |b| {
        b.iter_batched(
            || response(&body),
            |resp| check_step(step, &resp, &scope, &file),
            criterion::BatchSize::SmallInput,
        )
    });
    let parsed = response(&body);
    parsed.json().expect("the body is JSON");
    g.bench_function("20KB body, already parsed", |b| {
        b.iter(|| check_step(step, &parsed, &scope, &file))
    });
    // The floor of the first: serde_json parsing the same body.
    g.bench_function("20KB body, serde_json::from_slice alone", |b| {
        b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(&body).is_ok()))
    });
    g.finish();
}

/// bench/gen.py's `apiflow` workload: one token request, then `n` GETs each with a bearer,
/// two checks and a capture.
fn gen_workflow(base: &str, n: usize) -> String {
    let mut out = vec![
        "version: 1".to_owned(),
        "name: bench".to_owned(),
        "steps:".to_owned(),
        format!(
            "  - request: {{ method: POST, url: \"{base}/token\", form: {{ grant_type: client_credentials }} }}"
        ),
        "    capture: { token: { json: $.access_token, secret: true } }".to_owned(),
    ];
    for i in 1..=n {
        out.push(format!(
            "  - request: {{ url: \"{base}/items/{i}\", auth: {{ bearer: \"{{{{ token }}}}\" }} }}"
        ));
        out.push("    expect: { status: 200, json: { $.state: active } }".to_owned());
        out.push("    capture: { item_id: $.id }".to_owned());
    }
    out.join("\n") + "\n"
}

fn bench_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = gen_workflow("http://127.0.0.1:18080", 500);
    let path = dir.path().join("bench-500.yaml");
    std::fs::write(&path, &text).expect("write");
    let w = load(dir.path(), "bench-500.yaml", &text);
    assert_eq!(w.steps.len(), 501);

    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(30);
    g.bench_function("500-step workflow (Loader::load)", |b| {
        b.iter(|| {
            // A new loader each time: a loader caches what it loaded.
            let mut loader = Loader::new();
            black_box(loader.load(&path).is_some())
        })
    });
    g.finish();
}

/// Ten secrets of the kinds a run registers: tokens, API keys, passwords, a client secret.
fn secrets() -> Vec<String> {
    (0..10)
        .map(|i| match i % 4 {
            0 => format!("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLXtpfSJ9.sig{i:02}naturexyz"),
            1 => format!("ApiKey-{i:02}-Zm9vYmFyYmF6cXV4LTAxMjM0NTY3"),
            2 => format!("pa55w0rd!{i:02}&more"),
            _ => format!("cs_{i:02}_8c1d5e7f9a0b2c4d6e8f"),
        })
        .collect()
}

/// About 4 KB of report-like text (request lines, headers, JSON excerpts), with `plant`
/// inserted every few lines when given.
fn text_4kb(plant: &[String]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < 4096 {
        let line = match i % 4 {
            0 => format!("GET http://127.0.0.1:8080/v1/accounts/acc-{i}/items?limit=50 200 OK\n"),
            1 => "content-type: application/json; charset=utf-8\n".to_owned(),
            2 => format!(
                "{{\"id\": \"item-{i:04}\", \"state\": \"active\", \"owner\": \"team-a\"}}\n"
            ),
            _ => format!("  ok $.state eq \"active\" (step {i}, 3 ms)\n"),
        };
        out.push_str(&line);
        if !plant.is_empty() && i % 5 == 4 {
            out.push_str(&format!(
                "authorization: Bearer {}\n",
                plant[i / 5 % plant.len()]
            ));
        }
        i += 1;
    }
    // ASCII only, so any byte is a boundary.
    out.truncate(4096);
    out
}

fn bench_redact(c: &mut Criterion) {
    let redactor = Redactor::new();
    let secrets = secrets();
    for s in &secrets {
        redactor.add(s);
    }
    let clean = text_4kb(&[]);
    let dirty = text_4kb(&secrets[..4]);
    let occurrences = secrets
        .iter()
        .map(|s| dirty.matches(s.as_str()).count())
        .sum::<usize>();
    assert!(occurrences >= 5, "{occurrences} occurrences");
    assert!(!redactor.holds_secret(&clean));
    assert!(!redactor.redact(&dirty).contains(secrets[0].as_str()));
    eprintln!(
        "redact: clean {} bytes, dirty {} bytes with {occurrences} secrets",
        clean.len(),
        dirty.len()
    );

    let mut g = c.benchmark_group("redact");
    g.throughput(Throughput::Bytes(clean.len() as u64));
    g.bench_function("4KB, 10 secrets, none present", |b| {
        b.iter(|| black_box(redactor.redact(&clean).len()))
    });
    g.bench_function("4KB, 10 secrets, several present", |b| {
        b.iter(|| black_box(redactor.redact(&dirty).len()))
    });
    g.finish();
    let mut g = c.benchmark_group("register");
    // What registering costs: the forms of ten secrets, then the first redaction after them
    // (which builds the matcher), then one more secret on top of ten (a rebuild of all).
    g.bench_function("register 10 secrets", |b| {
        b.iter(|| {
            let r = Redactor::new();
            for s in &secrets {
                r.add(s);
            }
            black_box(r)
        })
    });
    g.bench_function("register 10 secrets + first redact", |b| {
        b.iter(|| {
            let r = Redactor::new();
            for s in &secrets {
                r.add(s);
            }
            black_box(r.redact(&clean).len())
        })
    });
    g.bench_function("11th secret + first redact", |b| {
        b.iter_batched(
            || {
                let r = Redactor::new();
                for s in &secrets {
                    r.add(s);
                }
                r.redact(&clean);
                r
            },
            |r| {
                r.add("an-eleventh-secret-0123456789");
                black_box(r.redact(&clean).len())
            },
            criterion::BatchSize::SmallInput,
        )
    });
    // A `for_each` that captures a secret per item: every new secret rebuilds the matcher
    // from all the patterns registered so far, so the total grows with the square.
    let many: Vec<String> = (0..100)
        .map(|i| format!("item-secret-{i:03}-0123456789abcdef"))
        .collect();
    g.sample_size(20);
    g.bench_function("100 secrets, a redaction after each", |b| {
        b.iter(|| {
            let r = Redactor::new();
            for s in &many {
                r.add(s);
                black_box(r.redact("a line of output").len());
            }
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_render,
    bench_checks,
    bench_load,
    bench_redact
);
criterion_main!(benches);
