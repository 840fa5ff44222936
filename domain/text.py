"""Text normalisation shared by importers, sector suggestion and lookups."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


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
