//! Rows of both formats to entries: the numbers they must turn into, ids
//! that survive a re-import, identical rows kept apart, bad rows reported.

use super::*;
use stonks_core::Currency;
use stonks_testkit::support::d;

const JSON: &str = r#"[
  {"broker":"degiro","account":"x","id":"t-1","timestamp":"2024-01-02T10:00:00Z","kind":"buy","symbol":"ASML","isin":"NL0010273215",
   "quantity":"10","price":"600.1","amount":"-6001","currency":"EUR","fees":[{"amount":"2","currency":"EUR"},{"amount":0.5,"currency":"USD"}],
   "description":"Buy 10 ASML"},
  {"timestamp":"2024-03-01","kind":"dividend","symbol":"ASML","amount":12.5,"currency":"EUR"},
  {"timestamp":"2024-03-01","kind":"dividend","symbol":"ASML","amount":12.5,"currency":"EUR"},
  {"timestamp":"2024-03-01","kind":"tax","symbol":"ASML","amount":"-1.88","currency":"EUR","belongs_to":"t-9"},
  {"timestamp":"2024-06-10","kind":"split","symbol":"NVDA","quantity":"30","ratio":"4:1","amount":"0","currency":"USD"},
  {"timestamp":"2024-07-01","kind":"transfer","symbol":"VWRL","quantity":"5","amount":"0","currency":"EUR","cost_basis":{"amount":"480","currency":"EUR"}},
  {"timestamp":"2024-07-02","kind":"buy","isin":"NL0010273216","quantity":"1","amount":"-1","currency":"EUR"},
  {"timestamp":"2024-07-03","kind":"buy","quantity":"1","amount":"-1","currency":"EU-R"},
  {"timestamp":"2024-07-04","kind":"crypto_airdrop","symbol":"XYZ","quantity":"3","amount":"0","currency":"EUR"}
]"#;

#[test]
fn json_rows_become_entries_with_their_numbers() {
    let (entries, problems) =
        ledger(JSON.as_bytes(), Format::Json, "joint", "file l.json").unwrap();
    assert_eq!(entries.len(), 7, "{problems:?}");
    let buy = &entries[0];
    assert_eq!(buy.id, "t-1");
    assert_eq!(
        buy.account.as_deref(),
        Some("joint"),
        "the configured account wins"
    );
    assert_eq!(buy.amount, Money::new(d("-6001"), Currency::EUR));
    assert_eq!(buy.price.unwrap().amount, d("600.1"));
    assert_eq!(
        buy.fees,
        vec![
            Money::new(d("2"), Currency::EUR),
            Money::new(d("0.5"), Currency::USD)
        ]
    );
    let i = buy.instrument.as_ref().unwrap();
    assert_eq!(
        (i.broker_id.as_str(), i.symbol.as_deref()),
        ("NL0010273215", Some("ASML"))
    );

    let (a, b) = (&entries[1], &entries[2]);
    assert_eq!(a.timestamp.to_rfc3339(), "2024-03-01T00:00:00+00:00");
    assert!(a.id.starts_with("row-") && a.id.ends_with("-1"), "{}", a.id);
    assert_eq!(b.id, format!("{}-2", &a.id[..a.id.len() - 2]));
    assert_ne!(a.id, b.id, "identical rows stay two");
    assert_eq!(entries[3].belongs_to.as_deref(), Some("t-9"));
    let split = entries[4].action.as_ref().unwrap().ratio.unwrap();
    assert_eq!((split.new, split.old), (d("4"), d("1")));
    assert_eq!(
        entries[5].cost_basis,
        Some(Money::new(d("480"), Currency::EUR))
    );
    assert_eq!(entries[6].kind, LedgerKind::Other("crypto_airdrop".into()));

    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{shown:?}");
    assert!(shown[0].contains("isin"), "{}", shown[0]);
    assert!(shown[1].contains("EU-R"), "{}", shown[1]);
}

#[test]
fn reading_again_gives_the_same_ids() {
    let ids = || -> Vec<String> {
        ledger(JSON.as_bytes(), Format::Json, "a", "f")
            .unwrap()
            .0
            .into_iter()
            .map(|e| e.id)
            .collect()
    };
    assert_eq!(ids(), ids());
}

