"""Example Broker, a stonks runtime plugin in Python.

Reads positions, cash and a paged activity ledger from the broker's JSON
API (``GET /v1/positions``, ``GET /v1/activities?cursor=``) with a bearer
token, every request sent through the host (``host.http``). What it answers
is core's v2 shapes: see docs/plugin-protocol.md.
"""

import datetime
import decimal
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import stonks_plugin  # noqa: E402
from stonks_plugin import PluginError  # noqa: E402

KINDS = {"buy": "buy", "sell": "sell", "deposit": "deposit", "dividend": "dividend"}


def get(host, path):
    """The JSON of ``GET path``: an error status is the host's error (auth, rate_limited, ...)."""
    token = host.config.get("token", "")
    answer = host.http("GET", path, {"Authorization": "Bearer " + token, "Accept": "application/json"})
    status = answer["status"]
    endpoint = "GET " + path.split("?")[0]
    if status >= 400:
        kind = "temporary" if status >= 500 else "protocol"
        raise PluginError("%s: status %d" % (endpoint, status), kind, endpoint=endpoint, status=status,
                          excerpt=answer["body"][:200])
    try:
        return json.loads(answer["body"])
    except ValueError as e:
        raise PluginError("%s: the answer is not JSON: %s" % (endpoint, e), "protocol", endpoint=endpoint,
                          status=status, excerpt=answer["body"][:200])


def money(amount, currency):
    return {"amount": str(amount), "currency": currency}


def number(value, field):
    """An exact decimal from the broker's text (never a float)."""
    if value is None:
        return None
    try:
        d = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise ValueError("%s: %r is not a number" % (field, value))
    if not d.is_finite():
        raise ValueError("%s: %r is not a finite number" % (field, value))
    return d


def instrument(symbol, isin, name, currency):
    return {
        "broker_id": symbol,
        "symbol": symbol,
        "isin": isin,
        "name": name or symbol,
        "asset_class": "stock",
        "currency": currency,
        "exchange": None,
    }


def snapshot(params, host):
    body = get(host, "/v1/positions")
    positions, problems = [], []
    for i, p in enumerate(body.get("positions", [])):
        try:
            qty = number(p["qty"], "qty")
            price = number(p.get("price"), "price")
            cur = p["currency"]
            positions.append({
                "instrument": instrument(p["symbol"], p.get("isin"), p.get("name"), cur),
                "quantity": str(qty),
                "price": money(price, cur) if price is not None else None,
                "market_value": money(price * qty, cur) if price is not None else None,
                "cost_basis": None,
                "unrealized_pnl": None,
            })
        except (KeyError, ValueError) as e:
            problems.append({"endpoint": "GET /v1/positions", "item": "positions[%d]" % i,
                             "message": "left out: %s" % e})
    cash = []
    for i, c in enumerate(body.get("cash", [])):
        try:
            cash.append({"amount": money(number(c["amount"], "amount"), c["currency"])})
        except (KeyError, ValueError, TypeError) as e:
            problems.append({"endpoint": "GET /v1/positions", "item": "cash[%d]" % i,
                             "message": "left out: %s" % e})
    return {"as_of": body.get("as_of") or now(), "positions": positions, "cash": cash, "problems": problems}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(a):
    cur = a["currency"]
    kind = KINDS.get(a["type"], None)
    e = {
        "id": a["id"],
        "timestamp": a["time"],
        # A type core does not know is kept by its name ("other" with it).
        "kind": kind or str(a["type"]),
        "instrument": None,
        "quantity": None,
        "price": None,
        "amount": money(number(a["amount"], "amount"), cur),
        "fees": [],
        "description": None,
    }
    if a.get("symbol"):
        e["instrument"] = instrument(a["symbol"], None, a["symbol"], cur)
    if a.get("qty") is not None:
        e["quantity"] = str(number(a["qty"], "qty"))
    if a.get("price") is not None:
        e["price"] = money(number(a["price"], "price"), cur)
    fee = number(a.get("fee"), "fee")
    if fee:
        e["fees"] = [money(fee, cur)]
    return e


def page(params, host):
    cursor = params.get("cursor")
    path = "/v1/activities" + ("?cursor=" + urllib.parse.quote(cursor, safe="") if cursor else "")
    body = get(host, path)
    query = params.get("query") or {}
    items, problems = [], []
    for i, a in enumerate(body.get("items", [])):
        try:
            e = entry(a)
            keep = wanted(e, query)
        except (KeyError, ValueError, TypeError, AttributeError) as err:
            item = a.get("id", i) if isinstance(a, dict) else i
            problems.append({"endpoint": "GET /v1/activities", "item": str(item),
                             "message": "left out: %s" % err})
            continue
        if keep:
            items.append(e)
    return {"items": items, "next": body.get("next"), "problems": problems}


def instant(text):
    """An RFC 3339 time (``Z`` or an offset, any number of fractional digits) as an aware datetime."""
    text = text.replace("Z", "+00:00")
    # Python before 3.11 reads at most six fractional digits; chrono writes nine.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    return datetime.datetime.fromisoformat(text)


def wanted(e, query):
    """Whether ``e`` is in the query's time range and kinds."""
    kinds = query.get("kinds") or []
    if kinds and e["kind"] not in kinds:
        return False
    t = instant(e["timestamp"])
    if query.get("from") and t < instant(query["from"]):
        return False
    if query.get("until") and t >= instant(query["until"]):
        return False
    return True


if __name__ == "__main__":
    stonks_plugin.run({
        "portfolio.snapshot": snapshot,
        "transactions.page": page,
    })
