"""Text normalisation shared by importers, sector suggestion and lookups, and the one
cleaning of text that comes in (requests, imported files)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# What no text of ours means and some store refuses: NUL (PostgreSQL), the other C0
# control characters (XML, hence XLSX) and DEL, and lone surrogates (no UTF-8 encoding:
# neither database nor file can hold them). Tab, line feed and carriage return are kept
# (multi-line fields); C1 controls too — a Windows-1252 byte read as Latin-1 ("\x96" for
# "–") that ``domain.text_repair`` reads back.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")
# Vertical tab and form feed are line breaks written otherwise (Word and Access export a
# soft line break as "\x0b"): read as one, not deleted, so that two lines stay two words.
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


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
    """``text`` without the control characters and lone surrogates of ``_CONTROL``, its
    vertical tabs and form feeds as line feeds: the one cleaning of incoming text, at the
    request boundary (``webapp.input_cleaning``) and the import boundary
    (``importers.tabular``, the DECP reader)."""
    return _CONTROL.sub("", text).translate(_LINE_BREAKS)


def clean_data(value):
    """``value`` with ``clean_text`` applied to every string in it, keys included (a
    decoded JSON document: dicts, lists, strings, numbers; or a query string's pairs).

    Walked with a stack of its own, not by recursion: a request body nested a few
    thousand deep is cleaned (or refused by the JSON reader), never a ``RecursionError``.
    """
    top: list = []
    # Per container being cleaned: itself, an iterator over its items (a dict's values)
    # and the items cleaned so far; the bottom frame holds ``value`` alone.
    stack: list[tuple[object, Iterator, list]] = [(None, iter((value,)), top)]
    while stack:
        _container, items, cleaned = stack[-1]
        for item in items:
            if isinstance(item, dict | list | tuple):
                inside = item.values() if isinstance(item, dict) else item
                stack.append((item, iter(inside), []))
                break
            cleaned.append(clean_text(item) if isinstance(item, str) else item)
        else:
            container, _, done = stack.pop()
            if stack:
                stack[-1][2].append(_rebuilt(container, done))
    return top[0]


def _rebuilt(container: dict | list | tuple, cleaned: list):
    """``container`` again, holding its ``cleaned`` items (and, a dict, its keys cleaned)."""
    if isinstance(container, dict):
        keys = (clean_text(k) if isinstance(k, str) else k for k in container)
        return dict(zip(keys, cleaned, strict=True))
    return type(container)(cleaned)


ECHO_MAX = 40


def echoed(value: str, limit: int = ECHO_MAX) -> str:
    """User input echoed back in an error message ("unknown sector 'xyz'"), never a 10 kB
    of it: the first ``limit`` characters and an ellipsis when clipped."""
    return value if len(value) <= limit else value[:limit] + "…"
