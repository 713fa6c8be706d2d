"""Blueprints, one per area of the product."""

from booking import api
from booking.views import (admin, auth, bookings, calendar, feeds, inbox, main, resources,
                           series, sharing, terms, tokens)

ALL_BLUEPRINTS = (main.bp, auth.bp, resources.bp, bookings.bp, series.bp, calendar.bp, feeds.bp,
                  admin.bp, sharing.bp, terms.bp, tokens.bp, inbox.bp, api.bp)
