//! A fuzzing corpus for the YAML layer and the loader (tests only).

/// `n` random edits (deterministic) of a workflow that uses most of the format, with
/// YAML-significant pieces inserted, ranges deleted and parts duplicated: a fuzzing corpus
/// for the parser and the loader.
pub(super) fn mutations(n: usize) -> Vec<String> {
    let base = "version: 1\nname: \"x\"\ninputs:\n  a: { default: 1, secret: true }\nvars: { v: \"{{ inputs.a }}\" }\ndefaults:\n  request: { headers: { T: \"{{ tok }}\" } }\nsteps:\n  - id: s\n    for_each: [1, 2]\n    name: \"n {{ item }}\"\n    request: { url: 'http://h/{{ inputs.a }}', headers: { X: [1, 2] }, timeout: 5 }\n    retry: { attempts: 2, until: steps.s.response.status == 200 }\n    expect:\n      status: [200, 201]\n      json:\n        $.a: |\n          text\n        $.b.length: { gt: 1 }\n    capture: { tok: $.t }\n  - set: { w: \"{{ tok }}\" }\n  - assert: w == tok\nfinally:\n  - sleep: 1ms\n";
    let pieces = [
        "[",
        "]",
        "{",
        "}",
        ":",
        "- ",
        "\n",
        "  ",
        "'",
        "\"",
        "&a ",
        "*a",
        "!t ",
        "? ",
        "#",
        "\r",
        "\t",
        ",",
        "|",
        ">",
        "---\n",
        "...\n",
        "%YAML 1.2\n",
        "\u{feff}",
        "é",
        "{{",
        "}}",
        "~",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    (0..n)
        .map(|_| {
            let mut text = base.to_owned();
            for _ in 0..1 + next(4) {
                let mut at = next(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match next(3) {
                    0 => text.insert_str(at, pieces[next(pieces.len())]),
                    1 => {
                        let mut end = (at + 1 + next(8)).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(at..end, "");
                    }
                    _ => {
                        let copy = text[..next(text.len() / 2 + 1)].to_owned();
                        let mut at = at.min(text.len());
                        while !text.is_char_boundary(at) {
                            at -= 1;
                        }
                        text.insert_str(at, &copy);
                    }
                }
            }
            text
        })
        .collect()
}
