"""The matcher's thresholds and versioned tables, read from ``data/mappings``."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

MAPPINGS = Path(__file__).resolve().parents[2] / "data" / "mappings"


@dataclass(frozen=True)
class Rules:
    version: str
    values: dict[str, dict[str, Any]]
    # kind -> sector group -> share of the kind's structures working in that group
    kind_priors: dict[str, dict[str, float]]
    prior_version: str
    min_prior: float
    # CPV prefixes of the services L2113-15 may reserve (annexed list)
    ess_cpv_prefixes: tuple[str, ...]

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.values[section]


@lru_cache(maxsize=4)
def load_rules(folder: Path = MAPPINGS) -> Rules:
    values = tomllib.loads((folder / "matching_rules.toml").read_text(encoding="utf-8"))
    priors: dict[str, dict[str, float]] = {}
    prior_version, min_prior = "", 0.0
    with (folder / "kind_sector_prior.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            priors.setdefault(row["kind"], {})[row["sector_group"]] = float(row["share"])
    for line in (folder / "kind_sector_prior.csv").read_text(encoding="utf-8").splitlines():
        if line.startswith("# version:"):
            prior_version = line.split(":", 1)[1].strip()
        if line.startswith("# min_share:"):
            min_prior = float(line.split(":", 1)[1])
    with (folder / "ess_services_cpv.csv").open(encoding="utf-8") as handle:
        prefixes = tuple(
            row["cpv_prefix"]
            for row in csv.DictReader(line for line in handle if not line.startswith("#"))
        )
    return Rules(
        version=values.pop("version"),
        values=values,
        kind_priors=priors,
        prior_version=prior_version,
        min_prior=min_prior,
        ess_cpv_prefixes=prefixes,
    )
