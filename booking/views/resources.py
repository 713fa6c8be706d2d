"""Resources pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("resources", __name__)
