//! A workflow run's cookie jar over the `cookie_store` crate (RFC 6265 domain, path, expiry
//! and `Secure` rules are its job), bounded in size, and its Netscape cookie-file form (the
//! format curl and Hurl read and write).

use std::io::Write as _;
use std::path::Path;

use cookie_store::{CookieDomain, CookieExpiration, CookieStore, RawCookie};

use crate::secrets::Redactor;

/// The most cookies a jar keeps; later ones are ignored (a hostile server cannot grow it).
const MAX_COOKIES: usize = 3000;
/// The longest `Set-Cookie` header taken (browsers keep 4 KiB per cookie).
const MAX_SET_COOKIE: usize = 8 * 1024;
/// The largest cookie file read.
const MAX_FILE: u64 = 16 * 1024 * 1024;
/// Cookie values at least this long are registered as secrets; shorter ones (`1`, `yes`)
/// would mask ordinary text everywhere.
const MIN_SECRET_LEN: usize = 6;

#[derive(Clone, Debug, Default)]
pub struct Jar {
    store: CookieStore,
}

impl Jar {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the cookies of `Set-Cookie` headers received from `url`.
    pub fn store<'a>(&mut self, url: &url::Url, set_cookies: impl Iterator<Item = &'a str>) {
        for header in set_cookies.filter(|h| h.len() <= MAX_SET_COOKIE) {
            if self.len() >= MAX_COOKIES {
                return;
            }
            // A cookie the RFC rules reject (another domain, a public suffix) is ignored, as a
            // browser does.
            let _ = self.store.parse(header, url);
        }
    }

    /// The `name=value` pairs to send to `url`.
    pub fn request_pairs(&self, url: &url::Url) -> Vec<(String, String)> {
        self.store
            .get_request_values(url)
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.store.iter_unexpired().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds every cookie of `other`, replacing those of the same domain, path and name.
    pub fn merge(&mut self, other: &Jar) {
        for c in other.store.iter_unexpired() {
            if self.len() >= MAX_COOKIES {
                return;
            }
            let Some(url) = cookie_url(c) else { continue };
            let _ = self.store.insert(c.clone(), &url);
        }
    }

    /// Registers every value long enough to be a credential.
    pub fn register_secrets(&self, secrets: &Redactor) {
        for c in self.store.iter_unexpired() {
            register_value(c.value(), secrets);
        }
    }

    /// Reads a Netscape cookie file (as curl `-c` writes it); a missing file is an empty jar.
    pub fn load(path: &Path) -> Result<Jar, String> {
        let shown = path.display();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Jar::new()),
            Err(e) => return Err(format!("cannot read the cookie jar `{shown}`: {e}")),
        };
        if !meta.is_file() {
            return Err(format!("the cookie jar `{shown}` is not a file"));
        }
        if meta.len() > MAX_FILE {
            return Err(format!(
                "the cookie jar `{shown}` is larger than {}",
                crate::size::human(MAX_FILE)
            ));
        }
        let text = std::fs::read(path)
            .map_err(|e| format!("cannot read the cookie jar `{shown}`: {e}"))?;
        let text = String::from_utf8_lossy(&text);
        let mut jar = Jar::new();
        for (n, line) in text.lines().enumerate() {
            if jar.len() >= MAX_COOKIES {
                break;
            }
            match parse_line(line) {
                Ok(Some((cookie, url))) => {
                    // An expired cookie is dropped, as curl does on reading.
                    let _ = jar.store.insert_raw(&cookie, &url);
                }
                Ok(None) => {}
                Err(msg) => {
                    return Err(format!("{shown}:{}: {msg}", n + 1));
                }
            }
        }
        Ok(jar)
    }

    /// Writes the jar as a Netscape cookie file, readable by its owner only (a new file is
    /// written beside it and renamed over it, so a reader never sees half a jar).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let shown = path.display();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let fail = |e: std::io::Error| format!("cannot write the cookie jar `{shown}`: {e}");
        // tempfile creates the file with mode 0600.
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
        file.write_all(self.to_netscape().as_bytes())
            .map_err(fail)?;
        file.persist(path).map_err(|e| fail(e.error))?;
        Ok(())
    }

    pub fn to_netscape(&self) -> String {
        let mut out = String::from(
            "# Netscape HTTP Cookie File\n# Written by apiflow: the values are credentials.\n\n",
        );
        let mut lines: Vec<String> = self.store.iter_unexpired().filter_map(line).collect();
        lines.sort();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

pub fn register_value(value: &str, secrets: &Redactor) {
    if value.chars().count() >= MIN_SECRET_LEN {
        secrets.add(value);
    }
}

/// A URL the cookie could have come from (for re-inserting it into a store).
fn cookie_url(c: &cookie_store::Cookie<'_>) -> Option<url::Url> {
    let host = match &c.domain {
        CookieDomain::HostOnly(h) | CookieDomain::Suffix(h) => h.trim_start_matches('.'),
        _ => return None,
    };
    let scheme = if c.secure().unwrap_or(false) {
        "https"
    } else {
        "http"
    };
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    url::Url::parse(&format!("{scheme}://{host}{}", c.path.as_ref())).ok()
}

/// One cookie as a Netscape line.
fn line(c: &cookie_store::Cookie<'_>) -> Option<String> {
    let (domain, subdomains) = match &c.domain {
        CookieDomain::HostOnly(h) => (h.clone(), "FALSE"),
        CookieDomain::Suffix(d) => (format!(".{}", d.trim_start_matches('.')), "TRUE"),
        _ => return None,
    };
    let prefix = if c.http_only().unwrap_or(false) {
        "#HttpOnly_"
    } else {
        ""
    };
    let expires = match &c.expires {
        CookieExpiration::AtUtc(t) => t.unix_timestamp().max(1),
        CookieExpiration::SessionEnd => 0,
    };
    let secure = if c.secure().unwrap_or(false) {
        "TRUE"
    } else {
        "FALSE"
    };
    let fields = [c.name(), c.value()];
    if fields.iter().any(|f| f.contains(['\t', '\n', '\r'])) {
        return None;
    }
    Some(format!(
        "{prefix}{domain}\t{subdomains}\t{}\t{secure}\t{expires}\t{}\t{}",
        c.path.as_ref(),
        c.name(),
        c.value()
    ))
}

/// A Netscape line as a cookie and the URL it belongs to; `None` for comments and blanks.
fn parse_line(line: &str) -> Result<Option<(RawCookie<'static>, url::Url)>, String> {
    let line = line.trim_end_matches('\r');
    let (line, http_only) = match line.strip_prefix("#HttpOnly_") {
        Some(rest) => (rest, true),
        None => (line, false),
    };
    if line.trim().is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let fields: Vec<&str> = line.split('\t').collect();
    let [domain, subdomains, path, secure, expires, name, value] = fields[..] else {
        return Err(format!(
            "a cookie line has 7 tab-separated fields, this one has {}",
            fields.len()
        ));
    };
    let subdomains = subdomains.eq_ignore_ascii_case("TRUE");
    let secure = secure.eq_ignore_ascii_case("TRUE");
    let expires: i64 = expires
        .parse()
        .map_err(|_| format!("the expiry `{expires}` is not a number of seconds"))?;
    let host = domain.trim_start_matches('.');
    let path = if path.starts_with('/') { path } else { "/" };
    let scheme = if secure { "https" } else { "http" };
    let url = url::Url::parse(&format!("{scheme}://{host}{path}"))
        .map_err(|e| format!("the domain `{domain}` is not a host name: {e}"))?;
    let mut builder = RawCookie::build((name.to_owned(), value.to_owned()))
        .path(path.to_owned())
        .secure(secure)
        .http_only(http_only);
    if subdomains {
        builder = builder.domain(host.to_owned());
    }
    if expires > 0 {
        let at = time::OffsetDateTime::from_unix_timestamp(expires)
            .map_err(|_| format!("the expiry `{expires}` is out of range"))?;
        builder = builder.expires(at);
    }
    Ok(Some((builder.build(), url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn rfc_rules_decide_what_is_sent_where() {
        let mut jar = Jar::new();
        jar.store(
            &url("http://app.example.com/login"),
            [
                "sid=abc123; Path=/; HttpOnly",
                "pref=dark; Path=/settings",
                "wide=1; Domain=example.com; Path=/",
                "evil=1; Domain=other.com",
                "sec=s1; Secure; Path=/",
            ]
            .into_iter(),
        );
        let names = |jar: &Jar, u: &str| {
            let mut v: Vec<String> = jar
                .request_pairs(&url(u))
                .into_iter()
                .map(|p| p.0)
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(&jar, "http://app.example.com/"), ["sid", "wide"]);
        assert_eq!(
            names(&jar, "http://app.example.com/settings/x"),
            ["pref", "sid", "wide"]
        );
        assert_eq!(
            names(&jar, "https://app.example.com/"),
            ["sec", "sid", "wide"]
        );
        assert_eq!(names(&jar, "http://api.example.com/"), ["wide"]);
        assert!(names(&jar, "http://other.com/").is_empty());
        // Expiry removes a cookie.
        jar.store(
            &url("http://app.example.com/"),
            ["sid=gone; Path=/; Max-Age=0"].into_iter(),
        );
        assert_eq!(names(&jar, "http://app.example.com/"), ["wide"]);
    }

    #[test]
    fn netscape_round_trip_keeps_every_attribute() {
        let mut jar = Jar::new();
        jar.store(
            &url("http://127.0.0.1:8080/a"),
            [
                "sid=abc123; Path=/; HttpOnly; Max-Age=3600",
                "temp=xyz; Path=/a",
            ]
            .into_iter(),
        );
        jar.store(
            &url("https://app.example.com/"),
            ["wide=1; Domain=example.com; Path=/; Secure"].into_iter(),
        );
        let text = jar.to_netscape();
        assert!(
            text.contains("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t"),
            "{text}"
        );
        assert!(
            text.contains("127.0.0.1\tFALSE\t/a\tFALSE\t0\ttemp\txyz"),
            "{text}"
        );
        assert!(text.contains(".example.com\tTRUE\t/\tTRUE\t"), "{text}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jar.txt");
        jar.save(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let back = Jar::load(&path).unwrap();
        assert_eq!(back.to_netscape(), text);
        assert_eq!(
            back.request_pairs(&url("https://x.example.com/")),
            vec![("wide".to_owned(), "1".to_owned())]
        );
    }

    #[test]
    fn bad_files_are_errors_with_a_line_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Jar::load(&dir.path().join("none")).unwrap().is_empty());
        let path = dir.path().join("bad");
        std::fs::write(&path, "# comment\nexample.com\tFALSE\t/\n").unwrap();
        let e = Jar::load(&path).unwrap_err();
        assert!(
            e.ends_with(":2: a cookie line has 7 tab-separated fields, this one has 3"),
            "{e}"
        );
        // Expired cookies are dropped on reading.
        std::fs::write(&path, "example.com\tFALSE\t/\tFALSE\t1\told\tv\n").unwrap();
        assert!(Jar::load(&path).unwrap().is_empty());
    }

    #[test]
    fn the_jar_is_bounded() {
        let mut jar = Jar::new();
        let headers: Vec<String> = (0..MAX_COOKIES + 10).map(|i| format!("c{i}=v")).collect();
        jar.store(&url("http://a.test/"), headers.iter().map(String::as_str));
        assert_eq!(jar.len(), MAX_COOKIES);
    }
}
