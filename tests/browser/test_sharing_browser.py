"""The Sharing page in a real Chromium: the chair reads who lent what, with and without
JavaScript, under the strict Content-Security-Policy, and downloads the CSV."""

from __future__ import annotations

import pytest

from booking import demo
from tests.browser.pages import axe_violations, expect, new_context, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(browser_app, live_server):
    with browser_app.app_context():
        demo.load()
    return live_server


@pytest.mark.parametrize("javascript", [True, False])
def test_the_chair_reads_the_ledger_for_the_term(browser, demo_server, javascript):
    context = new_context(browser, javascript=javascript)
    page = context.new_page()
    blocked = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    try:
        sign_in(page, demo_server, "admin@neusoft.demo", demo.PASSWORD)
        page.get_by_role("link", name="Sharing").click()
        page.get_by_label("Term").select_option(label=page.locator("#term option").nth(1)
                                                .inner_text())
        page.get_by_role("button", name="Show").click()
        matrix = page.get_by_role("table", name="Hours booked, owner by borrower")
        expect(matrix).to_contain_text("Haibin Animation Studio")
        expect(matrix).to_contain_text("Dalian Digital Media Vocational School")
        expect(matrix.locator("td.heat-5")).not_to_have_count(0)  # the darkest cell
        expect(page.locator(".bar.is-month").first).to_be_visible()
        expect(page.get_by_role("heading", name="Busiest resources")).to_be_visible()
        if javascript:
            assert axe_violations(page) == []
        with page.expect_download() as download:
            page.get_by_role("link", name="Download as CSV (Excel, WPS)").click()
        body = open(download.value.path(), "rb").read()
        assert body.startswith("\ufeffOwner,Borrower".encode())
        assert "Dalian Digital Media Vocational School".encode() in body
    finally:
        context.close()
    assert blocked == []
