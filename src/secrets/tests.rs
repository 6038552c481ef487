use super::*;

#[test]
fn redacts_plain_percent_and_base64_forms() {
    let r = Redactor::new();
    let secret = "s3cr3t/Key+with spaces&more";
    r.add(secret);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{secret}"));
    let url_encoded =
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    for text in [
        format!("token={secret}!"),
        format!("Authorization: Basic {basic}"),
        format!("apikey={url_encoded}"),
        format!(
            "x{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
        ),
    ] {
        let out = r.redact(&text);
        assert!(out.contains(MASK), "{text} -> {out}");
        assert!(!out.contains(secret));
        assert!(!out.contains(&basic));
    }
    assert_eq!(r.redact("nothing here"), "nothing here");
}

#[test]
fn every_escaped_form_is_caught() {
    let r = Redactor::new();
    let secret = "Tr0ub4dor-3!&<\"x'\\%:,é ~*";
    r.add(secret);
    let json = serde_json::to_string(secret).unwrap();
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    let mut u = url::Url::parse("http://h/").unwrap();
    u.query_pairs_mut().append_pair("p", secret);
    let mut path = url::Url::parse("http://h/").unwrap();
    path.set_path(secret);
    let annotation = secret.replace('%', "%25");
    for text in [json, form, xml, u.to_string(), path.to_string(), annotation] {
        let out = r.redact(&text);
        assert!(out.contains(MASK), "{text} -> {out}");
        assert!(!out.contains("Tr0ub4dor"), "{text} -> {out}");
    }
}

#[test]
fn bearer_credentials_and_lines_of_a_key_are_secrets_on_their_own() {
    let r = Redactor::new();
    r.add("Bearer abcdef123456");
    assert_eq!(
        r.redact("token abcdef123456 echoed"),
        format!("token {MASK} echoed")
    );
    r.add("-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDDEEEE\n-----END KEY-----");
    assert!(!r.redact("line: DDDDEEEE").contains("DDDDEEEE"));
    assert!(r.holds_secret("x AAAABBBBCCCC y"));
    assert!(!r.holds_secret("nothing"));
}

#[test]
fn the_packed_searcher_and_the_nfa_mask_the_same() {
    let r = Redactor::new();
    r.add("Bearer abcdef123456");
    r.add("s3cr3t/Key+with spaces&more");
    r.add("é-secret-ü");
    let state = r.state.read().unwrap();
    let mut patterns: Vec<String> = state.known.iter().cloned().collect();
    patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let packed = Matcher::build(&patterns);
    assert!(
        matches!(packed, Matcher::Packed(_)),
        "Teddy is there on x86_64"
    );
    let nfa = Matcher::nfa(&patterns).unwrap();
    for text in [
        "no secret here",
        "abcdef123456",
        "x abcdef123456 y abcdef123456",
        "Authorization: Bearer abcdef123456",
        "q=s3cr3t%2FKey%2Bwith%20spaces%26more&é-secret-ü!",
        "ééé é-secret-ü",
    ] {
        assert_eq!(packed.is_match(text), nfa.is_match(text), "{text}");
        assert_eq!(
            packed.replace_all(text, MASK),
            nfa.replace_all(text, MASK),
            "{text}"
        );
    }
    // Many patterns: Teddy declines, the NFA answers.
    let many: Vec<String> = (0..500).map(|i| format!("secret-number-{i:04}")).collect();
    let m = Matcher::build(&many);
    assert!(matches!(m, Matcher::Nfa(_)));
    assert_eq!(
        m.replace_all("a secret-number-0042 b", MASK),
        format!("a {MASK} b")
    );
}

#[test]
fn a_text_as_long_as_the_shortest_form_is_still_searched() {
    let r = Redactor::new();
    r.add("Bearer abcdef123456");
    // The credential alone (12 bytes) is among the forms: exactly that long is masked.
    assert_eq!(r.redact("abcdef123456"), MASK);
    assert_eq!(r.redact("abcdef12345"), "abcdef12345");
    assert!(r.holds_secret("abcdef123456"));
    assert!(!r.holds_secret("short"));
    assert!(r.could_hold(12));
    assert!(!r.could_hold(11));
    assert!(!Redactor::new().could_hold(1000));
}

#[test]
fn every_leaf_of_a_secret_object_is_registered() {
    let r = Redactor::new();
    r.add_value(&serde_json::json!({"a": {"b": ["leafvalue1"]}, "n": 123456789}));
    assert!(!r.redact("leafvalue1 and 123456789").contains("leafvalue1"));
    assert!(!r.redact("123456789").contains("123456789"));
}

#[test]
fn the_matcher_is_the_one_cheap_to_rebuild() {
    let r = Redactor::new();
    r.add("a-secret-value-0123");
    let Some(Matcher::Nfa(nfa)) = Matcher::nfa(&["a-secret-value-0123".to_owned()]) else {
        panic!("the NFA builds");
    };
    assert_eq!(nfa.kind(), aho_corasick::AhoCorasickKind::ContiguousNFA);
    assert_eq!(r.redact("x a-secret-value-0123 y"), format!("x {MASK} y"));
}

