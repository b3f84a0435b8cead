"""The sandbox report in headless Chromium: what a person would see.

usage: check_report.py REPORT.html REPORT-de.html PORTFOLIO.json ARTIFACTS_DIR

Checks, for the page opened from a file:// URL: no console error and no
uncaught exception; no request other than the page itself; the headline
total equals `stonks portfolio --format json`'s total; every chart is an
SVG of non-zero size whose every mark has a non-zero box; the page fits a
390 px wide phone without sideways scrolling; dark mode changes the
colours; the German page formats numbers the German way; the holdings
table sorts. Writes screenshots at 1280 and 390 px to ARTIFACTS_DIR.
"""

import json
import pathlib
import re
import sys
from decimal import Decimal

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def open_page(browser, path, width, scheme="light"):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=scheme,
        device_scale_factor=1,
    )
    page = context.new_page()
    seen = {"console": [], "errors": [], "requests": []}
    page.on(
        "console",
        lambda m: seen["console"].append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    url = pathlib.Path(path).resolve().as_uri()
    page.goto(url, wait_until="load")
    page.wait_for_timeout(200)
    return context, page, seen, url


def main():
    report, report_de, portfolio_json, artifacts = sys.argv[1:5]
    artifacts = pathlib.Path(artifacts)
    portfolio = json.loads(pathlib.Path(portfolio_json).read_text())
    expected_total = Decimal(str(portfolio["totals"]["total_base"]))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)

        context, page, seen, url = open_page(browser, report, 1280)
        check(seen["console"] == [], f"no console errors: {seen['console']}")
        check(seen["errors"] == [], f"no uncaught exceptions: {seen['errors']}")
        others = [r for r in seen["requests"] if r != url]
        check(others == [], f"no request leaves the page: {others}")

        headline = page.locator("#headline-total")
        shown_total = Decimal(headline.get_attribute("data-amount"))
        check(
            shown_total == expected_total,
            f"headline total {shown_total} == portfolio JSON total {expected_total}",
        )
        text = headline.inner_text()
        check(
            re.fullmatch(r"€[\d,]+\.\d\d", text) is not None,
            f"headline formatted for en: {text!r}",
        )

        charts = page.evaluate(
            """() => Array.from(document.querySelectorAll('svg')).map(svg => {
                 const box = svg.getBoundingClientRect();
                 const marks = Array.from(svg.querySelectorAll('circle, rect, path, polyline'));
                 const empty = marks.filter(m => {
                   const b = m.getBBox();
                   return !(b.width > 0 || b.height > 0);
                 }).length;
                 return {id: svg.closest('figure').id, w: box.width, h: box.height,
                         marks: marks.length, empty: empty};
               })"""
        )
        ids = sorted(c["id"] for c in charts)
        check(
            ids == sorted(["by-asset-class", "by-broker", "by-currency", "value-chart", "returns-chart", "dividend-chart"]),
            f"every chart is drawn: {ids}",
        )
        for c in charts:
            check(
                c["w"] > 0 and c["h"] > 0 and c["marks"] > 0 and c["empty"] == 0,
                f"chart {c['id']}: {c['w']:.0f}x{c['h']:.0f}, {c['marks']} marks, {c['empty']} without size",
            )
        # With price history the line has a point a day; before, a dot a sync.
        line = page.locator("#value-chart polyline.value")
        days = len((line.get_attribute("points") or "").split()) if line.count() else 0
        dots = page.locator("#value-chart circle.point").count()
        check(max(days, dots) >= 2, f"value over time has its points: {days} on the line, {dots} dots")
        check(days > 365, f"value over time is daily from the price history: {days} points")

        # Returns: the user's line and the benchmark's, a row a year.
        own = page.locator("#returns-chart path.value").get_attribute("d") or ""
        bench = page.locator("#returns-chart path.benchmark")
        check(own.count("L") > 365, f"the time-weighted line is daily: {own.count('L')} segments")
        check(bench.count() == 1 and (bench.get_attribute("d") or "").count("L") > 365,
              "the benchmark's line is drawn beside it")
        years = page.locator("#returns-table tbody tr").count()
        check(years >= 2, f"the returns table has a row a year: {years}")
        summary = page.locator("#returns-summary").inner_text()
        check("Since" in summary and "Worst fall" in summary, f"the returns summary: {summary[:160]}")

        rows = page.locator("#holdings-table tbody tr").count()
        check(rows > 0, f"holdings table has rows: {rows}")
        page.locator("#holdings-table th", has_text="Value").click()
        keys = page.evaluate(
            """() => Array.from(document.querySelectorAll('#holdings-table tbody tr'))
                 .map(r => r.cells[6].getAttribute('data-key'))
                 .filter(k => k !== null).map(Number)"""
        )
        check(keys == sorted(keys), "holdings sort by value, ascending on first click")
        page.screenshot(path=str(artifacts / "report-1280.png"), full_page=True)
        # The first screen, as the README shows it.
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / "report-1280-top.png"))
        light = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        context.close()

        context, page, seen, _ = open_page(browser, report, 390)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        check(overflow <= 0, f"fits 390 px without sideways scrolling (overflow {overflow} px)")
        check(seen["console"] == [] and seen["errors"] == [], "no errors at 390 px")
        page.screenshot(path=str(artifacts / "report-390.png"), full_page=True)
        context.close()

        context, page, _, _ = open_page(browser, report, 1280, scheme="dark")
        dark = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        check(dark != light, f"dark mode by the system's preference: {light} -> {dark}")
        page.screenshot(path=str(artifacts / "report-1280-dark.png"), full_page=True)
        context.close()

        context, page, seen, _ = open_page(browser, report_de, 1280)
        text = page.locator("#headline-total").inner_text()
        check(
            re.fullmatch(r"[\d.]+,\d\d\s€", text) is not None,
            f"headline formatted for de: {text!r}",
        )
        check(seen["console"] == [] and seen["errors"] == [], "no errors in the de page")
        context.close()
        browser.close()

    if failures:
        print(f"{len(failures)} browser checks failed")
        sys.exit(1)
    print("all browser checks passed")


main()
