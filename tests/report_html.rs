//! The HTML report, read back with a real HTML parser (scraper, html5ever underneath): one
//! self-contained file, every workflow, step and check, failed steps open with their exchange,
//! filters in CSS, and no secret in any form.

mod support;

use scraper::{ElementRef, Html, Selector};
use support::{Dir, TestServer, run_reporting};

const SECRET: &str = "P&ss<w>rd\"Secret-0123456789";

const FLOW: &str = r#"version: 1
name: html report
inputs:
  token: { secret: true, default: "TOKEN" }
steps:
  - id: ok
    request: { url: "BASE/json" }
    expect: { status: 200 }
    capture:
      hidden: { json: $.token, secret: true }
  - id: sent
    name: "<b>sent</b> & checked"
    request:
      method: POST
      url: "BASE/echo"
      headers: { Authorization: "Bearer {{ inputs.token }}" }
      json: { note: "<script>alert(1)</script>", copy: "{{ inputs.token }}" }
    expect:
      status: 201
      json: { $.method: POST }
  - id: never
    request: { url: "BASE/json" }
"#;

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn has(e: &ElementRef<'_>, class: &str) -> bool {
    e.value().classes().any(|c| c == class)
}

fn text(e: ElementRef<'_>) -> String {
    e.text().collect()
}

fn html_report() -> (TestServer, String, String) {
    let server = TestServer::start();
    let dir = Dir::new();
    let yaml = FLOW
        .replace("BASE", &server.url)
        .replace("TOKEN", &SECRET.replace('"', "\\\""));
    let file = dir.write("flow.yaml", &yaml);
    let report = dir.path().join("out/report.html");
    let (code, out, err) = run_reporting(&file, "html", &report, &[]);
    assert_eq!(code, 1, "{out}{err}");
    let html = std::fs::read_to_string(&report).unwrap();
    (server, html, out + &err)
}

