"""The matches answer is the matcher's result key for key: its schema (which writes the
answer and documents it) leaves nothing of the result out."""

from __future__ import annotations

from tests.factories import CLEANING, GREEN, SIRETS, intention, supplier
from webapp.intentions.queries import current_matches


def _keys(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{path}.{key}"
            yield from _keys(value, f"{path}.{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value, f"{path}[]")


def test_the_matches_answer_is_the_whole_result(client, session):
    supplier(session, SIRETS[0], CLEANING, name="Net Nord")
    supplier(session, SIRETS[1], GREEN, name="Jardins du Nord")
    row = intention(session, sectors=[CLEANING, GREEN])
    session.commit()
    result = current_matches(session, row)
    assert result["suppliers"] and result["groups"] and result["census"] is not None
    answer = client.get(f"/api/v1/intentions/{row.id}/matches").get_json()
    assert set(_keys(answer)) == set(_keys(result))
    assert answer == result
