//! `report.html` in a real browser: Debian's Chromium loads the page
//! headless and dumps the DOM it built. The page must parse into the table
//! and the five graphs, and the figures the browser shows must be those of
//! `summary.json`, formatted here independently of the report's code.
//!
//! Without Chromium the test is skipped with a loud message, unless
//! `STOREFRONT_REQUIRE_TOOLS` is set (CI installs Chromium and sets it).

use std::fs;
use std::io::BufWriter;
use std::path::Path;

use serde_json::Value;
use storefront_report::jtl::{JtlWriter, Sample};
use storefront_report::{RunInfo, build_report};
use storefront_service_kit::test_support::Chromium;

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The table rows as the browser shows them: `(class, [(column, text)])`.
fn table_rows(dom: &str) -> Vec<(String, Vec<(String, String)>)> {
    let table_start = dom
        .find("<table id=\"aggregate\"")
        .expect("the table is in the DOM");
    let table = &dom[table_start..table_start + dom[table_start..].find("</table>").unwrap()];
    table
        .split("<tr class=\"")
        .skip(1)
        .map(|row| {
            let class = row[..row.find('"').unwrap()].to_owned();
            let cells = row
                .split("data-column=\"")
                .skip(1)
                .map(|cell| {
                    let column = unescape(&cell[..cell.find('"').unwrap()]);
                    let text_start = cell.find('>').unwrap() + 1;
                    let text_end = cell.find("</td>").unwrap();
                    (column, unescape(&cell[text_start..text_end]))
                })
                .collect();
            (class, cells)
        })
        .collect()
}

/// A figure of summary.json as the table must show it: JMeter's truncated
/// average, two decimals for rates and deviation, a percent sign for errors.
fn expected_cells(row: &Value) -> Vec<(String, String)> {
    let int = |key: &str| row[key].as_u64().unwrap().to_string();
    // Without a sidecar, times are whole milliseconds written as numbers.
    let ms = |key: &str| format!("{:.0}", row[key].as_f64().unwrap());
    let dec = |key: &str| format!("{:.2}", row[key].as_f64().unwrap());
    vec![
        ("Label".into(), row["label"].as_str().unwrap().to_owned()),
        ("# Samples".into(), int("samples")),
        (
            "Average".into(),
            (row["average_ms"].as_f64().unwrap().floor() as u64).to_string(),
        ),
        ("Median".into(), ms("median_ms")),
        ("90% Line".into(), ms("p90_ms")),
        ("95% Line".into(), ms("p95_ms")),
        ("99% Line".into(), ms("p99_ms")),
        ("Min".into(), ms("min_ms")),
        ("Max".into(), ms("max_ms")),
        ("Error %".into(), format!("{}%", dec("error_percent"))),
        ("Throughput".into(), dec("throughput_per_sec")),
        ("Received KB/sec".into(), dec("received_kb_per_sec")),
        ("Sent KB/sec".into(), dec("sent_kb_per_sec")),
        ("Std. Dev.".into(), dec("std_dev_ms")),
    ]
}

/// Samples with labels that would break a careless page: markup, an
/// ampersand, quotes, a comma; some failures; users ramping 1 → 3.
fn write_awkward_jtl(path: &Path) {
    let labels = ["GET /products/<Tux>", "POST /orders & \"pay\"", "a,b"];
    let mut writer = JtlWriter::new(BufWriter::new(fs::File::create(path).unwrap())).unwrap();
    for i in 0..300u32 {
        writer
            .write(&Sample {
                time_stamp_ms: 1_700_000_000_000 + i64::from(i) * 20,
                elapsed_ms: u64::from(i % 37) * 3 + 1,
                elapsed_us: (u64::from(i % 37) * 3 + 1) * 1000,
                label: labels[(i % 3) as usize].into(),
                response_code: if i % 11 == 0 { "503" } else { "200" }.into(),
                success: i % 11 != 0,
                bytes: 300,
                sent_bytes: 120,
                grp_threads: 1 + i / 100,
                all_threads: 1 + i / 100,
                ..Sample::default()
            })
            .unwrap();
    }
    writer.flush().unwrap();
}

