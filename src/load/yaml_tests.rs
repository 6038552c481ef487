use super::*;
use serde_json::json;

#[test]
fn plain_scalars_are_typed_quoted_ones_are_strings() {
    let node = parse("a: 200\nb: \"200\"\nc: true\nd: ~\ne: 1.5\nf: text\ng: [1, '2']\n").unwrap();
    assert_eq!(
        to_json(&node),
        json!({"a": 200, "b": "200", "c": true, "d": null, "e": 1.5, "f": "text", "g": [1, "2"]})
    );
}

#[test]
fn nodes_know_their_positions() {
    let node = parse("a: 1\nlist:\n  - x\n  - {k: v}\n").unwrap();
    let map = node.as_mapping().unwrap();
    assert_eq!(map.keys().next().unwrap().pos(), Pos::new(1, 1));
    let list = map.get_sequence("list").unwrap();
    assert_eq!(list[0].pos(), Pos::new(3, 5));
    assert_eq!(list[1].pos(), Pos::new(4, 5));
    assert_eq!(
        list[1].as_mapping().unwrap().get_scalar("k").unwrap().pos(),
        Pos::new(4, 9)
    );
}

#[test]
fn errors_have_positions() {
    let (msg, pos) = parse("a: 1\na: 2\n").unwrap_err();
    assert!(msg.contains("duplicate key `a`"), "{msg}");
    assert_eq!(pos, Pos::new(2, 1));
    let (msg, pos) = parse("a: [1, 2\nb: 3\n").unwrap_err();
    assert!(msg.starts_with("invalid YAML"), "{msg}");
    assert!(pos.line >= 1);
}

#[test]
fn refuses_what_workflows_do_not_use() {
    for (text, want) in [
        ("a: &x 1\nb: *x\n", "anchors"),
        ("a: !tag 1\n", "tags"),
        ("- 1\n", "must be a YAML mapping"),
        ("? [a]\n: 1\n", "keys must be plain strings"),
    ] {
        let (msg, _) = parse(text).unwrap_err();
        assert!(msg.contains(want), "{text:?}: {msg}");
    }
    assert!(parse("").unwrap().as_mapping().unwrap().is_empty());
    assert_eq!(to_json(&parse_value("[1, 2]").unwrap()), json!([1, 2]));
}

#[test]
fn deep_nesting_is_refused_quickly_at_its_position() {
    let text = "- ".repeat(17_000) + "x\n";
    let started = std::time::Instant::now();
    let (msg, pos) = parse_value(&text).unwrap_err();
    assert!(
        msg.contains("nested too deeply (the limit is 256 levels)"),
        "{msg}"
    );
    assert_eq!(pos, Pos::new(1, 2 * 256 + 1));
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let flow = "a: ".to_owned() + &"[".repeat(10_000);
    let (msg, _) = parse(&flow).unwrap_err();
    assert!(msg.contains("nested too deeply"), "{msg}");
    let ok = "- ".repeat(200) + "x\n";
    assert!(parse_value(&ok).is_ok());
}

/// Mutations of a real workflow never make the parser panic; every error has a position
/// inside the text.
#[test]
fn mutated_workflows_give_values_or_positioned_errors() {
    for text in super::super::mutations::mutations(3000) {
        let lines = text.split(['\n', '\r']).count() as u32 + 1;
        for result in [parse(&text), parse_value(&text)] {
            if let Err((msg, pos)) = result {
                assert!(!msg.is_empty());
                assert!(pos.line >= 1 && pos.line <= lines, "{pos:?} in {text:?}");
            }
        }
    }
}

#[test]
fn duplicate_keys_are_found_in_short_and_long_mappings() {
    for n in [2, 15, 16, 17, 40] {
        let mut text: String = (0..n).map(|i| format!("k{i}: {i}\n")).collect();
        assert!(parse(&text).is_ok(), "{n} distinct keys");
        for dup in [0, n / 2, n - 1] {
            let mut with_dup = text.clone();
            with_dup.push_str(&format!("k{dup}: again\n"));
            let (msg, pos) = parse(&with_dup).unwrap_err();
            assert!(msg.contains(&format!("duplicate key `k{dup}`")), "{msg}");
            assert_eq!(pos, Pos::new(n as u32 + 1, 1));
        }
        text.clear();
    }
}

#[test]
fn scalars_keep_text_position_and_plainness() {
    let long = "x".repeat(100);
    let node = parse(&format!("a: 'q'\nb: {long}\nc: 7\n")).unwrap();
    let map = node.as_mapping().unwrap();
    let a = map.get_scalar("a").unwrap();
    assert_eq!(
        (a.as_str(), a.pos(), a.may_coerce()),
        ("q", Pos::new(1, 4), false)
    );
    let b = map.get_scalar("b").unwrap();
    assert_eq!(
        (b.as_str(), b.pos(), b.may_coerce()),
        (long.as_str(), Pos::new(2, 4), true)
    );
    // The tree of a large file is mostly nodes and mapping entries (see `Scalar`).
    assert!(std::mem::size_of::<Scalar>() <= 32);
    assert!(std::mem::size_of::<Node>() <= 32);
}
