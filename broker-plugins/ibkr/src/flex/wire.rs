//! Flex statements exactly as they arrive: every value is an XML
//! attribute. Each element the reader reads is a struct of the attributes
//! it reads, borrowed from the reader's buffer (unescaped only when the text
//! holds an entity); every other attribute is skipped, so an attribute IBKR
//! adds never breaks an import. Empty values and IBKR's placeholders (`-`,
//! `--`, `N/A`) are read as absent.

use std::borrow::Cow;

use quick_xml::events::BytesStart;

/// Whether an attribute value stands for "absent".
fn is_absent(value: &str) -> bool {
    matches!(value.trim(), "" | "-" | "--" | "N/A")
}

/// A Flex data element read from its attributes.
pub trait Element<'a>: Default {
    /// Keeps `value` if `key` is an attribute this element reads.
    fn set(&mut self, key: &[u8], value: Cow<'a, str>);

    /// The element read from `start`'s attributes. An attribute that is not
    /// well-formed XML or not UTF-8 is an error naming it.
    fn read(
        start: &'a BytesStart<'a>,
        decoder: quick_xml::encoding::Decoder,
    ) -> Result<Self, String> {
        let mut out = Self::default();
        let mut attributes = start.attributes();
        attributes.with_checks(false);
        for attribute in attributes {
            let attribute = attribute.map_err(|e| format!("malformed attribute: {e}"))?;
            let value = attribute.decode_and_unescape_value(decoder).map_err(|e| {
                let name = String::from_utf8_lossy(attribute.key.as_ref());
                format!("{name}: {e}")
            })?;
            if !is_absent(&value) {
                out.set(attribute.key.as_ref(), value);
            }
        }
        Ok(out)
    }
}

/// Declares a Flex element: a struct of the attributes read (each an
/// optional borrowed text), the element's name and the list of attribute
/// names as IBKR spells them.
macro_rules! flex_element {
    (
        $(#[$doc:meta])*
        $name:ident = $xml:literal {
            $($(#[$fdoc:meta])* $field:ident = $attr:literal,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, PartialEq, Eq)]
        pub struct $name<'a> {
            $(
                #[doc = concat!("`", $attr, "`.")]
                $(#[$fdoc])*
                pub $field: Option<Cow<'a, str>>,
            )*
        }

        impl $name<'_> {
            /// The element's name.
            pub const ELEMENT: &'static str = $xml;
            /// The attributes read, as IBKR spells them.
            pub const ATTRIBUTES: &'static [&'static str] = &[$($attr),*];

            /// The element with its values copied, free of the reader's buffer.
            #[allow(dead_code)]
            pub fn into_owned(self) -> $name<'static> {
                $name {
                    $($field: self.$field.map(|v| Cow::Owned(v.into_owned())),)*
                }
            }
        }

        impl<'a> Element<'a> for $name<'a> {
            fn set(&mut self, key: &[u8], value: Cow<'a, str>) {
                $(if key == $attr.as_bytes() {
                    self.$field = Some(value);
                    return;
                })*
            }
        }
    };
}

flex_element! {
    /// `<FlexStatement>`: one account's statement for one period.
    Statement = "FlexStatement" {
        account_id = "accountId",
        from_date = "fromDate",
        to_date = "toDate",
        period = "period",
        when_generated = "whenGenerated",
    }
}

flex_element! {
    /// `<AccountInformation>`: the account, with its base currency.
    AccountInformation = "AccountInformation" {
        account_id = "accountId",
        /// The base currency.
        currency = "currency",
        name = "name",
        account_type = "accountType",
    }
}

flex_element! {
    /// `<CashReportCurrency>`: the cash of one currency over the period
    /// (`levelOfDetail` `Currency`), or the whole in the base currency
    /// (`currency` `BASE_SUMMARY`, `levelOfDetail` `BaseCurrency`).
    CashReportCurrency = "CashReportCurrency" {
        account_id = "accountId",
        currency = "currency",
        level_of_detail = "levelOfDetail",
        to_date = "toDate",
        /// Cash at the end of the period, trade-date basis.
        ending_cash = "endingCash",
        ending_settled_cash = "endingSettledCash",
    }
}

flex_element! {
    /// `<OpenPosition>`: a holding at the end of the period (`SUMMARY`), or
    /// one of its tax lots (`LOT`).
    OpenPosition = "OpenPosition" {
        account_id = "accountId",
        currency = "currency",
        asset_category = "assetCategory",
        sub_category = "subCategory",
        symbol = "symbol",
        description = "description",
        conid = "conid",
        isin = "isin",
        cusip = "cusip",
        figi = "figi",
        listing_exchange = "listingExchange",
        multiplier = "multiplier",
        report_date = "reportDate",
        /// Signed: negative for a short position.
        position = "position",
        side = "side",
        mark_price = "markPrice",
        position_value = "positionValue",
        cost_basis_money = "costBasisMoney",
        fifo_pnl_unrealized = "fifoPnlUnrealized",
        level_of_detail = "levelOfDetail",
    }
}

