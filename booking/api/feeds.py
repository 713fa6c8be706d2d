"""Calendar subscriptions: list, make (the URL is shown once) and revoke."""

from __future__ import annotations

from flask import Blueprint, url_for

from booking import links
from booking.api import serialise
from booking.api.auth import api_user
from booking.api.parsing import Reader, json_object, reject_unknown_query
from booking.models import FeedScope
from booking.services import feeds as service

bp = Blueprint("feeds", __name__)


@bp.get("/feeds")
def index():
    """The caller's feeds; their secret URLs cannot be shown again."""
    reject_unknown_query(())
    return {"items": [serialise.feed(f) for f in service.list_feeds(api_user())], "next": None}


@bp.post("/feeds")
def create():
    """A new subscription URL for the caller's bookings, organisation or a resource."""
    reader = Reader(json_object({"scope", "resource_id"}, {"scope"}))
    scope = reader.choice("scope", [s.value for s in FeedScope])
    resource_id = reader.integer("resource_id", nullable=True)
    reader.raise_if_errors()
    feed, token = service.create_feed(api_user(), scope, resource_id)
    url = links.public_url("feeds.feed", token=token)
    location = url_for("api.feeds.index", _external=True)
    return {**serialise.feed(feed), "url": url}, 201, {"Location": location}


@bp.delete("/feeds/<feed_id>")
def revoke(feed_id: int):
    """Revoke a feed: calendars subscribed to it get nothing more."""
    service.revoke_feed(api_user(), feed_id)
    return "", 204
