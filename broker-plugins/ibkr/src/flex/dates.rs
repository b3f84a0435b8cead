//! Flex dates and times, in every format a Flex query's settings can
//! choose, read as New York time.
//!
//! Dates: `yyyyMMdd` (IBKR's default), `yyyy-MM-dd`, `MM/dd/yyyy`,
//! `MM/dd/yy` and `dd-MMM-yy` (`dd/MM/yyyy` cannot be told apart from the
//! US form and is read as US, as ibflex does). Date-times: a date, a
//! separator (`;`, `,`, `, `, a space or `T`) and a time (`HHmmss`,
//! `HH:mm:ss`, or either without seconds); a bare date in a date-time field
//! is midnight. Flex times carry no zone: they are New York time, with its
//! daylight saving history from the IANA database (`chrono-tz`); a time
//! that does carry an offset (`Z`, `+01:00`, `-0500`) keeps it.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The number written by `b`, all ASCII digits, or `None`.
fn number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

fn ymd(y: Option<u32>, m: Option<u32>, d: Option<u32>) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(y?).ok()?, m?, d?)
}

/// A two-digit year: 70 to 99 are the 1900s, the rest the 2000s.
fn century(yy: Option<u32>) -> Option<u32> {
    yy.map(|y| if y >= 70 { 1900 + y } else { 2000 + y })
}

/// A Flex date.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let b = t.as_bytes();
    let parsed = match (b.len(), b.get(2), b.get(4)) {
        (8, _, _) if b.iter().all(u8::is_ascii_digit) => {
            ymd(number(&b[..4]), number(&b[4..6]), number(&b[6..]))
        }
        (10, _, Some(b'-')) if b[7] == b'-' => {
            ymd(number(&b[..4]), number(&b[5..7]), number(&b[8..]))
        }
        (10, Some(b'/'), _) if b[5] == b'/' => {
            ymd(number(&b[6..]), number(&b[..2]), number(&b[3..5]))
        }
        (8, Some(b'/'), _) if b[5] == b'/' => {
            ymd(century(number(&b[6..])), number(&b[..2]), number(&b[3..5]))
        }
        (9, Some(b'-'), _) if b[6] == b'-' => {
            let month = t.get(3..6).and_then(|m| {
                let m = m.to_ascii_lowercase();
                MONTHS.iter().position(|x| *x == m)
            });
            let month = month.and_then(|m| u32::try_from(m + 1).ok());
            ymd(century(number(&b[7..])), month, number(&b[..2]))
        }
        _ => None,
    };
    parsed.ok_or_else(|| format!("{t:?} is not a date"))
}

/// A time of day: `HHmmss`, `HH:mm:ss`, `HHmm` or `HH:mm`.
fn time(t: &str) -> Option<NaiveTime> {
    let b = t.as_bytes();
    let (h, m, s) = match b.len() {
        6 => (number(&b[..2]), number(&b[2..4]), number(&b[4..])),
        8 if b[2] == b':' && b[5] == b':' => (number(&b[..2]), number(&b[3..5]), number(&b[6..])),
        4 => (number(&b[..2]), number(&b[2..]), Some(0)),
        5 if b[2] == b':' => (number(&b[..2]), number(&b[3..]), Some(0)),
        _ => return None,
    };
    NaiveTime::from_hms_opt(h?, m?, s?)
}

/// A trailing UTC offset (`Z`, `+01:00`, `-0500`, `+01`) split off a time.
fn split_offset(t: &str) -> (&str, Option<FixedOffset>) {
    if let Some(rest) = t.strip_suffix('Z') {
        return (rest, FixedOffset::east_opt(0));
    }
    let Some(at) = t.rfind(['+', '-']) else {
        return (t, None);
    };
    let (clock, zone) = t.split_at(at);
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    let (hh, mm) = match digits.len() {
        2 => (number(digits.as_bytes()), Some(0)),
        4 => (
            number(&digits.as_bytes()[..2]),
            number(&digits.as_bytes()[2..]),
        ),
        _ => return (t, None),
    };
    let seconds = match (hh, mm) {
        (Some(h), Some(m)) if h <= 23 && m <= 59 => i32::try_from(h * 3600 + m * 60).ok(),
        _ => None,
    };
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    match seconds.and_then(|s| FixedOffset::east_opt(sign * s)) {
        Some(offset) => (clock, Some(offset)),
        None => (t, None),
    }
}

/// A Flex date-time (or a bare date: midnight), as UTC.
pub fn date_time(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    let bad = || format!("{t:?} is not a date-time");
    // `T` only where an ISO date ends (a month may be written `OCT`).
    let at = t.find([';', ',', ' ']).or_else(|| {
        [8, 10]
            .into_iter()
            .find(|&i| t.as_bytes().get(i) == Some(&b'T'))
    });
    let split = at.map(|at| (&t[..at], t[at + 1..].trim_start()));
    let (day, clock) = match split {
        Some((day, clock)) => (date(day).map_err(|_| bad())?, Some(clock)),
        None if t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()) => {
            (date(&t[..8]).map_err(|_| bad())?, Some(&t[8..]))
        }
        None => (date(t).map_err(|_| bad())?, None),
    };
    let Some(clock) = clock else {
        return Ok(new_york_to_utc(day.and_time(NaiveTime::MIN)));
    };
    let (clock, offset) = split_offset(clock);
    let local = day.and_time(time(clock).ok_or_else(bad)?);
    match offset {
        Some(o) => local
            .and_local_timezone(o)
            .single()
            .map(|t| t.to_utc())
            .ok_or_else(bad),
        None => Ok(new_york_to_utc(local)),
    }
}

