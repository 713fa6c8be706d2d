"""Blueprints, one per area of the product."""

from booking import api
from booking.views import admin, auth, bookings, calendar, feeds, main, resources

ALL_BLUEPRINTS = (main.bp, auth.bp, resources.bp, bookings.bp, calendar.bp, feeds.bp,
                  admin.bp, api.bp)
