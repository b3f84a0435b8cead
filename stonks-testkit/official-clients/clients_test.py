"""The brokers' own clients against the stonks testkit mocks, unmodified.

Starts `stonks-mock` (the path is the first argument), reads the URLs and
credentials it prints, and drives each mock with the client its broker's
users use: python-bitvavo-api and ccxt for Bitvavo, degiro-connector for
DEGIRO, alpaca-py for Alpaca, ibflex for Interactive Brokers' Flex
statements. Every check asserts the data the mock's account holds. Exits 1
when any check fails, listing each.
"""

import datetime
import decimal
import json
import subprocess
import sys
import traceback

FAILURES = []
PASSED = []


def check(name):
    def wrap(fn):
        try:
            fn()
            PASSED.append(name)
        except Exception:  # every failure is reported, the next check runs
            FAILURES.append((name, traceback.format_exc()))
        return fn

    return wrap


def bitvavo_official(cfg):
    from python_bitvavo_api.bitvavo import Bitvavo

    bv = Bitvavo(
        {
            "APIKEY": cfg["api_key"],
            "APISECRET": cfg["api_secret"],
            "RESTURL": cfg["base_url"],
            "WSURL": "ws://127.0.0.1:9/",
        }
    )

    def ok(answer):
        assert not (isinstance(answer, dict) and "errorCode" in answer), answer
        return answer

    @check("python-bitvavo-api balance")
    def _():
        balances = ok(bv.balance({}))
        eur = next(b for b in balances if b["symbol"] == "EUR")
        # What the account's history leaves in EUR, 250.00 of it held by an order.
        assert (eur["available"], eur["inOrder"]) == ("2841.12", "250.00"), eur
        one = ok(bv.balance({"symbol": "BTC"}))
        assert [b["symbol"] for b in one] == ["BTC"], one

    @check("python-bitvavo-api account history (privateRequest)")
    def _():
        page = ok(bv.privateRequest("/account/history", "?maxItems=100&page=1", {}, "GET"))
        assert len(page["items"]) == 100 and page["totalPages"] == 3, page.keys()
        deposits = ok(bv.privateRequest("/account/history", "?type=deposit", {}, "GET"))
        assert {i["type"] for i in deposits["items"]} == {"deposit"}

    @check("python-bitvavo-api deposit and withdrawal history")
    def _():
        deposits = ok(bv.depositHistory({"symbol": "EUR"}))
        assert len(deposits) == 24 and all(d["symbol"] == "EUR" for d in deposits)
        assert deposits[0]["address"] == "NL91ABNA0417164300" and deposits[0]["paymentId"]
        withdrawals = ok(bv.withdrawalHistory({"limit": 2}))
        assert len(withdrawals) == 2, withdrawals

    @check("python-bitvavo-api assets")
    def _():
        assets = ok(bv.assets({}))
        assert len(assets) == 24
        btc = ok(bv.assets({"symbol": "BTC"}))
        assert btc["name"] == "Bitcoin" and btc["decimals"] == 8, btc

    @check("python-bitvavo-api ticker price")
    def _():
        prices = ok(bv.tickerPrice({}))
        assert any(p["market"] == "BTC-EUR" for p in prices)
        btc = ok(bv.tickerPrice({"market": "BTC-EUR"}))
        assert btc == {"market": "BTC-EUR", "price": "87432.15"}, btc


