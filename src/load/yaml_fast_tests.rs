//! The fast path's contract, tested differentially: for every text, `fast::parse` is either
//! `None` or exactly the tree yaml-rust2's path builds (positions and plain flags included).

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

#[path = "yaml_fast_gen.rs"]
mod generator;
use generator::{Gen, mutate};

#[path = "yaml_fast_hostile.rs"]
mod hostile;

/// Whether the fast path took `text` (as a workflow file or as any value); panics if its
/// tree differs from yaml-rust2's.
fn agrees(text: &str) -> bool {
    let as_workflow = agrees_as(text, true);
    agrees_as(text, false) || as_workflow
}

fn agrees_as(text: &str, mapping_only: bool) -> bool {
    let Some(fast) = fast::parse(text, mapping_only) else {
        return false;
    };
    match parse_slow(text, mapping_only) {
        Ok(slow) => assert!(
            slow == fast,
            "the fast path differs from yaml-rust2 on {:?}: {}",
            short(text),
            difference(&fast, &slow)
        ),
        Err(e) => panic!(
            "the fast path took {:?}, which yaml-rust2 refuses: {e:?}",
            short(text)
        ),
    }
    true
}

fn short(text: &str) -> String {
    text.chars().take(400).collect()
}

/// Where two trees first differ: the path, and both nodes without their children.
fn difference(fast: &Node, slow: &Node) -> String {
    fn head(n: &Node) -> String {
        match n {
            Node::Scalar(s) => format!("{s:?}"),
            Node::Sequence(s) => format!("sequence at {:?} of {}", s.pos(), s.len()),
            Node::Mapping(m) => format!("mapping at {:?} of {}", m.pos(), m.len()),
        }
    }
    match (fast, slow) {
        (Node::Sequence(a), Node::Sequence(b)) if a.pos() == b.pos() && a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                if x != y {
                    return format!("[{i}] {}", difference(x, y));
                }
            }
        }
        (Node::Mapping(a), Node::Mapping(b)) if a.pos() == b.pos() && a.len() == b.len() => {
            for ((k, x), (l, y)) in a.iter().zip(b.iter()) {
                if k != l {
                    return format!("key fast {k:?} slow {l:?}");
                }
                if x != y {
                    return format!(".{} {}", k.as_str(), difference(x, y));
                }
            }
        }
        _ => {}
    }
    format!("\n  fast: {}\n  slow: {}", head(fast), head(slow))
}

