"""Reading what Rasa's NLU said about a message (its parse data), for the action server and the
statistics alike: one rule for what counts as an entity, one for the reply language."""

from __future__ import annotations

from typing import Any

from referrals.topics import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES


def entity(parse: dict[str, Any], name: str) -> str | None:
    """The first `name` entity of a parsed message, as text. A missing value and an empty one
    count as no entity: a payload such as `{"ref":""}` names nothing."""
    for found in parse.get("entities") or []:
        if found.get("entity") == name and found.get("value") not in (None, ""):
            return str(found["value"])
    return None


def supported_language(code: str | None) -> str:
    """`code` where the assistant speaks it, else DEFAULT_LANGUAGE (German)."""
    return code if code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
