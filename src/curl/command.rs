//! A curl command line as curl reads it: the words are matched against curl's option table,
//! each supported option lands in one field of [`CurlCommand`], options that only change
//! curl's own output are set aside with a note, and anything else is an error naming it.
//! [`CurlCommand::to_args`] writes the fields back as arguments: parse and write are inverses.

use super::option_table::{self, CurlOption};

/// Options that only change what curl prints or where it writes: they change nothing sent.
const OUTPUT_ONLY: &[&str] = &[
    "silent",
    "show-error",
    "verbose",
    "include",
    "output",
    "remote-name",
    "remote-name-all",
    "remote-header-name",
    "output-dir",
    "create-dirs",
    "create-file-mode",
    "progress-bar",
    "no-progress-meter",
    "write-out",
    "fail",
    "fail-with-body",
    "fail-early",
    "dump-header",
    "trace",
    "trace-ascii",
    "trace-time",
    "trace-ids",
    "stderr",
    "no-buffer",
    "styled-output",
    "libcurl",
    "disable",
    "basic",
];

/// A piece of request data, in the order given (curl joins them with `&`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// `-d`/`--data`/`--data-ascii`: `@file` is read with CR and LF removed.
    Ascii(String),
    /// `--data-raw`: no `@` reading.
    Raw(String),
    /// `--data-binary`: `@file` read as is.
    Binary(String),
    /// `--data-urlencode`: `content`, `=content`, `name=content`, `@file`, `name@file`.
    UrlEncode(String),
    /// `--json`: like `--data-binary`, joined without `&`, and sets JSON headers.
    Json(String),
}

/// A multipart part as written: `-F name=value` (with `@file`, `<file`, `;type=`) or
/// `--form-string name=value` (taken literally).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormArg {
    Form(String),
    FormString(String),
}

/// Everything of a curl command that changes the request sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurlCommand {
    pub method: Option<String>,
    pub head: bool,
    pub urls: Vec<String>,
    /// `-H` values as written (`Name: value`, `Name;` for empty, `Name:` to remove).
    pub headers: Vec<String>,
    pub data: Vec<Data>,
    pub form: Vec<FormArg>,
    /// `--url-query` values.
    pub url_query: Vec<String>,
    pub user: Option<String>,
    pub get: bool,
    pub insecure: bool,
    pub location: bool,
    pub max_redirs: Option<String>,
    pub max_time: Option<String>,
    pub compressed: bool,
    pub user_agent: Option<String>,
    pub cookie: Option<String>,
    /// `-c FILE`: where curl writes the cookies it received (export: the session's jar).
    pub cookie_jar: Option<String>,
    pub referer: Option<String>,
    pub cacert: Option<String>,
}

/// What parsing found besides the command: notes for stderr.
#[derive(Debug, Default)]
pub struct Parsed {
    pub command: CurlCommand,
    pub notes: Vec<String>,
}

impl CurlCommand {
    /// Reads curl's arguments (a leading `curl` word is skipped).
    pub fn parse(words: &[String]) -> Result<Parsed, String> {
        let mut words = words.iter().peekable();
        if words.peek().is_some_and(|w| *w == "curl") {
            words.next();
        }
        let mut out = Parsed::default();
        while let Some(word) = words.next() {
            if let Some(long) = word.strip_prefix("--") {
                if long.is_empty() {
                    return Err("`--` is not a curl option".into());
                }
                let (opt, negated) = match option_table::by_long(long) {
                    Some(o) => (o, false),
                    None => match long.strip_prefix("no-").and_then(option_table::by_long) {
                        Some(o) if !o.takes_arg => (o, true),
                        _ => {
                            // What follows `=` is not echoed: `--user=alice:pw` holds a
                            // credential.
                            return Err(match long.split_once('=') {
                                Some((n, _)) => format!(
                                    "`--{n}=…` is not a curl option (curl takes `--{n} VALUE`, not `--{n}=VALUE`)"
                                ),
                                None => format!("`{word}` is not a curl option"),
                            });
                        }
                    },
                };
                let value = if opt.takes_arg {
                    Some(
                        words
                            .next()
                            .ok_or_else(|| format!("`{word}` needs a value"))?
                            .clone(),
                    )
                } else {
                    None
                };
                out.apply(opt, word, value, negated)?;
            } else if word.len() > 1 && word.starts_with('-') {
                let letters: Vec<char> = word[1..].chars().collect();
                let mut i = 0;
                while i < letters.len() {
                    let c = letters[i];
                    let opt = option_table::by_short(c)
                        .ok_or_else(|| format!("`-{c}` (in `{word}`) is not a curl option"))?;
                    let written = format!("-{c}");
                    if opt.takes_arg {
                        let rest: String = letters[i + 1..].iter().collect();
                        let value = if rest.is_empty() {
                            words
                                .next()
                                .ok_or_else(|| format!("`{written}` needs a value"))?
                                .clone()
                        } else {
                            rest
                        };
                        out.apply(opt, &written, Some(value), false)?;
                        break;
                    }
                    out.apply(opt, &written, None, false)?;
                    i += 1;
                }
            } else {
                out.command.urls.push(word.clone());
            }
        }
        Ok(out)
    }

