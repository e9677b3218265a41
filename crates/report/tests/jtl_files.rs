//! Reading JTL files: what our writer writes reads back the same, JMeter's
//! header variants read by column name, and bad files give clear errors.

use std::fs;
use std::io::BufWriter;
use std::path::Path;

use storefront_report::jtl::{
    JTL_HEADER, JtlError, JtlWriter, MICROS_HEADER, Resolution, Sample, micros_path, read_jtl,
};

fn samples_of(path: &Path) -> Vec<Sample> {
    read_jtl(path)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

fn awkward_sample(i: u32) -> Sample {
    Sample {
        time_stamp_ms: 1_700_000_000_000 + i64::from(i),
        elapsed_ms: u64::from(i) * 3,
        elapsed_us: u64::from(i) * 3_000,
        label: format!("POST /carts/{i}, \"checkout\""),
        response_code: if i.is_multiple_of(2) { "200" } else { "503" }.into(),
        response_message: "Service Unavailable".into(),
        thread_name: format!("users 1-{i}"),
        data_type: "text".into(),
        success: i.is_multiple_of(2),
        failure_message: if i.is_multiple_of(2) {
            String::new()
        } else {
            "expected 200,\r\ngot 503".into()
        },
        bytes: 100 + u64::from(i),
        sent_bytes: 50,
        grp_threads: i,
        all_threads: i + 1,
        url: format!("http://127.0.0.1:8080/carts/{i}/checkout"),
        latency_ms: u64::from(i),
        latency_us: u64::from(i) * 1_000,
        idle_time_ms: 0,
        connect_ms: u64::from(i % 3),
    }
}

#[test]
fn what_the_writer_writes_reads_back_identically_even_with_quotes_and_line_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.jtl");
    let written: Vec<Sample> = (0..50).map(awkward_sample).collect();
    let mut writer = JtlWriter::new(BufWriter::new(fs::File::create(&path).unwrap())).unwrap();
    for sample in &written {
        writer.write(sample).unwrap();
    }
    writer.flush().unwrap();
    drop(writer);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(&format!("{JTL_HEADER}\n")));
    assert_eq!(samples_of(&path), written);
}

/// Writes `samples` with the microsecond sidecar.
fn write_with_micros(path: &Path, samples: &[Sample]) {
    let create = |path: &Path| BufWriter::new(fs::File::create(path).unwrap());
    let mut writer = JtlWriter::with_micros(create(path), create(&micros_path(path))).unwrap();
    for sample in samples {
        writer.write(sample).unwrap();
    }
    writer.flush().unwrap();
}

#[test]
fn the_sidecar_keeps_microseconds_and_the_jtl_stays_jmeters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.jtl");
    let written: Vec<Sample> = (0..50)
        .map(|i| {
            let mut sample = awkward_sample(i);
            sample.elapsed_us = u64::from(i) * 3_000 + 417;
            sample.latency_us = u64::from(i) * 1_000 + 9;
            sample
        })
        .collect();
    write_with_micros(&path, &written);
    let rows = read_jtl(&path).unwrap();
    assert_eq!(rows.resolution(), Resolution::Microseconds);
    assert_eq!(rows.collect::<Result<Vec<_>, _>>().unwrap(), written);
    // The JTL itself is byte for byte what it is without the sidecar.
    let jtl = fs::read(&path).unwrap();
    fs::remove_file(micros_path(&path)).unwrap();
    let plain = dir.path().join("plain.jtl");
    let mut writer = JtlWriter::new(BufWriter::new(fs::File::create(&plain).unwrap())).unwrap();
    for sample in &written {
        writer.write(sample).unwrap();
    }
    writer.flush().unwrap();
    drop(writer);
    assert_eq!(jtl, fs::read(&plain).unwrap());
    // Without it, the same file reads at millisecond resolution.
    let mut rows = read_jtl(&path).unwrap();
    assert_eq!(rows.resolution(), Resolution::Milliseconds);
    let second = rows.nth(1).unwrap().unwrap();
    assert_eq!((second.elapsed_us, second.latency_us), (3_000, 1_000));
}

#[test]
fn a_sidecar_that_does_not_match_its_jtl_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.jtl");
    let samples: Vec<Sample> = (0..4).map(awkward_sample).collect();
    let error_of = |micros: &str| {
        write_with_micros(&path, &samples);
        fs::write(micros_path(&path), micros).unwrap();
        read_jtl(&path)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .unwrap_err()
            .to_string()
    };
    let fewer = error_of(&format!("{MICROS_HEADER}\n0,0\n3000,1000\n"));
    assert!(fewer.contains("fewer rows"), "{fewer}");
    assert!(fewer.contains("Delete it"), "{fewer}");
    let more = error_of(&format!(
        "{MICROS_HEADER}\n0,0\n3000,1000\n6000,2000\n9000,3000\n1,1\n"
    ));
    assert!(more.contains("more rows"), "{more}");
    // Row 3 is 6 ms in the JTL; 2,500 µs cannot be that.
    let other = error_of(&format!(
        "{MICROS_HEADER}\n0,0\n3000,1000\n2500,2000\n9000,3000\n"
    ));
    assert!(
        other.contains("line 4") && other.contains("2500 µs"),
        "{other}"
    );
    let header = error_of("elapsed\n0\n");
    assert!(header.contains("header"), "{header}");
}

