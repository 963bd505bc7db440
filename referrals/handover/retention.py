"""The handover's part of the retention job (assistant/retention.py): idle threads close
themselves, and closed threads are deleted with their texts after the retention period.
Only the statistics counter (statistics_handover) stays: it holds no text and no id.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from referrals import clock
from referrals.db import make_engine
from referrals.handover.models import Delivery, Message, Thread
from referrals.handover.threads import close


def close_idle(session: Session, idle: timedelta) -> int:
    """Threads without a message for `idle` are closed (the caller commits)."""
    cutoff = clock.utcnow() - idle
    idle_threads = list(
        session.scalars(select(Thread).where(Thread.state != "closed", Thread.last_activity_at < cutoff))
    )
    for thread in idle_threads:
        close(session, thread, tell_user=True)
    return len(idle_threads)


def delete_closed(session: Session, kept: timedelta) -> int:
    """Threads closed longer ago than `kept`, with every message (the caller commits)."""
    cutoff = clock.utcnow() - kept
    ids = list(session.scalars(select(Thread.id).where(Thread.closed_at < cutoff)))
    if ids:
        session.execute(delete(Message).where(Message.thread_id.in_(ids)))
        session.execute(delete(Delivery).where(Delivery.thread_id.in_(ids)))
        session.execute(delete(Thread).where(Thread.id.in_(ids)))
    return len(ids)


def run(database_url: str, idle_days: float, kept_days: float) -> tuple[int, int]:
    """(threads closed for idleness, threads deleted); (0, 0) before the tables exist."""
    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table(Thread.__tablename__):
            return 0, 0
        with Session(engine) as session, session.begin():
            closed = close_idle(session, timedelta(days=idle_days))
            session.flush()
            return closed, delete_closed(session, timedelta(days=kept_days))
    finally:
        engine.dispose()
