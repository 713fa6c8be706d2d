"""The calendar pages written from calendar_cells' strings: titles stay escaped everywhere."""

from __future__ import annotations

from tests.views.test_calendar import at, lab, next_monday, page_of, people  # noqa: F401


def test_a_title_with_markup_is_escaped_on_the_week_the_day_and_the_timeline(
        client, auth, lab, people, make_booking):  # noqa: F811
    monday = next_monday()
    make_booking(lab, people["teacher"], at(monday, 10), at(monday, 11),
                 title='<script>alert("x")</script> & co')
    auth.login("teacher@school.org")
    for url in (f"/resources/{lab}/calendar?date={monday}",
                f"/resources/{lab}/calendar?view=day&date={monday}",
                f"/calendar?date={monday}", f"/calendar/mine?date={monday}"):
        html = page_of(client.get(url)).html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html, url
        assert "<script>alert" not in html, url