#[test]
fn csv_rows_read_like_json_rows() {
    let csv = "broker,account,id,timestamp,kind,symbol,isin,quantity,price,amount,currency,fees,description\n\
               degiro,x,t-1,2024-01-02T10:00:00Z,buy,ASML,NL0010273215,10,600.1,-6001,EUR,2 EUR + 0.5 USD,Buy 10 ASML\n\
               ,,,2024-03-01,dividend,ASML,,,,12.5,EUR,,\n\
               ,,,2024-03-01,dividend,ASML,,,,12.5,EUR,,\n\
               ,,,2024-03-02,fee,,,,,-2.5,EUR,,\"connectivity, 2024\"\n\
               ,,,not a date,fee,,,,,-1,EUR,,\n";
    let (entries, problems) = ledger(csv.as_bytes(), Format::Csv, "joint", "file l.csv").unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    let (json, _) = ledger(JSON.as_bytes(), Format::Json, "joint", "file l.json").unwrap();
    assert_eq!(entries.len(), 4, "{ids:?} {problems:?}");
    assert_eq!(
        entries[0], json[0],
        "the same row in either format is the same entry"
    );
    assert_eq!(
        entries[1].id, json[1].id,
        "content ids do not depend on the format"
    );
    assert_eq!(
        entries[3].description.as_deref(),
        Some("connectivity, 2024")
    );
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].to_string().contains("timestamp"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_repeated_id_keeps_the_first_row() {
    let json = r#"[{"id":"a","timestamp":"2024-01-01","kind":"deposit","amount":"100","currency":"EUR"},
                   {"id":"a","timestamp":"2024-01-02","kind":"deposit","amount":"200","currency":"EUR"}]"#;
    let (entries, problems) = ledger(json.as_bytes(), Format::Json, "a", "f").unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].amount.amount, d("100"));
    assert!(
        problems[0]
            .to_string()
            .contains("a second row with this id")
    );
}

#[test]
fn a_file_that_is_no_list_is_an_error() {
    assert!(ledger(b"", Format::Json, "a", "f").is_err());
    assert!(ledger(b"[{\"kind\": ", Format::Json, "a", "f").is_err());
    // One object is not a list of one: the file is refused, quoting it.
    let e = ledger(b"{\"not\": \"a row\"}", Format::Json, "a", "f").unwrap_err();
    assert!(e.to_string().contains("found an object"), "{e}");
}

#[test]
fn positions_in_both_formats() {
    let as_of = "2024-12-31T17:00:00Z".parse().unwrap();
    let csv = "symbol,isin,name,quantity,price,currency\nASML,NL0010273215,ASML Holding,10,650.2,EUR\nBTC,,,0.5,,\n,,,1,,\n";
    let snap = positions(csv.as_bytes(), Format::Csv, "joint", "file p.csv", as_of).unwrap();
    assert_eq!(snap.positions.len(), 2);
    assert_eq!(
        snap.positions[0].market_value,
        Some(Money::new(d("6502.0"), Currency::EUR))
    );
    assert_eq!(snap.positions[1].price, None);
    assert_eq!(snap.problems.len(), 1, "a row with neither symbol nor ISIN");
    let json = r#"[{"symbol":"ASML","isin":"NL0010273215","name":"ASML Holding","quantity":"10","price":650.2,"currency":"EUR"}]"#;
    let snap2 = positions(json.as_bytes(), Format::Json, "joint", "file p.json", as_of).unwrap();
    assert_eq!(snap2.positions[0], snap.positions[0]);
}

#[test]
fn an_unterminated_quote_is_a_problem_naming_its_line_not_a_swallowed_file() {
    // Line 3 opens a quote it never closes: the csv crate reads lines 3 to
    // 5 as one record whose description holds the two rows after it.
    let csv = "timestamp,kind,symbol,isin,quantity,price,amount,currency,fees,description\n\
               2024-01-05,deposit,,,,,3000,EUR,,\n\
               2024-01-06,deposit,,,,,10,EUR,,\"forgot to close\n\
               2024-01-07,deposit,,,,,20,EUR,,\n\
               2024-01-08,deposit,,,,,30,EUR,,\n";
    let (entries, problems) = ledger(csv.as_bytes(), Format::Csv, "joint", "file l.csv").unwrap();
    assert_eq!(
        entries.len(),
        1,
        "only the row before the quote: {entries:?}"
    );
    assert_eq!(entries[0].amount.amount, d("3000"));
    assert_eq!(problems.len(), 1, "{problems:?}");
    let shown = problems[0].to_string();
    assert!(
        shown.contains(
            "line 3: a quote opened on this line is never closed, so the 2 line(s) after it"
        ),
        "{shown}"
    );
    // A closed quoted field over two lines, with an escaped quote, is fine.
    let csv = "timestamp,kind,symbol,isin,quantity,price,amount,currency,fees,description\n\
               2024-01-06,deposit,,,,,10,EUR,,\"two\n\"\"lines\"\"\"\n\
               2024-01-07,deposit,,,,,20,EUR,,\n";
    let (entries, problems) = ledger(csv.as_bytes(), Format::Csv, "joint", "file l.csv").unwrap();
    assert_eq!((entries.len(), problems.len()), (2, 0), "{problems:?}");
    assert_eq!(entries[0].description.as_deref(), Some("two\n\"lines\""));
}

#[test]
fn a_file_that_is_not_csv_names_the_file_and_no_http_status() {
    // A header that is not UTF-8.
    let e = ledger(b"\xff\xfe,a\n1,2\n", Format::Csv, "joint", "file l.csv").unwrap_err();
    assert!(!e.to_string().contains("status"), "{e}");
    assert!(e.to_string().contains("file l.csv"), "{e}");
}
