"""The API's one error format, ``{"error": "...", "fields": {"name": "problem"}}``: the
API's own refusals, HTTP errors, and the schemas' validation errors all come out in it.

A ``Refusal`` names one way a route can say no (its status and message): the view raises
it, and the route documents it (``ApiBlueprint.refuses``), so the document and the
answer say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from domain.text import echoed
from webapp.extensions import db
from webapp.request_log import request_id

MAX_REPORTED_UNKNOWN = 10  # unknown names reported at most: a request may send thousands
UNKNOWN_PARAMETER = "unknown parameter"
UNKNOWN_FIELD = "unknown field"
REQUIRED = "required"


class ApiError(Exception):
    """Stop the request with this status, message and, per field, what is wrong."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields


@dataclass(frozen=True)
class Refusal:
    """One way a route refuses: ``raise NOT_FOUND()`` in the view, ``refuses(NOT_FOUND)``
    in its declaration."""

    status: int
    message: str

    def __call__(self, fields: dict[str, str] | None = None) -> ApiError:
        return ApiError(self.status, self.message, fields)


class ErrorSchema(Schema):
    """Every error the API answers."""

    error = fields.String(required=True, metadata={"description": "What went wrong."})
    problems = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        data_key="fields",
        metadata={
            "description": "What is wrong with each parameter or field (lots[0].title for "
            "a field of the first lot)."
        },
    )


def error_response(status: int, message: str, fields: dict[str, str] | None = None):
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    if status >= 500:
        body["request_id"] = request_id()  # what a caller quotes when reporting it
    return jsonify(body), status


def http_error(error: HTTPException):
    """A Werkzeug HTTP error (a 404 of URL matching, a 405...) in the API's format."""
    response, status = error_response(error.code or 500, error.description or error.name)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def register_handlers(blueprint: Blueprint) -> None:
    """Answer every failure of the blueprint's views in the API's format."""

    @blueprint.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error.status, error.message, error.fields)

    blueprint.register_error_handler(HTTPException, http_error)

    @blueprint.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return error_response(500, "internal server error")


def field_problems(messages: Mapping | list | str) -> tuple[list[str], dict[str, str]]:
    """Marshmallow's nested messages as (problems of the whole input, one line per field):
    ``{"lots": {0: {"title": ["required"]}}}`` gives ``{"lots[0].title": "required"}``.
    Unknown names are clipped (``domain.text.echoed``) and at most ``MAX_REPORTED_UNKNOWN``
    of them reported, the first in sorted order (the same ones on every run, whatever the
    order marshmallow collected them in)."""
    whole: list[str] = []
    flat: dict[str, str] = {}
    unknown = 0

    def walk(node: Any, path: str) -> None:
        nonlocal unknown
        if isinstance(node, Mapping):
            for key, value in sorted(node.items(), key=_by_name):
                if key == "_schema":
                    walk(value, path)
                elif isinstance(key, int):
                    walk(value, f"{path}[{key}]")
                else:
                    name = echoed(str(key))
                    walk(value, f"{path}.{name}" if path else name)
            return
        texts = [node] if isinstance(node, str) else [str(n) for n in node]
        if not path:
            whole.extend(texts)
            return
        if texts and texts[0] in (UNKNOWN_FIELD, UNKNOWN_PARAMETER):
            unknown += 1
            if unknown > MAX_REPORTED_UNKNOWN:
                return
        flat[path] = " ".join(texts)

    walk(messages, "")
    return whole, flat


def _by_name(item: tuple[Any, Any]) -> tuple[bool, Any]:
    """List indexes (ints) in numeric order, then names (strings) in alphabetical order."""
    key = item[0]
    return (not isinstance(key, int), key if isinstance(key, int) else str(key))
