//! Writing JTL rows exactly as JMeter's `CSVSaveService` does, so JMeter and
//! its plugins open our files unchanged, and optionally the microsecond
//! sidecar beside them (see [`super::micros_path`]).

use std::io::{self, Write};

use super::{JTL_HEADER, MICROS_HEADER, Sample};

/// Streams samples to a JTL file: the header on creation, then one line per
/// [`JtlWriter::write`]. Wrap the file in a `BufWriter`; call
/// [`JtlWriter::flush`] at the end (and before reading the file back).
#[derive(Debug)]
pub struct JtlWriter<W: Write> {
    out: W,
    /// The microsecond sidecar, one line per JTL row.
    micros: Option<W>,
    /// Reused for each row so writing allocates nothing in steady state.
    line: String,
}

impl<W: Write> JtlWriter<W> {
    /// Writes the header line ([`JTL_HEADER`]).
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(JTL_HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(Self {
            out,
            micros: None,
            line: String::with_capacity(256),
        })
    }

    /// Also writes each sample's `elapsed_us` and `latency_us` to
    /// `micros`, the JTL's sidecar, starting with its header line.
    pub fn with_micros(out: W, mut micros: W) -> io::Result<Self> {
        micros.write_all(MICROS_HEADER.as_bytes())?;
        micros.write_all(b"\n")?;
        let mut writer = Self::new(out)?;
        writer.micros = Some(micros);
        Ok(writer)
    }

    /// Appends one row.
    pub fn write(&mut self, sample: &Sample) -> io::Result<()> {
        use std::fmt::Write as _;
        let line = &mut self.line;
        line.clear();
        // Writing to a String cannot fail.
        let _ = write!(line, "{},{},", sample.time_stamp_ms, sample.elapsed_ms);
        push_field(line, &sample.label);
        line.push(',');
        push_field(line, &sample.response_code);
        line.push(',');
        push_field(line, &sample.response_message);
        line.push(',');
        push_field(line, &sample.thread_name);
        line.push(',');
        push_field(line, &sample.data_type);
        let _ = write!(line, ",{},", sample.success);
        push_field(line, &sample.failure_message);
        let _ = write!(
            line,
            ",{},{},{},{},",
            sample.bytes, sample.sent_bytes, sample.grp_threads, sample.all_threads
        );
        push_field(line, &sample.url);
        let _ = writeln!(
            line,
            ",{},{},{}",
            sample.latency_ms, sample.idle_time_ms, sample.connect_ms
        );
        self.out.write_all(line.as_bytes())?;
        if let Some(micros) = &mut self.micros {
            line.clear();
            let _ = writeln!(line, "{},{}", sample.elapsed_us, sample.latency_us);
            micros.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        match &mut self.micros {
            Some(micros) => micros.flush(),
            None => Ok(()),
        }
    }

    /// The underlying JTL writer (not flushed: call [`JtlWriter::flush`]
    /// first).
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// JMeter's `CSVSaveService.quoteDelimiters` with the special characters
/// `{',', '"', '\r', '\n'}`: a field holding any of them is wrapped in double
/// quotes with each inner quote doubled; any other field is written as is.
fn push_field(line: &mut String, field: &str) {
    if !field.contains([',', '"', '\r', '\n']) {
        line.push_str(field);
        return;
    }
    line.push('"');
    for c in field.chars() {
        if c == '"' {
            line.push('"');
        }
        line.push(c);
    }
    line.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sample: &Sample) -> String {
        let mut writer = JtlWriter::new(Vec::new()).unwrap();
        writer.write(sample).unwrap();
        let text = String::from_utf8(writer.into_inner()).unwrap();
        text.strip_prefix(&format!("{JTL_HEADER}\n"))
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_plain_row_is_written_without_quotes_in_header_order() {
        let sample = Sample {
            time_stamp_ms: 1691365480285,
            elapsed_ms: 274,
            elapsed_us: 274_401,
            label: "GET /products/Tux".into(),
            response_code: "200".into(),
            response_message: "OK".into(),
            thread_name: "users 1-1".into(),
            data_type: "text".into(),
            success: true,
            failure_message: String::new(),
            bytes: 806,
            sent_bytes: 460,
            grp_threads: 1,
            all_threads: 2,
            url: "http://127.0.0.1:8080/products/Tux".into(),
            latency_ms: 122,
            latency_us: 122_030,
            idle_time_ms: 0,
            connect_ms: 101,
        };
        assert_eq!(
            row(&sample),
            "1691365480285,274,GET /products/Tux,200,OK,users 1-1,text,true,,806,460,1,2,http://127.0.0.1:8080/products/Tux,122,0,101\n"
        );
    }

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted_like_jmeter() {
        let sample = Sample {
            label: "a,b".into(),
            response_message: "say \"hi\"".into(),
            failure_message: "line1\nline2".into(),
            thread_name: "cr\rhere".into(),
            url: "plain;semicolon".into(),
            ..Sample::default()
        };
        assert_eq!(
            row(&sample),
            "0,0,\"a,b\",,\"say \"\"hi\"\"\",\"cr\rhere\",,false,\"line1\nline2\",0,0,0,0,plain;semicolon,0,0,0\n"
        );
    }
}
