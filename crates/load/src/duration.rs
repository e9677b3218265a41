//! Durations as people write them in flags and scenario files: `250ms`,
//! `10s`, `2m`, `1h`, or a plain number of seconds.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A duration read from text; zero is allowed (e.g. no ramp-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span(pub Duration);

impl Span {
    pub const ZERO: Span = Span(Duration::ZERO);

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
            Some(i) => text.split_at(i),
            None => (text, "s"),
        };
        let scale = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => {
                return Err(format!(
                    "`{text}` is not a duration such as 500ms, 10s or 2m"
                ));
            }
        };
        number
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0 && !number.is_empty())
            .map(|v| Span(Duration::from_secs_f64(v * scale)))
            .ok_or_else(|| format!("`{text}` is not a duration such as 500ms, 10s or 2m"))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Text {
            Seconds(f64),
            Text(String),
        }
        let parsed = match Text::deserialize(deserializer)? {
            Text::Seconds(s) => Span::parse(&s.to_string()),
            Text::Text(t) => Span::parse(&t),
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(Span::parse("10s").unwrap().0, Duration::from_secs(10));
        assert_eq!(Span::parse("250ms").unwrap().0, Duration::from_millis(250));
        assert_eq!(Span::parse("2m").unwrap().0, Duration::from_secs(120));
        assert_eq!(Span::parse("1.5").unwrap().0, Duration::from_millis(1500));
        assert_eq!(Span::parse("0").unwrap(), Span::ZERO);
        for bad in ["", "s", "-1s", "ten", "3d", "1e999s"] {
            assert!(Span::parse(bad).is_err(), "{bad}");
        }
    }
}