/// The bench workload of `bench/g.py apiflow BASE n`.
fn bench_text(n: usize) -> String {
    let base = "http://127.0.0.1:8080";
    let mut out = format!(
        "version: 1\nname: bench\nsteps:\n  - request: {{ method: POST, url: \"{base}/token\", form: {{ grant_type: client_credentials }} }}\n    capture: {{ token: {{ json: $.access_token, secret: true }} }}\n"
    );
    for i in 1..=n {
        out.push_str(&format!(
            "  - request: {{ url: \"{base}/items/{i}\", auth: {{ bearer: \"{{{{ token }}}}\" }} }}\n    expect: {{ status: 200, json: {{ $.state: active }} }}\n    capture: {{ item_id: $.id }}\n"
        ));
    }
    out
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" && name != ".git" && name != "node_modules" {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// The ```yaml blocks of a Markdown file (none if it is absent).
fn yaml_blocks(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```yaml") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// Every YAML text of the repository and of the docs and spec.
fn corpus() -> Vec<String> {
    let mut files = Vec::new();
    yaml_files(&repo(), &mut files);
    let mut texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    for doc in [
        repo().join("docs/workflow-format.md"),
        repo().join("README.md"),
        PathBuf::from("/work/shared/spec/workflow-format.md"),
    ] {
        texts.extend(yaml_blocks(&doc));
    }
    texts.push(bench_text(3));
    // And each with Windows line ends.
    let crlf: Vec<String> = texts.iter().map(|t| t.replace('\n', "\r\n")).collect();
    texts.extend(crlf);
    texts
}

#[test]
fn takes_the_bench_file_and_the_recipes() {
    assert!(agrees(&bench_text(500)));
    let mut files = Vec::new();
    yaml_files(&repo().join("workflows"), &mut files);
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(agrees(&text), "the fast path bails on {}", file.display());
    }
}

#[test]
fn agrees_on_the_corpus() {
    let corpus = corpus();
    assert!(corpus.len() > 20);
    let taken = corpus.iter().filter(|t| agrees(t)).count();
    assert!(taken * 2 > corpus.len(), "took {taken} of {}", corpus.len());
}

#[test]
fn agrees_on_mutations_of_the_corpus() {
    let mut rng = StdRng::seed_from_u64(14);
    // Small texts: the recipes and short documents (a long file's mutation mostly bails).
    let corpus: Vec<String> = corpus().into_iter().filter(|t| t.len() < 4000).collect();
    let (mut cases, mut taken) = (0, 0);
    for text in &corpus {
        for _ in 0..600 {
            cases += 1;
            taken += usize::from(agrees(&mutate(&mut rng, text)));
        }
    }
    for text in super::super::mutations::mutations(5000) {
        cases += 1;
        taken += usize::from(agrees(&text));
    }
    eprintln!("mutations: took {taken} of {cases}");
    assert!(taken * 10 > cases, "took {taken} of {cases}");
}

#[test]
fn agrees_on_generated_documents() {
    let mut g = Gen {
        rng: StdRng::seed_from_u64(8),
        out: String::new(),
    };
    let (mut cases, mut taken) = (0, 0);
    for _ in 0..40_000 {
        g.out.clear();
        if g.chance(0.1) {
            g.out.push_str("# head\n\n");
        }
        if g.chance(0.15) {
            g.sequence(0, 0);
        } else {
            g.mapping(0, 0, false);
        }
        let text = std::mem::take(&mut g.out);
        cases += 1;
        let lf = agrees(&text);
        taken += usize::from(lf);
        // Windows line ends: taken alike.
        let crlf = text.replace('\n', "\r\n");
        assert!(
            agrees(&crlf) || !lf,
            "the fast path bails on the CRLF form of {text:?}"
        );
        let mutated = mutate(&mut g.rng, &text);
        cases += 1;
        taken += usize::from(agrees(&mutated));
    }
    eprintln!("generated: took {taken} of {cases}");
    assert!(taken * 20 > cases, "took {taken} of {cases}");
}

#[test]
fn hostile_input_is_bounded() {
    let started = std::time::Instant::now();
    // Deep nesting bails (yaml-rust2 then refuses it with its message).
    let deep = "a:\n".to_owned()
        + &(1..300)
            .map(|d| format!("{}k:\n", " ".repeat(d)))
            .collect::<String>()
        + &" ".repeat(300)
        + "k: v\n";
    assert!(fast::parse(&deep, false).is_none());
    assert!(fast::parse(&format!("a: {}", "[".repeat(10_000)), false).is_none());
    assert!(fast::parse(&format!("a: {}", "{ b: ".repeat(10_000)), false).is_none());
    // A 1 MB line, a 1 MB flow sequence, 100,000 keys: linear.
    let long = format!("a: {}\n", "x".repeat(1 << 20));
    assert!(agrees(&long));
    let items = format!("a: [{}1]\n", "1, ".repeat(300_000));
    assert!(fast::parse(&items, false).is_some());
    let keys: String = (0..100_000).map(|i| format!("k{i}: {i}\n")).collect();
    assert!(fast::parse(&keys, false).is_some());
    let dup = keys.clone() + "k5: again\n";
    assert!(fast::parse(&dup, false).is_none());
    let wide = format!("a: \"{}\"\n", "é\\n".repeat(300_000));
    assert!(fast::parse(&wide, false).is_some());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// Shapes the fast path must take (else its speed-up silently vanishes for them), each
/// checked against yaml-rust2.
#[test]
fn takes_the_common_shapes() {
    for text in [
        "a: 1\nb: 'it''s'\nc: \"tab\\tand \\u00e9 \\\"q\\\"\"\n",
        "a:\nb: ~\nc:\n",
        "a: # note\n  b: x # note\n# line\n\n  c: [1, 'two', \"three\", {d: e}]\n",
        "a:\n- x\n- y: 1\n  z: 2\nb:\n  - [1, 2]\n  -   k: v\n",
        "body: |\n  {\"a\": 1}\n\n    more\n  # not a comment\nnext: 1\n",
        "a: |-\n  x\n  y\n\n\nb: >\n  folded\n  text\n\n  para\nc: >-\n  x\n   y\n  z\nd: |+\n  keep\n\n",
        "é: ünï 日本\n\"q k\": v\n'x': {\"a b\": c}\n",
        "url: http://h:80/p?q=1#frag\nexpr: steps.a | map(attribute=\"x\") | list\n",
        "a: {}\nb: []\nc: -5\nd: x:y\n",
        "- name: a\n  n: 1\n- name: b\n  n: 2\n",
    ] {
        assert!(agrees(text), "the fast path bails on {text:?}");
        let crlf = text.replace('\n', "\r\n");
        assert!(agrees(&crlf), "the fast path bails on {crlf:?}");
    }
}

/// Limits of the subset: keys near yaml-rust2's 1024-character simple keys, nesting near
/// the fast path's depth bound, columns after multi-byte characters, the end of the text.
#[test]
fn agrees_at_the_edges() {
    let mut texts = Vec::new();
    for n in [990, 1000, 1010, 1023, 1024, 1025, 1030] {
        texts.push(format!("{}: v\n", "k".repeat(n)));
        texts.push(format!("a: {{ {}: v }}\n", "k".repeat(n)));
        texts.push(format!("\"{}\": v\n", "é".repeat(n / 2)));
        texts.push(format!("- {}: v\n", "k".repeat(n)));
        texts.push(format!("a: {}\n", "v".repeat(n)));
    }
    for depth in [60, 62, 63, 64, 65, 70] {
        let mut text = String::new();
        for d in 0..depth {
            text.push_str(&format!("{}k{d}:\n", " ".repeat(d)));
        }
        text.push_str(&format!("{}end: x\n", " ".repeat(depth)));
        texts.push(text);
        texts.push(format!("a: {}1{}\n", "[".repeat(depth), "]".repeat(depth)));
    }
    for tail in [
        "",
        "\n",
        "\n\n",
        " ",
        "  # c",
        "\n# c",
        "\n  ",
        "\n    ",
        "\n     # c",
    ] {
        for body in [
            "a: 1",
            "a:",
            "a: |\n  x",
            "a:\n- x",
            "a: 'q'",
            "a: {b: c}",
            "x:\n    a:",
            "s:\n  - b:",
        ] {
            texts.push(format!("{body}{tail}"));
        }
    }
    for text in [
        "日本: { é: [ü, \"ö\"], x: 'ß' }\n",
        "a:\n  日本: x\n  b: |\n    é\n",
    ] {
        texts.push(text.to_owned());
    }
    let taken = texts.iter().filter(|t| agrees(t)).count();
    assert!(taken > texts.len() / 2, "took {taken} of {}", texts.len());
}
