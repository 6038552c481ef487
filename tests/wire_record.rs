//! The request recorded in a report is the request the server received: every header, with
//! the value it had on the wire (secrets masked), those the HTTP client added included.

mod support;

use support::{Dir, TestServer, apiflow};

#[test]
fn every_recorded_header_is_what_the_server_received() {
    let server = TestServer::start();
    let dir = Dir::new();
    // The check fails, so the report keeps the whole exchange.
    let file = dir.write(
        "wire.yaml",
        &format!(
            r#"version: 1
name: wire
steps:
  - request:
      method: POST
      url: "{}/echo"
      headers: {{ X-Trace: "t-1", Accept: "application/json" }}
      json: {{ a: 1 }}
    expect: {{ status: 201 }}
"#,
            server.url
        ),
    );
    let report = dir.path().join("report.json");
    let out = apiflow()
        .args(["run", file.to_str().unwrap(), "--report"])
        .arg(format!("json={}", report.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let recorded =
        &report["workflows"][0]["steps"][0]["attempts"][0]["exchanges"][0]["request"]["headers"];
    let recorded = recorded.as_array().expect("headers recorded");
    let log = server.log();
    let received = log[0]["headers"].as_object().unwrap();
    for name in [
        "accept-encoding",
        "user-agent",
        "accept",
        "content-type",
        "x-trace",
    ] {
        let sent: Vec<&str> = recorded
            .iter()
            .filter(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case(name))
            .map(|h| h["value"].as_str().unwrap())
            .collect();
        assert_eq!(
            sent,
            [received[name].as_str().unwrap()],
            "{name}: recorded {recorded:?}"
        );
    }
    // Every recorded header reached the server with its value.
    for h in recorded {
        let name = h["name"].as_str().unwrap().to_ascii_lowercase();
        assert_eq!(
            received.get(&name).and_then(|v| v.as_str()),
            h["value"].as_str(),
            "{name}"
        );
    }
    // And the server got nothing the record leaves out.
    for name in received.keys() {
        assert!(
            recorded
                .iter()
                .any(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case(name)),
            "{name} sent but not recorded: {recorded:?}"
        );
    }
}
