//! Parsing the `apiflow sandbox` options that have a syntax of their own: `--fail-status`,
//! `--client` and `--rate-limit`.

use std::time::Duration;

/// `20/s` or `100/m` → (requests, window).
pub fn parse_rate_limit(text: &str) -> Result<(u32, Duration), String> {
    let bad = || format!("--rate-limit `{text}`: expected N/s or N/m with N at least 1");
    let (n, unit) = text.trim().split_once('/').ok_or_else(bad)?;
    let n = n
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(bad)?;
    let window = match unit.trim() {
        "s" => Duration::from_secs(1),
        "m" => Duration::from_secs(60),
        _ => return Err(bad()),
    };
    Ok((n, window))
}

/// `500,502` → the statuses; each must be a server error (500–599) or 429.
pub fn parse_fail_statuses(list: Option<&str>) -> Result<Vec<u16>, String> {
    let Some(list) = list else {
        return Ok(super::DEFAULT_FAIL_STATUSES.to_vec());
    };
    let statuses = list
        .split(',')
        .map(|s| {
            let s = s.trim();
            s.parse::<u16>()
                .ok()
                .filter(|n| (500..=599).contains(n) || *n == 429)
                .ok_or_else(|| {
                    format!("--fail-status `{s}`: expected a status from 500 to 599, or 429")
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(statuses)
}

/// `ID:SECRET` pairs; neither part may be empty.
pub fn parse_clients(clients: &[String]) -> Result<Vec<(String, String)>, String> {
    clients
        .iter()
        .map(|c| match c.split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok((id.to_owned(), secret.to_owned()))
            }
            // The value may hold a secret: it is not echoed.
            _ => Err("--client: expected ID:SECRET with neither part empty".to_owned()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(parse_fail_statuses(None).unwrap(), [500, 502, 503, 504]);
        assert_eq!(parse_fail_statuses(Some("503, 429")).unwrap(), [503, 429]);
        assert!(parse_fail_statuses(Some("404")).is_err());
        assert!(parse_fail_statuses(Some("")).is_err());
        assert_eq!(
            parse_clients(&["a:b:c".into()]).unwrap(),
            [("a".to_owned(), "b:c".to_owned())]
        );
        assert!(parse_clients(&["a:".into()]).is_err());
        assert!(parse_clients(&["ab".into()]).is_err());
        assert_eq!(
            parse_rate_limit("20/s").unwrap(),
            (20, Duration::from_secs(1))
        );
        assert_eq!(
            parse_rate_limit("3/m").unwrap(),
            (3, Duration::from_secs(60))
        );
        for bad in ["0/s", "5", "5/h", "x/s"] {
            assert!(parse_rate_limit(bad).is_err(), "{bad}");
        }
    }
}
