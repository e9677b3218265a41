//! `aggregate.csv`: the table JMeter's Aggregate Report saves ("Save Table
//! Data"), with its column names, quoted by the `csv` crate where needed.

use super::cells::{COLUMNS, cells};
use crate::Report;

pub fn render(report: &Report) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(COLUMNS);
    for row in report.rows().iter().chain([report.total()]) {
        let _ = writer.write_record(cells(row, report.resolution()));
    }
    writer.into_inner().unwrap_or_default()
}
