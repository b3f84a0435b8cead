//! OpenFIGI's answers to `Resolution`s: pure functions, tested on their own.

use std::collections::BTreeSet;

use serde_json::Value;
use stonks_core::identity::{Resolution, Resolved};

use crate::wire::{FigiRecord, JobAnswer};

/// At most this much of an unreadable element is quoted in a message.
const QUOTED: usize = 120;

/// The resolutions of one batch of `jobs` jobs from the answer `body`.
/// `Err` (the whole batch failed, saying why) when the body is not a JSON
/// array or its length is not the number of jobs: then no element can be
/// trusted to answer its job. One unreadable element fails its own job only.
pub fn batch(body: &[u8], jobs: usize) -> Result<Vec<Resolution>, String> {
    let answer: Value = serde_json::from_slice(body).map_err(|e| {
        format!(
            "OpenFIGI's answer is not JSON ({e}): {}",
            quote(&String::from_utf8_lossy(body))
        )
    })?;
    let Value::Array(elements) = answer else {
        return Err(format!(
            "OpenFIGI's answer is not an array of job answers: {}",
            quote(&answer.to_string())
        ));
    };
    if elements.len() != jobs {
        return Err(format!(
            "OpenFIGI answered {} elements for {jobs} jobs: the answers cannot be matched to the jobs",
            elements.len()
        ));
    }
    Ok(elements.iter().map(resolution).collect())
}

/// The resolution of one job's answer element: its records (one share class
/// found, several ambiguous, none a listing without one), its warning (not
/// found), its error (failed), or failed when it is none of these.
pub fn resolution(element: &Value) -> Resolution {
    let answer: JobAnswer = match serde_json::from_value(element.clone()) {
        Ok(a) => a,
        Err(e) => {
            return Resolution::Failed {
                message: format!(
                    "unreadable job answer ({e}): {}",
                    quote(&element.to_string())
                ),
            };
        }
    };
    match answer {
        JobAnswer {
            data: Some(records),
            ..
        } => from_records(&records),
        JobAnswer {
            error: Some(message),
            ..
        } => Resolution::Failed { message },
        JobAnswer {
            warning: Some(message),
            ..
        } => Resolution::NotFound { message },
        JobAnswer { .. } => Resolution::Failed {
            message: format!(
                "job answer with neither data, warning nor error: {}",
                quote(&element.to_string())
            ),
        },
    }
}

/// One share class: found, described by the first record of that class.
/// Several: ambiguous, never a silent pick. None: found, with what the first
/// record says. No records at all: not found.
fn from_records(records: &[FigiRecord]) -> Resolution {
    let classes: BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r.share_class_figi.as_deref())
        .filter(|f| !f.trim().is_empty())
        .collect();
    if classes.len() > 1 {
        return Resolution::Ambiguous {
            share_class_figis: classes.into_iter().map(str::to_owned).collect(),
        };
    }
    let first = match classes.first() {
        Some(class) => records
            .iter()
            .find(|r| r.share_class_figi.as_deref() == Some(*class)),
        None => records.first(),
    };
    let Some(first) = first else {
        return Resolution::NotFound {
            message: "OpenFIGI answered an empty list of records".to_owned(),
        };
    };
    Resolution::Found(Resolved {
        share_class_figi: classes.first().map(|c| (*c).to_owned()),
        figi: first.figi.clone(),
        composite_figi: first.composite_figi.clone(),
        name: first.name.clone(),
        ticker: first.ticker.clone(),
        exch_code: first.exch_code.clone(),
        security_type: first.security_type.clone(),
    })
}

