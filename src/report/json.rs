//! The JSON report: the run record itself, serialized (already redacted). Its shape is
//! `schemas/report.schema.json`, generated from the record's types.

use crate::record::RunRecord;

pub fn render(run: &RunRecord) -> String {
    let mut out = Vec::with_capacity(4096);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
    if serde::Serialize::serialize(run, &mut ser).is_err() {
        return "\n".into();
    }
    out.push(b'\n');
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json's `PrettyFormatter` (two spaces), writing each line break and its indentation
/// at once: that one writes the indentation a level at a time, a `Vec` write each, ~5 k
/// instructions per step record. The same bytes (a test compares them).
#[derive(Default)]
struct Pretty {
    level: usize,
    has_value: bool,
}

/// A line break and indentation for up to 64 levels; deeper ones take several writes.
const BREAK: &[u8; 129] = &{
    let mut b = [b' '; 129];
    b[0] = b'\n';
    b
};

impl Pretty {
    fn line<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        let mut spaces = self.level * 2;
        let first = spaces.min(BREAK.len() - 1);
        w.write_all(&BREAK[..1 + first])?;
        spaces -= first;
        while spaces > 0 {
            let n = spaces.min(BREAK.len() - 1);
            w.write_all(&BREAK[1..1 + n])?;
            spaces -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + std::io::Write>(&mut self, w: &mut W, b: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b)
    }

    fn close<W: ?Sized + std::io::Write>(&mut self, w: &mut W, b: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w)?;
        }
        w.write_all(b)
    }

    fn item<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.line(w)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The JSON Schema of the report, generated from the record's types.
pub fn schema() -> String {
    let schema = schemars::schema_for!(RunRecord);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_schema_is_the_one_generated_from_the_record() {
        let published = include_str!("../../schemas/report.schema.json");
        assert!(
            schema() == published,
            "schemas/report.schema.json drifted: `apiflow schema --report > schemas/report.schema.json`"
        );
    }

    #[test]
    fn the_report_is_serde_jsons_pretty_text() {
        let run = crate::record::hostile_record();
        assert_eq!(
            render(&run),
            serde_json::to_string_pretty(&run).unwrap() + "\n"
        );
        // Deeper than one write of indentation, empty containers, nested arrays.
        let mut deep = serde_json::json!({"a": [], "b": {}, "c": [[1, [2]], {"d": [true, null]}]});
        for _ in 0..70 {
            deep = serde_json::json!({"x": [deep, 1]});
        }
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
        serde::Serialize::serialize(&deep, &mut ser).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&deep).unwrap()
        );
    }

    #[test]
    fn the_schema_pins_the_record_version() {
        let schema: serde_json::Value = serde_json::from_str(&schema()).unwrap();
        assert_eq!(
            schema["properties"]["version"]["const"],
            crate::record::RECORD_VERSION
        );
        assert_eq!(schema["additionalProperties"], false);
    }
}
