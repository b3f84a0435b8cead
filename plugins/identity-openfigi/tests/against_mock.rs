//! The OpenFIGI plugin against `MockOpenFigi`.

use serde_json::{Value, json};
use stonks_core::ErrorKind;
use stonks_core::identity::{IdentityQuery, Resolution, Resolved};
use stonks_testkit::MockOpenFigi;
use stonks_testkit::openfigi::{AMBIGUOUS_ISIN, AMBIGUOUS_SHARE_CLASSES, KEY_HEADER, NOT_FOUND};
use stonks_testkit::support;

const ID: &str = "identity-openfigi";

/// The ISINs the broker mocks hold whose FIGIs the OpenFIGI mock knows.
const KNOWN: [&str; 8] = [
    "US0378331005",
    "US5949181045",
    "US67066G1040",
    "US02079K3059",
    "US0231351067",
    "DE0007164600",
    "US8030542042",
    "NL0010273215",
];

/// ISINs of the broker mocks the OpenFIGI mock does not know (their FIGIs
/// could not be verified): "No identifier found.".
const UNKNOWN: [&str; 17] = [
    "US7561091049",
    "US3696043013",
    "US36266G1076",
    "US00507V1098",
    "NL0011672571",
    "NL0011821269",
    "GB00B10RZP78",
    "NL0000009033",
    "NL0012109011",
    "NL0000009165",
    "DE0007236101",
    "DE0008404005",
    "FR0000121014",
    "US4781601046",
    "US1912161007",
    "IE00B4L5Y983",
    "IE00BK5BQT80",
];

fn isin(s: &str) -> IdentityQuery {
    IdentityQuery::Isin(s.parse().unwrap())
}

async fn resolve(config: &Value, queries: &[IdentityQuery]) -> Vec<Resolution> {
    let r = support::registry(stonks_identity_openfigi::RECORD, config);
    let rs = r.identity(ID).unwrap().resolve(queries).await.unwrap();
    assert_eq!(rs.len(), queries.len(), "one resolution per query");
    rs
}

fn found(r: &Resolution) -> &Resolved {
    match r {
        Resolution::Found(f) => f,
        other => panic!("not found: {other:?}"),
    }
}

fn share_class(r: &Resolution) -> &str {
    found(r).share_class_figi.as_deref().unwrap()
}

/// How many jobs each request the mock received carried.
async fn jobs_per_request(mock: &MockOpenFigi) -> Vec<usize> {
    mock.received_requests()
        .await
        .iter()
        .map(|q| serde_json::from_slice::<Vec<Value>>(&q.body).unwrap().len())
        .collect()
}

#[tokio::test]
async fn twenty_five_isins_keyless_are_three_requests_of_ten_ten_and_five() {
    let mock = MockOpenFigi::start().await;
    let all: Vec<&str> = KNOWN.iter().chain(&UNKNOWN).copied().collect();
    let queries: Vec<IdentityQuery> = all.iter().map(|s| isin(s)).collect();
    let rs = resolve(&mock.config(), &queries).await;

    assert_eq!(mock.requests().await, 3);
    assert_eq!(jobs_per_request(&mock).await, [10, 10, 5]);
    let sent: Vec<Value> = mock.jobs();
    let want: Vec<Value> = all
        .iter()
        .map(|s| json!({"idType": "ID_ISIN", "idValue": s}))
        .collect();
    assert_eq!(sent, want, "every ISIN once, in order, as ID_ISIN jobs");
    for h in mock.received_requests().await {
        assert!(h.headers.get(KEY_HEADER).is_none(), "no key, no header");
    }

    assert_eq!(
        found(&rs[0]),
        &Resolved {
            share_class_figi: Some("BBG001S5N8V8".into()),
            figi: Some("BBG000B9XRY4".into()),
            composite_figi: Some("BBG000B9XRY4".into()),
            name: Some("APPLE INC".into()),
            ticker: Some("AAPL".into()),
            exch_code: Some("US".into()),
            security_type: Some("Common Stock".into()),
        },
        "Apple: the US composite describes it, its Nasdaq listing shares the class"
    );
    let classes: Vec<&str> = rs[..KNOWN.len()].iter().map(share_class).collect();
    assert_eq!(
        classes,
        [
            "BBG001S5N8V8",
            "BBG001S5TD05",
            "BBG001S5TZJ6",
            "BBG009S39JY5",
            "BBG001S5PQL7",
            "BBG001S6RK27",
            "BBG001S6RD41",
            "BBG001S7Q066",
        ]
    );
    assert_eq!(
        found(&rs[2]).composite_figi.as_deref(),
        Some("BBG000BBJQV0")
    );
    let sap = found(&rs[5]);
    assert_eq!(
        (
            sap.figi.as_deref(),
            sap.exch_code.as_deref(),
            sap.name.as_deref()
        ),
        (Some("BBG000BG7DY8"), Some("GR"), Some("SAP SE"))
    );
    assert_eq!(found(&rs[6]).security_type.as_deref(), Some("ADR"));
    assert_eq!(found(&rs[7]).exch_code.as_deref(), Some("NA"));
    for r in &rs[KNOWN.len()..] {
        assert_eq!(
            r,
            &Resolution::NotFound {
                message: NOT_FOUND.into()
            }
        );
    }
}

