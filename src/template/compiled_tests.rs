use super::*;
use minijinja::context;

#[test]
fn whole_expressions_keep_their_type() {
    let t = ValueTemplate::compile_str("{{ n }}", Pos::default()).unwrap();
    assert_eq!(
        t.render(&crate::template::to_value(serde_json::json!({"n": 5})))
            .unwrap(),
        Value::from(5)
    );
    let t = ValueTemplate::compile_str("n={{ n }}", Pos::default()).unwrap();
    assert_eq!(t.render(&context! { n => 5 }).unwrap(), Value::from("n=5"));
    let t = ValueTemplate::compile_str("{{ a }} {{ b }}", Pos::default()).unwrap();
    assert!(matches!(t, ValueTemplate::Text(_)));
}

#[test]
fn undefined_names_are_named() {
    let t = Text::compile("Bearer {{ acces_token }}", Pos::default()).unwrap();
    let err = t.render(&context! { access_token => "x" }).unwrap_err();
    assert!(
        err.message.contains("`acces_token` is not defined"),
        "{}",
        err.message
    );
    let e = Expr::compile("steps.token.response.json.nope", Pos::default()).unwrap();
    let ctx = crate::template::to_value(
        serde_json::json!({"steps": {"token": {"response": {"json": {"a": 1}}}}}),
    );
    let err = e.eval(&ctx).unwrap_err();
    assert!(
        err.message
            .contains("`steps.token.response.json` has no attribute `nope`"),
        "{}",
        err.message
    );
}

#[test]
fn values_rendered_together_share_the_size_limit() {
    let leaf = "{{ 'x' * 40000000 }}";
    let one = ValueTemplate::compile_str(leaf, Pos::default()).unwrap();
    assert!(one.render(&Value::UNDEFINED).is_ok());
    let two = ValueTemplate::Seq(vec![
        ValueTemplate::compile_str(leaf, Pos::default()).unwrap(),
        ValueTemplate::compile_str(&format!("a{leaf}"), Pos::default()).unwrap(),
    ]);
    let err = two.render(&Value::UNDEFINED).unwrap_err();
    assert!(
        err.message.contains("larger than 64 MiB"),
        "{}",
        err.message
    );
}

#[test]
fn syntax_errors_are_reported_at_compile_time() {
    assert!(Text::compile("{{ a + }}", Pos::default()).is_err());
    assert!(Expr::compile("a ==", Pos::default()).is_err());
}

#[test]
fn markup_is_found_in_one_pass() {
    use super::has_markup;
    for (text, want) in [
        ("{{ x }}", true),
        ("a{%if%}", true),
        ("{# c #}", true),
        ("{ x }", false),
        ("{", false),
        ("x{", false),
        ("{x{{", true),
        ("plain", false),
        ("", false),
        ("é{{", true),
    ] {
        assert_eq!(has_markup(text), want, "{text:?}");
    }
}

/// Past the kept budget a template is compiled again at each render, with the same output and
/// the same errors as a kept one.
#[test]
fn templates_past_the_budget_render_the_same() {
    let mut last = None;
    for i in 0..=KEPT_TEMPLATES {
        let source = format!("{{{{ base }}}}/budget/{i}?q={{{{ q }}}}");
        last = Some(StrTemplate::compile(&source, Pos::new(3, 7)).unwrap());
    }
    let t = last.unwrap();
    assert!(t.compiled.template.is_none(), "the budget is spent by now");
    assert_eq!(t.names(), ["base", "q"]);
    let out = t
        .render(&context! { base => "http://h", q => true })
        .unwrap();
    assert_eq!(out, format!("http://h/budget/{KEPT_TEMPLATES}?q=true"));
    let err = t.render(&context! { base => "http://h" }).unwrap_err();
    assert!(
        err.message.contains("`q` is not defined"),
        "{}",
        err.message
    );
    assert_eq!(err.pos, Pos::new(3, 7));
}

/// Expressions past the budget are evaluated the same way, errors included.
#[test]
fn expressions_past_the_budget_evaluate_the_same() {
    let mut last = None;
    for i in 0..=KEPT_TEMPLATES {
        last = Some(Expr::compile(&format!("n + {i} > limit"), Pos::new(2, 5)).unwrap());
    }
    let e = last.unwrap();
    assert!(e.compiled.expr.is_none(), "the budget is spent by now");
    assert_eq!(e.names(), ["limit", "n"]);
    assert!(e.is_true(&context! { n => 1, limit => 2 }).unwrap());
    assert!(!e.is_true(&context! { n => -2000, limit => 2 }).unwrap());
    let err = e.eval(&context! { n => 1 }).unwrap_err();
    assert!(
        err.message.contains("`limit` is not defined"),
        "{}",
        err.message
    );
    assert_eq!(err.pos, Pos::new(2, 5));
}

#[test]
fn a_bare_name_renders_as_the_full_template_does() {
    let ctx = crate::template::to_value(serde_json::json!({
        "token": "abc", "n": 5, "yes": true, "nothing": null,
        "inputs": {"base": "http://h"}, "text": "x{{ y }}"
    }));
    // The same output as the template run in full, whatever the value's type.
    for source in [
        "{{ token }}",
        "{{token}}",
        "{{ inputs.base }}",
        "{{ n }}",
        "{{ yes }}",
        "{{ nothing }}",
        "{{ text }}",
        "{{ true }}",
        "{{ token | upper }}",
    ] {
        let t = Text::compile(source, Pos::default()).unwrap();
        let full = ENV.render_str(source, &ctx).unwrap();
        assert_eq!(t.render(&ctx).unwrap(), full, "{source}");
    }
    let t = Text::compile("{{ inputs.base }}", Pos::default()).unwrap();
    assert_eq!(t.render(&ctx).unwrap(), "http://h");
    for source in ["{{ tokn }}", "{{ inputs.nope }}", "{{ token.x.y }}"] {
        let t = Text::compile(source, Pos::default()).unwrap();
        assert!(t.render(&ctx).is_err(), "{source}");
    }
    assert!(plain_lookup("{{ a.b_1 }}").is_some());
    for source in [
        "{{ none }}",
        " {{ a }}",
        "{{ a }} ",
        "{{ a | b }}",
        "{{ a[0] }}",
        "{{ 1a }}",
    ] {
        assert!(plain_lookup(source).is_none(), "{source}");
    }
}