#[test]
fn the_html_report_shows_every_step_check_and_failed_exchange() {
    let (server, html, _) = html_report();
    let doc = Html::parse_document(&html);
    // Self-contained: inline CSS, no script, nothing loaded from elsewhere.
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(
        doc.select(&sel("link, img, iframe, object, embed")).count(),
        0
    );
    assert_eq!(doc.select(&sel("[src], [href]")).count(), 0);
    assert_eq!(doc.select(&sel("head > style")).count(), 1);
    let css = text(doc.select(&sel("style")).next().unwrap());
    assert!(!css.contains("url("), "no external resource in the CSS");
    // Filters are radio buttons read by CSS alone.
    let radios: Vec<_> = doc.select(&sel("input[type=radio][name=show]")).collect();
    assert_eq!(radios.len(), 4);
    assert_eq!(
        radios
            .iter()
            .filter(|r| r.attr("checked").is_some())
            .count(),
        1
    );
    for id in ["show-all", "show-failed", "show-passed", "show-skipped"] {
        assert_eq!(doc.select(&sel(&format!("label[for={id}]"))).count(), 1);
        assert!(
            css.contains(&format!("#{id}:checked")),
            "{id} filters nothing"
        );
    }
    // The workflow and its steps, in order, with their status.
    let workflows: Vec<_> = doc.select(&sel("section.workflow")).collect();
    assert_eq!(workflows.len(), 1);
    assert!(has(&workflows[0], "failed"));
    assert!(text(workflows[0]).contains("html report"));
    let steps: Vec<_> = doc.select(&sel("details.step")).collect();
    let status = |e: &ElementRef<'_>| {
        ["passed", "failed", "errored", "skipped"]
            .into_iter()
            .find(|c| has(e, c))
            .unwrap()
    };
    assert_eq!(
        steps.iter().map(status).collect::<Vec<_>>(),
        ["passed", "failed", "skipped"]
    );
    let titles: Vec<String> = doc
        .select(&sel("details.step > summary .title"))
        .map(text)
        .collect();
    // A name with markup in it is text, not markup.
    assert_eq!(titles, ["ok", "<b>sent</b> & checked", "never"]);
    assert_eq!(doc.select(&sel("summary b")).count(), 0);
    // A status is green or red by whether the step's status check held.
    let codes: Vec<(String, bool, bool)> = steps[..2]
        .iter()
        .map(|s| {
            let code = s.select(&sel("summary .mono")).next().unwrap();
            (
                text(code),
                has(&code, "status-ok"),
                has(&code, "status-bad"),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [("200".into(), true, false), ("200".into(), false, true)]
    );
    // Failed steps are open, the others collapsed.
    let open: Vec<bool> = steps.iter().map(|s| s.attr("open").is_some()).collect();
    assert_eq!(open, [false, true, false]);
    // Every check of the failed step, the failed one with what was compared.
    let failed = steps[1];
    let checks: Vec<_> = failed.select(&sel("tr.check")).collect();
    assert_eq!(checks.len(), 2);
    let cell = |row: &ElementRef<'_>, c: &str| text(row.select(&sel(c)).next().unwrap());
    let bad = checks.iter().find(|r| has(r, "failed")).unwrap();
    assert_eq!(cell(bad, ".subject"), "status");
    assert_eq!(cell(bad, ".expected"), "201");
    assert_eq!(cell(bad, ".actual"), "200");
    assert!(
        cell(bad, "td:last-child").ends_with("flow.yaml:19:15"),
        "{}",
        cell(bad, "td:last-child")
    );
    let good = checks.iter().find(|r| has(r, "passed")).unwrap();
    assert_eq!(cell(good, ".subject"), "$.method");
    // Its exchange: the request as sent, headers masked, and the response with its body.
    let request = text(failed.select(&sel("h4.request")).next().unwrap());
    assert_eq!(request, format!("POST {}/echo", server.url));
    let headers: Vec<(String, String)> = failed
        .select(&sel(".hop > table.headers tr"))
        .map(|tr| {
            let cells: Vec<String> = tr.select(&sel("td")).map(text).collect();
            (cells[0].clone(), cells[1].clone())
        })
        .collect();
    assert!(
        headers.contains(&("authorization".into(), "Bearer ••••••".into())),
        "{headers:?}"
    );
    let response = text(failed.select(&sel("h4.response")).next().unwrap());
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = failed.select(&sel("pre.body.json")).last().unwrap();
    assert!(
        body.select(&sel(".j-key")).count() > 3,
        "JSON is highlighted"
    );
    let body = text(body);
    let echoed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(echoed["json"]["note"], "<script>alert(1)</script>");
    assert_eq!(echoed["json"]["copy"], "••••••");
    // The server got the real value; only the report masks it.
    let log = server.log();
    assert_eq!(
        log[0]["headers"]["authorization"],
        format!("Bearer {SECRET}")
    );
}

#[test]
fn no_secret_reaches_the_html_report_in_any_form() {
    let (_server, html, out) = html_report();
    let escaped = SECRET
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    for form in [
        SECRET,
        escaped.as_str(),
        "Secret-0123456789",
        "tok-9f8e7d6c5b4a",
    ] {
        assert!(!html.contains(form), "{form} in the report");
        assert!(!out.contains(form), "{form} in the output");
    }
    let doc = Html::parse_document(&html);
    let all: String = doc.root_element().text().collect();
    assert!(!all.contains("Secret-0123456789"));
}

/// Control characters in a name (an ESC sequence, a bell) reach no HTML text: each is U+FFFD.
#[test]
fn control_characters_never_reach_the_page() {
    let server = TestServer::start();
    let dir = Dir::new();
    let yaml = format!(
        "version: 1\nname: \"ctl\\e[31m name\\a\"\nsteps:\n  - id: s\n    name: \"step\\e]0;title\\a\"\n    request: {{ url: \"{}/json\" }}\n",
        server.url
    );
    let file = dir.write("ctl.yaml", &yaml);
    let report = dir.path().join("r.html");
    let (code, out, err) = run_reporting(&file, "html", &report, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let html = std::fs::read_to_string(&report).unwrap();
    let bad = html
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'));
    assert_eq!(bad, None, "a control character in the page");
    let doc = Html::parse_document(&html);
    let all: String = doc.root_element().text().collect();
    assert!(all.contains("ctl\u{FFFD}[31m name\u{FFFD}"), "{all}");
}