    /// The arguments that give back this command (without the leading `curl`).
    pub fn to_args(&self) -> Vec<String> {
        self.to_options()
            .into_iter()
            .flat_map(|(flag, value)| std::iter::once(flag).chain(value))
            .collect()
    }

    /// The options that give back this command: each flag with its value, if it takes one.
    pub fn to_options(&self) -> Vec<(String, Option<String>)> {
        let mut args: Vec<(String, Option<String>)> = Vec::new();
        let mut push = |flag: &str, value: Option<&str>| {
            args.push((flag.to_owned(), value.map(str::to_owned)));
        };
        if self.head {
            push("-I", None);
        }
        if let Some(m) = &self.method {
            push("-X", Some(m));
        }
        for u in &self.urls {
            // A URL is written bare, as documentation writes it; `--url` if it could be
            // mistaken for an option.
            if u.starts_with('-') {
                push("--url", Some(u));
            } else {
                push(u, None);
            }
        }
        for q in &self.url_query {
            push("--url-query", Some(q));
        }
        for h in &self.headers {
            push("-H", Some(h));
        }
        if let Some(a) = &self.user_agent {
            push("-A", Some(a));
        }
        if let Some(r) = &self.referer {
            push("-e", Some(r));
        }
        if let Some(c) = &self.cookie {
            push("-b", Some(c));
        }
        if let Some(c) = &self.cookie_jar {
            push("-c", Some(c));
        }
        if let Some(u) = &self.user {
            push("-u", Some(u));
        }
        if self.get {
            push("-G", None);
        }
        for d in &self.data {
            let (flag, v) = match d {
                Data::Ascii(v) => ("--data", v),
                Data::Raw(v) => ("--data-raw", v),
                Data::Binary(v) => ("--data-binary", v),
                Data::UrlEncode(v) => ("--data-urlencode", v),
                Data::Json(v) => ("--json", v),
            };
            push(flag, Some(v));
        }
        for f in &self.form {
            match f {
                FormArg::Form(v) => push("-F", Some(v)),
                FormArg::FormString(v) => push("--form-string", Some(v)),
            }
        }
        if self.location {
            push("-L", None);
        }
        if let Some(n) = &self.max_redirs {
            push("--max-redirs", Some(n));
        }
        if let Some(t) = &self.max_time {
            push("--max-time", Some(t));
        }
        if self.insecure {
            push("-k", None);
        }
        if let Some(c) = &self.cacert {
            push("--cacert", Some(c));
        }
        if self.compressed {
            push("--compressed", None);
        }
        args
    }
}

