//! The fast path's contract (`yaml_fast_tests.rs`) on texts written against it: one per YAML
//! rule it reads by hand, each also nested, after a key and after wide characters, and block
//! scalars generated at every indentation.

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::agrees;

/// Hostile texts aimed at the YAML rules the fast path reads by hand (the review of
/// its contract): each must be refused or read exactly as yaml-rust2 reads it.
#[test]
fn agrees_on_hostile_texts() {
    let mut failures = Vec::new();
    for text in hostile_texts() {
        let result = std::panic::catch_unwind(|| agrees(&text));
        if result.is_err() {
            failures.push(text);
        }
    }
    assert!(failures.is_empty(), "disagreements on {failures:#?}");
}

#[path = "yaml_fast_hostile_texts.rs"]
mod texts;
use texts::hostile_texts;

/// Block scalars and empty values at every indentation up to past yaml-rust2's lookahead
/// buffer (its indentation skipping changes at 14 columns), with random blank, space-only,
/// comment and content lines around them, and random ends of text.
#[test]
fn agrees_on_block_scalars_at_depth() {
    use rand::Rng;
    let mut rng = StdRng::seed_from_u64(3);
    let mut failures = Vec::new();
    let mut taken = 0;
    for case in 0..20_000 {
        let depth = rng.random_range(0..24);
        let mut text = String::new();
        // A chain of keys down to `depth`, each on its own line or a compact `- ` item.
        let mut indent = 0;
        while indent < depth {
            let step = rng.random_range(1..4);
            if rng.random_bool(0.2) {
                text.push_str(&format!(
                    "{}k{indent}:\n{}- ",
                    " ".repeat(indent),
                    " ".repeat(indent)
                ));
                indent += 2;
                continue;
            }
            text.push_str(&format!("{}k{indent}:\n", " ".repeat(indent)));
            indent += step;
        }
        let pad = if text.ends_with("- ") { 0 } else { indent };
        let header = ["|", ">", "|-", ">-", "|+", ">+", "| # c", ""][rng.random_range(0..8)];
        text.push_str(&format!("{}v: {header}\n", " ".repeat(pad)));
        let inner = indent + rng.random_range(0..4);
        for _ in 0..rng.random_range(0..6) {
            let line = match rng.random_range(0..7) {
                0 => String::new(),
                1 => " ".repeat(rng.random_range(0..inner + 4)),
                2 => format!("{}# c", " ".repeat(rng.random_range(0..inner + 2))),
                3 => format!("{}x y", " ".repeat(inner + rng.random_range(0..3))),
                4 => format!("{}é日 ", " ".repeat(inner)),
                _ => format!("{}z", " ".repeat(inner)),
            };
            text.push_str(&line);
            text.push('\n');
        }
        match rng.random_range(0..5) {
            0 => text.push_str(&format!("{}w: 1\n", " ".repeat(indent))),
            1 => text.push_str("top: 1\n"),
            2 => text.push_str(&" ".repeat(rng.random_range(0..inner + 2))),
            3 => text.push_str(&format!(
                "{}# end",
                " ".repeat(rng.random_range(0..inner + 2))
            )),
            _ => {}
        }
        if case % 2 == 1 {
            text = text.replace('\n', "\r\n");
        }
        match std::panic::catch_unwind(|| agrees(&text)) {
            Ok(t) => taken += usize::from(t),
            Err(_) => failures.push(text),
        }
        if failures.len() > 20 {
            break;
        }
    }
    assert!(failures.is_empty(), "disagreements on {failures:#?}");
    assert!(taken > 2_000, "took {taken}");
}

