//! The replay's core: holdings made on first use, conversions, lots added
//! and taken in the method's order, buys and sells.

use super::*;

impl Replayer<'_> {
    pub(super) fn problem(&mut self, broker: &str, e: &LedgerEntry, message: impl Into<String>) {
        self.out.problems.push(ReplayProblem {
            broker: broker.to_owned(),
            entry: e.id.clone(),
            message: message.into(),
        });
    }

    pub(super) fn key(&self, broker: &str, e: &LedgerEntry, i: &Instrument) -> HoldingKey {
        match self.opts.scope {
            Scope::Account => HoldingKey {
                broker: broker.to_owned(),
                account: e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned()),
                instrument: identity(broker, i),
            },
            Scope::Pooled => HoldingKey {
                broker: POOLED.to_owned(),
                account: POOLED.to_owned(),
                instrument: identity(broker, i),
            },
        }
    }

    /// The holding of `key`, made on first use. Its costs are in the
    /// instrument's currency, else the entry's; a coin moved as itself
    /// (its amount in the coin) keeps its costs in the base currency.
    pub(super) fn holding(
        &mut self,
        key: &HoldingKey,
        i: &Instrument,
        currency: Currency,
    ) -> &mut Holding {
        let base = self.opts.base;
        if !self.holdings.contains_key(key) {
            let h = Holding {
                key: key.clone(),
                instrument: Arc::new(i.clone()),
                currency: i
                    .currency
                    .unwrap_or(if currency.is_fiat() { currency } else { base }),
                lots: VecDeque::new(),
                units: Decimal::ZERO,
                basis: Default::default(),
                trail: Vec::new(),
            };
            self.holdings.insert(key.clone(), h);
        }
        // `entry` would clone the key on every call of this hot path.
        self.holdings
            .get_mut(key)
            // ok: inserted just above when missing.
            .expect("inserted above when missing")
    }

    pub(super) fn day(e: &LedgerEntry) -> NaiveDate {
        e.timestamp.date_naive()
    }

    /// `m` in `to` on `day`.
    pub(super) fn conv(&self, m: Money, to: Currency, day: NaiveDate) -> Option<Decimal> {
        self.opts
            .rates
            .convert(m.amount, m.currency, to, day, &self.rates_used)
    }

    /// The fees of `e` in `to` on its date, each converted.
    pub(super) fn fees(&self, e: &LedgerEntry, to: Currency) -> Option<Decimal> {
        let day = Self::day(e);
        e.fees
            .iter()
            .map(|f| self.conv(Money::new(f.amount.abs(), f.currency), to, day))
            .sum()
    }

    pub(super) fn entry(&mut self, broker: &str, e: &LedgerEntry) {
        match &e.kind {
            LedgerKind::Buy => self.buy(broker, e),
            LedgerKind::Sell => self.sell(broker, e),
            LedgerKind::Split | LedgerKind::ReverseSplit => self.split(broker, e),
            LedgerKind::SpinOff => self.spin_off(broker, e),
            LedgerKind::Merger => self.merger(broker, e),
            LedgerKind::Transfer => self.transfer(broker, e),
            LedgerKind::StakingReward => self.reward(broker, e),
            LedgerKind::Deposit | LedgerKind::Withdrawal => self.coin_moved(broker, e),
            LedgerKind::Fee => self.coin_fee(broker, e),
            LedgerKind::Other(_) => self.other(broker, e),
            _ => {}
        }
    }

    /// Records the holding's quantity after `e`.
    pub(super) fn step(&mut self, key: &HoldingKey, e: &LedgerEntry) {
        if let Some(h) = self.holdings.get_mut(key) {
            let quantity = h.quantity();
            let cost_base = h.cost_base();
            h.trail.push(Step {
                entry: self.current,
                at: e.timestamp,
                quantity,
                cost_base,
            });
        }
    }

    /// Adds `lot` to the holding: merged into the pool under the average
    /// method, appended otherwise.
    pub(super) fn add_lot(&mut self, key: &HoldingKey, mut lot: Lot) {
        if let Some(owed) = self.owed.get_mut(key) {
            let paid = (*owed).min(lot.quantity);
            lot.quantity -= paid;
            *owed -= paid;
            if owed.is_zero() {
                self.owed.remove(key);
            }
        }
        let average = self.opts.method == Method::Average;
        let Some(h) = self.holdings.get_mut(key) else {
            return;
        };
        h.units += lot.quantity;
        match (average, h.lots.front_mut()) {
            (true, Some(pool)) => {
                h.basis.remove(pool.cost_base);
                pool.quantity += lot.quantity;
                pool.cost = pool.cost.zip(lot.cost).map(|(a, b)| a + b);
                pool.cost_base = pool.cost_base.zip(lot.cost_base).map(|(a, b)| a + b);
                pool.opened = pool.opened.min(lot.opened);
                h.basis.add(pool.cost_base);
            }
            _ => {
                h.basis.add(lot.cost_base);
                h.lots.push_back(lot);
            }
        }
    }

    /// Takes up to `quantity` units out of the holding, in the method's
    /// order; returns the lots taken (fewer units when fewer were held).
    pub(super) fn take(&mut self, key: &HoldingKey, quantity: Decimal) -> Vec<Lot> {
        let lifo = self.opts.method == Method::Lifo;
        let Some(h) = self.holdings.get_mut(key) else {
            return Vec::new();
        };
        let mut left = quantity;
        let mut taken = Vec::new();
        while left > Decimal::ZERO {
            let lot = if lifo {
                h.lots.back_mut()
            } else {
                h.lots.front_mut()
            };
            let Some(lot) = lot else { break };
            let part = lot.split_off(left);
            left -= part.quantity;
            h.units -= part.quantity;
            let emptied = lot.quantity <= Decimal::ZERO;
            // A lot of unknown cost stays unknown until it is gone.
            if emptied || part.cost_base.is_some() {
                h.basis.remove(part.cost_base);
            }
            if emptied {
                if lifo {
                    h.lots.pop_back();
                } else {
                    h.lots.pop_front();
                }
            }
            taken.push(part);
        }
        taken
    }

    pub(super) fn held(&self, key: &HoldingKey) -> Decimal {
        self.holdings
            .get(key)
            .map_or(Decimal::ZERO, Holding::quantity)
    }

    pub(super) fn buy(&mut self, broker: &str, e: &LedgerEntry) {
        let (Some(i), Some(q)) = (&e.instrument, e.quantity.filter(|q| *q > Decimal::ZERO)) else {
            return self.problem(
                broker,
                e,
                "a buy without an instrument or a positive quantity: left out of holdings",
            );
        };
        let key = self.key(broker, e, i);
        let currency = self.holding(&key, i, e.amount.currency).currency;
        let day = Self::day(e);
        let gross = Money::new(e.amount.amount.abs(), e.amount.currency);
        let cost = self
            .conv(gross, currency, day)
            .zip(self.fees(e, currency))
            .map(|(a, f)| a + f);
        let base = self.opts.base;
        let cost_base = self
            .conv(gross, base, day)
            .zip(self.fees(e, base))
            .map(|(a, f)| a + f);
        self.add_lot(
            &key,
            Lot {
                opened: e.timestamp,
                quantity: q,
                cost,
                cost_base,
            },
        );
        self.step(&key, e);
    }

    pub(super) fn sell(&mut self, broker: &str, e: &LedgerEntry) {
        let (Some(i), Some(q)) = (
            &e.instrument,
            e.quantity.map(|q| q.abs()).filter(|q| !q.is_zero()),
        ) else {
            return self.problem(
                broker,
                e,
                "a sell without an instrument or a quantity: left out of holdings",
            );
        };
        let key = self.key(broker, e, i);
        let (currency, instrument) = {
            let h = self.holding(&key, i, e.amount.currency);
            (h.currency, h.instrument.clone())
        };
        let held = self.held(&key);
        let sold = q.min(held);
        if q > held {
            self.problem(
                broker,
                e,
                format!(
                    "sells {q} {} but {held} were held: {sold} realized, the rest left out (is the history incomplete?)",
                    i.label()
                ),
            );
        }
        if sold <= Decimal::ZERO {
            return self.step(&key, e);
        }
        let day = Self::day(e);
        let gross = Money::new(e.amount.amount.abs(), e.amount.currency);
        let share = |v: Decimal| -> Option<Decimal> {
            if sold == q {
                Some(v)
            } else {
                v.checked_mul(sold)?.checked_div(q)
            }
        };
        let proceeds = self
            .conv(gross, currency, day)
            .zip(self.fees(e, currency))
            .and_then(|(a, f)| share(a - f));
        let base = self.opts.base;
        let proceeds_base = self
            .conv(gross, base, day)
            .zip(self.fees(e, base))
            .and_then(|(a, f)| share(a - f));
        let lots = self
            .take(&key, sold)
            .into_iter()
            .map(|l| Consumed {
                bought_at: l.opened,
                quantity: l.quantity,
                cost: l.cost,
                cost_base: l.cost_base,
            })
            .collect();
        self.out.sales.push(Sale {
            key: key.clone(),
            broker: broker.to_owned(),
            account: e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned()),
            instrument,
            entry: e.id.clone(),
            sold_at: e.timestamp,
            quantity: sold,
            currency,
            proceeds,
            proceeds_base,
            lots,
        });
        self.step(&key, e);
    }
}
