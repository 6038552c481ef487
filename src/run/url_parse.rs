//! Parsing a step's URL, most of whose scheme and authority are those of the step before.
//!
//! The url crate spends about half of a parse on the host (an IPv4 address is parsed, checked
//! and written back; a name goes through IDNA): ~5,900 instructions for
//! `http://127.0.0.1:18081/items/1` (callgrind). When a URL starts with exactly the scheme and
//! authority the last parse produced, and what follows is a path, a query or a fragment, the
//! rest is parsed by the same parser relative to that origin (`Url::join`), which reads no
//! host. Anything else (another origin, an authority written differently, a rest that could
//! start an authority) is parsed whole.

use std::cell::RefCell;

use url::{ParseError, Position, Url};

thread_local! {
    /// The last origin parsed: its text (`http://host:port`, as the url crate writes it) and
    /// that origin with the path `/`.
    static LAST: RefCell<Option<(String, Url)>> = const { RefCell::new(None) };
}

#[cfg(test)]
thread_local! {
    /// How many parses took the shortcut (tests check that it is taken).
    static JOINED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// `Url::parse(text)`, the same result, cheaper when `text` shares the last URL's origin.
pub fn parse(text: &str) -> Result<Url, ParseError> {
    let joined = LAST.with(|last| {
        let last = last.borrow();
        let (prefix, base) = last.as_ref()?;
        let rest = text.strip_prefix(prefix.as_str())?;
        if !starts_path_query_or_fragment(rest) {
            return None;
        }
        base.join(rest).ok()
    });
    if let Some(url) = joined {
        #[cfg(test)]
        JOINED.with(|n| n.set(n.get() + 1));
        return Ok(url);
    }
    let url = Url::parse(text)?;
    remember(&url);
    Ok(url)
}

/// Whether `rest` (what follows the authority) is empty or starts a path, a query or a
/// fragment that `join` reads as such: a rest starting `//` or `/\` would be read as a new
/// authority, one starting `\` or `:` is not a plain path.
fn starts_path_query_or_fragment(rest: &str) -> bool {
    match rest.as_bytes() {
        [] | [b'?' | b'#', ..] | [b'/'] => true,
        [b'/', next, ..] => !matches!(next, b'/' | b'\\'),
        _ => false,
    }
}

fn remember(url: &Url) {
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return;
    }
    let prefix = &url[..Position::BeforePath];
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.as_ref().is_some_and(|(p, _)| p == prefix) {
            return;
        }
        let mut base = url.clone();
        base.set_path("/");
        base.set_query(None);
        base.set_fragment(None);
        *last = Some((prefix.to_owned(), base));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINS: &[&str] = &[
        "http://127.0.0.1:18081",
        "https://example.com",
        "http://u:p%40ss@h.test:8080",
        "http://[::1]:9",
        "https://xn--bcher-kva.example",
    ];

    const RESTS: &[&str] = &[
        "",
        "/",
        "/items/1",
        "/a/../b/./c",
        "/..",
        "?a=b&c",
        "#frag",
        "/p?q=1#f",
        "/a b/é/%zz",
        "/\tx\ny",
        "/x ",
        "//evil.test/x",
        "/\\evil.test/x",
        "\\x",
        "\\\\evil.test",
        ":80/x",
        ":/x",
        "0/x",
        "@evil.test/x",
        ".evil.test/x",
        "/%2e%2e/x",
        "/x\\y",
        "?%",
        "#%zz é",
        "/\u{0}x",
        " /x",
        "/x\u{1}",
    ];

    #[test]
    fn the_same_url_as_a_whole_parse() {
        for origin in ORIGINS {
            // Primes the cache with this origin, then each rest after it.
            parse(&format!("{origin}/prime")).unwrap();
            let before = JOINED.with(std::cell::Cell::get);
            for rest in RESTS {
                let text = format!("{origin}{rest}");
                let whole = Url::parse(&text);
                let cached = parse(&text);
                assert_eq!(
                    cached.as_ref().map(Url::as_str),
                    whole.as_ref().map(Url::as_str),
                    "{text:?}"
                );
                if let (Ok(a), Ok(b)) = (cached, whole) {
                    assert_eq!(a.host_str(), b.host_str(), "{text:?}");
                    assert_eq!(a.port(), b.port(), "{text:?}");
                    assert_eq!(a.path(), b.path(), "{text:?}");
                    assert_eq!(a.query(), b.query(), "{text:?}");
                    assert_eq!(a.fragment(), b.fragment(), "{text:?}");
                    assert_eq!(a.username(), b.username(), "{text:?}");
                    assert_eq!(a.password(), b.password(), "{text:?}");
                }
            }
            // The plain paths, queries and fragments took the shortcut.
            assert!(JOINED.with(std::cell::Cell::get) - before >= 15, "{origin}");
        }
    }

    #[test]
    fn another_origin_or_an_odd_rest_is_parsed_whole() {
        parse("http://a.test/x").unwrap();
        assert_eq!(
            parse("http://b.test/y").unwrap().as_str(),
            "http://b.test/y"
        );
        parse("http://a.test/x").unwrap();
        assert_eq!(
            parse("http://a.test//b.test/y").unwrap().host_str(),
            Some("a.test")
        );
        assert_eq!(
            parse("http://a.test:99/y").unwrap().as_str(),
            "http://a.test:99/y"
        );
        assert!(parse("http://a.test:99999/").is_err());
    }
}