def bitvavo_ccxt(cfg):
    import ccxt

    root = cfg["base_url"].rsplit("/v2", 1)[0]
    ex = ccxt.bitvavo(
        {
            "apiKey": cfg["api_key"],
            "secret": cfg["api_secret"],
            "urls": {"api": {"public": root, "private": root}},
        }
    )

    @check("ccxt bitvavo fetch_balance")
    def _():
        balance = ex.fetch_balance()
        assert balance["EUR"]["total"] == 3091.12, balance["EUR"]
        assert balance["BTC"]["free"] == 0.00506153, balance["BTC"]

    @check("ccxt bitvavo fetch_ledger")
    def _():
        ledger = ex.fetch_ledger(limit=100)
        assert len(ledger) == 100
        assert {e["type"] for e in ledger} >= {"trade", "transaction"}, {e["type"] for e in ledger}

    @check("ccxt bitvavo fetch_deposits and fetch_withdrawals")
    def _():
        deposits = ex.fetch_deposits("EUR")
        assert len(deposits) == 24 and all(d["status"] == "ok" for d in deposits)
        withdrawals = ex.fetch_withdrawals()
        assert any(w["currency"] == "BTC" and w["txid"] for w in withdrawals), withdrawals

    @check("ccxt bitvavo fetch_my_trades")
    def _():
        trades = ex.fetch_my_trades("BTC/EUR")
        assert trades and all(t["symbol"] == "BTC/EUR" for t in trades)
        assert {t["side"] for t in trades} == {"buy", "sell"}
        assert all(t["fee"]["currency"] == "EUR" and t["fee"]["cost"] > 0 for t in trades)

    @check("ccxt bitvavo fetch_ticker")
    def _():
        ticker = ex.fetch_ticker("BTC/EUR")
        assert ticker["last"] == 87432.15 and ticker["bid"] and ticker["ask"], ticker


def degiro_connector(cfg):
    import degiro_connector.core.constants.urls as urls
    from degiro_connector.trading.api import API
    from degiro_connector.trading.models.account import OverviewRequest, UpdateOption, UpdateRequest
    from degiro_connector.trading.models.credentials import Credentials
    from degiro_connector.trading.models.transaction import HistoryRequest

    # degiro-connector's URLs are constants naming DEGIRO's host: point them
    # at the mock, and change nothing else.
    for name in dir(urls):
        value = getattr(urls, name)
        if isinstance(value, str) and value.startswith("https://trader.degiro.nl"):
            setattr(urls, name, value.replace("https://trader.degiro.nl", cfg["base_url"]))

    api = API(
        credentials=Credentials(
            username=cfg["username"],
            password=cfg["password"],
            totp_secret_key=cfg["totp_secret"],
            int_account=cfg["int_account"],
        )
    )
    account = cfg["int_account"]
    since, until = datetime.date(2023, 1, 1), datetime.date(2025, 12, 31)

    @check("degiro-connector connect with totp_secret_key")
    def _():
        api.connect()

    @check("degiro-connector get_config")
    def _():
        config = api.get_config()
        assert config["tradingUrl"].endswith("/trading/secure/"), config

    @check("degiro-connector get_client_details")
    def _():
        details = api.get_client_details()
        assert details["data"]["intAccount"] == account, details

    @check("degiro-connector get_update")
    def _():
        update = api.get_update(
            request_list=[
                UpdateRequest(option=UpdateOption.PORTFOLIO, last_updated=0),
                UpdateRequest(option=UpdateOption.TOTAL_PORTFOLIO, last_updated=0),
            ],
            raw=True,
        )
        rows = update["portfolio"]["value"]
        assert len(rows) == 37, len(rows)
        assert any(r["id"] == "FLATEX_EUR" for r in rows)

    @check("degiro-connector get_products_info")
    def _():
        info = api.get_products_info(product_list=[331868, 331824], raw=True)
        assert {p["symbol"] for p in info["data"].values()} == {"ASML", "AAPL"}, info
        typed = api.get_products_info(product_list=[331868])
        assert typed is not None and typed.data[331868].name == "ASML Holding NV", typed

    @check("degiro-connector get_transactions_history")
    def _():
        history = api.get_transactions_history(
            transaction_request=HistoryRequest(from_date=since, to_date=until)
        )
        # 47 trades and NVIDIA's split in two rows.
        assert history is not None and len(history.data) == 49, history
        usd = [t for t in history.data if t.auto_fx_fee_in_base_currency]
        assert usd and all(t.total_fees_in_base_currency < t.fee_in_base_currency for t in usd)

    @check("degiro-connector get_account_overview")
    def _():
        overview = api.get_account_overview(
            overview_request=OverviewRequest(from_date=since, to_date=until)
        )
        assert overview is not None, "the answer did not validate"
        movements = overview.cash_movements
        assert len(movements) > 150 and any(m.description == "iDEAL storting" for m in movements)

    @check("degiro-connector get_account_info")
    def _():
        info = api.get_account_info()
        assert info["data"]["baseCurrency"] == "EUR", info


