"""Text normalisation shared by importers, sector suggestion and lookups, and the one
cleaning of text that comes in (requests, imported files)."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# What no text of ours means and some store refuses: NUL (PostgreSQL), the other C0
# control characters (XML, hence XLSX) and DEL, and lone surrogates (no UTF-8 encoding:
# neither database nor file can hold them). Tab, line feed and carriage return are kept
# (multi-line fields); C1 controls too — a Windows-1252 byte read as Latin-1 ("\x96" for
# "–") that ``domain.text_repair`` reads back.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def fold(text: str | None) -> str:
    """Lower-case, strip accents and collapse every non-alphanumeric run to one space.

    ``fold("Saint-Étienne-du-Grès")`` gives ``"saint etienne du gres"``; used wherever two
    spellings of the same French words must compare equal.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", ascii_only.lower()).strip()


def slugify(text: str | None) -> str:
    """URL-safe identifier: ``slugify("Espaces verts & forêt")`` gives ``"espaces-verts-foret"``."""
    return fold(text).replace(" ", "-")


def clean_text(text: str) -> str:
    """``text`` without the control characters and lone surrogates of ``_CONTROL``: the
    one cleaning of incoming text, at the request boundary (``webapp.input_cleaning``)
    and the import boundary (``importers.tabular``, the DECP reader)."""
    return _CONTROL.sub("", text)


def clean_data(value):
    """``value`` with ``clean_text`` applied to every string in it, keys included (a
    decoded JSON document: dicts, lists, strings, numbers; or a query string's pairs)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_data(item) for item in value)
    return value


ECHO_MAX = 40


def echoed(value: str, limit: int = ECHO_MAX) -> str:
    """User input echoed back in an error message ("unknown sector 'xyz'"), never a 10 kB
    of it: the first ``limit`` characters and an ellipsis when clipped."""
    return value if len(value) <= limit else value[:limit] + "…"
