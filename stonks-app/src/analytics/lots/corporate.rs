//! Corporate actions: splits and consolidations scale lots, spin-offs give
//! part of the parent's cost to new lots, mergers turn old lots into new.

use super::*;

impl Replayer<'_> {
    /// Scales every lot by the split's ratio (or by the units it added,
    /// when it states no ratio); costs stay.
    pub(super) fn split(&mut self, broker: &str, e: &LedgerEntry) {
        let Some(i) = &e.instrument else {
            return self.problem(broker, e, "a split without an instrument: left out");
        };
        let key = self.key(broker, e, i);
        let held = self.held(&key);
        let ratio = e.action.as_ref().and_then(|a| a.ratio).or_else(|| {
            let added = e.quantity?;
            (held > Decimal::ZERO).then(|| Ratio::new(held + added, held))
        });
        let Some(ratio) = ratio.filter(|r| r.new > Decimal::ZERO && r.old > Decimal::ZERO) else {
            return self.problem(
                broker,
                e,
                "a split with no ratio and no units: holdings left as they were",
            );
        };
        let Some(h) = self.holdings.get_mut(&key) else {
            return;
        };
        for lot in h.lots.iter_mut() {
            if let Some(q) = ratio.apply(lot.quantity) {
                lot.quantity = q;
            }
        }
        h.units = h.lots.iter().map(|l| l.quantity).sum();
        self.step(&key, e);
    }

    /// Lots of the received instrument beside the parent's: each parent lot
    /// gives the stated fraction of its cost (none when not stated) to new
    /// lots of the same dates, the units spread pro rata.
    pub(super) fn spin_off(&mut self, broker: &str, e: &LedgerEntry) {
        let action = e.action.as_deref();
        let received = action.and_then(|a| a.new_instrument.clone().zip(a.new_quantity));
        let Some((new, units)) = received.or_else(|| e.instrument.clone().zip(e.quantity)) else {
            return self.problem(
                broker,
                e,
                "a spin-off without the instrument or units received: left out",
            );
        };
        let parent = e
            .instrument
            .as_ref()
            .filter(|p| identity(broker, p) != identity(broker, &new))
            .map(|p| self.key(broker, e, p));
        let fraction = action
            .and_then(|a| a.cost_basis_fraction)
            .unwrap_or(Decimal::ZERO);
        let new_key = self.key(broker, e, &new);
        let currency = self.holding(&new_key, &new, e.amount.currency).currency;
        let parent_lots: Vec<Lot> = parent
            .as_ref()
            .and_then(|p| self.holdings.get(p))
            .map(|h| h.lots.iter().cloned().collect())
            .unwrap_or_default();
        let parent_units: Decimal = parent_lots.iter().map(|l| l.quantity).sum();
        if parent_units <= Decimal::ZERO {
            let cost = e.cost_basis.map(|c| {
                let day = Self::day(e);
                (
                    self.conv(c, currency, day),
                    self.conv(c, self.opts.base, day),
                )
            });
            if cost.is_none() {
                self.problem(broker, e, format!("spin-off of {units} {} with no parent held and no cost basis: taken at zero cost", new.label()));
            }
            let (cost, cost_base) = cost.unwrap_or((Some(Decimal::ZERO), Some(Decimal::ZERO)));
            self.add_lot(
                &new_key,
                Lot {
                    opened: e.timestamp,
                    quantity: units,
                    cost,
                    cost_base,
                },
            );
            return self.step(&new_key, e);
        }
        let given = |c: Option<Decimal>| {
            c.and_then(|c| c.checked_mul(fraction))
                .map(|g| g.round_dp(COST_SCALE))
        };
        let mut new_lots = Vec::new();
        if let Some(p) = parent.as_ref().and_then(|p| self.holdings.get_mut(p)) {
            for lot in p.lots.iter_mut() {
                let moved = (given(lot.cost), given(lot.cost_base));
                lot.cost = lot.cost.zip(moved.0).map(|(c, m)| c - m);
                lot.cost_base = lot.cost_base.zip(moved.1).map(|(c, m)| c - m);
                let quantity = units
                    .checked_mul(lot.quantity)
                    .and_then(|x| x.checked_div(parent_units))
                    .unwrap_or(Decimal::ZERO);
                new_lots.push(Lot {
                    opened: lot.opened,
                    quantity,
                    cost: moved.0,
                    cost_base: moved.1,
                });
            }
            p.recount_basis();
        }
        // The pro-rata units add up to exactly what was received.
        let spread: Decimal = new_lots.iter().map(|l| l.quantity).sum();
        if let Some(last) = new_lots.last_mut() {
            last.quantity += units - spread;
        }
        for lot in new_lots {
            self.add_lot(&new_key, lot);
        }
        if let Some(p) = parent {
            self.step(&p, e);
        }
        self.step(&new_key, e);
    }

    /// A merger: stated terms turn the old lots into lots of the new
    /// instrument; legs (old units out, new units in, the same day) do the
    /// same through the exchanged lots of that day.
    pub(super) fn merger(&mut self, broker: &str, e: &LedgerEntry) {
        let account = e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned());
        let pending = (broker.to_owned(), account, Self::day(e));
        let terms = e
            .action
            .as_deref()
            .and_then(|a| a.new_instrument.clone().zip(a.new_quantity));
        let (old, new, units) = match (&e.instrument, terms, e.quantity) {
            (Some(old), Some((new, units)), _) => (Some(old.clone()), new, units),
            (Some(i), None, Some(q)) if q < Decimal::ZERO => {
                let key = self.key(broker, e, i);
                let lots = self.take(&key, q.abs());
                self.exchanged.entry(pending).or_default().extend(lots);
                return self.step(&key, e);
            }
            (Some(i), None, Some(q)) if q > Decimal::ZERO => (None, i.clone(), q),
            _ => {
                return self.problem(broker, e, "a merger without instrument and units: left out");
            }
        };
        let given_up = match &old {
            Some(old) => {
                let key = self.key(broker, e, old);
                let all = self.held(&key);
                let lots = self.take(&key, all);
                self.step(&key, e);
                lots
            }
            None => self.exchanged.remove(&pending).unwrap_or_default(),
        };
        let new_key = self.key(broker, e, &new);
        self.holding(&new_key, &new, e.amount.currency);
        let old_units: Decimal = given_up.iter().map(|l| l.quantity).sum();
        if old_units <= Decimal::ZERO {
            self.problem(
                broker,
                e,
                format!(
                    "merger into {units} {} with nothing exchanged: cost unknown",
                    new.label()
                ),
            );
            self.add_lot(
                &new_key,
                Lot {
                    opened: e.timestamp,
                    quantity: units,
                    cost: None,
                    cost_base: None,
                },
            );
            return self.step(&new_key, e);
        }
        let mut lots: Vec<Lot> = given_up
            .into_iter()
            .map(|l| Lot {
                quantity: units
                    .checked_mul(l.quantity)
                    .and_then(|x| x.checked_div(old_units))
                    .unwrap_or(Decimal::ZERO),
                ..l
            })
            .collect();
        let spread: Decimal = lots.iter().map(|l| l.quantity).sum();
        if let Some(last) = lots.last_mut() {
            last.quantity += units - spread;
        }
        for lot in lots {
            self.add_lot(&new_key, lot);
        }
        self.step(&new_key, e);
    }
}