def alpaca_py(cfg):
    import requests
    from alpaca.trading.client import TradingClient
    from alpaca.trading.enums import AccountStatus, AssetClass, AssetExchange, TradeActivityType
    from alpaca.trading.models import NonTradeActivity, TradeActivity

    # alpaca-py joins "/v2" to the override as text: no trailing slash.
    base = cfg["base_url"].rstrip("/")
    client = TradingClient(cfg["key_id"], cfg["secret_key"], paper=True, url_override=base)
    headers = {"APCA-API-KEY-ID": cfg["key_id"], "APCA-API-SECRET-KEY": cfg["secret_key"]}

    @check("alpaca-py get_account")
    def _():
        account = client.get_account()
        assert account.account_number == "PA3MOCK7Q2XZ", account
        assert (account.cash, account.currency) == ("12394.21", "USD"), account
        assert account.status == AccountStatus.ACTIVE, account

    @check("alpaca-py get_all_positions")
    def _():
        positions = client.get_all_positions()
        held = {p.symbol: p.qty for p in positions}
        expected = {"AAPL": "13", "BTCUSD": "0.137125", "MSFT": "3", "NVDA": "20", "VOO": "36"}
        assert held == expected, held
        btc = next(p for p in positions if p.symbol == "BTCUSD")
        assert (btc.asset_class, btc.exchange) == (AssetClass.CRYPTO, AssetExchange.CRYPTO), btc

    @check("alpaca-py TradeActivity / NonTradeActivity on every activity")
    def _():
        # TradingClient has no activities method in 0.44.0: page with its
        # public get() (same headers), as alpaca-py's broker paginator does.
        activities, token = [], None
        while True:
            params = {"direction": "asc", "page_size": 100}
            if token:
                params["page_token"] = token
            page = client.get("/account/activities", params)
            activities.extend(page)
            if len(page) < 100:
                break
            token = page[-1]["id"]
        parsed = [
            TradeActivity(**a) if a["activity_type"] == "FILL" else NonTradeActivity(**a)
            for a in activities
        ]
        assert len(parsed) == 136 and len({p.id for p in parsed}) == 136, len(parsed)
        kinds = {}
        for p in parsed:
            kinds[p.activity_type.value] = kinds.get(p.activity_type.value, 0) + 1
        assert kinds == {
            "FILL": 74, "CSD": 12, "CSW": 1, "DIV": 8, "DIVNRA": 8, "SPLIT": 2, "JNLC": 1,
            "JNLS": 1, "INT": 12, "FEE": 4, "CFEE": 13,
        }, kinds
        partial = [p for p in parsed if isinstance(p, TradeActivity) and p.type == TradeActivityType.PARTIAL_FILL]
        assert [(p.symbol, p.qty, p.cum_qty, p.leaves_qty) for p in partial] == [
            ("VOO", 4.0, 4.0, 6.0), ("VOO", 3.0, 7.0, 3.0)
        ], partial
        assert any(isinstance(p, TradeActivity) and p.symbol == "BTC/USD" for p in parsed)
        deposits = sum(p.net_amount for p in parsed if p.activity_type.value == "CSD")
        assert deposits == 37500.0, deposits

    @check("alpaca-py activities newest first by default (requests)")
    def _():
        answer = requests.get(f"{base}/v2/account/activities", params={"page_size": 5}, headers=headers)
        assert answer.status_code == 200, answer.text
        ids = [a["id"] for a in answer.json()]
        assert ids == sorted(ids, reverse=True) and ids[0].startswith("20211231"), ids
        wrong = requests.get(f"{base}/v2/account", headers={**headers, "APCA-API-SECRET-KEY": "x"})
        assert wrong.status_code == 401 and wrong.json()["code"] == 40110000, wrong.text


