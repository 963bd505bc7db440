"""The reviewed content files (content/*.yml): short texts, orientation answers, crisis answers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from referrals.topics import DEFAULT_LANGUAGE

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


@lru_cache
def messages() -> dict[str, Any]:
    return yaml.safe_load((CONTENT_DIR / "messages.yml").read_text(encoding="utf-8"))


@lru_cache
def _faq_files() -> tuple[dict[str, Any], ...]:
    paths = sorted((CONTENT_DIR / "faq").glob("*.yml"))
    return tuple(yaml.safe_load(path.read_text(encoding="utf-8")) for path in paths)


@lru_cache
def faq_topics() -> dict[str, str]:
    """FAQ id -> topic code of the file it is in."""
    return {q["id"]: data["topic"] for data in _faq_files() for q in data["questions"]}


@lru_cache
def faq_titles() -> dict[str, dict[str, str]]:
    """FAQ id -> its short button title per language."""
    return {q["id"]: q["title"] for data in _faq_files() for q in data["questions"] if q.get("title")}


@lru_cache
def towns_with_local_emergency_service() -> frozenset[str]:
    """Towns for which a crisis answer names the town's own service (content/crisis.yml `local`)."""
    crisis = yaml.safe_load((CONTENT_DIR / "crisis.yml").read_text(encoding="utf-8"))
    return frozenset(town for item in crisis["crises"] for town in item.get("local") or {})


def text(section: str, key: str, language: str, **values: str) -> str:
    """A text of content/messages.yml in `language` (German when missing), filled in."""
    texts = messages()[section][key]
    return (texts.get(language) or texts[DEFAULT_LANGUAGE]).format(**values)
