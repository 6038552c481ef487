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