fn check_page(browser: &Chromium, jtl: &Path) {
    let out = tempfile::tempdir().unwrap();
    let info = RunInfo {
        scenario: "browser <check> & friends".into(),
        git_revision: Some("abc123".into()),
        host: "test-host".into(),
        ..RunInfo::default()
    };
    build_report(jtl, out.path(), &info, Default::default(), &[]).unwrap();
    let summary: Value =
        serde_json::from_slice(&fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    let page = out.path().join("report.html");
    let dom = browser.dump_dom(&format!("file://{}", page.display()), &[]);

    // The run details render as text, markup in them escaped.
    assert!(
        dom.contains("browser &lt;check&gt; &amp; friends"),
        "scenario shown escaped"
    );
    assert!(dom.contains("abc123") && dom.contains("test-host"));

    // The table: one row per label and the total, each figure as in summary.json.
    let rows = table_rows(&dom);
    let labels = summary["aggregate"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), labels.len() + 1);
    for ((class, cells), expected) in rows.iter().zip(labels) {
        assert_eq!(class, "row");
        assert_eq!(cells, &expected_cells(expected));
    }
    let (class, cells) = rows.last().unwrap();
    assert_eq!(class, "total");
    assert_eq!(cells, &expected_cells(&summary["aggregate"]["total"]));

    // The five graphs exist in the DOM as SVG with drawn data.
    let busy_seconds = summary["time_series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["samples"].as_u64().unwrap() > 0)
        .count();
    let seconds = summary["time_series"].as_array().unwrap().len();
    for id in [
        "chart-response-time",
        "chart-throughput",
        "chart-active-users",
        "chart-latency-distribution",
        "chart-errors",
    ] {
        let start = dom
            .find(&format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\""
            ))
            .unwrap_or_else(|| panic!("{id} is an SVG element in the DOM"));
        let svg = &dom[start..start + dom[start..].find("</svg>").unwrap()];
        assert!(!svg.contains("no samples"), "{id} has data");
        match id {
            "chart-response-time" => {
                for series in ["p50", "p90", "p99"] {
                    let marker = format!("data-series=\"{series}\" data-points=\"{busy_seconds}\"");
                    assert!(svg.contains(&marker), "{id}: {marker}");
                }
                assert_eq!(svg.matches("class=\"band\"").count(), 2, "{id}: bands");
            }
            "chart-throughput" | "chart-active-users" => {
                assert!(
                    svg.contains(&format!("data-points=\"{seconds}\"")),
                    "{id}: a point a second"
                );
            }
            "chart-latency-distribution" => {
                let bars: f64 = bar_values(svg).sum();
                assert_eq!(
                    bars,
                    summary["aggregate"]["total"]["samples"].as_f64().unwrap()
                );
            }
            _ => {
                let bars: f64 = bar_values(svg).sum();
                assert_eq!(
                    bars,
                    summary["aggregate"]["total"]["errors"].as_f64().unwrap()
                );
            }
        }
    }
    check_labels_and_errors(&dom, &summary);
}

/// The per-label graphs and the errors table, against summary.json.
fn check_labels_and_errors(dom: &str, summary: &Value) {
    let svg_of = |id: &str| {
        let start = dom
            .find(&format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\""
            ))
            .unwrap_or_else(|| panic!("{id} is an SVG element in the DOM"));
        dom[start..start + dom[start..].find("</svg>").unwrap()].to_owned()
    };
    let labels = summary["aggregate"]["rows"].as_array().unwrap();

    // Aggregate graph: five bars per label and TOTAL, each the figure of
    // summary.json.
    let aggregate = svg_of("chart-aggregate");
    let values: Vec<f64> = bar_values(&aggregate).collect();
    assert_eq!(values.len(), (labels.len() + 1) * 5);
    let first = &labels[0];
    let expected: Vec<f64> = ["average_ms", "median_ms", "p90_ms", "p95_ms", "p99_ms"]
        .iter()
        .map(|k| first[k].as_f64().unwrap())
        .collect();
    assert_eq!(values[..5], expected[..]);

    // Response time per label: a line per label with a point for each
    // second in which that label had samples.
    if labels.len() > 1 {
        let by_label = svg_of("chart-response-time-by-label");
        let series = summary["time_series"].as_array().unwrap();
        for (slot, label) in labels.iter().enumerate() {
            let name = label["label"].as_str().unwrap();
            let points = series
                .iter()
                .filter(|p| !p["mean_ms_by_label"][slot].is_null())
                .count();
            let escaped = name
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;");
            let marker = format!("data-series=\"{escaped}\" data-points=\"{points}\"");
            assert!(by_label.contains(&marker), "{marker}");
        }
    }

    // Hovering shows values: every chart carries title texts.
    for id in ["chart-response-time", "chart-aggregate", "chart-throughput"] {
        assert!(svg_of(id).contains("<rect class=\"hover\"") || id == "chart-aggregate");
        assert!(
            svg_of(id).matches("<title>").count() > 1,
            "{id} has hover texts"
        );
    }

    // The errors table: a row per kind, counts as in summary.json.
    let errors = summary["errors"].as_array().unwrap();
    if errors.is_empty() {
        assert!(dom.contains("No failed samples."));
        return;
    }
    let start = dom
        .find("<table id=\"errors-by-code\"")
        .expect("errors table");
    let table = &dom[start..start + dom[start..].find("</table>").unwrap()];
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), errors.len());
    let total: u64 = errors.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    assert_eq!(
        total,
        summary["aggregate"]["total"]["errors"].as_u64().unwrap()
    );
    assert!(rows[0].contains(&format!(
        "<td>{}</td>",
        errors[0]["count"].as_u64().unwrap()
    )));
}

fn bar_values(svg: &str) -> impl Iterator<Item = f64> + '_ {
    svg.split("data-value=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse::<f64>().unwrap())
}

#[test]
fn the_report_renders_in_chromium_with_the_figures_of_summary_json() {
    let Some(browser) = Chromium::find("report.html in a browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let jtl = dir.path().join("results.jtl");
    write_awkward_jtl(&jtl);
    check_page(&browser, &jtl);
}

#[test]
fn the_report_of_a_real_jmeter_log_renders_in_chromium_with_its_figures() {
    let Some(browser) = Chromium::find("report.html in a browser") else {
        return;
    };
    let log = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/jmeter-bookstore/ramp-up-run-1.jtl");
    check_page(&browser, &log);
}
