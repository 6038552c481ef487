//! The HTML report (filled in by the HTML reporter work).

use crate::record::RunRecord;

pub fn render(run: &RunRecord) -> String {
    let _ = run;
    String::from("<!doctype html><title>apiflow</title>\n")
}
