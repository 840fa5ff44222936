"""The matcher on the database, one job a module:

- ``facts``: rows turned into the facts of ``domain.matching`` (places, purchases,
  suppliers), with the reference data each application keeps in memory;
- ``pool``: every supplier as one table, kept in memory by the application and read
  again only where the directory changed;
- ``staleness``: the directory's version, and whether a stored result still holds;
- ``store``: matching, storing the results and keeping them current;
- ``answers``: who answers a result and how (alone or in a group, with which articles);
- ``reach``: the stale intentions an enterprise may take part in;
- ``bulk``: many rows written at once through the driver;
- ``present``: the results as JSON, sectors by name, the texts in another language;
- ``cli``: ``flask match run`` and ``flask match digest``.
"""

from __future__ import annotations

from flask import Flask

from webapp.matching import facts, pool


def init_app(app: Flask) -> None:
    """Give ``app`` what the matcher keeps in memory: its reference cache and supplier pool
    (each application its own)."""
    facts.init_app(app)
    pool.init_app(app)
