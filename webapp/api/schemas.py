"""What the API's schemas share: unknown names refused, list parameters that repeat or
take commas, objects made of their parent's columns, and reference vocabularies (sectors,
labels, networks) named for the document, which lists their values when it is served."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, pre_load
from marshmallow.validate import Length, Range

from webapp.api.errors import REQUIRED, UNKNOWN_FIELD, UNKNOWN_PARAMETER

VOCABULARY = "x-vocabulary"  # marks a string whose values are a Vocabulary attribute's keys


class ApiSchema(Schema):
    """Input refuses the names it does not declare; ``refusal`` is the message of the 400
    a bad input gets."""

    refusal = "invalid parameters"

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN_FIELD, "type": "expected an object"}

    @pre_load
    def null_is_absent(self, data: Any, **kwargs: Any) -> Any:
        """A field sent as ``null`` is a field not sent: an optional one takes its default,
        a required one is reported missing (what clients of the first API relied on)."""
        if isinstance(data, Mapping):
            return {name: value for name, value in data.items() if value is not None}
        return data


class QuerySchema(ApiSchema):
    error_messages = {"unknown": UNKNOWN_PARAMETER}


class SharedQuerySchema(QuerySchema):
    """Query parameters that a page reads too, with a parser both share (so the API and the
    page never read a parameter two ways). The fields declare the parameters: their names
    (any other is refused), types and limits (for the document, from the parser's own
    constants); ``read`` is the shared parser, which gives the value the view receives and
    the problem of each bad parameter. Both kinds of problems are reported together."""

    def read(self, args: Any) -> tuple[Any, dict[str, str]]:  # pragma: no cover - interface
        raise NotImplementedError

    def load(self, data: Mapping, **kwargs: Any) -> Any:
        args = getattr(data, "data", data)  # webargs' proxy holds the request's MultiDict
        declared = {field.data_key or name for name, field in self.fields.items()}
        problems = {name: [UNKNOWN_PARAMETER] for name in sorted(set(args) - declared)}
        value, bad = self.read(args)
        problems.update({name: [problem] for name, problem in bad.items()})
        if problems:
            raise ValidationError(problems)
        return value


class RepeatedList(fields.List):
    """A list parameter given by repeating it (``kind=EI&kind=ETTI``) or with commas
    (``kind=EI,ETTI``)."""

    is_multiple = True  # webargs: every value of the parameter, not the first

    def _deserialize(self, value: Any, attr, data, **kwargs):
        values = value if isinstance(value, list | tuple) else [value]
        parts = [p.strip() for v in values for p in str(v).split(",") if p.strip()]
        return super()._deserialize(parts, attr, data, **kwargs)


class Text(fields.String):
    """A string, its surrounding blanks dropped; at most ``limit`` characters, if given."""

    def __init__(self, *, limit: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "expected a string"
        if limit is not None:
            self.validators.append(Length(max=limit, error=f"at most {limit} characters"))

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class WholeNumber(fields.Integer):
    """A JSON integer from ``low`` to ``high``: not a string of digits, a float or a
    boolean. Whatever is wrong, one ``message`` (by default, the range expected)."""

    def __init__(
        self, low: int | None = None, high: int | None = None, *, message: str = "", **kwargs
    ):
        message = message or f"expected a whole number from {low} to {high}"
        super().__init__(strict=True, **kwargs)
        self.error_messages.update(invalid=message, too_large=message)
        if low is not None or high is not None:
            self.validators.append(Range(low, high, error=message))

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class Sorted(fields.List):
    """A list written in the order of ``key``."""

    def __init__(self, inner: fields.Field, *, key: Callable[[Any], Any], **kwargs: Any):
        super().__init__(inner, **kwargs)
        self.key = key

    def get_value(self, obj: Any, attr: str, accessor=None, default=missing) -> Any:
        value = super().get_value(obj, attr, accessor, default)
        return value if value is missing or value is None else sorted(value, key=self.key)


class Inline(fields.Nested):
    """An object made of the parent's own attributes (``place_kind``, ``place_code`` as
    ``place: {kind, code}``)."""

    def get_value(self, obj: Any, attr: str, accessor=None, default=None) -> Any:
        return obj


def vocabulary(name: str) -> fields.String:
    """A slug of the reference vocabulary ``name`` (``Vocabulary.sectors``...), whose values
    the served document lists (they live in the database, not in the code)."""
    return fields.String(metadata={VOCABULARY: name})


def required(field: fields.Field) -> fields.Field:
    """``field`` required, saying so in the API's words; a blank text counts as missing."""
    field.required = True
    field.error_messages = {**field.error_messages, "required": REQUIRED}
    if isinstance(field, fields.String):
        field.validators.insert(0, Length(min=1, error=REQUIRED))
    return field
