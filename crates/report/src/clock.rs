//! Wall-clock times as results need them, in UTC (no calendar crate or
//! time-zone database for these few conversions): RFC 3339 for run start
//! and end times, and a sortable stamp for default results folder names.
//! The load generator and the experiment runner use these too.

use std::time::{SystemTime, UNIX_EPOCH};

/// `2023-08-08T20:31:54.752Z` for 1691526714752.
pub fn rfc3339_utc(epoch_ms: i64) -> String {
    let (year, month, day, hour, minute, second) = civil(epoch_ms.div_euclid(1000));
    let millis = epoch_ms.rem_euclid(1000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
}

/// `2026-12-02T03:56:18Z`, to the second.
pub fn rfc3339(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch_seconds(time));
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `20261202-035618`
pub fn folder_stamp(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch_seconds(time));
    format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}")
}

fn epoch_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64
}

/// Seconds since 1970-01-01 to (year, month, day, hour, minute, second) of
/// the proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
fn civil(seconds: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (of_day / 3600) as u32,
        (of_day % 3600 / 60) as u32,
        (of_day % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn epoch_milliseconds_become_utc_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
        // `date -u -d @1691529114.752` → Tue Aug  8 21:11:54 UTC 2023.
        assert_eq!(rfc3339_utc(1_691_529_114_752), "2023-08-08T21:11:54.752Z");
        // A leap day: `date -u -d @1709210096` → Thu Feb 29 12:34:56 UTC 2024.
        assert_eq!(rfc3339_utc(1_709_210_096_000), "2024-02-29T12:34:56.000Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn times_format_as_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_796_183_778);
        assert_eq!(rfc3339(t), "2026-12-02T03:56:18Z");
        assert_eq!(folder_stamp(t), "20261202-035618");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }
}
