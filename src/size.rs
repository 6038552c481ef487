//! Sizes as people write them: `64MiB`, `512KiB`, `1GB`, `1.5MB` or a number of bytes.

/// Parses a size in bytes.
pub fn parse(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write e.g. 64MiB, 512KiB, 1GB or bytes"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        other => {
            return Err(format!(
                "`{text}`: unknown size unit `{other}` (use B, KB, MB, GB, KiB, MiB, GiB)"
            ));
        }
    };
    let bytes = n * factor as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(bytes as u64)
}

/// `64 MiB`, `512 KiB`, `1.5 GiB`, `12 bytes`.
pub fn human(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (name, size) in UNITS {
        if bytes >= size {
            let v = bytes as f64 / size as f64;
            return if v.fract() == 0.0 {
                format!("{v:.0} {name}")
            } else {
                format!("{v:.1} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse("512KiB").unwrap(), 512 << 10);
        assert_eq!(parse("1GB").unwrap(), 1_000_000_000);
        assert_eq!(parse("1000").unwrap(), 1000);
        assert!(parse("12 parsecs").is_err());
        assert!(parse("").is_err());
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human(10), "10 bytes");
    }
}
