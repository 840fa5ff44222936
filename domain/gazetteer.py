"""French communes in memory: look one up by INSEE code, or resolve a postal address to it.

Pure Python (no Flask, no database): it reads the files that ``scripts/derive_data.py``
writes to ``data/reference`` and is shared by every importer, so "which commune is this
row in?" gets the same answer whatever the source file.

Addresses in the wild are messy: upper-case names, "ST"/"STE" abbreviations, "CEDEX"
suffixes and CEDEX postal codes (which belong to no commune), names of communes that have
since merged, Paris/Lyon/Marseille arrondissements. ``resolve`` tolerates all of these but
never guesses across départements: when nothing is consistent it returns no commune and
says why.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from domain.geo import haversine_km
from domain.text import fold

DEFAULT_REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

# When the name does not identify the commune, coordinates may choose among the postal
# code's communes; beyond this distance from them the coordinates (or the postal code)
# are wrong and choosing would be a guess.
MAX_NEAREST_KM = 30.0

# Until 2007 Saint-Barthélemy and Saint-Martin were communes of Guadeloupe, and lists
# such as the ASP's still file them under 971.
_FORMER_DEPARTEMENTS = {"977": "971", "978": "971"}

# Address abbreviations, expanded to the words of the official names.
_WORD_REWRITES = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# "CEDEX", "CEDEX 9", "Cedex 01" and whatever follows: postal routing, not a place.
_CEDEX = re.compile(r"\bcedex\b.*$")
# "Paris 11e", "Lyon 3eme", "Marseille 1er arrondissement", "Paris 11": the commune is Paris.
_ARRONDISSEMENT = re.compile(r"\s+\d{1,2}\s*(?:e|er|eme|ieme|em)?(?:\s+arr(?:ondissement)?)?$")
# Old INSEE style "HAVRE (LE)": the article comes first in today's names.
_TRAILING_ARTICLE = re.compile(r"^(?P<name>.*?)\s*\((?P<article>l'|l’|le|la|les)\)\s*$", re.I)

Point = tuple[float, float]


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postal_codes: tuple[str, ...]
    departement: str
    region: str
    epci_siren: str | None
    population: int | None
    latitude: float
    longitude: float
    # How the position was obtained: commune, postal_code, epci or departement (see
    # data/SOURCES.md); anything but "commune" is an approximation to show as such.
    position_precision: str


@dataclass(frozen=True)
class Resolution:
    """The outcome of ``Gazetteer.resolve``: a commune and how it was found, or why not."""

    commune: Commune | None
    method: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.commune is not None


# ------------------------------------------------------------------------------ names


def normalise_name(text: str | None) -> str:
    """Folded words of a commune name as written in an address, abbreviations expanded
    and CEDEX dropped: ``"ST ETIENNE CEDEX 2"`` gives ``"saint etienne"``."""
    raw = (text or "").strip()
    article = _TRAILING_ARTICLE.match(raw)
    if article:
        raw = f"{article['article']} {article['name']}"
    folded = _CEDEX.sub("", fold(raw)).strip()
    return " ".join(_WORD_REWRITES.get(word, word) for word in folded.split())


def name_variants(text: str | None) -> tuple[str, ...]:
    """The normalised name, then the same without an arrondissement number (Paris 11e)."""
    full = normalise_name(text)
    variants = [full]
    without_arrondissement = _ARRONDISSEMENT.sub("", full)
    if without_arrondissement and without_arrondissement != full:
        variants.append(without_arrondissement)
    return tuple(variant for variant in variants if variant)


def compact(name: str) -> str:
    """Equality key: without spaces, "LISLE D ABEAU" equals "L'Isle-d'Abeau"."""
    return name.replace(" ", "")


def is_word_prefix(short: str, long: str) -> bool:
    return long.startswith(short) and (len(long) == len(short) or long[len(short)] == " ")


def departements_for_postal_prefix(post_code: str) -> tuple[str, ...]:
    """Départements a postal code unknown to the gazetteer (e.g. CEDEX) may belong to."""
    if post_code.startswith("20"):
        return ("2A", "2B")  # Corsica's postal codes all start with 20
    if post_code.startswith(("97", "98")):
        return (post_code[:3],)
    return (post_code[:2],)


def normalise_departement(code: str | None) -> str | None:
    """ "1" -> "01", "2a" -> "2A": the forms in which spreadsheets give département codes."""
    if not code or not code.strip():
        return None
    return code.strip().upper().zfill(2)


def same_departement(given: str | None, actual: str) -> bool:
    """Whether a département code read from a file agrees with a commune's département,
    counting the former Guadeloupe communes (Saint-Martin, Saint-Barthélemy) under 971."""
    wanted = normalise_departement(given)
    return wanted is None or wanted in (actual, _FORMER_DEPARTEMENTS.get(actual))


# ------------------------------------------------------------------------------ loading


def _read_gzip_csv(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _commune_from_row(row: dict[str, str]) -> Commune:
    return Commune(
        insee=row["insee"],
        name=row["name"],
        postal_codes=tuple(row["postal_codes"].split()),
        departement=row["departement"],
        region=row["region"],
        epci_siren=row["epci_siren"] or None,
        population=int(row["population"]) if row["population"] else None,
        latitude=float(row["latitude"]),
        longitude=float(row["longitude"]),
        position_precision=row["position_precision"],
    )


@dataclass(frozen=True)
class _Name:
    """A current or old name of a current commune, normalised for comparison."""

    words: str
    commune: Commune
    is_alias: bool

    @property
    def key(self) -> str:
        return compact(self.words)


class Gazetteer:
    """Current communes indexed by INSEE code, postal code and name."""

    def __init__(self, communes: Iterable[Commune], aliases: Iterable[dict[str, str]] = ()):
        self._communes: dict[str, Commune] = {c.insee: c for c in communes}
        self._departements = frozenset(c.departement for c in self._communes.values())
        self._alias_codes: dict[str, str] = {}
        self._by_postal_code: dict[str, list[Commune]] = defaultdict(list)
        # Every name (current or old) by compact key, and the names of each commune.
        self._by_key: dict[str, list[_Name]] = defaultdict(list)
        self._names_of: dict[str, list[_Name]] = defaultdict(list)
        for commune in self._communes.values():
            for post_code in commune.postal_codes:
                self._by_postal_code[post_code].append(commune)
            self._add_name(_Name(normalise_name(commune.name), commune, is_alias=False))
        for row in aliases:
            current = self._communes.get(row["current_insee"])
            if current is None:
                continue
            self._alias_codes.setdefault(row["insee"], current.insee)
            # An alias is matched through its current commune's postal codes: merged
            # communes have none of their own in the source, arrondissements share them.
            self._add_name(_Name(normalise_name(row["name"]), current, is_alias=True))

    def _add_name(self, name: _Name) -> None:
        self._by_key[name.key].append(name)
        self._names_of[name.commune.insee].append(name)

    @classmethod
    def load(cls, reference_dir: Path | str = DEFAULT_REFERENCE_DIR) -> Gazetteer:
        reference_dir = Path(reference_dir)
        communes = (
            _commune_from_row(row) for row in _read_gzip_csv(reference_dir / "communes.csv.gz")
        )
        aliases = _read_gzip_csv(reference_dir / "commune_aliases.csv.gz")
        return cls(communes, aliases)

    def __len__(self) -> int:
        return len(self._communes)

    def __iter__(self) -> Iterator[Commune]:
        return iter(self._communes.values())

    def get(self, insee: str) -> Commune | None:
        """The current commune for an INSEE code, following old and arrondissement codes."""
        code = (insee or "").strip().upper()
        if code in self._communes:
            return self._communes[code]
        current = self._alias_codes.get(code)
        return self._communes[current] if current else None

    def communes_for_postal_code(self, post_code: str) -> tuple[Commune, ...]:
        return tuple(self._by_postal_code.get(post_code, ()))

    def named(self, name: str) -> tuple[Commune, ...]:
        """Current communes with this name, or an old name of theirs (accents, case,
        hyphens and "St"/"Saint" ignored), most populous first."""
        found = {
            n.commune.insee: n.commune for n in self._by_key.get(compact(normalise_name(name)), ())
        }
        return tuple(sorted(found.values(), key=lambda c: -(c.population or 0)))

    # ------------------------------------------------------------------------ resolve

    def resolve(
        self,
        post_code: str,
        city: str,
        departement: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> Resolution:
        """The current commune of an address given as postal code and city name.

        Tried in order, each step only among communes of the postal code or of its
        département: the name among the postal code's communes (``postal_code+name``),
        an old name of one of them (``alias_name``), the name elsewhere in the
        département, for CEDEX and outdated codes (``name_in_departement``,
        ``alias_name_in_departement``), a name that starts the same way
        (``partial_name``: "Oissel" for Oissel-sur-Seine), the postal code's only commune
        (``single_commune_for_postal_code``) or the commune of the postal code nearest to
        the coordinates (``nearest_in_postal_code``). The last two are refused when the
        name is another commune's or the coordinates are far away. ``departement``, when
        given, must agree with the result.
        """
        code = (post_code or "").strip()
        if re.fullmatch(r"\d{4}", code):
            code = "0" + code  # a spreadsheet dropped the leading zero
        wanted = normalise_departement(departement)
        point = (latitude, longitude) if latitude is not None and longitude is not None else None
        query = _Query(code, city, name_variants(city), point)

        if not re.fullmatch(r"\d{5}", code):
            if not wanted:
                return Resolution(
                    None, reason=f"invalid postal code {post_code!r} and no département given"
                )
            query = _Query("", city, query.variants, point)
            return self._ladder(query, [], (wanted,), f"invalid postal code {post_code!r}")

        candidates = self._by_postal_code.get(code, [])
        if wanted:
            agreeing = [c for c in candidates if same_departement(wanted, c.departement)]
            if candidates and not agreeing:
                found_in = "/".join(sorted({c.departement for c in candidates}))
                return Resolution(
                    None,
                    reason=f"postal code {code} belongs to département {found_in}, not {wanted}",
                )
            candidates = agreeing
        departements = tuple(sorted({c.departement for c in candidates})) or (
            (wanted,) if wanted else departements_for_postal_prefix(code)
        )
        return self._ladder(query, candidates, departements, "")

    def _ladder(
        self, query: _Query, candidates: list[Commune], departements: tuple[str, ...], problem: str
    ) -> Resolution:
        steps: list[Callable[[], Resolution | None]] = [
            lambda: self._exact_name(query, candidates),
            lambda: self._name_in_departements(query, departements),
            lambda: self._partial_name(query, candidates),
            lambda: self._single(query, candidates),
            lambda: self._nearest(query, candidates),
        ]
        for step in steps:
            resolution = step()
            if resolution is not None:
                return resolution
        return Resolution(
            None, reason=self._failure_reason(query, candidates, departements, problem)
        )

    def _names_among(self, candidates: list[Commune], key: str) -> list[_Name]:
        insees = {c.insee for c in candidates}
        return [name for name in self._by_key.get(key, []) if name.commune.insee in insees]

    def _exact_name(self, query: _Query, candidates: list[Commune]) -> Resolution | None:
        """The name, current or old, of one of the postal code's communes."""
        for variant in query.variants:
            names = self._names_among(candidates, compact(variant))
            for is_alias, method in ((False, "postal_code+name"), (True, "alias_name")):
                chosen = _pick([n.commune for n in names if n.is_alias is is_alias], query.point)
                if chosen is not None:
                    return Resolution(chosen, method)
        return None

    def _name_in_departements(
        self, query: _Query, departements: tuple[str, ...]
    ) -> Resolution | None:
        """The name elsewhere in the département: CEDEX codes, which belong to no commune,
        and postal codes that do not list the commune (outdated, or the post office's)."""
        for variant in query.variants:
            names = [
                n
                for n in self._by_key.get(compact(variant), [])
                if n.commune.departement in departements
            ]
            for is_alias, method in (
                (False, "name_in_departement"),
                (True, "alias_name_in_departement"),
            ):
                chosen = _pick([n.commune for n in names if n.is_alias is is_alias], query.point)
                if chosen is not None:
                    return Resolution(chosen, method)
        return None

    def _partial_name(self, query: _Query, candidates: list[Commune]) -> Resolution | None:
        """A name of one of the postal code's communes that the given name starts, or that
        starts it, word for word: "Oissel" for Oissel-sur-Seine, "Berck-sur-Mer" for Berck."""
        for variant in query.variants:
            matches = _unique(
                name.commune
                for commune in candidates
                for name in self._names_of[commune.insee]
                if is_word_prefix(variant, name.words) or is_word_prefix(name.words, variant)
            )
            # Only a unique match: "Saint" starts too many names to choose by coordinates.
            if len(matches) == 1:
                return Resolution(matches[0], "partial_name")
        return None

    def _single(self, query: _Query, candidates: list[Commune]) -> Resolution | None:
        # The name may be a hamlet or a locality served by the commune's postal code, but
        # not another commune's name, and coordinates, when given, must agree.
        if len(candidates) != 1 or self._other_communes_named(query, candidates):
            return None
        if query.point and _distance_km(query.point, candidates[0]) > MAX_NEAREST_KM:
            return None
        return Resolution(candidates[0], "single_commune_for_postal_code")

    def _nearest(self, query: _Query, candidates: list[Commune]) -> Resolution | None:
        if query.point is None or not candidates or self._other_communes_named(query, candidates):
            return None
        # Communes without their own GeoNames position share an averaged one, often
        # nearer to everything than the real centres: prefer communes placed exactly.
        placed = [c for c in candidates if c.position_precision == "commune"] or candidates
        distance, commune = _nearest_with_distance(placed, query.point)
        if distance > MAX_NEAREST_KM:
            return None
        return Resolution(commune, "nearest_in_postal_code")

    def _other_communes_named(self, query: _Query, candidates: list[Commune]) -> list[Commune]:
        """Communes outside the candidates that bear the given name: then the row
        contradicts itself and choosing a candidate would be a guess."""
        insees = {c.insee for c in candidates}
        return _unique(
            name.commune
            for variant in query.variants
            for name in self._by_key.get(compact(variant), [])
            if name.commune.insee not in insees
        )

    def _failure_reason(
        self, query: _Query, candidates: list[Commune], departements: tuple[str, ...], problem: str
    ) -> str:
        where = f"département {'/'.join(departements)}"
        city = query.city
        prefix = f"{problem}: " if problem else ""
        if not candidates:
            if not any(d in self._departements for d in departements):
                return (
                    f"unknown commune: {prefix}no commune named {city!r} for postal code "
                    f"{query.post_code}, which matches no commune nor département"
                )
            if query.post_code:
                return (
                    f"unknown commune: {prefix}no commune named {city!r} for postal code "
                    f"{query.post_code} (a CEDEX or unknown code) nor in {where}"
                )
            return f"unknown commune: {prefix}no commune named {city!r} in {where}"
        listed = ", ".join(sorted(c.name for c in candidates)[:5])
        if len(candidates) > 5:
            listed += f" and {len(candidates) - 5} more"
        elsewhere = self._other_communes_named(query, candidates)
        if elsewhere:
            others = ", ".join(f"{c.name} ({c.insee})" for c in elsewhere[:3])
            return (
                f"inconsistent address: {city!r} is the commune {others}, not one of "
                f"postal code {query.post_code} ({listed})"
            )
        if query.point is None:
            return (
                f"ambiguous commune: no commune named {city!r} for postal code "
                f"{query.post_code} ({listed}) nor in {where}, and no coordinates "
                "to choose"
            )
        return (
            f"unknown commune: no commune named {city!r} for postal code "
            f"{query.post_code} ({listed}) nor in {where}, and the coordinates are over "
            f"{MAX_NEAREST_KM:g} km from all of them"
        )


@dataclass(frozen=True)
class _Query:
    post_code: str
    city: str
    variants: tuple[str, ...]
    point: Point | None


def _unique(communes: Iterable[Commune]) -> list[Commune]:
    return list({c.insee: c for c in communes}.values())


def _distance_km(point: Point, commune: Commune) -> float:
    return haversine_km(point[0], point[1], commune.latitude, commune.longitude)


def _nearest_with_distance(candidates: Iterable[Commune], point: Point) -> tuple[float, Commune]:
    return min(
        ((_distance_km(point, c), c) for c in candidates), key=lambda pair: (pair[0], pair[1].insee)
    )


def _pick(matches: list[Commune], point: Point | None) -> Commune | None:
    """The one match, or the nearest when a name is shared and coordinates tell them apart."""
    matches = _unique(matches)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1 and point is not None:
        return _nearest_with_distance(matches, point)[1]
    return None


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer of the repository's ``data/reference``, loaded once per process."""
    return Gazetteer.load(DEFAULT_REFERENCE_DIR)
