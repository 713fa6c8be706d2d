"""The audit trail in a real browser without JavaScript: filter, page through, download."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from booking import demo
from booking.extensions import db
from booking.models import User
from booking.services import api_tokens
from tests.browser.pages import expect, new_context, sign_in

pytestmark = pytest.mark.browser


def test_an_admin_filters_pages_and_downloads_without_javascript(browser, browser_app,
                                                                 live_server):
    browser_app.config["ITEMS_PER_PAGE"] = 2
    with browser_app.app_context():
        demo.load()
        teacher = db.session.scalar(sa.select(User).where(User.email == "wang.fang@dmvs.demo"))
        for n in range(3):
            api_tokens.create_token(teacher, f"sync {n}")
    context = new_context(browser, javascript=False, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#email", "wang.fang@dmvs.demo")
        page.fill("#password", "not-the-password")
        page.locator("main button[type=submit]").click()
        sign_in(page, live_server, "admin@neusoft.demo", demo.PASSWORD)
        page.goto(f"{live_server}/admin/organisations")
        page.get_by_role("link", name="Audit trail").click()
        page.select_option("#object_type", "token")
        page.fill("#person", "wang.fang@dmvs.demo")
        page.get_by_role("button", name="Show").click()
        rows = page.locator("main table tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("API token made")
        page.get_by_role("link", name="Older").click()
        expect(rows).to_have_count(1)
        expect(page.locator("main")).to_contain_text("Page 2")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download as CSV").click()
        text = open(download.value.path(), encoding="utf-8-sig").read()
        assert text.count("token.created") == 3 and "login.failed" not in text
        page.select_option("#object_type", "")
        page.select_option("#action", "login.failed")
        page.fill("#person", "")
        page.get_by_role("button", name="Show").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("wrong_password")
    finally:
        context.close()