impl Parsed {
    fn apply(
        &mut self,
        opt: &CurlOption,
        written: &str,
        value: Option<String>,
        negated: bool,
    ) -> Result<(), String> {
        let c = &mut self.command;
        let v = || value.clone().unwrap_or_default();
        match opt.long {
            "request" => c.method = Some(v()),
            "head" => c.head = !negated,
            "url" => c.urls.push(v()),
            "url-query" => c.url_query.push(v()),
            "header" => c.headers.push(v()),
            "data" | "data-ascii" => c.data.push(Data::Ascii(v())),
            "data-raw" => c.data.push(Data::Raw(v())),
            "data-binary" => c.data.push(Data::Binary(v())),
            "data-urlencode" => c.data.push(Data::UrlEncode(v())),
            "json" => c.data.push(Data::Json(v())),
            "form" => c.form.push(FormArg::Form(v())),
            "form-string" => c.form.push(FormArg::FormString(v())),
            "user" => c.user = Some(v()),
            "oauth2-bearer" => c.headers.push(format!("Authorization: Bearer {}", v())),
            "get" => c.get = !negated,
            "insecure" => c.insecure = !negated,
            "location" => c.location = !negated,
            "max-redirs" => c.max_redirs = Some(v()),
            "max-time" => c.max_time = Some(v()),
            "compressed" => c.compressed = !negated,
            "user-agent" => c.user_agent = Some(v()),
            "cookie" => c.cookie = Some(v()),
            "cookie-jar" => {
                c.cookie_jar = Some(v());
                self.notes.push(format!(
                    "`{written}` only saves cookies: a workflow keeps them in its own jar (`apiflow run --cookie-jar FILE` saves it)"
                ));
            }
            "referer" => c.referer = Some(v()),
            "cacert" => c.cacert = Some(v()),
            long if OUTPUT_ONLY.contains(&long) => {
                self.notes.push(format!(
                    "ignored `{written}`: it changes only curl's own output"
                ));
            }
            long => {
                return Err(format!(
                    "the curl option `{written}` (--{long}) is not supported: apiflow cannot send what it asks for"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Parsed, String> {
        let words: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        CurlCommand::parse(&words)
    }

    #[test]
    fn short_flags_bundle_and_take_attached_values() {
        let p = parse(&["curl", "-sSLk", "-XPUT", "-Hx: y", "http://h/"]).unwrap();
        let c = p.command;
        assert!(c.location && c.insecure);
        assert_eq!(c.method.as_deref(), Some("PUT"));
        assert_eq!(c.headers, ["x: y"]);
        assert_eq!(c.urls, ["http://h/"]);
        assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
    }

    #[test]
    fn unknown_and_unsupported_options_are_named() {
        let e = parse(&["curl", "--frobnicate", "http://h/"]).unwrap_err();
        assert!(e.contains("--frobnicate"), "{e}");
        let e = parse(&["curl", "--proxy", "http://p:1", "http://h/"]).unwrap_err();
        assert!(e.contains("--proxy"), "{e}");
        let e = parse(&["curl", "-x", "http://p:1", "http://h/"]).unwrap_err();
        assert!(e.contains("-x"), "{e}");
        let e = parse(&["curl", "-H"]).unwrap_err();
        assert!(e.contains("needs a value"), "{e}");
        let e = parse(&["curl", "--data=x"]).unwrap_err();
        assert!(e.contains("--data VALUE"), "{e}");
    }

    #[test]
    fn to_args_parses_back_to_the_same_command() {
        let p = parse(&[
            "-X",
            "PATCH",
            "-H",
            "A: b",
            "-d",
            "x=1",
            "--data-urlencode",
            "y=2 3",
            "-u",
            "u:p",
            "-L",
            "--max-redirs",
            "3",
            "-m",
            "2.5",
            "-k",
            "--compressed",
            "-A",
            "ua",
            "-b",
            "c=d",
            "-e",
            "http://r/",
            "--json",
            "{}",
            "http://h/",
        ])
        .unwrap();
        let args = p.command.to_args();
        let back = CurlCommand::parse(&args).unwrap().command;
        assert_eq!(back, p.command);
    }

    #[test]
    fn the_table_has_one_entry_per_name() {
        let mut longs: Vec<&str> = option_table::OPTIONS.iter().map(|o| o.long).collect();
        longs.sort();
        let n = longs.len();
        longs.dedup();
        assert_eq!(n, longs.len());
        assert!(option_table::by_long("data-urlencode").is_some_and(|o| o.takes_arg));
        assert!(option_table::by_short('L').is_some_and(|o| !o.takes_arg));
    }
}