#[tokio::test]
async fn with_a_key_twenty_five_isins_are_one_request_carrying_the_key() {
    let key = "0f9a-7c2e-key";
    let mock = MockOpenFigi::start_with_key(key).await;
    let queries: Vec<IdentityQuery> = KNOWN.iter().chain(&UNKNOWN).map(|s| isin(s)).collect();
    let config = json!({"base_url": mock.uri(), "api_key": key});
    let rs = resolve(&config, &queries).await;
    assert_eq!(jobs_per_request(&mock).await, [25]);
    let sent = mock.received_requests().await;
    assert_eq!(sent[0].headers.get(KEY_HEADER).unwrap(), key);
    assert_eq!(share_class(&rs[0]), "BBG001S5N8V8");
    assert!(matches!(rs[24], Resolution::NotFound { .. }));
}

#[tokio::test]
async fn warnings_errors_and_two_share_classes() {
    let mock = MockOpenFigi::start().await;
    mock.error_for("US5949181045", "Invalid idValue format.");
    let queries = [
        isin("US0378331005"),
        isin("US5949181045"),
        isin("US7561091049"),
        isin(AMBIGUOUS_ISIN),
        isin("US67066G1040"),
    ];
    let rs = resolve(&mock.config(), &queries).await;
    assert_eq!(share_class(&rs[0]), "BBG001S5N8V8");
    assert_eq!(
        rs[1],
        Resolution::Failed {
            message: "Invalid idValue format.".into()
        },
        "the rejected job fails, alone"
    );
    assert_eq!(
        rs[2],
        Resolution::NotFound {
            message: "No identifier found.".into()
        }
    );
    assert_eq!(
        rs[3],
        Resolution::Ambiguous {
            share_class_figis: AMBIGUOUS_SHARE_CLASSES.map(str::to_owned).to_vec()
        },
        "two share classes are never a silent pick"
    );
    assert_eq!(share_class(&rs[4]), "BBG001S5TZJ6");
    assert!(!rs[1].is_final() && rs[2].is_final() && rs[3].is_final());
}

#[tokio::test]
async fn a_ticker_and_its_isin_share_a_class_and_an_adr_is_another_security() {
    let mock = MockOpenFigi::start().await;
    let queries = [
        IdentityQuery::Ticker {
            ticker: "AAPL".into(),
            mic: "XNAS".into(),
        },
        isin("US0378331005"),
        IdentityQuery::Cusip("037833100".into()),
        isin("DE0007164600"),
        isin("US8030542042"),
        IdentityQuery::Ticker {
            ticker: "NVDA".into(),
            mic: "XNAS".into(),
        },
    ];
    let rs = resolve(&mock.config(), &queries).await;
    assert_eq!(share_class(&rs[0]), share_class(&rs[1]));
    assert_eq!(share_class(&rs[2]), "BBG001S5N8V8");
    assert_eq!(
        found(&rs[0]).figi.as_deref(),
        Some("BBG000B9XRY4"),
        "asked on the US composite"
    );
    assert_ne!(
        share_class(&rs[3]),
        share_class(&rs[4]),
        "SAP the share and SAP the ADR"
    );
    assert_eq!(share_class(&rs[5]), "BBG001S5TZJ6");
    assert_eq!(
        mock.jobs()[0],
        json!({"idType": "TICKER", "idValue": "AAPL", "exchCode": "US"})
    );
}

