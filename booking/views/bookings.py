"""Bookings pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bookings", __name__)
