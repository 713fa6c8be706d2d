"""GET /api/v1/statistics/sharing: the owner × borrower table as JSON or CSV, by role."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from booking.extensions import db
from booking.models import User
from booking.services.api_tokens import create_token

START = datetime(2031, 3, 3, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai


@pytest.fixture
def ledger_world(app, make_org, make_user, make_resource, make_booking):
    owner, school, other = make_org("上海实训基地"), make_org("School"), make_org("Other")
    people = {"platform": make_user("p@example.org", other, role="platform_admin"),
              "owner_admin": make_user("oa@example.org", owner, role="org_admin"),
              "school_admin": make_user("sa@example.org", school, role="org_admin"),
              "other_admin": make_user("xa@example.org", other, role="org_admin"),
              "teacher": make_user("t@example.org", school),
              "owner_member": make_user("om@example.org", owner)}
    lab = make_resource(owner, capacity=10, kind="practice_base")
    room = make_resource(school, kind="facility")
    make_booking(lab, people["teacher"], START, START + timedelta(hours=2), quantity=5)
    make_booking(lab, people["owner_member"], START, START + timedelta(hours=1))
    make_booking(lab, people["teacher"], START, START + timedelta(hours=3), status="pending")
    make_booking(room, people["owner_member"], START, START + timedelta(minutes=90))
    tokens = {}
    with app.app_context():
        for key, user_id in people.items():
            tokens[key] = create_token(db.session.get(User, user_id))[1]
    return {"tokens": tokens, "orgs": (owner, school, other)}


def get(client, token, **query):
    query.setdefault("from", "2031-03-01")
    query.setdefault("to", "2031-03-31")
    return client.get("/api/v1/statistics/sharing", query_string=query,
                      headers={"Authorization": f"Bearer {token}"})


def test_the_platform_admin_sees_every_row(client, ledger_world):
    owner, school, _ = ledger_world["orgs"]
    answer = get(client, ledger_world["tokens"]["platform"])
    assert answer.status_code == 200
    items = {(i["owner"]["id"], i["borrower"]["id"]): i for i in answer.json["items"]}
    assert items[(owner, school)] == {"owner": {"id": owner, "name": "上海实训基地"},
                                      "borrower": {"id": school, "name": "School"},
                                      "bookings": 1, "hours": 2.0, "place_hours": 10.0}
    assert items[(owner, owner)]["hours"] == 1.0  # own use: its own row
    assert items[(school, owner)]["hours"] == 1.5
    assert len(items) == 3  # the pending request counts nowhere
    kind = get(client, ledger_world["tokens"]["platform"], kind="facility").json["items"]
    assert [(i["owner"]["id"], i["borrower"]["id"]) for i in kind] == [(school, owner)]


def test_org_admins_see_only_rows_naming_their_organisation(client, ledger_world):
    owner, school, _ = ledger_world["orgs"]
    school_rows = get(client, ledger_world["tokens"]["school_admin"]).json["items"]
    assert {(i["owner"]["id"], i["borrower"]["id"]) for i in school_rows} == {
        (owner, school), (school, owner)}
    assert get(client, ledger_world["tokens"]["other_admin"]).json["items"] == []


@pytest.mark.parametrize("who", ["teacher", "owner_member"])
def test_members_are_refused(client, ledger_world, who):
    assert get(client, ledger_world["tokens"][who]).status_code == 403
    assert get(client, ledger_world["tokens"][who], format="csv").status_code == 403


@pytest.mark.parametrize("query, field", [
    ({"from": "2031-02-30"}, "from"), ({"to": "2031-02-01"}, "to"), ({"kind": "boat"}, "kind"),
    ({"format": "xls"}, "format"), ({"to": "2045-01-01"}, "to"), ({"colour": "red"}, "colour")])
def test_bad_queries_are_a_422_naming_the_field(client, ledger_world, query, field):
    answer = get(client, ledger_world["tokens"]["platform"], **query)
    assert answer.status_code == 422
    assert field in answer.json["fields"]


def test_a_missing_date_is_a_422(client, ledger_world):
    answer = client.get("/api/v1/statistics/sharing?from=2031-03-01",
                        headers={"Authorization": f"Bearer {ledger_world['tokens']['platform']}"})
    assert answer.status_code == 422 and "to" in answer.json["fields"]


@pytest.mark.parametrize("locale, header", [("en", "Owner"), ("zh", "所有方")])
def test_csv_opens_in_excel_and_wps_in_either_language(client, ledger_world, locale, header):
    """Its headings in the language of Accept-Language, as every API message."""
    answer = client.get("/api/v1/statistics/sharing",
                        query_string={"from": "2031-03-01", "to": "2031-03-31", "format": "csv"},
                        headers={"Authorization": f"Bearer {ledger_world['tokens']['platform']}",
                                 "Accept-Language": locale})
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/csv")
    assert answer.data.startswith("\ufeff".encode())  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][0] == header
    assert ["上海实训基地", "School", "1", "2.00", "10.00"] in rows


def test_a_term_instead_of_dates(app, client, ledger_world):
    from datetime import date
    from booking.models import Term
    with app.app_context():
        db.session.add(Term(name="Spring", first_day=date(2031, 2, 24), last_day=date(2031, 7, 4)))
        db.session.commit()
    headers = {"Authorization": f"Bearer {ledger_world['tokens']['platform']}"}
    answer = client.get("/api/v1/statistics/sharing?term_id=1", headers=headers)
    assert answer.status_code == 200 and answer.json["from"] == "2031-02-24"
    assert len(answer.json["items"]) == 3
    for query in ("term_id=2", "term_id=1&from=2031-03-01", "term_id=x"):
        wrong = client.get(f"/api/v1/statistics/sharing?{query}", headers=headers)
        assert wrong.status_code == 422 and "term_id" in wrong.json["fields"]
