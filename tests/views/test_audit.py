"""The audit trail's page and CSV export: admins only, filters, pages, English and Chinese."""

from __future__ import annotations

import csv
import io

import pytest

from booking.extensions import db
from booking.models import User
from booking.services import api_tokens
from tests.views.test_admin import world  # noqa: F401


def _token(app, user_id: int, name: str = "sync") -> int:
    with app.app_context():
        token, _secret = api_tokens.create_token(db.session.get(User, user_id), name)
        return token.id


def test_members_are_refused(client, auth, world):
    auth.login("li@studio.org")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
    assert "/admin/audit" not in client.get("/").text
    assert client.get("/admin/organisation").status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client):
    assert client.get("/admin/audit").status_code == 302


def test_org_admins_see_their_organisation_and_platform_admins_all(app, client, auth, world):
    _token(app, world["member"], "studio sync")
    _token(app, world["teacher"], "school sync")
    auth.login("admin@studio.org")
    page = client.get("/admin/audit").text
    assert "li@studio.org" in page and "t@school.org" not in page
    assert 'href="/admin/audit"' in client.get("/admin/organisation").text
    auth.logout()
    auth.login("root@chair.org")
    page = client.get("/admin/audit").text
    assert "li@studio.org" in page and "t@school.org" in page


def test_a_failed_sign_in_on_the_page_is_recorded(client, auth, world):
    assert "Wrong e-mail" in auth.login("t@school.org", "wrong-password-here").text
    auth.login("admin@school.org")
    page = client.get("/admin/audit?action=login.failed").text
    assert "Failed sign-in" in page and "t@school.org" in page
    assert "wrong-password-here" not in page


def test_filters_and_pages_work_without_javascript(app, client, auth, world):
    app.config["ITEMS_PER_PAGE"] = 2
    first = _token(app, world["member"], "first")
    for n in range(3):
        _token(app, world["member"], f"more {n}")
    auth.login("admin@studio.org")
    page = client.get(f"/admin/audit?object_type=token&object_id={first}").text
    assert page.count("API token made") == 1 + page.count('<option value="token.created"')
    page = client.get("/admin/audit?person=LI@studio.org").text
    assert "Older" in page and "page=2" in page
    assert "Newer" in client.get("/admin/audit?person=li@studio.org&page=2").text
    assert "No entry matches" in client.get("/admin/audit?person=nobody@x.org").text


def test_bad_filters_are_told_at_their_field_not_a_500(client, auth, world):
    auth.login("admin@studio.org")
    for query in ("object_type=planet", "start=2026-99-01", "object_id=-4", "page=9999999999",
                  "start=2027-01-02&end=2027-01-01", "object_id=3"):
        answer = client.get(f"/admin/audit?{query}")
        assert answer.status_code == 200, query


def test_csv_is_utf8_with_a_bom_and_keeps_the_filters(app, client, auth, world):
    _token(app, world["member"], "同步日历")
    _token(app, world["admin"], "other")
    auth.login("admin@studio.org")
    answer = client.get("/admin/audit.csv?person=li@studio.org")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv" and "attachment" in answer.headers["Content-Disposition"]
    assert answer.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["at", "actor_id", "actor_email", "action"]
    assert [(r[2], r[3]) for r in rows[1:]] == [("li@studio.org", "token.created")]
    assert "同步日历" in rows[1][8]


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit?action=login.failed"])
def test_the_page_speaks_chinese(app, client, auth, world, path):
    _token(app, world["admin"])
    auth.login("admin@studio.org")
    client.post("/language", data={"locale": "zh"})
    page = client.get(path).text
    assert "审计" in page and "Audit trail" not in page
