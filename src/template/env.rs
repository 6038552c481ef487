//! The one minijinja environment of the process: strict about undefined names, with the
//! functions and filters the format promises (`uuid`, `now`, `jwt_claims`, …).

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use minijinja::value::ValueKind;
use minijinja::{Environment, Error, ErrorKind, Output, State, UndefinedBehavior, Value};
use sha2::Digest as _;

/// Shared by every compiled template and expression. It holds only functions and filters,
/// never workflow data, so one process-wide instance lets compiled templates be `'static`.
pub static ENV: LazyLock<Environment<'static>> = LazyLock::new(build);

/// Names that templates may call without them being workflow variables.
pub fn is_global(name: &str) -> bool {
    ENV.globals().any(|(n, _)| n == name)
}

fn build() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Workflow values are not HTML: never escape.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // Every render is bounded in work and time (see `bounds`): fuel for instructions and bytes,
    // and a `range()` that stops when the step's time is up or on Ctrl-C.
    env.set_fuel(Some(super::bounds::FUEL));
    env.add_function("range", super::bounds::range);
    // Booleans are written as JSON and YAML write them (`?ready=true`), not as Python does.
    env.set_formatter(format_value);
    env.add_filter("string", string_filter);
    env.add_function("uuid", || uuid::Uuid::new_v4().to_string());
    env.add_function("now", now_rfc3339);
    env.add_function("timestamp", || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    env.add_function("random_string", random_string);
    env.add_filter("jwt_claims", jwt_claims);
    env.add_filter("b64encode", |v: Value| STANDARD.encode(bytes_of(&v)));
    env.add_filter("b64decode", b64decode);
    env.add_filter("fromjson", fromjson);
    env.add_filter("sha256", |v: Value| {
        let digest = sha2::Sha256::digest(bytes_of(&v));
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    });
    env
}

fn format_value(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if value.kind() == ValueKind::Bool {
        let text = if value.is_true() { "true" } else { "false" };
        return out
            .write_str(text)
            .map_err(|_| Error::from(ErrorKind::WriteFailure));
    }
    minijinja::escape_formatter(out, state, value)
}

/// minijinja's `string`, but a boolean becomes `true`/`false`.
fn string_filter(value: Value) -> Value {
    match value.kind() {
        ValueKind::String => value,
        ValueKind::Bool => Value::from(if value.is_true() { "true" } else { "false" }),
        _ => Value::from(value.to_string()),
    }
}

fn bytes_of(v: &Value) -> Vec<u8> {
    match v.as_str() {
        Some(s) => s.as_bytes().to_vec(),
        None => v.to_string().into_bytes(),
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn random_string(n: Option<usize>) -> Result<String, Error> {
    use rand::Rng as _;
    let n = n.unwrap_or(16);
    if n > 1_000_000 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "random_string: length must be at most 1000000",
        ));
    }
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    Ok((0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect())
}

fn invalid(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

fn jwt_claims(token: &str) -> Result<Value, Error> {
    let token = token.trim().trim_start_matches("Bearer ").trim();
    let payload = token.split('.').nth(1).ok_or_else(|| {
        invalid("jwt_claims: the value is not a JWT (no `.`-separated payload)".into())
    })?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| invalid(format!("jwt_claims: the JWT payload is not base64url: {e}")))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("jwt_claims: the JWT payload is not JSON: {e}")))?;
    Ok(crate::template::to_value(&json))
}

fn b64decode(text: &str) -> Result<String, Error> {
    let cleaned = text.trim();
    let bytes = STANDARD
        .decode(cleaned)
        .or_else(|_| URL_SAFE_NO_PAD.decode(cleaned.trim_end_matches('=')))
        .map_err(|e| invalid(format!("b64decode: not base64: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|_| invalid("b64decode: the decoded bytes are not UTF-8 text".into()))
}

fn fromjson(text: &str) -> Result<Value, Error> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("fromjson: not JSON: {e}")))?;
    Ok(crate::template::to_value(&json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str) -> Value {
        ENV.compile_expression(expr).unwrap().eval(()).unwrap()
    }

    #[test]
    fn functions_and_filters() {
        assert_eq!(eval("uuid() | length"), Value::from(36));
        assert_eq!(eval("random_string(12) | length"), Value::from(12));
        assert!(eval("timestamp()").as_i64().unwrap() > 1_600_000_000);
        assert!(eval("now()").as_str().unwrap().contains('T'));
        assert_eq!(eval("'a:b' | b64encode"), Value::from("YTpi"));
        assert_eq!(eval("'YTpi' | b64decode"), Value::from("a:b"));
        assert_eq!(
            eval("'{\"a\": [1]}' | fromjson"),
            crate::template::to_value(serde_json::json!({"a": [1]}))
        );
        assert_eq!(
            eval("{'a': 1} | tojson | fromjson"),
            crate::template::to_value(serde_json::json!({"a": 1}))
        );
        assert_eq!(
            eval("'abc' | sha256"),
            Value::from("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        // header {"alg":"none"}, payload {"account":{"bss":"abc"}}
        let jwt = "eyJhbGciOiJub25lIn0.eyJhY2NvdW50Ijp7ImJzcyI6ImFiYyJ9fQ.sig";
        let claims = ENV
            .compile_expression("(t | jwt_claims).account.bss")
            .unwrap()
            .eval(minijinja::context! { t => jwt })
            .unwrap();
        assert_eq!(claims, Value::from("abc"));
    }

    #[test]
    fn booleans_render_as_json_writes_them() {
        let ctx = minijinja::context! { ready => true, off => false };
        let out = ENV
            .render_str(
                "?ready={{ ready }}&off={{ off }}&s={{ ready | string }}",
                ctx,
            )
            .unwrap();
        assert_eq!(out, "?ready=true&off=false&s=true");
        assert_eq!(ENV.render_str("{{ 1 }} {{ 'x' }}", ()).unwrap(), "1 x");
    }

    #[test]
    fn undefined_names_are_errors() {
        let err = ENV.render_str("{{ nope }}", ()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UndefinedError);
    }
}
