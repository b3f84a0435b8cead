//! OpenFIGI's mapping request and answer, as the API writes them.
//!
//! A request is a JSON array of jobs (`{"idType":"ID_ISIN","idValue":..}`);
//! the answer is an array aligned with it, one element per job:
//! `{"data":[FigiRecord, ..]}`, `{"warning":"No identifier found."}` or
//! `{"error":"Invalid idValue format."}`. Every record field may be null or
//! missing; fields not listed here are ignored.

use serde::{Deserialize, Serialize};
use stonks_core::identity::IdentityQuery;

/// One mapping job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MappingJob<'a> {
    pub id_type: &'static str,
    pub id_value: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exch_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mic_code: Option<&'a str>,
}

/// MICs of US venues (operating MICs and their segments). OpenFIGI matches
/// `micCode` on the segment only (Nasdaq's `XNAS` answers "No identifier
/// found." where `XNGS` finds Apple), while brokers give the operating MIC;
/// a US ticker names one security across every US venue, so these are
/// asked on OpenFIGI's US composite, `exchCode: "US"`.
const US_MICS: [&str; 14] = [
    "XNAS", "XNGS", "XNMS", "XNCM", "XNYS", "ARCX", "XASE", "BATS", "BATY", "EDGA", "EDGX", "IEXG",
    "MEMX", "XCHI",
];

/// The job asking `query`. A US ticker's class separator is OpenFIGI's `/`
/// (`BRK/B`), where brokers write `BRK.B` or `BRK-B`.
pub fn job(query: &IdentityQuery) -> MappingJob<'_> {
    match query {
        IdentityQuery::Isin(isin) => MappingJob {
            id_type: "ID_ISIN",
            id_value: isin.as_str().into(),
            exch_code: None,
            mic_code: None,
        },
        IdentityQuery::Cusip(cusip) => MappingJob {
            id_type: "ID_CUSIP",
            id_value: cusip.as_str().into(),
            exch_code: None,
            mic_code: None,
        },
        IdentityQuery::Ticker { ticker, mic } if US_MICS.contains(&mic.as_str()) => MappingJob {
            id_type: "TICKER",
            id_value: ticker.replace(['.', '-'], "/").into(),
            exch_code: Some("US"),
            mic_code: None,
        },
        IdentityQuery::Ticker { ticker, mic } => MappingJob {
            id_type: "TICKER",
            id_value: ticker.as_str().into(),
            exch_code: None,
            mic_code: Some(mic),
        },
    }
}

/// One element of the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct JobAnswer {
    pub data: Option<Vec<FigiRecord>>,
    pub warning: Option<String>,
    pub error: Option<String>,
}

/// One listing OpenFIGI found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FigiRecord {
    pub figi: Option<String>,
    #[serde(rename = "compositeFIGI")]
    pub composite_figi: Option<String>,
    #[serde(rename = "shareClassFIGI")]
    pub share_class_figi: Option<String>,
    pub ticker: Option<String>,
    pub exch_code: Option<String>,
    pub security_type: Option<String>,
    pub security_type2: Option<String>,
    pub market_sector: Option<String>,
    pub name: Option<String>,
    pub security_description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(q: &IdentityQuery) -> String {
        serde_json::to_string(&job(q)).unwrap()
    }

    #[test]
    fn jobs_as_openfigi_reads_them() {
        assert_eq!(
            json(&IdentityQuery::Isin("US0378331005".parse().unwrap())),
            r#"{"idType":"ID_ISIN","idValue":"US0378331005"}"#
        );
        assert_eq!(
            json(&IdentityQuery::Cusip("037833100".into())),
            r#"{"idType":"ID_CUSIP","idValue":"037833100"}"#
        );
        let ticker = |t: &str, m: &str| IdentityQuery::Ticker {
            ticker: t.into(),
            mic: m.into(),
        };
        assert_eq!(
            json(&ticker("AAPL", "XNAS")),
            r#"{"idType":"TICKER","idValue":"AAPL","exchCode":"US"}"#,
            "a US operating MIC is asked on the US composite"
        );
        assert_eq!(
            json(&ticker("BRK.B", "XNYS")),
            r#"{"idType":"TICKER","idValue":"BRK/B","exchCode":"US"}"#
        );
        assert_eq!(
            json(&ticker("SAP", "XETR")),
            r#"{"idType":"TICKER","idValue":"SAP","micCode":"XETR"}"#
        );
    }
}
