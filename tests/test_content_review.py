"""`python -m assistant content-review`: stale answers and due changing facts, for an injected day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from assistant import content_review
from assistant.content_review import months_before, review

TODAY = date(2026, 12, 6)


def _answer(qid: str, checked: str) -> dict:
    return {
        "id": qid,
        "sources": [
            {"title": "old", "url": "https://example.org/old", "checked": "2020-01-01"},
            {"title": "newest", "url": "https://example.org/new", "checked": checked},
        ],
        "answer": {"de": "Eins.\nZwei.\n"},
    }


def _content(tmp_path: Path, facts: list[dict]) -> Path:
    (tmp_path / "faq").mkdir()
    questions = [
        _answer("thirteen_months", months_before(TODAY, 13).isoformat()),
        _answer("eleven_months", months_before(TODAY, 11).isoformat()),
        _answer("exactly_twelve_months", months_before(TODAY, 12).isoformat()),
    ]
    (tmp_path / "faq" / "demo.yml").write_text(
        yaml.safe_dump({"topic": "demo", "questions": questions}), encoding="utf-8"
    )
    (tmp_path / "changing_facts.yml").write_text(yaml.safe_dump({"facts": facts}), encoding="utf-8")
    return tmp_path


def _fact(fact_id: str, recheck_on: str, answers: list[str] | None = None) -> dict:
    return {
        "id": fact_id,
        "fact": "Kindergeld per child and month",
        "value": "259 Euro",
        "answers": answers or ["demo/eleven_months"],
        "recheck_on": recheck_on,
    }


def test_an_answer_checked_13_months_ago_is_listed_one_checked_11_months_ago_is_not(tmp_path) -> None:
    findings = review(TODAY, _content(tmp_path, []))
    assert any("demo/thirteen_months" in line for line in findings), findings
    assert not any("demo/eleven_months" in line for line in findings), findings
    assert not any("demo/exactly_twelve_months" in line for line in findings), findings


def test_a_due_fact_is_listed_and_a_future_one_is_not(tmp_path) -> None:
    facts = [_fact("due_fact", "2026-11-30"), _fact("future_fact", "2027-01-04")]
    findings = review(TODAY, _content(tmp_path, facts))
    assert any(line.startswith("fact due_fact:") for line in findings), findings
    assert not any("future_fact" in line for line in findings), findings


def test_a_fact_naming_a_missing_answer_is_reported(tmp_path) -> None:
    findings = review(TODAY, _content(tmp_path, [_fact("lost", "2027-01-04", ["demo/gone"])]))
    assert any("lost" in line and "demo/gone" in line for line in findings), findings


def test_broken_input_becomes_a_line_not_an_exception(tmp_path) -> None:
    content = _content(tmp_path, [])
    (content / "changing_facts.yml").write_text("facts: [unclosed", encoding="utf-8")
    (content / "faq" / "broken.yml").write_text("questions:\n  - id: x\n    sources: [{checked: soon}]\n")
    findings = review(TODAY, content)
    assert any("changing_facts.yml" in line for line in findings), findings
    assert any("broken/x" in line for line in findings), findings


def test_months_before_keeps_the_day_or_takes_the_last_day_of_a_shorter_month() -> None:
    assert months_before(date(2026, 12, 6), 12) == date(2025, 12, 6)
    assert months_before(date(2026, 12, 6), 13) == date(2025, 11, 6)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)


def test_the_real_content_can_be_reviewed_and_the_command_never_fails(capsys) -> None:
    findings = review(TODAY)
    assert all(isinstance(line, str) for line in findings)
    assert content_review.main(TODAY) == 0
    assert "Content review 2026-12-06" in capsys.readouterr().out
