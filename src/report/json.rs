//! The JSON report: the run record itself, serialized (already redacted). Its shape is
//! `schemas/report.schema.json`, generated from the record's types.

use crate::record::RunRecord;

pub fn render(run: &RunRecord) -> String {
    serde_json::to_string_pretty(run).unwrap_or_default() + "\n"
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
    fn the_schema_pins_the_record_version() {
        let schema: serde_json::Value = serde_json::from_str(&schema()).unwrap();
        assert_eq!(
            schema["properties"]["version"]["const"],
            crate::record::RECORD_VERSION
        );
        assert_eq!(schema["additionalProperties"], false);
    }
}
