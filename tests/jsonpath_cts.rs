//! The RFC 9535 JSONPath compliance test suite, run in full through apiflow's JSONPath layer.

use apiflow::jsonpath::Query;
use serde_json::Value;

#[test]
fn every_compliance_case_passes() {
    let text = include_str!("data/jsonpath-cts/cts.json");
    let suite: Value = serde_json::from_str(text).unwrap();
    let cases = suite["tests"].as_array().unwrap();
    assert_eq!(cases.len(), 703, "the vendored suite has 703 cases");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let selector = case["selector"].as_str().unwrap();
        let parsed = Query::parse(selector);
        if case["invalid_selector"].as_bool() == Some(true) {
            if parsed.is_ok() {
                failures.push(format!("{name}: `{selector}` should be rejected"));
            }
            continue;
        }
        let query = match parsed {
            Ok(q) => q,
            Err(e) => {
                failures.push(format!("{name}: `{selector}` rejected: {e}"));
                continue;
            }
        };
        let located = query.select_located(&case["document"]);
        let values: Vec<Value> = located.iter().map(|(_, v)| (*v).clone()).collect();
        let paths: Vec<Value> = located
            .iter()
            .map(|(p, _)| Value::from(p.as_str()))
            .collect();
        let (expected_values, expected_paths): (Vec<&Value>, Vec<&Value>) =
            if case.get("result").is_some() {
                (vec![&case["result"]], vec![&case["result_paths"]])
            } else {
                (
                    case["results"].as_array().unwrap().iter().collect(),
                    case["results_paths"].as_array().unwrap().iter().collect(),
                )
            };
        let ok = expected_values.iter().zip(&expected_paths).any(|(v, p)| {
            **v == Value::Array(values.clone()) && **p == Value::Array(paths.clone())
        });
        if !ok {
            failures.push(format!("{name}: `{selector}` gave {values:?} at {paths:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
