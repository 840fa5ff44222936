"""Whether what was computed still holds: the directory's version (what changes when an
enterprise or the track record does), then a stored result checked against it, the
intention's last change and the rules in force."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session

from domain.matching.rules import load_rules
from webapp.models import ContractAward, Enterprise, MatchRun, PurchaseIntention

_ENTERPRISE_PARTS = 4  # how many values of the version describe the enterprises


def directory_version(session: Session) -> str:
    """What changes when an enterprise or the track record does: active enterprises,
    highest id, latest update, a checksum of every update stamp (an edit committed after a
    later one moves no maximum); then the awards: how many, highest id, how many linked
    to an enterprise and to which (a sum), how many reserved. A stored match computed on
    another version is stale."""
    stamp = Enterprise.updated_at
    if session.get_bind().dialect.name == "sqlite":  # stamps are text: milliseconds of day
        checksum = func.sum(cast(func.julianday(stamp) * 86_400_000, BigInteger) % 86_400_000)
    else:
        checksum = func.sum(func.extract("epoch", stamp))
    enterprises = session.execute(
        select(
            func.count(Enterprise.id).filter(Enterprise.status == "active"),
            func.max(Enterprise.id),
            func.max(stamp),
            checksum,
        )
    ).one()
    awards = session.execute(
        select(
            func.count(ContractAward.id),
            func.max(ContractAward.id),
            func.count(ContractAward.enterprise_id),
            func.sum(ContractAward.enterprise_id),
            func.count(ContractAward.reservation),
        )
    ).one()
    return "|".join(str(value) for value in (*enterprises, *awards))


def same_track_record(version: str, other: str) -> bool:
    """Whether two directory versions hold the same awards (enterprises aside)."""
    return version.split("|")[_ENTERPRISE_PARTS:] == other.split("|")[_ENTERPRISE_PARTS:]


def is_current(
    session: Session,
    intention: PurchaseIntention,
    stored: MatchRun | None,
    version: str | None = None,
) -> bool:
    """Whether the stored result was computed after the intention's last change, on the
    directory as it is now (``version``, if just read), with the rules of now."""
    if stored is None or stored.rules_version != load_rules().version:
        return False
    if _aware(intention.updated_at) > _aware(stored.computed_at):
        return False
    return stored.directory_version == (version or directory_version(session))


def stale_intention_ids(session: Session) -> list[int]:
    """The published intentions whose stored result is missing, older than the intention,
    or computed on another state of the directory or other rules."""
    version, rules = directory_version(session), load_rules().version
    rows = session.execute(
        select(
            PurchaseIntention.id,
            PurchaseIntention.updated_at,
            MatchRun.computed_at,
            MatchRun.directory_version,
            MatchRun.rules_version,
        )
        .outerjoin(MatchRun, MatchRun.intention_id == PurchaseIntention.id)
        .where(PurchaseIntention.status == "published")
        .order_by(PurchaseIntention.id)
    ).all()
    return [
        intention_id
        for intention_id, updated, computed, directory, rules_version in rows
        if computed is None
        or _aware(updated) > _aware(computed)
        or directory != version
        or rules_version != rules
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite gives stamps back naive: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
