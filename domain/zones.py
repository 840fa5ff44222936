"""Intervention zones: what an importer may infer from public data, and how it says so."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.text import fold

NATIONAL = "national"
DIVISIONS = "divisions"
RADIUS = "radius"

# Derivation codes, stored on derived zones so the interface can explain them in any language.
ADDRESS_DEPARTEMENT = "address_departement"
DESCRIPTION_NATIONAL = "description_national"

# Phrases that, in a structure's own description, claim a nationwide activity. Matched on
# folded text with word boundaries, so "international" or "Fédération nationale" do not count.
# Each one names France: "le territoire" alone is the local area in social-work French ("les
# personnes du territoire", "sur tout le territoire de la Communauté de communes..."), so a
# territory counts only when qualified as national, French or metropolitan.
_NATIONAL_PHRASES = (
    "toute la france",
    "france entiere",
    "partout en france",
    "territoire national",
    "territoire francais",
    "territoire metropolitain",
    "niveau national",
    "echelle nationale",
)
_NATIONAL_PATTERN = re.compile(r"\b(" + "|".join(_NATIONAL_PHRASES) + r")\b")


@dataclass(frozen=True)
class ZoneSpec:
    """A zone as plain data: ``divisions`` holds (division_type, code) pairs."""

    kind: str
    divisions: tuple[tuple[str, str], ...] = ()
    radius_km: int | None = None
    derived: bool = False
    derivation: str | None = None


def derive_zone(description: str | None, departement_code: str | None) -> ZoneSpec | None:
    """The zone public data suggests: national when the description claims it, else the
    département of the registered address. ``None`` when neither is known."""
    match = _NATIONAL_PATTERN.search(fold(description))
    if match:
        return ZoneSpec(
            NATIONAL,
            derived=True,
            derivation=f"{DESCRIPTION_NATIONAL}:{match.group(1)}",
        )
    if departement_code:
        return ZoneSpec(
            DIVISIONS,
            divisions=(("departement", departement_code),),
            derived=True,
            derivation=ADDRESS_DEPARTEMENT,
        )
    return None
