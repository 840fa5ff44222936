"""``flask match run`` (webapp/matching/cli.py)."""

from __future__ import annotations

from sqlalchemy import select

from tests.webapp.matching.factories import intention_row, supplier_row
from webapp.models import MatchRun


def test_match_run_command(runner, session):
    supplier_row(session, 1)
    supplier_row(session, 2)
    one = intention_row(session)
    two = intention_row(session, title="Nettoyage du Nord", place=("departement", "59"))
    intention_row(session, title="Brouillon", status="draft")
    session.commit()
    result = runner.invoke(args=["match", "run"])
    assert result.exit_code == 0, result.output
    assert "2/2 intentions" in result.output
    assert "2 intentions matched in" in result.output and "4 candidates" in result.output
    assert {r.intention_id for r in session.scalars(select(MatchRun))} == {one.id, two.id}

    result = runner.invoke(args=["match", "run", "--intention", str(one.id)])
    assert result.exit_code == 0 and "1 intentions matched" in result.output
    result = runner.invoke(args=["match", "run", "--intention", "999999"])
    assert result.exit_code != 0 and "no intention #999999" in result.output
