"""Retention: conversation texts are kept only while a conversation may still need them.

Rasa's tracker store holds every message (text, parse data, metadata). The job deletes
each conversation idle for longer than CONVERSATION_RETENTION_HOURS (default 24) through
assistant.conversations.delete_idle_conversations; a conversation still in use keeps
its history. /forget deletes one conversation at once (the Telegram adapter).

The statistics need no deletion: they are aggregated counters with no per-turn detail,
no text and no id (see referrals.statistics.models); the daily hash salt lives only in
the action server's memory and is replaced every day.

The Telegram adapter's inbox (bot/inbox.py; its table in referrals/inbox_table.py) keeps a
message's text only until it is answered; its rows (answered or, after the adapter was
stopped that long, not) are deleted by the same job after the same period.

Handover threads (referrals/handover): closed after HANDOVER_IDLE_DAYS without a message, and
deleted with their texts HANDOVER_RETENTION_DAYS after closing; /forget deletes them at once.

Scheduled inside the application: the run command (`python -m assistant run`) runs the
job at start and then every hour beside its processes; `python -m referrals retention`
runs it once (e.g. from cron when the assistant is deployed differently).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from assistant.conversations import delete_idle_conversations
from assistant.settings import Settings, get_settings
from referrals.handover import retention as handover_retention
from referrals.inbox_table import delete_expired_entries

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 3600.0
T = TypeVar("T")


def run_retention(settings: Settings | None = None) -> int:
    """Delete what is due now; returns the number of tracker-store rows deleted."""
    settings = settings or get_settings()
    hours = settings.conversation_retention_hours
    deleted = delete_idle_conversations(timedelta(hours=hours), settings)
    log.info("retention: deleted %d stored events of conversations idle for more than %g h", deleted, hours)
    inbox = delete_expired_entries(settings.database_url, timedelta(hours=hours))
    log.info("retention: deleted %d inbox entries received more than %g h ago", inbox, hours)
    closed, removed = handover_retention.run(
        settings.database_url, settings.handover_idle_days, settings.handover_retention_days
    )
    log.info("retention: %d idle handover threads closed, %d closed threads deleted", closed, removed)
    return deleted


async def retention_loop(
    interval_seconds: float = INTERVAL_SECONDS, job: Callable[[], object] = run_retention
) -> None:
    """Run `job` now and then every `interval_seconds`, until cancelled; a failure is logged, not fatal."""
    while True:
        try:
            await asyncio.to_thread(job)
        except Exception as error:  # noqa: BLE001 - try again at the next interval
            log.error("retention job failed: %s: %s", type(error).__name__, error)
        await asyncio.sleep(interval_seconds)


async def with_retention(
    main: Awaitable[T], interval_seconds: float = INTERVAL_SECONDS, job: Callable[[], object] = run_retention
) -> T:
    """Await `main` (the supervisor) with the hourly retention job running beside it."""
    task = asyncio.create_task(retention_loop(interval_seconds, job), name="retention")
    try:
        return await main
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