#[test]
fn columns_are_found_by_name_whatever_their_order_and_missing_ones_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reordered.jtl");
    fs::write(
        &path,
        "label,success,elapsed,timeStamp,bytes\n\"a,b\",true,12,1000,77\nc,FALSE,5,2000,\n",
    )
    .unwrap();
    let samples = samples_of(&path);
    assert_eq!(samples.len(), 2);
    assert_eq!(
        (
            samples[0].label.as_str(),
            samples[0].success,
            samples[0].elapsed_ms,
            samples[0].time_stamp_ms,
            samples[0].bytes
        ),
        ("a,b", true, 12, 1000, 77)
    );
    assert_eq!(
        (
            samples[1].label.as_str(),
            samples[1].success,
            samples[1].bytes
        ),
        ("c", false, 0)
    );
    assert_eq!(samples[1].url, "");
}

#[test]
fn a_file_saved_without_a_header_is_read_in_the_default_column_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("headerless.jtl");
    fs::write(
        &path,
        "1000,20,home,200,OK,t 1-1,text,true,,10,5,1,1,http://x/,3,0,1\n1020,30,home,500,Err,t 1-1,text,false,boom,10,5,1,1,http://x/,3,0,0\n",
    )
    .unwrap();
    let samples = samples_of(&path);
    assert_eq!(samples.len(), 2);
    assert_eq!(
        (
            samples[0].time_stamp_ms,
            samples[0].elapsed_ms,
            samples[0].connect_ms
        ),
        (1000, 20, 1)
    );
    assert_eq!(
        (samples[1].success, samples[1].failure_message.as_str()),
        (false, "boom")
    );
}

#[test]
fn a_missing_file_is_an_open_error_naming_it() {
    let error = read_jtl(Path::new("/nonexistent/run.jtl")).err().unwrap();
    assert!(matches!(error, JtlError::Open { .. }), "{error:?}");
    assert!(
        error.to_string().contains("/nonexistent/run.jtl"),
        "{error}"
    );
}

#[test]
fn an_empty_file_and_a_file_that_is_not_a_jtl_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jtl");
    fs::write(&empty, "").unwrap();
    let error = read_jtl(&empty).err().unwrap();
    assert!(matches!(error, JtlError::Empty { .. }), "{error:?}");

    let other = dir.path().join("people.csv");
    fs::write(&other, "name,age\nAda,36\n").unwrap();
    let error = read_jtl(&other).err().unwrap();
    let message = error.to_string();
    assert!(
        matches!(error, JtlError::MissingColumns { .. }),
        "{error:?}"
    );
    assert!(
        message.contains("timeStamp, elapsed, label, success"),
        "{message}"
    );
}

#[test]
fn a_bad_row_is_an_error_naming_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jtl");
    fs::write(
        &path,
        "timeStamp,elapsed,label,success\n1000,5,a,true\n1001,fast,a,true\n",
    )
    .unwrap();
    let results: Vec<_> = read_jtl(&path).unwrap().collect();
    assert!(results[0].is_ok());
    let message = results[1].as_ref().unwrap_err().to_string();
    assert!(message.contains("line 3"), "{message}");
    assert!(
        message.contains("elapsed") && message.contains("\"fast\""),
        "{message}"
    );
}

#[test]
fn a_row_with_the_wrong_number_of_fields_stops_the_reading_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ragged.jtl");
    fs::write(
        &path,
        "timeStamp,elapsed,label,success\n1000,5,a,true\n1001,5,a\n1002,5,a,true\n",
    )
    .unwrap();
    let results: Vec<_> = read_jtl(&path).unwrap().collect();
    assert_eq!(results.len(), 2, "reading stops at the broken row");
    let message = results[1].as_ref().unwrap_err().to_string();
    assert!(message.contains("line 3"), "{message}");
}

#[test]
fn text_that_is_not_utf8_is_read_with_replacement_characters_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.jtl");
    // "café" in Latin-1, as a JMeter on a Latin-1 platform saves it.
    fs::write(
        &path,
        b"\xef\xbb\xbftimeStamp,elapsed,label,success,responseMessage\n1000,5,caf\xe9,true,OK\n1001,6,b,false,x\n",
    )
    .unwrap();
    let samples = samples_of(&path);
    assert_eq!(samples[0].label, "caf\u{fffd}");
    assert_eq!((samples[1].elapsed_ms, samples[1].success), (6, false));
}