def ibflex_checks(cfg):
    import warnings

    from ibflex import Types, client, parser

    # ibflex reads SendRequest's URL from a module attribute when it is
    # called, and GetStatement's from SendRequest's answer: pointing the
    # attribute at the mock changes none of its code.
    client.REQUEST_URL = cfg["base_url"] + "/SendRequest"
    statements = {}
    D = decimal.Decimal

    @check("ibflex client.download: SendRequest, 1019 polled, GetStatement")
    def _():
        for query in cfg["query_ids"]:
            statements[query] = client.download(cfg["token"], query)
        assert all(b"<FlexQueryResponse" in s for s in statements.values()), statements.keys()

    @check("ibflex client errors: 1012 expired token, 1015 invalid token, 1014 unknown query")
    def _():
        for token, query, code in [
            ("100000000000000000000001", cfg["query_ids"][0], "1012"),
            ("999999999999999999999999", cfg["query_ids"][0], "1015"),
            (cfg["token"], "424242", "1014"),
        ]:
            try:
                client.request_statement(token, query)
            except client.ResponseCodeError as e:
                assert e.code == code, (code, e.code, e.msg)
            else:
                raise AssertionError(f"no error for {code}")

    @check("ibflex parser: the mock's statements, no unknown element or attribute")
    def _():
        assert len(statements) == 3, "the download check failed"
        parsed = {}
        for query, data in statements.items():
            with warnings.catch_warnings():
                # ibflex warns (and skips) on what it does not know.
                warnings.simplefilter("error")
                parsed[query] = parser.parse(data)
            accounts = [s.accountId for s in parsed[query].FlexStatements]
            assert accounts == ["U7012345", "U7012346"], accounts
        eur = parsed["1000003"].FlexStatements[0]
        assert eur.AccountInformation.currency == "EUR"
        cash = {c.currency: c.endingCash for c in eur.CashReport}
        assert (cash["EUR"], cash["USD"]) == (D("4779.15"), D("23213.98")), cash
        held = {p.symbol: p.position for p in eur.OpenPositions if p.levelOfDetail == "SUMMARY"}
        assert (held["NVDA"], held["GEHC"], held["MSFT"]) == (D("80"), D("10"), D("45")), held
        # Every transaction of both accounts once across the overlapping
        # statements: 285 rows (the plugin adds the 14 second legs of the
        # currency conversions to make its 299 entries).
        ids = set()
        for statement in (s for p in parsed.values() for s in p.FlexStatements):
            rows = [t for t in statement.Trades if isinstance(t, Types.Trade)]
            rows += list(statement.CashTransactions) + list(statement.CorporateActions)
            rows += list(statement.Transfers)
            ids |= {(statement.accountId, r.transactionID) for r in rows}
        assert len(ids) == 285, len(ids)
        trades = [t for p in parsed.values() for s in p.FlexStatements for t in s.Trades]
        assert any(t.buySell is not None and t.buySell.value == "BUY (Ca.)" for t in trades)
        assert {type(t).__name__ for t in trades} == {"Trade", "Order", "Lot"}
        cash_rows = [c for p in parsed.values() for s in p.FlexStatements for c in s.CashTransactions]
        dividends = {c.actionID for c in cash_rows if c.type.value == "Dividends"}
        taxes = [c for c in cash_rows if c.type.value == "Withholding Tax" and c.actionID]
        assert taxes and all(t.actionID in dividends for t in taxes)


def main():
    mock = subprocess.Popen(
        [sys.argv[1], "bitvavo", "degiro", "alpaca", "ibkr", "--degiro-login", "totp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        cfg = json.loads(mock.stdout.readline())
        bitvavo_official(cfg["bitvavo"])
        bitvavo_ccxt(cfg["bitvavo"])
        degiro_connector(cfg["degiro"])
        alpaca_py(cfg["alpaca"])
        ibflex_checks(cfg["ibkr"])
    finally:
        mock.stdin.close()
        mock.wait(timeout=30)
    for name in PASSED:
        print(f"ok   {name}")
    for name, why in FAILURES:
        print(f"FAIL {name}\n{why}")
    print(f"{len(PASSED)} passed, {len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