/// `text` cut to [`QUOTED`] characters.
fn quote(text: &str) -> String {
    let mut cut: String = text.chars().take(QUOTED).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn found(r: Resolution) -> Resolved {
        match r {
            Resolution::Found(f) => f,
            other => panic!("not found: {other:?}"),
        }
    }

    #[test]
    fn one_share_class_is_found_from_its_first_record() {
        // Apple as OpenFIGI answers its ISIN: the US composite first, then
        // the Nasdaq listing, one share class.
        let r = resolution(&json!({"data": [
            {"figi": "BBG000B9XRY4", "name": "APPLE INC", "ticker": "AAPL", "exchCode": "US",
             "compositeFIGI": "BBG000B9XRY4", "securityType": "Common Stock", "marketSector": "Equity",
             "shareClassFIGI": "BBG001S5N8V8", "securityType2": "Common Stock", "securityDescription": "AAPL"},
            {"figi": "BBG000B9Y5X2", "name": "APPLE INC", "ticker": "AAPL", "exchCode": "UW",
             "compositeFIGI": "BBG000B9XRY4", "shareClassFIGI": "BBG001S5N8V8", "uniqueID": null}
        ]}));
        assert_eq!(
            found(r),
            Resolved {
                share_class_figi: Some("BBG001S5N8V8".into()),
                figi: Some("BBG000B9XRY4".into()),
                composite_figi: Some("BBG000B9XRY4".into()),
                name: Some("APPLE INC".into()),
                ticker: Some("AAPL".into()),
                exch_code: Some("US".into()),
                security_type: Some("Common Stock".into()),
            }
        );
    }

    #[test]
    fn nulls_and_missing_keys_are_nothing_known() {
        // The first record has no share class: the one that has describes it.
        let r = found(resolution(&json!({"data": [
            {"figi": "BBG00BP732P7", "shareClassFIGI": null, "compositeFIGI": null},
            {"figi": "BBG000B9Y5X2", "shareClassFIGI": "BBG001S5N8V8"}
        ]})));
        assert_eq!(r.share_class_figi.as_deref(), Some("BBG001S5N8V8"));
        assert_eq!(r.figi.as_deref(), Some("BBG000B9Y5X2"));
        assert_eq!(r.name, None);
        // No share class anywhere: found, with what there is.
        let r = found(resolution(&json!({"data": [
            {"figi": "BBG00BP732P7", "name": "DEUTSCH-PW17 DAX INDEX", "shareClassFIGI": null}
        ]})));
        assert_eq!(r.share_class_figi, None);
        assert_eq!(r.name.as_deref(), Some("DEUTSCH-PW17 DAX INDEX"));
        assert_eq!(r.composite_figi, None);
        // An empty share class is none.
        let r = found(resolution(&json!({"data": [{"shareClassFIGI": " "}]})));
        assert_eq!(r.share_class_figi, None);
        assert_eq!(
            resolution(&json!({"data": []})),
            Resolution::NotFound {
                message: "OpenFIGI answered an empty list of records".into()
            }
        );
    }

    #[test]
    fn several_share_classes_are_ambiguous_and_sorted() {
        let r = resolution(&json!({"data": [
            {"figi": "A", "shareClassFIGI": "BBG009S39JY5"},
            {"figi": "B", "shareClassFIGI": null},
            {"figi": "C", "shareClassFIGI": "BBG001S5N8V8"},
            {"figi": "D", "shareClassFIGI": "BBG009S39JY5"}
        ]}));
        assert_eq!(
            r,
            Resolution::Ambiguous {
                share_class_figis: vec!["BBG001S5N8V8".into(), "BBG009S39JY5".into()]
            }
        );
    }

    #[test]
    fn warnings_errors_and_strangers() {
        assert_eq!(
            resolution(&json!({"warning": "No identifier found."})),
            Resolution::NotFound {
                message: "No identifier found.".into()
            }
        );
        assert_eq!(
            resolution(&json!({"error": "Invalid idValue format."})),
            Resolution::Failed {
                message: "Invalid idValue format.".into()
            }
        );
        for stranger in [json!({}), json!({"message": "x"}), json!(null), json!([1])] {
            let r = resolution(&stranger);
            assert!(matches!(r, Resolution::Failed { .. }), "{stranger}: {r:?}");
        }
        // A number where text belongs: this element fails, nothing else.
        let r = resolution(&json!({"data": [{"figi": 42}]}));
        let Resolution::Failed { message } = r else {
            panic!("{r:?}")
        };
        assert!(message.contains("unreadable job answer"), "{message}");
        assert!(matches!(
            resolution(&json!({"warning": 7})),
            Resolution::Failed { .. }
        ));
    }

    #[test]
    fn a_batch_is_aligned_or_failed_whole() {
        let body = br#"[{"warning":"No identifier found."},{"error":"Invalid idValue format."},{"bogus":1}]"#;
        let rs = batch(body, 3).unwrap();
        assert!(matches!(rs[0], Resolution::NotFound { .. }));
        assert!(matches!(rs[1], Resolution::Failed { .. }));
        assert!(matches!(rs[2], Resolution::Failed { .. }));
        let short = batch(body, 4).unwrap_err();
        assert!(short.contains("3 elements for 4 jobs"), "{short}");
        let text = batch(b"Too many requests, please try again later.", 1).unwrap_err();
        assert!(text.contains("not JSON"), "{text}");
        let object = batch(br#"{"error":"Invalid request"}"#, 1).unwrap_err();
        assert!(object.contains("not an array"), "{object}");
        let long = "x".repeat(500);
        assert!(batch(long.as_bytes(), 1).unwrap_err().len() < 300);
    }
}
