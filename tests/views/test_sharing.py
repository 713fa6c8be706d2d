"""The Sharing page: who lent what to whom, seen by admins only, with CSV beside it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from booking.extensions import db
from booking.models import Term
from tests.conftest import PASSWORD

START = datetime(2031, 3, 3, 2, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Shanghai


@pytest.fixture
def world(app, make_org, make_user, make_resource, make_booking):
    owner, school, other = make_org("海滨实训基地"), make_org("Harbour School"), make_org("Other")
    ids = {"platform": make_user("root@chair.org", other, role="platform_admin"),
           "owner_admin": make_user("admin@base.org", owner, role="org_admin"),
           "other_admin": make_user("admin@other.org", other, role="org_admin"),
           "teacher": make_user("t@school.org", school)}
    lab = make_resource(owner, name="Welding bay", capacity=4, windows=[
        (d, "08:00", "18:00") for d in range(5)])
    make_resource(owner, name="Quiet room")
    make_booking(lab, ids["teacher"], START, START + timedelta(hours=3), quantity=2)
    make_booking(lab, ids["teacher"], START + timedelta(days=31), START + timedelta(days=31,
                                                                                  hours=1))
    with app.app_context():
        db.session.add(Term(name="2030–31 spring term", first_day=date(2031, 2, 24),
                            last_day=date(2031, 7, 4)))
        db.session.commit()
    return ids


def sign_in(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD})


def test_the_platform_admin_sees_the_table_charts_and_their_numbers(client, world):
    sign_in(client, "root@chair.org")
    page = client.get("/admin/sharing?from=2031-03-01&to=2031-04-30")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "海滨实训基地" in text and "Harbour School" in text
    assert "4.00" in text and "7.00" in text  # 3 hours × 2 places in March, 1 × 1 in April
    assert "2031-03" in text and "2031-04" in text  # the trend by month
    assert "Welding bay" in text  # busiest resources
    assert 'style="' not in text  # the CSP forbids inline styles


def test_a_term_and_a_month_choose_the_period(client, world):
    sign_in(client, "root@chair.org")
    text = client.get("/admin/sharing?term=1").get_data(as_text=True)
    assert "2031-02-24" in text and "2031-07-04" in text
    text = client.get("/admin/sharing?month=2031-04").get_data(as_text=True)
    assert "2031-04-01" in text and "2031-04-30" in text


@pytest.mark.parametrize("query", ["term=99", "month=2031-13", "from=2031-05-01&to=2031-04-01",
                                   "from=x&to=y", "kind=boat", "term=" + "9" * 30])
def test_wrong_periods_are_said_and_never_a_500(client, world, query):
    sign_in(client, "root@chair.org")
    page = client.get(f"/admin/sharing?{query}")
    assert page.status_code == 200
    assert "was not right" in page.get_data(as_text=True)


def test_org_admins_see_only_their_rows_and_members_are_refused(client, world):
    sign_in(client, "admin@other.org")
    text = client.get("/admin/sharing?from=2031-03-01&to=2031-04-30").get_data(as_text=True)
    assert "Harbour School" not in text
    client.post("/logout")
    sign_in(client, "t@school.org")
    assert client.get("/admin/sharing").status_code == 403
    assert client.get("/admin/sharing.csv").status_code == 403


@pytest.mark.parametrize("language, header", [("en", "Owner"), ("zh", "所有方")])
def test_the_csv_in_either_language(client, world, language, header):
    sign_in(client, "admin@base.org")
    client.post("/language", data={"locale": language})
    answer = client.get("/admin/sharing.csv?from=2031-03-01&to=2031-03-31",
                        headers={"Accept-Language": language})
    assert answer.status_code == 200
    body = answer.data.decode("utf-8")
    assert body.startswith("\ufeff" + header)
    assert "海滨实训基地,Harbour School,1,3.00,6.00" in body
