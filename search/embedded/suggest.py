"""Names for the search box: display names beginning with what was typed, then names
whose words begin with each word typed (typo-tolerant on whole words when nothing begins
so)."""

from __future__ import annotations

from search.embedded.database import Database, unavailable_on_error
from search.embedded.text import MAX_UNITS, TextUnit, expand_word
from search.text import MAX_WORD, folded, stem, words


def suggestions(database: Database, prefix: str, limit: int = 8) -> list[str]:
    """Up to ``limit`` display names for what was typed."""
    start = folded(prefix)[: MAX_WORD * 4]
    if not start or limit < 1:
        return []
    with unavailable_on_error("suggest"), database.reading() as conn:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT display_name FROM docs WHERE sort_key >= ? AND sort_key < ? "
                "ORDER BY sort_key, id LIMIT ?",
                (start, start + "{", limit * 2),  # "{" sorts right after "z"
            )
        ]
        units = []
        typed_words = words(prefix)[:MAX_UNITS]
        for position, typed in enumerate(typed_words, 1):
            unit = TextUnit(own=(stem(typed),))
            # The last word is still being typed: two letters already narrow it.
            expand_word(conn, typed, unit, 2 if position == len(typed_words) else 3)
            units.append(unit)
        if units and len(set(names)) < limit:
            match = " AND ".join(f"name : {unit.expression()}" for unit in units)
            names += [
                name
                for (name,) in conn.execute(
                    "SELECT d.display_name FROM fts JOIN docs d ON d.slot = fts.rowid "
                    "WHERE fts MATCH ? LIMIT ?",
                    (match, limit * 2),
                )
            ]
    return list(dict.fromkeys(names))[:limit]