/// Lines of every kind at random indentation (most of them invalid YAML): the fast path's
/// indentation rules against yaml-rust2's, valid or not.
#[test]
fn agrees_on_random_indentation() {
    use rand::Rng;
    const LINES: &[&str] = &[
        "a:",
        "b: 1",
        "c: 'q'",
        "- x",
        "- d: 2",
        "- e:",
        "-",
        "# c",
        "",
        "f: |",
        "g: >-",
        "  text",
        "h: [1, {i: j}]",
        "- [k]",
        "l: {}",
        "m: \"é\\n\"",
        "n :",
        "o: p # c",
        "---",
        "- - q",
        "r: s: t",
        "é日: 😀",
        "? u",
        ": v",
        "w",
        "-x: y",
    ];
    let mut rng = StdRng::seed_from_u64(5);
    let mut failures = Vec::new();
    let mut taken = 0;
    for _ in 0..60_000 {
        let mut text = String::new();
        for _ in 0..rng.random_range(1..7) {
            let indent = [0, 0, 1, 2, 2, 3, 4, 4, 6][rng.random_range(0..9)];
            let line = LINES[rng.random_range(0..LINES.len())];
            text.push_str(&" ".repeat(indent));
            text.push_str(line);
            text.push('\n');
        }
        if rng.random_bool(0.2) {
            text.pop();
        }
        match std::panic::catch_unwind(|| agrees(&text)) {
            Ok(t) => taken += usize::from(t),
            Err(_) => failures.push(text),
        }
        if failures.len() > 20 {
            break;
        }
    }
    assert!(failures.is_empty(), "disagreements on {failures:#?}");
    eprintln!("random indentation: took {taken} of 60000");
    assert!(taken > 1_000, "took {taken}");
}

/// Long lines: wide characters across yaml-rust2's lookahead buffer, keys whose `:` is
/// 1,000 bytes (or 1,024 characters) away after padding, long block-scalar lines (which
/// yaml-rust2 reads in bulk), CRLF with kept trailing lines.
#[test]
fn agrees_on_long_lines() {
    let mut texts = Vec::new();
    for n in [10, 15, 16, 17, 31, 32, 33, 100, 500] {
        let wide = "é日😀x".repeat(n);
        texts.push(format!("a: [{wide}, b, {{c: {wide}}}]\nd: {wide}\n"));
        texts.push(format!("{wide}: 1\nb: '{wide}'\nc: \"{wide}\\n\"\n"));
        texts.push(format!("a: |\n  {wide}\n  {wide}\nb: [x]\n"));
        texts.push(format!(
            "a: >+\r\n  {wide}\r\n\r\n   {wide}\r\n\r\n\r\nb: 1\r\n"
        ));
        texts.push(format!("- {wide}: 1\n  b: {wide} # {wide}\n- [{wide}]\n"));
    }
    for (key, pad) in [
        (990, 5),
        (990, 10),
        (990, 11),
        (1000, 0),
        (1000, 1),
        (1020, 4),
    ] {
        let key = "k".repeat(key);
        let pad = " ".repeat(pad);
        texts.push(format!("{key}{pad}: v\n"));
        texts.push(format!("a: {{{key}{pad}: v}}\n"));
        texts.push(format!("- {key}{pad}: v\n"));
        texts.push(format!("\"{key}\"{pad}: v\n"));
    }
    let taken = texts.iter().filter(|t| agrees(t)).count();
    assert!(
        taken * 3 > texts.len() * 2,
        "took {taken} of {}",
        texts.len()
    );
}

/// Each hostile text mutated (the corpus mutator: indicators, line ends, wide characters,
/// tabs, BOMs inserted; spans cut or doubled). 360,000 mutations ran once (68,244 taken)
/// with no disagreement; the suite keeps 20 per text.
#[test]
fn agrees_on_mutated_hostile_texts() {
    use super::generator::mutate;
    let mut rng = StdRng::seed_from_u64(77);
    let mut failures = Vec::new();
    for text in hostile_texts() {
        for _ in 0..20 {
            let mutated = mutate(&mut rng, &text);
            if std::panic::catch_unwind(|| agrees(&mutated)).is_err() {
                failures.push(mutated);
            }
        }
    }
    assert!(failures.is_empty(), "disagreements on {failures:#?}");
}
