"""The events blueprint: public pages, the organiser's and the participants' spaces."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("events", __name__, url_prefix="/evenements")
