//! The ECB's XML: `<Cube time='2026-11-20'>` holding
//! `<Cube currency='USD' rate='1.0542'/>` rows. Only those elements matter,
//! so a small scanner reads them (quotes may be single or double).

/// One day of rates as text, straight from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub time: String,
    pub rates: Vec<(String, String)>,
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let after = &rest[at + name.len()..];
        let before_ok = at == 0 || rest.as_bytes()[at - 1].is_ascii_whitespace();
        let after = after.trim_start();
        if before_ok && let Some(after) = after.strip_prefix('=') {
            let after = after.trim_start();
            let quote = after.chars().next()?;
            if quote == '\'' || quote == '"' {
                let value = &after[1..];
                return value.find(quote).map(|end| &value[..end]);
            }
        }
        rest = &rest[at + name.len()..];
    }
    None
}

/// The first (latest) day in the file.
pub fn latest_day(xml: &str) -> Option<Day> {
    let mut day: Option<Day> = None;
    for piece in xml.split('<').skip(1) {
        let tag = piece.split('>').next().unwrap_or_default();
        if !tag.starts_with("Cube") {
            continue;
        }
        if let Some(time) = attribute(tag, "time") {
            if day.is_some() {
                break;
            }
            day = Some(Day {
                time: time.to_owned(),
                rates: Vec::new(),
            });
        } else if let (Some(d), Some(c), Some(r)) = (
            day.as_mut(),
            attribute(tag, "currency"),
            attribute(tag, "rate"),
        ) {
            d.rates.push((c.to_owned(), r.to_owned()));
        }
    }
    day
}