/// A New York local time as UTC, by the IANA rules (chrono-tz). The
/// repeated hour in the autumn is read as daylight time (the first of the
/// two); an hour skipped in the spring, which no clock there showed, as if
/// the clock had already moved.
pub fn new_york_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    let hour = chrono::TimeDelta::hours(1);
    New_York
        .from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            New_York
                .from_local_datetime(&(local + hour))
                .earliest()
                .map(|t| t - hour)
        })
        .map_or_else(|| local.and_utc(), |t| t.to_utc())
}

/// The end of `day` in New York (the next midnight there), as UTC.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day);
    new_york_to_utc(next.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn every_date_format() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        for text in [
            "20240305",
            "2024-03-05",
            "03/05/2024",
            "03/05/24",
            "05-Mar-24",
            " 20240305 ",
        ] {
            assert_eq!(date(text), Ok(d), "{text}");
        }
        assert_eq!(date("12/31/99").unwrap().to_string(), "1999-12-31");
        for bad in [
            "",
            "2024035",
            "20241305",
            "2024/03/05",
            "MULTI",
            "05-Foo-24",
            "31/12/2024",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_date_time_format_as_new_york_time() {
        // 20 March 2024 is daylight time: New York is 4 hours behind UTC.
        let want = utc("2024-03-20T14:31:07Z");
        for text in [
            "20240320;103107",
            "2024-03-20;10:31:07",
            "20240320 10:31:07",
            "2024-03-20T10:31:07",
            "03/20/2024,103107",
            "03/20/2024, 10:31:07",
            "20240320103107",
        ] {
            assert_eq!(date_time(text), Ok(want), "{text}");
        }
        // Without seconds.
        assert_eq!(date_time("20240320;1031"), Ok(utc("2024-03-20T14:31:00Z")));
        assert_eq!(
            date_time("2024-03-20 10:31"),
            Ok(utc("2024-03-20T14:31:00Z"))
        );
        // A bare date is midnight in New York; winter is 5 hours behind.
        assert_eq!(date_time("20240115"), Ok(utc("2024-01-15T05:00:00Z")));
        // An explicit offset wins.
        assert_eq!(
            date_time("2024-01-15T20:20:00+01:00"),
            Ok(utc("2024-01-15T19:20:00Z"))
        );
        assert_eq!(
            date_time("2024-01-15T20:20:00Z"),
            Ok(utc("2024-01-15T20:20:00Z"))
        );
        assert_eq!(
            date_time("20240115;202000-0500"),
            Ok(utc("2024-01-16T01:20:00Z"))
        );
        assert_eq!(date_time("05-OCT-24;1200"), Ok(utc("2024-10-05T16:00:00Z")));
        for bad in [
            "",
            "MULTI",
            "20240115;25",
            "20240115;256000",
            "2024-01-15T",
            "x;y",
        ] {
            assert!(date_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn daylight_saving_edges() {
        let ny =
            |s: &str| new_york_to_utc(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap());
        // 2024: 10 March 02:00 to 3 November 02:00.
        assert_eq!(ny("2024-03-10 01:59"), utc("2024-03-10T06:59:00Z"));
        assert_eq!(ny("2024-03-10 03:00"), utc("2024-03-10T07:00:00Z"));
        assert_eq!(ny("2024-11-03 01:30"), utc("2024-11-03T05:30:00Z"));
        assert_eq!(ny("2024-11-03 02:00"), utc("2024-11-03T07:00:00Z"));
        // 2005 rules: first Sunday of April (3rd) to last of October (30th).
        assert_eq!(ny("2005-04-02 12:00"), utc("2005-04-02T17:00:00Z"));
        assert_eq!(ny("2005-04-04 12:00"), utc("2005-04-04T16:00:00Z"));
        assert_eq!(ny("2005-10-31 12:00"), utc("2005-10-31T17:00:00Z"));
        // The hour that did not exist, and 1975's daylight time from
        // 23 February (the energy crisis), which no rule of thumb knows.
        assert_eq!(ny("2024-03-10 02:30"), utc("2024-03-10T06:30:00Z"));
        assert_eq!(ny("1975-03-01 12:00"), utc("1975-03-01T16:00:00Z"));
        assert_eq!(ny("1975-02-22 12:00"), utc("1975-02-22T17:00:00Z"));
        assert_eq!(
            end_of_day(NaiveDate::from_ymd_opt(2024, 10, 30).unwrap()),
            utc("2024-10-31T04:00:00Z")
        );
    }
}
