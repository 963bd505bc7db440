"""Rasa sends its 1.1 MB domain only where it is read (endpoints.yml: enable_selective_domain),
and the action server still answers the calls that come without it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionMissingDomainException

from assistant.conversations import ENDPOINTS, rasa_endpoints
from assistant.settings import Settings
from referrals.actions.server import SelectiveDomainExecutor

ROOT = Path(__file__).resolve().parent.parent


def _call(action: str, domain: dict | None) -> dict:
    """An action call as Rasa 3.6 sends it (no domain digest)."""
    call = {
        "next_action": action,
        "sender_id": "test",
        "version": "3.6.21",
        "tracker": {
            "sender_id": "test",
            "slots": {"language": "en"},
            "latest_message": {"intent": {"name": "greet"}, "entities": [], "text": "hello"},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }
    if domain is not None:
        call["domain"] = domain
    return call


def test_rasa_is_told_to_send_the_domain_only_where_it_is_needed(tmp_path: Path) -> None:
    endpoints = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["enable_selective_domain"] is True
    # Also in the endpoints the run command generates for a Redis lock store.
    generated, _ = rasa_endpoints(Settings(redis_url="redis://127.0.0.1:6379/0", database_url="sqlite://"))
    assert yaml.safe_load(generated.read_text(encoding="utf-8"))["action_endpoint"]["enable_selective_domain"]


def test_no_custom_action_reads_the_domain() -> None:
    """Rasa now sends it only to actions marked `send_domain` (none) and to validate_* actions:
    an action that starts reading it must be marked in domain/ (which changes the model)."""
    marked = [
        name
        for path in sorted((ROOT / "domain").glob("*.yml"))
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("actions", [])
        if isinstance(entry, dict)
        for name, config in entry.items()
        if (config or {}).get("send_domain")
    ]
    readers = []
    for path in sorted((ROOT / "referrals" / "actions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                uses = [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == "domain"]
                if uses:
                    readers.append(f"{path.name}:{node.name}")
    assert readers == [] or marked, f"these read the domain but no action is marked send_domain: {readers}"


async def test_an_action_called_without_the_domain_still_answers() -> None:
    executor = SelectiveDomainExecutor()
    executor.register_package("referrals.actions")
    result = await executor.run(_call("action_topic_menu", domain=None))
    assert result is not None
    [menu] = result.model_dump()["responses"]
    assert menu["buttons"] and menu["text"]
    # With the domain (validate_* actions always get it) nothing changes either.
    with_domain = await executor.run(_call("action_topic_menu", domain={"slots": {}}))
    assert with_domain is not None and with_domain.model_dump()["responses"] == [menu]


async def test_rasa_sdks_own_executor_would_refuse_that_call() -> None:
    """Why referrals/actions/server.py exists: rasa-sdk 3.21 wants a domain digest Rasa 3.6 never sends."""
    executor = ActionExecutor()
    executor.register_package("referrals.actions")
    with pytest.raises(ActionMissingDomainException):
        await executor.run(_call("action_topic_menu", domain=None))
