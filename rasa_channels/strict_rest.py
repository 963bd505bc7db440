"""Rasa's REST channel, except that a turn that was not fully run and stored is refused.

Rasa wraps every tracker store in a FailSafeTrackerStore: when reading or saving the
conversation fails (SQLite "database is locked", PostgreSQL gone), it logs the error and
goes on with an empty conversation or saves it in memory, where it is lost on restart and
out of reach of /forget and retention. When a custom action fails (the action server is
down or restarting), Rasa logs it, stores the turn without the action's answer and replies
with nothing. The REST channel would answer as if nothing had happened.

This channel notes such failures during the turn, does not store the turn, and answers with
one marker message instead of the replies, `{"custom": {"wegweiser": "tracker_store_failed"}}`:
the Telegram adapter keeps the message in its inbox, tells the user it is kept, and sends it
again later against the stored conversation, which does not contain the failed turn.

It also keeps the message text out of the log when a turn is abandoned (the client went
away) or fails: Rasa's REST channel logs it there.

Runs in the Rasa environment (.venv-rasa); credentials.yml names it. It never imports the
application.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic

log = logging.getLogger(__name__)

TRACKER_STORE_FAILED = {"custom": {"wegweiser": "tracker_store_failed"}}
_failures: ContextVar[list[str] | None] = ContextVar("tracker_store_failures", default=None)


def _refuse(reason: str) -> None:
    """Note that the current turn must not count (outside a turn: only logged)."""
    failures = _failures.get()
    if failures is not None:
        failures.append(reason)
    log.error("%s; the turn is not stored and will be sent again", reason)


def _note_failure(error: Exception) -> None:
    # The operator must see it: the error's first line names the database, never a message.
    first_line = str(error).splitlines()[0][:200] if str(error) else ""
    _refuse(f"tracker store failed ({type(error).__name__}: {first_line})")


_run_remote_action = RemoteAction.run


async def _run_remote_action_noting_failure(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    try:
        return await _run_remote_action(self, *args, **kwargs)
    except ActionExecutionRejection:  # a form's normal "not this slot": no failure
        raise
    except Exception as error:
        _refuse(f"custom action {self.name()} failed ({type(error).__name__})")
        raise  # Rasa goes on as before (logs it, the action's events are lost)


# Rasa catches a failing custom action inside the turn; this is where it can be noticed.
RemoteAction.run = _run_remote_action_noting_failure


def _guard(store: Any) -> None:
    """Once: FailSafeTrackerStore reports failures here instead of logging and falling back
    silently, and a refused turn is never written (one that could not read its conversation
    would append a turn run on an empty conversation to the stored one)."""
    if getattr(store, "_wegweiser_guarded", False):
        return
    store._on_tracker_store_error = _note_failure
    primary = store._tracker_store
    save = primary.save

    async def save_unless_refused(tracker: Any) -> None:
        if _failures.get():
            return  # the turn will be sent again: it must not be in the conversation twice
        await save(tracker)

    primary.save = save_unless_refused
    store._wegweiser_guarded = True


class StrictRestInput(RestInput):
    """The REST channel (same URL: /webhooks/rest/webhook) that refuses unstored turns."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def strict(message: UserMessage) -> None:
            store = Sanic.get_app().ctx.agent.tracker_store
            _guard(store)
            failures: list[str] = []
            token = _failures.set(failures)
            if type(store._tracker_store).__name__ == "InMemoryTrackerStore":
                _refuse("Rasa has no tracker store but memory")  # nothing would survive a restart
            try:
                await on_new_message(message)
            except asyncio.CancelledError:
                # The client went away (adapter killed or timed out): the turn is abandoned and
                # will be sent again. Caught here because the REST channel would log the text.
                log.warning("turn abandoned: the client went away before the answer")
                return
            except Exception as error:  # noqa: BLE001 - as the REST channel, but without the text
                # Type and place only: an exception's text or traceback may quote the message.
                frame = traceback.extract_tb(error.__traceback__)[-1]
                log.error("turn failed: %s at %s:%s", type(error).__name__, frame.filename, frame.lineno)
                return
            finally:
                _failures.reset(token)
            if failures:
                fallback = getattr(store, "_fallback_tracker_store", None)
                if fallback is not None:  # nothing of the conversation may stay in memory
                    getattr(fallback, "store", {}).pop(message.sender_id, None)
                collected = getattr(message.output_channel, "messages", None)
                if isinstance(collected, list):
                    collected[:] = [TRACKER_STORE_FAILED]

        return super().blueprint(strict)
