"""Keep the reviewed content true: what is due for a fresh check (`python -m assistant content-review`).

Two things go stale: an answer whose sources nobody looked at for a year, and a fact that
changes on a known date (content/changing_facts.yml: Kindergeld amount, benefit names,
income limits, minimum wage, helpline hours ...). `review(today)` lists both, one line each.
It only reports: a missing or broken file or date becomes a line of the list, never an
exception, so the command cannot fail a build.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from assistant.settings import PROJECT_ROOT
from referrals import clock

CONTENT = PROJECT_ROOT / "content"
MAX_AGE_MONTHS = 12


def months_before(day: date, months: int) -> date:
    """The same calendar day `months` earlier (the month's last day where it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover - day 28 exists in every month


def _date(value: Any) -> date | None:
    """A YYYY-MM-DD date (YAML may already have parsed it), else None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _load(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{path.name}: could not be read ({error.__class__.__name__})")
        return None


def _answers(content: Path, problems: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every answer as `topic/id` (crisis answers as `crisis/id`) with the sources it was checked against."""
    answers: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((content / "faq").glob("*.yml")):
        data = _load(path, problems)
        for question in (data or {}).get("questions") or []:
            answers[f"{path.stem}/{question.get('id')}"] = question.get("sources") or []
    crisis_path = content / "crisis.yml"
    if crisis_path.exists():
        crisis = _load(crisis_path, problems) or {}
        for item in crisis.get("crises") or []:
            answers[f"crisis/{item.get('id')}"] = crisis.get("sources") or []
    return answers


def stale_answers(today: date, content: Path = CONTENT) -> list[str]:
    """Answers whose newest `checked` source date is older than 12 months before `today`."""
    problems: list[str] = []
    cutoff = months_before(today, MAX_AGE_MONTHS)
    for name, sources in _answers(content, problems).items():
        dates = [d for d in (_date(s.get("checked")) for s in sources if isinstance(s, dict)) if d]
        if not dates:
            problems.append(f"answer {name}: no source with a checked date (YYYY-MM-DD)")
        elif max(dates) < cutoff:
            problems.append(
                f"answer {name}: newest source checked {max(dates).isoformat()}, "
                f"more than {MAX_AGE_MONTHS} months before {today.isoformat()}: check it again"
            )
    return problems


def due_facts(today: date, content: Path = CONTENT) -> list[str]:
    """Changing facts whose `recheck_on` day has come, and facts naming answers that do not exist."""
    problems: list[str] = []
    path = content / "changing_facts.yml"
    if not path.exists():
        return [f"{path.name}: missing"]
    data = _load(path, problems)
    if data is None:
        return problems
    known = set(_answers(content, problems))
    for fact in (data or {}).get("facts") or []:
        fact_id = fact.get("id", "?")
        recheck_on = _date(fact.get("recheck_on"))
        if recheck_on is None:
            problems.append(f"fact {fact_id}: no recheck_on date (YYYY-MM-DD)")
        elif recheck_on <= today:
            answers = ", ".join(fact.get("answers") or []) or "no answers named"
            problems.append(
                f"fact {fact_id}: recheck was due on {recheck_on.isoformat()} "
                f"({fact.get('fact', '')}; now: {fact.get('value', '')}; answers: {answers})"
            )
        for answer in fact.get("answers") or []:
            if answer not in known:
                problems.append(f"fact {fact_id}: names an answer that does not exist: {answer}")
    return problems


def review(today: date, content: Path = CONTENT) -> list[str]:
    """Everything due for a fresh check on `today`: stale answers, then due changing facts."""
    try:
        return stale_answers(today, content) + due_facts(today, content)
    except Exception as error:  # noqa: BLE001 - a report must never fail the build
        return [f"content review could not finish: {error!r}"]


def main(today: date | None = None) -> int:
    """Print the review for `today` (default: today in Berlin, by the one clock); always succeeds."""
    day = today or clock.today()
    findings = review(day)
    print(f"Content review {day.isoformat()}: {len(findings) or 'nothing'} due")
    for line in findings:
        print(f"- {line}")
    return 0
