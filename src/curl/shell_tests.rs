use super::*;

fn words(text: &str) -> Vec<String> {
    split(text).unwrap().words
}

#[test]
fn documentation_style_commands_split_into_words() {
    let text = "$ curl -X POST \\\n'https://iam.cloud.ibm.com/identity/token' \\\n  --header \"Content-Type: application/x-www-form-urlencoded\" \\\r\n  --data-urlencode $'a=b\\nc'";
    assert_eq!(
        words(text),
        [
            "curl",
            "-X",
            "POST",
            "https://iam.cloud.ibm.com/identity/token",
            "--header",
            "Content-Type: application/x-www-form-urlencoded",
            "--data-urlencode",
            "a=b\nc"
        ]
    );
}

#[test]
fn variables_become_references_and_substitutions_are_refused() {
    assert_eq!(
        words("-H \"Authorization: Bearer $TOKEN\" ${KEY}x"),
        [
            "-H".to_owned(),
            format!("Authorization: Bearer {}", reference("TOKEN")),
            format!("{}x", reference("KEY")),
        ]
    );
    assert!(split("curl $(cat key)").is_err());
    assert!(split("curl `cat key`").is_err());
    assert!(split("curl 'unclosed").is_err());
    assert!(split("curl x; rm -rf /").is_err());
    assert_eq!(words("a '' b"), ["a", "", "b"]);
    assert!(split("costs $5").is_err());
    assert_eq!(words("a $ b$"), ["a", "$", "b$"]);
}

#[test]
fn a_pipe_ends_the_command() {
    let s = split("curl https://x/ | jq .").unwrap();
    assert_eq!(s.words, ["curl", "https://x/"]);
    assert_eq!(s.ignored_pipe.as_deref(), Some("| jq ."));
}

#[test]
fn quoting_round_trips() {
    for w in [
        "plain",
        "",
        "it's",
        "a b\nc",
        "tab\there\x1b[0m",
        "$HOME `x` \"q\" \\",
        "#not-a-comment",
        "ünïcödé ☃",
    ] {
        let q = quote(w).unwrap();
        assert_eq!(words(&q), [w], "quoted as {q}");
    }
    let with_ref = format!("Bearer {}", reference("TOKEN"));
    assert_eq!(quote(&with_ref).unwrap(), "'Bearer '\"$TOKEN\"");
    assert_eq!(words(&quote(&with_ref).unwrap()), [with_ref]);
    assert!(quote("a\0b").is_err());
}

/// What bash itself makes of `text` as arguments (printf prints each, NUL-terminated).
fn bash_words(text: &str) -> Vec<String> {
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("printf '%s\\0' {text}"))
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "bash failed on {text:?}");
    let mut words: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .map(str::to_owned)
        .collect();
    words.pop();
    words
}

#[test]
fn splitting_agrees_with_bash() {
    let cases = [
        r#"-X POST 'https://h/x' --header 'A: b'"#,
        "a\\\nb \\\n c",
        r#""double \"quoted\" \$ \\ \` \x" 'single \ "x"'"#,
        r#"$'ansi \n \t \\ \' \" \x41\x7e \101 \u00e9 \U0001F600 \cA \e \a \b \f \v \r \?'"#,
        r#"$'\x4g' $'\q' $'\u' $'\101x'"#,
        r#"mix'ed'"quo"ted$'x'word"#,
        r#"'' "" $'' x"#,
        "tab\tsep  many   spaces",
        r#"a#b '#c' d # trailing comment"#,
        r#"esc\ aped\ space \' \" \\"#,
        r#"$"locale string""#,
        r#"costs \$5 "\$HOME" '$HOME'"#,
        r#"'{"json": [1, 2, {"a": "b"}]}'"#,
        r#"--data-urlencode 'apikey=<API_KEY>'"#,
        "\"multi\nline\" 'also\nmulti'",
        r#"a$ b $ c"#,
        r#"ü 'ñ' "☃""#,
        r#""a\
b""#,
        r#"-d@file -H'x:y' -XPUT"#,
        r#"$'\'\''"#,
        r#"$'\0101'"#,
        "trailing\\",
        r#""!"'!'"#,
    ];
    for text in cases {
        let ours = split(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .words;
        assert_eq!(ours, bash_words(text), "on {text:?}");
    }
}

#[test]
fn quoted_random_words_read_back_the_same_in_bash() {
    use rand::{Rng as _, SeedableRng as _};
    let alphabet: Vec<char> = " \t\n'\"\\$`!#&;|<>(){}[]*?~=%@+:,./-_aZ9\x01\x1b\x7fé☃"
        .chars()
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    for _ in 0..20 {
        let words: Vec<String> = (0..rng.random_range(1..6))
            .map(|_| {
                (0..rng.random_range(0..12))
                    .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                    .collect()
            })
            .collect();
        let text: Vec<String> = words.iter().map(|w| quote(w).unwrap()).collect();
        let text = text.join(" ");
        assert_eq!(bash_words(&text), words, "bash on {text:?}");
        assert_eq!(split(&text).unwrap().words, words, "split on {text:?}");
    }
}

#[test]
fn references_taken_apart_by_a_filter_are_found() {
    let whole = format!("Bearer {}", reference("TOKEN"));
    assert!(!has_broken_reference(&whole));
    assert!(!has_broken_reference("plain text"));
    // `inputs.token[:3]`: the opening marker without its pair.
    assert!(has_broken_reference(&format!("{REF_OPEN}TO")));
    // `inputs.token | urlencode`: both markers percent-encoded.
    assert!(has_broken_reference("%EE%80%80TOKEN%EE%80%81"));
    assert!(has_broken_reference("x%ee%80%80TOKEN"));
    // A closing marker on its own.
    assert!(has_broken_reference(&format!("TOKEN{REF_CLOSE}")));
}
