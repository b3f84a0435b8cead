//! Units that move without a trade: transfers between accounts (lots in
//! transit), rewards, coins deposited, withdrawn or taken as fees, and
//! kinds the contracts do not name.

use super::*;

impl Replayer<'_> {
    /// Units in or out of an account: out-legs wait in transit, in-legs
    /// take the stated basis, else a matching out-leg's lots, else an
    /// unknown cost.
    pub(super) fn transfer(&mut self, broker: &str, e: &LedgerEntry) {
        // Cash between accounts moves no units.
        if let Some((i, q)) = Self::units_of(e) {
            self.units_moved(broker, e, &i, q);
        }
    }

    /// The instrument and signed units an entry moves: its own, else a
    /// coin's when its amount is in one (a coin moved as itself).
    pub(super) fn units_of(e: &LedgerEntry) -> Option<(Instrument, Decimal)> {
        match (&e.instrument, e.quantity.filter(|q| !q.is_zero())) {
            (Some(i), Some(q)) => Some((i.clone(), q)),
            (None, _) if is_asset_currency(e.amount.currency) && !e.amount.amount.is_zero() => {
                Some((coin(e.amount.currency), e.amount.amount))
            }
            _ => None,
        }
    }

    pub(super) fn units_moved(
        &mut self,
        broker: &str,
        e: &LedgerEntry,
        i: &Instrument,
        q: Decimal,
    ) {
        let key = self.key(broker, e, i);
        let currency = self.holding(&key, i, e.amount.currency).currency;
        let id = identity(broker, i);
        if q < Decimal::ZERO {
            let held = self.held(&key);
            if q.abs() > held {
                self.problem(
                    broker,
                    e,
                    format!(
                        "moves out {} {id} but {held} were held: the rest left out",
                        q.abs()
                    ),
                );
            }
            let lots = self.take(&key, q.abs());
            self.in_transit.entry(id).or_default().extend(lots);
            return self.step(&key, e);
        }
        let day = Self::day(e);
        if let Some(basis) = e.cost_basis {
            let cost = self.conv(basis, currency, day);
            let cost_base = self.conv(basis, self.opts.base, day);
            self.add_lot(
                &key,
                Lot {
                    opened: e.timestamp,
                    quantity: q,
                    cost,
                    cost_base,
                },
            );
            return self.step(&key, e);
        }
        let mut left = q;
        let mut carried = Vec::new();
        if let Some(transit) = self.in_transit.get_mut(&id) {
            while left > Decimal::ZERO {
                let Some(lot) = transit.front_mut() else {
                    break;
                };
                let part = lot.split_off(left);
                left -= part.quantity;
                if lot.quantity <= Decimal::ZERO {
                    transit.pop_front();
                }
                carried.push(part);
            }
        }
        for lot in carried {
            self.add_lot(&key, lot);
        }
        if left > Decimal::ZERO {
            self.add_lot(
                &key,
                Lot {
                    opened: e.timestamp,
                    quantity: left,
                    cost: None,
                    cost_base: None,
                },
            );
        }
        self.step(&key, e);
    }

    /// A reward in units: a lot at zero cost (its value is income).
    pub(super) fn reward(&mut self, broker: &str, e: &LedgerEntry) {
        let Some((i, q)) = super::rewarded(e) else {
            return;
        };
        let key = self.key(broker, e, &i);
        self.holding(&key, &i, e.amount.currency);
        self.add_lot(
            &key,
            Lot {
                opened: e.timestamp,
                quantity: q,
                cost: Some(Decimal::ZERO),
                cost_base: Some(Decimal::ZERO),
            },
        );
        self.step(&key, e);
    }

    /// A deposit or withdrawal of a crypto asset itself (units, not cash).
    pub(super) fn coin_moved(&mut self, broker: &str, e: &LedgerEntry) {
        if e.instrument.is_none()
            && is_asset_currency(e.amount.currency)
            && !e.amount.amount.is_zero()
        {
            let signed = if e.kind == LedgerKind::Withdrawal {
                -e.amount.amount.abs()
            } else {
                e.amount.amount.abs()
            };
            self.units_moved(broker, e, &coin(e.amount.currency), signed);
        }
    }

    /// A fee taken in the asset itself (a crypto fee paid in the coin)
    /// leaves with its units, at no proceeds.
    pub(super) fn coin_fee(&mut self, broker: &str, e: &LedgerEntry) {
        if !is_asset_currency(e.amount.currency) || e.amount.amount.is_zero() {
            return;
        }
        let i = e
            .instrument
            .clone()
            .unwrap_or_else(|| coin(e.amount.currency));
        let key = self.key(broker, e, &i);
        self.holding(&key, &i, e.amount.currency);
        let due = e.amount.amount.abs();
        let taken: Decimal = self.take(&key, due).iter().map(|l| l.quantity).sum();
        if taken < due {
            *self.owed.entry(key.clone()).or_default() += due - taken;
        }
        self.step(&key, e);
    }

    /// A kind the contracts do not name, moving units of an instrument
    /// (a corporate action a broker spells its own way) or of a coin (a
    /// crypto broker's type newer than its plugin, paid in the coin): the
    /// units move, with an unknown cost when they come in.
    pub(super) fn other(&mut self, broker: &str, e: &LedgerEntry) {
        if let Some((i, q)) = Self::units_of(e) {
            if q > Decimal::ZERO {
                self.problem(
                    broker,
                    e,
                    format!(
                        "{} brings {q} {} in with no cost basis: cost unknown",
                        e.kind,
                        i.label()
                    ),
                );
            }
            self.units_moved(broker, e, &i, q);
        }
    }
}
