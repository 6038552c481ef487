//! libxml2's XPath 1.0 test suite (expressions with libxml2's results, tests/data/xpath-libxml2)
//! run through apiflow's XPath layer: the measure the evaluator was chosen by (docs/xpath.md).
//! Every case is compared by type and value; a node-set by the kind and name of each node.

use apiflow::xpath::{ContextNode, Evaluated, Markup, NodeKind, XPath};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/xpath-libxml2");

/// The fewest cases that must agree with libxml2. The rest are libxml2 extensions (exponent
/// literals such as `1e3`, which XPath 1.0 does not have), its number formatting, and the
/// functions the evaluator lacks (`id()`, `lang()`); see docs/xpath.md.
const AT_LEAST: usize = 304;
const CASES: usize = 327;

#[derive(Debug, PartialEq)]
enum Expected {
    Number(f64),
    String(String),
    Bool(bool),
    Nodes(Vec<String>),
    Error,
}

/// Reads a libxml2 result file: blocks of `Expression: …` then the dumped result.
fn cases(text: &str) -> Vec<(String, Expected)> {
    text.split("\n========================\n")
        .skip(1)
        .map(|block| {
            let mut lines = block.lines();
            let expr = lines.next().unwrap().trim_start_matches("Expression: ");
            let kind = lines.next().unwrap_or_default();
            let expected = if let Some(v) = kind.strip_prefix("Object is a number : ") {
                Expected::Number(match v {
                    "Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    "NaN" => f64::NAN,
                    v => v.parse().unwrap(),
                })
            } else if let Some(v) = kind.strip_prefix("Object is a string :") {
                Expected::String(v.strip_prefix(' ').unwrap_or(v).to_owned())
            } else if let Some(v) = kind.strip_prefix("Object is a Boolean : ") {
                Expected::Bool(v == "true")
            } else if kind.starts_with("Object is a Node Set") {
                Expected::Nodes(
                    lines
                        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
                        .map(node_line)
                        .collect(),
                )
            } else {
                Expected::Error
            };
            (expr.to_owned(), expected)
        })
        .collect()
}

/// `3  ELEMENT name` as `ELEMENT name`; CDATA is text in XPath's model; libxml2 writes
/// non-ASCII names as `#E6#96#87`.
fn node_line(line: &str) -> String {
    let mut parts = line.split_whitespace().skip(1);
    let kind = match parts.next().unwrap_or_default() {
        "CDATA_SECTION" => "TEXT",
        "/" => "ROOT",
        "namespace" => "NAMESPACE",
        k => k,
    };
    let name = match kind {
        "ELEMENT" | "ATTRIBUTE" | "PI" => {
            let raw = parts.next().unwrap_or_default();
            let local = raw.rsplit(':').next().unwrap_or_default();
            unescape(local)
        }
        _ => String::new(),
    };
    format!("{kind} {name}").trim().to_owned()
}

fn unescape(name: &str) -> String {
    if !name.contains('#') {
        return name.to_owned();
    }
    let bytes: Vec<u8> = name
        .split('#')
        .filter(|p| !p.is_empty())
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect();
    String::from_utf8(bytes).unwrap()
}

fn describe(kind: NodeKind, name: &str) -> String {
    let k = match kind {
        NodeKind::Root => "ROOT",
        NodeKind::Element => "ELEMENT",
        NodeKind::Attribute => "ATTRIBUTE",
        NodeKind::Text => "TEXT",
        NodeKind::Comment => "COMMENT",
        NodeKind::ProcessingInstruction => "PI",
        NodeKind::Namespace => "NAMESPACE",
    };
    match kind {
        NodeKind::Element | NodeKind::Attribute | NodeKind::ProcessingInstruction => {
            format!("{k} {name}")
        }
        _ => k.to_owned(),
    }
}

fn agrees(expected: &Expected, got: &Result<Evaluated, String>) -> bool {
    match (expected, got) {
        (Expected::Error, Err(_)) => true,
        // libxml2 prints numbers to 6 significant digits.
        (Expected::Number(e), Ok(Evaluated::Number(g))) => {
            (e.is_nan() && g.is_nan()) || e == g || (e - g).abs() <= 1e-5 * e.abs()
        }
        (Expected::String(e), Ok(Evaluated::String(g))) => e == g,
        (Expected::Bool(e), Ok(Evaluated::Bool(g))) => e == g,
        (Expected::Nodes(e), Ok(Evaluated::Nodes(g))) => {
            let g: Vec<String> = g.iter().map(|n| describe(n.kind, &n.name)).collect();
            *e == g
        }
        _ => false,
    }
}

#[test]
fn libxml2_xpath_suite() {
    let docs = [
        "chapters", "id", "lang", "mixed", "nodes", "ns", "simple", "str", "unicode", "usr1", "vid",
    ];
    let mut all = Vec::new();
    for name in [
        "base",
        "compare",
        "equality",
        "floats",
        "functions",
        "strings",
    ] {
        let text = std::fs::read_to_string(format!("{DATA}/expr/{name}")).unwrap();
        all.extend(
            cases(&text)
                .into_iter()
                .map(|(e, x)| ("<root/>".to_owned(), e, x)),
        );
    }
    let mut tests: Vec<String> = std::fs::read_dir(format!("{DATA}/tests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    tests.sort();
    for test in tests {
        // libxml2 runs `tests/NAME*` against `docs/NAME`.
        let doc = docs
            .iter()
            .filter(|d| test.starts_with(*d))
            .max_by_key(|d| d.len())
            .unwrap();
        let xml = std::fs::read_to_string(format!("{DATA}/docs/{doc}")).unwrap();
        let text = std::fs::read_to_string(format!("{DATA}/tests/{test}")).unwrap();
        all.extend(cases(&text).into_iter().map(|(e, x)| (xml.clone(), e, x)));
    }
    assert_eq!(all.len(), CASES);
    let mut failures = Vec::new();
    for (doc, expr, expected) in &all {
        let got = XPath::compile(expr)
            .and_then(|x| x.evaluate_as(doc.as_bytes(), Markup::Xml, ContextNode::DocumentElement));
        if !agrees(expected, &got) {
            failures.push(format!("`{expr}`: libxml2 {expected:?}, apiflow {got:?}"));
        }
    }
    let passed = all.len() - failures.len();
    println!("{passed}/{} agree with libxml2", all.len());
    assert!(
        passed >= AT_LEAST,
        "{passed}/{} agree with libxml2 (at least {AT_LEAST} expected):\n{}",
        all.len(),
        failures.join("\n")
    );
}