#[tokio::test]
async fn a_429_is_waited_out_and_answered() {
    let mock = MockOpenFigi::start().await;
    mock.faults().rate_limit_burst(1, 1);
    let rs = resolve(&mock.config(), &[isin("US0378331005")]).await;
    assert_eq!(share_class(&rs[0]), "BBG001S5N8V8");
    assert_eq!(mock.requests().await, 2, "the 429, then the answer");
}

#[tokio::test]
async fn an_answer_out_of_line_or_unreadable_fails_its_batch_only() {
    let mock = MockOpenFigi::start().await;
    mock.misalign_next(1);
    let queries: Vec<IdentityQuery> = KNOWN.iter().chain(&UNKNOWN).map(|s| isin(s)).collect();
    let rs = resolve(&mock.config(), &queries).await;
    for r in &rs[..10] {
        let Resolution::Failed { message } = r else {
            panic!("{r:?}")
        };
        assert!(message.contains("9 elements for 10 jobs"), "{message}");
    }
    assert!(matches!(rs[10], Resolution::NotFound { .. }));
    assert!(matches!(rs[24], Resolution::NotFound { .. }));
    assert_eq!(mock.requests().await, 3, "the next batches are still asked");

    let mock = MockOpenFigi::start().await;
    mock.faults().malformed_after(1, 1);
    let rs = resolve(&mock.config(), &queries).await;
    assert_eq!(share_class(&rs[0]), "BBG001S5N8V8");
    assert!(
        rs[10..20]
            .iter()
            .all(|r| matches!(r, Resolution::Failed { message } if message.contains("not JSON")))
    );
    assert!(matches!(rs[20], Resolution::NotFound { .. }));
}

#[tokio::test]
async fn a_request_that_keeps_failing_fails_the_rest_and_sends_no_more() {
    let mock = MockOpenFigi::start().await;
    mock.faults().server_error_burst(10, 503);
    let queries: Vec<IdentityQuery> = KNOWN.iter().chain(&UNKNOWN).map(|s| isin(s)).collect();
    let rs = resolve(&mock.config(), &queries).await;
    assert!(rs.iter().all(|r| !r.is_final()), "{rs:?}");
    let sent = mock.requests().await;
    assert_eq!(
        sent, 4,
        "core's attempts for the first batch, nothing after"
    );
}

#[tokio::test]
async fn a_rejected_key_is_an_auth_error_and_the_key_is_shown_nowhere() {
    let key = "s3cr3t/Key+with=odd&chars";
    let mock = MockOpenFigi::start_with_key("the-right-key").await;
    let config = json!({"base_url": mock.uri(), "api_key": key});
    let r = support::registry(stonks_identity_openfigi::RECORD, &config);
    let err = r
        .identity(ID)
        .unwrap()
        .resolve(&[isin("US0378331005"), isin("US5949181045")])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Auth, "{err}");
    assert!(err.to_string().contains("API Key is invalid."), "{err}");

    let encodings = [
        key.to_owned(),
        key.replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D"),
        "czNjcjN0L0tleSt3aXRoPW9kZCZjaGFycw".to_owned(), // base64 of the key
        key.bytes().map(|b| format!("{b:02x}")).collect(),
    ];
    let shown = [format!("{err}"), format!("{err:?}"), format!("{r:?}")];
    for text in &shown {
        for k in &encodings {
            assert!(!text.contains(k.as_str()), "{k} in {text}");
        }
    }
    for q in mock.received_requests().await {
        let body = String::from_utf8_lossy(&q.body).into_owned();
        for k in &encodings {
            assert!(!q.url.as_str().contains(k.as_str()) && !body.contains(k.as_str()));
        }
        assert_eq!(
            q.headers.get(KEY_HEADER).unwrap(),
            key,
            "only where it belongs"
        );
    }
    assert!(mock.jobs().is_empty(), "a rejected request is not answered");
}

#[tokio::test]
async fn nothing_asked_nothing_sent() {
    let mock = MockOpenFigi::start().await;
    assert!(resolve(&mock.config(), &[]).await.is_empty());
    assert_eq!(mock.requests().await, 0);
}