flex_element! {
    /// `<Trade>`: an execution (`EXECUTION`); orders and closed lots are
    /// elements of their own, never read.
    Trade = "Trade" {
        account_id = "accountId",
        currency = "currency",
        asset_category = "assetCategory",
        sub_category = "subCategory",
        symbol = "symbol",
        description = "description",
        conid = "conid",
        isin = "isin",
        cusip = "cusip",
        figi = "figi",
        listing_exchange = "listingExchange",
        multiplier = "multiplier",
        transaction_type = "transactionType",
        buy_sell = "buySell",
        /// Signed: positive bought, negative sold.
        quantity = "quantity",
        trade_price = "tradePrice",
        trade_money = "tradeMoney",
        /// Cash in or out, before commission: negative for a buy.
        proceeds = "proceeds",
        taxes = "taxes",
        ib_commission = "ibCommission",
        ib_commission_currency = "ibCommissionCurrency",
        net_cash = "netCash",
        /// For an opening trade, what it cost with its commission and
        /// taxes (positive for a buy); for a closing one, the basis of the
        /// lots it closes.
        cost = "cost",
        /// `O` opening, `C` closing, `C;O` both.
        open_close_indicator = "openCloseIndicator",
        date_time = "dateTime",
        trade_date = "tradeDate",
        trade_time = "tradeTime",
        notes = "notes",
        trade_id = "tradeID",
        transaction_id = "transactionID",
        orig_trade_id = "origTradeID",
        orig_transaction_id = "origTransactionID",
        level_of_detail = "levelOfDetail",
    }
}

flex_element! {
    /// `<CashTransaction>`: a dividend, withholding, deposit, withdrawal,
    /// interest, fee...
    CashTransaction = "CashTransaction" {
        account_id = "accountId",
        currency = "currency",
        asset_category = "assetCategory",
        sub_category = "subCategory",
        symbol = "symbol",
        description = "description",
        conid = "conid",
        isin = "isin",
        cusip = "cusip",
        figi = "figi",
        listing_exchange = "listingExchange",
        multiplier = "multiplier",
        kind = "type",
        /// Signed: positive a credit.
        amount = "amount",
        date_time = "dateTime",
        report_date = "reportDate",
        transaction_id = "transactionID",
        action_id = "actionID",
        level_of_detail = "levelOfDetail",
    }
}

flex_element! {
    /// `<CorporateAction>`: one line of a corporate action (a split, a
    /// spin-off, a merger: each security touched is a line).
    CorporateAction = "CorporateAction" {
        account_id = "accountId",
        currency = "currency",
        asset_category = "assetCategory",
        sub_category = "subCategory",
        symbol = "symbol",
        description = "description",
        action_description = "actionDescription",
        conid = "conid",
        isin = "isin",
        cusip = "cusip",
        figi = "figi",
        listing_exchange = "listingExchange",
        multiplier = "multiplier",
        kind = "type",
        date_time = "dateTime",
        report_date = "reportDate",
        /// Signed: units received positive, removed negative.
        quantity = "quantity",
        amount = "amount",
        /// Cash received.
        proceeds = "proceeds",
        value = "value",
        cost_basis = "costBasis",
        code = "code",
        transaction_id = "transactionID",
        action_id = "actionID",
        level_of_detail = "levelOfDetail",
    }
}

flex_element! {
    /// `<Transfer>`: a position or cash moved in or out of the account.
    Transfer = "Transfer" {
        account_id = "accountId",
        currency = "currency",
        asset_category = "assetCategory",
        sub_category = "subCategory",
        symbol = "symbol",
        description = "description",
        conid = "conid",
        isin = "isin",
        cusip = "cusip",
        figi = "figi",
        listing_exchange = "listingExchange",
        multiplier = "multiplier",
        kind = "type",
        direction = "direction",
        date = "date",
        date_time = "dateTime",
        /// The other account.
        account = "account",
        delivering_broker = "deliveringBroker",
        quantity = "quantity",
        transfer_price = "transferPrice",
        position_amount = "positionAmount",
        /// Cash moved, signed.
        cash_transfer = "cashTransfer",
        transaction_id = "transactionID",
        level_of_detail = "levelOfDetail",
    }
}

flex_element! {
    /// `<ConversionRate>`: one `fromCurrency` is `rate` `toCurrency` (the
    /// base currency) on `reportDate`.
    ConversionRate = "ConversionRate" {
        report_date = "reportDate",
        from_currency = "fromCurrency",
        to_currency = "toCurrency",
        rate = "rate",
    }
}

/// Every Flex element read, with the attributes read of it.
pub const READ: &[(&str, &[&str])] = &[
    (Statement::ELEMENT, Statement::ATTRIBUTES),
    (AccountInformation::ELEMENT, AccountInformation::ATTRIBUTES),
    (CashReportCurrency::ELEMENT, CashReportCurrency::ATTRIBUTES),
    (OpenPosition::ELEMENT, OpenPosition::ATTRIBUTES),
    (Trade::ELEMENT, Trade::ATTRIBUTES),
    (CashTransaction::ELEMENT, CashTransaction::ATTRIBUTES),
    (CorporateAction::ELEMENT, CorporateAction::ATTRIBUTES),
    (Transfer::ELEMENT, Transfer::ATTRIBUTES),
    (ConversionRate::ELEMENT, ConversionRate::ATTRIBUTES),
];

#[cfg(test)]
mod tests {
    use quick_xml::events::Event;

    use super::*;

    #[test]
    fn attributes_are_read_by_name_and_unknown_ones_skipped() {
        let xml = r#"<Trade accountId="U1" symbol="AT&amp;T" newAttribute2031="x" quantity="-" conid="" tradeID="7"/>"#;
        let mut reader = quick_xml::Reader::from_str(xml);
        let Ok(Event::Empty(e)) = reader.read_event() else {
            panic!()
        };
        let t = Trade::read(&e, reader.decoder()).unwrap();
        assert_eq!(t.account_id.as_deref(), Some("U1"));
        assert_eq!(t.symbol.as_deref(), Some("AT&T"));
        assert_eq!(t.trade_id.as_deref(), Some("7"));
        assert_eq!(
            (t.quantity, t.conid),
            (None, None),
            "placeholders are absent"
        );
        assert!(Trade::ATTRIBUTES.contains(&"origTransactionID"));
    }
}
