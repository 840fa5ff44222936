"""Kinds of inclusive enterprise and what each one means (see DESIGN.md, domain vocabulary).

Labels are French source strings marked with ``N_`` so Babel extracts them; templates
translate them at render time with ``_()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


def N_(text: str) -> str:  # noqa: N802 - the gettext_noop convention
    return text


class Family(StrEnum):
    INSERTION = "insertion"
    DISABILITY = "disability"
    PRISON = "prison"
    ESS = "ess"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    family: Family
    meaning: str


KINDS: tuple[Kind, ...] = (
    Kind(
        "EI",
        N_("Entreprise d'insertion"),
        Family.INSERTION,
        N_(
            "Structure d'insertion par l'activité économique (SIAE, art. L5132-4 du Code du "
            "travail) qui produit des biens ou des services en salariant des personnes "
            "éloignées de l'emploi."
        ),
    ),
    Kind(
        "ETTI",
        N_("Entreprise de travail temporaire d'insertion"),
        Family.INSERTION,
        N_(
            "SIAE qui met ses salariés en insertion à disposition d'entreprises clientes "
            "sous forme de missions d'intérim."
        ),
    ),
    Kind(
        "AI",
        N_("Association intermédiaire"),
        Family.INSERTION,
        N_(
            "SIAE associative qui met des personnes en insertion à disposition de "
            "particuliers, d'associations, de collectivités ou d'entreprises."
        ),
    ),
    Kind(
        "ACI",
        N_("Atelier et chantier d'insertion"),
        Family.INSERTION,
        N_(
            "SIAE, souvent portée par une association ou une collectivité, qui salarie des "
            "personnes très éloignées de l'emploi sur des activités d'utilité sociale."
        ),
    ),
    Kind(
        "EITI",
        N_("Entreprise d'insertion par le travail indépendant"),
        Family.INSERTION,
        N_(
            "Structure expérimentale qui accompagne des travailleurs indépendants en "
            "insertion ; traitée comme une structure équivalente aux SIAE."
        ),
    ),
    Kind(
        "GEIQ",
        N_("Groupement d'employeurs pour l'insertion et la qualification"),
        Family.INSERTION,
        N_(
            "Groupement d'employeurs qui recrute des personnes éloignées de l'emploi en "
            "alternance et les met à disposition de ses membres ; ce n'est pas une SIAE."
        ),
    ),
    Kind(
        "EA",
        N_("Entreprise adaptée"),
        Family.DISABILITY,
        N_(
            "Entreprise du milieu ordinaire dont au moins 55 % des salariés de production "
            "sont des travailleurs handicapés."
        ),
    ),
    Kind(
        "EATT",
        N_("Entreprise adaptée de travail temporaire"),
        Family.DISABILITY,
        N_(
            "Entreprise adaptée expérimentale qui propose des missions d'intérim à des "
            "travailleurs handicapés."
        ),
    ),
    Kind(
        "ESAT",
        N_("Établissement et service d'aide par le travail"),
        Family.DISABILITY,
        N_(
            "Établissement médico-social qui offre une activité professionnelle et un "
            "soutien à des personnes handicapées orientées par la MDPH."
        ),
    ),
    Kind(
        "SEP",
        N_("Service de l'emploi pénitentiaire"),
        Family.PRISON,
        N_(
            "Travail des personnes détenues, organisé par le service de l'emploi "
            "pénitentiaire (marchés réservés L2113-13-1)."
        ),
    ),
    Kind(
        "ESS",
        N_("Entreprise de l'économie sociale et solidaire"),
        Family.ESS,
        N_(
            "Association, coopérative (SCOP, SCIC), mutuelle, fondation ou société "
            "commerciale qui remplit les conditions de la loi du 31 juillet 2014 (art. 1)."
        ),
    ),
)

KINDS_BY_CODE: dict[str, Kind] = {kind.code: kind for kind in KINDS}
KIND_CODES: tuple[str, ...] = tuple(KINDS_BY_CODE)

FAMILY_LABELS: dict[Family, str] = {
    Family.INSERTION: N_("Insertion"),
    Family.DISABILITY: N_("Handicap"),
    Family.PRISON: N_("Travail pénitentiaire"),
    Family.ESS: N_("Économie sociale et solidaire"),
}


PRESTA_TYPES: dict[str, str] = {
    "service": N_("Prestation de services"),
    "staffing": N_("Mise à disposition de personnel / intérim"),
    "supply": N_("Fabrication, fourniture"),
}

ESS_STATUSES: dict[str, str] = {
    "unknown": N_("Non renseigné"),
    "by_statute": N_("ESS de droit (association, coopérative, mutuelle, fondation)"),
    "company": N_("Société commerciale de l'ESS"),
    "not_ess": N_("Hors ESS"),
}