#[test]
fn a_secret_registered_after_many_others_is_masked() {
    let r = Redactor::new();
    for i in 0..200 {
        r.add(&format!("item-secret-{i:03}-0123456789abcdef"));
        assert_eq!(r.redact("a line of output"), "a line of output");
    }
    r.add("the-last-one-xyz");
    assert_eq!(
        r.redact("x the-last-one-xyz y item-secret-000-0123456789abcdef"),
        format!("x {MASK} y {MASK}")
    );
    assert!(r.holds_secret("item-secret-123-0123456789abcdef"));
    // The whole secret is masked, not a shorter secret inside it.
    r.add("secret-1");
    assert_eq!(
        r.redact("item-secret-150-0123456789abcdef secret-1"),
        format!("{MASK} {MASK}")
    );
}

#[test]
fn every_alignment_of_base64_is_caught() {
    let r = Redactor::new();
    let secret = "0123456789abcdef";
    r.add(secret);
    for prefix in ["", "a", "ab", "abc"] {
        let enc = base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{secret}"));
        assert!(r.redact(&enc).contains(MASK), "prefix {prefix:?}: {enc}");
    }
}

#[test]
fn the_secret_past_the_count_bound_masks_every_later_output() {
    let r = Redactor::new();
    for i in 0..MAX_SECRETS {
        r.add(&format!("secret-{i:05}"));
    }
    // A repeat is not a new secret.
    r.add("secret-00000");
    assert!(!r.overflowed());
    assert_eq!(r.redact("id secret-00007 ok"), format!("id {MASK} ok"));
    r.add("one-too-many");
    assert!(r.overflowed());
    // The refused secret is not held, so nothing of any text is shown but line ends and the
    // limit message.
    assert_eq!(
        r.redact("got one-too-many\nand more\n\nend"),
        format!("{MASK}\n{MASK}\n\n{MASK}")
    );
    assert_eq!(
        r.redact(&format!("step: {LIMIT_MESSAGE}\n")),
        format!("{MASK}{LIMIT_MESSAGE}\n")
    );
    assert!(r.holds_secret("anything"));
    assert!(r.could_hold(1));
}

#[test]
fn a_secret_longer_than_the_bound_is_refused_before_its_forms_are_made() {
    let r = Redactor::new();
    r.add(&"a".repeat(MAX_SECRET_LEN));
    assert!(!r.overflowed());
    r.add(&"b".repeat(MAX_SECRET_LEN + 1));
    assert!(r.overflowed());
    assert_eq!(r.redact("plain"), MASK);
}

#[test]
fn forms_past_the_byte_bound_are_refused() {
    let r = Redactor::new();
    let value = |n: usize| format!("{n:05}{}", "c".repeat(60_000));
    let mut held = 0;
    while !r.overflowed() {
        r.add(&value(held));
        held += 1;
        assert!(held < 100, "60 kB secrets never reach the bound");
    }
    // Each secret's forms (itself, its base64 at three offsets) take some 300 kB.
    assert!((10..20).contains(&held), "{held}");
}

#[test]
fn a_repeat_counts_nothing() {
    // 2,000 registrations of one value, from two files' handles: one secret, no excess.
    let r = Redactor::new();
    let (a, b) = (r.for_workflow(), r.for_workflow());
    for _ in 0..1000 {
        a.add("the-same-secret-value");
        b.add("the-same-secret-value");
    }
    assert!(!r.overflowed());
}

#[test]
fn each_file_has_its_own_bound_and_the_run_a_bound_over_all() {
    let r = Redactor::new();
    let add = |h: &Redactor, file: usize, n: usize| {
        for i in 0..n {
            h.add(&format!("file{file:03}-secret{i:05}"));
        }
    };
    // One file past its bound overflows the whole redactor...
    let one = Redactor::new();
    add(&one.for_workflow(), 0, MAX_SECRETS + 1);
    assert!(one.overflowed());
    // ...while files under theirs do not, up to the run's bound.
    let files = RUN_MAX_SECRETS / MAX_SECRETS;
    for file in 0..files {
        add(&r.for_workflow(), file, MAX_SECRETS);
        if file == 0 {
            // Every handle masks every file's secrets: they share one set.
            assert_eq!(r.for_workflow().redact("file000-secret01023"), MASK);
        }
    }
    assert!(!r.overflowed());
    add(&r.for_workflow(), files, 1);
    assert!(r.overflowed(), "one more than the run's bound");
}

#[test]
fn the_limit_message_names_the_bounds() {
    assert!(LIMIT_MESSAGE.contains(&format!("{MAX_SECRETS} secrets")));
    assert!(LIMIT_MESSAGE.contains(&format!("{} KiB", MAX_SECRET_LEN >> 10)));
    assert!(LIMIT_MESSAGE.contains(&format!("{} MiB in all", MAX_FORM_BYTES >> 20)));
    assert!(LIMIT_MESSAGE.contains(&format!("a run {RUN_MAX_SECRETS} secrets")));
    assert!(LIMIT_MESSAGE.contains(&format!("{} MiB)", RUN_MAX_FORM_BYTES >> 20)));
}
