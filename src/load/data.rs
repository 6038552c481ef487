//! Data files for `for_each: { file: PATH }`: the rows a data-driven step runs once each.
//! Read at load time, so a missing or malformed file is reported before anything is sent.

use std::path::Path;

use serde_json::{Map, Value};

use crate::source::{MAX_DATA_BYTES, Pos, read_text};

/// The items of a data file: a JSON or YAML list, or one map of strings per CSV row (keys from
/// the header row). The error has the position in the data file when there is one.
pub fn read_items(path: &Path) -> Result<Vec<Value>, (String, Option<Pos>)> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let kind = match ext.as_deref() {
        Some(k @ ("json" | "yaml" | "yml" | "csv")) => k.to_owned(),
        _ => {
            return Err((
                "a data file must be `.csv`, `.json`, `.yaml` or `.yml`".into(),
                None,
            ));
        }
    };
    let text = read_text(path, MAX_DATA_BYTES)?;
    let value = match kind.as_str() {
        "csv" => return csv_rows(&text),
        // serde_json refuses nesting deeper than 128 levels by itself.
        "json" => serde_json::from_str::<Value>(&text).map_err(|e| {
            (
                format!("invalid JSON: {e}"),
                Some(Pos::new(e.line() as u32, e.column() as u32)),
            )
        })?,
        _ => {
            let node = super::yaml::parse_value(&text).map_err(|(m, p)| (m, Some(p)))?;
            super::yaml::to_json(&node)
        }
    };
    match value {
        Value::Array(items) => Ok(items),
        other => Err((
            format!(
                "a data file must hold a list of items, this one holds {}",
                kind_of(&other)
            ),
            None,
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A header row, then one map per row; every value is a string, as written.
fn csv_rows(text: &str) -> Result<Vec<Value>, (String, Option<Pos>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let at = |e: &csv::Error| {
        e.position()
            .map(|p| Pos::new(u32::try_from(p.line()).unwrap_or(u32::MAX), 1))
    };
    let headers = reader
        .headers()
        .map_err(|e| (format!("invalid CSV: {e}"), at(&e)))?
        .clone();
    if headers.is_empty() || headers.iter().all(str::is_empty) {
        return Err((
            "the CSV file has no header row".into(),
            Some(Pos::new(1, 1)),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = headers.iter().find(|h| !seen.insert(*h)) {
        return Err((
            format!("the CSV header names the column `{dup}` twice"),
            Some(Pos::new(1, 1)),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| (format!("invalid CSV: {e}"), at(&e)))?;
        let row: Map<String, Value> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.to_owned(), Value::String(v.to_owned())))
            .collect();
        rows.push(Value::Object(row));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn every_format_gives_a_list_of_items() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let csv = write(d, "u.csv", "name, role\nada,admin\n\"b, c\",\"x\"\"y\"\n");
        assert_eq!(
            read_items(&csv).unwrap(),
            vec![
                json!({"name": "ada", "role": "admin"}),
                json!({"name": "b, c", "role": "x\"y"})
            ]
        );
        let js = write(d, "u.json", r#"[{"id": 1}, "two"]"#);
        assert_eq!(
            read_items(&js).unwrap(),
            vec![json!({"id": 1}), json!("two")]
        );
        let ya = write(d, "u.yaml", "- id: 1\n- two\n");
        assert_eq!(
            read_items(&ya).unwrap(),
            vec![json!({"id": 1}), json!("two")]
        );
    }

    #[test]
    fn bad_files_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (msg, _) = read_items(&write(d, "m.json", r#"{"a": 1}"#)).unwrap_err();
        assert!(msg.contains("holds a mapping"), "{msg}");
        let (msg, pos) = read_items(&write(d, "r.csv", "a,b\n1,2\n3\n")).unwrap_err();
        assert!(msg.contains("invalid CSV"), "{msg}");
        assert_eq!(pos.map(|p| p.line), Some(3));
        let (msg, _) = read_items(&write(d, "x.txt", "a")).unwrap_err();
        assert!(msg.contains(".csv"), "{msg}");
        let (msg, pos) = read_items(&write(d, "bad.json", "[1,\n2,,]")).unwrap_err();
        assert!(msg.contains("invalid JSON"), "{msg}");
        assert_eq!(pos.map(|p| p.line), Some(2));
    }
}
